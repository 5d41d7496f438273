"""Staff pages: the KPI catalogue and the values table with a period, grain and breakdown picker."""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from aftersales.core.errors import ApplicationError
from aftersales.core.spreadsheets import FORMATS, table_response
from aftersales.kpi.catalogue import CATALOGUE
from aftersales.kpi.selectors import (
    admin_targets,
    breakdowns_of,
    formatted,
    kpi_name,
    kpi_table,
    period_label,
    table_rows,
    values_query_from,
)
from aftersales.kpi.semantic import Family, Grain
from aftersales.service.views.base import staff_required


@staff_required
@require_GET
def catalogue(request):
    """Every KPI with its default target and, under it, the targets admins set (one query for them)."""
    targets = admin_targets(user=request.user)
    families = [
        (
            family,
            [
                (kpi, formatted(kpi, kpi.target), targets.get(kpi.code, []))
                for kpi in CATALOGUE
                if kpi.family == family
            ],
        )
        for family in Family
    ]
    context = {"families": families}
    return render(request, "kpi/catalogue.html", context)


def export_format(params) -> str | None:
    export = params.get("export")
    if export is None:
        return None
    if export not in FORMATS:
        raise ApplicationError(
            _("Unknown export format '%(format)s': use csv or xlsx.") % {"format": export[:20]},
            field="export",
        )
    return export


@staff_required
@require_GET
def values(request):
    context = {
        "catalogue": [(kpi.code, kpi_name(kpi)) for kpi in CATALOGUE],
        "grains": list(Grain),
    }
    status = 200
    chosen = request.GET.getlist("codes")
    # the breakdowns the chosen KPIs share (as parsed: "a,b" or repeated)
    context["dimensions"] = breakdowns_of(
        [c.strip() for text in chosen for c in text.split(",") if c.strip()]
    )
    try:
        query = values_query_from(request.GET, codes=chosen)
        context["query"] = query
        export = export_format(request.GET)
        table = kpi_table(query=query, user=request.user)
    except ApplicationError as exc:
        context["error"] = exc
        status = 400
    else:
        periods = [period_label(period, table.grain) for period in table.periods]
        rows = table_rows(table)
        if export:
            return table_response(
                export, f"kpi-values-{query.start.isoformat()}", *export_table(periods, rows)
            )
        context["periods"] = periods
        context["rows"] = rows
        export_query = request.GET.copy()
        export_query.pop("export", None)
        context["export_query"] = export_query.urlencode()
    return render(request, "kpi/values.html", context, status=status)


def export_table(periods: list[str], rows) -> tuple[list[str], list[list[str]]]:
    """The values table as on the page: a row per KPI and per breakdown key (the KPI's own row has no
    key), the values as shown (units, "—" for no value), the target last."""
    header = [_("KPI"), _("Breakdown"), *periods, _("Target")]
    body = [
        [
            row.name,
            "" if row.key is None else row.key or _("(none)"),
            *(cell.text for cell in row.cells),
            row.target,
        ]
        for row in rows
    ]
    return header, body
