"""Dashboards (executive, store, specialist, quality, business) and the drill-down records page; reads
only.

Who sees what: the executive dashboard is for executives and admins; the store and quality dashboards
for managers and quality engineers, over the stores `visible_to` gives them; the business dashboard for
executives, admins and store managers; everybody on staff sees
their own KPIs, and a specialist or technician drills into their own requests only. Any table exports
as CSV or XLSX (`?export=csv&table=NAME`).
"""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from aftersales.accounts.models import User
from aftersales.core.errors import ApplicationError
from aftersales.core.spreadsheets import FORMATS, table_response
from aftersales.kpi.catalogue import CATALOGUE
from aftersales.kpi.drill import PART_LABELS, Part, kpi_drill, parts_of
from aftersales.kpi.engine import period_start_of
from aftersales.kpi.selectors import period_label
from aftersales.kpi.semantic import Grain
from aftersales.reports import selectors
from aftersales.reports.selectors import (
    BREAKDOWN_LABELS,
    GRAIN_LABELS,
    Dashboard,
    kpi_name,
    params_from,
    sees_business,
    sees_company,
    sees_stores,
    visible_stores,
)
from aftersales.service.views.base import staff_required

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000  # rows in one export: a bigger one is a database job, not a download


def _bad_request(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return render(
        request, "reports/bad_request.html", {"message": exc.message, "field": exc.field}, status=400
    )


def _export_format(request: HttpRequest) -> str | None:
    export = request.GET.get("export")
    if export is None:
        return None
    if export not in FORMATS:
        raise ApplicationError(
            _("Unknown export format '%(format)s': use csv or xlsx.") % {"format": export[:20]},
            field="export",
        )
    return export


def _dashboard_response(request: HttpRequest, dashboard: Dashboard, kind: str, **context) -> HttpResponse:
    export = _export_format(request)
    if export:
        table = dashboard.table(request.GET.get("table", ""))
        if table is None:
            raise Http404
        return table_response(export, f"{kind}-{table.name}", table.header, table.export_rows())
    user = request.user
    context = {
        "dashboard": dashboard,
        "kind": kind,
        "params": dashboard.params,
        "breakdowns": [
            (code, label) for code, label in BREAKDOWN_LABELS.items() if code not in context.get("hide", ())
        ],
        "grains": list(GRAIN_LABELS.items()),
        "sees_company": sees_company(user),
        "sees_stores": sees_stores(user),
        "sees_business": sees_business(user),
        "chart_locale": "EN" if (translation.get_language() or "").startswith("en") else "ZH",
        "trend": request.GET.get("trend", ""),
        **context,
    }
    return render(request, "reports/dashboard.html", context)


@staff_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    if sees_company(request.user):
        return redirect("reports:executive")
    if sees_stores(request.user):
        return redirect("reports:store")
    return redirect("reports:specialist")


@staff_required
@require_GET
def executive(request: HttpRequest) -> HttpResponse:
    if not sees_company(request.user):
        raise PermissionDenied
    try:
        params = params_from(request.GET, default_breakdown="store")
        dashboard = selectors.executive_dashboard(
            user=request.user, params=params, trend=request.GET.get("trend")
        )
        return _dashboard_response(request, dashboard, "executive", trend_kpis=selectors.COMPANY_KPIS)
    except ApplicationError as exc:
        return _bad_request(request, exc)


@staff_required
@require_GET
def store(request: HttpRequest) -> HttpResponse:
    if not sees_stores(request.user):
        raise PermissionDenied
    stores = list(visible_stores(request.user))
    code = request.GET.get("store") or (stores[0].code if stores else "")
    chosen = next((s for s in stores if s.code == code), None)
    if chosen is None:
        raise Http404  # another store's dashboard: the same answer as a store that does not exist
    try:
        params = params_from(request.GET, default_breakdown="specialist")
        dashboard = selectors.store_dashboard(
            user=request.user, store=chosen, params=params, trend=request.GET.get("trend")
        )
        return _dashboard_response(
            request, dashboard, "store", stores=stores, store=chosen, trend_kpis=selectors.COMPANY_KPIS
        )
    except ApplicationError as exc:
        return _bad_request(request, exc)


@staff_required
@require_GET
def specialist(request: HttpRequest) -> HttpResponse:
    """The person's own KPIs; a manager may open those of the staff of their stores."""
    user = request.user
    username = request.GET.get("specialist") or user.username
    people = []
    if sees_stores(user):
        people = list(
            User.objects.filter(stores__in=visible_stores(user), is_active=True)
            .exclude(role="customer")
            .distinct()
            .order_by("username")
        )
    if username == user.username:
        person = user
    else:
        person = next((p for p in people if p.username == username), None)
        if person is None:
            raise Http404
    try:
        params = params_from(request.GET, default_breakdown="specialist")
        dashboard = selectors.specialist_dashboard(
            user=user, person=person, params=params, trend=request.GET.get("trend")
        )
        return _dashboard_response(
            request,
            dashboard,
            "specialist",
            people=people,
            person=person,
            trend_kpis=selectors.SPECIALIST_KPIS,
            hide=tuple(BREAKDOWN_LABELS),
        )
    except ApplicationError as exc:
        return _bad_request(request, exc)


@staff_required
@require_GET
def quality(request: HttpRequest) -> HttpResponse:
    if not sees_stores(request.user):
        raise PermissionDenied
    try:
        params = params_from(request.GET, default_breakdown="fault_category")
        dashboard = selectors.quality_dashboard(user=request.user, params=params)
        return _dashboard_response(request, dashboard, "quality")
    except ApplicationError as exc:
        return _bad_request(request, exc)


@staff_required
@require_GET
def business(request: HttpRequest) -> HttpResponse:
    """The 4S business figures: every store added up or one of them (`store`), and the league of stores.
    Executives and admins see every store, a store manager theirs; another store is a 404, as on the
    store dashboard."""
    user = request.user
    if not sees_business(user):
        raise PermissionDenied
    stores = list(visible_stores(user))
    code = request.GET.get("store") or ""
    chosen = next((s for s in stores if s.code == code), None)
    if code and chosen is None:
        raise Http404
    if not code and not user.sees_all_stores and len(stores) == 1:
        chosen = stores[0]  # a manager of one store: their store, with its own targets
    try:
        params = params_from(request.GET, default_breakdown="store")
        dashboard = selectors.business_dashboard(
            user=user, store=chosen, stores=stores, params=params, trend=request.GET.get("trend")
        )
        return _dashboard_response(
            request,
            dashboard,
            "business",
            stores=stores,
            store=chosen,
            all_stores_option=True,
            trend_kpis=selectors.BUSINESS_KPIS,
            hide=tuple(BREAKDOWN_LABELS),
        )
    except ApplicationError as exc:
        return _bad_request(request, exc)


# --- drill-down --------------------------------------------------------------------------------------------


def _cell(value):
    """A record's value for the page and the export: times in the organisation's zone, days as ISO
    dates, yes/no for a flag (a fact's "with finance")."""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return value


def _shown(columns, row) -> list:
    return [_cell(column.shown(value)) for column, value in zip(columns, row, strict=True)]


def _grain_param(request: HttpRequest) -> Grain | None:
    """The optional `grain` of the value drilled into: what a growth rate's period before is."""
    raw = request.GET.get("grain") or ""
    if not raw:
        return None
    try:
        return Grain(raw)
    except ValueError:
        raise ApplicationError(
            _("Unknown grain '%(grain)s': use one of %(grains)s.")
            % {"grain": raw[:20], "grains": ", ".join(Grain)},
            field="grain",
        ) from None


@staff_required
@require_GET
def drill(request: HttpRequest, code: str, part: str) -> HttpResponse:
    """The records behind a number: `start`, `end` (exclusive), and optionally `grain` (the period's),
    `store`, `breakdown` and `key`, as the dashboards link them."""
    user = request.user
    try:
        start = selectors.date_param(request.GET, "start")
        end = selectors.date_param(request.GET, "end")
        if start is None or end is None:
            raise ApplicationError(
                _("Give the period's start and end."), field="start" if start is None else "end"
            )
        breakdown = request.GET.get("breakdown") or None
        grain = _grain_param(request)
        result = kpi_drill(
            code=code,
            part=part,
            start=start,
            end=end,
            user=user,
            breakdown=breakdown,
            key=request.GET.get("key", "") if breakdown else None,
            store=request.GET.get("store") or None,
            own_only=not sees_stores(user),
            grain=grain,
        )
        export = _export_format(request)
    except ApplicationError as exc:
        return _bad_request(request, exc)
    columns = result.all_columns
    rows = result.rows.values_list(*(column.path for column in columns))
    header = [column.label for column in columns]
    if export:
        body = (_shown(columns, row) for row in rows[:EXPORT_LIMIT].iterator())
        return table_response(export, f"{code}-{part}-{start.isoformat()}", header, body)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = [_shown(columns, row) for row in page.object_list]
    distinct = None
    if result.distinct_field:
        distinct = result.rows.values(result.distinct_field).distinct().count()
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    parts = [
        (candidate, PART_LABELS[candidate], reverse("reports:drill", args=[code, candidate.value]))
        for candidate in parts_of(result.kpi)
    ]
    context = {
        "drill": result,
        "header": header,
        "kpi": result.kpi,
        "kpi_name": kpi_name(result.kpi),
        "part_label": PART_LABELS[Part(part)],
        "parts": parts,
        "page": page,
        "query": query.urlencode(),
        "distinct": distinct,
        "breakdown_label": BREAKDOWN_LABELS.get(result.breakdown or "", ""),
        # the period of the dashboard's column ("week 2026-W11"; the one before, for "previous")
        "period": f"{GRAIN_LABELS[grain]} {period_label(period_start_of(result.start, grain), grain)}"
        if grain
        else "",
        "catalogue": CATALOGUE,
    }
    return render(request, "reports/drill.html", context)
