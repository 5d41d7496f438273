import threading
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import OperationalError, connection

from aftersales.accounts.models import Leave, Role
from aftersales.core import testing
from aftersales.core.errors import ApplicationError, NotAllowed
from aftersales.service.models import Ticket, TicketEvent
from aftersales.service.services.assignment import ticket_assign
from aftersales.service.services.tickets import ticket_register, ticket_wait


@pytest.fixture
def second_specialist(cast):
    """Another engine specialist in store A, created after specialist_a (higher pk)."""
    return testing.make_user(
        "specialist_a2", Role.SPECIALIST, stores=(cast.store_a,), skills=(cast.engine,), display_name="陈专员"
    )


def register(cast, **overrides):
    values = dict(
        by=cast.specialist_a,
        store=cast.store_a,
        customer=cast.customer_a,
        channel="phone",
        subject="异响",
        fault_category=cast.engine,
    )
    values.update(overrides)
    return ticket_register(**values)


def test_least_load_picks_the_specialist_with_fewest_running_requests(
    cast, second_specialist, default_policy
):
    # given specialist_a already holds one running request
    first = register(cast)
    assert first.assignee == cast.specialist_a
    # when the next request arrives
    second = register(cast)
    # then it goes to the idle colleague
    assert second.assignee == second_specialist


def test_paused_requests_do_not_count_as_load(cast, second_specialist, default_policy):
    # given each specialist has one request, specialist_a's waits on parts
    first = register(cast)
    register(cast)
    ticket_wait(ticket=first, by=cast.specialist_a, on="pending_parts")
    # when
    third = register(cast)
    # then specialist_a's clock-running load is 0 and wins
    assert third.assignee == cast.specialist_a


def test_specialist_on_leave_or_off_duty_is_skipped(cast, second_specialist, default_policy, frozen_clock):
    # given specialist_a is on leave today
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    Leave.objects.create(user=cast.specialist_a, starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 2))
    # when / then
    assert register(cast).assignee == second_specialist
    # and when the colleague goes off duty too, the request stays unassigned for a manager
    second_specialist.on_duty = False
    second_specialist.save(update_fields=["on_duty"])
    unassigned = register(cast)
    assert (unassigned.assignee, unassigned.status) == (None, "new")


def test_skill_filter_prefers_the_skilled_specialist(cast, default_policy):
    # given a colleague without the engine skill and with no load
    testing.make_user("generalist_a", Role.SPECIALIST, stores=(cast.store_a,), display_name="通才")
    # when
    ticket = register(cast)
    # then
    assert ticket.assignee == cast.specialist_a


def test_round_robin_rotates(cast, second_specialist, default_policy, settings):
    # given
    settings.AFTERSALES_ASSIGNMENT_CHOOSER = "round_robin"
    # when
    assignees = [register(cast).assignee for _ in range(3)]
    # then
    assert assignees == [cast.specialist_a, second_specialist, cast.specialist_a]


def test_manager_reassigns_with_reason_and_it_is_an_event(cast, second_specialist, default_policy):
    # given
    ticket = register(cast)
    # when
    ticket_assign(ticket=ticket, assignee=second_specialist, by=cast.manager_a, reason="专员请假")
    # then
    ticket.refresh_from_db()
    assert ticket.assignee == second_specialist
    event = TicketEvent.objects.filter(ticket=ticket, type="assigned").order_by("-id").first()
    assert event.payload == {
        "assignee": second_specialist.pk,
        "previous": cast.specialist_a.pk,
        "reason": "专员请假",
        "automatic": False,
    }
    assert event.actor == cast.manager_a


def test_reassign_rules(cast, second_specialist, default_policy):
    # given
    ticket = register(cast)
    # a specialist is not a manager
    with pytest.raises(NotAllowed):
        ticket_assign(ticket=ticket, assignee=second_specialist, by=cast.specialist_a, reason="x")
    # a reason is required
    with pytest.raises(ApplicationError) as error:
        ticket_assign(ticket=ticket, assignee=second_specialist, by=cast.manager_a, reason=" ")
    assert error.value.field == "reason"
    # the assignee must work in the store
    with pytest.raises(ApplicationError) as error:
        ticket_assign(ticket=ticket, assignee=cast.specialist_b, by=cast.manager_a, reason="x")
    assert error.value.field == "assignee"
    ticket.refresh_from_db()
    assert ticket.assignee == cast.specialist_a


def test_leave_rows_on_either_side_of_today_do_not_exclude(
    cast, second_specialist, default_policy, frozen_clock
):
    # given specialist_a had leave last week and has leave next week, but works today
    frozen_clock(datetime(2026, 3, 9, 10, 0))
    Leave.objects.create(user=cast.specialist_a, starts_on=date(2026, 3, 2), ends_on=date(2026, 3, 4))
    Leave.objects.create(user=cast.specialist_a, starts_on=date(2026, 3, 16), ends_on=date(2026, 3, 18))
    Leave.objects.create(user=second_specialist, starts_on=date(2026, 3, 9), ends_on=date(2026, 3, 9))
    # when / then
    assert register(cast).assignee == cast.specialist_a


def test_leave_is_judged_by_the_stores_date_not_utcs(cast, second_specialist, default_policy, frozen_clock):
    # given 07:30 in Shanghai on 2026-03-09 is still 2026-03-08 in UTC; specialist_a is on leave on the 9th
    from datetime import UTC

    frozen_clock(datetime(2026, 3, 8, 23, 30, tzinfo=UTC))
    Leave.objects.create(user=cast.specialist_a, starts_on=date(2026, 3, 9), ends_on=date(2026, 3, 9))
    # when / then
    assert register(cast).assignee == second_specialist


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_get_unique_numbers_and_all_are_assigned(
    cast, second_specialist, default_policy
):
    """Eight registrations at once, each in its own thread, connection and transaction (as gunicorn
    workers do): every one commits with its own number and one of the two engine specialists."""
    # given
    registrations, barrier = 8, threading.Barrier(8)
    tickets, errors = [], []

    def register_one(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            for _attempt in range(200):
                try:
                    tickets.append(register(cast, subject=f"并发 {index}"))
                    break
                except OperationalError as exc:
                    # SQLite's in-memory test database (shared cache) refuses a second writer at once
                    # instead of waiting as a database file does: take turns there.
                    if "locked" not in str(exc):
                        raise
                    time.sleep(0.01)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=register_one, args=(index,)) for index in range(registrations)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then
    assert errors == []
    stored = list(Ticket.objects.select_related("store").order_by("pk"))
    assert len(stored) == registrations
    assert len({ticket.number for ticket in stored}) == registrations
    # the number carries the month in the store's zone (in Shanghai, 1 December starts at 16:00 UTC)
    assert all(
        ticket.number
        == f"SR{ticket.created_at.astimezone(ZoneInfo(ticket.store.timezone)):%y%m}-{ticket.pk:06d}"
        for ticket in stored
    )
    assert {ticket.status for ticket in stored} == {"assigned"}
    assert {ticket.assignee_id for ticket in stored} <= {cast.specialist_a.pk, second_specialist.pk}
    assert TicketEvent.objects.filter(type="created").count() == registrations
    assert TicketEvent.objects.filter(type="assigned").count() == registrations
    # and once they are all in, the next request goes to whoever holds fewer
    loads = {
        pk: sum(ticket.assignee_id == pk for ticket in stored)
        for pk in (cast.specialist_a.pk, second_specialist.pk)
    }
    expected = min(loads, key=lambda pk: (loads[pk], pk != cast.specialist_a.pk))
    assert register(cast).assignee_id == expected
