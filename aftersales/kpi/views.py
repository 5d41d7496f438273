"""Staff pages: the KPI catalogue and the values table with a period, grain and breakdown picker."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from aftersales.core.errors import ApplicationError
from aftersales.kpi.catalogue import CATALOGUE, REQUEST_DIMENSIONS
from aftersales.kpi.selectors import (
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
    families = [
        (family, [(kpi, formatted(kpi, kpi.target)) for kpi in CATALOGUE if kpi.family == family])
        for family in Family
    ]
    return render(request, "kpi/catalogue.html", {"families": families})


@staff_required
@require_GET
def values(request):
    context = {
        "catalogue": [(kpi.code, kpi_name(kpi)) for kpi in CATALOGUE],
        "grains": list(Grain),
        "dimensions": list(REQUEST_DIMENSIONS),
    }
    status = 200
    try:
        query = values_query_from(request.GET, codes=request.GET.getlist("codes"))
        context["query"] = query
        table = kpi_table(query=query, user=request.user)
    except ApplicationError as exc:
        context["error"] = exc
        status = 400
    else:
        context["periods"] = [period_label(period, table.grain) for period in table.periods]
        context["rows"] = table_rows(table)
    return render(request, "kpi/values.html", context, status=status)
