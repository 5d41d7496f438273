"""Turn a ticket's plan into rows as of the seed's `as_of`: cut off what has not happened yet, then
store the SLA figures the way `service.services.sla` does - deadlines with `sla_calendar.deadline`
(pauses included), business minutes with `sla_calendar.working_seconds` on the store calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aftersales.core.seeding.complaints import complaint_for
from aftersales.core.seeding.escalation import scan_events
from aftersales.core.seeding.timeline import Plan
from aftersales.service.models import (
    Comment,
    Complaint,
    PartUsage,
    PauseSegment,
    Ticket,
    TicketEvent,
    Visit,
)
from aftersales.service.sla_calendar import AlwaysOpen, deadline, working_seconds

ALWAYS_OPEN = AlwaysOpen()
SCAN_EVENTS = frozenset({"sla_warning", "escalated"})


def dt(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _ts(at: datetime | None) -> int | None:
    return None if at is None else int(at.timestamp())


class Finisher:
    def __init__(self, writer, as_of: datetime, steps: list[float], executives: list[int]):
        self.w = writer
        self.as_of = int(as_of.timestamp())
        self.steps = steps
        self.executives = executives
        self.tickets = writer.table(Ticket)
        self.complaints = writer.table(Complaint)
        self.events = writer.table(TicketEvent)
        self.visits = writer.table(Visit)
        self.pauses = writer.table(PauseSegment)
        self.event_count = 0
        # The hot tables take database-ready values positionally (see db.Table.packer).
        self.add_event = self.events.packer(
            ["id", "ticket_id", "type", "actor_id", "created_at", "from_status", "to_status", "payload"]
        )
        self.add_comment = writer.table(Comment).packer(
            [
                "id",
                "ticket_id",
                "author_id",
                "from_customer",
                "visibility",
                "body",
                "created_at",
                "updated_at",
            ]
        )
        parts = writer.table(PartUsage)
        self.add_part = parts.packer(
            ["id", "ticket_id", "part_number", "description", "quantity", "unit_cost", "covered_percent"]
            + ["recorded_by_id", "created_at", "updated_at"]
        )

    def _dues(self, spec, pauses: list[tuple], reopened_at: int | None) -> tuple:
        policy = spec.sla
        if not policy.business_hours and not pauses:
            # 24×7 without pauses: `deadline` on AlwaysOpen is exactly start + target; skip the call.
            response, resolution = policy.response_minutes * 60, policy.resolution_minutes * 60
            return spec.t0 + response, spec.t0 + resolution, reopened_at and reopened_at + resolution
        calendar = spec.store.cal if policy.business_hours else ALWAYS_OPEN
        created = dt(spec.t0)
        response = timedelta(minutes=policy.response_minutes)
        resolution = timedelta(minutes=policy.resolution_minutes)
        due_response = deadline(calendar, created, response, pauses=pauses)
        due_resolution = deadline(calendar, created, resolution, pauses=pauses)
        # A reopened request gets a fresh resolution target from the reopen (sla_deadlines_compute).
        due_reopen = deadline(calendar, dt(reopened_at), resolution, pauses=pauses) if reopened_at else None
        return _ts(due_response), _ts(due_resolution), _ts(due_reopen)

    def finish(self, spec, plan: Plan) -> None:
        as_of, t0, store = self.as_of, spec.t0, spec.store
        pauses_all = [(dt(start), dt(end)) for _, _, start, end in plan.pauses]
        reopened_at = plan.reopens[0] if plan.reopens else None
        due_r, due_res, due_re = self._dues(spec, pauses_all, reopened_at)

        def recipients(level: int) -> list[int]:
            if level == 1 and spec.assignee:
                return [spec.assignee]
            return [store.info.manager] if level <= 2 else list(self.executives)

        scan = scan_events(
            events=plan.events,
            t0=t0,
            first_response=plan.first_response,
            due_response=due_r,
            due_resolution=due_res,
            reopened_at=reopened_at,
            due_after_reopen=due_re,
            warning_percent=spec.sla.warning_percent,
            steps=self.steps,
            recipients=recipients,
        )
        events = sorted(plan.events + scan, key=lambda event: event[0])
        truncated = events[-1][0] > as_of
        if truncated:
            events = [event for event in events if event[0] <= as_of]
            pauses = [
                [pid, reason, start, end if end <= as_of else None]
                for pid, reason, start, end in plan.pauses
                if start <= as_of
            ]
            reopens = [ts for ts in plan.reopens if ts <= as_of]
            reopened_at = reopens[0] if reopens else None
            kept_pauses = [(dt(start), None if end is None else dt(end)) for _, _, start, end in pauses]
            due_r, due_res, due_re = self._dues(spec, kept_pauses, reopened_at)
        else:
            pauses, reopens, kept_pauses = plan.pauses, plan.reopens, pauses_all

        status = next(event[4] for event in reversed(events) if event[4])
        fr = plan.first_response if plan.first_response is not None and plan.first_response <= as_of else None
        resolutions = [(ts, fields) for ts, fields in plan.resolutions if ts <= as_of]
        row = {
            "id": spec.id,
            "number": spec.number,
            "store_id": store.info.id,
            "customer_id": spec.customer.id,
            "asset_id": spec.asset.id if spec.asset else None,
            "kind": spec.kind,
            "channel": spec.channel,
            "priority": spec.priority,
            "fault_category_id": spec.fault_id,
            "subject": spec.subject,
            "description": spec.description,
            "status": status,
            "assignee_id": spec.assignee,
            "created_by_id": spec.created_by,
            "tracking_token": spec.tracking_token,
            "in_warranty": spec.in_warranty,
            "parts_covered_percent": spec.parts_percent,
            "labour_covered_percent": spec.labour_percent,
            "sla_policy_id": spec.sla.id,
            "response_due_at": due_r,
            "resolution_due_at": _resolution_due(due_res, due_re if reopened_at else None),
            "reopen_count": len(reopens),
            "created_at": t0,  # stored datetimes are given as epoch seconds (see db.Table)
            "updated_at": events[-1][0],
        }
        calendar = store.cal
        created = dt(t0)
        if fr is not None:
            row["first_response_at"] = fr
            row["first_response_minutes"] = (fr - t0) // 60
            row["first_response_business_minutes"] = (
                working_seconds(calendar, created, dt(fr), pauses=kept_pauses) // 60
            )
            row["response_breached"] = due_r is not None and fr > due_r
            plan.first_response_payload.update(
                minutes=row["first_response_minutes"], breached=row["response_breached"]
            )
        breached_by_scan = {event[5]["target"] for event in events if event[1] == "sla_breached"}
        if fr is None and "response" in breached_by_scan:
            row["response_breached"] = True
        resolution_breached = "resolution" in breached_by_scan
        for i, (ts, fields) in enumerate(resolutions):
            due = due_res if i == 0 else due_re
            resolution_breached = resolution_breached or (due is not None and ts > due)
            row.update(fields)
            row["resolved_at"] = ts
            row["resolution_minutes"] = (ts - t0) // 60
            row["resolution_business_minutes"] = (
                working_seconds(calendar, created, dt(ts), pauses=kept_pauses) // 60
            )
        row["resolution_breached"] = resolution_breached
        if status == "closed":
            row["closed_at"] = _last(events, "closed")
        row["paused_seconds"] = sum(end - start for _, _, start, end in pauses if end is not None)
        open_pause = next((start for _, _, start, end in pauses if end is None), None)
        row["paused_since"] = open_pause
        # The first response reset both (sla.first_response_measure): what counts is the target raced now.
        target = "response" if fr is None else "resolution"
        scan = [event for event in events if event[1] in SCAN_EVENTS and event[5]["target"] == target]
        row["warned_at"] = next((event[0] for event in scan if event[1] == "sla_warning"), None)
        row["escalation_level"] = max(
            (event[5]["level"] for event in scan if event[1] == "escalated"), default=0
        )
        if spec.kind == "complaint":
            complaint, added = complaint_for(
                ticket_id=spec.id,
                t0=t0,
                priority=spec.priority,
                events=events,
                first_response=fr,
                as_of=as_of,
                recipients=lambda level: [*(self.executives if level == 2 else []), store.info.manager],
            )
            events = sorted(events + added, key=lambda event: event[0])
            row["updated_at"] = complaint["updated_at"] = events[-1][0]
            self.complaints.add(complaint)
        self.tickets.add(row)
        self._children(spec, plan, events, pauses)

    def _children(self, spec, plan: Plan, events: list[tuple], pauses: list[list]) -> None:
        as_of, ticket_id = self.as_of, spec.id
        add_event, new_id = self.add_event, self.events.new_id
        for ts, type_, actor, from_status, to_status, payload in events:
            add_event(new_id(), ticket_id, type_, actor, ts, from_status, to_status, payload)
        self.event_count += len(events)
        for cid, ts, author, from_customer, visibility, body in plan.comments:
            if ts <= as_of:
                self.add_comment(cid, ticket_id, author, from_customer, visibility, body, ts, ts)
        for visit in plan.visits:
            if visit["booked"] <= as_of:
                self._visit(ticket_id, visit)
        covered = spec.parts_percent if spec.in_warranty else 0
        for pid, ts, number, description, quantity, cost, recorder in plan.parts:
            if ts <= as_of:
                self.add_part(pid, ticket_id, number, description, quantity, cost, covered, recorder, ts, ts)
        for pid, reason, start, end in pauses:
            self.pauses.add(
                {
                    "id": pid,
                    "ticket_id": ticket_id,
                    "reason": reason,
                    "starts_at": start,
                    "ends_at": end,
                    "created_at": start,
                    "updated_at": start if end is None else end,
                }
            )

    def _visit(self, ticket_id: int, visit: dict) -> None:
        as_of = self.as_of
        steps = {
            name: visit[name] if visit[name] <= as_of else None
            for name in ("confirmed", "arrived", "completed")
        }
        status = (
            "completed"
            if steps["completed"]
            else "arrived"
            if steps["arrived"]
            else "confirmed"
            if steps["confirmed"]
            else "booked"
        )
        last = max(ts for ts in (visit["booked"], *steps.values()) if ts is not None)
        self.visits.add(
            {
                "id": visit["id"],
                "ticket_id": ticket_id,
                "technician_id": visit["technician"],
                "window_start": visit["window_start"],
                "window_end": visit["window_end"],
                "address": visit["address"],
                "status": status,
                "confirmed_at": steps["confirmed"],
                "arrived_at": steps["arrived"],
                "completed_at": steps["completed"],
                "report": visit["report"] if steps["completed"] else "",
                "created_at": visit["booked"],
                "updated_at": last,
            }
        )


def _resolution_due(due_resolution: int | None, due_after_reopen: int | None) -> int | None:
    return due_after_reopen if due_after_reopen is not None else due_resolution


def _last(events: list[tuple], type_: str) -> int:
    return next(event[0] for event in reversed(events) if event[1] == type_)
