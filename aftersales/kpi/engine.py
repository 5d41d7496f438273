"""The KPI engine: the values of some KPIs, per period and breakdown key, in one SQL query per dataset.

    result = kpi_values(codes=["csat_t2b", "mttr_h"], start=date(2026, 1, 1), end=date(2026, 7, 1),
                        grain=Grain.MONTH, breakdown="store", user=request.user)
    result.cell("csat_t2b", date(2026, 3, 1), "store-a").value     # 0.93, or None for "no value"

How it works (ADR 0005; how the query runs, ADR 0012):
1. The KPIs asked for, plus the KPIs their expressions read, give a set of measures; measures are grouped
   by dataset.
2. For each dataset, one query: the rows the user may see, in the half-open range [start, end) of the
   organisation's time zone, grouped by (period, breakdown key) with one conditional aggregate per
   measure (a percentile gathers its values; Python interpolates). The "all" row is the keys' rows added
   up (counts, sums, the values gathered; a distinct count gathers each key's distinct values and counts
   their union, since a customer seen in two stores is one customer) or, for a dataset with a repeated
   count, the same grouping by period alone, UNION ALL. It is thus a ratio of sums (and a true
   percentile), never a mean of the keys' ratios.
3. Each KPI cell is computed from its measures' values at the same (period, key): a ratio with a zero
   denominator has no value (None, shown "—"), never 0.
4. A KPI that reads the period before (`Kpi.previous`, a growth rate) makes the datasets behind those
   inputs read one more period, before the range, in the same query; its cells are computed and dropped.
5. An interval dataset (`Dataset.until_field`) is grouped by key only, with one conditional aggregate per
   measure and period: the rows in force on the period's last day (or today, for the running period).
Records whose look-ahead window has not elapsed at `clock.now()` are left out by the measure's Censor.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist
from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    Field,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import (
    Cast,
    Coalesce,
    Concat,
    TruncDay,
    TruncMonth,
    TruncQuarter,
    TruncWeek,
    TruncYear,
)
from django.utils.translation import gettext as _

from aftersales.core import clock
from aftersales.core.errors import ApplicationError
from aftersales.kpi.catalogue import CATALOGUE
from aftersales.kpi.semantic import (
    PERIOD_DAYS,
    Aggregation,
    Dataset,
    Grain,
    Kpi,
    Measure,
    Scoping,
    dataset_is_dated,
    prior,
)
from aftersales.service.models import Ticket

TRUNC = {
    Grain.DAY: TruncDay,
    Grain.WEEK: TruncWeek,
    Grain.MONTH: TruncMonth,
    Grain.QUARTER: TruncQuarter,
    Grain.YEAR: TruncYear,
}
MAX_PERIODS = 400  # a day grain over a year and a bit; beyond that the table is unreadable anyway


def organisation_zone() -> ZoneInfo:
    """Periods are cut in one zone for the whole organisation (kpi-definitions §0.1)."""
    return ZoneInfo(settings.TIME_ZONE)


# --- percentiles on both backends -----------------------------------------------------------------------


def interpolated_percentile(values: list[float], fraction: float) -> float | None:
    """PostgreSQL's percentile_cont, operation for operation: the value at position fraction × (n − 1) of
    the sorted values, linearly interpolated."""
    return percentile_of_sorted(sorted(values), fraction)


def percentile_of_sorted(ordered: list[float], fraction: float) -> float | None:
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    lower, upper = int(position // 1), -int(-position // 1)
    if lower == upper:
        return float(ordered[lower])
    low, high = float(ordered[lower]), float(ordered[upper])
    return low + (high - low) * (position - lower)


class Gathered(Aggregate):
    """The values of an expression over the group's rows, from which the engine computes percentiles in
    Python (ADR 0011): array_agg on PostgreSQL (a list of floats), group_concat on SQLite (text, each
    value printed with 17 significant digits, which gives a float back exactly).

    Why not percentile_cont: an ordered-set aggregate makes PostgreSQL sort every row of the range by its
    group before aggregating (914,000 rows for the core KPIs over two years), and SQLite has none, so it
    ran as a Python aggregate called once per row. Gathering is native on both, needs no sort (the query
    hash-aggregates), and gathered values merge: the "all keys" row is the union of the keys' values
    rather than a second scan of the table."""

    function = "ARRAY_AGG"
    name = "Gathered"
    output_field = Field()  # a list on PostgreSQL, text on SQLite: `_gathered` reads both

    def __init__(self, expression, **extra):
        super().__init__(Cast(expression, FloatField()), **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        sqlite = self.copy()
        sqlite.function = "GROUP_CONCAT"
        # "%%%%" is "%" once Django's SQLite cursor has turned "%%" back into "%"
        sqlite.template = "%(function)s(printf('%%%%.17g', %(expressions)s))"
        return sqlite.as_sql(compiler, connection, **extra_context)


def _gathered(values) -> list[float]:
    """The sorted values of a Gathered column, from either backend (None: no rows)."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [float(value) for value in values.split(",")]
    values.sort()
    return values


# --- distinct values on both backends --------------------------------------------------------------------


class DistinctValues(Aggregate):
    """The distinct values of an expression over the group's rows, for a distinct count whose "all keys" row
    is merged from the keys' rows: the all-keys count is the size of the union of the keys' sets (ADR
    0012). array_agg(DISTINCT) on PostgreSQL; json_group_array(DISTINCT) on SQLite, whose group_concat
    takes no separator together with DISTINCT, and JSON prints any value unambiguously (a text with a
    comma, an integer that must come back an integer). NULLs are left out by the caller's filter, as
    COUNT(DISTINCT) leaves them out: array_agg keeps them, json_group_array writes null.

    The values come back as each backend stores them: integers (ids) on both, dates as dates from
    PostgreSQL and as ISO text from SQLite (which stores them so). Only values of one backend are ever
    united, so equal values compare equal."""

    function = "ARRAY_AGG"
    name = "DistinctValues"
    allow_distinct = True
    output_field = Field()  # a list on PostgreSQL, JSON text on SQLite: `_distinct_values` reads both

    def __init__(self, expression, **extra):
        super().__init__(expression, distinct=True, **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        sqlite = self.copy()
        sqlite.function = "JSON_GROUP_ARRAY"
        return sqlite.as_sql(compiler, connection, **extra_context)


def _distinct_values(values) -> set:
    """The values of a DistinctValues column as a set, from either backend (None: no rows)."""
    if values is None:
        return set()
    if isinstance(values, str):
        return set(json.loads(values))
    return set(values)


# --- periods at a fixed offset -------------------------------------------------------------------------


class LocalPeriod(Func):
    """The first day of the `grain` period holding a timestamp, at a fixed UTC offset, without the zone's
    rules per row. Only for a zone that keeps one offset over the whole range (Asia/Shanghai always does;
    `_period_of` checks), where it gives the same dates as Django's Trunc in the zone.

    SQLite: its own date functions, where Django's `Trunc(..., tzinfo=)` calls Python once per row (about
    60 µs: two minutes for a million requests grouped twice). PostgreSQL: date_trunc of the timestamp
    `AT TIME ZONE INTERVAL '+08:00'`, a sixth cheaper than looking up the named zone for each row."""

    output_field = DateField()
    MODIFIERS = {
        Grain.DAY: "",
        Grain.WEEK: ", '-6 days', 'weekday 1'",  # back to the Monday on or before
        Grain.MONTH: ", 'start of month'",
        Grain.YEAR: ", 'start of year'",
    }

    def __init__(self, expression, grain: Grain, offset_minutes: int):
        self.grain, self.offset_minutes = grain, offset_minutes
        super().__init__(expression)

    def as_sqlite(self, compiler, connection, **extra_context):
        shift = f"'{self.offset_minutes:+d} minutes'"
        if self.grain == Grain.QUARTER:
            # back from the month's first day by (month − 1) mod 3 months
            template = (
                f"date(%(expressions)s, {shift}, 'start of month', "
                f"printf('-%%%%d months', (CAST(strftime('%%%%m', %(expressions)s, {shift}) AS integer) - 1) %%%% 3))"
            )
        else:
            template = f"date(%(expressions)s, {shift}{self.MODIFIERS[self.grain]})"
        return self.as_sql(compiler, connection, template=template, **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        sign = "-" if self.offset_minutes < 0 else "+"
        hours, minutes = divmod(abs(self.offset_minutes), 60)
        template = (
            f"(DATE_TRUNC('{self.grain.value}', %(expressions)s AT TIME ZONE INTERVAL "
            f"'{sign}{hours:02d}:{minutes:02d}'))::date"
        )
        return self.as_sql(compiler, connection, template=template, **extra_context)


def _period_of(when: str, grain: Grain, zone: ZoneInfo | None, since, until):
    """The expression of a row's period: at a fixed offset when the zone keeps one from `since` to
    `until` (sampled daily: a daylight-saving season lasts months), else Django's Trunc in the zone.
    Without a zone (a calendar date) there is no offset at all."""
    if zone is None:
        if connection.vendor == "sqlite":
            return LocalPeriod(when, grain, 0)
        return TRUNC[grain](when, output_field=DateField())
    days = (until - since).days + 1
    offsets = {(since + timedelta(days=day)).astimezone(zone).utcoffset() for day in range(days)}
    if len(offsets) == 1:
        return LocalPeriod(when, grain, int(offsets.pop().total_seconds() // 60))
    return TRUNC[grain](when, output_field=DateField(), tzinfo=zone)


# --- results --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One KPI in one period for one breakdown key (None: all keys together)."""

    kpi: str
    period: date
    key: str | None
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    n: int = 0


@dataclass(frozen=True)
class MeasureValue:
    value: float | None  # the count, sum, mean or percentile
    total: float  # count or sum (for a mean: the sum), the part a ratio reads
    n: int  # observations


COUNTS = (Aggregation.COUNT, Aggregation.COUNT_DISTINCT, Aggregation.COUNT_REPEATED)


def _nothing(measure: Measure) -> MeasureValue:
    """A measure over no rows: a count or sum of nothing is 0, a mean or percentile of nothing is none."""
    empty = measure.aggregation in COUNTS + (Aggregation.SUM,)
    return MeasureValue(value=0 if empty else None, total=0, n=0)


@dataclass
class KpiValues:
    kpis: list[Kpi]  # the KPIs asked for, in the order asked
    periods: list[date]  # every period of the range, empty ones included
    keys: list[str]  # the breakdown keys found (empty without a breakdown)
    breakdown: str | None
    grain: Grain
    cells: dict[tuple[str, date, str | None], Cell]
    # (period, key) pairs some dataset had rows for: which keys a period's snapshot stores (kpi.services)
    found: frozenset[tuple[date, str]] = frozenset()

    def cell(self, code: str, period: date, key: str | None = None) -> Cell:
        return self.cells[(code, period, key)]


# --- the computation ------------------------------------------------------------------------------------


def kpi_values(
    *,
    codes: list[str],
    start: date,
    end: date,
    grain: Grain | str = Grain.MONTH,
    breakdown: str | None = None,
    user,
    stores=None,
    now: datetime | None = None,
) -> KpiValues:
    """The values of the KPIs `codes` for each `grain` period of [start, end) (dates in the organisation's
    time zone), per `breakdown` key and for all keys, over what `user` may see (and, when given, only
    `stores`). `user=None` is the system itself (commands, snapshots): everything. Bad input raises
    ApplicationError naming the parameter."""
    kpis, grain = _validated(codes, start, end, grain, breakdown)
    now = now or clock.now()
    needed = CATALOGUE.closure([kpi.code for kpi in kpis])
    periods = period_starts(start, end, grain)
    # A growth rate reads some KPIs in the period before the range too: their datasets read one more period.
    looking_back = CATALOGUE.closure(list(dict.fromkeys(code for kpi in needed for code in kpi.previous)))
    before = previous_period_start(periods[0], grain) if looking_back else None
    reread = {measure.dataset for kpi in looking_back for measure in kpi.measures}
    by_dataset: dict[Dataset, list[Measure]] = defaultdict(list)
    for kpi in needed:
        for measure in kpi.measures:
            if measure not in by_dataset[measure.dataset]:
                by_dataset[measure.dataset].append(measure)
    measured: dict[tuple[str, str, date, str | None], MeasureValue] = {}
    keys: set[str] = set()
    found: set[tuple[date, str]] = set()
    unseen = {dataset.code for dataset in by_dataset if not _may_see(dataset, user, stores)}
    with analytic_session():
        for dataset, measures in by_dataset.items():
            if dataset.code in unseen:
                continue
            for (period, key), values in _query(
                dataset,
                measures,
                start=start,
                end=end,
                grain=grain,
                breakdown=breakdown,
                user=user,
                stores=stores,
                now=now,
                lookback=before if dataset in reread else None,
            ).items():
                if key is not None:
                    keys.add(key)
                    found.add((period, key))
                for code, value in values.items():
                    measured[(dataset.code, code, period, key)] = value
    cells: dict[tuple[str, date, str | None], Cell] = {}
    for period in [before, *periods] if before else periods:
        # The period's days inside [start, end): what a rate per day (days of supply) divides by. The
        # period before the range is a whole period.
        days = (
            min(next_period_start(period, grain), end) - (period if period == before else max(period, start))
        ).days
        earlier = previous_period_start(period, grain)
        for key in [*sorted(keys), None]:
            for kpi in looking_back if period == before else needed:
                cells[(kpi.code, period, key)] = _cell(
                    kpi, period, earlier, key, measured, cells, days, unseen
                )
    if before:
        cells = {place: cell for place, cell in cells.items() if place[1] != before}
    return KpiValues(
        kpis=kpis,
        periods=periods,
        keys=sorted(keys),
        breakdown=breakdown,
        grain=grain,
        cells=cells,
        found=frozenset(found),
    )


@contextmanager
def analytic_session():
    """On PostgreSQL, run the KPI queries in a transaction with JIT compilation off and more sort memory
    (`SET LOCAL`: both end with the transaction, and work behind a transaction-mode connection pooler).

    JIT compiled a one-pass aggregation of a million requests for longer (about 5 s of its 10 s) than it
    ran; with the default 4 MB of sort memory the percentiles' sorts spilled to temporary files. Sorting is
    discouraged (`enable_sort` off: a sort is still used where nothing else can do, as for a distinct
    count): the planner cannot tell how many periods a date_trunc over a timestamp yields, assumes one per
    row, and sorted the million rows for a group aggregate where a hash of the 300 groups costs a third."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(savepoint=False):  # nothing to roll back: reads only
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('jit', 'off', true), set_config('work_mem', %s, true), "
                "set_config('enable_sort', 'off', true)",
                [f"{settings.AFTERSALES_KPI_WORK_MEM_MB}MB"],
            )
        yield


def _validated(codes, start, end, grain, breakdown) -> tuple[list[Kpi], Grain]:
    if not codes:
        raise ApplicationError(_("Name at least one KPI code."), field="codes")
    unknown = [code for code in codes if CATALOGUE.get(code) is None]
    if unknown:
        raise ApplicationError(
            _("Unknown KPI code(s): %(codes)s.") % {"codes": ", ".join(unknown)}, field="codes"
        )
    if start >= end:
        raise ApplicationError(
            _("The period must end after it starts (start %(start)s, end %(end)s).")
            % {"start": start.isoformat(), "end": end.isoformat()},
            field="end",
        )
    try:
        grain = Grain(grain)
    except ValueError:
        raise ApplicationError(
            _("Unknown grain '%(grain)s': use one of %(grains)s.")
            % {"grain": grain, "grains": ", ".join(Grain)},
            field="grain",
        ) from None
    if len(period_starts(start, end, grain, limit=MAX_PERIODS)) > MAX_PERIODS:
        raise ApplicationError(
            _("More than %(max)s periods: choose a coarser grain or a shorter range.") % {"max": MAX_PERIODS},
            field="grain",
        )
    kpis = [CATALOGUE.by_code[code] for code in dict.fromkeys(codes)]
    if breakdown:
        datasets = {m.dataset for kpi in CATALOGUE.closure(codes) for m in kpi.measures}
        if not all(dataset_has_breakdown(dataset, breakdown) for dataset in datasets):
            supported = sorted(set.intersection(*(set(d.dimensions) for d in datasets)))
            if supported:
                message = _(
                    "These KPIs cannot be broken down by '%(breakdown)s'; choose one of %(supported)s."
                ) % {"breakdown": breakdown, "supported": ", ".join(supported)}
            else:
                message = _(
                    "These KPIs have no breakdown in common ('%(breakdown)s' included): ask for them "
                    "without a breakdown, or in separate groups."
                ) % {"breakdown": breakdown}
            raise ApplicationError(message, field="breakdown")
    return kpis, grain


def breakdown_dimensions(breakdown: str) -> list[str]:
    """The dimensions of a breakdown: one, or for a composite "store/specialist" each part, whose key is
    the parts' keys joined by "/" ("store-a/zhangwei"). Composites exist for the snapshots (a store's
    specialists read without the live engine, ADR 0010); store codes are slugs, so the first "/" splits."""
    return breakdown.split("/")


def dataset_has_breakdown(dataset: Dataset, breakdown: str) -> bool:
    return all(part in dataset.dimensions for part in breakdown_dimensions(breakdown))


def period_starts(start: date, end: date, grain: Grain, *, limit: int | None = None) -> list[date]:
    """The first day of every `grain` period that overlaps [start, end) (with `limit`, at most one more
    than `limit` of them: enough to tell that there are too many)."""
    starts = []
    current = period_start_of(start, grain)
    while current < end and (limit is None or len(starts) <= limit):
        starts.append(current)
        current = next_period_start(current, grain)
    return starts


def period_start_of(day: date, grain: Grain) -> date:
    if grain == Grain.DAY:
        return day
    if grain == Grain.WEEK:
        return day - timedelta(days=day.weekday())
    if grain == Grain.MONTH:
        return day.replace(day=1)
    if grain == Grain.QUARTER:
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, 1, 1)


def previous_period_start(first: date, grain: Grain) -> date:
    """The first day of the period before the one starting on `first`."""
    return period_start_of(first - timedelta(days=1), grain)


def next_period_start(first: date, grain: Grain) -> date:
    if grain == Grain.DAY:
        return first + timedelta(days=1)
    if grain == Grain.WEEK:
        return first + timedelta(days=7)
    months = {Grain.MONTH: 1, Grain.QUARTER: 3, Grain.YEAR: 12}[grain]
    month = first.month - 1 + months
    return date(first.year + month // 12, month % 12 + 1, 1)


def _sees_every_store(user) -> bool:
    return user is None or (user.is_authenticated and user.is_staff_member and user.sees_all_stores)


def _may_see(dataset: Dataset, user, stores) -> bool:
    """Company-wide figures belong to no store: neither a store's viewer nor a store filter gets them."""
    return dataset.scoping != Scoping.COMPANY or (_sees_every_store(user) and stores is None)


def _scoped(dataset: Dataset, user, stores) -> QuerySet:
    """The dataset's rows `user` may see (ADR 0003), optionally in `stores` only."""
    if dataset.scoping == Scoping.REQUEST:
        return _request_rows(dataset, user, stores)
    rows = apps.get_model(dataset.model).objects.all()
    if dataset.scoping == Scoping.COMPANY:
        if not _may_see(dataset, user, stores):
            return rows.none()
        return rows.filter(**{f"{dataset.store_path}__isnull": True}) if dataset.store_path else rows
    if stores is not None:
        rows = rows.filter(**{f"{dataset.store_path}__in": stores})
    if _sees_every_store(user):
        return rows
    if not (user.is_authenticated and user.is_active and user.is_staff_member):
        return rows.none()
    return rows.filter(**{f"{dataset.store_path}__in": sorted(user.store_ids)})


def _request_rows(dataset: Dataset, user, stores) -> QuerySet:
    """The dataset's rows whose service request `user` may see, optionally in `stores` only."""
    visible = Ticket.objects.all() if user is None else Ticket.objects.visible_to(user)
    if stores is not None:
        visible = visible.filter(store__in=stores)
    if not dataset.ticket_path:
        return visible
    rows = apps.get_model(dataset.model).objects.all()
    everything = user is None or (user.is_staff_member and user.sees_all_stores)
    if everything and stores is None:
        # The sub-select would name every request; rows about no request (a survey campaign's
        # invitations and answers) stay out, as they do for everybody else.
        return rows.filter(**{f"{dataset.ticket_path}__isnull": False})
    return rows.filter(**{f"{dataset.ticket_path}__in": visible.values("pk")})


def measure_condition(measure: Measure, now: datetime) -> Q | None:
    """Which rows a measure reads: its filter and its right-censoring at `now` (None: every row). The
    aggregates below and the drill-down (`kpi.drill`) share it."""
    condition = measure.filter
    if measure.censor is not None:
        censor = measure.censor
        elapsed = Q(**{f"{censor.window_from}__lte": now - censor.length})
        if censor.known is not None:
            elapsed |= censor.known
        condition = elapsed if condition is None else condition & elapsed
    return condition


def dataset_rows(
    dataset: Dataset, *, start: date, end: date, user, stores=None, now: datetime | None = None
) -> QuerySet:
    """The dataset's rows `user` may see whose attribution time falls in [start, end) of the
    organisation's zone (or, for calendar dates, in [start, end)): what the engine groups, and what the
    drill-down lists. For an interval dataset: the rows in force on the range's last day (or today, when
    the range runs on past it)."""
    if dataset.until_field:
        day = as_of_day(start, end, now or clock.now())
        return _scoped(dataset, user, stores).filter(_in_force(dataset, day, day))
    since, until, _zone = _bounds(dataset, start, end)
    when = dataset.time_field
    return _scoped(dataset, user, stores).filter(**{f"{when}__gte": since, f"{when}__lt": until})


def as_of_day(start: date, end: date, now: datetime) -> date:
    """The day an interval dataset is read at for the period [start, end): its last day, or today while
    the period is still running (what is in force now, not what will have lapsed by its end)."""
    today = now.astimezone(organisation_zone()).date()
    return max(start, min(end - timedelta(days=1), today))


def _in_force(dataset: Dataset, first: date, last: date) -> Q:
    """Rows of an interval dataset in force on some day of [first, last] (its start day and last day
    inclusive; no last day: open-ended)."""
    until = dataset.until_field
    return Q(**{f"{dataset.time_field}__lte": last}) & (
        Q(**{f"{until}__isnull": True}) | Q(**{f"{until}__gte": first})
    )


def _range_rows(dataset, *, start, end, grain, user, stores, lookback):
    """The rows grouped for [start, end), and with `lookback` those of the whole period before the range
    too (not the days of the range's first period that fall before `start`)."""
    if lookback is None:
        return dataset_rows(dataset, start=start, end=end, user=user, stores=stores)
    rows = dataset_rows(dataset, start=lookback, end=end, user=user, stores=stores)
    first = period_start_of(start, grain)
    if first < start:
        since, until, _zone = _bounds(dataset, first, start)
        rows = rows.exclude(**{f"{dataset.time_field}__gte": since, f"{dataset.time_field}__lt": until})
    return rows


def _bounds(dataset: Dataset, start: date, end: date):
    """The range's bounds and zone: midnights in the organisation's zone, or for a calendar day (imported
    facts), the dates themselves and no zone."""
    if dataset_is_dated(dataset):
        return start, end, None
    zone = organisation_zone()
    return datetime.combine(start, time(0), tzinfo=zone), datetime.combine(end, time(0), tzinfo=zone), zone


def _aggregates(
    measure: Measure,
    now: datetime,
    *,
    name: str = "",
    also: Q | None = None,
    twins=None,
    merging: bool = False,
):
    """The SQL aggregates of a measure, named after it (or `name`), over the rows of its condition and
    `also`. A repeated count needs `twins`: the rows of the group a row's value may occur on again. When
    the "all keys" row will be merged from the keys' rows (`merging`), a distinct count gathers its
    distinct values instead, as "d_" + its name: `_all_keys_rows` unites them, `_counted` counts them."""
    condition = _condition(measure, now, also)
    name, field = name or f"m_{measure.code}", measure.field
    match measure.aggregation:
        case Aggregation.COUNT:
            return {name: Count(field, filter=condition)}
        case Aggregation.COUNT_DISTINCT if merging:
            present = Q(**{f"{field}__isnull": False})  # COUNT(DISTINCT) leaves NULLs out; array_agg not
            return {
                f"d_{name}": DistinctValues(
                    field, filter=present if condition is None else condition & present
                )
            }
        case Aggregation.COUNT_DISTINCT:
            return {name: Count(field, filter=condition, distinct=True)}
        case Aggregation.COUNT_REPEATED:
            # A value counts when another row of the same group carries it too.
            again = twins.filter(**{field: OuterRef(field)}).exclude(pk=OuterRef("pk"))
            if measure.filter is not None or measure.censor is not None:
                again = again.filter(measure_condition(measure, now))
            repeated = Q(Exists(again))
            return {
                name: Count(
                    field, filter=repeated if condition is None else condition & repeated, distinct=True
                )
            }
        case Aggregation.SUM | Aggregation.AVG:
            return {name: Sum(field, filter=condition), f"{name}_n": Count(field, filter=condition)}
        case Aggregation.PERCENTILE:
            # Percentiles of one field over the same rows (a median and a p90) share one gathering.
            present = Q(**{f"{field}__isnull": False})  # array_agg keeps NULLs; printf makes them 0
            return {
                _gathering_name(field, condition): Gathered(
                    field, filter=present if condition is None else condition & present
                )
            }
    raise AssertionError(measure.aggregation)


def _condition(measure: Measure, now: datetime, also: Q | None) -> Q | None:
    condition = measure_condition(measure, now)
    if also is None:
        return condition
    return also if condition is None else condition & also


def _column(measure: Measure, now: datetime, *, name: str = "", also: Q | None = None) -> str:
    """The name of the grouped row's column that `_aggregates` gave the measure: for a percentile, its
    gathering (shared by the percentiles of one field over the same rows). Worked out once per query,
    not per cell: the gathering's name hashes the condition's text."""
    if measure.aggregation == Aggregation.PERCENTILE:
        return _gathering_name(measure.field, _condition(measure, now, also))
    return name or f"m_{measure.code}"


def _gathering_name(field: str, condition: Q | None) -> str:
    signature = f"{field}|{condition}".encode()
    return f"g_{hashlib.blake2b(signature, digest_size=6).hexdigest()}"


def _measure_value(measure: Measure, row: dict, name: str) -> MeasureValue:
    """The measure's value in a grouped row, from its column `name` (`_column`)."""
    if measure.aggregation == Aggregation.PERCENTILE:
        ordered = row[name]
        return MeasureValue(value=percentile_of_sorted(ordered, measure.percentile), total=0, n=len(ordered))
    if measure.aggregation in COUNTS:
        return MeasureValue(value=row[name], total=row[name], n=row[name])
    n, result = row[f"{name}_n"], row[name]
    result = None if result is None else float(result)  # sums of money columns come back as Decimal
    if measure.aggregation == Aggregation.SUM:
        return MeasureValue(value=result or 0, total=result or 0, n=n)
    return MeasureValue(value=result / n if n else None, total=result or 0, n=n)  # a mean


def _key_of(dataset: Dataset, breakdown: str):
    # An empty dimension (no assignee, no product) is the key "", so that None means all keys; a
    # composite's key is its parts' keys joined by "/" ("store-a/zhangwei").
    parts = [
        Coalesce(Cast(dataset.dimensions[part], CharField()), Value(""))
        for part in breakdown_dimensions(breakdown)
    ]
    return parts[0] if len(parts) == 1 else Concat(*_joined(parts, Value("/")), output_field=CharField())


def _query(dataset, measures, *, start, end, grain, breakdown, user, stores, now, lookback=None):
    """One SQL query: the measures of one dataset per (period, key) and per period for all keys."""
    if dataset.until_field:
        return _query_as_of(
            dataset, measures, start=start, end=end, grain=grain, breakdown=breakdown,
            user=user, stores=stores, now=now, lookback=lookback,
        )  # fmt: skip
    since, until, zone = _bounds(dataset, lookback or start, end)
    in_range = _range_rows(
        dataset, start=start, end=end, grain=grain, user=user, stores=stores, lookback=lookback
    ).annotate(kpi_period=_period_of(dataset.time_field, grain, zone, since, until))

    def grouped(key, keyed: bool):
        twins = in_range.filter(kpi_period=OuterRef("kpi_period"))
        if keyed:
            twins = twins.annotate(kpi_key=key).filter(kpi_key=OuterRef("kpi_key"))
        aggregates = {}
        for measure in measures:
            aggregates.update(_aggregates(measure, now, twins=twins))
        return (
            in_range.annotate(kpi_key=key).values("kpi_period", "kpi_key").annotate(**aggregates).order_by()
        )

    all_keys = grouped(Value(None, output_field=CharField()), keyed=False)
    # Counts, sums and gathered values add up over the keys, and distinct values unite (a customer seen in
    # two stores is one customer), so the "all keys" row is merged from the keys' rows. A repeated count
    # does not merge (whether a value occurs again depends on the group), so a dataset with one is grouped
    # a second time, without the key. Without a breakdown there is nothing to merge: the plain grouping
    # counts distinct values in SQL rather than sending them.
    merged = breakdown is not None and all(measure.aggregation in MERGEABLE for measure in measures)
    if breakdown is None:
        rows = [_read(row) for row in all_keys]
    elif merged:
        parts = _key_parts(dataset, breakdown)
        aggregates = {}
        for measure in measures:
            aggregates.update(_aggregates(measure, now, merging=True))
        keyed = (
            in_range.annotate(**{f"kpi_k{index}": part.grouped for index, part in enumerate(parts)})
            .values("kpi_period", *(f"kpi_k{index}" for index in range(len(parts))))
            .annotate(**aggregates)
            .order_by()
        )
        rows = _labelled(keyed, parts)
        rows += _all_keys_rows(rows)
        rows = [_counted(row) for row in rows]
    else:
        query = grouped(_key_of(dataset, breakdown), keyed=True).union(all_keys, all=True)
        rows = [_read(row) for row in query]
    columns = {measure: _column(measure, now) for measure in measures}
    return {
        (row["kpi_period"], row["kpi_key"]): {
            measure.code: _measure_value(measure, row, column) for measure, column in columns.items()
        }
        for row in rows
    }


MERGEABLE = (
    Aggregation.COUNT,
    Aggregation.COUNT_DISTINCT,
    Aggregation.SUM,
    Aggregation.AVG,
    Aggregation.PERCENTILE,
)


@dataclass(frozen=True)
class KeyPart:
    """One dimension of a breakdown as the merged query groups it: by `grouped`, and when that is a foreign
    key, the key is the related row's `column` of `table`, joined after grouping (`_labelled`)."""

    grouped: object  # an ORM path (F) or expression
    table: str | None = None
    key: str | None = None  # the table's primary key column
    column: str | None = None


def _key_parts(dataset: Dataset, breakdown: str) -> list[KeyPart]:
    """Group by the foreign key rather than the related row's code where the code is unique: a store's
    requests are grouped by the integer store_id and joined to the store for its code once per group,
    instead of joining every request to its store and grouping by a string (a fifth of the core KPIs'
    time on PostgreSQL). A label that is not unique (a region) is grouped by itself, as before."""
    model = apps.get_model(dataset.model)
    parts = []
    for dimension in breakdown_dimensions(breakdown):
        path = dataset.dimensions[dimension]
        prefix, _, attribute = path.rpartition("__")
        related = _related_model(model, prefix) if prefix else None
        field = related._meta.get_field(attribute) if related else None
        if field is not None and (field.unique or field.primary_key) and not field.is_relation:
            parts.append(KeyPart(F(prefix), related._meta.db_table, related._meta.pk.column, field.column))
        else:
            parts.append(KeyPart(Coalesce(Cast(path, CharField()), Value(""))))
    return parts


def _related_model(model, path: str):
    """The model a chain of foreign keys leads to, or None when the path is not such a chain."""
    for name in path.split("__"):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if not (field.many_to_one or field.one_to_one) or field.related_model is None:
            return None
        model = field.related_model
    return model


def _labelled(keyed: QuerySet, parts: list[KeyPart]) -> list[dict]:
    """The grouped rows of `keyed`, each with its key: the parts' labels joined by "/" ("" for none). The
    foreign-key parts are joined to their tables in an outer query around the grouping: still one query."""
    try:
        sql, params = keyed.query.sql_with_params()
    except EmptyResultSet:  # a viewer who may see none of the rows: Django knows without asking
        return []
    quote = connection.ops.quote_name
    text = "varchar" if connection.vendor == "postgresql" else "text"
    labels, joins = [], []
    for index, part in enumerate(parts):
        if part.table is None:
            labels.append(f"grouped.kpi_k{index}")
            continue
        joins.append(
            f"LEFT JOIN {quote(part.table)} kpi_j{index} ON kpi_j{index}.{quote(part.key)} = grouped.kpi_k{index}"
        )
        labels.append(f"COALESCE(CAST(kpi_j{index}.{quote(part.column)} AS {text}), '')")
    label_columns = ", ".join(f"{label} AS kpi_l{index}" for index, label in enumerate(labels))
    outer = f"SELECT grouped.*, {label_columns} FROM ({sql}) grouped {' '.join(joins)}"
    with connection.cursor() as cursor:
        cursor.execute(outer, params)
        names = [column[0] for column in cursor.description]
        fetched = cursor.fetchall()
    rows = []
    for values in fetched:
        row = dict(zip(names, values, strict=True))
        row["kpi_period"] = _as_date(row["kpi_period"])
        row["kpi_key"] = "/".join(row.pop(f"kpi_l{index}") for index in range(len(parts)))
        for index in range(len(parts)):
            del row[f"kpi_k{index}"]
        rows.append(_read(row))
    return rows


def _as_date(value) -> date:
    """A period start as the backend returns it without Django's converters: a timestamp from
    PostgreSQL's date_trunc, ISO text from SQLite's date()."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


def _read(row: dict) -> dict:
    """A grouped row with its gathered values as sorted lists and its distinct values as sets."""
    for name, value in row.items():
        if name.startswith("g_"):
            row[name] = _gathered(value)
        elif name.startswith("d_"):
            row[name] = _distinct_values(value)
    return row


def _all_keys_rows(rows: list[dict]) -> list[dict]:
    """Per period, the sum of the keys' rows: counts and sums added (a sum over no rows stays None), the
    gathered values joined, the distinct values united (a customer seen in two stores is one customer of
    the period, not two: why a distinct count is merged from sets and not from the keys' counts)."""
    periods: dict[date, dict] = {}
    for row in rows:
        total = periods.get(row["kpi_period"])
        if total is None:
            periods[row["kpi_period"]] = {
                name: value.copy() if name.startswith(("g_", "d_")) else value for name, value in row.items()
            } | {"kpi_key": None}
            continue
        for name, value in row.items():
            if name in ("kpi_period", "kpi_key") or value is None:
                continue
            if name.startswith("g_"):
                total[name] += value
            elif name.startswith("d_"):
                total[name] |= value
            else:
                total[name] = value if total[name] is None else total[name] + value
    for total in periods.values():
        for name, value in total.items():
            if name.startswith("g_"):
                value.sort()  # sorted runs, one per key: Timsort merges them
    return list(periods.values())


def _counted(row: dict) -> dict:
    """A merged row with each distinct count's values (`d_<name>`) replaced by their number (`<name>`),
    the column `_measure_value` reads."""
    for name in [name for name in row if name.startswith("d_")]:
        row[name.removeprefix("d_")] = len(row.pop(name))
    return row


def _query_as_of(dataset, measures, *, start, end, grain, breakdown, user, stores, now, lookback=None):
    """One SQL query for an interval dataset: per key (and for all keys), one aggregate per measure and
    period over the rows in force on the period's as-of day."""
    periods = period_starts(start, end, grain)
    days = {
        period: as_of_day(max(period, start), min(next_period_start(period, grain), end), now)
        for period in periods
    }
    if lookback is not None:
        days[lookback] = as_of_day(lookback, periods[0], now)
    rows = _scoped(dataset, user, stores).filter(_in_force(dataset, min(days.values()), max(days.values())))
    aggregates = {}
    for index, day in enumerate(days.values()):
        for measure in measures:
            in_force = _in_force(dataset, day, day)
            aggregates.update(_aggregates(measure, now, name=f"m_{measure.code}_{index}", also=in_force))

    def grouped(key):
        return rows.annotate(kpi_key=key).values("kpi_key").annotate(**aggregates).order_by()

    all_keys = grouped(Value(None, output_field=CharField()))
    query = all_keys if breakdown is None else grouped(_key_of(dataset, breakdown)).union(all_keys, all=True)
    columns = [
        (period, {
            measure: _column(measure, now, name=f"m_{measure.code}_{index}", also=_in_force(dataset, day, day))
            for measure in measures
        })
        for index, (period, day) in enumerate(days.items())
    ]  # fmt: skip
    return {
        (period, row["kpi_key"]): {
            measure.code: _measure_value(measure, row, column) for measure, column in named.items()
        }
        for row in map(_read, query)
        for period, named in columns
    }


def _joined(parts: list, separator) -> list:
    joined = [parts[0]]
    for part in parts[1:]:
        joined += [separator, part]
    return joined


def _cell(kpi: Kpi, period: date, earlier: date, key, measured, cells, days: int, unseen: set[str]) -> Cell:
    def value_of(measure: Measure) -> MeasureValue:
        if measure.dataset.code in unseen:  # not "0 revenue" for a store's viewer, but no value
            return MeasureValue(value=None, total=0, n=0)
        return measured.get((measure.dataset.code, measure.code, period, key)) or _nothing(measure)

    if kpi.kind == "expression":
        inputs = [cells[(code, period, key)] for code in kpi.inputs]
        # Outside the periods computed (before the range's period before), the period before has no value.
        before = [cells.get((code, earlier, key)) for code in kpi.previous]
        if any(cell is None or cell.value is None for cell in [*inputs, *before]):
            return Cell(kpi.code, period, key, None, n=inputs[0].n)
        value = kpi.expression(
            {PERIOD_DAYS: days}
            | {cell.kpi: cell.value for cell in inputs}
            | {prior(cell.kpi): cell.value for cell in before}
        )
        return Cell(kpi.code, period, key, value, n=inputs[0].n)
    if kpi.kind == "ratio":
        numerator, denominator = value_of(kpi.numerator), value_of(kpi.denominator)
        value = numerator.total / denominator.total * kpi.scale if denominator.total else None
        return Cell(kpi.code, period, key, value, numerator.total, denominator.total, denominator.n)
    measure = value_of(kpi.measure)
    value = None if measure.value is None else measure.value * kpi.scale
    if kpi.measure.aggregation == Aggregation.AVG:
        return Cell(kpi.code, period, key, value, measure.total, measure.n, measure.n)
    return Cell(kpi.code, period, key, value, n=measure.n)
