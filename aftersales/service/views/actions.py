"""Every change to a request from its detail page: one form, one service function.

An invalid input or a refused change (ApplicationError) writes nothing and shows the message next to
the field it names: htmx gets the form fragment back with status 422, a plain browser the whole page.
A success answers htmx with the refreshed main block and a plain browser with a redirect."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget

from aftersales.core.errors import ApplicationError
from aftersales.service import forms as f
from aftersales.service.models import Ticket, Visit
from aftersales.service.selectors_pages import AvailableActions, available_actions
from aftersales.service.services import assignment, attachments, complaints, tickets, work
from aftersales.service.views.base import UNPROCESSABLE, is_htmx, staff_required
from aftersales.service.views.detail import TEMPLATE, detail_context, get_ticket, store_zone


@dataclass(frozen=True)
class Action:
    form: type[f.ServiceForm]
    run: Callable  # (user, ticket, visit, cleaned_data) -> None; calls exactly one service function
    done: str
    on_visit: bool = False


def _reply(internal: bool):
    def run(user, ticket, visit, data):
        tickets.ticket_reply(ticket=ticket, by=user, body=data["body"], internal=internal)

    return run


ACTIONS: dict[str, Action] = {
    "reply": Action(f.ReplyForm, _reply(internal=False), _("Reply sent to the customer.")),
    "note": Action(f.ReplyForm, _reply(internal=True), _("Internal note added.")),
    "log_call": Action(
        f.LogCallForm,
        lambda user, ticket, visit, data: tickets.ticket_log_call(
            ticket=ticket, by=user, summary=data["summary"]
        ),
        _("Call logged."),
    ),
    "start": Action(
        f.EmptyForm,
        lambda user, ticket, visit, data: tickets.ticket_start(ticket=ticket, by=user),
        _("Work started."),
    ),
    "resume": Action(
        f.EmptyForm,
        lambda user, ticket, visit, data: tickets.ticket_resume(ticket=ticket, by=user),
        _("Work resumed; the SLA clock runs again."),
    ),
    "wait": Action(
        f.WaitForm,
        lambda user, ticket, visit, data: tickets.ticket_wait(
            ticket=ticket, by=user, on=data["on"], note=data["note"]
        ),
        _("Waiting; the SLA clock is paused."),
    ),
    "book_visit": Action(
        f.BookVisitForm,
        lambda user, ticket, visit, data: work.visit_book(
            ticket=ticket,
            by=user,
            technician=data["technician"],
            window_start=data["window_start"],
            window_end=data["window_end"],
            address=data["address"],
        ),
        _("Visit booked."),
    ),
    "confirm_visit": Action(
        f.EmptyForm,
        lambda user, ticket, visit, data: work.visit_confirm(visit=visit, by=user),
        _("Visit confirmed."),
        on_visit=True,
    ),
    "arrive_visit": Action(
        f.EmptyForm,
        lambda user, ticket, visit, data: work.visit_arrive(visit=visit, by=user),
        _("Arrival recorded."),
        on_visit=True,
    ),
    "complete_visit": Action(
        f.CompleteVisitForm,
        lambda user, ticket, visit, data: work.visit_complete(visit=visit, by=user, report=data["report"]),
        _("Visit completed."),
        on_visit=True,
    ),
    "record_part": Action(
        f.PartForm,
        lambda user, ticket, visit, data: work.part_record(
            ticket=ticket,
            by=user,
            part_number=data["part_number"],
            quantity=data["quantity"],
            unit_cost=data["unit_cost"],
            description=data["description"],
        ),
        _("Part recorded."),
    ),
    "resolve": Action(
        f.ResolveForm,
        lambda user, ticket, visit, data: tickets.ticket_resolve(
            ticket=ticket,
            by=user,
            outcome=data["outcome"],
            root_cause=data["root_cause"],
            note=data["note"],
            replacement_serial=data["replacement_serial"],
            labour_hours=data["labour_hours"] or 0,
        ),
        _("Request resolved."),
    ),
    "close": Action(
        f.EmptyForm,
        lambda user, ticket, visit, data: tickets.ticket_close(ticket=ticket, by=user),
        _("Request closed."),
    ),
    "reopen": Action(
        f.ReasonForm,
        lambda user, ticket, visit, data: tickets.ticket_reopen(
            ticket=ticket, by=user, reason=data["reason"]
        ),
        _("Request reopened."),
    ),
    "cancel": Action(
        f.ReasonForm,
        lambda user, ticket, visit, data: tickets.ticket_cancel(
            ticket=ticket, by=user, reason=data["reason"]
        ),
        _("Request cancelled."),
    ),
    "assign": Action(
        f.AssignForm,
        lambda user, ticket, visit, data: assignment.ticket_assign(
            ticket=ticket, assignee=data["assignee"], by=user, reason=data["reason"]
        ),
        _("Request assigned."),
    ),
    "complaint": Action(
        f.ComplaintForm,
        lambda user, ticket, visit, data: complaints.complaint_update(
            ticket=ticket,
            by=user,
            severity=data["severity"],
            reason=data["reason"],
            root_cause=data["root_cause"],
            corrective_measure=data["corrective_measure"],
        ),
        _("Complaint updated."),
    ),
    "upload": Action(
        f.AttachmentForm,
        lambda user, ticket, visit, data: attachments.attachment_add(
            ticket=ticket, by=user, upload=data["attachment"]
        ),
        _("File attached."),
    ),
}


def _form_kwargs(name: str, ticket: Ticket, user) -> dict:
    if name == "wait":
        return {"wait_on": available_actions(user=user, ticket=ticket).wait_on}
    if name in {"book_visit", "assign"}:
        return {"store_id": ticket.store_id}
    return {}


@staff_required
@require_POST
def ticket_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    ticket = get_ticket(request, number)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    visit = None
    if spec.on_visit:
        visit = ticket.visits.filter(pk=request.POST.get("visit") or 0).first()
        if visit is None:
            raise Http404
        visit.ticket = ticket
    auto_id = f"{action}-{visit.pk}-%s" if visit else f"{action}-%s"
    form = spec.form(
        request.POST, request.FILES, auto_id=auto_id, **_form_kwargs(action, ticket, request.user)
    )
    # Date-times typed into the form are in the store's time zone.
    with timezone.override(store_zone(ticket)):
        valid = form.is_valid()
    if valid:
        try:
            spec.run(request.user, ticket, visit, form.cleaned_data)
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, spec.done)
            if is_htmx(request):
                ticket = get_ticket(request, number)
                return render(request, f"{TEMPLATE}#ticket-main", detail_context(request, ticket))
            return redirect("service:ticket_detail", number=ticket.number)
    return _invalid(request, ticket, action, form, visit)


def _shown(action: str, actions: AvailableActions, visit: Visit | None) -> bool:
    """Whether the page shows this action's form (a refused action may not be on offer at all)."""
    if visit is not None:
        return action in visit.allowed
    flag = {"note": "reply", "wait": "wait_on"}.get(action, action)
    return bool(getattr(actions, flag, False))


def _invalid(request: HttpRequest, ticket: Ticket, action: str, form: f.ServiceForm, visit: Visit | None):
    bound, visit_forms = {}, {}
    if visit is not None:
        visit_forms[visit.pk] = form
    else:
        bound[action] = form
    context = detail_context(request, ticket, bound=bound, visit_forms=visit_forms)
    if visit is not None:
        visit = next(item for item in context["visits"] if item.pk == visit.pk)
        context["visit"] = visit
    shown = _shown(action, context["actions"], visit)
    if not shown:
        context["failed_form"] = form
    if not is_htmx(request):
        return render(request, TEMPLATE, context, status=UNPROCESSABLE)
    if not shown:
        fragment, target = "action-errors", "#action-errors"
    elif visit is not None:
        fragment, target = "visit-actions", f"#visit-{visit.pk}-actions"
    else:
        fragment, target = f"action-{action}", f"#action-{action}"
    response = render(request, f"{TEMPLATE}#{fragment}", context, status=UNPROCESSABLE)
    return reswap(retarget(response, target), "outerHTML")
