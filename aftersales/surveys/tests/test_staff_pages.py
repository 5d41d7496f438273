"""Staff pages of the surveys app: the survey link shown on the spot (QR code, copy), the survey box of
a request's detail page, and the service-recovery outcome page."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from aftersales.service.models import Ticket
from aftersales.service.services.tickets import ticket_register
from aftersales.service.services.work import visit_arrive, visit_book, visit_complete
from aftersales.surveys.models import RecoveryCase, SurveyInvitation, SurveyLink
from aftersales.surveys.services import (
    SurveyGone,
    invitation_for_token,
    survey_invite,
    survey_respond,
)
from aftersales.surveys.tests.conftest import full_answers

SHANGHAI = ZoneInfo("Asia/Shanghai")
TOKEN_IN_PAGE = re.compile(r'id="survey-url" value="http://testserver/s/([A-Za-z0-9_-]{43})/"')


@pytest.fixture
def site_url(settings):
    settings.SITE_URL = "http://testserver"


def signed_in(user) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


def link_url(ticket) -> str:
    return reverse("surveys:ticket_link", args=[ticket.number])


def issue(client, ticket, channel="qr"):
    return client.post(link_url(ticket), {"channel": channel})


def shown_token(response) -> str:
    return TOKEN_IN_PAGE.search(response.content.decode()).group(1)


# --- the link on the spot --------------------------------------------------------------------------------


def test_the_page_offers_the_link_and_a_get_creates_nothing(resolved_ticket, transactional, cast):
    # when
    response = signed_in(cast.specialist_a).get(link_url(resolved_ticket))
    # then
    assert response.status_code == 200
    assert b"Show QR code" in response.content
    assert b'name="csrfmiddlewaretoken"' in response.content
    assert not SurveyInvitation.objects.exists()
    assert not SurveyLink.objects.exists()


def test_a_qr_code_creates_the_invitation_on_the_spot_without_mail(
    resolved_ticket, transactional, cast, site_url, mailoutbox, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = issue(signed_in(cast.specialist_a), resolved_ticket, "qr")
    # then the page shows the link as an SVG QR code and as text, once, never cached
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert "<svg" in html and "</svg>" in html
    token = shown_token(response)
    invitation = SurveyInvitation.objects.get()
    assert (invitation.ticket_id, invitation.sent_at) == (resolved_ticket.pk, None)
    assert invitation_for_token(token).pk == invitation.pk
    link = SurveyLink.objects.get()
    assert (link.channel, link.issued_by, link.invitation_id) == ("qr", cast.specialist_a, invitation.pk)
    assert token not in link.token_digest
    assert mailoutbox == []


def test_each_showing_is_a_new_token_of_the_same_invitation_answered_once(
    resolved_ticket, transactional, cast, site_url
):
    # given an invitation that was mailed
    _invitation, mailed_token = survey_invite(ticket=resolved_ticket, template=transactional)
    client = signed_in(cast.specialist_a)
    # when staff show it as a QR code and then copy it
    qr_token = shown_token(issue(client, resolved_ticket, "qr"))
    copy_token = shown_token(issue(client, resolved_ticket, "copy"))
    # then three different tokens open one invitation
    assert len({mailed_token, qr_token, copy_token}) == 3
    assert {invitation_for_token(t).pk for t in (mailed_token, qr_token, copy_token)} == {_invitation.pk}
    assert list(SurveyLink.objects.order_by("pk").values_list("channel", flat=True)) == ["qr", "copy"]
    # and once answered through one, all are used
    survey_respond(token=qr_token, answers=full_answers(transactional))
    for token in (mailed_token, copy_token):
        with pytest.raises(SurveyGone):
            invitation_for_token(token)


def test_the_page_lists_who_issued_which_link(resolved_ticket, transactional, cast, site_url):
    # given
    issue(signed_in(cast.specialist_a), resolved_ticket, "copy")
    # when
    response = signed_in(cast.manager_a).get(link_url(resolved_ticket))
    # then
    html = response.content.decode()
    assert "Links issued" in html
    assert "copied link · 王专员" in html or f"copied link · {cast.specialist_a}" in html


def test_no_link_without_the_customers_consent(resolved_ticket, transactional, cast):
    # given
    cast.customer_a.consent_to_contact = False
    cast.customer_a.save()
    # when
    response = issue(signed_in(cast.specialist_a), resolved_ticket)
    # then
    assert response.status_code == 409
    assert b"The customer has not consented to be contacted: no survey." in response.content
    assert not SurveyInvitation.objects.exists()
    assert not SurveyLink.objects.exists()


def test_no_link_before_the_work_is_done(transactional, cast, frozen_clock):
    # given a request still in progress, no visit completed
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    ticket = ticket_register(
        by=cast.specialist_a, store=cast.store_a, customer=cast.customer_a, channel="phone", subject="进行中"
    )
    # when
    response = issue(signed_in(cast.specialist_a), ticket)
    # then
    assert response.status_code == 409
    assert b"once a visit is completed or the request is resolved" in response.content
    assert not SurveyLink.objects.exists()


def test_a_completed_visit_allows_the_link_before_resolution(transactional, cast, frozen_clock, site_url):
    # given the technician completed the visit; the request is not resolved yet
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    ticket = ticket_register(
        by=cast.specialist_a, store=cast.store_a, customer=cast.customer_a, channel="phone", subject="上门"
    )
    start = datetime(2026, 3, 2, 14, 0, tzinfo=SHANGHAI)
    visit = visit_book(
        ticket=ticket,
        by=cast.specialist_a,
        technician=cast.technician_a,
        window_start=start,
        window_end=start + timedelta(hours=2),
    )
    frozen_clock(datetime(2026, 3, 2, 14, 10))
    visit_arrive(visit=visit, by=cast.technician_a)
    visit_complete(visit=visit, by=cast.technician_a, report="已修复")
    # when the technician shows the QR code from the visit card
    detail = signed_in(cast.technician_a).get(reverse("service:ticket_detail", args=[ticket.number]))
    response = issue(signed_in(cast.technician_a), ticket, "qr")
    # then
    assert link_url(ticket).encode() in detail.content
    assert response.status_code == 200
    assert SurveyLink.objects.get().issued_by == cast.technician_a


def test_no_new_link_once_answered(resolved_ticket, transactional, cast):
    # given
    _invitation, token = survey_invite(ticket=resolved_ticket, template=transactional)
    survey_respond(token=token, answers=full_answers(transactional))
    # when
    response = issue(signed_in(cast.specialist_a), resolved_ticket)
    # then
    assert response.status_code == 409
    assert b"The customer has already answered the survey of this request." in response.content
    assert not SurveyLink.objects.exists()


def test_an_unknown_channel_is_refused(resolved_ticket, transactional, cast):
    # when
    response = issue(signed_in(cast.specialist_a), resolved_ticket, "fax")
    # then
    assert response.status_code == 400
    assert b"Unknown channel" in response.content
    assert not SurveyLink.objects.exists()


def test_another_stores_staff_get_404_and_nothing_is_issued(resolved_ticket, transactional, cast):
    # when
    shown = signed_in(cast.specialist_b).get(link_url(resolved_ticket))
    posted = issue(signed_in(cast.specialist_b), resolved_ticket)
    # then
    assert (shown.status_code, posted.status_code) == (404, 404)
    assert not SurveyInvitation.objects.exists()


def test_the_post_needs_the_csrf_token(resolved_ticket, transactional, cast):
    # given a browser that enforces CSRF
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.specialist_a)
    # when
    response = client.post(link_url(resolved_ticket), {"channel": "qr"})
    # then
    assert response.status_code == 403
    assert not SurveyLink.objects.exists()


# --- the survey box of the detail page ----------------------------------------------------------------------


def test_the_detail_page_loads_the_survey_box(resolved_ticket, transactional, cast):
    # when
    detail = signed_in(cast.specialist_a).get(reverse("service:ticket_detail", args=[resolved_ticket.number]))
    panel = signed_in(cast.specialist_a).get(reverse("surveys:ticket_panel", args=[resolved_ticket.number]))
    # then
    panel_url = reverse("surveys:ticket_panel", args=[resolved_ticket.number])
    assert f'hx-get="{panel_url}"'.encode() in detail.content
    assert panel.status_code == 200
    assert b"No invitation yet" in panel.content
    assert link_url(resolved_ticket).encode() in panel.content


def test_the_box_tells_an_answered_survey(resolved_ticket, transactional, cast, frozen_clock):
    # given
    _invitation, token = survey_invite(ticket=resolved_ticket, template=transactional)
    frozen_clock(datetime(2026, 3, 3, 9, 30))
    survey_respond(token=token, answers=full_answers(transactional))
    # when
    panel = signed_in(cast.specialist_a).get(reverse("surveys:ticket_panel", args=[resolved_ticket.number]))
    # then
    assert b"Answered 2026-03-03 09:30" in panel.content
    assert link_url(resolved_ticket).encode() not in panel.content


# --- the recovery outcome -----------------------------------------------------------------------------------


@pytest.fixture
def case(resolved_ticket, transactional, frozen_clock) -> RecoveryCase:
    _invitation, token = survey_invite(ticket=resolved_ticket, template=transactional)
    frozen_clock(datetime(2026, 3, 3, 9, 0))
    response = survey_respond(token=token, answers=full_answers(transactional, csat=1, text="太慢了"))
    return response.recovery


def outcome_url(case) -> str:
    return reverse("surveys:recovery_outcome", args=[case.follow_up.number])


def test_the_store_manager_records_the_outcome(case, cast, frozen_clock):
    # given
    frozen_clock(datetime(2026, 3, 4, 11, 0))
    client = signed_in(cast.manager_a)
    # when
    form = client.get(outcome_url(case))
    response = client.post(outcome_url(case), {"outcome": "compensated", "note": "赠送保养一次"})
    # then
    assert form.status_code == 200
    assert b'value="still_dissatisfied"' in form.content
    assert response.status_code == 302
    assert response["Location"] == outcome_url(case)
    case.refresh_from_db()
    assert (case.outcome, case.outcome_note) == ("compensated", "赠送保养一次")
    assert case.closed_at == datetime(2026, 3, 4, 11, 0, tzinfo=SHANGHAI)
    shown = client.get(outcome_url(case))
    assert b"compensated" in shown.content


def test_the_page_is_in_chinese_by_default(case, cast):
    # given
    client = Client()
    client.force_login(cast.manager_a)
    # when
    response = client.get(outcome_url(case))
    # then
    html = response.content.decode()
    assert "回访结果" in html
    assert "已补偿" in html


def test_a_specialist_sees_the_outcome_but_may_not_record_it(case, cast):
    # when
    page = signed_in(cast.specialist_a).get(outcome_url(case))
    posted = signed_in(cast.specialist_a).post(outcome_url(case), {"outcome": "resolved"})
    # then
    assert page.status_code == 200
    assert b"The store manager records the outcome." in page.content
    assert b'name="outcome"' not in page.content
    assert posted.status_code == 403
    case.refresh_from_db()
    assert case.outcome == ""


def test_an_unknown_outcome_is_refused_with_the_choices(case, cast):
    # when
    response = signed_in(cast.manager_a).post(outcome_url(case), {"outcome": "forgotten"})
    # then
    assert response.status_code == 400
    assert b"Unknown outcome &#x27;forgotten&#x27;" in response.content
    case.refresh_from_db()
    assert case.outcome == ""


def test_a_request_that_is_no_follow_up_has_no_outcome_page(resolved_ticket, cast):
    # when
    response = signed_in(cast.manager_a).get(
        reverse("surveys:recovery_outcome", args=[resolved_ticket.number])
    )
    # then
    assert response.status_code == 404


def test_the_results_list_and_the_follow_up_box_link_the_outcome_page(case, cast):
    # when
    results = signed_in(cast.manager_a).get(reverse("surveys:results"))
    panel = signed_in(cast.manager_a).get(reverse("surveys:ticket_panel", args=[case.follow_up.number]))
    # then
    assert outcome_url(case).encode() in results.content
    assert outcome_url(case).encode() in panel.content
    assert Ticket.objects.filter(pk=case.follow_up_id).exists()
