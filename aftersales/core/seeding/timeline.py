"""The life of one ticket, from registration to closing, as the services would have recorded it.

`simulate` plays a ticket forward in epoch seconds: assignment, first response (a reply, a call or a
booked visit), waits on the customer or on parts (pause segments), an on-site visit, parts used, notes,
resolution, sometimes a reopen, and closing. Events carry the same types, statuses and payloads as
`service.services`; every step respects `service.lifecycle.TRANSITIONS`. The plan runs past "now";
`finish` (see `finish.py`) cuts it at the seed's `as_of`, which is what leaves recent tickets open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from aftersales.core.seeding import faults as texts
from aftersales.core.seeding.calendar import desk_time, staff_time

HOUR, DAY = 3600, 86400
VISIT_SHARE = {
    ("appliance", "repair"): 0.6,
    ("appliance", "installation"): 0.95,
    ("appliance", "maintenance"): 0.9,
    ("appliance", "return"): 0.3,
    ("vehicle", "repair"): 0.05,  # roadside assistance; other vehicle work is done in the workshop
}
PARTS_SHARE = {"repair": 0.65, "maintenance": 0.9, "installation": 0.6}
COMPLAINT_LATE_SHARE = 0.15  # complaints closed after their 14-day due date
SLOTS = (9 * HOUR, 10 * HOUR, 13 * HOUR + 1800, 15 * HOUR)  # visit windows (local), 2 hours each


@dataclass(slots=True)
class Plan:
    events: list[tuple] = field(default_factory=list)  # (ts, type, actor, from, to, payload)
    comments: list[tuple] = field(default_factory=list)  # (id, ts, author, from_customer, visibility, body)
    visits: list[dict] = field(default_factory=list)
    parts: list[tuple] = field(default_factory=list)  # (id, ts, number, description, qty, cost, recorded_by)
    pauses: list[list] = field(default_factory=list)  # [id, reason, start, end]
    resolutions: list[tuple[int, dict]] = field(default_factory=list)
    reopens: list[int] = field(default_factory=list)
    first_response: int | None = None
    first_response_payload: dict | None = None
    status: str = "new"

    def event(
        self, ts: int, type_: str, actor: int | None, payload: dict | None = None, to: str = ""
    ) -> None:
        if to:
            self.events.append((ts, type_, actor, self.status, to, payload or {}))
            self.status = to
        else:
            self.events.append((ts, type_, actor, "", "", payload or {}))


def iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def _hours(rng, low: float, high: float) -> Decimal:
    return Decimal(rng.randint(int(low * 4), int(high * 4))) / 4


class Simulator:
    def __init__(self, rng, ids: dict[str, Any]):
        self.rng = rng
        self.ids = ids  # "comment" / "visit" / "part" / "pause" → writer Table (for new ids)

    def simulate(self, spec) -> Plan:
        rng, cal, p = self.rng, spec.store.cal, Plan()
        t0, assignee = spec.t0, spec.assignee
        # Urgent and high-priority work runs into the evening (08:00–20:00 every day); the rest is done
        # in opening hours.
        self.work = work = desk_time if spec.priority in ("urgent", "high") else staff_time
        created = {"channel": spec.channel, "in_warranty": spec.in_warranty}
        p.events.append((t0, "created", spec.created_by, "", "new", created))
        if assignee is None:
            return p  # still in the store's unassigned queue
        if spec.manual_assign:
            t = staff_time(t0 + rng.randint(300, 2 * HOUR), cal, rng)
            payload = {"assignee": assignee, "previous": None, "reason": "按技能人工分派", "automatic": False}
            p.event(t, "assigned", spec.store.info.manager, payload, "assigned")
        else:
            t = t0
            payload = {"assignee": assignee, "previous": None, "reason": "automatic", "automatic": True}
            p.event(t, "assigned", None, payload, "assigned")

        domain, kind = spec.store.info.domain, spec.kind
        wants_visit = rng.random() < VISIT_SHARE.get((domain, kind), 0.0)
        t_r = max(self._response_time(spec), t + 60)
        # Work is paced to finish near a planned time (within the SLA target for most tickets).
        planned = self._planned_resolution(spec, t_r)
        cursor = t_r
        if wants_visit and kind in ("installation", "maintenance"):
            cursor = self._visit(spec, p, t_r, planned, first_response=True)  # booking is the response
        else:
            how = "call" if spec.channel in ("phone", "walk_in") else "reply"
            if how == "reply":
                cid = self._comment(p, t_r, assignee, rng.choice(texts.REPLIES))
                p.event(t_r, "replied", assignee, {"comment": cid})
            else:
                p.event(t_r, "call_logged", assignee, {"summary": rng.choice(texts.CALL_SUMMARIES)})
            self._first_response(p, t_r, assignee, how)
            p.event(t_r, "status_changed", assignee, None, "in_progress")
            if rng.random() < 0.02:
                t_c = staff_time(t_r + rng.randint(HOUR, 2 * DAY), cal, rng)
                actor = spec.customer.user_id if spec.customer.user_id and rng.random() < 0.5 else assignee
                p.event(t_c, "cancelled", actor, {"reason": rng.choice(texts.CANCEL_REASONS)}, "cancelled")
                return p
            if wants_visit:
                t_b = staff_time(t_r + rng.randint(300, 3 * HOUR), cal, rng)
                cursor = self._visit(spec, p, t_b, planned, first_response=False)

        if kind in ("repair", "return", "complaint") and rng.random() < 0.10:
            cursor = self._wait_on_customer(spec, p, cursor)
        parts = self._parts_for(spec)
        if parts:
            recorder = (
                rng.choice(spec.store.info.technicians) if domain == "vehicle" or p.visits else assignee
            )
            if not p.visits and kind == "repair" and rng.random() < 0.15:
                cursor = self._wait_on_parts(spec, p, cursor, parts[0][1])
            t_u = p.visits[-1]["completed"] + rng.randint(60, 300) if p.visits else cursor
            t_u = work(max(t_u, cursor) + (0 if p.visits else rng.randint(600, 3 * HOUR)), cal, rng)
            for number, description, quantity, cost in parts:
                pid = self.ids["part"].new_id()
                p.parts.append((pid, t_u, number, description, quantity, cost, recorder))
                payload = {"part": number, "quantity": str(quantity), "unit_cost": str(cost)}
                p.event(t_u, "part_used", recorder, payload)
            cursor = t_u
        if rng.random() < 0.3 and kind != "inquiry":
            author = rng.choice((assignee, assignee, spec.store.info.manager))
            t_n = work(cursor + rng.randint(300, 2 * HOUR), cal, rng)
            cid = self._comment(p, t_n, author, rng.choice(texts.NOTES), internal=True)
            p.event(t_n, "note_added", author, {"comment": cid})
            cursor = t_n
        if rng.random() < 0.2 and kind not in ("inquiry", "complaint"):
            t_q = work(cursor + rng.randint(1800, max(3600, min(DAY, (planned - cursor) // 2))), cal, rng)
            cid = self._comment(p, t_q, assignee, rng.choice(texts.PROGRESS_REPLIES))
            p.event(t_q, "replied", assignee, {"comment": cid})
            cursor = t_q

        t_res = max(
            planned + sum(end - start for _, _, start, end in p.pauses), cursor + rng.randint(900, 2 * HOUR)
        )
        t_res = desk_time(t_res, cal, rng) if kind == "inquiry" else work(t_res, cal, rng)
        if not any(
            visibility == "public" and not from_customer for *_, from_customer, visibility, _ in p.comments
        ):
            # Every request gets a written answer: phone and walk-in ones when they are resolved.
            cid = self._comment(p, t_res, assignee, rng.choice(texts.RESOLVED_REPLIES))
            p.event(t_res, "replied", assignee, {"comment": cid})
        self._resolve(spec, p, t_res, assignee)
        if kind != "inquiry" and rng.random() < 0.035:
            t_ro = desk_time(t_res + rng.randint(3 * HOUR, 3 * DAY), cal, rng)
            actor = spec.customer.user_id or assignee
            p.event(t_ro, "reopened", actor, {"reason": rng.choice(texts.REOPEN_REASONS)}, "reopened")
            p.reopens.append(t_ro)
            t_w = staff_time(t_ro + rng.randint(600, 4 * HOUR), cal, rng)
            p.event(t_w, "status_changed", assignee, None, "in_progress")
            t_res = staff_time(t_w + rng.randint(HOUR, 2 * DAY), cal, rng)
            self._resolve(spec, p, t_res, assignee)
        t_close = staff_time(t_res + rng.randint(DAY, 4 * DAY), cal, rng)
        p.event(t_close, "closed", assignee, None, "closed")
        return p

    # --- steps -------------------------------------------------------------------------------------
    def _response_time(self, spec) -> int:
        """Most first responses come within hours; a tail of a few percent takes a day or more."""
        rng, cal, t0 = self.rng, spec.store.cal, spec.t0
        if spec.channel == "walk_in":
            return t0 + rng.randint(60, 15 * 60)
        u = rng.random()
        if spec.sla.business_hours:
            bands = ((0.55, 300, 2700), (0.85, 2700, 9000), (0.95, 9000, 14000), (1.0, 14400, 12 * HOUR))
            low, high = next((lo, hi) for share, lo, hi in bands if u < share)
            return cal.add_work(t0, rng.randint(low, high))
        if spec.customer.tier == "vip":
            bands = ((0.6, 120, 1800), (0.9, 1800, 9000), (0.96, 9000, 14000), (1.0, 4 * HOUR, 10 * HOUR))
        else:
            bands = (
                (0.5, 120, 2700),
                (0.82, 2700, 3 * HOUR),
                (0.97, 3 * HOUR, 12 * HOUR),
                (1.0, DAY, 60 * HOUR),
            )
        low, high = next((lo, hi) for share, lo, hi in bands if u < share)
        return desk_time(t0 + rng.randint(low, high), cal, rng)

    def _planned_resolution(self, spec, t_r: int) -> int:
        rng = self.rng
        if spec.kind == "inquiry":
            return t_r + rng.randint(120, 90 * 60)
        if spec.kind == "complaint" and rng.random() < COMPLAINT_LATE_SHARE:
            # A complaint that drags past its 14-day closure date (a third party involved, the customer
            # hard to reach); still resolved soon enough to be closed within 20 days.
            return spec.t0 + rng.randint(14 * DAY + HOUR, 15 * DAY + 12 * HOUR)
        target = spec.sla.resolution_minutes * 60
        share = min(3.0, rng.lognormvariate(-0.95, 0.7))  # ~9 % beyond the target
        if spec.sla.business_hours:
            return spec.store.cal.add_work(spec.t0, int(share * target))
        return spec.t0 + int(share * target)

    def _first_response(self, p: Plan, ts: int, actor: int, how: str) -> None:
        p.first_response_payload = {"how": how}  # minutes and breached are filled in by `finish`
        p.first_response = ts
        p.event(ts, "first_response", actor, p.first_response_payload)

    def _comment(self, p: Plan, ts, author, body, *, internal=False, from_customer=False) -> int:
        cid = self.ids["comment"].new_id()
        p.comments.append((cid, ts, author, from_customer, "internal" if internal else "public", body))
        return cid

    def _pause(self, p: Plan, reason: str, start: int, end: int) -> None:
        p.pauses.append([self.ids["pause"].new_id(), reason, start, end])

    def _wait_on_customer(self, spec, p: Plan, cursor: int) -> int:
        rng, cal, assignee = self.rng, spec.store.cal, spec.assignee
        t_p = staff_time(cursor + rng.randint(600, 4 * HOUR), cal, rng)
        note = rng.choice(texts.WAIT_NOTES["pending_customer"])
        p.event(t_p, "status_changed", assignee, {"note": note}, "pending_customer")
        user = spec.customer.user_id
        if user:
            t_e = t_p + rng.randint(2 * HOUR, 2 * DAY)
            cid = self._comment(p, t_e, user, rng.choice(texts.CUSTOMER_REPLIES), from_customer=True)
            p.event(t_e, "customer_replied", user, {"comment": cid})
            p.event(t_e, "status_changed", user, None, "in_progress")
        else:
            t_e = desk_time(t_p + rng.randint(2 * HOUR, 2 * DAY), cal, rng)
            p.event(t_e, "call_logged", assignee, {"summary": "客户回电补充了信息"})
            p.event(t_e, "status_changed", assignee, None, "in_progress")
        self._pause(p, "pending_customer", t_p, t_e)
        return t_e

    def _wait_on_parts(self, spec, p: Plan, cursor: int, part: str) -> int:
        rng, cal, assignee = self.rng, spec.store.cal, spec.assignee
        t_p = staff_time(cursor + rng.randint(1800, 4 * HOUR), cal, rng)
        note = rng.choice(texts.WAIT_NOTES["pending_parts"]).format(part=part)
        p.event(t_p, "status_changed", assignee, {"note": note}, "pending_parts")
        t_e = self.work(t_p + rng.randint(DAY, 6 * DAY), cal, rng)
        p.event(t_e, "status_changed", assignee, None, "in_progress")
        self._pause(p, "pending_parts", t_p, t_e)
        return t_e

    def _visit(self, spec, p: Plan, t_b: int, planned: int, first_response: bool) -> int:
        rng, cal, info = self.rng, spec.store.cal, spec.store.info
        assignee, technician = spec.assignee, rng.choice(info.technicians)
        if info.domain == "vehicle":  # roadside assistance comes within the hour or two
            window_start = t_b + rng.randint(1800, 5400)
        else:
            # A slot on a day in the first half of the time left, at least the next working day.
            lead = int((planned - t_b) * rng.uniform(0.1, 0.5))
            if spec.priority in ("normal", "low"):
                lead = max(lead, DAY)
            day = cal.local_midnight(t_b + lead)
            window_start = cal.next_open(max(t_b + HOUR, day + rng.choice(SLOTS)))
        window_end = window_start + 2 * HOUR
        vid = self.ids["visit"].new_id()
        if first_response:
            self._first_response(p, t_b, assignee, "visit_booked")
        p.event(t_b, "status_changed", assignee, None, "visit_scheduled")
        p.event(
            t_b, "visit_booked", assignee, {"visit": vid, "technician": technician, "from": iso(window_start)}
        )
        confirmed = max(t_b + 60, min(window_start - 600, t_b + rng.randint(600, 6 * HOUR)))
        p.event(confirmed, "visit_confirmed", spec.customer.user_id or assignee, {"visit": vid})
        arrived = min(window_end - 300, max(confirmed + 60, window_start + rng.randint(-900, 4500)))
        p.event(arrived, "visit_arrived", technician, {"visit": vid})
        completed = arrived + rng.randint(1800, 9000)
        p.event(completed, "visit_completed", technician, {"visit": vid})
        p.event(completed, "status_changed", technician, None, "in_progress")
        if info.domain == "vehicle":
            address = texts.ROADSIDE.format(city=info.spec.city, street=info.spec.street)
        else:
            address = spec.customer.address
        action = (
            "更换故障部件"
            if spec.kind == "repair"
            else "完成安装调试"
            if spec.kind == "installation"
            else "完成清洗保养"
        )
        p.visits.append(
            {
                "id": vid,
                "technician": technician,
                "window_start": window_start,
                "window_end": window_end,
                "address": address,
                "booked": t_b,
                "confirmed": confirmed,
                "arrived": arrived,
                "completed": completed,
                "report": rng.choice(texts.VISIT_REPORTS).format(action=action),
            }
        )
        return completed

    def _parts_for(self, spec) -> list[tuple[str, str, Decimal, Decimal]]:
        rng, kind, domain = self.rng, spec.kind, spec.store.info.domain
        if rng.random() >= PARTS_SHARE.get(kind, 0.0):
            return []
        if kind == "repair" and spec.leaf is not None:
            chosen = rng.sample(spec.leaf.parts, 1 if len(spec.leaf.parts) == 1 or rng.random() < 0.7 else 2)
            return [(n, d, Decimal(rng.choice((1, 1, 1, 2))), _price(rng, lo, hi)) for n, d, lo, hi in chosen]
        options = texts.SERVICE_PARTS.get((domain, kind), ())
        return [(n, d, Decimal(q), _price(rng, lo, hi)) for n, d, lo, hi, q in options if rng.random() < 0.85]

    def _resolve(self, spec, p: Plan, ts: int, actor: int) -> None:
        rng, kind, domain, leaf = self.rng, spec.kind, spec.store.info.domain, spec.leaf
        replacement = ""
        if kind == "inquiry":
            outcome, cause, hours = "advice", "", Decimal(0)
        elif kind == "complaint":
            outcome, cause, hours = "advice", "RC-SERVICE", Decimal(0)
        elif kind == "maintenance":
            outcome, cause, hours = "repair", "RC-SCHEDULED", _hours(rng, 1, 2.5)
        elif kind == "installation":
            outcome, cause, hours = "repair", "RC-NEW-UNIT", _hours(rng, 1, 3)
        else:
            if kind == "return":
                choices = (("replacement", 55), ("refund", 30), ("no_fault_found", 15))
                if domain == "vehicle":
                    choices = (("repair", 70), ("no_fault_found", 20), ("refund", 10))
            else:
                choices = (("repair", 78), ("no_fault_found", 10), ("advice", 5))
                choices += (("replacement", 7),) if domain == "appliance" else (("repair", 7),)
            outcome = rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]
            causes = leaf.causes if leaf else (("RC-COMPONENT", 1),)
            cause = rng.choices([c for c, _ in causes], weights=[w for _, w in causes])[0]
            if outcome == "no_fault_found":
                cause = "RC-NFF"
            elif outcome == "advice":
                cause = "RC-USER"
            hours = (
                _hours(rng, 0.5, 6 if domain == "vehicle" else 3)
                if outcome == "repair"
                else _hours(rng, 0, 1)
            )
            if outcome == "replacement":
                replacement = spec.new_serial()
        note = texts.KIND_NOTES.get(kind) or texts.OUTCOME_NOTES[outcome].format(
            cause_text=texts.CAUSE_TEXTS.get(cause, "故障")
        )
        p.event(ts, "resolved", actor, {"outcome": outcome, "root_cause": cause}, "resolved")
        fields = {
            "outcome": outcome,
            "root_cause": cause,
            "resolution_note": note,
            "replacement_serial": replacement,
            "labour_hours": hours,
        }
        p.resolutions.append((ts, fields))


def _price(rng, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100
