"""The specialist's workspace: queue tabs, filters, and the table of requests by nearest due time."""

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from aftersales.service.forms import WorkspaceFilterForm
from aftersales.service.selectors_pages import (
    PAGE_SIZE,
    QUEUES,
    is_manager,
    queue_counts,
    workspace_tickets,
)
from aftersales.service.views.base import is_htmx, staff_required

QUEUE_LABELS = {"mine": _("My queue"), "team": _("Team queue"), "unassigned": _("Unassigned")}
PORTAL_URL_NAMES = ("customers:portal_home", "customers:home")


def home(request: HttpRequest) -> HttpResponse:
    """The site root: staff go to their workspace, portal customers to their portal."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.user.is_staff_member:
        return redirect("service:workspace")
    for name in PORTAL_URL_NAMES:
        try:
            return redirect(reverse(name))
        except NoReverseMatch:
            continue
    return redirect("/portal/")


@staff_required
def workspace(request: HttpRequest) -> HttpResponse:
    queue = request.GET.get("queue", "mine")
    if queue not in QUEUES:
        queue = "mine"
    filters = WorkspaceFilterForm(request.GET or None)
    tickets = workspace_tickets(user=request.user, queue=queue, filters=filters)
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "queue": queue,
        "queue_label": QUEUE_LABELS[queue],
        "filters": filters,
        "page": page,
        "is_filtered": filters.is_bound and any(filters.cleaned_data.get(name) for name in filters.fields)
        if filters.is_valid()
        else False,
    }
    counts = queue_counts(user=request.user)
    context["tabs"] = [(name, QUEUE_LABELS[name], counts[name]) for name in QUEUES]
    if is_htmx(request) and request.htmx.target == "ticket-table":
        # The tabs come along out of band so that their links keep the new filters.
        context["oob"] = True
        return render(request, "service/workspace.html#ticket-table", context)
    context["show_manager_link"] = is_manager(request.user)
    return render(request, "service/workspace.html", context)
