"""Registering a request from the staff page: customer lookup, assets with warranty, one transaction."""

from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from aftersales.customers.models import Customer
from aftersales.service.models import Attachment, Ticket

pytestmark = pytest.mark.django_db

REGISTER = reverse("service:register")


@pytest.fixture
def signed_in(specialist_a, default_policy, frozen_clock):
    frozen_clock(datetime(2026, 3, 2, 10))
    client = Client(headers={"accept-language": "en"})
    client.force_login(specialist_a)
    return client


def request_fields(store, **extra) -> dict:
    return {
        "store": store.pk,
        "channel": "phone",
        "kind": "repair",
        "priority": "normal",
        "subject": "发动机异响",
        "description": "冷启动时异响",
        **extra,
    }


def new_customer_fields(**extra) -> dict:
    return {
        "new_customer": "on",
        "new_name": "林女士",
        "new_phone": "13912345678",
        "new_tier": "gold",
        **extra,
    }


def test_register_for_an_existing_customer_and_asset(signed_in, store_a, customer_a, asset_a, specialist_a):
    # given / when
    response = signed_in.post(REGISTER, request_fields(store_a, customer=customer_a.pk, asset=asset_a.pk))
    # then
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("service:ticket_detail", args=[ticket.number])
    assert (ticket.customer, ticket.asset, ticket.in_warranty, ticket.assignee, ticket.channel) == (
        customer_a,
        asset_a,
        True,
        specialist_a,
        "phone",
    )
    page = signed_in.get(response["Location"])
    assert f"Request {ticket.number} registered and assigned to 张专员." in page.content.decode()


def test_register_with_a_new_customer_creates_both(signed_in, store_a):
    # given / when
    response = signed_in.post(REGISTER, request_fields(store_a, **new_customer_fields()))
    # then
    customer = Customer.objects.get(name="林女士")
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert (customer.phone, customer.tier, customer.home_store) == ("13912345678", "gold", store_a)
    assert ticket.customer == customer
    assert ticket.in_warranty is None


def test_bad_asset_rolls_back_the_new_customer_too(signed_in, store_a, asset_a):
    # given customer_a's asset offered for a brand-new customer
    customers_before = Customer.objects.count()
    # when
    response = signed_in.post(REGISTER, request_fields(store_a, asset=asset_a.pk, **new_customer_fields()))
    # then
    html = response.content.decode()
    assert response.status_code == 422
    assert (
        '<small class="field-error" id="asset-error">Asset SN-A-0001 does not belong to 林女士.</small>'
        in html
    )
    assert Customer.objects.count() == customers_before
    assert Customer.objects.filter(name="林女士").exists() is False
    assert Ticket.objects.count() == 0


def test_bad_new_customer_phone_shows_next_to_the_field(signed_in, store_a):
    # given / when
    response = signed_in.post(REGISTER, request_fields(store_a, **new_customer_fields(new_phone="abc")))
    # then
    assert response.status_code == 422
    assert (
        '<small id="id_new_phone-error" class="field-error">&#x27;abc&#x27; is not a phone number.</small>'
        in response.content.decode()
    )
    assert (Customer.objects.filter(name="林女士").count(), Ticket.objects.count()) == (0, 0)


def test_empty_subject_rolls_back_the_new_customer(signed_in, store_a):
    # given / when
    response = signed_in.post(REGISTER, request_fields(store_a, subject="  ", **new_customer_fields()))
    # then
    assert response.status_code == 422
    assert (
        '<small id="id_subject-error" class="field-error">Say in a few words what the request is about.</small>'
        in response.content.decode()
    )
    assert (Customer.objects.filter(name="林女士").count(), Ticket.objects.count()) == (0, 0)


def test_a_customer_must_be_chosen(signed_in, store_a):
    # given / when
    response = signed_in.post(REGISTER, request_fields(store_a))
    # then
    assert response.status_code == 422
    assert (
        '<small class="field-error" id="customer-error">Find and choose the customer, or register a new one.</small>'
        in response.content.decode()
    )
    assert Ticket.objects.count() == 0


def test_store_is_limited_to_the_users_stores(signed_in, store_a, store_b, customer_a):
    # given / when
    page = signed_in.get(REGISTER)
    response = signed_in.post(REGISTER, request_fields(store_b, customer=customer_a.pk))
    # then
    assert list(page.context["form"].fields["store"].queryset) == [store_a]
    assert response.status_code == 422
    assert Ticket.objects.count() == 0


def test_bad_attachment_rolls_back_customer_and_request(signed_in, store_a):
    # given an executable posing as a picture
    upload = SimpleUploadedFile("photo.png", b"MZ\x90\x00binary", content_type="image/png")
    # when
    response = signed_in.post(REGISTER, request_fields(store_a, attachment=upload, **new_customer_fields()))
    # then
    assert response.status_code == 422
    assert "&#x27;photo.png&#x27; is not an allowed file type" in response.content.decode()
    assert (
        Customer.objects.filter(name="林女士").count(),
        Ticket.objects.count(),
        Attachment.objects.count(),
    ) == (
        0,
        0,
        0,
    )


def test_register_with_an_attachment(signed_in, store_a, customer_a):
    # given
    upload = SimpleUploadedFile("报修单.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    # when
    response = signed_in.post(REGISTER, request_fields(store_a, customer=customer_a.pk, attachment=upload))
    # then
    attachment = Attachment.objects.get()
    assert response.status_code == 302
    assert (attachment.ticket, attachment.filename, attachment.content_type) == (
        Ticket.objects.get(),
        "报修单.pdf",
        "application/pdf",
    )


def test_customer_search_finds_only_visible_customers(signed_in, customer_a, customer_b):
    # given customer_a of store A and customer_b of store B
    url = reverse("service:customer_search")
    # when
    by_name = signed_in.get(url, {"q": "孙"}, headers={"hx-request": "true"})
    by_serial = signed_in.get(url, {"q": "SN-A-0001"}, headers={"hx-request": "true"})
    other_store = signed_in.get(url, {"q": "周"}, headers={"hx-request": "true"})
    # then
    found = f'<input type="radio" name="customer" value="{customer_a.pk}"'
    assert by_name.content.decode().lstrip().startswith('<div id="customer-results"')
    assert by_name.content.decode().count('name="customer"') == 1
    assert found in by_name.content.decode()
    assert found in by_serial.content.decode()
    assert 'name="customer"' not in other_store.content.decode()
    assert "No customer matches “周”. Register them below." in other_store.content.decode()


def test_customer_assets_show_the_warranty(signed_in, customer_a, customer_b, asset_a):
    # given / when
    response = signed_in.get(reverse("service:customer_assets", args=[customer_a.pk]))
    other = signed_in.get(reverse("service:customer_assets", args=[customer_b.pk]))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<input type="radio" name="asset" value="{asset_a.pk}" checked>' in html
    assert "In warranty until Feb. 29, 2028 · parts 100 %, labour 100 %" in html
    assert other.status_code == 404


def test_no_js_search_renders_results_on_the_page(signed_in, customer_a):
    # given / when
    response = signed_in.get(REGISTER, {"q": "孙先生"})
    # then
    assert f'<input type="radio" name="customer" value="{customer_a.pk}"' in response.content.decode()
