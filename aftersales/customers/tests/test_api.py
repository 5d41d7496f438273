"""The customer and asset API: search, create, register assets with their warranty."""

from datetime import date, datetime

import pytest

from aftersales.api.testing import api_client, get, post
from aftersales.core import testing
from aftersales.customers.models import Asset, Customer
from aftersales.service.services.tickets import ticket_register


@pytest.fixture
def now(frozen_clock):
    return frozen_clock(datetime(2026, 3, 2, 10, 0))


def test_list_searches_visible_customers(specialist_a, customer_a, customer_b, store_a, now):
    # given
    testing.make_customer(store_a, "customer_c", name="吴先生", serial="SN-C-0001")
    client = api_client(specialist_a)

    # when
    everyone = get(client, "/customers")
    by_name = get(client, "/customers", q="孙")
    by_serial = get(client, "/customers", q="sn-c-0001")
    other_store = get(client, "/customers", q="周")

    # then
    assert [c["name"] for c in everyone.json()["items"]] == ["吴先生", "孙先生"]
    assert everyone.json()["count"] == 2
    assert [c["id"] for c in by_name.json()["items"]] == [customer_a.pk]
    assert [c["name"] for c in by_serial.json()["items"]] == ["吴先生"]
    assert other_store.json()["items"] == []


def test_get_customer(specialist_a, customer_a, now):
    # given
    client = api_client(specialist_a)

    # when
    response = get(client, f"/customers/{customer_a.pk}")

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["email"], body["home_store"]) == (
        "孙先生",
        "customer_a@example.com",
        {"code": "store-a", "name": "A 店 · 浦东"},
    )


def test_customer_of_another_store_is_404(specialist_b, customer_a, now):
    # given
    client = api_client(specialist_b)

    # when
    customer = get(client, f"/customers/{customer_a.pk}")
    assets = get(client, f"/customers/{customer_a.pk}/assets")
    asset = get(client, f"/assets/{customer_a.assets.get().pk}")

    # then
    assert (customer.status_code, assets.status_code, asset.status_code) == (404, 404, 404)
    assert customer.json() == {"message": "Not found", "extra": {}}


def test_customer_served_by_another_store_becomes_visible_to_it(specialist_b, customer_a, store_b, now):
    # given: customer A brings their car to store B
    ticket_register(by=specialist_b, store=store_b, customer=customer_a, channel="walk_in", subject="补胎")
    client = api_client(specialist_b)

    # when
    response = get(client, f"/customers/{customer_a.pk}")

    # then
    assert response.status_code == 200


def test_create_customer(specialist_a, now):
    # given
    client = api_client(specialist_a)

    # when
    response = post(
        client, "/customers", {"name": " 吴女士 ", "email": "Wu@Example.com", "tier": "gold", "city": "上海"}
    )

    # then
    assert response.status_code == 201
    customer = Customer.objects.get(name="吴女士")
    assert response.json()["id"] == customer.pk
    assert (customer.email, customer.tier, customer.home_store.code) == (
        "wu@example.com",
        Customer.Tier.GOLD,
        "store-a",
    )


def test_create_customer_with_malformed_email_is_400_field_email(specialist_a, now):
    # given
    client = api_client(specialist_a)

    # when
    response = post(client, "/customers", {"name": "吴女士", "email": "wu@"})

    # then
    assert response.status_code == 400
    assert response.json() == {"message": "'wu@' is not a valid email address.", "extra": {"field": "email"}}
    assert not Customer.objects.filter(name="吴女士").exists()


def test_create_customer_without_contact_is_400_field_phone(specialist_a, now):
    # given
    client = api_client(specialist_a)

    # when
    response = post(client, "/customers", {"name": "吴女士"})

    # then
    assert response.status_code == 400
    assert response.json()["extra"] == {"field": "phone"}


def test_create_customer_in_another_store_is_403(specialist_a, now):
    # given
    client = api_client(specialist_a)

    # when
    response = post(client, "/customers", {"name": "吴女士", "phone": "13900001111", "home_store": "store-b"})

    # then
    assert response.status_code == 403
    assert response.json() == {
        "message": "Only staff of B 店 · 闵行 may do that.",
        "extra": {"field": "store"},
    }


def test_create_customer_with_unknown_store_is_400(executive, now):
    # given
    client = api_client(executive)

    # when
    response = post(client, "/customers", {"name": "吴女士", "phone": "13900001111", "home_store": "nowhere"})

    # then
    assert response.status_code == 400
    assert response.json() == {
        "message": "There is no store with code 'nowhere' (home_store).",
        "extra": {"field": "home_store"},
    }


def test_portal_customer_cannot_create_customers(customer_a, now):
    # given
    client = api_client(customer_a.user)

    # when
    response = post(client, "/customers", {"name": "吴女士", "phone": "13900001111"})

    # then
    assert response.status_code == 403


def test_assets_of_a_customer_with_warranty(specialist_a, customer_a, now):
    # given
    client = api_client(specialist_a)

    # when
    response = get(client, f"/customers/{customer_a.pk}/assets")

    # then
    assert response.status_code == 200
    [asset] = response.json()["items"]
    assert asset["serial"] == "SN-A-0001"
    assert asset["warranty"] == {
        "in_warranty": True,
        "until": "2028-02-29",
        "since": None,
        "parts_percent": 100,
        "labour_percent": 100,
        "policy_name": "整车质保 24 个月",
        "label": "In warranty until Feb. 29, 2028",
    }


def test_register_asset_shows_warranty_status(specialist_a, customer_a, now):
    # given
    testing.make_product_model()
    client = api_client(specialist_a)

    # when
    response = post(
        client,
        f"/customers/{customer_a.pk}/assets",
        {"product_model": "ev-s1", "serial": "sn-a-0002", "purchase_date": "2023-01-15"},
    )

    # then
    assert response.status_code == 201
    body = response.json()
    asset = Asset.objects.get(serial="SN-A-0002")
    assert body["id"] == asset.pk
    assert body["selling_store"] == {"code": "store-a", "name": "A 店 · 浦东"}
    assert body["warranty"]["in_warranty"] is False
    assert body["warranty"]["until"] is None
    assert body["warranty"]["since"] == "2025-01-15"
    assert (body["warranty"]["parts_percent"], body["warranty"]["labour_percent"]) == (0, 0)


def test_get_asset(customer_a, asset_a, now):
    # given: the portal customer reads their own asset
    client = api_client(customer_a.user)

    # when
    response = get(client, f"/assets/{asset_a.pk}")

    # then
    assert response.status_code == 200
    assert response.json()["warranty"]["until"] == "2028-02-29"


def test_register_asset_with_unknown_model_is_400(specialist_a, customer_a, now):
    # given
    client = api_client(specialist_a)

    # when
    response = post(
        client,
        f"/customers/{customer_a.pk}/assets",
        {"product_model": "nope", "serial": "X1", "purchase_date": "2026-01-01"},
    )

    # then
    assert response.status_code == 400
    assert response.json()["extra"] == {"field": "product_model"}


def test_register_duplicate_asset_is_400_field_serial(specialist_a, customer_a, now):
    # given
    client = api_client(specialist_a)

    # when
    response = post(
        client,
        f"/customers/{customer_a.pk}/assets",
        {"product_model": "ev-s1", "serial": "SN-A-0001", "purchase_date": "2026-01-01"},
    )

    # then
    assert response.status_code == 400
    assert response.json() == {
        "message": "EV S1 SN-A-0001 is already registered.",
        "extra": {"field": "serial"},
    }


def test_register_asset_with_malformed_date_is_422(specialist_a, customer_a, now):
    # given
    client = api_client(specialist_a)

    # when
    response = post(
        client,
        f"/customers/{customer_a.pk}/assets",
        {"product_model": "ev-s1", "serial": "X1", "purchase_date": "2026-13-01"},
    )

    # then
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["extra"]["errors"]] == ["body.purchase_date"]


def test_register_asset_is_for_staff_only(customer_a, now):
    # given
    client = api_client(customer_a.user)

    # when
    response = post(
        client,
        f"/customers/{customer_a.pk}/assets",
        {"product_model": "ev-s1", "serial": "X1", "purchase_date": "2026-01-01"},
    )

    # then
    assert response.status_code == 403
    assert Asset.objects.filter(serial="X1").exists() is False


def test_register_asset_keeps_the_purchase_date(specialist_a, customer_a, now):
    # given
    client = api_client(specialist_a)

    # when
    post(
        client,
        f"/customers/{customer_a.pk}/assets",
        {
            "product_model": "ev-s1",
            "serial": "X2",
            "purchase_date": "2026-01-31",
            "delivery_date": "2026-02-10",
        },
    )

    # then
    asset = Asset.objects.get(serial="X2")
    assert (asset.purchase_date, asset.delivery_date) == (date(2026, 1, 31), date(2026, 2, 10))
    assert asset.coverages.get().ends_on == date(2028, 1, 30)
