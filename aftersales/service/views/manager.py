"""The manager's overview of their stores, and reassigning a request from it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.core import clock
from aftersales.core.errors import ApplicationError
from aftersales.service.forms import AssignForm
from aftersales.service.models import Ticket
from aftersales.service.selectors_pages import is_manager, manager_overview, store_handlers
from aftersales.service.services.assignment import ticket_assign
from aftersales.service.views.base import UNPROCESSABLE, is_htmx, staff_required

TEMPLATE = "service/manager.html"


def _require_manager(request: HttpRequest) -> None:
    if not is_manager(request.user):
        raise PermissionDenied


@staff_required
def manager(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    overviews = manager_overview(user=request.user)
    for overview in overviews:
        overview.lists = [
            (_("Breached"), overview.breached, _("No request has missed its target.")),
            (_("At risk"), overview.at_risk, _("No request has reached its SLA warning.")),
            (_("Unassigned"), overview.unassigned, _("Every open request has an assignee.")),
        ]
    return render(request, TEMPLATE, {"overviews": overviews, "now": clock.now()})


@staff_required
@require_POST
def manager_assign(request: HttpRequest, number: str) -> HttpResponse:
    """Reassign one request with a reason; htmx gets the row's form back with the outcome."""
    ticket = (
        Ticket.objects.visible_to(request.user)
        .select_related("store", "customer", "assignee", "sla_policy")
        .filter(number=number)
        .first()
    )
    if ticket is None:  # before the role check: a request of another store is simply not there
        raise Http404
    _require_manager(request)
    handlers = list(store_handlers(ticket.store_id))
    form = AssignForm(request.POST, auto_id=f"assign-{ticket.pk}-%s", handlers=handlers)
    status = 200
    if form.is_valid():
        try:
            ticket = ticket_assign(
                ticket=ticket,
                assignee=form.cleaned_data["assignee"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as error:
            form.add_service_error(error)
            status = UNPROCESSABLE
        else:
            text = _("%(number)s assigned to %(assignee)s.") % {
                "number": ticket.number,
                "assignee": ticket.assignee,
            }
            if not is_htmx(request):
                messages.success(request, text)
                return redirect("service:manager")
            form = AssignForm(auto_id=f"assign-{ticket.pk}-%s", handlers=handlers)
            return render(
                request,
                f"{TEMPLATE}#reassign",
                {"ticket": ticket, "form": form, "done": text, "handlers": handlers},
            )
    else:
        status = UNPROCESSABLE
    if not is_htmx(request):
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
        return redirect("service:manager")
    return render(
        request, f"{TEMPLATE}#reassign", {"ticket": ticket, "form": form, "handlers": handlers}, status=status
    )
