from datetime import datetime

from aftersales.service.models import TicketEvent
from aftersales.service.services.escalation import sla_scan
from aftersales.service.services.tickets import ticket_log_call, ticket_register


def register(cast):
    return ticket_register(
        by=cast.specialist_a,
        store=cast.store_a,
        customer=cast.customer_a,
        channel="phone",
        subject="异响",
        fault_category=cast.engine,
    )


def escalations(ticket):
    return list(
        TicketEvent.objects.filter(ticket=ticket, type__in=["sla_warning", "sla_breached", "escalated"])
        .order_by("id")
        .values_list("type", "payload")
    )


def test_warning_then_breach_then_escalation_levels(
    cast, default_policy, frozen_clock, django_capture_on_commit_callbacks, mailoutbox
):
    # given a request at 10:00 with a 24 h response target and warning at 75 % (18 h)
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    ticket = register(cast)
    mailoutbox.clear()
    # when the scan runs before the warning point, nothing happens
    frozen_clock(datetime(2026, 3, 3, 3, 59))
    assert sla_scan() == {"warnings": 0, "breaches": 0, "escalations": 0}
    # at 04:00 the next day the assignee is warned, once
    frozen_clock(datetime(2026, 3, 3, 4, 0))
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_scan() == {"warnings": 1, "breaches": 0, "escalations": 0}
        assert sla_scan() == {"warnings": 0, "breaches": 0, "escalations": 0}
    assert [m.to for m in mailoutbox] == [[cast.specialist_a.email]]
    # at 10:00 it is breached: level 1 to the assignee
    frozen_clock(datetime(2026, 3, 3, 10, 0))
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_scan() == {"warnings": 0, "breaches": 1, "escalations": 0}
    # 12 h later (50 % of the target again) level 2 goes to the store manager, 24 h later level 3 to executives
    frozen_clock(datetime(2026, 3, 3, 22, 0))
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_scan() == {"warnings": 0, "breaches": 0, "escalations": 1}
    frozen_clock(datetime(2026, 3, 4, 10, 0))
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_scan() == {"warnings": 0, "breaches": 0, "escalations": 1}
        assert sla_scan() == {"warnings": 0, "breaches": 0, "escalations": 0}
    # then
    ticket.refresh_from_db()
    assert ticket.response_breached is True
    assert ticket.escalation_level == 3
    assert [m.to for m in mailoutbox[1:]] == [
        [cast.specialist_a.email],
        [cast.manager_a.email],
        [cast.executive.email],
    ]
    assert escalations(ticket) == [
        ("sla_warning", {"target": "response"}),
        ("sla_breached", {"target": "response"}),
        ("escalated", {"target": "response", "level": 1, "to": [cast.specialist_a.pk]}),
        ("escalated", {"target": "response", "level": 2, "to": [cast.manager_a.pk]}),
        ("escalated", {"target": "response", "level": 3, "to": [cast.executive.pk]}),
    ]


def test_responded_request_races_the_resolution_target(cast, default_policy, frozen_clock):
    # given a request answered in time; resolution due in 72 h
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    ticket = register(cast)
    ticket_log_call(ticket=ticket, by=cast.specialist_a, summary="已联系")
    # when the scan runs 30 h later: response met, resolution at 42 % -> nothing
    frozen_clock(datetime(2026, 3, 3, 16, 0))
    assert sla_scan() == {"warnings": 0, "breaches": 0, "escalations": 0}
    # when 73 h later the resolution is overdue
    frozen_clock(datetime(2026, 3, 5, 11, 0))
    assert sla_scan() == {"warnings": 0, "breaches": 1, "escalations": 0}
    # then
    ticket.refresh_from_db()
    assert (ticket.response_breached, ticket.resolution_breached) == (False, True)


def test_a_scan_after_a_long_outage_counts_a_breach_and_jumps_to_the_right_level(
    cast, default_policy, frozen_clock
):
    # given a request whose response target ran out two days ago (the worker was down)
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    ticket = register(cast)
    # when the scan finally runs
    frozen_clock(datetime(2026, 3, 5, 10, 0))
    # then it is one breach, escalated straight to the executives, with one breach event
    assert sla_scan() == {"warnings": 0, "breaches": 1, "escalations": 0}
    ticket.refresh_from_db()
    assert ticket.escalation_level == 3
    assert [kind for kind, _ in escalations(ticket)] == ["sla_breached", "escalated"]


def test_after_a_late_response_the_resolution_target_gets_its_own_warning(cast, default_policy, frozen_clock):
    # given a response that was warned about, breached and escalated once, then given
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    ticket = register(cast)
    frozen_clock(datetime(2026, 3, 3, 4, 0))
    sla_scan()
    frozen_clock(datetime(2026, 3, 3, 10, 30))
    sla_scan()
    ticket_log_call(ticket=ticket, by=cast.specialist_a, summary="终于联系上")
    # when the resolution target (72 h, warning at 54 h) comes near
    frozen_clock(datetime(2026, 3, 4, 16, 0))
    counts = sla_scan()
    # then
    ticket.refresh_from_db()
    assert counts == {"warnings": 1, "breaches": 0, "escalations": 0}
    assert (ticket.response_breached, ticket.escalation_level) == (True, 0)
    assert [payload["target"] for kind, payload in escalations(ticket) if kind == "sla_warning"] == [
        "response",
        "resolution",
    ]
