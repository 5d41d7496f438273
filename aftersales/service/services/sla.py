"""SLA policies applied to tickets: deadlines, pauses, measured durations, warnings and escalation."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q

from aftersales.core import reference
from aftersales.service import sla_calendar
from aftersales.service.calendars import policy_calendar, store_calendar
from aftersales.service.models import PauseSegment, SlaPolicy, Ticket


def sla_policy_for(*, ticket: Ticket) -> SlaPolicy | None:
    """The most specific active policy whose non-empty criteria all match the ticket: a store counts
    most (8), then the customer tier (4), the kind (2) and the priority (1); then the higher rank, then
    the older policy. The store's few policies are read with a plain query and ranked here, which
    costs far less than asking the database to weigh them; the read is cached per process until a
    policy changes (core.reference)."""
    wanted = {"kind": ticket.kind, "priority": ticket.priority, "customer_tier": ticket.customer.tier}
    matching = [
        policy
        for policy in _store_policies(ticket.store_id)
        if all(getattr(policy, field) in ("", value) for field, value in wanted.items())
    ]

    def precedence(policy: SlaPolicy) -> tuple[int, int, int]:
        specificity = (
            8 * (policy.store_id is not None)
            + 4 * bool(policy.customer_tier)
            + 2 * bool(policy.kind)
            + bool(policy.priority)
        )
        return (-specificity, -policy.rank, policy.pk)

    return min(matching, key=precedence, default=None)


def _store_policies(store_id: int) -> list[SlaPolicy]:
    """The active policies that may apply in a store: its own and the company-wide ones."""
    return reference.cached(
        ("sla_policies", store_id),
        lambda: list(SlaPolicy.objects.filter(Q(store__isnull=True) | Q(store=store_id), active=True)),
    )


def _pauses(ticket: Ticket) -> list[tuple[datetime, datetime | None]]:
    if ticket.paused_since is None and not ticket.paused_seconds:
        return []  # never paused: spare the query (the common case, and every new ticket)
    return [(p.starts_at, p.ends_at) for p in ticket.pauses.all()]


def _calendar(ticket: Ticket, policy: SlaPolicy):
    return policy_calendar(
        business_hours=policy.business_hours, store=ticket.store, around=ticket.created_at.date()
    )


def sla_deadlines_compute(*, ticket: Ticket) -> list[str]:
    """(Re)compute the due dates from the policy, the start of the clock and every pause so far.

    Returns the changed field names; the caller saves them. An open pause leaves the resolution
    deadline empty: the clock stands still until it resumes. A response deadline that was already
    met or missed is history and stays as it was."""
    policy = ticket.sla_policy
    if policy is None:
        return []
    calendar = _calendar(ticket, policy)
    pauses = _pauses(ticket)
    changed = ["resolution_due_at"]
    if ticket.first_response_at is None:
        ticket.response_due_at = sla_calendar.deadline(
            calendar, ticket.created_at, timedelta(minutes=policy.response_minutes), pauses=pauses
        )
        changed.append("response_due_at")
    start = ticket.created_at
    if ticket.reopen_count:
        # A reopened request gets a fresh resolution target from the moment it was last reopened.
        reopened = ticket.events.filter(type="reopened").order_by("-created_at", "-pk").first()
        start = reopened.created_at if reopened else start
    ticket.resolution_due_at = sla_calendar.deadline(
        calendar, start, timedelta(minutes=policy.resolution_minutes), pauses=pauses
    )
    return changed


def pause_open(*, ticket: Ticket, reason: str, at: datetime) -> list[str]:
    PauseSegment.objects.create(ticket=ticket, reason=reason, starts_at=at)
    ticket.paused_since = at
    return ["paused_since", *sla_deadlines_compute(ticket=ticket)]


def pause_close(*, ticket: Ticket, at: datetime) -> list[str]:
    segment = ticket.pauses.filter(ends_at__isnull=True).first()
    if segment is None:
        return []
    segment.ends_at = at
    segment.save(update_fields=["ends_at", "updated_at"])
    ticket.paused_seconds += int((at - segment.starts_at).total_seconds())
    ticket.paused_since = None
    return ["paused_since", "paused_seconds", *sla_deadlines_compute(ticket=ticket)]


def _business_minutes(ticket: Ticket, start: datetime, end: datetime) -> int:
    calendar = store_calendar(ticket.store, around=start.date())
    return sla_calendar.working_seconds(calendar, start, end, pauses=_pauses(ticket)) // 60


def first_response_measure(*, ticket: Ticket, at: datetime) -> list[str]:
    """Store the first-response durations once, when the first customer-facing contact happens."""
    ticket.first_response_at = at
    ticket.first_response_minutes = int((at - ticket.created_at).total_seconds() // 60)
    ticket.first_response_business_minutes = _business_minutes(ticket, ticket.created_at, at)
    ticket.response_breached = bool(ticket.response_due_at and at > ticket.response_due_at)
    # From now on the ticket races its resolution target: warning and escalation start afresh for it.
    ticket.warned_at, ticket.escalation_level = None, 0
    return [
        "warned_at",
        "escalation_level",
        "first_response_at",
        "first_response_minutes",
        "first_response_business_minutes",
        "response_breached",
    ]


def resolution_measure(*, ticket: Ticket, at: datetime) -> list[str]:
    """Calendar minutes run from registration and include paused time (paused_seconds is stored
    beside them); business minutes count the store's working time with pauses taken out."""
    ticket.resolved_at = at
    ticket.resolution_minutes = int((at - ticket.created_at).total_seconds() // 60)
    ticket.resolution_business_minutes = _business_minutes(ticket, ticket.created_at, at)
    ticket.resolution_breached = ticket.resolution_breached or bool(
        ticket.resolution_due_at and at > ticket.resolution_due_at
    )
    return [
        "resolved_at",
        "resolution_minutes",
        "resolution_business_minutes",
        "resolution_breached",
    ]


def warning_threshold(*, start: datetime, due: datetime, percent: int) -> datetime:
    return start + (due - start) * (percent / 100)


def escalation_steps() -> list[float]:
    """After a breach, the share of the target that must pass again before each further level:
    level 1 (assignee) at the breach, level 2 (store manager), level 3 (executives)."""
    return list(settings.AFTERSALES_ESCALATION_STEPS)
