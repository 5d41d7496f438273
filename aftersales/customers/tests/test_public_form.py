"""The public contact form and the tracking page: no sign-in, so no relay, no leak, no writes on GET."""

from datetime import datetime

import pytest
from django.core.cache import cache

from aftersales.customers.models import Customer
from aftersales.service.models import Comment, Ticket, TicketEvent
from aftersales.service.services.tickets import ticket_register, ticket_reply

INTERNAL_NOTE = "内部备注：该客户疑似转卖，勿透露维修记录"


@pytest.fixture(autouse=True)
def fresh_cache_and_clock(frozen_clock):
    cache.clear()
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    yield
    cache.clear()


def form_data(store, **overrides):
    data = {
        "name": "王小明",
        "phone": "13912345678",
        "email": "xiaoming@example.com",
        "store": store.pk,
        "kind": "repair",
        "serial": "",
        "subject": "冰箱不制冷",
        "description": "冷藏室温度很高",
        "website": "",
    }
    data.update(overrides)
    return data


def post(client, data, ip="203.0.113.7"):
    return client.post("/portal/contact/", data, REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en")


# --- the happy path ---------------------------------------------------------------------------------------


def test_web_form_registers_a_request_for_a_new_customer_and_mails_the_tracking_link(
    client, cast, store_b, django_capture_on_commit_callbacks, mailoutbox
):
    # given someone the company has never heard of
    customers_before = Customer.objects.count()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, form_data(store_b))
    # then a customer of store B and a web-form request exist
    assert response.status_code == 302
    assert response.url == "/portal/contact/sent/"
    assert Customer.objects.count() == customers_before + 1
    customer = Customer.objects.get(email="xiaoming@example.com")
    assert (customer.name, customer.phone, customer.home_store, customer.user) == (
        "王小明",
        "13912345678",
        store_b,
        None,
    )
    ticket = Ticket.objects.get()
    assert (ticket.customer, ticket.store, ticket.channel, ticket.kind, ticket.subject, ticket.asset) == (
        customer,
        store_b,
        "web_form",
        "repair",
        "冰箱不制冷",
        None,
    )
    assert ticket.created_by is None
    # and exactly one mail to the address given, carrying the tracking link
    track_url = f"http://127.0.0.1:8000/portal/track/{ticket.tracking_token}/"
    to_customer = [mail for mail in mailoutbox if mail.to == ["xiaoming@example.com"]]
    assert len(to_customer) == 1
    assert track_url in to_customer[0].body
    assert ticket.number in to_customer[0].subject


def test_confirmation_page_shows_number_and_tracking_link(client, cast, store_b):
    # given a request just sent
    post(client, form_data(store_b))
    ticket = Ticket.objects.get()
    # when
    response = client.get("/portal/contact/sent/", HTTP_ACCEPT_LANGUAGE="en")
    # then
    assert response.status_code == 200
    assert ticket.number in response.text
    assert f"http://testserver/portal/track/{ticket.tracking_token}/" in response.text
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_confirmation_page_without_a_request_sends_back_to_the_form(client, db):
    # when
    response = client.get("/portal/contact/sent/")
    # then
    assert response.status_code == 302
    assert response.url == "/portal/contact/"


def test_web_form_finds_the_customer_by_email_and_changes_nothing_of_theirs(client, customer_a, store_b):
    # given customer A writing from a different phone and under another name
    customers_before = Customer.objects.count()
    # when
    post(client, form_data(store_b, email="CUSTOMER_A@example.com", phone="13700000000", name="别人"))
    # then
    assert Customer.objects.count() == customers_before
    ticket = Ticket.objects.get()
    assert ticket.customer == customer_a
    customer_a.refresh_from_db()
    assert (customer_a.name, customer_a.home_store.code) == ("孙先生", "store-a")


def test_web_form_finds_the_customer_by_phone_when_no_email_matches(client, customer_a, store_a):
    # when
    post(client, form_data(store_a, email="", phone=customer_a.phone))
    # then
    assert Ticket.objects.get().customer == customer_a


def test_web_form_links_the_serial_of_the_customers_own_asset(client, customer_a, store_a):
    # when
    post(client, form_data(store_a, email="customer_a@example.com", serial="sn-a-0001"))
    # then
    ticket = Ticket.objects.get()
    assert (ticket.asset, ticket.in_warranty) == (customer_a.assets.get(), True)


# --- bad input: a message on the field, nothing written ----------------------------------------------------


def assert_nothing_written(customers_before: int) -> None:
    assert Customer.objects.count() == customers_before
    assert Ticket.objects.count() == 0


def test_malformed_email_is_refused_on_the_email_field(client, cast, store_b):
    # given
    customers_before = Customer.objects.count()
    # when
    response = post(client, form_data(store_b, email="xiaoming@"))
    # then
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "email": ["Enter a valid email address, e.g. name@example.com."]
    }
    assert_nothing_written(customers_before)


def test_malformed_phone_is_refused_on_the_phone_field(client, cast, store_b):
    # given
    customers_before = Customer.objects.count()
    # when
    response = post(client, form_data(store_b, phone="call me"))
    # then
    assert response.status_code == 400
    assert response.context["form"].errors == {"phone": ["Enter a phone number, e.g. 13800138000."]}
    assert_nothing_written(customers_before)


def test_empty_subject_is_refused_on_the_subject_field(client, cast, store_b):
    # given
    customers_before = Customer.objects.count()
    # when
    response = post(client, form_data(store_b, subject="   "))
    # then
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["subject"]
    assert_nothing_written(customers_before)


def test_serial_of_no_asset_of_a_new_customer_is_refused(client, cast, store_b):
    # given
    customers_before = Customer.objects.count()
    # when
    response = post(client, form_data(store_b, serial="SN-NOT-MINE"))
    # then
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["serial"]
    assert_nothing_written(customers_before)


def test_serial_of_another_customers_asset_is_refused(client, customer_a, customer_b, store_a):
    # given customer A naming customer B's serial number
    customers_before = Customer.objects.count()
    # when
    response = post(client, form_data(store_a, email="customer_a@example.com", serial="SN-B-0001"))
    # then
    assert list(response.context["form"].errors) == ["serial"]
    assert_nothing_written(customers_before)


def test_unknown_store_is_refused(client, cast):
    # when
    data = form_data(cast.store_a)
    data["store"] = 999999
    response = post(client, data)
    # then
    assert list(response.context["form"].errors) == ["store"]
    assert Ticket.objects.count() == 0


# --- abuse -------------------------------------------------------------------------------------------------


def test_honeypot_filled_registers_nothing_and_mails_nobody(
    client, cast, store_b, django_capture_on_commit_callbacks, mailoutbox
):
    # given
    customers_before = Customer.objects.count()
    # when a robot fills every field it finds
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, form_data(store_b, website="http://spam.example"))
    # then
    assert response.status_code == 302
    assert response.url == "/portal/contact/"
    assert_nothing_written(customers_before)
    assert len(mailoutbox) == 0


def test_one_ip_address_may_send_five_requests_an_hour(
    client, cast, store_b, django_capture_on_commit_callbacks, mailoutbox
):
    # given five requests to five different addresses from one IP address
    for n in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            assert post(client, form_data(store_b, email=f"victim{n}@example.com")).status_code == 302
    # when the sixth comes
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, form_data(store_b, email="victim5@example.com"))
    # then it is refused, nothing is written and nobody else is mailed
    assert response.status_code == 429
    assert Ticket.objects.count() == 5
    assert not [mail for mail in mailoutbox if mail.to == ["victim5@example.com"]]
    assert len([mail for mail in mailoutbox if mail.to[0].startswith("victim")]) == 5


def test_one_email_address_may_receive_five_requests_an_hour(client, cast, store_b):
    # given five requests for one address from five IP addresses
    for n in range(5):
        assert post(client, form_data(store_b), ip=f"198.51.100.{n}").status_code == 302
    # when
    response = post(client, form_data(store_b), ip="198.51.100.99")
    # then
    assert response.status_code == 429
    assert Ticket.objects.count() == 5


def test_the_cap_lifts_after_an_hour(client, cast, store_b):
    # given an IP address at its cap
    for n in range(5):
        post(client, form_data(store_b, email=f"user{n}@example.com"))
    assert post(client, form_data(store_b, email="user5@example.com")).status_code == 429
    # when the hour has passed (the cache forgets the count)
    cache.clear()
    response = post(client, form_data(store_b, email="user5@example.com"))
    # then
    assert response.status_code == 302
    assert Ticket.objects.count() == 6


def test_web_form_post_without_csrf_token_is_forbidden(cast, store_b):
    # given a client that enforces CSRF like a browser
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    # when
    response = client.post("/portal/contact/", form_data(store_b))
    # then
    assert response.status_code == 403
    assert Ticket.objects.count() == 0


# --- the tracking page ------------------------------------------------------------------------------------


def web_ticket(cast):
    customer = Customer.objects.create(
        name="王小明", phone="13912345678", email="xiaoming@example.com", home_store=cast.store_a
    )
    return ticket_register(
        by=None, store=cast.store_a, customer=customer, channel="web_form", subject="冰箱不制冷"
    )


def test_tracking_page_shows_status_and_public_replies_but_no_internal_note(client, cast, specialist_a):
    # given a public reply and an internal note
    ticket = web_ticket(cast)
    ticket_reply(ticket=ticket, by=specialist_a, body="我们明天上午联系您安排上门。")
    ticket_reply(ticket=ticket, by=specialist_a, body=INTERNAL_NOTE, internal=True)
    # when
    response = client.get(f"/portal/track/{ticket.tracking_token}/", HTTP_ACCEPT_LANGUAGE="en")
    # then
    assert response.status_code == 200
    assert ticket.number in response.text
    assert "冰箱不制冷" in response.text
    assert "Being handled" in response.text
    assert "我们明天上午联系您安排上门。" in response.text
    assert INTERNAL_NOTE not in response.text
    assert "内部备注" not in response.text


def test_tracking_page_shows_no_personal_data_beyond_a_masked_first_name(client, cast):
    # given
    ticket = web_ticket(cast)
    # when
    response = client.get(f"/portal/track/{ticket.tracking_token}/")
    # then
    assert "王**" in response.text
    assert "王小明" not in response.text
    assert "13912345678" not in response.text
    assert "xiaoming@example.com" not in response.text
    assert "张专员" not in response.text  # nor the staff member's name


def test_tracking_page_sends_no_referrer_and_is_never_cached_or_indexed(client, cast):
    # given
    ticket = web_ticket(cast)
    # when
    response = client.get(f"/portal/track/{ticket.tracking_token}/")
    # then
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"


def test_tracking_page_get_changes_nothing(client, cast):
    # given
    ticket = web_ticket(cast)
    events_before = TicketEvent.objects.count()
    updated_before = Ticket.objects.get(pk=ticket.pk).updated_at
    # when
    client.get(f"/portal/track/{ticket.tracking_token}/")
    client.get(f"/portal/track/{ticket.tracking_token}/")
    # then
    assert TicketEvent.objects.count() == events_before
    assert Comment.objects.count() == 0
    assert Ticket.objects.get(pk=ticket.pk).updated_at == updated_before


def test_tracking_page_refuses_post(client, cast):
    # given
    ticket = web_ticket(cast)
    # when
    response = client.post(f"/portal/track/{ticket.tracking_token}/", {"body": "hi"})
    # then
    assert response.status_code == 405


def test_tracking_page_with_a_wrong_token_is_404(client, cast):
    # given a real request, and a token that is not its own
    ticket = web_ticket(cast)
    # when
    wrong = client.get("/portal/track/" + "x" * len(ticket.tracking_token) + "/")
    number = client.get(f"/portal/track/{ticket.number}/")
    truncated = client.get(f"/portal/track/{ticket.tracking_token[:-1]}/")
    # then
    assert (wrong.status_code, number.status_code, truncated.status_code) == (404, 404, 404)


def test_confirmation_page_does_not_reveal_that_a_customer_found_by_phone_has_an_email(
    client, customer_a, store_a
):
    # given someone who typed customer A's phone number and no email address
    post(client, form_data(store_a, email="", phone=customer_a.phone))
    # when
    response = client.get("/portal/contact/sent/", HTTP_ACCEPT_LANGUAGE="en")
    # then
    assert response.context["emailed"] is False
    assert "sent a confirmation" not in response.text
    assert customer_a.email not in response.text


def test_tracking_link_dies_90_days_after_the_request_closed(client, cast, specialist_a, frozen_clock):
    # given a request closed on 2026-03-10
    from datetime import datetime

    from aftersales.service.services.tickets import ticket_close, ticket_resolve

    frozen_clock(datetime(2026, 3, 2, 10, 0))
    ticket = web_ticket(cast)
    ticket_resolve(ticket=ticket, by=specialist_a, outcome="advice")
    frozen_clock(datetime(2026, 3, 10, 10, 0))
    ticket_close(ticket=ticket, by=specialist_a)
    url = f"/portal/track/{ticket.tracking_token}/"
    # when / then: alive on day 90, dead after it
    frozen_clock(datetime(2026, 6, 8, 10, 0))
    assert client.get(url).status_code == 200
    frozen_clock(datetime(2026, 6, 8, 10, 1))
    assert client.get(url).status_code == 404
