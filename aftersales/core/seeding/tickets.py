"""A year of service requests: when they arrive, who asks about what, and the batch loop that writes
them (with `timeline.Simulator` playing each one and `finish.Finisher` storing it as of today)."""

from __future__ import annotations

import base64
import bisect
import itertools
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db import transaction

from aftersales.accounts.models import Store
from aftersales.core.seeding import faults as texts
from aftersales.core.seeding.calendar import SpanCalendar
from aftersales.core.seeding.catalogue import Catalogue, Sla
from aftersales.core.seeding.context import Seed
from aftersales.core.seeding.customers import AssetInfo, CustomerInfo, StoreCustomers
from aftersales.core.seeding.faults import Leaf
from aftersales.core.seeding.finish import Finisher
from aftersales.core.seeding.names import Choice, appliance_serial
from aftersales.core.seeding.org import OrgData, StoreInfo
from aftersales.core.seeding.pipeline import can_fork, run_batches
from aftersales.core.seeding.timeline import Simulator
from aftersales.service.models import AssignmentCursor, Comment, PartUsage, PauseSegment, Ticket, Visit
from aftersales.service.services.sla import escalation_steps

KINDS = (
    ("repair", 45),
    ("maintenance", 20),
    ("inquiry", 15),
    ("installation", 8),
    ("return", 5),
    ("complaint", 7),
)
# The desk is staffed (phone, walk-ins) in opening hours; outside them requests come in writing.
OPEN_CHANNELS = (("phone", 42), ("walk_in", 28), ("email", 12), ("portal", 7), ("web_form", 7), ("api", 4))
CLOSED_CHANNELS = (("phone", 35), ("email", 22), ("portal", 17), ("web_form", 17), ("api", 9))
PRIORITIES = {
    "repair": (("urgent", 6), ("high", 25), ("normal", 55), ("low", 14)),
    "maintenance": (("high", 5), ("normal", 55), ("low", 40)),
    "inquiry": (("normal", 50), ("low", 50)),
    "installation": (("high", 10), ("normal", 70), ("low", 20)),
    "return": (("high", 30), ("normal", 60), ("low", 10)),
    "complaint": (("urgent", 10), ("high", 50), ("normal", 40)),
}
BUMP = {"low": "normal", "normal": "high", "high": "urgent", "urgent": "urgent"}
INTROS = {
    "phone": "客户来电反映：",
    "walk_in": "客户到店反映：",
    "email": "客户来信：",
    "portal": "客户通过服务门户提交：",
    "web_form": "客户在线提交：",
    "api": "经销商系统同步：",
}
WEEKDAY_WEIGHTS = (1.15, 1.0, 1.0, 1.0, 1.05)


@dataclass(slots=True)
class StoreCtx:
    index: int
    info: StoreInfo
    cal: SpanCalendar
    customers: StoreCustomers
    last_assignee: int | None = None


@dataclass(slots=True)
class Spec:
    id: int
    number: str
    t0: int
    store: StoreCtx
    customer: CustomerInfo
    asset: AssetInfo | None
    kind: str
    channel: str
    priority: str
    leaf: Leaf | None
    fault_id: int | None
    subject: str
    description: str
    sla: Sla
    assignee: int | None
    manual_assign: bool
    created_by: int | None
    tracking_token: str
    in_warranty: bool | None
    parts_percent: int
    labour_percent: int
    new_serial: object


def seed_tickets(s: Seed, org: OrgData, catalogue: Catalogue, customers: list[StoreCustomers]) -> int:
    lo, hi = s.start - timedelta(days=14), s.as_of + timedelta(days=120)
    stores = []
    for index, (info, store_customers) in enumerate(zip(org.stores, customers, strict=True)):
        store = Store.objects.get(pk=info.id)
        stores.append(StoreCtx(index, info, SpanCalendar(store, lo, hi), store_customers))
    arrivals = _arrivals(s, stores)
    builder = _Builder(s, org, catalogue, stores)
    w = s.writer
    ids = {
        "comment": w.table(Comment),
        "visit": w.table(Visit),
        "part": w.table(PartUsage),
        "pause": w.table(PauseSegment),
    }
    simulator = Simulator(s.rng, ids)
    finisher = Finisher(w, s.as_of, escalation_steps(), org.executives)
    tickets = w.table(Ticket)
    tables = list(w.tables.values())  # every table rows may be added to from here on
    total, started = len(arrivals), time.monotonic()

    def batches():
        for first in range(0, total, s.batch_size):
            for code in arrivals[first : first + s.batch_size]:
                spec = builder.build(code, tickets.new_id())
                finisher.finish(spec, simulator.simulate(spec))
            yield min(total, first + s.batch_size), finisher.event_count
        if len(w.tables) != len(tables):  # a table first used in the loop would not be written
            raise RuntimeError("seed: every table must be opened before the ticket loop")
        return [store.last_assignee for store in stores]

    def report(progress) -> None:
        done, events = progress
        rate = done / max(time.monotonic() - started, 1e-6)
        s.progress(f"tickets {done:,}/{total:,} ({100 * done // total} %) {rate:,.0f}/s · events {events:,}")

    # Two processes only where it pays: the fork costs more than a small seed takes.
    fork = s.fork and can_fork() and total > 2 * s.batch_size
    last_assignees = run_batches(batches, tables, report, fork=fork)
    with transaction.atomic():
        for store, last in zip(stores, last_assignees, strict=True):
            w.add(AssignmentCursor, {"store_id": store.info.id, "last_assignee_id": last})
        w.flush()
    return total


def _arrivals(s: Seed, stores: list[StoreCtx]) -> list[int]:
    """Creation instants, more on weekdays and in opening hours, fewer on holidays, AC faults peaking in
    summer. Encoded as ts * 32 + store index * 2 + open flag, so a million of them sort as plain ints."""
    rng = s.rng
    days = [s.first_day + timedelta(days=i) for i in range((s.today - s.first_day).days)]
    shares = [len(store.customers.customers) * rng.uniform(0.85, 1.15) for store in stores]
    counts = [int(s.ticket_count * share / sum(shares)) for share in shares]
    counts[0] += s.ticket_count - sum(counts)
    codes: list[int] = []
    for store, count in zip(stores, counts, strict=True):
        cal = store.cal
        weights = []
        for i, day in enumerate(days):
            open_day = bool(cal.by_day.get(day))
            weight = (WEEKDAY_WEIGHTS[day.weekday()] if day.weekday() < 5 else 0.85) if open_day else 0.4
            if store.info.domain == "appliance" and day.month in (6, 7, 8):
                weight *= 1.35
            weights.append(weight * (0.9 + 0.2 * i / len(days)))
        cumulative = list(itertools.accumulate(weights))
        midnights = [int(s.local_midnight(day).timestamp()) for day in days]
        for _ in range(count):
            d = bisect.bisect_right(cumulative, rng.random() * cumulative[-1])
            spans = cal.by_day.get(days[d])
            if spans and rng.random() < 0.72:
                offset = rng.randrange(sum(end - start for start, end in spans))
                for start, end in spans:
                    if offset < end - start:
                        ts = start + offset
                        break
                    offset -= end - start
            else:
                ts = midnights[d] + rng.randint(7 * 3600, 22 * 3600 + 1800)
            codes.append(ts * 32 + store.index * 2 + cal.is_open(ts))
    codes.sort()
    return codes


class _Builder:
    def __init__(self, s: Seed, org: OrgData, catalogue: Catalogue, stores: list[StoreCtx]):
        self.s, self.rng, self.org, self.catalogue, self.stores = s, s.rng, org, catalogue, stores
        self.kinds = Choice(KINDS)
        self.channels = {True: Choice(OPEN_CHANNELS), False: Choice(CLOSED_CHANNELS)}
        self.priorities = {kind: Choice(pairs) for kind, pairs in PRIORITIES.items()}
        self.leaf_choices: dict[tuple[int, int], Choice] = {}
        self.replacements = itertools.count(9_000_001)
        self.as_of = int(s.as_of.timestamp())

    def _leaf(self, asset: AssetInfo, month: int) -> Leaf:
        key = (asset.model.id, month)
        if key not in self.leaf_choices:
            factor = {6: "summer", 7: "summer", 8: "summer", 12: "winter", 1: "winter", 2: "winter"}.get(
                month
            )
            pairs = [
                (leaf, leaf.weight * (getattr(leaf, factor) if factor else 1.0))
                for leaf in asset.model.leaves
            ]
            self.leaf_choices[key] = Choice(pairs)
        return self.leaf_choices[key].pick(self.rng)

    def build(self, code: int, ticket_id: int) -> Spec:
        rng, org = self.rng, self.org
        t0, store_index, is_open = code >> 5, (code >> 1) & 15, bool(code & 1)
        store = self.stores[store_index]
        info, domain = store.info, store.info.domain
        created = datetime.fromtimestamp(t0, UTC)
        day = created.astimezone(store.cal.tz).date()
        kind = self.kinds.pick(rng)
        channel = self.channels[is_open].pick(rng)
        needs_asset = kind not in ("inquiry", "complaint")
        for _ in range(6):
            customer = store.customers.pick(rng)
            usable = [asset for asset in customer.assets if asset.usable_from <= day]
            if usable or not needs_asset:
                break
        if not usable:
            kind, needs_asset = "inquiry", False
        asset = None
        if usable and (needs_asset or rng.random() < 0.7):
            recent = [a for a in usable if (day - a.usable_from).days <= 30] if kind == "installation" else []
            asset = rng.choice(recent or usable)
        leaf = self._leaf(asset, day.month) if asset and kind in ("repair", "return") else None
        if leaf is None and asset and kind == "complaint" and rng.random() < 0.3:
            leaf = self._leaf(asset, day.month)
        if leaf is not None:
            fault_code, subject, detail = leaf.code, rng.choice(leaf.subjects), rng.choice(leaf.details)
            if kind == "return":
                subject = rng.choice(texts.RETURN_SUBJECTS[domain]).format(subject=subject)
            elif kind == "complaint":
                subject = f"投诉：{subject}多次维修未解决"
        else:
            fault_code, subjects, details = texts.KIND_TEXTS[
                (domain, kind if kind != "repair" else "inquiry")
            ]
            subject, detail = rng.choice(subjects), rng.choice(details)
            if "{family}" in subject:
                subject = subject.format(family=texts.FAMILY_NAMES[asset.model.family] if asset else "家电")
            if kind == "inquiry" and rng.random() < 0.4:
                fault_code = None
        description = (
            INTROS[channel] + (f"{asset.model.name}（{asset.serial}）" if asset else "") + detail + "。"
        )
        if asset:
            months = max(1, (day - asset.usable_from).days // 30)
            if domain == "vehicle":
                description += f"当前里程约 {months * rng.randint(900, 2200):,} 公里。"
            else:
                description += f"购买约 {months} 个月。"
        priority = self.priorities[kind].pick(rng)
        if customer.tier == "vip" and rng.random() < 0.3:
            priority = BUMP[priority]
        in_warranty, parts, labour = asset.warranty_on(day) if asset else (None, 0, 0)
        fault_id = org.faults[fault_code] if fault_code else None
        assignee = self._assignee(store, fault_id, day)
        if t0 > self.as_of - 6 * 3600 and rng.random() < 0.4:
            assignee = None  # just arrived, still in the unassigned queue
        if assignee:
            store.last_assignee = assignee
        if channel in ("phone", "walk_in", "email"):
            created_by = assignee if assignee and rng.random() < 0.6 else rng.choice(info.specialists)
        else:
            created_by = customer.user_id if channel == "portal" else None
        sla = self.catalogue.sla_for(info.id, customer.tier, kind, priority)
        model = asset.model if asset else None
        return Spec(
            id=ticket_id,
            number=f"SR{day:%y%m}-{ticket_id:06d}",  # as ticket_register: the store's month and the id
            t0=t0,
            store=store,
            customer=customer,
            asset=asset,
            kind=kind,
            channel=channel,
            priority=priority,
            leaf=leaf,
            fault_id=fault_id,
            subject=subject,
            description=description,
            sla=sla,
            assignee=assignee,
            manual_assign=rng.random() < 0.05,
            created_by=created_by,
            tracking_token=base64.urlsafe_b64encode(rng.getrandbits(192).to_bytes(24, "big")).decode(),
            in_warranty=in_warranty,
            parts_percent=parts,
            labour_percent=labour,
            new_serial=lambda: appliance_serial(
                model.code_part, year=day.year, month=day.month, sequence=next(self.replacements)
            ),
        )

    def _assignee(self, store: StoreCtx, fault_id: int | None, day: date) -> int | None:
        """Like `assignment.candidates_for`: specialists of the store not on leave, skilled in the fault
        category when anyone is; then one of them at random (the product balances by open load)."""
        leaves = self.org.leaves

        def available(user: int) -> bool:
            return not any(a <= day <= b for a, b in leaves.get(user, ()))

        skilled = (
            [user for user in store.info.skilled.get(fault_id, ()) if available(user)] if fault_id else []
        )
        pool = skilled or [user for user in store.info.specialists if available(user)]
        return self.rng.choice(pool) if pool else None
