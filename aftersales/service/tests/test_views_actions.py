"""The request detail page and its actions, each posted through the view like a browser does."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from aftersales.service.models import Comment, PartUsage, Ticket, TicketEvent, Visit
from aftersales.service.services.tickets import ticket_register
from aftersales.service.services.work import visit_arrive, visit_book

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
HTMX = {"hx-request": "true"}


@pytest.fixture
def en_client():
    return Client(headers={"accept-language": "en"})


@pytest.fixture
def ticket(specialist_a, customer_a, asset_a, store_a, default_policy, frozen_clock):
    """A request of customer_a in store A, registered on Monday 2 March 2026 10:00, assigned to
    specialist_a (the only specialist of store A)."""
    frozen_clock(datetime(2026, 3, 2, 10))
    return ticket_register(
        by=specialist_a,
        store=store_a,
        customer=customer_a,
        channel="phone",
        subject="发动机异响",
        asset=asset_a,
    )


@pytest.fixture
def signed_in(en_client, specialist_a):
    en_client.force_login(specialist_a)
    return en_client


def act(client, ticket, action, data=None, **extra):
    return client.post(reverse("service:ticket_action", args=[ticket.number, action]), data or {}, **extra)


def detail_url(ticket) -> str:
    return reverse("service:ticket_detail", args=[ticket.number])


def event_types(ticket) -> list[str]:
    return list(TicketEvent.objects.filter(ticket=ticket).values_list("type", flat=True))


# --- the page ---------------------------------------------------------------------------------------


def test_detail_shows_header_warranty_and_actions(signed_in, ticket):
    # given the assigned request
    # when
    response = signed_in.get(detail_url(ticket))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert f"<h1>{ticket.number} " in html
    assert '<p class="warranty warranty-in">In warranty until Feb. 29, 2028<br>' in html
    assert "Coverage applied to this request: parts 100 %, labour 100 %" in html
    assert '<span class="sla sla-ok">1 d 0 h left</span>' in html
    assert 'id="action-reply"' in html
    assert 'id="action-start"' in html
    assert 'id="action-close"' not in html
    assert 'id="action-reopen"' not in html
    assert 'id="action-assign"' not in html  # specialists do not assign


def test_detail_of_another_stores_request_is_404(en_client, specialist_b, ticket):
    # given a specialist of store B
    en_client.force_login(specialist_b)
    # when
    response = en_client.get(detail_url(ticket))
    # then
    assert response.status_code == 404


def test_manager_sees_the_assign_form(en_client, manager_a, ticket):
    # given
    en_client.force_login(manager_a)
    # when
    response = en_client.get(detail_url(ticket))
    # then
    assert 'id="action-assign"' in response.content.decode()


# --- each action --------------------------------------------------------------------------------------


def test_reply_goes_to_customer_and_counts_as_first_response(signed_in, ticket, frozen_clock):
    # given thirty minutes later
    frozen_clock.advance(minutes=30)
    # when
    response = act(signed_in, ticket, "reply", {"body": "您好，已收到。"})
    # then
    ticket.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == detail_url(ticket)
    assert list(Comment.objects.filter(ticket=ticket).values_list("body", "visibility")) == [
        ("您好，已收到。", "public")
    ]
    assert ticket.first_response_minutes == 30
    assert ticket.status == "in_progress"


def test_internal_note_is_marked_in_the_timeline(signed_in, ticket):
    # given / when
    act(signed_in, ticket, "note", {"body": "客户脾气急"})
    page = signed_in.get(detail_url(ticket)).content.decode()
    # then
    assert list(Comment.objects.filter(ticket=ticket).values_list("visibility", flat=True)) == ["internal"]
    assert '<span class="badge badge-internal">internal note</span>' in page
    assert '<blockquote class="internal-note">客户脾气急</blockquote>' in page
    assert Ticket.objects.get(pk=ticket.pk).first_response_at is None


def test_log_call(signed_in, ticket):
    # given / when
    response = act(signed_in, ticket, "log_call", {"summary": "约好明天上门"})
    # then
    assert response.status_code == 302
    event = TicketEvent.objects.get(ticket=ticket, type="call_logged")
    assert event.payload == {"summary": "约好明天上门"}


def test_start_then_wait_on_parts_then_resume(signed_in, ticket):
    # given / when
    act(signed_in, ticket, "start")
    started = Ticket.objects.get(pk=ticket.pk).status
    act(signed_in, ticket, "wait", {"on": "pending_parts", "note": "等配件"})
    waiting = Ticket.objects.get(pk=ticket.pk)
    act(signed_in, ticket, "resume")
    resumed = Ticket.objects.get(pk=ticket.pk).status
    # then
    assert (started, waiting.status, resumed) == ("in_progress", "pending_parts", "in_progress")
    assert waiting.paused_since is not None


def test_book_visit_reads_times_in_the_stores_time_zone(signed_in, ticket, technician_a):
    # given / when
    response = act(
        signed_in,
        ticket,
        "book_visit",
        {"technician": technician_a.pk, "window_start": "2026-03-03T09:00", "window_end": "2026-03-03T11:00"},
    )
    # then
    visit = Visit.objects.get(ticket=ticket)
    assert response.status_code == 302
    assert visit.window_start == datetime(2026, 3, 3, 9, tzinfo=SHANGHAI)
    assert visit.window_end == datetime(2026, 3, 3, 11, tzinfo=SHANGHAI)
    assert visit.technician == technician_a
    assert Ticket.objects.get(pk=ticket.pk).status == "visit_scheduled"


def test_visit_confirm_arrive_complete(signed_in, ticket, specialist_a, technician_a):
    # given a booked visit
    visit = visit_book(
        ticket=ticket,
        by=specialist_a,
        technician=technician_a,
        window_start=datetime(2026, 3, 3, 9, tzinfo=SHANGHAI),
        window_end=datetime(2026, 3, 3, 11, tzinfo=SHANGHAI),
    )
    # when
    act(signed_in, ticket, "confirm_visit", {"visit": visit.pk})
    confirmed = Visit.objects.get(pk=visit.pk).status
    act(signed_in, ticket, "arrive_visit", {"visit": visit.pk})
    arrived = Visit.objects.get(pk=visit.pk).status
    act(signed_in, ticket, "complete_visit", {"visit": visit.pk, "report": "更换支架"})
    # then
    visit.refresh_from_db()
    assert (confirmed, arrived, visit.status, visit.report) == (
        "confirmed",
        "arrived",
        "completed",
        "更换支架",
    )
    assert Ticket.objects.get(pk=ticket.pk).status == "in_progress"


def test_visit_action_on_a_visit_of_another_request_is_404(
    signed_in, ticket, specialist_a, customer_a, store_a
):
    # given a visit of another request
    other = ticket_register(
        by=specialist_a, store=store_a, customer=customer_a, channel="phone", subject="另一个"
    )
    visit = visit_book(
        ticket=other,
        by=specialist_a,
        technician=specialist_a,
        window_start=datetime(2026, 3, 3, 9, tzinfo=SHANGHAI),
        window_end=datetime(2026, 3, 3, 11, tzinfo=SHANGHAI),
    )
    # when
    response = act(signed_in, ticket, "confirm_visit", {"visit": visit.pk})
    # then
    assert response.status_code == 404
    assert Visit.objects.get(pk=visit.pk).status == "booked"


def test_record_part_and_the_customers_share(
    signed_in, ticket, specialist_a, store_a, customer_b, frozen_clock
):
    # given the request is in warranty (parts 100 %)
    # when
    response = act(
        signed_in,
        ticket,
        "record_part",
        {"part_number": "ev-1203", "description": "支架", "quantity": "2", "unit_cost": "185.50"},
    )
    page = signed_in.get(detail_url(ticket)).content.decode()
    # then
    part = PartUsage.objects.get(ticket=ticket)
    assert response.status_code == 302
    assert (part.part_number, part.quantity, part.unit_cost, part.covered_percent) == (
        "EV-1203",
        Decimal("2.00"),
        Decimal("185.50"),
        100,
    )
    assert '<td class="num">¥371.00</td>' in page
    assert '<td class="num"><strong>¥0.00</strong></td>' in page


def test_resolve_close(signed_in, ticket):
    # given / when
    act(
        signed_in,
        ticket,
        "resolve",
        {"outcome": "repair", "root_cause": "MOUNT-01", "note": "已修复", "labour_hours": "1.5"},
    )
    resolved = Ticket.objects.get(pk=ticket.pk)
    act(signed_in, ticket, "close")
    # then
    assert (resolved.status, resolved.outcome, resolved.root_cause, resolved.labour_hours) == (
        "resolved",
        "repair",
        "MOUNT-01",
        Decimal("1.50"),
    )
    assert Ticket.objects.get(pk=ticket.pk).status == "closed"


def test_reopen_a_resolved_request(signed_in, ticket):
    # given a resolved request
    act(signed_in, ticket, "resolve", {"outcome": "advice"})
    # when
    response = act(signed_in, ticket, "reopen", {"reason": "问题复现"})
    # then
    reopened = Ticket.objects.get(pk=ticket.pk)
    assert response.status_code == 302
    assert (reopened.status, reopened.reopen_count) == ("reopened", 1)


def test_cancel_needs_a_reason(signed_in, ticket):
    # given / when
    refused = act(signed_in, ticket, "cancel", {"reason": ""})
    status_after_refusal = Ticket.objects.get(pk=ticket.pk).status
    done = act(signed_in, ticket, "cancel", {"reason": "客户撤回"})
    # then
    assert refused.status_code == 422
    assert "Say why the request is cancelled." in refused.content.decode()
    assert status_after_refusal == "assigned"
    assert done.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).status == "cancelled"


def test_manager_assigns_with_a_reason(en_client, manager_a, technician_a, ticket):
    # given
    en_client.force_login(manager_a)
    # when
    response = act(en_client, ticket, "assign", {"assignee": technician_a.pk, "reason": "需要上门"})
    # then
    assert response.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).assignee == technician_a
    assert TicketEvent.objects.filter(ticket=ticket, type="assigned").last().payload["reason"] == "需要上门"


def test_specialist_may_not_assign(signed_in, technician_a, ticket, specialist_a):
    # given / when
    response = act(signed_in, ticket, "assign", {"assignee": technician_a.pk, "reason": "我想换人"})
    # then
    assert response.status_code == 422
    assert "Only a manager of this store may do that." in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).assignee == specialist_a


def test_unknown_action_is_404_and_get_is_405(signed_in, ticket):
    # given / when
    unknown = act(signed_in, ticket, "explode")
    get = signed_in.get(reverse("service:ticket_action", args=[ticket.number, "start"]))
    # then
    assert (unknown.status_code, get.status_code) == (404, 405)


def test_specialist_of_another_store_cannot_act(en_client, specialist_b, ticket):
    # given
    en_client.force_login(specialist_b)
    # when
    response = act(en_client, ticket, "start")
    # then
    assert response.status_code == 404
    assert Ticket.objects.get(pk=ticket.pk).status == "assigned"


# --- bad input writes nothing -----------------------------------------------------------------------


def test_visit_in_the_past_is_refused_next_to_its_field(signed_in, ticket, technician_a):
    # given the clock at 2 March 10:00
    events_before = event_types(ticket)
    # when
    response = act(
        signed_in,
        ticket,
        "book_visit",
        {"technician": technician_a.pk, "window_start": "2026-03-01T09:00", "window_end": "2026-03-01T11:00"},
    )
    # then
    html = response.content.decode()
    assert response.status_code == 422
    assert (
        '<small id="book_visit-window_start-error" class="field-error">The visit window starts in the past.</small>'
        in html
    )
    assert 'aria-invalid="true"' in html
    assert Visit.objects.count() == 0
    assert event_types(ticket) == events_before
    assert Ticket.objects.get(pk=ticket.pk).status == "assigned"


def test_visit_ending_before_it_starts_is_refused(signed_in, ticket, technician_a):
    # given / when
    response = act(
        signed_in,
        ticket,
        "book_visit",
        {"technician": technician_a.pk, "window_start": "2026-03-03T11:00", "window_end": "2026-03-03T09:00"},
    )
    # then
    assert response.status_code == 422
    assert (
        '<small id="book_visit-window_end-error" class="field-error">The visit window must end after it starts.</small>'
        in response.content.decode()
    )
    assert Visit.objects.count() == 0


def test_negative_part_quantity_is_refused(signed_in, ticket):
    # given
    events_before = event_types(ticket)
    # when
    response = act(
        signed_in, ticket, "record_part", {"part_number": "EV-1", "quantity": "-2", "unit_cost": "10"}
    )
    # then
    assert response.status_code == 422
    assert (
        '<small id="record_part-quantity-error" class="field-error">The quantity must be more than zero.</small>'
        in response.content.decode()
    )
    assert PartUsage.objects.count() == 0
    assert event_types(ticket) == events_before


def test_part_quantity_that_is_not_a_number_is_refused(signed_in, ticket):
    # given / when
    response = act(
        signed_in, ticket, "record_part", {"part_number": "EV-1", "quantity": "two", "unit_cost": "10"}
    )
    # then
    assert response.status_code == 422
    assert "&#x27;two&#x27; is not a number." in response.content.decode()
    assert PartUsage.objects.count() == 0


def test_closing_a_new_request_is_refused(signed_in, specialist_a, customer_a, store_a, default_policy):
    # given a new, unassigned request
    new = ticket_register(
        by=specialist_a,
        store=store_a,
        customer=customer_a,
        channel="phone",
        subject="新请求",
        auto_assign=False,
    )
    events_before = event_types(new)
    # when
    response = act(signed_in, new, "close")
    # then
    html = response.content.decode()
    assert response.status_code == 422
    assert (
        '<div id="action-errors"><p class="form-error" role="alert">A request that is new cannot become closed. </p></div>'
        in html
    )
    assert Ticket.objects.get(pk=new.pk).status == "new"
    assert event_types(new) == events_before


def test_replacement_without_serial_is_refused(signed_in, ticket):
    # given / when
    response = act(signed_in, ticket, "resolve", {"outcome": "replacement", "root_cause": "X"})
    # then
    assert response.status_code == 422
    assert (
        '<small id="resolve-replacement_serial-error" class="field-error">Record the serial number of the replacement unit.</small>'
        in response.content.decode()
    )
    assert Ticket.objects.get(pk=ticket.pk).status == "assigned"


def test_completing_a_visit_not_arrived_is_refused(signed_in, ticket, specialist_a, technician_a):
    # given a visit still only booked
    visit = visit_book(
        ticket=ticket,
        by=specialist_a,
        technician=technician_a,
        window_start=datetime(2026, 3, 3, 9, tzinfo=SHANGHAI),
        window_end=datetime(2026, 3, 3, 11, tzinfo=SHANGHAI),
    )
    # when
    response = act(signed_in, ticket, "complete_visit", {"visit": visit.pk, "report": "做完了"}, headers=HTMX)
    # then
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#action-errors"
    assert "The visit is booked; it cannot become completed." in response.content.decode()
    assert Visit.objects.get(pk=visit.pk).status == "booked"


# --- htmx -------------------------------------------------------------------------------------------


def test_htmx_error_returns_the_form_fragment_with_422(signed_in, ticket):
    # given / when
    response = act(
        signed_in, ticket, "record_part", {"part_number": "", "quantity": "1", "unit_cost": "1"}, headers=HTMX
    )
    # then
    html = response.content.decode()
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#action-record_part"
    assert response["HX-Reswap"] == "outerHTML"
    assert html.lstrip().startswith('<details id="action-record_part" class="action" open>')
    assert (
        '<small id="record_part-part_number-error" class="field-error">Give the part number.</small>' in html
    )


def test_htmx_visit_error_returns_the_visits_actions(signed_in, ticket, specialist_a, technician_a):
    # given an arrived visit
    visit = visit_book(
        ticket=ticket,
        by=specialist_a,
        technician=technician_a,
        window_start=datetime(2026, 3, 3, 9, tzinfo=SHANGHAI),
        window_end=datetime(2026, 3, 3, 11, tzinfo=SHANGHAI),
    )
    visit_arrive(visit=visit, by=specialist_a)
    # when
    response = act(signed_in, ticket, "complete_visit", {"visit": visit.pk, "report": ""}, headers=HTMX)
    # then
    assert response.status_code == 422
    assert response["HX-Retarget"] == f"#visit-{visit.pk}-actions"
    assert (
        f'<small id="complete_visit-{visit.pk}-report-error" class="field-error">Write what was done on site.</small>'
        in response.content.decode()
    )


def test_htmx_success_returns_the_main_block_with_the_message(signed_in, ticket):
    # given / when
    response = act(signed_in, ticket, "start", headers=HTMX)
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="ticket-main" class="ticket-main">')
    assert "Work started." in html
    assert '<span class="badge badge-in_progress">in progress</span>' in html


# --- CSRF -------------------------------------------------------------------------------------------


def test_post_without_csrf_token_is_403_and_writes_nothing(specialist_a, ticket):
    # given a browser-like client that checks CSRF
    browser = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    browser.force_login(specialist_a)
    # when
    response = browser.post(reverse("service:ticket_action", args=[ticket.number, "start"]))
    # then
    assert response.status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).status == "assigned"


def test_post_with_the_pages_csrf_token_works(specialist_a, ticket):
    # given the token from the detail page's cookie
    browser = Client(enforce_csrf_checks=True, headers={"accept-language": "en"})
    browser.force_login(specialist_a)
    browser.get(detail_url(ticket))
    token = browser.cookies["csrftoken"].value
    # when
    response = browser.post(
        reverse("service:ticket_action", args=[ticket.number, "start"]), {"csrfmiddlewaretoken": token}
    )
    # then
    assert response.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).status == "in_progress"


def test_portal_customer_gets_404_on_staff_request_pages(en_client, customer_a, ticket):
    # given the customer of the request, signed in to the portal
    en_client.force_login(customer_a.user)
    # when
    page = en_client.get(detail_url(ticket))
    action = act(en_client, ticket, "cancel", {"reason": "不要了"})
    # then
    assert (page.status_code, action.status_code) == (404, 404)
    assert Ticket.objects.get(pk=ticket.pk).status == "assigned"
