"""The periodic SLA scan: a warning before a target is missed, then escalation in levels after it is
missed (assignee → store manager → executives). Idempotent: each step is recorded on the ticket with a
compare-and-set update, so two workers or a rerun never alert twice."""

from datetime import datetime

from django.db import transaction
from django.db.models import Q

from aftersales.accounts.models import Role, User
from aftersales.core import clock
from aftersales.service import notifications
from aftersales.service.models import Ticket
from aftersales.service.models.tickets import OPEN_STATUSES, PAUSED_STATUSES
from aftersales.service.services.sla import escalation_steps, warning_threshold
from aftersales.service.services.state import event_record, mark_kpi_days


def _escalation_recipients(ticket: Ticket, level: int) -> list[User]:
    if level == 1:
        return [ticket.assignee] if ticket.assignee else list(_store_managers(ticket))
    if level == 2:
        return list(_store_managers(ticket))
    return list(User.objects.filter(is_active=True, role=Role.EXECUTIVE))


def _store_managers(ticket: Ticket):
    return User.objects.filter(is_active=True, role=Role.STORE_MANAGER, stores=ticket.store_id)


def sla_scan(*, now: datetime | None = None) -> dict[str, int]:
    now = now or clock.now()
    counts = {"warnings": 0, "breaches": 0, "escalations": 0}
    running = (
        Ticket.objects.filter(status__in=OPEN_STATUSES - PAUSED_STATUSES)
        .filter(Q(response_due_at__isnull=False) | Q(resolution_due_at__isnull=False))
        .select_related("sla_policy", "store", "assignee")
    )
    for ticket in running.iterator(chunk_size=500):
        target, due = ticket.sla_target
        if due is None or ticket.sla_policy is None:
            continue
        start = ticket.created_at
        if now < due:
            warn_at = warning_threshold(start=start, due=due, percent=ticket.sla_policy.warning_percent)
            if now >= warn_at and ticket.warned_at is None and _warn(ticket, target, now):
                counts["warnings"] += 1
            continue
        level = _due_level(ticket, due, now)
        first_alert = ticket.escalation_level == 0
        if level > ticket.escalation_level and _escalate(ticket, target, level, now):
            # A scan that finds a ticket long overdue jumps straight to a higher level: still a breach.
            counts["breaches" if first_alert else "escalations"] += 1
    return counts


def _due_level(ticket: Ticket, due: datetime, now: datetime) -> int:
    target_length = due - ticket.created_at
    level = 0
    for number, share in enumerate(escalation_steps(), start=1):
        if now >= due + target_length * share:
            level = number
    return level


@transaction.atomic
def _warn(ticket: Ticket, target: str, now: datetime) -> bool:
    if not Ticket.objects.filter(pk=ticket.pk, warned_at__isnull=True).update(warned_at=now):
        return False  # another worker got there first
    event_record(ticket=ticket, type="sla_warning", actor=None, payload={"target": target})
    recipients = [ticket.assignee] if ticket.assignee else list(_store_managers(ticket))
    notifications.sla_alert(ticket=ticket, recipients=recipients, level="warning", target=target)
    return True


@transaction.atomic
def _escalate(ticket: Ticket, target: str, level: int, now: datetime) -> bool:
    breach_flag = {"response_breached": True} if target == "response" else {"resolution_breached": True}
    updated = Ticket.objects.filter(pk=ticket.pk, escalation_level=ticket.escalation_level).update(
        escalation_level=level, **breach_flag
    )
    if not updated:
        return False
    mark_kpi_days(ticket)  # a breach decides the request's SLA attainment
    if ticket.escalation_level == 0:
        event_record(ticket=ticket, type="sla_breached", actor=None, payload={"target": target})
    recipients = _escalation_recipients(ticket, level)
    event_record(
        ticket=ticket,
        type="escalated",
        actor=None,
        payload={"target": target, "level": level, "to": [user.pk for user in recipients]},
    )
    notifications.sla_alert(ticket=ticket, recipients=recipients, level="breach", target=target)
    return True
