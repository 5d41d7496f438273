"""The one reminder: mailed by the periodic dispatch AFTERSALES_SURVEY_REMINDER_DAYS after the invitation,
with a new token of the same invitation; never after an answer or the expiry; never twice."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from aftersales.surveys.models import SurveyInvitation, SurveyLink
from aftersales.surveys.services import (
    SurveyGone,
    invitation_for_token,
    survey_dispatch,
    survey_invite,
    survey_respond,
)
from aftersales.surveys.tests.conftest import full_answers

SHANGHAI = ZoneInfo("Asia/Shanghai")
INVITED = datetime(2026, 3, 2, 16, 0, tzinfo=SHANGHAI)  # the request was resolved at 14:00
REMINDER_DUE = datetime(2026, 3, 5, 16, 0, tzinfo=SHANGHAI)  # three days later


@pytest.fixture
def invited(resolved_ticket, transactional, frozen_clock, django_capture_on_commit_callbacks, mailoutbox):
    """The dispatch invited customer A at 16:00; returns the invitation and the first token."""
    frozen_clock(INVITED)
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = survey_invite(ticket=resolved_ticket, template=transactional)
    mailoutbox.clear()
    return invitation, token


def run_dispatch(now, capture) -> dict:
    with capture(execute=True):
        return survey_dispatch(now=now)


def test_no_reminder_before_the_delay(invited, django_capture_on_commit_callbacks, mailoutbox):
    # when one minute before the three days are up
    result = run_dispatch(datetime(2026, 3, 5, 15, 59, tzinfo=SHANGHAI), django_capture_on_commit_callbacks)
    # then
    assert result == {"invited": 0, "reminded": 0}
    assert mailoutbox == []
    assert SurveyInvitation.objects.get().reminded_at is None


def test_one_reminder_after_the_delay_with_a_new_working_link(
    invited, cast, django_capture_on_commit_callbacks, mailoutbox, settings
):
    # given
    settings.SITE_URL = "https://service.example.com"
    invitation, first_token = invited
    # when
    result = run_dispatch(REMINDER_DUE, django_capture_on_commit_callbacks)
    # then one mail to the customer, with a link of a new token of the same invitation
    assert result == {"invited": 0, "reminded": 1}
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [cast.customer_a.email]
    assert mail.subject == f"[{invitation.ticket.number}] 提醒：我们的服务如何？"
    token = re.search(r"https://service\.example\.com/s/([A-Za-z0-9_-]{43})/", mail.body).group(1)
    assert token != first_token
    assert invitation_for_token(token).pk == invitation.pk
    assert invitation_for_token(first_token).pk == invitation.pk
    link = SurveyLink.objects.get()
    assert (link.invitation_id, link.channel, link.issued_by) == (invitation.pk, "email", None)
    assert SurveyInvitation.objects.get().reminded_at == REMINDER_DUE


def test_the_reminder_is_sent_once(invited, django_capture_on_commit_callbacks, mailoutbox):
    # when the job runs again ten minutes and ten days later
    first = run_dispatch(REMINDER_DUE, django_capture_on_commit_callbacks)
    again = run_dispatch(datetime(2026, 3, 5, 16, 10, tzinfo=SHANGHAI), django_capture_on_commit_callbacks)
    later = run_dispatch(datetime(2026, 3, 15, 16, 0, tzinfo=SHANGHAI), django_capture_on_commit_callbacks)
    # then
    assert [first["reminded"], again["reminded"], later["reminded"]] == [1, 0, 0]
    assert len(mailoutbox) == 1
    assert SurveyLink.objects.count() == 1


def test_no_reminder_after_an_answer(invited, transactional, django_capture_on_commit_callbacks, mailoutbox):
    # given the customer answered on day two
    _invitation, token = invited
    survey_respond(
        token=token, answers=full_answers(transactional), now=datetime(2026, 3, 4, 9, 0, tzinfo=SHANGHAI)
    )
    mailoutbox.clear()
    # when
    result = run_dispatch(REMINDER_DUE, django_capture_on_commit_callbacks)
    # then
    assert result["reminded"] == 0
    assert mailoutbox == []
    assert not SurveyLink.objects.exists()


def test_no_reminder_after_the_expiry(invited, django_capture_on_commit_callbacks, mailoutbox, settings):
    # given invitations that expire after two days
    settings.AFTERSALES_SURVEY_REMINDER_DAYS = 3
    SurveyInvitation.objects.update(expires_at=datetime(2026, 3, 4, 16, 0, tzinfo=SHANGHAI))
    # when
    result = run_dispatch(REMINDER_DUE, django_capture_on_commit_callbacks)
    # then
    assert result["reminded"] == 0
    assert mailoutbox == []


def test_the_delay_is_a_setting(invited, django_capture_on_commit_callbacks, mailoutbox, settings):
    # given
    settings.AFTERSALES_SURVEY_REMINDER_DAYS = 1
    # when: one day after the invitation
    result = run_dispatch(datetime(2026, 3, 3, 16, 0, tzinfo=SHANGHAI), django_capture_on_commit_callbacks)
    # then
    assert result["reminded"] == 1
    assert len(mailoutbox) == 1


def test_an_invitation_never_mailed_gets_no_reminder(invited, django_capture_on_commit_callbacks, mailoutbox):
    # given an invitation created on the spot, shown as a QR code, never mailed
    SurveyInvitation.objects.update(sent_at=None)
    # when
    result = run_dispatch(REMINDER_DUE, django_capture_on_commit_callbacks)
    # then
    assert result["reminded"] == 0
    assert mailoutbox == []


def test_a_reminder_link_answers_the_invitation_once(
    invited, transactional, django_capture_on_commit_callbacks, mailoutbox
):
    # given the reminder went out
    invitation, first_token = invited
    run_dispatch(REMINDER_DUE, django_capture_on_commit_callbacks)
    token = re.search(r"/s/([A-Za-z0-9_-]{43})/", mailoutbox[0].body).group(1)
    # when the customer answers through the reminder
    response = survey_respond(token=token, answers=full_answers(transactional), now=REMINDER_DUE)
    # then the invitation is answered; the first link is now used too
    assert response.invitation_id == invitation.pk
    with pytest.raises(SurveyGone):
        invitation_for_token(first_token, now=REMINDER_DUE)
