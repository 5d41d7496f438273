"""Reads for the KPI pages, the API and the command: the catalogue as people read it, the parameters
of a values request, and the values table with displayed numbers and status against the target."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.core import clock
from aftersales.core.errors import ApplicationError
from aftersales.kpi.catalogue import CATALOGUE, REQUEST_DIMENSIONS
from aftersales.kpi.engine import KpiValues, kpi_values, next_period_start, organisation_zone, period_start_of
from aftersales.kpi.models import KpiTarget
from aftersales.kpi.semantic import Direction, Grain, Kpi, Unit
from aftersales.kpi.targets import status_of, target_book
from aftersales.service.models import Ticket

DEFAULT_MONTHS = 6  # the values page opens on the last six months, the current one included
# A breakdown as people read it, for the pickers of the values page and the dashboards.
BREAKDOWN_LABELS = {
    "store": gettext_lazy("store"),
    "region": gettext_lazy("region"),
    "department": gettext_lazy("department"),
    "specialist": gettext_lazy("specialist"),
    "fault_category": gettext_lazy("fault category"),
    "product_model": gettext_lazy("product model"),
    "product_category": gettext_lazy("product category"),
    "channel": gettext_lazy("channel"),
    "kind": gettext_lazy("kind"),
    "priority": gettext_lazy("priority"),
    "customer_tier": gettext_lazy("customer tier"),
    # the business datasets' own (kpi.business): production, inspections, quality costs, suppliers
    "line": gettext_lazy("production line"),
    "stage": gettext_lazy("inspection stage"),
    "product": gettext_lazy("product"),
    "category": gettext_lazy("cost category"),
    "supplier": gettext_lazy("supplier"),
}
# The dashboards are over the requests: they offer only the requests' breakdowns.
REQUEST_BREAKDOWN_LABELS = {name: BREAKDOWN_LABELS[name] for name in REQUEST_DIMENSIONS}


@dataclass(frozen=True)
class AdminTarget:
    """A target an admin set (a KpiTarget row) as the catalogue page lists it: texts in the KPI's unit."""

    store: str  # the store's name; "" for every store
    valid_from: date
    valid_until: date | None
    target: str
    warning: str
    note: str


def admin_targets(*, user) -> dict[str, list[AdminTarget]]:
    """The KpiTarget rows by KPI code, in one query: those for every store and for the stores `user`
    sees (another store's targets are its business), every store's first, then by store and date."""
    rows = KpiTarget.objects.select_related("store").order_by(
        F("store__name").asc(nulls_first=True), "valid_from", "pk"
    )
    if not user.sees_all_stores:
        rows = rows.filter(Q(store__isnull=True) | Q(store_id__in=sorted(user.store_ids)))
    listed: dict[str, list[AdminTarget]] = {}
    for row in rows:
        kpi = CATALOGUE.get(row.kpi_code)
        if kpi is None:  # a KPI since removed from the catalogue: nothing to list it under
            continue
        if row.band_low is not None and row.band_high is not None:
            target = f"{formatted(kpi, row.band_low)} – {formatted(kpi, row.band_high)}"
        elif row.target is not None:
            sign = {Direction.HIGHER: "≥ ", Direction.LOWER: "≤ "}.get(kpi.direction, "")
            target = f"{sign}{formatted(kpi, row.target)}"
        else:
            target = "—"
        listed.setdefault(row.kpi_code, []).append(
            AdminTarget(
                store=row.store.name if row.store else "",
                valid_from=row.valid_from,
                valid_until=row.valid_until,
                target=target,
                warning="" if row.warning is None else formatted(kpi, row.warning),
                note=row.note,
            )
        )
    return listed


def breakdowns_of(codes: list[str]) -> list[tuple[str, str]]:
    """The breakdowns (name, label) that every one of the KPIs `codes` supports, in the label table's
    order; for no codes (the page then shows every KPI having the breakdown), any KPI's breakdowns.
    Unknown codes are left out here: the engine names them."""
    known = [code for code in codes if CATALOGUE.get(code) is not None]
    if known:
        names = set(BREAKDOWN_LABELS)
        for kpi in CATALOGUE.closure(known):
            for measure in kpi.measures:
                names &= set(measure.dataset.dimensions)
    else:
        names = {name for kpi in CATALOGUE for measure in kpi.measures for name in measure.dataset.dimensions}
    return [(name, label) for name, label in BREAKDOWN_LABELS.items() if name in names]


def kpi_name(kpi: Kpi) -> str:
    return kpi.name_en if (translation.get_language() or "").startswith("en") else kpi.name_zh


def formatted(kpi: Kpi, value: float | None) -> str:
    """A value as people read it (ratios ×100, §0.8); no value is "—", never 0."""
    if value is None:
        return "—"
    match kpi.unit:
        case Unit.PERCENT:
            return f"{value * 100:.1f} %"
        case Unit.COUNT:
            return f"{value:,.0f}"
        case Unit.CNY:
            # sums of millions: whole yuan with thousands separators, short enough for a dashboard card
            return f"{'-' if value < 0 else ''}¥{abs(value):,.0f}"
        case Unit.POINTS:
            return f"{value:+.1f}"
        case Unit.SCORE:
            return f"{value:.2f}"
        case _:
            return f"{value:.1f} {kpi.unit}"


@dataclass(frozen=True)
class ValuesQuery:
    codes: list[str]
    start: date
    end: date
    grain: str
    breakdown: str | None


def values_query_from(params: Mapping, *, codes: list[str] | None = None) -> ValuesQuery:
    """Parse `codes` (comma-separated, or repeated), `start`, `end` (ISO dates, end exclusive), `grain`
    and `breakdown`; missing ones get the defaults (every KPI that has the breakdown, the last six months by month, no
    breakdown). A malformed date raises ApplicationError naming it; the engine checks the rest."""
    raw_codes = codes if codes is not None else [params.get("codes", "")]
    names = [code.strip() for text in raw_codes for code in (text or "").split(",") if code.strip()]
    today = clock.now().astimezone(organisation_zone()).date()
    end = _date(params, "end") or next_period_start(period_start_of(today, Grain.MONTH), Grain.MONTH)
    start = _date(params, "start") or _months_before(end, DEFAULT_MONTHS)
    breakdown = (params.get("breakdown") or "").strip() or None
    return ValuesQuery(
        codes=names or [kpi.code for kpi in CATALOGUE.breakable_by(breakdown)],
        start=start,
        end=end,
        grain=(params.get("grain") or Grain.MONTH).strip(),
        breakdown=breakdown,
    )


def _date(params: Mapping, name: str) -> date | None:
    text = (params.get(name) or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ApplicationError(
            _("'%(value)s' is not a date (YYYY-MM-DD) for %(name)s.") % {"value": text, "name": name},
            field=name,
        ) from None


def _months_before(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def kpi_table(*, query: ValuesQuery, user) -> KpiValues:
    return kpi_values(
        codes=query.codes,
        start=query.start,
        end=query.end,
        grain=query.grain,
        breakdown=query.breakdown,
        user=user,
    )


@dataclass(frozen=True)
class DisplayedCell:
    text: str
    status: str
    n: int
    small_sample: bool


@dataclass(frozen=True)
class TableRow:
    kpi: Kpi
    name: str
    key: str | None  # None: all keys
    cells: list[DisplayedCell]
    target: str


def table_rows(values: KpiValues) -> list[TableRow]:
    """One row per KPI (and per breakdown key under it, the "all" row first), a cell per period, each
    with its status against the target that applies to it (the admins' targets, else the catalogue's:
    kpi.targets; a store's own target only on a store breakdown's rows)."""
    targets = target_book(kpi.code for kpi in values.kpis)
    rows = []
    for kpi in values.kpis:
        for key in [None, *values.keys]:
            store = key if values.breakdown == "store" else None
            cells = []
            for period in values.periods:
                cell = values.cell(kpi.code, period, key)
                small = kpi.min_n is not None and cell.value is not None and cell.n < kpi.min_n
                target = targets.resolve(kpi, store=store, day=period)
                light = status_of(kpi, cell.value, target)
                cells.append(DisplayedCell(formatted(kpi, cell.value), light.value, cell.n, small))
            current = targets.resolve(kpi, store=store, day=values.periods[-1]) if values.periods else None
            target_text = formatted(kpi, current.target if current else None)
            rows.append(TableRow(kpi, kpi_name(kpi), key, cells, target_text))
    return rows


def period_label(period: date, grain: str) -> str:
    match grain:
        case Grain.DAY:
            return period.isoformat()
        case Grain.WEEK:
            year, week, _weekday = period.isocalendar()
            return f"{year}-W{week:02d}"
        case Grain.MONTH:
            return f"{period:%Y-%m}"
        case Grain.QUARTER:
            return f"{period.year}-Q{(period.month - 1) // 3 + 1}"
    return str(period.year)


def first_request_day() -> date | None:
    """The day (in the organisation's zone) of the first service request: where history starts."""
    first = Ticket.objects.order_by("created_at").values_list("created_at", flat=True).first()
    return None if first is None else first.astimezone(organisation_zone()).date()
