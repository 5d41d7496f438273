"""Organisation, stores, departments, staff and their skills.

Customers who sign in to the portal are also `User` rows (role `customer`), but they never hold staff
permissions: the customer record itself lives in `customers.Customer`.
"""

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import TimeStampedModel


class Organisation(TimeStampedModel):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Store(TimeStampedModel):
    reference_data = True  # cached per process, its writes tracked by a trigger (core.reference)

    class Kind(models.TextChoices):
        DEALERSHIP = "dealership", _("4S dealership")
        SERVICE_CENTRE = "service_centre", _("service centre")
        BRANCH = "branch", _("branch")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="stores")
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.DEALERSHIP)
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    region = models.CharField(_("region"), max_length=64, blank=True)
    city = models.CharField(_("city"), max_length=64, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("store")
        verbose_name_plural = _("stores")

    def __str__(self) -> str:
        return self.name


class WorkingPeriod(TimeStampedModel):
    """One block of opening hours on a weekday; several per day model lunch breaks."""

    reference_data = True  # cached per process, its writes tracked by a trigger (core.reference)

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="working_periods")
    weekday = models.PositiveSmallIntegerField(_("weekday"), help_text=_("0 = Monday … 6 = Sunday"))
    starts = models.TimeField(_("starts"))
    ends = models.TimeField(_("ends"), help_text=_("an end at or before the start runs past midnight"))

    class Meta:
        ordering = ["store", "weekday", "starts"]
        verbose_name = _("working period")
        verbose_name_plural = _("working periods")
        constraints = [models.CheckConstraint(condition=Q(weekday__lte=6), name="working_period_weekday_0_6")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.weekday} {self.starts:%H:%M}-{self.ends:%H:%M}"


class CalendarOverride(TimeStampedModel):
    """An admin's word on one date, over the `holidays` package: for years not yet announced
    (the package silently guesses them without make-up workdays) or for a store's own closing days."""

    reference_data = True  # cached per process, its writes tracked by a trigger (core.reference)

    date = models.DateField(_("date"))
    store = models.ForeignKey(
        Store,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_overrides",
        help_text=_("empty = every store"),
    )
    is_workday = models.BooleanField(_("is a working day"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        constraints = [
            models.UniqueConstraint(fields=["date", "store"], name="calendar_override_unique_per_store"),
            models.UniqueConstraint(
                fields=["date"], condition=Q(store__isnull=True), name="calendar_override_unique_global"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {'workday' if self.is_workday else 'day off'}"


class Department(TimeStampedModel):
    class Kind(models.TextChoices):
        TECHNICAL_SUPPORT = "technical_support", _("technical support")
        CUSTOMER_RELATIONSHIP = "customer_relationship", _("customer relationship")
        QUALITY_CONTROL = "quality_control", _("quality control")
        SALES = "sales", _("sales")
        WORKSHOP = "workshop", _("workshop")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="departments")
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    duties = models.TextField(_("duties"), blank=True)

    class Meta:
        ordering = ["store", "name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return f"{self.store} · {self.name}"


class Team(TimeStampedModel):
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["department", "name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class FaultCategory(TimeStampedModel):
    """The fault taxonomy; staff skills are fault categories, so it lives with the staff."""

    reference_data = True  # cached per process, its writes tracked by a trigger (core.reference)

    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("fault category")
        verbose_name_plural = _("fault categories")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("administrator")
    EXECUTIVE = "executive", _("executive")
    STORE_MANAGER = "store_manager", _("store manager")
    DEPARTMENT_MANAGER = "department_manager", _("department manager")
    SPECIALIST = "specialist", _("service specialist")
    TECHNICIAN = "technician", _("technician")
    QUALITY = "quality", _("quality engineer")
    HR = "hr", _("HR")
    CUSTOMER = "customer", _("customer")


# Roles that see every store's service data.
COMPANY_WIDE_ROLES = frozenset({Role.ADMIN, Role.EXECUTIVE, Role.QUALITY})
MANAGER_ROLES = frozenset({Role.ADMIN, Role.EXECUTIVE, Role.STORE_MANAGER, Role.DEPARTMENT_MANAGER})
# Roles that handle service requests and can be assigned one.
HANDLER_ROLES = frozenset({Role.SPECIALIST, Role.TECHNICIAN, Role.STORE_MANAGER, Role.DEPARTMENT_MANAGER})


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=24, choices=Role.choices, default=Role.SPECIALIST)
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    stores = models.ManyToManyField(Store, blank=True, related_name="staff", verbose_name=_("stores"))
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="members")
    skills = models.ManyToManyField(FaultCategory, blank=True, related_name="skilled_staff")
    on_duty = models.BooleanField(_("on duty"), default=True)

    objects = UserManager()

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def is_staff_member(self) -> bool:
        return self.role != Role.CUSTOMER

    @property
    def sees_all_stores(self) -> bool:
        return self.is_superuser or self.role in COMPANY_WIDE_ROLES

    @cached_property
    def store_ids(self) -> frozenset[int]:
        """The stores this person works in, read once per request (the user object lives that long)."""
        # From the membership table alone: the join to the stores would add nothing but cost.
        memberships = User.stores.through.objects.filter(user_id=self.pk)
        return frozenset(memberships.values_list("store_id", flat=True))


class Leave(TimeStampedModel):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="leaves")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), help_text=_("inclusive"))
    reason = models.CharField(_("reason"), max_length=100, blank=True)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("leave")
        verbose_name_plural = _("leave")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="leave_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.starts_on}–{self.ends_on}"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("Leave cannot end before it starts.")})


class ApiToken(TimeStampedModel):
    """A bearer token for integrations. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, help_text=_("first characters, to recognise the token"))
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
