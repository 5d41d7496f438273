"""Reading KPI values from the stored snapshots instead of the raw rows (ADR 0010).

    read = snapshot_values(codes=[...], start=..., end=..., grain=Grain.MONTH, breakdown="store", user=user)
    read.values      # the engine's KpiValues: the same periods, keys and cells `kpi_values` would give
    read.as_of       # when the oldest of the stored values used was computed (None: all computed live)
    read.live        # the periods computed live by the engine (not stored yet, or only partly in range)

Same arguments, same answer as `engine.kpi_values`, in two queries (the periods stored, their values)
when the snapshots can answer, plus the engine's one query per dataset for the periods they cannot.
Snapshots are company-wide, so the reader scopes them as the engine scopes rows (ADR 0003):

- a viewer of every store (and no `stores` filter) reads any snapshot: the all row, the breakdown's keys;
- anybody else sees the stores of `visible_to`, narrowed by `stores`. When that is exactly one store, its
  values are the "store" breakdown's row of that store, and its keys those of the composite breakdown
  "store/<breakdown>" under that store's prefix ("store-a/zhangwei" -> "zhangwei");
- otherwise (several stores: a median cannot be added up; no store; a breakdown or grain not stored;
  company-wide figures a store's viewer may not see) the engine computes it live, with its own scoping.

A period is read from the snapshots only when every stored shape it needs was written for it
(KpiSnapshotPeriod) and it lies wholly inside [start, end); the others are computed live in one engine
call over their span, so a fresh install or a period not refreshed yet is right, never an empty "—".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from django.db.models import Q

from aftersales.accounts.models import Store
from aftersales.kpi.catalogue import CATALOGUE
from aftersales.kpi.engine import (
    Cell,
    KpiValues,
    _cell,
    _may_see,
    _sees_every_store,
    _validated,
    kpi_values,
    next_period_start,
    period_starts,
    previous_period_start,
)
from aftersales.kpi.models import KpiSnapshot, KpiSnapshotPeriod
from aftersales.kpi.semantic import Grain
from aftersales.kpi.services import SNAPSHOT_SHAPES


@dataclass
class SnapshotRead:
    values: KpiValues
    as_of: datetime | None = None  # the oldest computed_at of the stored values used
    live: list[date] = field(default_factory=list)  # periods computed live


@dataclass(frozen=True)
class _Source:
    """Where the values come from in the snapshots: the all row (breakdown, key) and the breakdown's rows
    (breakdown, key prefix)."""

    all_breakdown: str
    all_key: str
    key_breakdown: str | None
    key_prefix: str = ""  # a composite's keys under one store: "store-a/"
    only_key: str | None = None  # the one key a store's viewer reads by store: their store's

    def shapes(self) -> set[str]:
        return {self.all_breakdown, *([self.key_breakdown] if self.key_breakdown is not None else [])}

    def key_of(self, breakdown: str, key: str) -> str | None:
        """The breakdown key a stored row is for, None when it is not one of the source's keys."""
        if breakdown != self.key_breakdown:
            return None
        if self.only_key is not None:
            return key if key == self.only_key else None
        return key[len(self.key_prefix) :] if key.startswith(self.key_prefix) else None


STORED = {(shape.grain, shape.breakdown or "") for shape in SNAPSHOT_SHAPES}


def snapshot_values(
    *,
    codes: list[str],
    start: date,
    end: date,
    grain: Grain | str = Grain.MONTH,
    breakdown: str | None = None,
    user,
    stores=None,
    keys: list[str] | None = None,
) -> SnapshotRead:
    """`kpi_values` with the same arguments, read from the snapshots where they can answer exactly.
    `keys`, when given, limits the breakdown keys read to those (a person's own dashboard)."""
    kpis, grain = _validated(codes, start, end, grain, breakdown)
    source = _source(kpis, grain, breakdown, user, stores)
    periods = period_starts(start, end, grain)
    stored: dict[date, datetime] = {}
    if source is not None:
        stored = _stored_periods(
            source, grain, [p for p in periods if start <= p and next_period_start(p, grain) <= end]
        )
    live = [period for period in periods if period not in stored]
    cells: dict[tuple[str, date, str | None], Cell] = {}
    found: set[tuple[date, str]] = set()
    if stored:
        for kpi, period, row_breakdown, row_key, value, numerator, denominator, n in _rows(
            source, grain, [kpi.code for kpi in kpis], sorted(stored), keys
        ):
            key = source.key_of(row_breakdown, row_key)
            if key is not None:
                cells[(kpi, period, key)] = Cell(kpi, period, key, value, numerator, denominator, n)
                found.add((period, key))
            if (row_breakdown, row_key) == (source.all_breakdown, source.all_key):
                cells[(kpi, period, None)] = Cell(kpi, period, None, value, numerator, denominator, n)
    if live:
        # one engine call over the span of the periods not stored (those stored inside it are ignored)
        computed = kpi_values(
            codes=codes,
            start=max(start, live[0]),
            end=min(end, next_period_start(live[-1], grain)),
            grain=grain,
            breakdown=breakdown,
            user=user,
            stores=stores,
        )
        for (code, period, key), cell in computed.cells.items():
            if period in live and (key is None or keys is None or key in keys):
                cells[(code, period, key)] = cell
        found |= {(period, key) for period, key in computed.found if period in live}
    all_keys = sorted({key for _period, key in found if keys is None or key in keys})
    _fill_empty(kpis, periods, all_keys, grain, start, end, cells, user, stores)
    return SnapshotRead(
        values=KpiValues(
            kpis=kpis,
            periods=periods,
            keys=all_keys,
            breakdown=breakdown,
            grain=grain,
            cells=cells,
            found=frozenset(found),
        ),
        as_of=min(stored.values()) if stored else None,
        live=live,
    )


def _source(kpis, grain: Grain, breakdown: str | None, user, stores) -> _Source | None:
    """Which snapshots answer for `user` (and `stores`), or None: the engine computes it live."""
    needed = CATALOGUE.closure([kpi.code for kpi in kpis])
    datasets = {measure.dataset for kpi in needed for measure in kpi.measures}
    if not all(_may_see(dataset, user, stores) for dataset in datasets):
        return None  # a store's viewer gets no value for company-wide figures: the engine says so
    if any(kpi.previous for kpi in needed) or any(dataset.until_field for dataset in datasets):
        # a growth rate's keys include those of the period before the range; a dataset of intervals
        # (in force on a day) lists a key for every period of the range it was computed over: live
        return None
    if _sees_every_store(user) and stores is None:
        source = _Source("", "", breakdown)
    else:
        store = _only_store(user, stores)
        if store is None:
            return None
        if breakdown == "store":
            source = _Source("store", store, "store", only_key=store)
        else:
            source = _Source("store", store, f"store/{breakdown}" if breakdown else None, f"{store}/")
    shapes = source.shapes()
    if not all((grain, shape) in STORED for shape in shapes):
        return None
    # every KPI asked must be among those stored for each shape (those that have the breakdown)
    if not all({kpi.code for kpi in kpis} <= _stored_codes(shape) for shape in shapes):
        return None
    return source


@lru_cache(maxsize=64)
def _stored_codes(breakdown: str) -> frozenset[str]:
    """The KPIs a shape's snapshots hold (the catalogue is fixed at start-up)."""
    return frozenset(kpi.code for kpi in CATALOGUE.breakable_by(breakdown or None))


def _only_store(user, stores) -> str | None:
    """The code of the one store whose rows `user` sees (narrowed by `stores`), else None. Stores given
    as objects (a store's dashboard) cost no query: the memberships are read once per request."""
    if user is None or not (user.is_authenticated and user.is_active and user.is_staff_member):
        return None
    if stores is not None and all(isinstance(store, Store) for store in stores):
        codes = {store.code for store in stores if _sees_every_store(user) or store.pk in user.store_ids}
        return codes.pop() if len(codes) == 1 else None
    visible = Store.objects.all()
    if not _sees_every_store(user):
        visible = visible.filter(pk__in=sorted(user.store_ids))
    if stores is not None:
        visible = visible.filter(pk__in=[getattr(store, "pk", store) for store in stores])
    codes = list(visible.values_list("code", flat=True)[:2])
    return codes[0] if len(codes) == 1 else None


def _stored_periods(source: _Source, grain: Grain, periods: list[date]) -> dict[date, datetime]:
    """The periods written for every shape the source reads, each with its oldest computation time."""
    if not periods:
        return {}
    shapes = source.shapes()
    marked: dict[date, dict[str, datetime]] = {}
    for breakdown, period, computed_at in KpiSnapshotPeriod.objects.filter(
        grain=grain, breakdown__in=sorted(shapes), period_start__in=periods
    ).values_list("breakdown", "period_start", "computed_at"):
        marked.setdefault(period, {})[breakdown] = computed_at
    return {period: min(times.values()) for period, times in marked.items() if set(times) == shapes}


def _rows(source: _Source, grain: Grain, codes: list[str], periods: list[date], keys):
    """One query: the all row and the breakdown's rows of the source, for the KPIs and periods."""
    wanted = Q(breakdown=source.all_breakdown, key=source.all_key)
    if source.key_breakdown is not None:
        of_keys = Q(breakdown=source.key_breakdown)
        if source.only_key is not None:
            of_keys &= Q(key=source.only_key)
        elif keys is not None:
            of_keys &= Q(key__in=[f"{source.key_prefix}{key}" for key in keys])
        elif source.key_prefix:
            of_keys &= Q(key__startswith=source.key_prefix)
        wanted |= of_keys
    return (
        KpiSnapshot.objects.filter(wanted, grain=grain, kpi__in=codes, period_start__in=periods)
        .order_by()
        .values_list("kpi", "period_start", "breakdown", "key", "value", "numerator", "denominator", "n")
    )


def _fill_empty(kpis, periods, keys, grain, start, end, cells, user, stores) -> None:
    """The cells without a stored row: a key with no rows in a period (not stored, as the engine finds
    none), or the store of a store's viewer without any. Each is what the engine gives for no rows."""
    needed = CATALOGUE.closure([kpi.code for kpi in kpis])
    unseen = {
        measure.dataset.code
        for kpi in needed
        for measure in kpi.measures
        if not _may_see(measure.dataset, user, stores)
    }
    for period in periods:
        days = (min(next_period_start(period, grain), end) - max(period, start)).days
        earlier = previous_period_start(period, grain)
        for key in [*keys, None]:
            for kpi in needed:
                if (kpi.code, period, key) not in cells:
                    cells[(kpi.code, period, key)] = _cell(kpi, period, earlier, key, {}, cells, days, unseen)
