"""Writes of customers and assets."""

import re
from datetime import date

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.accounts.models import Store
from aftersales.core import clock
from aftersales.core.errors import ApplicationError
from aftersales.customers.models import (
    Asset,
    Coverage,
    Customer,
    CustomerAccess,
    ProductModel,
    WarrantyPolicy,
)

PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 \-]{5,19}$")


def customer_create(
    *,
    name: str,
    home_store: Store,
    phone: str = "",
    email: str = "",
    kind: str = Customer.Kind.PERSON,
    tier: str = Customer.Tier.STANDARD,
    consent_to_contact: bool = True,
    city: str = "",
    address: str = "",
) -> Customer:
    name = name.strip()
    if not name:
        raise ApplicationError(_("A customer needs a name."), field="name")
    if phone and not PHONE_PATTERN.match(phone.strip()):
        raise ApplicationError(_("'%(phone)s' is not a phone number.") % {"phone": phone}, field="phone")
    if email:
        try:
            validate_email(email.strip())
        except ValidationError as exc:
            raise ApplicationError(
                _("'%(email)s' is not a valid email address.") % {"email": email}, field="email"
            ) from exc
    if not phone and not email:
        raise ApplicationError(
            _("Give a phone number or an email address to reach the customer."), field="phone"
        )
    if kind not in Customer.Kind.values:
        raise ApplicationError(_("Unknown customer kind '%(kind)s'.") % {"kind": kind}, field="kind")
    if tier not in Customer.Tier.values:
        raise ApplicationError(_("Unknown customer tier '%(tier)s'.") % {"tier": tier}, field="tier")
    customer = Customer(
        name=name,
        home_store=home_store,
        phone=phone.strip(),
        email=email.strip().lower(),
        kind=kind,
        tier=tier,
        consent_to_contact=consent_to_contact,
        city=city,
        address=address,
    )
    customer.full_clean()
    customer.save()
    return customer


def coverage_end(*, starts_on: date, months: int) -> date:
    """Last covered day: 24 months from 2026-03-01 covers up to 2028-02-29 inclusive."""
    return starts_on + relativedelta(months=months) - relativedelta(days=1)


@transaction.atomic
def asset_register(
    *,
    customer: Customer,
    product_model: ProductModel,
    serial: str,
    purchase_date: date,
    selling_store: Store,
    delivery_date: date | None = None,
    extra_policies: tuple[WarrantyPolicy, ...] = (),
) -> Asset:
    """Register an asset and its standard warranty coverage (plus any extended ones bought with it)."""
    serial = serial.strip().upper()
    if not serial:
        raise ApplicationError(_("The serial number / VIN is empty."), field="serial")
    if product_model.identifier_kind == ProductModel.IdentifierKind.VIN and not re.fullmatch(
        r"[A-HJ-NPR-Z0-9]{17}", serial
    ):
        raise ApplicationError(
            _("'%(serial)s' is not a VIN: 17 letters and digits without I, O or Q.") % {"serial": serial},
            field="serial",
        )
    if product_model.serial_pattern and not re.fullmatch(product_model.serial_pattern, serial):
        raise ApplicationError(
            _("Serial '%(serial)s' does not match the pattern of %(name)s.")
            % {"serial": serial, "name": product_model.name},
            field="serial",
        )
    if delivery_date and delivery_date < purchase_date:
        raise ApplicationError(_("Delivery cannot come before the purchase."), field="delivery_date")
    if Asset.objects.filter(product_model=product_model, serial=serial).exists():
        raise ApplicationError(
            _("%(name)s %(serial)s is already registered.") % {"name": product_model.name, "serial": serial},
            field="serial",
        )
    asset = Asset.objects.create(
        customer=customer,
        product_model=product_model,
        serial=serial,
        purchase_date=purchase_date,
        delivery_date=delivery_date,
        selling_store=selling_store,
    )
    for policy in (product_model.warranty_policy, *extra_policies):
        basis = (
            delivery_date
            if policy.start_basis == WarrantyPolicy.StartBasis.DELIVERY and delivery_date
            else None
        )
        starts_on = basis or purchase_date
        Coverage.objects.create(
            asset=asset,
            policy=policy,
            starts_on=starts_on,
            ends_on=coverage_end(starts_on=starts_on, months=policy.coverage_months),
        )
    return asset


def customer_access_record(*, viewer, customer: Customer, purpose: str) -> None:
    """Log that a member of staff opened a customer's personal data. The customer's own views and the
    anonymous tracking page are not staff access and are not logged."""
    if not viewer.is_authenticated or not viewer.is_staff_member:
        return
    CustomerAccess.objects.create(customer=customer, viewer=viewer, at=clock.now(), purpose=purpose[:100])
