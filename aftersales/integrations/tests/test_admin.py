from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from aftersales.integrations.models import WebhookDelivery, WebhookSubscription

MONDAY_10 = datetime(2026, 3, 2, 10, 0)


@pytest.fixture
def admin_client_en(admin) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(admin)
    return client


def test_the_delivery_log_is_read_only_and_shows_status_codes(admin_client_en, frozen_clock):
    # given a delivery whose last attempt got a 503
    frozen_clock(MONDAY_10)
    subscription = WebhookSubscription.objects.create(
        name="CRM", url="https://crm.example.com/hook", events=["request.created"]
    )
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event="request.created",
        payload={"event": "request.created"},
        status=WebhookDelivery.Status.FAILED,
        attempts=1,
        last_status_code=503,
        last_error="HTTP 503",
    )
    # when
    listing = admin_client_en.get(reverse("admin:integrations_webhookdelivery_changelist"))
    detail = admin_client_en.get(reverse("admin:integrations_webhookdelivery_change", args=[delivery.pk]))
    adding = admin_client_en.get(reverse("admin:integrations_webhookdelivery_add"))
    # then
    assert (listing.status_code, detail.status_code, adding.status_code) == (200, 200, 403)
    assert "503" in listing.text
    assert "failed, will retry" in listing.text
    assert 'type="submit" value="Save"' not in detail.text


def test_subscriptions_are_edited_in_the_admin(admin_client_en):
    # when
    adding = admin_client_en.get(reverse("admin:integrations_webhooksubscription_add"))
    # then
    assert adding.status_code == 200


def test_the_delivery_statuses_are_translated_to_chinese():
    with translation.override("zh-hans"):
        labels = [str(label) for label in WebhookDelivery.Status.labels]
    assert labels == ["待发送", "成功", "失败，将重试", "已放弃"]
