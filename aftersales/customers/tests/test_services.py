from datetime import date, datetime

import pytest
from django.utils import translation

from aftersales.core.errors import ApplicationError
from aftersales.customers.models import Asset, Coverage, Customer, CustomerAccess, WarrantyPolicy
from aftersales.customers.selectors import asset_warranty_status
from aftersales.customers.services import (
    asset_register,
    coverage_end,
    customer_access_record,
    customer_create,
)


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English; the product's default language is zh-hans."""
    with translation.override("en"):
        yield


def test_coverage_end_is_the_last_covered_day():
    assert coverage_end(starts_on=date(2026, 3, 1), months=24) == date(2028, 2, 29)
    assert coverage_end(starts_on=date(2026, 1, 31), months=1) == date(2026, 2, 27)
    assert coverage_end(starts_on=date(2026, 1, 15), months=12) == date(2027, 1, 14)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": " "}, "name"),
        ({"phone": "call me"}, "phone"),
        ({"email": "not-an-address"}, "email"),
        ({"phone": "", "email": ""}, "phone"),
        ({"tier": "platinum"}, "tier"),
    ],
)
def test_customer_create_names_the_bad_field(cast, kwargs, field):
    values = {
        "name": "吴先生",
        "home_store": cast.store_a,
        "phone": "13912345678",
        "email": "wu@example.com",
        **kwargs,
    }
    before = Customer.objects.count()
    with pytest.raises(ApplicationError) as error:
        customer_create(**values)
    assert error.value.field == field
    assert Customer.objects.count() == before


def test_asset_register_adds_standard_and_extended_cover(cast):
    # given a vehicle model and an extended warranty bought with it
    model = cast.asset_a.product_model
    model.identifier_kind = "vin"
    model.save(update_fields=["identifier_kind"])
    extended = WarrantyPolicy.objects.create(
        code="ext-24", name="延保", coverage_months=48, parts_percent=80, labour_percent=50
    )
    # when
    asset = asset_register(
        customer=cast.customer_a,
        product_model=model,
        serial="lsvaa4182e2000123",
        purchase_date=date(2025, 6, 10),
        selling_store=cast.store_a,
        extra_policies=(extended,),
    )
    # then
    assert asset.serial == "LSVAA4182E2000123"
    assert sorted(Coverage.objects.filter(asset=asset).values_list("ends_on", flat=True)) == [
        coverage_end(starts_on=date(2025, 6, 10), months=model.warranty_policy.coverage_months),
        date(2029, 6, 9),
    ]


@pytest.mark.parametrize(
    ("serial", "message"),
    [("LSVAA4182E200012", "is not a VIN"), ("LSVAA4182E200O123", "is not a VIN"), ("", "empty")],
)
def test_asset_register_refuses_bad_vins(cast, serial, message):
    model = cast.asset_a.product_model
    model.identifier_kind = "vin"
    model.save(update_fields=["identifier_kind"])
    before = Asset.objects.count()
    with pytest.raises(ApplicationError) as error:
        asset_register(
            customer=cast.customer_a,
            product_model=model,
            serial=serial,
            purchase_date=date(2025, 6, 10),
            selling_store=cast.store_a,
        )
    assert message in error.value.message
    assert error.value.field == "serial"
    assert Asset.objects.count() == before


def test_asset_register_refuses_a_serial_off_the_models_pattern_and_duplicates(cast):
    model = cast.asset_a.product_model
    model.serial_pattern = r"BCD-[0-9]{6}"
    model.save(update_fields=["serial_pattern"])
    with pytest.raises(ApplicationError, match="does not match the pattern"):
        asset_register(
            customer=cast.customer_a,
            product_model=model,
            serial="XYZ",
            purchase_date=date(2025, 1, 1),
            selling_store=cast.store_a,
        )
    model.serial_pattern = ""
    model.save(update_fields=["serial_pattern"])
    with pytest.raises(ApplicationError, match="already registered"):
        asset_register(
            customer=cast.customer_b,
            product_model=model,
            serial=cast.asset_a.serial,
            purchase_date=date(2025, 1, 1),
            selling_store=cast.store_a,
        )


def test_warranty_status_in_and_out(cast):
    # given customer_a's asset: bought 2026-03-01, 24 months of cover
    asset = cast.asset_a
    # when / then
    inside = asset_warranty_status(asset=asset, on=date(2028, 2, 29))
    assert (inside.in_warranty, inside.until, inside.since) == (True, date(2028, 2, 29), None)
    outside = asset_warranty_status(asset=asset, on=date(2028, 3, 1))
    assert (outside.in_warranty, outside.until, outside.since, outside.parts_percent) == (
        False,
        None,
        date(2028, 3, 1),
        0,
    )


def test_only_staff_access_is_logged(cast, frozen_clock):
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    customer_access_record(viewer=cast.specialist_a, customer=cast.customer_a, purpose="ticket SR2603-000001")
    customer_access_record(viewer=cast.customer_a.user, customer=cast.customer_a, purpose="own portal")
    assert list(CustomerAccess.objects.values_list("viewer__username", "purpose")) == [
        ("specialist_a", "ticket SR2603-000001")
    ]


def test_visible_get_agrees_with_visible_to_for_everyone(cast, frozen_clock):
    """`visible_get` shortcuts the common cases of the `visible_to` rule: it must never decide otherwise,
    also for a customer seen only through a request served in another store."""
    from aftersales.accounts.models import User
    from aftersales.service.services.tickets import ticket_register

    # given customer B (home store B) was served once in store A
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    ticket_register(
        by=None, store=cast.store_a, customer=cast.customer_b, channel="phone", subject="路过 A 店"
    )
    inactive = User.objects.create(username="left_a", role=cast.specialist_a.role, is_active=False)
    inactive.stores.add(cast.store_a)
    people = [*User.objects.order_by("pk")]
    customers = [cast.customer_a, cast.customer_b]
    # when / then
    decisions = {
        (person.username, customer.name): Customer.objects.visible_get(person, customer.pk) == customer
        for person in people
        for customer in customers
    }
    assert decisions == {
        (person.username, customer.name): Customer.objects.visible_to(person).filter(pk=customer.pk).exists()
        for person in people
        for customer in customers
    }
    # and the cases the shortcut leaves to the full query are really there
    assert decisions[("specialist_a", "周女士")] is True  # served in store A
    assert decisions[("specialist_b", "孙先生")] is False
    assert decisions[("customer_a", "孙先生")] is True
    assert decisions[("customer_a", "周女士")] is False
    assert decisions[("left_a", "孙先生")] is False
    assert Customer.objects.visible_get(cast.executive, 999999) is None
