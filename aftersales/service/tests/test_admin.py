"""The Django admin for master data: every registered model lists and opens; requests are read-mostly."""

from datetime import datetime

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from aftersales.accounts.models import ApiToken
from aftersales.service.models import Ticket
from aftersales.service.services.tickets import ticket_register

pytestmark = pytest.mark.django_db

MASTER_DATA = [
    "accounts.organisation",
    "accounts.store",
    "accounts.calendaroverride",
    "accounts.department",
    "accounts.team",
    "accounts.faultcategory",
    "accounts.user",
    "accounts.leave",
    "accounts.apitoken",
    "customers.customer",
    "customers.productcategory",
    "customers.productmodel",
    "customers.warrantypolicy",
    "customers.asset",
    "service.slapolicy",
    "service.ticket",
    "service.visit",
    "service.partusage",
]


@pytest.fixture
def admin_client_en(admin):
    client = Client(headers={"accept-language": "en"})
    client.force_login(admin)
    return client


@pytest.fixture
def ticket(specialist_a, customer_a, asset_a, store_a, default_policy, frozen_clock):
    frozen_clock(datetime(2026, 3, 2, 10))
    return ticket_register(
        by=specialist_a, store=store_a, customer=customer_a, channel="phone", subject="异响", asset=asset_a
    )


def test_every_master_data_model_is_registered():
    # given / when
    registered = {f"{model._meta.app_label}.{model._meta.model_name}" for model in admin.site._registry}
    # then
    assert set(MASTER_DATA) <= registered


@pytest.mark.parametrize("label", MASTER_DATA)
def test_changelist_and_add_pages_open(admin_client_en, cast, ticket, label):
    # given the cast and one request
    app, model = label.split(".")
    # when
    changelist = admin_client_en.get(reverse(f"admin:{app}_{model}_changelist"))
    # then
    assert changelist.status_code == 200


@pytest.mark.parametrize(
    "label, pk_of",
    [
        ("accounts.store", lambda cast, ticket: cast.store_a.pk),
        ("accounts.user", lambda cast, ticket: cast.specialist_a.pk),
        ("customers.customer", lambda cast, ticket: cast.customer_a.pk),
        ("customers.asset", lambda cast, ticket: cast.asset_a.pk),
        ("service.ticket", lambda cast, ticket: ticket.pk),
    ],
)
def test_change_pages_open(admin_client_en, cast, ticket, label, pk_of):
    # given / when
    app, model = label.split(".")
    response = admin_client_en.get(reverse(f"admin:{app}_{model}_change", args=[pk_of(cast, ticket)]))
    # then
    assert response.status_code == 200


def test_ticket_status_cannot_be_changed_in_the_admin(admin_client_en, ticket):
    # given the request is assigned
    url = reverse("admin:service_ticket_change", args=[ticket.pk])
    # when an administrator posts a new status together with a corrected subject
    events = ticket.events.count()
    response = admin_client_en.post(
        url,
        {
            "subject": "异响（已更正）",
            "description": "",
            "fault_category": "",
            "status": "closed",
            "events-TOTAL_FORMS": events,
            "events-INITIAL_FORMS": events,
        },
    )
    # then only the subject changed
    ticket.refresh_from_db()
    assert response.status_code == 302
    assert (ticket.subject, ticket.status) == ("异响（已更正）", "assigned")


def test_tickets_and_api_tokens_cannot_be_added_in_the_admin(admin_client_en, admin):
    # given a token issued elsewhere
    token = ApiToken.objects.create(user=admin, name="ERP", digest="0" * 64, prefix="abcd")
    # when
    add_ticket = admin_client_en.get(reverse("admin:service_ticket_add"))
    add_token = admin_client_en.get(reverse("admin:accounts_apitoken_add"))
    change_token = admin_client_en.post(
        reverse("admin:accounts_apitoken_change", args=[token.pk]), {"name": "changed"}
    )
    # then
    assert (add_ticket.status_code, add_token.status_code, change_token.status_code) == (403, 403, 403)
    assert ApiToken.objects.get(pk=token.pk).name == "ERP"
    assert Ticket.objects.count() == 0


def test_staff_without_admin_rights_are_sent_to_the_admin_login(specialist_a):
    # given a specialist (not is_staff)
    client = Client()
    client.force_login(specialist_a)
    # when
    response = client.get(reverse("admin:service_ticket_changelist"))
    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_complaint_shows_its_record_read_only(admin_client_en, cast):
    from aftersales.service.services.complaints import complaint_open

    ticket = complaint_open(
        by=cast.specialist_a,
        store=cast.store_a,
        customer=cast.customer_a,
        channel="phone",
        subject="投诉：等待太久",
        severity=1,
        source="manufacturer",
    )
    response = admin_client_en.get(reverse("admin:service_ticket_change", args=[ticket.pk]))
    assert response.status_code == 200
    assert "manufacturer hotline" in response.text
    assert "1 – critical" in response.text
