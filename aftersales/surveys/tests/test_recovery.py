from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from aftersales.core.errors import ApplicationError, NotAllowed
from aftersales.service.models import Ticket, TicketEvent
from aftersales.surveys.models import RecoveryCase
from aftersales.surveys.recovery import recovery_outcome_record
from aftersales.surveys.services import SurveyGone, survey_invite, survey_respond
from aftersales.surveys.tests.conftest import full_answers

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def invited(resolved_ticket, transactional):
    return survey_invite(ticket=resolved_ticket, template=transactional)


@pytest.fixture
def case(invited, transactional, frozen_clock):
    _invitation, token = invited
    frozen_clock(datetime(2026, 3, 3, 9, 0))
    response = survey_respond(token=token, answers=full_answers(transactional, csat=2, nps=9, text="等太久"))
    return response.recovery


def test_a_low_csat_opens_one_follow_up_assigned_to_the_store_manager(
    case, resolved_ticket, manager_a, customer_a, asset_a, store_a
):
    # then exactly one new request, linked to the original
    follow_up = Ticket.objects.exclude(pk=resolved_ticket.pk).get()
    assert case.original == resolved_ticket
    assert case.follow_up == follow_up
    assert (case.outcome, case.outcome_note, case.closed_at) == ("", "", None)
    assert follow_up.subject == "回访：发动机故障灯亮"
    assert (follow_up.kind, follow_up.priority, follow_up.channel) == ("complaint", "high", "phone")
    assert (follow_up.store, follow_up.customer, follow_up.asset) == (store_a, customer_a, asset_a)
    assert follow_up.assignee == manager_a
    assert follow_up.status == "assigned"
    assert follow_up.created_by is None
    # and the description in the product's language (zh-hans), whatever language the customer answered in
    assert follow_up.description == (
        f"{resolved_ticket.number} 的服务补救：客户的调查回答如下。\n"
        "满意度（CSAT 1–5）：2\n"
        "推荐意愿（NPS 0–10）：9\n"
        "费力程度（CES 1–7）：6\n"
        "留言：“等太久”"
    )
    # and its own SLA clock from the moment of the answer
    assert follow_up.created_at == datetime(2026, 3, 3, 9, 0, tzinfo=SHANGHAI)
    assert follow_up.response_due_at is not None
    # and an "assigned" event, written by the system
    events = list(follow_up.events.order_by("pk").values_list("type", "actor", "to_status", "payload"))
    assert events[0][:3] == ("created", None, "new")
    assert events[1] == ("complaint_opened", None, "", {"severity": 2, "source": "survey"})
    assert events[2] == (
        "assigned",
        None,
        "assigned",
        {"assignee": manager_a.pk, "previous": None, "reason": "service recovery", "automatic": True},
    )


def test_the_follow_up_is_a_complaint_from_the_survey(case):
    # then the follow-up has its complaint record: major, from the survey, to close within 14 days
    complaint = case.follow_up.complaint
    opened = datetime(2026, 3, 3, 9, 0, tzinfo=SHANGHAI)
    assert (complaint.severity, complaint.source, complaint.opened_at) == (2, "survey", opened)
    assert complaint.due_at == datetime(2026, 3, 17, 9, 0, tzinfo=SHANGHAI)
    assert complaint.acknowledge_due_at == datetime(2026, 3, 3, 17, 0, tzinfo=SHANGHAI)
    assert (complaint.executive_due_at, complaint.closed_at, complaint.escalation_level) == (None, None, 0)


def test_a_low_nps_alone_opens_a_follow_up(invited, transactional):
    # given
    _invitation, token = invited
    # when NPS 6 (a detractor) with a good CSAT
    response = survey_respond(token=token, answers=full_answers(transactional, csat=5, nps=6))
    # then
    assert RecoveryCase.objects.filter(response=response).count() == 1
    assert Ticket.objects.count() == 2


def test_high_scores_open_nothing(invited, transactional):
    # given
    _invitation, token = invited
    # when CSAT 3 and NPS 7: just above both thresholds
    survey_respond(token=token, answers=full_answers(transactional, csat=3, nps=7))
    # then
    assert RecoveryCase.objects.count() == 0
    assert Ticket.objects.count() == 1


def test_the_thresholds_come_from_settings(invited, transactional, settings):
    # given
    settings.AFTERSALES_RECOVERY_CSAT_MAX = 3
    _invitation, token = invited
    # when
    survey_respond(token=token, answers=full_answers(transactional, csat=3, nps=9))
    # then
    assert RecoveryCase.objects.count() == 1


def test_without_a_store_manager_the_follow_up_waits_unassigned(invited, transactional, manager_a):
    # given store A has no manager
    manager_a.stores.clear()
    _invitation, token = invited
    # when
    survey_respond(token=token, answers=full_answers(transactional, csat=1))
    # then
    follow_up = RecoveryCase.objects.get().follow_up
    assert (follow_up.assignee, follow_up.status) == (None, "new")
    assert not follow_up.events.filter(type="assigned").exists()


def test_a_second_post_of_the_same_token_opens_nothing_more(client, invited, transactional):
    # given a low-scored answer through the page
    _invitation, token = invited
    url = reverse("surveys:answer", args=[token])
    data = {f"item-{pk}": value for pk, value in full_answers(transactional, csat=1).items()}
    first = client.post(url, data)
    # when the same form is posted again
    second = client.post(url, data)
    # then
    assert (first.status_code, second.status_code) == (302, 410)
    assert RecoveryCase.objects.count() == 1
    assert Ticket.objects.count() == 2
    with pytest.raises(SurveyGone):
        survey_respond(token=token, answers=full_answers(transactional, csat=1))
    assert Ticket.objects.count() == 2


def test_a_failing_follow_up_rolls_back_the_response(invited, transactional, monkeypatch):
    # given the follow-up cannot be registered
    from aftersales.surveys import recovery

    def broken(**kwargs):
        raise ApplicationError("boom")

    monkeypatch.setattr(recovery, "complaint_open", broken)
    invitation, token = invited
    # when
    with pytest.raises(ApplicationError):
        survey_respond(token=token, answers=full_answers(transactional, csat=1))
    # then nothing was recorded: the customer may answer again
    invitation.refresh_from_db()
    assert invitation.answered_at is None
    assert RecoveryCase.objects.count() == 0


def test_the_manager_records_the_outcome(case, manager_a, frozen_clock):
    # given
    frozen_clock(datetime(2026, 3, 4, 11, 0))
    # when
    recovery_outcome_record(case=case, by=manager_a, outcome="compensated", note=" 赠送一次保养 ")
    # then
    case.refresh_from_db()
    assert (case.outcome, case.outcome_note) == ("compensated", "赠送一次保养")
    assert case.closed_at == datetime(2026, 3, 4, 11, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize("outcome", ["contacted", "resolved", "compensated", "still_dissatisfied"])
def test_every_outcome_is_accepted(case, manager_a, outcome):
    # when
    recovery_outcome_record(case=case, by=manager_a, outcome=outcome, note="")
    # then
    case.refresh_from_db()
    assert case.outcome == outcome


def test_an_unknown_outcome_names_the_field(case, manager_a):
    # when
    with pytest.raises(ApplicationError) as raised:
        recovery_outcome_record(case=case, by=manager_a, outcome="forgotten", note="")
    # then
    assert raised.value.field == "outcome"
    assert raised.value.message == (
        "Unknown outcome 'forgotten': choose one of contacted, resolved, compensated, still_dissatisfied."
    )
    case.refresh_from_db()
    assert case.outcome == ""


def test_a_too_long_note_names_the_field(case, manager_a):
    # when
    with pytest.raises(ApplicationError) as raised:
        recovery_outcome_record(case=case, by=manager_a, outcome="contacted", note="x" * 2001)
    # then
    assert raised.value.field == "note"
    assert raised.value.message == "The note is longer than 2000 characters."


@pytest.mark.parametrize("who", ["specialist_a", "specialist_b"])
def test_only_a_manager_of_the_store_records_the_outcome(case, cast, who):
    # when
    with pytest.raises(NotAllowed) as raised:
        recovery_outcome_record(case=case, by=getattr(cast, who), outcome="contacted", note="")
    # then
    assert raised.value.message == "Only a manager of this store may do that."
    case.refresh_from_db()
    assert case.outcome == ""
    assert TicketEvent.objects.filter(ticket=case.follow_up, actor=getattr(cast, who)).count() == 0
