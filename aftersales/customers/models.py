"""Customers, the product catalogue, customers' assets and the warranty that covers them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Store
from aftersales.core.models import TimeStampedModel
from aftersales.customers.querysets import AssetQuerySet, CustomerQuerySet


class Customer(TimeStampedModel):
    class Kind(models.TextChoices):
        PERSON = "person", _("person")
        COMPANY = "company", _("company")

    class Tier(models.TextChoices):
        STANDARD = "standard", _("standard")
        SILVER = "silver", _("silver")
        GOLD = "gold", _("gold")
        VIP = "vip", _("VIP")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=32, blank=True, db_index=True)
    email = models.EmailField(_("email"), blank=True, db_index=True)
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, default=Tier.STANDARD)
    consent_to_contact = models.BooleanField(_("consents to be contacted"), default=True)
    region = models.CharField(_("region"), max_length=64, blank=True)
    city = models.CharField(_("city"), max_length=64, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    home_store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="customers", verbose_name=_("home store")
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customer",
        verbose_name=_("portal login"),
    )

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        # Mail and the web form find the customer by address whatever its case
        # (CustomerQuerySet.with_email): an index on the expression that lookup compares.
        indexes = [models.Index(Lower("email"), name="customer_email_lower")]

    def __str__(self) -> str:
        return self.name


class Contact(TimeStampedModel):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    position = models.CharField(_("position"), max_length=100, blank=True)

    class Meta:
        ordering = ["customer", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name


class ProductCategory(TimeStampedModel):
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")

    def __str__(self) -> str:
        return self.name


class WarrantyPolicy(TimeStampedModel):
    reference_data = True  # cached per process, its writes tracked by a trigger (core.reference)

    class StartBasis(models.TextChoices):
        PURCHASE = "purchase", _("purchase date")
        DELIVERY = "delivery", _("delivery date")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    coverage_months = models.PositiveSmallIntegerField(_("coverage (months)"))
    parts_percent = models.PositiveSmallIntegerField(_("parts covered (%)"), default=100)
    labour_percent = models.PositiveSmallIntegerField(_("labour covered (%)"), default=100)
    start_basis = models.CharField(
        _("coverage starts at"), max_length=10, choices=StartBasis.choices, default=StartBasis.PURCHASE
    )
    exclusions = models.TextField(_("exclusions"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("warranty policy")
        verbose_name_plural = _("warranty policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(parts_percent__lte=100), name="warranty_parts_percent_max_100"
            ),
            models.CheckConstraint(
                condition=Q(labour_percent__lte=100), name="warranty_labour_percent_max_100"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProductModel(TimeStampedModel):
    reference_data = True  # cached per process, its writes tracked by a trigger (core.reference)

    class IdentifierKind(models.TextChoices):
        VIN = "vin", _("VIN")
        SERIAL = "serial", _("serial number")

    category = models.ForeignKey(ProductCategory, on_delete=models.PROTECT, related_name="models")
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    identifier_kind = models.CharField(
        _("identified by"), max_length=10, choices=IdentifierKind.choices, default=IdentifierKind.SERIAL
    )
    serial_pattern = models.CharField(
        _("serial pattern"),
        max_length=100,
        blank=True,
        help_text=_("regular expression a serial of this model must match; empty = any"),
    )
    warranty_policy = models.ForeignKey(
        WarrantyPolicy,
        on_delete=models.PROTECT,
        related_name="product_models",
        verbose_name=_("standard warranty"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("product model")
        verbose_name_plural = _("product models")

    def __str__(self) -> str:
        return self.name


class Asset(TimeStampedModel):
    """One unit a customer owns: a vehicle (VIN) or an appliance (serial number)."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="assets")
    product_model = models.ForeignKey(ProductModel, on_delete=models.PROTECT, related_name="assets")
    serial = models.CharField(_("serial number / VIN"), max_length=64)
    purchase_date = models.DateField(_("purchase date"))
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    selling_store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="sold_assets", verbose_name=_("selling store")
    )

    objects = AssetQuerySet.as_manager()

    class Meta:
        ordering = ["serial"]
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        constraints = [
            models.UniqueConstraint(fields=["product_model", "serial"], name="asset_serial_unique_per_model")
        ]
        indexes = [models.Index(fields=["serial"])]

    def __str__(self) -> str:
        return f"{self.product_model} {self.serial}"


class Coverage(TimeStampedModel):
    """A warranty that covers an asset between two dates (standard, extended, goodwill)."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="coverages")
    policy = models.ForeignKey(WarrantyPolicy, on_delete=models.PROTECT, related_name="coverages")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), help_text=_("last covered day"))

    class Meta:
        ordering = ["asset", "starts_on"]
        verbose_name = _("coverage")
        verbose_name_plural = _("coverages")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="coverage_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy} {self.starts_on}–{self.ends_on}"


class CustomerAccess(models.Model):
    """Who looked at a customer's personal data, when and why (P9: access to personal data is logged).
    Append-only; written by `customer_access_record`."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="accesses")
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(db_index=True)
    purpose = models.CharField(_("purpose"), max_length=100)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("customer data access")
        verbose_name_plural = _("customer data accesses")
        indexes = [models.Index(fields=["customer", "-at"])]

    def __str__(self) -> str:
        return f"{self.viewer_id} → {self.customer_id} {self.purpose}"
