"""The dashboards' reads: KPI values from the engine, targets and status, p-chart limits, and a drill-down
link behind every number. Each dashboard costs a fixed number of queries whatever the number of stores,
specialists or periods: one per dataset (`kpi.engine`), one for the targets, one per label lookup.

A number's period is the engine's period clipped to the range asked for, so the records behind it (the
drill-down page) are exactly the rows it counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import lru_cache
from urllib.parse import urlencode

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.accounts.models import COMPANY_WIDE_ROLES, MANAGER_ROLES, FaultCategory, Role, Store, User
from aftersales.core import clock
from aftersales.core.errors import ApplicationError
from aftersales.customers.models import Customer, ProductCategory, ProductModel
from aftersales.kpi.catalogue import CATALOGUE
from aftersales.kpi.control import p_chart
from aftersales.kpi.drill import Part, parts_of
from aftersales.kpi.engine import KpiValues, organisation_zone
from aftersales.kpi.selectors import REQUEST_BREAKDOWN_LABELS as BREAKDOWN_LABELS
from aftersales.kpi.selectors import formatted, kpi_name, period_label
from aftersales.kpi.semantic import Aggregation, Grain, Kpi, Unit
from aftersales.kpi.snapshots import SnapshotRead, snapshot_values
from aftersales.kpi.targets import Status, Target, TargetBook, status_of, target_book
from aftersales.service.models import Ticket

DEFAULT_MONTHS = 6

# What each dashboard shows, in order.
COMPANY_KPIS = (
    "csat_t2b",
    "nps",
    "response_24h_rate",
    "first_time_right_30d",
    "fcr",
    "mttr_h",
    "sla_resolution_rate",
    "complaint_rate",
    "repeat_repair_30d",
    "reopen_rate",
)
LEAGUE_KPIS = ("csat_t2b", "response_24h_rate", "first_time_right_30d", "mttr_h", "complaint_rate")
SPECIALIST_KPIS = (
    "response_24h_rate",
    "first_response_median_h",
    "first_time_right_30d",
    "fcr",
    "mttr_h",
    "csat_t2b",
    "requests_resolved",
)
PARETO_KPIS = ("complaints_received", "repair_requests")
REPEAT_KPI = "repeat_repair_30d"
# Imported quality inspections (company rows: no store), on the quality dashboard of company-wide viewers.
INSPECTION_KPIS = ("nonconformance_rate", "first_pass_yield", "rework_rate", "scrap_rate")

GRAIN_LABELS = {
    Grain.DAY: gettext_lazy("day"),
    Grain.WEEK: gettext_lazy("week"),
    Grain.MONTH: gettext_lazy("month"),
    Grain.QUARTER: gettext_lazy("quarter"),
    Grain.YEAR: gettext_lazy("year"),
}
STATUS_LABELS = {
    Status.GREEN: gettext_lazy("on target"),
    Status.AMBER: gettext_lazy("warning"),
    Status.RED: gettext_lazy("off target"),
    Status.NONE: "",
}

# --- who sees which dashboard ------------------------------------------------------------------------------


def sees_company(user) -> bool:
    return user.role in (Role.ADMIN, Role.EXECUTIVE) or user.is_superuser


def sees_stores(user) -> bool:
    """Managers and quality engineers read store dashboards (their stores, by visible_to); specialists
    and technicians only their own numbers."""
    return sees_company(user) or user.role in MANAGER_ROLES | COMPANY_WIDE_ROLES


def visible_stores(user):
    stores = Store.objects.order_by("code")
    return stores if user.sees_all_stores else stores.filter(pk__in=sorted(user.store_ids))


# --- parameters --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Params:
    start: date
    end: date
    grain: Grain
    breakdown: str

    def query(self, **extra) -> str:
        return urlencode(
            {
                "start": self.start.isoformat(),
                "end": self.end.isoformat(),
                "grain": self.grain.value,
                "breakdown": self.breakdown,
                **extra,
            }
        )


def _month_shift(day: date, months: int) -> date:
    month = day.year * 12 + day.month - 1 + months
    return date(month // 12, month % 12 + 1, 1)


def date_param(params: Mapping, name: str) -> date | None:
    """The ISO date `name` of a query string, None when missing; malformed raises ApplicationError."""
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ApplicationError(
            _("'%(value)s' is not a date (YYYY-MM-DD).") % {"value": raw[:40]}, field=name
        ) from None


def params_from(params: Mapping, *, default_breakdown: str) -> Params:
    """The period picker (`start`, `end` exclusive, `grain`) and the breakdown picker; missing ones get
    the defaults (the last six months including this one, by month). Bad values raise ApplicationError
    naming the parameter."""
    today = clock.now().astimezone(organisation_zone()).date()
    end = date_param(params, "end") or _month_shift(today, 1)
    start = date_param(params, "start") or _month_shift(end.replace(day=1), -DEFAULT_MONTHS)
    raw_grain = (params.get("grain") or Grain.MONTH).strip()
    try:
        grain = Grain(raw_grain)
    except ValueError:
        raise ApplicationError(
            _("Unknown grain '%(grain)s': use one of %(grains)s.")
            % {"grain": raw_grain[:20], "grains": ", ".join(Grain)},
            field="grain",
        ) from None
    breakdown = (params.get("breakdown") or default_breakdown).strip()
    if breakdown not in BREAKDOWN_LABELS:
        raise ApplicationError(
            _("Unknown breakdown '%(breakdown)s': use one of %(supported)s.")
            % {"breakdown": breakdown[:40], "supported": ", ".join(BREAKDOWN_LABELS)},
            field="breakdown",
        )
    return Params(start=start, end=end, grain=grain, breakdown=breakdown)


# --- numbers -----------------------------------------------------------------------------------------------


def chart_value(kpi: Kpi, value: float | None) -> float | None:
    """A value in the unit a chart's axis shows (percentages ×100)."""
    if value is None:
        return None
    return round(value * 100 if kpi.unit == Unit.PERCENT else value, 4)


@dataclass(frozen=True)
class Scope:
    """Where a dashboard's numbers come from: a store, one person's requests, or a breakdown key."""

    store: str | None = None
    breakdown: str | None = None
    key: str | None = None


def drill_url(kpi: Kpi, part: Part, start: date, end: date, scope: Scope, grain: Grain | None = None) -> str:
    """The drill-down of a number over [start, end): with `grain`, a period of that grain (a week's or a
    quarter's cell: the drill-down names the period, and a growth rate's period before is the whole
    period before it); without, a number over the whole range (a Pareto bar), which is no one period."""
    # A page links a thousand numbers: reverse() and urlencode() once per distinct path and query (they
    # were a third of a dashboard's time), not once per number.
    path = _drill_path(kpi.code, part.value, get_script_prefix(), get_urlconf())
    return f"{path}?{_drill_query(start, end, grain, scope)}"


@lru_cache(maxsize=1024)
def _drill_path(code: str, part: str, _prefix: str, _urlconf) -> str:
    return reverse("reports:drill", args=[code, part])


@lru_cache(maxsize=4096)
def _drill_query(start: date, end: date, grain: Grain | None, scope: Scope) -> str:
    query = {"start": start.isoformat(), "end": end.isoformat()}
    if grain:
        query["grain"] = grain.value
    if scope.store:
        query["store"] = scope.store
    if scope.breakdown:
        query["breakdown"] = scope.breakdown
        query["key"] = scope.key or ""
    return urlencode(query)


@dataclass
class Number:
    """One number on a dashboard, with its status and the records behind it."""

    kpi: Kpi
    value: float | None
    text: str
    status: Status
    url: str  # the records of the numerator (or of the single measure)
    denominator_url: str = ""
    detail: str = ""  # "numerator / denominator" or "n = …"

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


def _expression_links(kpi: Kpi, start: date, end: date, scope: Scope, grain: Grain) -> tuple[str, str]:
    """An expression over two KPIs (days of supply: stock / sales rate; turnover: COGS / stock) reads as
    the first over the second: its number opens the records of the first, its denominator those of the
    second (the drill-down page has a tab for every measure either reads)."""
    first, second = (next(iter(parts_of(CATALOGUE.by_code[code]))) for code in kpi.inputs[:2])
    return drill_url(kpi, first, start, end, scope, grain), drill_url(kpi, second, start, end, scope, grain)


def number(
    kpi: Kpi, cell, target: Target | None, start: date, end: date, scope: Scope, grain: Grain
) -> Number:
    """The number of one `grain` period's cell, [start, end) being that period clipped to the range."""
    value = cell.value if cell is not None else None
    parts = parts_of(kpi)
    first = Part.NUMERATOR if Part.NUMERATOR in parts else Part.RECORDS
    url = drill_url(kpi, first, start, end, scope, grain)
    denominator_url = (
        drill_url(kpi, Part.DENOMINATOR, start, end, scope, grain) if Part.DENOMINATOR in parts else ""
    )
    detail = ""
    if kpi.kind == "expression" and len(kpi.inputs) == 2:
        url, denominator_url = _expression_links(kpi, start, end, scope, grain)
    elif cell is not None and kpi.kind == "ratio":
        detail = f"{cell.numerator:,.0f} / {cell.denominator:,.0f}"
    elif cell is not None:
        detail = f"n = {cell.n:,}"
    return Number(
        kpi=kpi,
        value=value,
        text=formatted(kpi, value),
        status=status_of(kpi, value, target),
        url=url,
        denominator_url=denominator_url,
        detail=detail,
    )


def target_text(kpi: Kpi, target: Target | None) -> str:
    if target is None:
        return ""
    if target.band is not None:
        return f"{formatted(kpi, target.band[0])} – {formatted(kpi, target.band[1])}"
    sign = {"higher_better": "≥", "lower_better": "≤"}.get(kpi.direction, "")
    return f"{sign} {formatted(kpi, target.target)}"


@dataclass
class Card:
    kpi: Kpi
    name: str
    number: Number
    target: str


@dataclass
class Row:
    label: str
    numbers: list[Number]


@dataclass
class Table:
    """A dashboard table: shown on the page, exported as CSV or XLSX."""

    name: str
    title: str
    header: list[str]
    rows: list[Row]
    note: str = ""  # shown under the table: what it leaves out

    def export_rows(self) -> list[list[str]]:
        return [[row.label, *(n.text for n in row.numbers)] for row in self.rows]


@dataclass
class Dashboard:
    title: str
    params: Params
    periods: list[tuple[date, date]]
    cards: list[Card] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[dict] = field(default_factory=list)
    subject: str = ""  # the store or person the dashboard is about
    as_of: datetime | None = None  # when the stored values shown were computed (None: all live)
    live: list[str] = field(default_factory=list)  # the periods computed live, as labelled

    def served_from(self, *reads: SnapshotRead) -> Dashboard:
        """How fresh the numbers are: the oldest stored value read, and every period computed live."""
        stored = [read.as_of for read in reads if read.as_of is not None]
        self.as_of = min(stored) if stored else None
        live = sorted({period for read in reads for period in read.live})
        self.live = [period_label(period, self.params.grain) for period in live]
        return self

    def table(self, name: str) -> Table | None:
        return next((table for table in self.tables if table.name == name), None)


def _bounds(values: KpiValues, params: Params) -> list[tuple[date, date]]:
    """Each period clipped to [start, end): what the engine counted for it."""
    periods = values.periods
    return [
        (max(first, params.start), periods[i + 1] if i + 1 < len(periods) else params.end)
        for i, first in enumerate(periods)
    ]


# --- breakdown key labels ----------------------------------------------------------------------------------


def key_labels(breakdown: str, keys: list[str]) -> dict[str, str]:
    """What people read for each breakdown key (a store's name for its code, …); one query at most."""
    english = (translation.get_language() or "").startswith("en")
    wanted = [key for key in keys if key]
    found: dict[str, str] = {}
    if breakdown == "store":
        found = dict(Store.objects.filter(code__in=wanted).values_list("code", "name"))
    elif breakdown == "specialist":
        for username, display in User.objects.filter(username__in=wanted).values_list(
            "username", "display_name"
        ):
            found[username] = display or username
    elif breakdown == "fault_category":
        for code, zh, en in FaultCategory.objects.filter(code__in=wanted).values_list(
            "code", "name", "name_en"
        ):
            found[code] = (en or zh) if english else zh
    elif breakdown == "product_model":
        found = dict(ProductModel.objects.filter(code__in=wanted).values_list("code", "name"))
    elif breakdown == "product_category":
        found = dict(ProductCategory.objects.filter(code__in=wanted).values_list("code", "name"))
    elif breakdown in ("channel", "kind", "priority"):
        found = {value: str(label) for value, label in Ticket._meta.get_field(breakdown).choices}
    elif breakdown == "customer_tier":
        found = {value: str(label) for value, label in Customer.Tier.choices}
    return {key: found.get(key, key) if key else _("(none)") for key in keys}


# --- the dashboards ----------------------------------------------------------------------------------------


def _kpis(codes) -> list[Kpi]:
    return [CATALOGUE.by_code[code] for code in codes]


def _cards(kpis, values, book, bounds, scope: Scope, store: str | None) -> list[Card]:
    """Each KPI in the last period of the range, against its target."""
    period = values.periods[-1]
    start, end = bounds[-1]
    cards = []
    for kpi in kpis:
        target = book.resolve(kpi, store=store, day=period)
        cell = values.cells.get((kpi.code, period, scope.key if scope.breakdown else None))
        cards.append(
            Card(
                kpi,
                kpi_name(kpi),
                number(kpi, cell, target, start, end, scope, values.grain),
                target_text(kpi, target),
            )
        )
    return cards


def _trend_table(kpis, values, book, bounds, params: Params, scope: Scope, store: str | None) -> Table:
    """KPIs × periods: the trend, every number a link."""
    key = scope.key if scope.breakdown else None
    rows = []
    for kpi in kpis:
        numbers = []
        for period, (start, end) in zip(values.periods, bounds, strict=True):
            target = book.resolve(kpi, store=store, day=period)
            cell = values.cells.get((kpi.code, period, key))
            numbers.append(number(kpi, cell, target, start, end, scope, params.grain))
        rows.append(Row(kpi_name(kpi), numbers))
    header = [_("KPI"), *(period_label(p, params.grain) for p in values.periods)]
    return Table("trend", _("Trend"), header, rows)


def _key_table(name, title, kpis, values, book, bounds, params: Params, scope: Scope, labels) -> Table:
    """Breakdown keys × KPIs in the last period: the league table, the specialist table."""
    period = values.periods[-1]
    start, end = bounds[-1]
    rows = []
    for key in values.keys:
        store = key if params.breakdown == "store" else scope.store
        key_scope = Scope(store=scope.store, breakdown=params.breakdown, key=key)
        numbers = [
            number(
                kpi,
                values.cells.get((kpi.code, period, key)),
                book.resolve(kpi, store=store, day=period),
                start,
                end,
                key_scope,
                params.grain,
            )
            for kpi in kpis
        ]
        rows.append(Row(labels[key], numbers))
    header = [str(BREAKDOWN_LABELS[params.breakdown]), *(kpi_name(kpi) for kpi in kpis)]
    return Table(name, title, header, rows)


def trend_chart(
    kpi: Kpi, values: KpiValues, book: TargetBook, params: Params, key, store, trend_rows: Row
) -> dict:
    """One KPI over the periods: its values, its target and, for a rate, the p-chart limits with the
    points outside them marked (kpi-definitions §0.4: the centre line is a ratio of sums)."""
    cells = [values.cells.get((kpi.code, period, key)) for period in values.periods]
    targets = [book.resolve(kpi, store=store, day=period) for period in values.periods]
    chart = {
        "type": "trend",
        "id": f"trend-{kpi.code}",
        "title": kpi_name(kpi),
        "unit": "%" if kpi.unit == Unit.PERCENT else str(kpi.unit),
        "periods": [period_label(p, params.grain) for p in values.periods],
        "values": [chart_value(kpi, c.value if c else None) for c in cells],
        "urls": [n.url for n in trend_rows.numbers],
        "target": [chart_value(kpi, t.target) if t else None for t in targets],
        "labels": {
            "value": kpi_name(kpi),
            "target": _("target"),
            "upper": _("upper control limit"),
            "lower": _("lower control limit"),
            "shift": _("real shift"),
        },
    }
    if kpi.kind == "ratio" and kpi.unit == Unit.PERCENT:
        chart_points = p_chart([(c.numerator, c.denominator) if c else (0, 0) for c in cells])
        chart["upper"] = [chart_value(kpi, point.upper) for point in chart_points.points]
        chart["lower"] = [chart_value(kpi, point.lower) for point in chart_points.points]
        chart["shifts"] = [i for i, point in enumerate(chart_points.points) if point.shifted]
    return chart


def bar_chart(chart_id: str, title: str, kpi: Kpi, table: Table, column: int) -> dict:
    """One KPI across the breakdown keys (the league table's column), each bar a link."""
    return {
        "type": "bars",
        "id": chart_id,
        "title": title,
        "unit": "%" if kpi.unit == Unit.PERCENT else str(kpi.unit),
        "categories": [row.label for row in table.rows],
        "values": [chart_value(kpi, row.numbers[column].value) for row in table.rows],
        "urls": [row.numbers[column].url for row in table.rows],
        "labels": {"value": kpi_name(kpi)},
    }


def executive_dashboard(*, user, params: Params, trend: str | None = None) -> Dashboard:
    kpis = _kpis(COMPANY_KPIS)
    read = snapshot_values(
        codes=list(COMPANY_KPIS),
        start=params.start,
        end=params.end,
        grain=params.grain,
        breakdown=params.breakdown,
        user=user,
    )
    values = read.values
    book = target_book(COMPANY_KPIS)
    bounds = _bounds(values, params)
    company = Scope()
    trend_table = _trend_table(kpis, values, book, bounds, params, company, None)
    labels = key_labels(params.breakdown, values.keys)
    league_kpis = _kpis(LEAGUE_KPIS)
    league = _key_table(
        "league", _("League table"), league_kpis, values, book, bounds, params, company, labels
    )
    focus = CATALOGUE.by_code[trend] if trend in COMPANY_KPIS else kpis[0]
    focus_row = trend_table.rows[kpis.index(focus)]
    charts = [trend_chart(focus, values, book, params, None, None, focus_row)]
    if focus in league_kpis:
        charts.append(bar_chart("league-chart", league.title, focus, league, league_kpis.index(focus)))
    return Dashboard(
        title=_("Executive dashboard"),
        params=params,
        periods=bounds,
        cards=_cards(kpis, values, book, bounds, company, None),
        tables=[trend_table, league],
        charts=charts,
    ).served_from(read)


def store_dashboard(*, user, store: Store, params: Params, trend: str | None = None) -> Dashboard:
    """The store's KPIs against its targets, and a table by the breakdown (its specialists by default)."""
    kpis = _kpis(COMPANY_KPIS)
    codes = list(dict.fromkeys([*COMPANY_KPIS, *SPECIALIST_KPIS]))
    read = snapshot_values(
        codes=codes,
        start=params.start,
        end=params.end,
        grain=params.grain,
        breakdown=params.breakdown,
        user=user,
        stores=[store],
    )
    values = read.values
    book = target_book(codes)
    bounds = _bounds(values, params)
    scope = Scope(store=store.code)
    trend_table = _trend_table(kpis, values, book, bounds, params, scope, store.code)
    labels = key_labels(params.breakdown, values.keys)
    table_kpis = _kpis(SPECIALIST_KPIS)
    title = (
        _("Specialists")
        if params.breakdown == "specialist"
        else _("By %(breakdown)s") % {"breakdown": BREAKDOWN_LABELS[params.breakdown]}
    )
    people = _key_table("breakdown", title, table_kpis, values, book, bounds, params, scope, labels)
    focus = CATALOGUE.by_code[trend] if trend in COMPANY_KPIS else kpis[0]
    charts = [trend_chart(focus, values, book, params, None, store.code, trend_table.rows[kpis.index(focus)])]
    return Dashboard(
        title=_("Store dashboard"),
        params=params,
        periods=bounds,
        cards=_cards(kpis, values, book, bounds, scope, store.code),
        tables=[trend_table, people],
        charts=charts,
        subject=store.name,
    ).served_from(read)


def specialist_dashboard(*, user, person: User, params: Params, trend: str | None = None) -> Dashboard:
    """One person's KPIs: the rows of the requests assigned to them (the specialist breakdown's key)."""
    kpis = _kpis(SPECIALIST_KPIS)
    read = snapshot_values(
        codes=list(SPECIALIST_KPIS),
        start=params.start,
        end=params.end,
        grain=params.grain,
        breakdown="specialist",
        user=user,
        keys=[person.username],  # their row only, not every specialist's
    )
    values = read.values
    book = target_book(SPECIALIST_KPIS)
    bounds = _bounds(values, params)
    scope = Scope(breakdown="specialist", key=person.username)
    store_codes = list(person.stores.values_list("code", flat=True))
    store = store_codes[0] if len(store_codes) == 1 else None
    trend_table = _trend_table(kpis, values, book, bounds, params, scope, store)
    focus = CATALOGUE.by_code[trend] if trend in SPECIALIST_KPIS else kpis[0]
    charts = [
        trend_chart(focus, values, book, params, person.username, store, trend_table.rows[kpis.index(focus)])
    ]
    return Dashboard(
        title=_("My KPIs") if person == user else _("Specialist dashboard"),
        params=params,
        periods=bounds,
        cards=_cards(kpis, values, book, bounds, scope, store),
        tables=[trend_table],
        charts=charts,
        subject=person.display_name or person.username,
    ).served_from(read)


@dataclass
class ParetoBar:
    label: str
    count: int
    share: float  # of the total
    cumulative: float
    url: str


def pareto(kpi: Kpi, values: KpiValues, params: Params, labels) -> list[ParetoBar]:
    """The keys by count, largest first, with the cumulative share (the Pareto line)."""
    totals = {
        key: sum((values.cells[(kpi.code, period, key)].value or 0) for period in values.periods)
        for key in values.keys
    }
    total = sum(totals.values())
    bars, running = [], 0
    for key, count in sorted(totals.items(), key=lambda item: (-item[1], labels[item[0]])):
        if not count:
            continue
        running += count
        # the count over the whole range, however many periods: no grain
        url = drill_url(
            kpi, Part.RECORDS, params.start, params.end, Scope(breakdown=params.breakdown, key=key)
        )
        bars.append(ParetoBar(labels[key], int(count), count / total, running / total, url))
    return bars


def quality_dashboard(*, user, params: Params) -> Dashboard:
    """Complaint and fault Pareto by the breakdown (fault category, product model, …) over the whole
    range, and repeat repairs by the same breakdown; for company-wide viewers the imported inspections
    too (nonconformance, first pass yield, rework, scrap: cards and trend)."""
    codes = [*PARETO_KPIS, REPEAT_KPI]
    read = snapshot_values(
        codes=codes,
        start=params.start,
        end=params.end,
        grain=params.grain,
        breakdown=params.breakdown,
        user=user,
    )
    values = read.values
    labels = key_labels(params.breakdown, values.keys)
    charts, tables = [], []
    for code in PARETO_KPIS:
        kpi = CATALOGUE.by_code[code]
        bars = pareto(kpi, values, params, labels)
        title = _("%(kpi)s by %(breakdown)s") % {
            "kpi": kpi_name(kpi),
            "breakdown": BREAKDOWN_LABELS[params.breakdown],
        }
        charts.append(
            {
                "type": "pareto",
                "id": f"pareto-{code}",
                "title": title,
                "categories": [bar.label for bar in bars],
                "values": [bar.count for bar in bars],
                "cumulative": [round(bar.cumulative * 100, 1) for bar in bars],
                "urls": [bar.url for bar in bars],
                "labels": {"value": kpi_name(kpi), "cumulative": _("cumulative %")},
            }
        )
        rows = [
            Row(
                bar.label,
                [
                    Number(kpi, bar.count, f"{bar.count:,}", Status.NONE, bar.url),
                    Number(kpi, bar.share, f"{bar.share * 100:.1f} %", Status.NONE, bar.url),
                    Number(kpi, bar.cumulative, f"{bar.cumulative * 100:.1f} %", Status.NONE, bar.url),
                ],
            )
            for bar in bars
        ]
        header = [str(BREAKDOWN_LABELS[params.breakdown]), _("count"), _("share"), _("cumulative %")]
        tables.append(Table(f"pareto-{code}", title, header, rows))
    repeat = CATALOGUE.by_code[REPEAT_KPI]
    rows = []
    for key in values.keys:
        returned = sum(values.cells[(REPEAT_KPI, p, key)].numerator or 0 for p in values.periods)
        repairs = sum(values.cells[(REPEAT_KPI, p, key)].denominator or 0 for p in values.periods)
        if not repairs:
            continue
        scope = Scope(breakdown=params.breakdown, key=key)  # over the whole range, as the Pareto
        rate = returned / repairs
        rows.append(
            Row(
                labels[key],
                [
                    Number(
                        repeat,
                        returned,
                        f"{returned:,.0f}",
                        Status.NONE,
                        drill_url(repeat, Part.NUMERATOR, params.start, params.end, scope),
                    ),
                    Number(
                        repeat,
                        repairs,
                        f"{repairs:,.0f}",
                        Status.NONE,
                        drill_url(repeat, Part.DENOMINATOR, params.start, params.end, scope),
                    ),
                    Number(
                        repeat,
                        rate,
                        formatted(repeat, rate),
                        Status.NONE,
                        drill_url(repeat, Part.NUMERATOR, params.start, params.end, scope),
                    ),
                ],
            )
        )
    rows.sort(key=lambda row: -(row.numbers[2].value or 0))
    header = [
        str(BREAKDOWN_LABELS[params.breakdown]),
        _("returned within 30 days"),
        _("repairs"),
        kpi_name(repeat),
    ]
    tables.append(Table("repeat", _("Repeat repairs"), header, rows))
    cards, reads = [], [read]
    if user.sees_all_stores:
        # The inspections are the company's rows, which the engine shows company-wide viewers only.
        inspection_kpis = _kpis(INSPECTION_KPIS)
        inspection_read = snapshot_values(
            codes=list(INSPECTION_KPIS), start=params.start, end=params.end, grain=params.grain, user=user
        )
        reads.append(inspection_read)
        inspections = inspection_read.values
        book = target_book(INSPECTION_KPIS)
        bounds = _bounds(inspections, params)
        cards = _cards(inspection_kpis, inspections, book, bounds, Scope(), None)
        trend = _trend_table(inspection_kpis, inspections, book, bounds, params, Scope(), None)
        tables.append(
            replace(trend, name="inspections", title=_("Inspections: nonconformance, rework and scrap"))
        )
    return Dashboard(
        title=_("Quality dashboard"),
        params=params,
        periods=_bounds(values, params),
        cards=cards,
        tables=tables,
        charts=charts,
    ).served_from(*reads)


# --- the 4S business dashboard ------------------------------------------------------------------------------

# Over imported business facts (`aftersales.facts`), every dataset scoped by store: the rows of the
# viewer's stores, so one query per dataset gives every store's numbers and their sum.
PENETRATION_KPIS = (
    "penetration_finance",
    "penetration_insurance",
    "penetration_accessories",
    "penetration_extended_warranty",
)
BUSINESS_KPIS = (
    "sales_revenue",
    "gross_margin_rate",
    "trade_in_rate",
    "vehicle_days_supply",
    "absenteeism_rate",
    *PENETRATION_KPIS,
)
BUSINESS_LEAGUE_KPIS = (
    "sales_revenue",
    "gross_margin_rate",
    "penetration_finance",
    "trade_in_rate",
    "vehicle_days_supply",
    "absenteeism_rate",
)


def sees_business(user) -> bool:
    """Executives and admins (every store) and store managers (their stores) read the business figures."""
    return sees_company(user) or user.role == Role.STORE_MANAGER


def _imported_sums(values: KpiValues) -> KpiValues:
    """The values with a sum over no rows as no value: to the engine a sum of nothing is 0 (a growth
    rate falls to -100 %), but in imported business data no rows means nothing was imported for that
    store and period (an appliance service centre sells no vehicles; a month just begun), not ¥0."""
    cells = {
        place: replace(cell, value=None) if cell.n == 0 and _is_sum(cell.kpi) else cell
        for place, cell in values.cells.items()
    }
    return replace(values, cells=cells)


def _is_sum(code: str) -> bool:
    kpi = CATALOGUE.by_code[code]
    return kpi.kind == "single" and kpi.measure.aggregation == Aggregation.SUM


def _with_rows(values: KpiValues, period: date) -> list[str]:
    """The keys with some row behind one of the values in `period` (n counts the rows a value reads)."""
    return [
        key
        for key in values.keys
        if any((cell := values.cells.get((kpi.code, period, key))) and cell.n for kpi in values.kpis)
    ]


def business_dashboard(
    *, user, store: Store | None, stores: list[Store], params: Params, trend: str | None = None
) -> Dashboard:
    """Sales, margin, trade-in, days of supply, absenteeism and the penetration of each value-added
    product, for `store` (None: every store the person may see, added up), against their targets; the
    trend of one of them; and the league table of the person's `stores` in the last period: those
    without any business data in it are not ranked but named under the table. One engine query per
    dataset (by store, with the all-stores row), so the cost does not grow with the stores."""
    params = replace(params, breakdown="store")  # the league table is by store whatever was asked
    codes = list(BUSINESS_KPIS)
    read = snapshot_values(
        codes=codes,
        start=params.start,
        end=params.end,
        grain=params.grain,
        breakdown="store",
        user=user,
    )
    values = _imported_sums(read.values)
    book = target_book(codes)
    bounds = _bounds(values, params)
    code = store.code if store else None
    # A store's numbers are its key's cells, and their records that store's rows.
    scope = Scope(store=code, breakdown="store", key=code) if store else Scope()
    kpis = _kpis(BUSINESS_KPIS)
    cards = _cards(kpis, values, book, bounds, scope, code)
    trend_table = _trend_table(kpis, values, book, bounds, params, scope, code)
    labels = key_labels("store", values.keys)
    league_kpis = _kpis(BUSINESS_LEAGUE_KPIS)
    # A store without a row in the league's period is not ranked as if it had sold nothing.
    ranked = _with_rows(values, values.periods[-1])
    league_values = replace(values, keys=ranked)
    league = _key_table(
        "league", _("Stores"), league_kpis, league_values, book, bounds, params, Scope(), labels
    )
    without = [s.name for s in stores if s.code not in ranked]
    if without:
        league.note = _("No business data in %(period)s (not ranked): %(stores)s.") % {
            "period": period_label(values.periods[-1], params.grain),
            "stores": ", ".join(without),
        }
    focus = CATALOGUE.by_code[trend] if trend in BUSINESS_KPIS else kpis[0]
    charts = [trend_chart(focus, values, book, params, code, code, trend_table.rows[kpis.index(focus)])]
    by_code = {card.kpi.code: card for card in cards}
    penetration = [by_code[code] for code in PENETRATION_KPIS]
    charts.append(
        {
            "type": "bars",
            "id": "penetration-chart",
            "title": _("Penetration by product"),
            "unit": "%",
            "categories": [card.name for card in penetration],
            "values": [chart_value(card.kpi, card.number.value) for card in penetration],
            "urls": [card.number.url for card in penetration],
            "labels": {"value": _("penetration")},
        }
    )
    if focus in league_kpis and len(league.rows) > 1:
        charts.append(bar_chart("league-chart", league.title, focus, league, league_kpis.index(focus)))
    return Dashboard(
        title=_("Business dashboard"),
        params=params,
        periods=bounds,
        cards=cards,
        tables=[trend_table, league],
        charts=charts,
        subject=store.name if store else "",
    ).served_from(read)
