"""The complaint register (/complaints/): the complaints on requests the person may see, with filters,
days open and overdue ones marked, a page at a time; and the same list as CSV or XLSX."""

from zoneinfo import ZoneInfo

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from aftersales.accounts.models import Store
from aftersales.core import clock
from aftersales.core.params import date_or_none, int_or_none
from aftersales.core.spreadsheets import table_response
from aftersales.service.models.complaints import Severity, Source
from aftersales.service.selectors import COMPLAINT_STATES, ComplaintFilters, complaint_list
from aftersales.service.views.base import staff_required

PAGE_SIZE = 50
STATE_LABELS = {
    "open": gettext_lazy("open"),
    "closed": gettext_lazy("closed"),
    "overdue": gettext_lazy("overdue"),
}


def filters_from(params) -> ComplaintFilters:
    """The filters of a query string; a value that does not parse is ignored, not an error."""
    severity = int_or_none(params.get("severity"))
    source = (params.get("source") or "").strip()
    state = (params.get("state") or "").strip()
    return ComplaintFilters(
        store=(params.get("store") or "").strip()[:20],
        severity=severity if severity in Severity.values else None,
        source=source if source in Source.values else "",
        state=state if state in COMPLAINT_STATES else "",
        opened_from=date_or_none(params.get("from")),
        opened_to=date_or_none(params.get("to")),
    )


def _with_clock(complaints, now) -> list:
    """Rows with `days` open and the `overdue` flag at `now`, for the page and the CSV alike."""
    rows = list(complaints)
    for complaint in rows:
        complaint.days, complaint.overdue = complaint.days_open(now), complaint.is_overdue(now)
    return rows


@staff_required
@require_GET
def complaint_register(request: HttpRequest) -> HttpResponse:
    filters = filters_from(request.GET)
    now = clock.now()
    page = Paginator(complaint_list(viewer=request.user, filters=filters, now=now), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    page.object_list = _with_clock(page.object_list, now)
    stores = Store.objects.order_by("code")
    if not request.user.sees_all_stores:
        stores = stores.filter(pk__in=sorted(request.user.store_ids))
    context = {
        "page": page,
        "filters": filters,
        "stores": list(stores),
        "severities": Severity.choices,
        "sources": Source.choices,
        "states": list(STATE_LABELS.items()),
        "export_query": request.GET.urlencode(),
    }
    return render(request, "service/complaints.html", context)


@staff_required
@require_GET
def complaint_register_csv(request: HttpRequest) -> HttpResponse:
    return _register_export(request, "csv")


@staff_required
@require_GET
def complaint_register_xlsx(request: HttpRequest) -> HttpResponse:
    return _register_export(request, "xlsx")


def _register_export(request: HttpRequest, export_format: str) -> HttpResponse:
    """Every complaint matching the filters (not only one page), in the store's local time, as CSV or
    XLSX (core.spreadsheets: formula-like text escaped)."""
    now = clock.now()
    complaints = complaint_list(viewer=request.user, filters=filters_from(request.GET), now=now)
    header = [
        _("Request"),
        _("Store"),
        _("Customer"),
        _("Subject"),
        _("Severity"),
        _("Source"),
        _("Status"),
        _("Opened"),
        _("Days open"),
        _("Close by"),
        _("Overdue"),
        _("Closed"),
        _("Closed in time"),
        _("Escalated to"),
        _("Assignee"),
        _("Root cause"),
        _("Corrective measure"),
    ]
    return table_response(export_format, "complaints", header, _export_rows(complaints, now))


def _export_rows(complaints, now):
    yes_no = {True: _("yes"), False: _("no"), None: ""}
    for complaint in _with_clock(complaints.iterator(chunk_size=1000), now):
        ticket = complaint.ticket
        zone = ZoneInfo(ticket.store.timezone)

        def local(moment, zone=zone) -> str:
            return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""

        yield [
            ticket.number,
            ticket.store.name,
            ticket.customer.name,
            ticket.subject,
            complaint.severity,
            complaint.get_source_display(),
            ticket.get_status_display(),
            local(complaint.opened_at),
            complaint.days,
            local(complaint.due_at),
            yes_no[complaint.overdue],
            local(complaint.closed_at),
            yes_no[complaint.closed_within_due],
            complaint.get_escalation_level_display() if complaint.escalation_level else "",
            str(ticket.assignee or ""),
            complaint.root_cause,
            complaint.corrective_measure,
        ]
