"""The complaint record of a seeded complaint request, and what `services.complaints` would have
recorded for it: `complaint_opened` at registration, the escalation scan's `complaint_escalated` steps
(store manager when nobody answered within the severity's hours; executives when a critical one was
still unresolved after AFTERSALES_COMPLAINT_EXECUTIVE_HOURS), and the closure (结案) at its resolution.

The choices (source, root cause, corrective measure) come from a random source seeded with the ticket
id, so they do not shift the main random stream and a seed stays deterministic."""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable

from django.conf import settings

from aftersales.core.seeding import faults as texts
from aftersales.service.models.tickets import OPEN_STATUSES

OPEN = frozenset(str(status) for status in OPEN_STATUSES)
HOUR, DAY = 3600, 86400
SEVERITY_OF_PRIORITY = {"urgent": 1, "high": 2}  # otherwise 3, as ComplaintIntake.default_for
# How complaints reach a 4S store or an appliance service centre, by weight.
SOURCES = (
    ("direct", 55),
    ("consumer_association", 12),
    ("manufacturer", 13),
    ("social_media", 10),
    ("survey", 10),
)


def complaint_for(
    *,
    ticket_id: int,
    t0: int,
    priority: str,
    events: list[tuple],
    first_response: int | None,
    as_of: int,
    recipients: Callable[[int], list[int]],
) -> tuple[dict, list[tuple]]:
    """The complaint row (epoch-second datetimes) and its events, for the ticket whose chronological
    events up to `as_of` are `events` (ts, type, actor, from_status, to_status, payload)."""
    rng = random.Random(f"complaint-{ticket_id}")
    severity = SEVERITY_OF_PRIORITY.get(priority, 3)
    source = rng.choices([s for s, _ in SOURCES], weights=[w for _, w in SOURCES])[0]
    acknowledge_due = t0 + settings.AFTERSALES_COMPLAINT_ACKNOWLEDGE_HOURS[severity] * HOUR
    executive_due = t0 + settings.AFTERSALES_COMPLAINT_EXECUTIVE_HOURS * HOUR if severity == 1 else None
    due = t0 + settings.AFTERSALES_COMPLAINT_CLOSURE_DAYS * DAY

    transitions = [(ts, to) for ts, _type, _actor, _from, to, _payload in events if to]
    times = [ts for ts, _ in transitions]

    def open_at(at: int) -> bool:
        i = bisect.bisect_right(times, at) - 1
        return i >= 0 and transitions[i][1] in OPEN

    status = transitions[-1][1]
    resolved = [ts for ts, type_, *_ in events if type_ == "resolved"]
    cause, measure = rng.choice(texts.COMPLAINT_CAUSES)
    if status in ("resolved", "closed"):
        closed_at = resolved[-1]
    else:
        closed_at = None
        # An open complaint may already have its analysis, not yet the measure.
        cause, measure = (cause, "") if rng.random() < 0.4 else ("", "")

    created_actor = events[0][2]
    added = [(t0, "complaint_opened", created_actor, "", "", {"severity": severity, "source": source})]
    level = 0
    if acknowledge_due <= as_of and open_at(acknowledge_due):
        if first_response is None or first_response > acknowledge_due:
            level = 1
            added.append(_escalated(acknowledge_due, 1, severity, "unacknowledged", recipients(1)))
    if executive_due is not None and executive_due <= as_of and open_at(executive_due):
        level = 2
        added.append(_escalated(executive_due, 2, severity, "unresolved", recipients(2)))
    row = {
        "ticket_id": ticket_id,
        "severity": severity,
        "source": source,
        "root_cause": cause,
        "corrective_measure": measure,
        "opened_at": t0,
        "acknowledge_due_at": acknowledge_due,
        "executive_due_at": executive_due,
        "escalation_level": level,
        "due_at": due,
        "closed_at": closed_at,
        "closed_within_due": None if closed_at is None else closed_at <= due,
        "created_at": t0,
    }
    return row, added


def _escalated(at: int, level: int, severity: int, reason: str, to: list[int]) -> tuple:
    payload = {"level": level, "severity": severity, "reason": reason, "to": to}
    return (at, "complaint_escalated", None, "", "", payload)
