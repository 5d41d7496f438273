"""Request registration reads its reference data (SLA policies, calendars, fault categories, stores,
product models, warranty policies) from a per-process cache (core.reference, ADR 0011): a change to
any of them applies to the very next request, in this process and, through the version every write
changes, in every other."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from aftersales.accounts.models import CalendarOverride, FaultCategory, Store
from aftersales.api.testing import api_client, post
from aftersales.customers.models import ProductModel, WarrantyPolicy
from aftersales.service.models import SlaPolicy, Ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def now(frozen_clock):
    return frozen_clock(datetime(2026, 3, 2, 10, 0))  # a Monday


@pytest.fixture
def create(specialist_a, customer_a, asset_a, now):
    client = api_client(specialist_a)

    def create(**fields):
        body = {"customer": customer_a.pk, "asset": asset_a.pk, "subject": "异响", **fields}
        response = post(client, "/requests", body)
        assert response.status_code == 201, response.content
        return response.json()

    return create


def due(body: dict, field: str) -> datetime:
    return datetime.fromisoformat(body[field]).astimezone(SHANGHAI)


def test_an_sla_policy_edited_by_an_admin_applies_to_the_next_request(create, default_policy):
    # given: a request registered under the 24 h / 72 h policy, which is cached now
    first = create()
    assert due(first, "response_due_at") == datetime(2026, 3, 3, 10, 0, tzinfo=SHANGHAI)

    # when: the admin shortens it (the admin form saves the row)
    default_policy.response_minutes, default_policy.resolution_minutes = 60, 8 * 60
    default_policy.save()
    second = create()

    # then
    assert due(second, "response_due_at") == datetime(2026, 3, 2, 11, 0, tzinfo=SHANGHAI)
    assert due(second, "resolution_due_at") == datetime(2026, 3, 2, 18, 0, tzinfo=SHANGHAI)


def test_an_sla_policy_changed_by_another_process_applies_to_the_next_request(create, default_policy):
    """A write this process never saw (plain SQL, as another worker's would be) invalidates too: the
    trigger changes the version the token query reads."""
    # given
    create()

    # when
    with connection.cursor() as cursor:
        cursor.execute("UPDATE service_slapolicy SET response_minutes = 30")
    body = create()

    # then
    assert due(body, "response_due_at") == datetime(2026, 3, 2, 10, 30, tzinfo=SHANGHAI)


def test_a_new_store_policy_and_a_deactivated_one_apply_to_the_next_request(create, default_policy, store_a):
    # given
    create()

    # when: a store policy is added
    store_policy = SlaPolicy.objects.create(
        name="A 店", store=store_a, response_minutes=120, resolution_minutes=240
    )
    with_store_policy = create()
    # and then switched off
    store_policy.active = False
    store_policy.save()
    without = create()

    # then
    assert due(with_store_policy, "response_due_at") == datetime(2026, 3, 2, 12, 0, tzinfo=SHANGHAI)
    assert due(without, "response_due_at") == datetime(2026, 3, 3, 10, 0, tzinfo=SHANGHAI)
    assert list(Ticket.objects.order_by("pk").values_list("sla_policy__name", flat=True)) == [
        "默认",
        "A 店",
        "默认",
    ]


def test_a_calendar_override_applies_to_the_next_request(create, business_policy):
    # given: store A works Mon-Fri 09-12 + 13-18; 4 working hours from Monday 10:00 end at 15:00
    first = create()
    assert due(first, "response_due_at") == datetime(2026, 3, 2, 15, 0, tzinfo=SHANGHAI)

    # when: the admin closes every store that Monday
    CalendarOverride.objects.create(date=date(2026, 3, 2), is_workday=False, name="停业")
    second = create()

    # then: the clock starts on Tuesday 09:00: 09-12 and 13-14
    assert due(second, "response_due_at") == datetime(2026, 3, 3, 14, 0, tzinfo=SHANGHAI)


def test_a_stores_changed_hours_apply_to_the_next_request(create, business_policy, store_a):
    # given
    create()

    # when: Monday afternoons closed
    store_a.working_periods.filter(weekday=0, starts__hour=13).delete()
    body = create()

    # then: Monday 10-12 (2 h), Tuesday 09-11 (2 h)
    assert due(body, "response_due_at") == datetime(2026, 3, 3, 11, 0, tzinfo=SHANGHAI)


def test_a_renamed_fault_category_code_applies_to_the_next_request(
    create, default_policy, specialist_a, customer_a
):
    # given
    assert create(fault_category="engine")["fault_category"]["code"] == "engine"

    # when
    FaultCategory.objects.filter(code="engine").update(code="powertrain", name="动力总成")
    client = api_client(specialist_a)
    old_code = post(
        client, "/requests", {"customer": customer_a.pk, "subject": "异响", "fault_category": "engine"}
    )
    new_code = create(fault_category="powertrain")

    # then
    assert old_code.status_code == 400
    assert old_code.json()["extra"] == {"field": "fault_category"}
    assert new_code["fault_category"] == {"code": "powertrain", "name": "动力总成"}


def test_renamed_stores_product_models_and_changed_warranty_terms_apply_to_the_next_request(
    create, default_policy, asset_a
):
    # given
    first = create()
    assert (first["store"]["name"], first["asset"]["product_model"]["name"]) == ("A 店 · 浦东", "EV S1")
    assert first["parts_covered_percent"] == 100

    # when
    Store.objects.filter(code="store-a").update(name="A 店 · 陆家嘴")
    ProductModel.objects.filter(pk=asset_a.product_model_id).update(name="EV S1 Pro")
    WarrantyPolicy.objects.update(parts_percent=50)
    body = create()

    # then
    assert (body["store"]["name"], body["asset"]["product_model"]["name"]) == ("A 店 · 陆家嘴", "EV S1 Pro")
    assert body["parts_covered_percent"] == 50
    assert Ticket.objects.order_by("pk").last().parts_covered_percent == 50
