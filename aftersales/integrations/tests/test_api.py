"""Webhook subscriptions over the API: administrators manage all, a store manager their store's; the URL,
the events and the format are validated; the secret is shown once."""

from datetime import datetime

import pytest

from aftersales.accounts.models import Role
from aftersales.api.testing import API, api_client, get, post
from aftersales.core import testing
from aftersales.integrations.models import WebhookDelivery, WebhookSubscription
from aftersales.integrations.services import sign

SUBSCRIPTIONS = "/webhooks/subscriptions"
VALID = {"name": "CRM", "url": "https://crm.example.com/hooks/aftersales", "events": ["request.resolved"]}


@pytest.fixture
def manager_b(cast):
    return testing.make_user("manager_b", Role.STORE_MANAGER, stores=(cast.store_b,))


@pytest.fixture
def store_a_hook(cast) -> WebhookSubscription:
    return WebhookSubscription.objects.create(
        name="A店企业微信群",
        url="https://qyapi.example.com/robot?key=a",
        events=["request.created"],
        format="wecom",
        store=cast.store_a,
    )


def patch(client, path: str, data: dict):
    return client.patch(f"{API}{path}", data, content_type="application/json")


def delete(client, path: str):
    return client.delete(f"{API}{path}")


# --- create -------------------------------------------------------------------------------------------------


def test_an_admin_creates_a_subscription_and_sees_the_secret_once(admin, frozen_clock):
    # given
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    client = api_client(admin)
    # when
    created = post(client, SUBSCRIPTIONS, {**VALID, "events": ["request.resolved", "survey.answered"]})
    shown = get(client, f"{SUBSCRIPTIONS}/{created.json()['id']}")
    # then
    assert created.status_code == 201
    body = created.json()
    subscription = WebhookSubscription.objects.get()
    assert body == {
        "id": subscription.pk,
        "name": "CRM",
        "url": "https://crm.example.com/hooks/aftersales",
        "events": ["request.resolved", "survey.answered"],
        "format": "json",
        "store": None,
        "active": True,
        "created_at": "2026-03-02T02:00:00Z",  # 10:00 in Shanghai, in UTC as every instant the API gives
        "secret": subscription.secret,
    }
    assert len(body["secret"]) == 64
    assert shown.status_code == 200
    assert "secret" not in shown.json()


def test_the_secret_signs_the_deliveries(admin):
    # given
    secret = post(api_client(admin), SUBSCRIPTIONS, VALID).json()["secret"]
    # then the receiver checks X-Aftersales-Signature with it
    assert sign(secret, b"{}") == sign(WebhookSubscription.objects.get().secret, b"{}")


@pytest.mark.parametrize(
    "url,message",
    [
        ("ftp://crm.example.com/x", "The URL must start with http:// or https://."),
        ("javascript:alert(1)", "The URL must start with http:// or https://."),
        ("crm.example.com/hooks", "The URL must start with http:// or https://."),
        (
            "https://user:pass@crm.example.com/hooks",
            "The URL must not contain a user name or password: the receiver checks the signature.",
        ),
        (
            "https://token@crm.example.com/hooks",
            "The URL must not contain a user name or password: the receiver checks the signature.",
        ),
        ("https://exa mple.com/x", "“https://exa mple.com/x” is not a valid URL."),
    ],
)
def test_a_bad_url_is_400_and_creates_nothing(admin, url, message):
    # when
    response = post(api_client(admin), SUBSCRIPTIONS, {**VALID, "url": url})
    # then
    assert response.status_code == 400
    assert response.json() == {"message": message, "extra": {"field": "url"}}
    assert not WebhookSubscription.objects.exists()


def test_unknown_events_are_400_listing_the_known_ones(admin):
    # when
    response = post(
        api_client(admin), SUBSCRIPTIONS, {**VALID, "events": ["request.resolved", "ticket.eaten"]}
    )
    # then
    assert response.status_code == 400
    assert response.json()["message"] == (
        "Unknown events: ticket.eaten. Known events: request.created, request.resolved, request.reopened, "
        "request.breached, survey.answered, complaint.opened."
    )
    assert response.json()["extra"] == {"field": "events"}


def test_no_events_and_an_unknown_format_are_400(admin):
    # when
    empty = post(api_client(admin), SUBSCRIPTIONS, {**VALID, "events": []})
    fmt = post(api_client(admin), SUBSCRIPTIONS, {**VALID, "format": "slack"})
    # then
    assert (empty.status_code, empty.json()["extra"]["field"]) == (400, "events")
    assert fmt.json() == {
        "message": "Unknown format 'slack': choose one of json, wecom, dingtalk.",
        "extra": {"field": "format"},
    }


def test_a_store_manager_creates_one_for_their_store_only(manager_a, cast):
    # given
    client = api_client(manager_a)
    # when
    own = post(client, SUBSCRIPTIONS, {**VALID, "store": "store-a"})
    other = post(client, SUBSCRIPTIONS, {**VALID, "store": "store-b"})
    every = post(client, SUBSCRIPTIONS, VALID)
    # then
    assert (own.status_code, own.json()["store"]) == (201, "store-a")
    assert other.status_code == 403
    assert every.status_code == 403
    assert every.json()["message"] == (
        "Only administrators subscribe to every store's events: give one of your stores."
    )
    assert WebhookSubscription.objects.count() == 1


@pytest.mark.parametrize("who", ["specialist_a", "executive", "technician_a"])
def test_other_staff_may_not_manage_webhooks(cast, who):
    # given
    client = api_client(getattr(cast, who))
    # when
    listed = get(client, SUBSCRIPTIONS)
    created = post(client, SUBSCRIPTIONS, {**VALID, "store": "store-a"})
    # then
    assert (listed.status_code, created.status_code) == (403, 403)
    assert not WebhookSubscription.objects.exists()


# --- read, change, delete ------------------------------------------------------------------------------------


def test_the_list_is_scoped_to_the_managers_store(store_a_hook, manager_a, manager_b, admin):
    # when
    mine = get(api_client(manager_a), SUBSCRIPTIONS).json()
    theirs = get(api_client(manager_b), SUBSCRIPTIONS).json()
    everything = get(api_client(admin), SUBSCRIPTIONS).json()
    # then
    assert [item["name"] for item in mine["items"]] == ["A店企业微信群"]
    assert theirs["items"] == []
    assert everything["count"] == 1


def test_another_stores_subscription_is_404_for_every_method(store_a_hook, manager_b):
    # given
    client = api_client(manager_b)
    path = f"{SUBSCRIPTIONS}/{store_a_hook.pk}"
    # when
    answers = [
        get(client, path).status_code,
        patch(client, path, {"active": False}).status_code,
        delete(client, path).status_code,
        get(client, f"{path}/deliveries").status_code,
    ]
    # then
    assert answers == [404, 404, 404, 404]
    assert WebhookSubscription.objects.get().active is True


def test_patch_changes_only_the_fields_given_and_keeps_the_secret(store_a_hook, manager_a):
    # given
    secret = store_a_hook.secret
    # when
    response = patch(
        api_client(manager_a),
        f"{SUBSCRIPTIONS}/{store_a_hook.pk}",
        {"events": ["request.created", "complaint.opened"], "active": False},
    )
    # then
    assert response.status_code == 200
    store_a_hook.refresh_from_db()
    assert (store_a_hook.events, store_a_hook.active, store_a_hook.name) == (
        ["request.created", "complaint.opened"],
        False,
        "A店企业微信群",
    )
    assert store_a_hook.secret == secret


def test_patch_validates_like_create(store_a_hook, manager_a):
    # when
    bad_url = patch(api_client(manager_a), f"{SUBSCRIPTIONS}/{store_a_hook.pk}", {"url": "https://a:b@x.cn/"})
    null_name = patch(api_client(manager_a), f"{SUBSCRIPTIONS}/{store_a_hook.pk}", {"name": None})
    to_every_store = patch(api_client(manager_a), f"{SUBSCRIPTIONS}/{store_a_hook.pk}", {"store": ""})
    # then
    assert (bad_url.status_code, bad_url.json()["extra"]["field"]) == (400, "url")
    assert (null_name.status_code, null_name.json()["extra"]["field"]) == (400, "name")
    assert to_every_store.status_code == 403
    store_a_hook.refresh_from_db()
    assert (store_a_hook.url, store_a_hook.store_id) == (
        "https://qyapi.example.com/robot?key=a",
        store_a_hook.store_id,
    )


def test_delete_removes_the_subscription(store_a_hook, manager_a):
    # when
    response = delete(api_client(manager_a), f"{SUBSCRIPTIONS}/{store_a_hook.pk}")
    # then
    assert response.status_code == 204
    assert not WebhookSubscription.objects.exists()


def test_the_delivery_log_newest_first(store_a_hook, manager_a, frozen_clock):
    # given two deliveries, the second one failed with a 500
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    WebhookDelivery.objects.create(
        subscription=store_a_hook,
        event="request.created",
        status="succeeded",
        attempts=1,
        last_status_code=200,
    )
    frozen_clock(datetime(2026, 3, 2, 11, 0))
    WebhookDelivery.objects.create(
        subscription=store_a_hook,
        event="request.created",
        status="failed",
        attempts=1,
        last_status_code=500,
        last_error="HTTP 500",
    )
    # when
    body = get(api_client(manager_a), f"{SUBSCRIPTIONS}/{store_a_hook.pk}/deliveries").json()
    # then
    assert body["count"] == 2
    assert [(d["status"], d["last_status_code"], d["last_error"]) for d in body["items"]] == [
        ("failed", 500, "HTTP 500"),
        ("succeeded", 200, ""),
    ]


def test_a_huge_id_is_422_not_a_database_error(admin):
    # when
    response = get(api_client(admin), f"{SUBSCRIPTIONS}/{2**64}")
    # then
    assert response.status_code == 422
