from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from aftersales.core.errors import ApplicationError, IllegalTransition, NotAllowed
from aftersales.service.models import Comment, Ticket, TicketEvent
from aftersales.service.services.tickets import (
    ticket_cancel,
    ticket_close,
    ticket_customer_reply,
    ticket_log_call,
    ticket_register,
    ticket_reopen,
    ticket_reply,
    ticket_resolve,
    ticket_wait,
)


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English; the product's default language is zh-hans."""
    with translation.override("en"):
        yield


SHANGHAI = ZoneInfo("Asia/Shanghai")


def register(cast, **overrides):
    values = dict(
        by=cast.specialist_a,
        store=cast.store_a,
        customer=cast.customer_a,
        asset=cast.asset_a,
        channel="phone",
        kind="repair",
        subject="发动机故障灯亮",
        fault_category=cast.engine,
    )
    values.update(overrides)
    return ticket_register(**values)


def event_types(ticket):
    return list(ticket.events.order_by("created_at", "id").values_list("type", flat=True))


def test_register_decides_warranty_applies_policy_and_assigns(cast, default_policy, frozen_clock):
    # given a Monday morning in Shanghai
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    # when
    ticket = register(cast)
    # then
    ticket.refresh_from_db()
    assert ticket.number == f"SR2603-{ticket.pk:06d}"
    assert ticket.status == "assigned"
    assert ticket.assignee == cast.specialist_a  # the only specialist of store A with the engine skill
    assert ticket.in_warranty is True
    assert (ticket.parts_covered_percent, ticket.labour_covered_percent) == (100, 100)
    assert ticket.sla_policy == default_policy
    assert ticket.response_due_at == datetime(2026, 3, 3, 10, 0, tzinfo=SHANGHAI)
    assert ticket.resolution_due_at == datetime(2026, 3, 5, 10, 0, tzinfo=SHANGHAI)
    assert event_types(ticket) == ["created", "assigned"]
    assert len(ticket.tracking_token) >= 43  # 32 random bytes, URL-safe


def test_register_out_of_warranty_asset_is_paid(cast, default_policy, frozen_clock):
    # given an asset bought 2026-03-01 with 24 months of cover: it ends 2028-02-29
    frozen_clock(datetime(2028, 3, 1, 9, 0))
    # when
    ticket = register(cast)
    # then
    assert ticket.in_warranty is False
    assert (ticket.parts_covered_percent, ticket.labour_covered_percent) == (0, 0)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"subject": "  "}, "subject"),
        ({"channel": "pigeon"}, "channel"),
        ({"kind": "miracle"}, "kind"),
        ({"priority": "whenever"}, "priority"),
    ],
)
def test_register_bad_input_names_the_field_and_writes_nothing(cast, default_policy, overrides, field):
    # when
    with pytest.raises(ApplicationError) as error:
        register(cast, **overrides)
    # then
    assert error.value.field == field
    assert Ticket.objects.count() == 0
    assert TicketEvent.objects.count() == 0


def test_register_asset_of_another_customer_is_refused(cast, default_policy):
    # when
    with pytest.raises(ApplicationError) as error:
        register(cast, asset=cast.asset_b)
    # then
    assert error.value.field == "asset"
    assert "SN-B-0001" in error.value.message
    assert Ticket.objects.count() == 0


def test_register_for_another_store_is_not_allowed(cast, default_policy):
    with pytest.raises(NotAllowed):
        register(cast, by=cast.specialist_b)
    assert Ticket.objects.count() == 0


def test_first_public_reply_is_the_first_response_and_starts_work(cast, default_policy, frozen_clock):
    # given a ticket registered at 10:00
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    ticket = register(cast)
    # when an internal note at 10:30 and a reply at 11:15
    frozen_clock(datetime(2026, 3, 2, 10, 30))
    ticket_reply(ticket=ticket, by=cast.specialist_a, body="先查保修记录", internal=True)
    frozen_clock(datetime(2026, 3, 2, 11, 15))
    ticket_reply(ticket=ticket, by=cast.specialist_a, body="您好，请问故障灯是常亮还是闪烁？")
    # then the note did not count, the reply did
    ticket.refresh_from_db()
    assert ticket.first_response_at == datetime(2026, 3, 2, 11, 15, tzinfo=SHANGHAI)
    assert ticket.first_response_minutes == 75
    assert ticket.first_response_business_minutes == 75
    assert ticket.response_breached is False
    assert ticket.status == "in_progress"
    assert event_types(ticket) == [
        "created",
        "assigned",
        "note_added",
        "replied",
        "first_response",
        "status_changed",
    ]
    assert Comment.objects.filter(ticket=ticket, visibility="internal").count() == 1


def test_late_call_marks_the_response_breached(cast, default_policy, frozen_clock):
    # given
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    ticket = register(cast)
    # when the first contact comes 25 hours later
    frozen_clock(datetime(2026, 3, 3, 11, 0))
    ticket_log_call(ticket=ticket, by=cast.specialist_a, summary="已电话联系客户")
    # then
    ticket.refresh_from_db()
    assert ticket.first_response_minutes == 25 * 60
    assert ticket.response_breached is True


def test_confirmation_is_not_a_first_response(
    cast, default_policy, frozen_clock, django_capture_on_commit_callbacks, mailoutbox
):
    # given the customer has an email address
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    # when
    with django_capture_on_commit_callbacks(execute=True):
        ticket = register(cast)
    # then the automatic confirmation went out, but the clock still runs
    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    assert [message.to for message in mailoutbox] == [[cast.customer_a.email], [cast.specialist_a.email]]
    assert ticket.number in mailoutbox[0].subject
    assert f"/portal/track/{ticket.tracking_token}/" in mailoutbox[0].body


def test_pause_stops_the_clock_and_resume_moves_the_deadline(cast, default_policy, frozen_clock):
    # given a ticket registered 2026-03-02 10:00 with resolution due 03-05 10:00
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    ticket = register(cast)
    frozen_clock(datetime(2026, 3, 2, 11, 0))
    ticket_log_call(ticket=ticket, by=cast.specialist_a, summary="需要客户提供故障照片")
    # when it waits on the customer for 5 hours
    frozen_clock(datetime(2026, 3, 2, 12, 0))
    ticket = ticket_wait(ticket=ticket, by=cast.specialist_a, on="pending_customer")
    assert ticket.resolution_due_at is None  # the clock stands still
    frozen_clock(datetime(2026, 3, 2, 17, 0))
    ticket_customer_reply(ticket=ticket, by=cast.customer_a.user, body="照片已上传")
    # then
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    assert ticket.paused_seconds == 5 * 3600
    assert ticket.paused_since is None
    assert ticket.resolution_due_at == datetime(2026, 3, 5, 15, 0, tzinfo=SHANGHAI)
    assert list(ticket.pauses.values_list("reason", flat=True)) == ["pending_customer"]


def test_business_hours_policy_skips_nights_weekends_and_lunch(cast, business_policy, frozen_clock):
    # given store A works Mon-Fri 09-12 + 13-18, Sat 09-12; a request on Friday 2026-03-06 at 17:00
    frozen_clock(datetime(2026, 3, 6, 17, 0))
    # when
    ticket = register(cast)
    # then 4 working hours: Fri 17-18 (1 h), Sat 09-12 (3 h) -> Saturday 12:00
    assert ticket.response_due_at == datetime(2026, 3, 7, 12, 0, tzinfo=SHANGHAI)
    # and 16 working hours: 1 + 3 (Sat) + Mon 3 + 5 = 12, Tue 3 more + 1 h after lunch -> Tue 14:00
    assert ticket.resolution_due_at == datetime(2026, 3, 10, 14, 0, tzinfo=SHANGHAI)


def test_business_hours_skip_national_day_and_count_the_makeup_saturday(cast, business_policy, frozen_clock):
    # given 2026-10-01..07 are holidays and Saturday 2026-10-10 is a make-up workday (调休)
    frozen_clock(datetime(2026, 9, 30, 17, 0))
    # when
    ticket = register(cast)
    # then Sep 30 17-18 (1 h), then Oct 8 (Thu) 09-12 -> response (4 h) due Oct 8 12:00
    assert ticket.response_due_at == datetime(2026, 10, 8, 12, 0, tzinfo=SHANGHAI)
    # 16 h: 1 + Oct 8 (8 h) + Oct 9 (8 h) would be 17 -> due Oct 9 17:00
    assert ticket.resolution_due_at == datetime(2026, 10, 9, 17, 0, tzinfo=SHANGHAI)


def test_resolve_records_outcome_durations_and_close(cast, default_policy, frozen_clock):
    # given
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    ticket = register(cast)
    frozen_clock(datetime(2026, 3, 2, 10, 30))
    ticket_reply(ticket=ticket, by=cast.specialist_a, body="请到店检测")
    # when
    frozen_clock(datetime(2026, 3, 4, 16, 0))
    ticket = ticket_resolve(
        ticket=ticket, by=cast.specialist_a, outcome="repair", root_cause="RC-SENSOR", labour_hours="1.5"
    )
    ticket_close(ticket=ticket, by=cast.specialist_a)
    # then
    ticket.refresh_from_db()
    assert ticket.status == "closed"
    assert ticket.resolution_minutes == (2 * 24 + 6) * 60
    # Mon 10-12 + 13-18 (7 h), Tue (8 h), Wed 09-12 + 13-16 (6 h)
    assert ticket.resolution_business_minutes == (7 + 8 + 6) * 60
    assert ticket.resolution_breached is False
    assert str(ticket.labour_hours) == "1.50"
    assert ticket.closed_at == datetime(2026, 3, 4, 16, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"outcome": "magic"}, "outcome"),
        ({"outcome": "replacement", "root_cause": "RC-X"}, "replacement_serial"),
        ({"outcome": "repair", "root_cause": "RC-X", "labour_hours": "-1"}, "labour_hours"),
        ({"outcome": "repair", "root_cause": "RC-X", "labour_hours": "abc"}, "labour_hours"),
        ({"outcome": "repair"}, "root_cause"),
    ],
)
def test_resolve_bad_input_changes_nothing(cast, default_policy, kwargs, field):
    # given
    ticket = register(cast)
    # when
    with pytest.raises(ApplicationError) as error:
        ticket_resolve(ticket=ticket, by=cast.specialist_a, **kwargs)
    # then
    assert error.value.field == field
    ticket.refresh_from_db()
    assert ticket.status == "assigned"
    assert event_types(ticket) == ["created", "assigned"]


def test_closing_a_new_request_is_an_illegal_transition(cast, default_policy):
    # given a request nobody could be assigned to
    ticket = register(cast, auto_assign=False)
    # when
    with pytest.raises(IllegalTransition) as error:
        ticket_close(ticket=ticket, by=cast.specialist_a)
    # then
    assert "cannot become" in error.value.message
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_reopen_within_window_counts_and_outside_is_refused(cast, default_policy, frozen_clock):
    # given a request resolved on 2026-03-04
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    ticket = register(cast)
    frozen_clock(datetime(2026, 3, 4, 10, 0))
    ticket_resolve(ticket=ticket, by=cast.specialist_a, outcome="repair", root_cause="RC-WIRING")
    # when the customer reopens it 10 days later
    frozen_clock(datetime(2026, 3, 14, 10, 0))
    ticket = ticket_reopen(ticket=ticket, by=cast.customer_a.user, reason="故障灯又亮了")
    # then
    assert ticket.status == "reopened"
    assert ticket.reopen_count == 1
    assert ticket.resolution_due_at == datetime(2026, 3, 17, 10, 0, tzinfo=SHANGHAI)
    # and a second resolution followed by a reopen 31 days later is refused
    frozen_clock(datetime(2026, 3, 15, 10, 0))
    ticket_resolve(ticket=ticket, by=cast.specialist_a, outcome="repair", root_cause="RC-WIRING")
    frozen_clock(datetime(2026, 4, 15, 10, 1))
    with pytest.raises(IllegalTransition):
        ticket_reopen(ticket=ticket, by=cast.customer_a.user, reason="again")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.reopen_count) == ("resolved", 1)


def test_specialist_of_another_store_cannot_act(cast, default_policy):
    # given
    ticket = register(cast)
    # when / then
    with pytest.raises(NotAllowed):
        ticket_reply(ticket=ticket, by=cast.specialist_b, body="hello")
    with pytest.raises(NotAllowed):
        ticket_cancel(ticket=ticket, by=cast.customer_b.user, reason="not mine")
    assert Comment.objects.count() == 0
    assert event_types(ticket) == ["created", "assigned"]


def test_customer_cannot_reply_to_someone_elses_request(cast, default_policy):
    ticket = register(cast)
    with pytest.raises(NotAllowed):
        ticket_customer_reply(ticket=ticket, by=cast.customer_b.user, body="hi")
    assert Comment.objects.count() == 0


def test_measured_minutes_exclude_nothing_but_business_minutes_exclude_pauses(
    cast, default_policy, frozen_clock
):
    # given a ticket paused for one working hour (Mon 14:00-15:00)
    frozen_clock(datetime(2026, 3, 2, 13, 0))
    ticket = register(cast)
    ticket_log_call(ticket=ticket, by=cast.specialist_a, summary="联系上")
    frozen_clock(datetime(2026, 3, 2, 14, 0))
    ticket_wait(ticket=ticket, by=cast.specialist_a, on="pending_parts")
    frozen_clock(datetime(2026, 3, 2, 15, 0))
    from aftersales.service.services.tickets import ticket_resume

    ticket_resume(ticket=ticket, by=cast.specialist_a)
    # when resolved at 17:00
    frozen_clock(datetime(2026, 3, 2, 17, 0))
    ticket = ticket_resolve(ticket=ticket, by=cast.specialist_a, outcome="repair", root_cause="RC-WEAR")
    # then
    assert ticket.resolution_minutes == 240
    assert ticket.paused_seconds == 3600
    assert ticket.resolution_business_minutes == 180
    assert timedelta(seconds=ticket.paused_seconds) == timedelta(hours=1)


def test_a_customer_registers_only_for_themself(cast, default_policy):
    with pytest.raises(NotAllowed):
        register(cast, by=cast.customer_b.user)
    ticket = register(cast, by=cast.customer_a.user, channel="portal")
    assert (ticket.customer, ticket.created_by) == (cast.customer_a, cast.customer_a.user)
