"""Writes of the KPI app: refreshing the stored snapshots from the engine.

Three ways in, one writer (`_refresh_periods`): `kpi_snapshots_refresh` recomputes every period from a
day on (the command, the nightly reconcile); `kpi_snapshots_refresh_days` only the periods holding some
days; `kpi_snapshots_refresh_stale` drains the days the write services marked (`core.staleness`)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.db import connections, router, transaction

from aftersales.core import clock
from aftersales.core.models import KpiStaleDay
from aftersales.kpi.catalogue import CATALOGUE
from aftersales.kpi.engine import (
    kpi_values,
    next_period_start,
    organisation_zone,
    period_start_of,
    period_starts,
    previous_period_start,
)
from aftersales.kpi.models import KpiSnapshot, KpiSnapshotPeriod
from aftersales.kpi.semantic import Grain

PERIODS_PER_CHUNK = 12  # periods computed and written together: one transaction, one progress line


@dataclass(frozen=True)
class SnapshotShape:
    grain: Grain
    breakdown: str | None  # None: the value over all keys only


# What the snapshots store: each KPI per period of the grain, for all keys or per key of the breakdown.
# The one list the refreshes share (full, of marked days, nightly); the dashboards read it (kpi.snapshots,
# ADR 0010): what they show at their default grain and breakdowns, and the week for the company's and the
# stores' trends. A composite "store/X" is X within each store: a store's viewer reads it without the
# live engine. Anything else is computed live.
SNAPSHOT_SHAPES: tuple[SnapshotShape, ...] = (
    *(
        SnapshotShape(Grain.MONTH, breakdown)
        for breakdown in (
            None,
            "store",
            "specialist",
            "fault_category",
            "store/specialist",
            "store/fault_category",
        )
    ),
    SnapshotShape(Grain.WEEK, None),
    SnapshotShape(Grain.WEEK, "store"),
)

SNAPSHOT_WRITE_LOCK = 0x6B70_6973  # PostgreSQL advisory lock key ("kpis"), the same in every process
RECONCILE_MONTHS = 24  # the nightly reconcile recomputes this many months back (and the current one)
DELETE_CHUNK = 500  # marks deleted per statement (ids in one IN list)


@dataclass(frozen=True)
class RefreshProgress:
    grain: str
    breakdown: str | None
    first: date
    last: date
    done: int  # periods written so far for this grain and breakdown
    total: int
    rows: int  # snapshot rows written by this chunk


Progress = Callable[[RefreshProgress], None]


def _current_period(grain: Grain) -> date:
    return period_start_of(clock.now().astimezone(organisation_zone()).date(), grain)


def kpi_snapshots_refresh(
    *,
    since: date,
    shapes: tuple[SnapshotShape, ...] = SNAPSHOT_SHAPES,
    progress: Progress = lambda step: None,
) -> int:
    """Recompute every KPI for every period of each shape's grain from the one containing `since` to the
    current one, for all keys or per key of the shape's breakdown (the KPIs that have it), and replace
    the stored snapshots of those periods (rows of keys that no longer appear go too). Company-wide:
    snapshots are not scoped; readers scope. Returns the number of rows written."""
    written = 0
    for shape in shapes:
        grain = Grain(shape.grain)
        periods = period_starts(since, next_period_start(_current_period(grain), grain), grain)
        written += _refresh_periods(periods, shape=shape, progress=progress)
    return written


def kpi_snapshots_refresh_days(
    days: Iterable[date],
    *,
    shapes: tuple[SnapshotShape, ...] = SNAPSHOT_SHAPES,
    progress: Progress = lambda step: None,
) -> int:
    """Recompute only the periods (of each shape's grain) that hold one of `days`, up to the current
    period (a future day has no period stored yet). Returns the number of rows written."""
    days = set(days)
    written = 0
    for shape in shapes:
        grain = Grain(shape.grain)
        current = _current_period(grain)
        periods = sorted({period_start_of(day, grain) for day in days})
        periods = [period for period in periods if period <= current]
        written += _refresh_periods(periods, shape=shape, progress=progress)
    return written


@dataclass(frozen=True)
class StaleRefresh:
    marks: int  # marks drained
    days: list[date]  # the distinct days they named
    rows: int  # snapshot rows written


def kpi_snapshots_refresh_stale(*, progress: Progress = lambda step: None) -> StaleRefresh:
    """Drain the stale-day marks: recompute the periods holding their days, then delete exactly the marks
    read. A mark committed meanwhile (even one with a lower id, from a transaction that began earlier)
    was not read, so it stays and the next run recomputes its period again. Every mark read was
    committed with its change, so the recomputation (which reads afterwards) sees that change."""
    marks = list(KpiStaleDay.objects.values_list("pk", "day"))
    days = sorted({day for _pk, day in marks})
    rows = kpi_snapshots_refresh_days(days, progress=progress) if days else 0
    ids = [pk for pk, _day in marks]
    for start in range(0, len(ids), DELETE_CHUNK):
        KpiStaleDay.objects.filter(pk__in=ids[start : start + DELETE_CHUNK]).delete()
    return StaleRefresh(marks=len(marks), days=days, rows=rows)


def reconcile_since() -> date:
    """The first day the nightly reconcile recomputes: the first of the month RECONCILE_MONTHS back."""
    month = _current_period(Grain.MONTH)
    months = month.year * 12 + month.month - 1 - RECONCILE_MONTHS
    return date(months // 12, months % 12 + 1, 1)


def kpi_snapshots_reconcile(*, progress: Progress = lambda step: None) -> int:
    """Recompute every stored shape over the last RECONCILE_MONTHS months, whatever was
    marked. It catches what no write marks: right-censored KPIs change as "now" moves (a repair's 30 days
    run out, a response deadline passes, a customer's six months end) without any row changing, and
    rows changed outside the services (the admin, a shell, a migration)."""
    return kpi_snapshots_refresh(since=reconcile_since(), shapes=SNAPSHOT_SHAPES, progress=progress)


def _runs(periods: list[date], grain: Grain) -> list[list[date]]:
    """`periods` (sorted) cut into runs of consecutive periods, at most PERIODS_PER_CHUNK long: each run
    is one engine call over a half-open range and one transaction."""
    runs: list[list[date]] = []
    for period in periods:
        run = runs[-1] if runs else None
        if run and len(run) < PERIODS_PER_CHUNK and next_period_start(run[-1], grain) == period:
            run.append(period)
        else:
            runs.append([period])
    return runs


def _serialize_snapshot_writes() -> None:
    """Let one transaction at a time replace snapshots: two refreshes of the same period at once (the
    minute job and the nightly one, or the command) would otherwise both delete, then both insert the
    same keys. PostgreSQL: a transaction-scoped advisory lock; SQLite has a single writer anyway."""
    connection = connections[router.db_for_write(KpiSnapshot)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SNAPSHOT_WRITE_LOCK])


def _refresh_periods(periods: list[date], *, shape: SnapshotShape, progress: Progress) -> int:
    grain, breakdown = Grain(shape.grain), shape.breakdown
    codes = [kpi.code for kpi in CATALOGUE.breakable_by(breakdown)]
    written = done = 0
    for run in _runs(periods, grain):
        end = next_period_start(run[-1], grain)
        # Computed outside the transaction (on SQLite a write transaction blocks every writer, new
        # requests too); stamped with the moment reading began, so that of two refreshes of a period at
        # once the one that read later wins whichever writes last.
        started = clock.now()
        values = kpi_values(codes=codes, start=run[0], end=end, grain=grain, breakdown=breakdown, user=None)
        with transaction.atomic():
            _serialize_snapshot_writes()
            in_run = {
                "grain": grain,
                "breakdown": breakdown or "",
                "period_start__gte": run[0],
                "period_start__lt": end,
            }
            stored = KpiSnapshot.objects.filter(**in_run)
            marked = KpiSnapshotPeriod.objects.filter(**in_run)
            newer = set(marked.filter(computed_at__gt=started).values_list("period_start", flat=True))
            newer |= set(stored.filter(computed_at__gt=started).values_list("period_start", flat=True))
            rows = [
                KpiSnapshot(
                    kpi=cell.kpi,
                    grain=grain,
                    period_start=cell.period,
                    breakdown=breakdown or "",
                    key=cell.key or "",
                    value=cell.value,
                    numerator=cell.numerator,
                    denominator=cell.denominator,
                    n=cell.n,
                    computed_at=started,
                )
                for cell in values.cells.values()
                # a period refreshed meanwhile keeps its rows
                if _stored(cell, breakdown, values.found, grain) and cell.period not in newer
            ]
            stored.exclude(period_start__in=newer).delete()
            marked.exclude(period_start__in=newer).delete()
            KpiSnapshot.objects.bulk_create(rows, batch_size=1000)
            # each period written is marked, with its values: "written, nothing there" is not "not
            # written yet" to a reader (kpi.snapshots)
            KpiSnapshotPeriod.objects.bulk_create(
                KpiSnapshotPeriod(
                    grain=grain, breakdown=breakdown or "", period_start=period, computed_at=started
                )
                for period in run
                if period not in newer
            )
        written += len(rows)
        done += len(run)
        progress(RefreshProgress(grain, breakdown, run[0], run[-1], done, len(periods), len(rows)))
    return written


def _stored(cell, breakdown: str | None, found, grain: Grain) -> bool:
    """The all row is stored once, unbroken; a key only in the periods it has rows in (as the engine
    lists keys), so that the snapshots list the same keys as the engine for any range; a growth rate's
    key also in the period after its last rows (it fell to nothing: -100 %)."""
    if breakdown is None:
        return cell.key is None
    if (cell.period, cell.key) in found:
        return True
    return cell.kpi in _GROWTH and (previous_period_start(cell.period, grain), cell.key) in found


_GROWTH = frozenset(
    kpi.code for kpi in CATALOGUE.kpis if any(needed.previous for needed in CATALOGUE.closure([kpi.code]))
)
