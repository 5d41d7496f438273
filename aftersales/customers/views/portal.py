"""The customer portal: my requests, my products, a new request, and one request's page."""

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftersales.core import clock
from aftersales.core.errors import ApplicationError
from aftersales.customers.forms import MessageForm, PortalRequestForm, ReasonForm
from aftersales.customers.selectors import asset_warranty_status
from aftersales.customers.views.common import (
    PLAIN_STATUS,
    STATUS_TONE,
    plain_status,
    portal_customer_required,
    public_attachments,
    public_comments,
    stages_for,
    with_last_update,
)
from aftersales.service.models import Ticket, Visit
from aftersales.service.models.tickets import Channel, Status
from aftersales.service.services.attachments import attachment_add
from aftersales.service.services.tickets import (
    reopen_window,
    ticket_cancel,
    ticket_customer_reply,
    ticket_register,
    ticket_reopen,
)
from aftersales.service.services.work import visit_confirm


def _my_tickets(request):
    # `visible_to` is the one gate for ticket reads; the customer filter keeps the portal to the person
    # even for an account that would see more.
    return Ticket.objects.visible_to(request.user).filter(customer=request.customer)


def _my_ticket(request, number: str) -> Ticket:
    """Another customer's request number is simply not found."""
    return get_object_or_404(
        _my_tickets(request).select_related("store", "asset__product_model"), number=number
    )


def _apply_error(form, exc: ApplicationError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@require_GET
@portal_customer_required
def portal_home(request):
    customer = request.customer
    tickets = with_last_update(_my_tickets(request)).order_by("-created_at")
    for ticket in tickets:
        ticket.plain_status = plain_status(ticket.status)
        ticket.tone = STATUS_TONE.get(ticket.status, "open")
    today = timezone.localdate(clock.now())
    assets = customer.assets.select_related("product_model", "selling_store").order_by("serial")
    products = [(asset, asset_warranty_status(asset=asset, on=today)) for asset in assets]
    return render(
        request,
        "customers/portal_home.html",
        {"customer": customer, "tickets": tickets, "products": products},
    )


@require_http_methods(["GET", "POST"])
@portal_customer_required
def portal_new(request):
    customer = request.customer
    form = PortalRequestForm(
        request.POST or None,
        request.FILES or None,
        customer=customer,
        asset_id=request.GET.get("asset", "") if request.GET.get("asset", "").isdigit() else None,
    )
    if request.method == "POST" and form.is_valid():
        asset = form.cleaned_data["asset"]
        try:
            with transaction.atomic():
                ticket = ticket_register(
                    by=request.user,
                    store=asset.selling_store if asset else customer.home_store,
                    customer=customer,
                    channel=Channel.PORTAL,
                    kind=form.cleaned_data["kind"],
                    subject=form.cleaned_data["subject"],
                    description=form.cleaned_data["description"],
                    asset=asset,
                )
                if form.cleaned_data["attachment"]:
                    attachment_add(ticket=ticket, by=request.user, upload=form.cleaned_data["attachment"])
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            messages.success(
                request, _("Thank you. Your request %(number)s is registered.") % {"number": ticket.number}
            )
            return redirect("customers:portal_request", number=ticket.number)
    return render(request, "customers/portal_new.html", {"form": form, "customer": customer})


def _can_reopen(ticket: Ticket) -> bool:
    if ticket.status not in {Status.RESOLVED, Status.CLOSED}:
        return False
    return ticket.resolved_at is None or clock.now() - ticket.resolved_at <= reopen_window()


def _render_request(request, ticket: Ticket, *, status: int = 200, **forms):
    visits = list(ticket.visits.select_related("technician").order_by("window_start"))
    context = {
        "ticket": ticket,
        "plain_status": plain_status(ticket.status),
        "tone": STATUS_TONE.get(ticket.status, "open"),
        "stages": stages_for(ticket.status),
        "comments": public_comments(ticket),
        "attachments": public_attachments(ticket),
        "visits": visits,
        "booked": Visit.Status.BOOKED,
        "can_reply": ticket.status not in {Status.CLOSED, Status.CANCELLED},
        "can_reopen": _can_reopen(ticket),
        "can_cancel": ticket.is_open,
        "reply_form": forms.get("reply_form") or MessageForm(),
        "reopen_form": forms.get("reopen_form") or ReasonForm(prefix="reopen"),
        "cancel_form": forms.get("cancel_form") or ReasonForm(prefix="cancel"),
        "PLAIN_STATUS": PLAIN_STATUS,
    }
    return render(request, "customers/portal_request.html", context, status=status)


@require_GET
@portal_customer_required
def portal_request(request, number: str):
    return _render_request(request, _my_ticket(request, number))


@require_POST
@portal_customer_required
def portal_reply(request, number: str):
    ticket = _my_ticket(request, number)
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            with transaction.atomic():
                ticket_customer_reply(ticket=ticket, by=request.user, body=form.cleaned_data["body"])
                if form.cleaned_data["attachment"]:
                    attachment_add(ticket=ticket, by=request.user, upload=form.cleaned_data["attachment"])
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("Your message was sent."))
            return redirect("customers:portal_request", number=ticket.number)
    return _render_request(request, ticket, status=400, reply_form=form)


def _reason_action(request, number: str, *, prefix: str, service, done: str):
    ticket = _my_ticket(request, number)
    form = ReasonForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            service(ticket=ticket, by=request.user, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, done)
            return redirect("customers:portal_request", number=ticket.number)
    return _render_request(request, ticket, status=400, **{f"{prefix}_form": form})


@require_POST
@portal_customer_required
def portal_reopen(request, number: str):
    return _reason_action(
        request, number, prefix="reopen", service=ticket_reopen, done=_("The request is open again.")
    )


@require_POST
@portal_customer_required
def portal_cancel(request, number: str):
    return _reason_action(
        request, number, prefix="cancel", service=ticket_cancel, done=_("The request is cancelled.")
    )


@require_POST
@portal_customer_required
def portal_visit_confirm(request, number: str, visit_id: int):
    ticket = _my_ticket(request, number)
    visit = ticket.visits.filter(pk=visit_id).first()
    if visit is None:
        raise Http404
    try:
        visit_confirm(visit=visit, by=request.user)
    except ApplicationError:
        messages.error(request, _("This visit can no longer be confirmed."))
    else:
        messages.success(request, _("Thank you, the visit time is confirmed."))
    return redirect("customers:portal_request", number=ticket.number)
