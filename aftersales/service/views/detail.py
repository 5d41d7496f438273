"""One service request: header, customer and asset, timeline, visits, parts, attachments, actions."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from aftersales.core import clock
from aftersales.customers.selectors import asset_warranty_status
from aftersales.service import forms as f
from aftersales.service.models import Complaint, Ticket
from aftersales.service.models.tickets import Kind
from aftersales.service.selectors_pages import (
    available_actions,
    parts_summary,
    ticket_for_page,
    ticket_timeline,
    visit_actions,
)
from aftersales.service.views.base import staff_required

TEMPLATE = "service/detail.html"


def get_ticket(request: HttpRequest, number: str) -> Ticket:
    ticket = ticket_for_page(user=request.user, number=number)
    if ticket is None:
        raise Http404
    return ticket


def store_zone(ticket: Ticket) -> ZoneInfo:
    return ZoneInfo(ticket.store.timezone)


def next_visit_window(ticket: Ticket) -> tuple[datetime, datetime]:
    """A suggestion for the booking form: tomorrow 09:00–11:00 in the store's time zone."""
    tomorrow = clock.now().astimezone(store_zone(ticket)).date() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(9), tzinfo=store_zone(ticket))
    return start, start + timedelta(hours=2)


def action_forms(ticket: Ticket, actions) -> dict[str, f.ServiceForm]:
    start, end = next_visit_window(ticket)

    def local(moment: datetime) -> str:
        return moment.strftime(f.DATETIME_LOCAL)

    return {
        "reply": f.ReplyForm(auto_id="reply-%s"),
        "note": f.ReplyForm(auto_id="note-%s"),
        "log_call": f.LogCallForm(auto_id="log_call-%s"),
        "start": f.EmptyForm(auto_id="start-%s"),
        "resume": f.EmptyForm(auto_id="resume-%s"),
        "wait": f.WaitForm(auto_id="wait-%s", wait_on=actions.wait_on),
        "book_visit": f.BookVisitForm(
            auto_id="book_visit-%s",
            store_id=ticket.store_id,
            initial={"window_start": local(start), "window_end": local(end)},
        ),
        "record_part": f.PartForm(auto_id="record_part-%s"),
        "resolve": f.ResolveForm(auto_id="resolve-%s"),
        "close": f.EmptyForm(auto_id="close-%s"),
        "reopen": f.ReasonForm(auto_id="reopen-%s"),
        "cancel": f.ReasonForm(auto_id="cancel-%s"),
        "assign": f.AssignForm(auto_id="assign-%s", store_id=ticket.store_id),
        "upload": f.AttachmentForm(auto_id="upload-%s"),
        "complaint": f.ComplaintForm(auto_id="complaint-%s", initial=complaint_initial(ticket)),
    }


def complaint_of(ticket: Ticket) -> Complaint | None:
    """The complaint record of a complaint (joined in by `ticket_for_page`), else None."""
    return ticket.complaint if ticket.kind == Kind.COMPLAINT else None


def complaint_initial(ticket: Ticket) -> dict:
    complaint = complaint_of(ticket)
    if complaint is None:
        return {}
    return {
        "severity": complaint.severity,
        "root_cause": complaint.root_cause,
        "corrective_measure": complaint.corrective_measure,
    }


def detail_context(
    request: HttpRequest, ticket: Ticket, *, bound: dict | None = None, visit_forms=None
) -> dict:
    """Everything the detail page shows; `bound` replaces an action's blank form by the one that failed."""
    user = request.user
    actions = available_actions(user=user, ticket=ticket)
    forms = action_forms(ticket, actions)
    forms.update(bound or {})
    visits = list(ticket.visits.select_related("technician"))
    for visit in visits:
        visit.allowed = visit_actions(may_work=actions.work, visit=visit)
        visit.complete_form = (visit_forms or {}).get(visit.pk) or f.CompleteVisitForm(
            auto_id=f"complete_visit-{visit.pk}-%s"
        )
    warranty = None
    if ticket.asset is not None:
        warranty = asset_warranty_status(
            asset=ticket.asset, on=clock.now().astimezone(store_zone(ticket)).date()
        )
    complaint = complaint_of(ticket)
    if complaint is not None:
        now = clock.now()
        complaint.overdue, complaint.days = complaint.is_overdue(now), complaint.days_open(now)
    return {
        "ticket": ticket,
        "complaint": complaint,
        "warranty": warranty,
        "timeline": ticket_timeline(ticket),
        "visits": visits,
        "parts": parts_summary(ticket),
        "attachments": list(ticket.attachments.select_related("uploaded_by")),
        "actions": actions,
        "forms": forms,
    }


@staff_required
def ticket_detail(request: HttpRequest, number: str) -> HttpResponse:
    ticket = get_ticket(request, number)
    return render(request, TEMPLATE, detail_context(request, ticket))
