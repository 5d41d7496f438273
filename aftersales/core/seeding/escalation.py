"""What the periodic SLA scan (`service.services.escalation.sla_scan`, every minute) would have recorded
for a ticket's history: one warning at `warning_percent` of a target, then `sla_breached` and
`escalated` events in levels (assignee → store manager → executives) while the target stays unmet.

Like the scan, it only looks at running tickets (open, not paused), races the first response until there
is one and the resolution after - each target with its own warning and levels, as the first response
resets `warned_at` and `escalation_level` - and escalates each level once per target.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable

from aftersales.service.models.tickets import OPEN_STATUSES, PAUSED_STATUSES

RUNNING = frozenset(str(status) for status in OPEN_STATUSES - PAUSED_STATUSES)


def scan_events(
    *,
    events: list[tuple],
    t0: int,
    first_response: int | None,
    due_response: int | None,
    due_resolution: int | None,
    reopened_at: int | None,
    due_after_reopen: int | None,
    warning_percent: int,
    steps: list[float],
    recipients: Callable[[int], list[int]],
) -> list[tuple]:
    """The scan's events for the ticket whose chronological plan is `events`."""
    transitions = [(ts, to) for ts, _type, _actor, _from, to, _payload in events if to]
    times = [ts for ts, _ in transitions]

    def running(at: int) -> bool:
        i = bisect.bisect_right(times, at) - 1
        return i >= 0 and transitions[i][1] in RUNNING

    candidates: list[int] = [ts for ts, to in transitions if to in RUNNING]
    for due in (due_response, due_resolution, due_after_reopen):
        if due is not None:
            length = due - t0
            candidates.append(t0 + length * warning_percent // 100)
            candidates += [due + int(length * share) for share in steps]
    if first_response is not None:
        candidates.append(first_response)
    # The scan runs on the minute: each threshold is noticed at the next minute mark.
    checks = sorted({at - at % 60 + 60 for at in candidates})

    added: list[tuple] = []
    warned, level_now, racing = False, 0, "response"
    for at in checks:
        if not running(at):
            continue
        if first_response is None or at < first_response:
            target, due = "response", due_response
        else:
            target = "resolution"
            due = due_after_reopen if reopened_at is not None and at >= reopened_at else due_resolution
            if racing == "response":
                # The first response resets warning and escalation (sla.first_response_measure): the
                # resolution target gets its own.
                warned, level_now, racing = False, 0, "resolution"
        if due is None:
            continue
        length = due - t0
        if at < due:
            if not warned and at >= t0 + length * warning_percent / 100:
                added.append((at, "sla_warning", None, "", "", {"target": target}))
                warned = True
            continue
        level = sum(1 for share in steps if at >= due + length * share)
        if level > level_now:
            if level_now == 0:
                added.append((at, "sla_breached", None, "", "", {"target": target}))
            added.append(
                (at, "escalated", None, "", "", {"target": target, "level": level, "to": recipients(level)})
            )
            level_now = level
    return added
