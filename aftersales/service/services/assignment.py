"""Who gets a new request: filters narrow the store's staff to those who can take it now, then a
chooser picks one. Managers can reassign with a reason. Every assignment is an event."""

from collections.abc import Callable
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.accounts.models import Leave, Role, User
from aftersales.core import clock
from aftersales.core.errors import ApplicationError, IllegalTransition
from aftersales.service import notifications
from aftersales.service.models import AssignmentCursor, Ticket
from aftersales.service.models.tickets import OPEN_STATUSES, PAUSED_STATUSES, Status
from aftersales.service.permissions import can_work_on, require_manage
from aftersales.service.services.state import event_record, lock_ticket, move_status, save_fields

ASSIGNABLE_ROLES = (Role.SPECIALIST,)


def candidates_for(ticket: Ticket) -> list[User]:
    """Specialists of the ticket's store who are on duty, not on leave today, and skilled in its fault
    category (when nobody in the store has that skill, the skill filter is dropped rather than leaving
    the customer waiting for a manager). Each comes with `load`: their open requests whose SLA clock
    runs (paused ones do not count). One query."""
    today = clock.now().astimezone(ZoneInfo(ticket.store.timezone)).date()  # the store's today, not UTC's
    running = sorted(OPEN_STATUSES - PAUSED_STATUSES)
    staff = list(
        User.objects.raw(
            _candidates_sql(len(running)),
            [*running, ticket.fault_category_id, *ASSIGNABLE_ROLES, ticket.store_id, today, today],
        )
    )
    skilled = [person for person in staff if person.skilled]
    return skilled or staff


@cache
def _candidates_sql(running_statuses: int) -> str:
    """Written out in SQL because it runs on every registration: the ORM spent more time composing
    this query (two subqueries, an EXISTS and a NOT IN) than the database spent running it. The
    assignment tests pin what it selects."""
    tables = {
        "user": User._meta.db_table,
        "user_stores": User.stores.through._meta.db_table,
        "user_skills": User.skills.through._meta.db_table,
        "leave": Leave._meta.db_table,
        "ticket": Ticket._meta.db_table,
    }
    return f"""
        SELECT u.*,
            (SELECT COUNT(*) FROM {tables["ticket"]} t
             WHERE t.assignee_id = u.id AND t.status IN ({", ".join(["%s"] * running_statuses)})) AS load,
            EXISTS (SELECT 1 FROM {tables["user_skills"]} k
                    WHERE k.user_id = u.id AND k.faultcategory_id = %s) AS skilled
        FROM {tables["user"]} u
        WHERE u.is_active AND u.on_duty AND u.role IN ({", ".join(["%s"] * len(ASSIGNABLE_ROLES))})
          AND u.id IN (SELECT s.user_id FROM {tables["user_stores"]} s WHERE s.store_id = %s)
          AND NOT EXISTS (SELECT 1 FROM {tables["leave"]} l
                          WHERE l.user_id = u.id AND l.starts_on <= %s AND l.ends_on >= %s)
        ORDER BY u.id
    """  # noqa: S608 - table names from the models, values as parameters


def choose_least_load(ticket: Ticket, candidates: list[User]) -> User | None:
    """Fewest running requests; ties go to the next person after the round-robin cursor."""
    if not candidates:
        return None
    lowest = min(person.load for person in candidates)
    tied = [person for person in candidates if person.load == lowest]
    # Without a tie there is nothing to rotate: spare the cursor's row lock.
    return tied[0] if len(tied) == 1 else _next_after_cursor(ticket, tied)


def choose_round_robin(ticket: Ticket, candidates: list[User]) -> User | None:
    return _next_after_cursor(ticket, candidates)


def _next_after_cursor(ticket: Ticket, ordered: list[User]) -> User | None:
    if not ordered:
        return None
    cursor, _ = AssignmentCursor.objects.select_for_update().get_or_create(store_id=ticket.store_id)
    after = [user for user in ordered if cursor.last_assignee_id is None or user.pk > cursor.last_assignee_id]
    chosen = (after or ordered)[0]
    cursor.last_assignee_id = chosen.pk
    cursor.save(update_fields=["last_assignee_id"])
    return chosen


CHOOSERS: dict[str, Callable[[Ticket, list[User]], User | None]] = {
    "least_load": choose_least_load,
    "round_robin": choose_round_robin,
}


def assignment_payload(assignee: User, *, previous: User | None, reason: str, automatic: bool) -> dict:
    """What an `assigned` event records."""
    return {
        "assignee": assignee.pk,
        "previous": previous.pk if previous else None,
        "reason": reason,
        "automatic": automatic,
    }


def _assign(ticket: Ticket, assignee: User, *, by: User | None, reason: str, automatic: bool) -> Ticket:
    payload = assignment_payload(assignee, previous=ticket.assignee, reason=reason, automatic=automatic)
    ticket.assignee = assignee
    fields = ["assignee"]
    if ticket.status in {Status.NEW, Status.REOPENED}:
        fields += move_status(ticket, Status.ASSIGNED, by=by, event_type="assigned", payload=payload)
    else:
        event_record(ticket=ticket, type="assigned", actor=by, payload=payload)
    save_fields(ticket, fields)
    notifications.assignment_to_specialist(ticket=ticket)
    return ticket


def auto_assignee(ticket: Ticket) -> User | None:
    """Who gets a request being registered (None: nobody can take it now; it stays in the store's
    unassigned queue, where managers see it). Asked before the request's row is written, so that the
    row is inserted already assigned; the registration records the `assigned` event."""
    chooser = CHOOSERS[settings.AFTERSALES_ASSIGNMENT_CHOOSER]
    return chooser(ticket, candidates_for(ticket))


@transaction.atomic
def ticket_assign(*, ticket: Ticket, assignee: User, by: User, reason: str) -> Ticket:
    """A manager (re)assigns a request; the reason is kept on the event."""
    ticket = lock_ticket(ticket)
    require_manage(by, ticket.store_id)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give a reason for the assignment."), field="reason")
    if ticket.status not in OPEN_STATUSES:
        raise IllegalTransition(
            _("%(number)s is %(status)s and cannot be assigned.")
            % {"number": ticket.number, "status": ticket.get_status_display()}
        )
    if assignee.role == Role.CUSTOMER or not can_work_on(assignee, ticket):
        raise ApplicationError(
            _("%(assignee)s does not work in %(store)s.") % {"assignee": assignee, "store": ticket.store},
            field="assignee",
        )
    if ticket.assignee_id == assignee.pk:
        raise ApplicationError(
            _("%(number)s is already assigned to %(assignee)s.")
            % {"number": ticket.number, "assignee": assignee},
            field="assignee",
        )
    return _assign(ticket, assignee, by=by, reason=reason, automatic=False)
