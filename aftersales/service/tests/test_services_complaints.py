from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from aftersales.core.errors import ApplicationError, NotAllowed
from aftersales.service.models import Complaint, Ticket, TicketEvent
from aftersales.service.services.complaints import (
    complaint_escalation_scan,
    complaint_open,
    complaint_update,
)
from aftersales.service.services.tickets import (
    ticket_close,
    ticket_log_call,
    ticket_register,
    ticket_reopen,
    ticket_resolve,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def open_complaint(cast, **overrides) -> Ticket:
    values = dict(
        by=cast.specialist_a,
        store=cast.store_a,
        customer=cast.customer_a,
        channel="phone",
        subject="维修后仍漏油，师傅态度差",
        severity=2,
        source="direct",
    )
    values.update(overrides)
    return complaint_open(**values)


def resolve(ticket, by):
    return ticket_resolve(ticket=ticket, by=by, outcome="advice", note="已致歉")


def complaint_events(ticket):
    return list(
        ticket.events.filter(type__startswith="complaint")
        .order_by("id")
        .values_list("type", "actor", "payload")
    )


# --- open ---------------------------------------------------------------------------------------------


def test_open_registers_a_complaint_request_with_its_record_and_event(cast, frozen_clock):
    # given Monday 10:00 in Shanghai
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    # when a critical complaint from the 12315 hotline is opened
    ticket = open_complaint(cast, severity=1, source="consumer_association")
    # then the request is a complaint, urgent because critical, assigned as usual
    ticket.refresh_from_db()
    assert (ticket.kind, ticket.priority, ticket.status) == ("complaint", "urgent", "assigned")
    complaint = Complaint.objects.get(ticket=ticket)
    assert (complaint.severity, complaint.source) == (1, "consumer_association")
    assert complaint.opened_at == local(2026, 3, 2, 10, 0)
    # store manager if nobody answers within 2 h; executives if unresolved after 24 h; close within 14 days
    assert complaint.acknowledge_due_at == local(2026, 3, 2, 12, 0)
    assert complaint.executive_due_at == local(2026, 3, 3, 10, 0)
    assert complaint.due_at == local(2026, 3, 16, 10, 0)
    assert (complaint.closed_at, complaint.closed_within_due, complaint.escalation_level) == (None, None, 0)
    assert complaint_events(ticket) == [
        ("complaint_opened", cast.specialist_a.pk, {"severity": 1, "source": "consumer_association"})
    ]


@pytest.mark.parametrize(("severity", "priority", "hours"), [(2, "high", 8), (3, "normal", 24)])
def test_severity_sets_priority_and_acknowledge_deadline(cast, frozen_clock, severity, priority, hours):
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    ticket = open_complaint(cast, severity=severity)
    assert ticket.priority == priority
    complaint = ticket.complaint
    assert (complaint.acknowledge_due_at - complaint.opened_at).total_seconds() == hours * 3600
    assert complaint.executive_due_at is None


def test_deadlines_come_from_settings(cast, frozen_clock, settings):
    settings.AFTERSALES_COMPLAINT_ACKNOWLEDGE_HOURS = {1: 1, 2: 4, 3: 12}
    settings.AFTERSALES_COMPLAINT_EXECUTIVE_HOURS = 6
    settings.AFTERSALES_COMPLAINT_CLOSURE_DAYS = 7
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    complaint = open_complaint(cast, severity=1).complaint
    assert complaint.acknowledge_due_at == local(2026, 3, 2, 11, 0)
    assert complaint.executive_due_at == local(2026, 3, 2, 16, 0)
    assert complaint.due_at == local(2026, 3, 9, 10, 0)


@pytest.mark.parametrize(
    ("severity", "source", "field"),
    [
        (0, "direct", "severity"),
        (4, "direct", "severity"),
        ("x", "direct", "severity"),
        (2, "wechat", "source"),
    ],
)
def test_bad_severity_or_source_writes_nothing(cast, severity, source, field):
    with pytest.raises(ApplicationError) as caught:
        open_complaint(cast, severity=severity, source=source)
    assert caught.value.field == field
    assert (Ticket.objects.count(), Complaint.objects.count(), TicketEvent.objects.count()) == (0, 0, 0)


def test_a_complaint_registered_as_an_ordinary_request_gets_a_record(cast, frozen_clock):
    # given the portal, the public form or the requests API register kind "complaint" directly
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    ticket = ticket_register(
        by=cast.customer_a.user,
        store=cast.store_a,
        customer=cast.customer_a,
        channel="portal",
        kind="complaint",
        priority="high",
        subject="等了三天没人联系",
    )
    # then severity follows the priority and the source is "direct"
    assert (ticket.complaint.severity, ticket.complaint.source) == (2, "direct")


def test_only_a_complaint_takes_a_severity(cast):
    from aftersales.service.services.complaints import ComplaintIntake

    with pytest.raises(ApplicationError) as caught:
        ticket_register(
            by=cast.specialist_a,
            store=cast.store_a,
            customer=cast.customer_a,
            channel="phone",
            kind="repair",
            subject="异响",
            complaint=ComplaintIntake(severity=1, source="direct"),
        )
    assert caught.value.field == "kind"
    assert Ticket.objects.count() == 0


# --- update -------------------------------------------------------------------------------------------


def test_severity_change_needs_a_reason_and_is_an_event(cast, frozen_clock):
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    ticket = open_complaint(cast, severity=3)
    frozen_clock(datetime(2026, 3, 2, 11, 30))
    # a change without a reason is refused
    with pytest.raises(ApplicationError) as caught:
        complaint_update(ticket=ticket, by=cast.specialist_a, severity=1)
    assert (caught.value.field, caught.value.message) == ("reason", "Say why the severity changes.")
    # with a reason the severity and its deadlines change, counted from the opening
    complaint = complaint_update(
        ticket=ticket, by=cast.specialist_a, severity="1", reason=" 客户已投诉到 12315 "
    )
    complaint.refresh_from_db()
    assert complaint.severity == 1
    assert complaint.acknowledge_due_at == local(2026, 3, 2, 12, 0)
    assert complaint.executive_due_at == local(2026, 3, 3, 10, 0)
    assert complaint_events(ticket)[1:] == [
        (
            "complaint_updated",
            cast.specialist_a.pk,
            {"severity": {"from": 3, "to": 1}, "reason": "客户已投诉到 12315"},
        )
    ]


def test_root_cause_and_measure_are_recorded_and_nothing_recorded_when_unchanged(cast):
    ticket = open_complaint(cast)
    complaint_update(
        ticket=ticket, by=cast.specialist_a, root_cause=" 油封未更换 ", corrective_measure="复检流程"
    )
    complaint_update(ticket=ticket, by=cast.specialist_a, root_cause="油封未更换", severity=2)
    complaint = Complaint.objects.get(ticket=ticket)
    assert (complaint.root_cause, complaint.corrective_measure) == ("油封未更换", "复检流程")
    assert [event[0] for event in complaint_events(ticket)] == ["complaint_opened", "complaint_updated"]
    assert complaint_events(ticket)[1][2] == {"root_cause": "油封未更换", "corrective_measure": "复检流程"}


@pytest.mark.parametrize(("field", "value"), [("root_cause", "x" * 2001), ("severity", 4)])
def test_update_refuses_bad_values(cast, field, value):
    ticket = open_complaint(cast)
    with pytest.raises(ApplicationError) as caught:
        complaint_update(ticket=ticket, by=cast.specialist_a, reason="r", **{field: value})
    assert caught.value.field == field
    assert Complaint.objects.get(ticket=ticket).severity == 2


def test_staff_of_another_store_and_customers_may_not_update(cast):
    ticket = open_complaint(cast)
    for user in (cast.specialist_b, cast.customer_a.user):
        with pytest.raises(NotAllowed):
            complaint_update(ticket=ticket, by=user, root_cause="x")
    assert Complaint.objects.get(ticket=ticket).root_cause == ""


# --- closing guard and the 14-day closure -------------------------------------------------------------


def test_resolving_without_root_cause_then_measure_is_refused_naming_the_field(cast):
    ticket = open_complaint(cast)
    with pytest.raises(ApplicationError) as caught:
        resolve(ticket, cast.specialist_a)
    assert (caught.value.field, caught.value.message) == (
        "complaint.root_cause",
        "Record the complaint's root cause before resolving it.",
    )
    complaint_update(ticket=ticket, by=cast.specialist_a, root_cause="沟通不到位")
    with pytest.raises(ApplicationError) as caught:
        resolve(ticket, cast.specialist_a)
    assert (caught.value.field, caught.value.message) == (
        "complaint.corrective_measure",
        "Record the complaint's corrective measure before resolving it.",
    )
    ticket.refresh_from_db()
    assert ticket.status == "assigned"
    assert not ticket.events.filter(type="resolved").exists()


def test_a_resolved_complaint_keeps_its_root_cause(cast):
    ticket = open_complaint(cast)
    complaint_update(ticket=ticket, by=cast.specialist_a, root_cause="沟通不到位", corrective_measure="培训")
    resolve(ticket, cast.specialist_a)
    with pytest.raises(ApplicationError) as caught:
        complaint_update(ticket=ticket, by=cast.specialist_a, corrective_measure="  ")
    assert caught.value.field == "corrective_measure"


def test_closing_rechecks_the_guard(cast, frozen_clock):
    # given a complaint resolved with both fields, whose record then lost them (an admin edit)
    ticket = open_complaint(cast)
    complaint_update(ticket=ticket, by=cast.specialist_a, root_cause="沟通不到位", corrective_measure="培训")
    resolve(ticket, cast.specialist_a)
    Complaint.objects.filter(ticket=ticket).update(root_cause="")
    # when it is closed
    with pytest.raises(ApplicationError) as caught:
        ticket_close(ticket=ticket, by=cast.specialist_a)
    # then
    assert (caught.value.field, caught.value.message) == (
        "complaint.root_cause",
        "Record the complaint's root cause before closing it.",
    )


@pytest.mark.parametrize(
    ("resolved_at", "within"),
    [((2026, 3, 16, 10, 0), True), ((2026, 3, 16, 10, 1), False)],
)
def test_closure_within_14_days_is_stored_at_resolution(cast, frozen_clock, resolved_at, within):
    # given a complaint opened Monday 2 March 10:00: due Monday 16 March 10:00
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    ticket = open_complaint(cast)
    complaint_update(ticket=ticket, by=cast.specialist_a, root_cause="配件缺货", corrective_measure="备货")
    # when it is resolved exactly at the due time, or a minute after
    frozen_clock(datetime(*resolved_at))
    resolve(ticket, cast.specialist_a)
    # then
    complaint = Complaint.objects.get(ticket=ticket)
    assert (complaint.closed_at, complaint.closed_within_due) == (local(*resolved_at), within)
    assert complaint.days_open(local(2026, 4, 1)) == 14
    # and closing the request later keeps the closure of the resolution
    frozen_clock(datetime(2026, 3, 20, 9, 0))
    ticket_close(ticket=ticket, by=cast.specialist_a)
    complaint.refresh_from_db()
    assert (complaint.closed_at, complaint.closed_within_due) == (local(*resolved_at), within)


def test_a_reopen_undoes_the_closure_and_overdue_counts_again(cast, frozen_clock):
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    ticket = open_complaint(cast)
    complaint_update(ticket=ticket, by=cast.specialist_a, root_cause="配件缺货", corrective_measure="备货")
    frozen_clock(datetime(2026, 3, 10, 10, 0))
    resolve(ticket, cast.specialist_a)
    frozen_clock(datetime(2026, 3, 17, 10, 0))
    ticket_reopen(ticket=ticket, by=cast.specialist_a, reason="客户再次来电")
    complaint = Complaint.objects.select_related("ticket").get(ticket=ticket)
    assert (complaint.closed_at, complaint.closed_within_due) == (None, None)
    assert complaint.is_overdue(local(2026, 3, 17, 10, 0)) is True
    assert complaint.is_overdue(local(2026, 3, 16, 10, 0)) is False
    assert complaint.days_open(local(2026, 3, 17, 9, 59)) == 14
    # resolved again after the due date: not within 14 days
    frozen_clock(datetime(2026, 3, 18, 10, 0))
    resolve(ticket, cast.specialist_a)
    complaint.refresh_from_db()
    assert (complaint.closed_at, complaint.closed_within_due) == (local(2026, 3, 18, 10, 0), False)


# --- escalation ---------------------------------------------------------------------------------------


def escalations(ticket):
    return list(
        ticket.events.filter(type="complaint_escalated").order_by("id").values_list("payload", flat=True)
    )


def test_an_unanswered_critical_complaint_goes_to_the_store_manager_then_the_executives(
    cast, frozen_clock, django_capture_on_commit_callbacks, mailoutbox
):
    # given a critical complaint at 10:00
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    ticket = open_complaint(cast, severity=1, subject="车辆起火隐患")
    mailoutbox.clear()
    # when the scan runs a minute before the 2 h deadline, nothing happens
    frozen_clock(datetime(2026, 3, 2, 11, 59))
    assert complaint_escalation_scan() == {"store_manager": 0, "executives": 0}
    # at 12:00, unanswered: the store manager, once, however often the scan runs
    frozen_clock(datetime(2026, 3, 2, 12, 0))
    with django_capture_on_commit_callbacks(execute=True):
        assert complaint_escalation_scan() == {"store_manager": 1, "executives": 0}
        assert complaint_escalation_scan() == {"store_manager": 0, "executives": 0}
    assert [message.to for message in mailoutbox] == [[cast.manager_a.email]]
    # (mail to staff is in the product's language)
    assert mailoutbox[0].subject == f"[{ticket.number}] 投诉已升级（严重程度 1）：车辆起火隐患"
    assert mailoutbox[0].body.startswith(
        "自 2026-03-02 10:00 起仍无人答复客户。\n结案期限：2026-03-16 10:00。\n"
    )
    # answered later but still unresolved after 24 h: the executives and the store manager, once
    ticket_log_call(ticket=ticket, by=cast.specialist_a, summary="已致电致歉")
    frozen_clock(datetime(2026, 3, 3, 10, 0))
    with django_capture_on_commit_callbacks(execute=True):
        assert complaint_escalation_scan() == {"store_manager": 0, "executives": 1}
        assert complaint_escalation_scan() == {"store_manager": 0, "executives": 0}
    assert mailoutbox[1].to == [cast.executive.email, cast.manager_a.email]
    assert escalations(ticket) == [
        {"level": 1, "severity": 1, "reason": "unacknowledged", "to": [cast.manager_a.pk]},
        {"level": 2, "severity": 1, "reason": "unresolved", "to": [cast.executive.pk, cast.manager_a.pk]},
    ]
    assert Complaint.objects.get(ticket=ticket).escalation_level == 2


def test_an_answered_complaint_does_not_escalate(cast, frozen_clock):
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    ticket = open_complaint(cast, severity=2)
    frozen_clock(datetime(2026, 3, 2, 17, 59))
    ticket_log_call(ticket=ticket, by=cast.specialist_a, summary="已联系客户")
    frozen_clock(datetime(2026, 3, 5, 10, 0))
    assert complaint_escalation_scan() == {"store_manager": 0, "executives": 0}
    assert escalations(ticket) == []


def test_a_scan_after_a_long_pause_jumps_to_the_executives_once(cast, frozen_clock):
    # given a critical complaint nobody touched for a day while the worker was down
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    ticket = open_complaint(cast, severity=1)
    frozen_clock(datetime(2026, 3, 3, 11, 0))
    # when the scan runs twice
    first, second = complaint_escalation_scan(), complaint_escalation_scan()
    # then one escalation, straight to level 2
    assert (first, second) == ({"store_manager": 0, "executives": 1}, {"store_manager": 0, "executives": 0})
    assert [payload["level"] for payload in escalations(ticket)] == [2]


def test_minor_complaints_never_reach_the_executives_and_resolved_ones_never_escalate(cast, frozen_clock):
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    minor = open_complaint(cast, severity=3)
    done = open_complaint(cast, severity=1)
    complaint_update(ticket=done, by=cast.specialist_a, root_cause="误会", corrective_measure="解释")
    resolve(done, cast.specialist_a)
    frozen_clock(datetime(2026, 3, 10, 10, 0))
    assert complaint_escalation_scan() == {"store_manager": 1, "executives": 0}
    assert complaint_escalation_scan() == {"store_manager": 0, "executives": 0}
    assert [payload["level"] for payload in escalations(minor)] == [1]
    assert escalations(done) == []


def test_raising_the_severity_brings_the_deadline_forward(cast, frozen_clock):
    # given a minor complaint (24 h) at 10:00, raised to critical at 13:00 with nobody answering
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    ticket = open_complaint(cast, severity=3)
    frozen_clock(datetime(2026, 3, 2, 13, 0))
    complaint_update(ticket=ticket, by=cast.manager_a, severity=1, reason="媒体曝光")
    # then the next scan escalates it: its 2 h deadline (12:00) has passed
    assert complaint_escalation_scan() == {"store_manager": 1, "executives": 0}


def test_the_worker_task_runs_the_scan(cast, frozen_clock):
    from aftersales.service.tasks import complaint_escalation_task

    frozen_clock(datetime(2026, 3, 2, 10, 0))
    open_complaint(cast, severity=1)
    frozen_clock(datetime(2026, 3, 2, 12, 0))
    assert complaint_escalation_task.call() == {"store_manager": 1, "executives": 0}


def test_a_request_that_is_not_a_complaint_has_nothing_to_update(cast):
    ticket = ticket_register(
        by=cast.specialist_a, store=cast.store_a, customer=cast.customer_a, channel="phone", subject="异响"
    )
    with pytest.raises(ApplicationError) as caught:
        complaint_update(ticket=ticket, by=cast.specialist_a, root_cause="x")
    assert (caught.value.field, caught.value.message) == ("kind", f"{ticket.number} is not a complaint.")
