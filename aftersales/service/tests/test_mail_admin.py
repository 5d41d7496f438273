"""The inbound email admin: administrators see the quarantine and can process a message again."""

import pytest
from django.test import Client
from django.urls import reverse

from aftersales.customers.models import Customer
from aftersales.service.mail.ingest import mail_ingest
from aftersales.service.models import InboundMessage
from aftersales.service.tests.test_mail_ingest import mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_en(admin):
    client = Client(headers={"accept-language": "en"})
    client.force_login(admin)
    return client


@pytest.fixture
def quarantined(cast, settings):
    settings.AFTERSALES_MAIL_UNKNOWN_SENDER = "quarantine"
    return mail_ingest(raw=mail(sender="li@example.org", subject="空调漏水")).message


def test_the_quarantine_is_listed_and_opens(admin_client_en, quarantined):
    changelist = admin_client_en.get(
        reverse("admin:service_inboundmessage_changelist"), {"outcome": "quarantined"}
    )
    assert changelist.status_code == 200
    assert "li@example.org" in changelist.text and "unknown sender" in changelist.text
    page = admin_client_en.get(reverse("admin:service_inboundmessage_change", args=[quarantined.pk]))
    assert page.status_code == 200
    assert f"{len(quarantined.raw)} bytes" in page.text


def test_inbound_mail_cannot_be_added_or_edited(admin_client_en, quarantined):
    add = admin_client_en.get(reverse("admin:service_inboundmessage_add"))
    edit = admin_client_en.post(
        reverse("admin:service_inboundmessage_change", args=[quarantined.pk]), {"outcome": "created"}
    )
    assert (add.status_code, edit.status_code) == (403, 403)


def test_a_quarantined_message_is_processed_again(admin_client_en, quarantined, cast, store_a):
    # once the sender is a customer, the message becomes a request
    Customer.objects.create(name="李女士", email="li@example.org", home_store=store_a)
    response = admin_client_en.post(
        reverse("admin:service_inboundmessage_changelist"),
        {"action": "process_again", "_selected_action": [quarantined.pk]},
        follow=True,
    )
    assert response.status_code == 200
    row = InboundMessage.objects.get()
    assert row.message_id == quarantined.message_id
    assert (row.outcome, row.raw) == ("created", None)
    assert row.ticket.customer.email == "li@example.org"
    assert row.ticket.number in response.text
