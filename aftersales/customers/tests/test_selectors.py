"""Reads written out in SQL for the registration path give what the ORM would."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from aftersales.customers.models import Asset, Coverage, Customer, WarrantyPolicy
from aftersales.customers.selectors import asset_warranty_status, asset_with_customer

pytestmark = pytest.mark.django_db


def fields(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


def test_asset_with_customer_is_the_orms_read_field_by_field(asset_a):
    # given: values of every kind the two rows hold (a null date, a false flag, a timestamp)
    Customer.objects.filter(pk=asset_a.customer_id).update(
        consent_to_contact=False, created_at=datetime(2025, 7, 1, 9, 30, 15, 123456, tzinfo=ZoneInfo("UTC"))
    )
    Asset.objects.filter(pk=asset_a.pk).update(delivery_date=None)
    orm = Asset.objects.select_related("customer__home_store", "product_model").get(pk=asset_a.pk)

    # when
    asset = asset_with_customer(asset_a.pk)

    # then
    assert fields(asset) == fields(orm)
    assert fields(asset.customer) == fields(orm.customer)
    assert asset.customer.consent_to_contact is False
    assert asset.customer.created_at == datetime(2025, 7, 1, 9, 30, 15, 123456, tzinfo=ZoneInfo("UTC"))
    assert asset.delivery_date is None
    assert asset.purchase_date == orm.purchase_date and isinstance(asset.purchase_date, date)
    assert (asset.product_model.code, asset.customer.home_store.code) == ("ev-s1", "store-a")
    assert asset._state.adding is False and asset.customer._state.adding is False


def test_asset_with_customer_of_an_unknown_id_is_none(db):
    assert asset_with_customer(999999) is None


def test_warranty_status_takes_the_most_generous_coverage_in_force(asset_a):
    # given: the standard coverage (100 % parts and labour) ends 2028-02-29; an extended one at 50 %
    # runs on from there
    extended = WarrantyPolicy.objects.create(
        code="ext", name="延保", coverage_months=24, parts_percent=50, labour_percent=50
    )
    Coverage.objects.create(
        asset=asset_a, policy=extended, starts_on=date(2028, 3, 1), ends_on=date(2030, 2, 28)
    )

    # when
    during_standard = asset_warranty_status(asset=asset_a, on=date(2027, 1, 1))
    during_extended = asset_warranty_status(asset=asset_a, on=date(2029, 1, 1))
    after = asset_warranty_status(asset=asset_a, on=date(2030, 3, 1))

    # then
    assert (during_standard.in_warranty, during_standard.parts_percent) == (True, 100)
    assert (during_extended.in_warranty, during_extended.parts_percent, during_extended.policy_name) == (
        True,
        50,
        "延保",
    )
    assert (after.in_warranty, after.since, after.policy_name) == (False, date(2030, 3, 1), "延保")
