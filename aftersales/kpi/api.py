"""KPIs over the API: the catalogue, and values by codes, period range, grain and breakdown, scoped like
the pages (a store manager sees only their store). Staff only."""

from django.utils.translation import gettext as _
from ninja import Router

from aftersales.api.auth import current_user
from aftersales.core.errors import NotAllowed
from aftersales.kpi.catalogue import CATALOGUE
from aftersales.kpi.schemas import KpiOut, ValuesOut
from aftersales.kpi.selectors import kpi_table, values_query_from

router = Router(tags=["kpi"])


def _staff(request):
    user = current_user(request)
    if not user.is_staff_member:
        raise NotAllowed(_("KPIs are for staff."))
    return user


@router.get("/kpi/catalogue", response=list[KpiOut], url_name="kpi_catalogue")
def catalogue(request):
    """Every KPI with its formula, unit, direction, variant, source section and default target."""
    _staff(request)
    return [
        {**vars(kpi), "kind": kpi.kind, "formula": str(kpi.formula), "variant": str(kpi.variant)}
        for kpi in CATALOGUE
    ]


@router.get("/kpi/values", response=ValuesOut, url_name="kpi_values")
def values(
    request, codes: str = "", start: str = "", end: str = "", grain: str = "month", breakdown: str = ""
):
    """`codes` comma-separated (default: all); `start`/`end` ISO dates, end exclusive (default: the last
    six months); `grain` day, week, month, quarter or year; `breakdown` one of the dimensions (store,
    region, department, specialist, product_category, channel, kind, priority, customer_tier). Each
    KPI has a row per period and key, and one with `key: null` for all keys (a ratio of sums)."""
    user = _staff(request)
    query = values_query_from(
        {"codes": codes, "start": start, "end": end, "grain": grain, "breakdown": breakdown}
    )
    table = kpi_table(query=query, user=user)
    wanted = {kpi.code for kpi in table.kpis}
    return {
        "start": query.start,
        "end": query.end,
        "grain": table.grain,
        "breakdown": table.breakdown,
        "periods": table.periods,
        "keys": table.keys,
        "values": [vars(cell) for cell in table.cells.values() if cell.kpi in wanted],
    }
