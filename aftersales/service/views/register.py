"""Registering a request taken by phone, at the counter or from an email: find or create the customer,
pick the asset (its warranty is shown), describe the request. One transaction: a new customer is only
kept if the request is registered too."""

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.core import clock
from aftersales.core.errors import ApplicationError
from aftersales.customers.models import Customer
from aftersales.customers.selectors import asset_warranty_status
from aftersales.customers.selectors import customer_search as find_customers
from aftersales.customers.services import customer_create
from aftersales.service.forms import RegisterForm
from aftersales.service.models.tickets import Kind
from aftersales.service.services.attachments import attachment_add
from aftersales.service.services.complaints import complaint_open
from aftersales.service.services.tickets import ticket_register
from aftersales.service.views.base import UNPROCESSABLE, staff_required

TEMPLATE = "service/register.html"


def _assets_with_warranty(customer: Customer) -> list:
    today = timezone.localdate(clock.now())
    assets = list(customer.assets.select_related("product_model"))
    for asset in assets:
        asset.warranty = asset_warranty_status(asset=asset, on=today)
    return assets


def _visible_customer(request: HttpRequest, pk) -> Customer | None:
    if not pk:
        return None
    try:
        return Customer.objects.visible_to(request.user).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


@staff_required
def register(request: HttpRequest) -> HttpResponse:
    # Without JavaScript the search button sends the whole form by GET: keep what was typed.
    typed = request.GET.dict() if request.method == "GET" else None
    form = RegisterForm(request.POST or None, request.FILES or None, user=request.user, initial=typed)
    if request.method == "POST" and form.is_valid():
        ticket = _register(request, form)
        if ticket is not None:
            if ticket.assignee:
                text = _("Request %(number)s registered and assigned to %(assignee)s.") % {
                    "number": ticket.number,
                    "assignee": ticket.assignee,
                }
            else:
                text = _(
                    "Request %(number)s registered. Nobody could take it now: it waits in the unassigned queue."
                ) % {"number": ticket.number}
            messages.success(request, text)
            return redirect("service:ticket_detail", number=ticket.number)
    query = request.GET.get("q", "").strip()
    selected = _visible_customer(request, form["customer"].value())
    context = {
        "form": form,
        "query": query,
        "results": find_customers(viewer=request.user, query=query) if query else None,
        "selected": selected,
        "assets": _assets_with_warranty(selected) if selected else [],
        "selected_asset": str(form["asset"].value() or ""),
    }
    return render(request, TEMPLATE, context, status=UNPROCESSABLE if form.is_bound else 200)


def _register(request: HttpRequest, form: RegisterForm):
    data = form.cleaned_data
    try:
        with transaction.atomic():
            customer = data["customer"]
            if data["new_customer"]:
                try:
                    customer = customer_create(
                        name=data["new_name"],
                        home_store=data["store"],
                        phone=data["new_phone"],
                        email=data["new_email"],
                        tier=data["new_tier"] or Customer.Tier.STANDARD,
                    )
                except ApplicationError as error:
                    raise form.customer_error(error) from error
            request_fields = dict(
                by=request.user,
                store=data["store"],
                customer=customer,
                channel=data["channel"],
                subject=data["subject"],
                description=data["description"],
                asset=data["asset"],
                fault_category=data["fault_category"],
            )
            if data["kind"] == Kind.COMPLAINT:
                # A complaint's priority follows its severity.
                ticket = complaint_open(**request_fields, severity=data["severity"], source=data["source"])
            else:
                ticket = ticket_register(**request_fields, kind=data["kind"], priority=data["priority"])
            if data["attachment"]:
                attachment_add(ticket=ticket, by=request.user, upload=data["attachment"])
    except ApplicationError as error:
        form.add_service_error(error)
        return None
    return ticket


@staff_required
def customer_search(request: HttpRequest) -> HttpResponse:
    """htmx: the customers matching the lookup (name, phone, email, VIN / serial)."""
    query = request.GET.get("q", "").strip()
    results = find_customers(viewer=request.user, query=query) if query else None
    return render(request, f"{TEMPLATE}#customer-results", {"query": query, "results": results})


@staff_required
def customer_assets(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the chosen customer's assets with their warranty status."""
    customer = _visible_customer(request, pk)
    if customer is None:
        raise Http404
    context = {"selected": customer, "assets": _assets_with_warranty(customer), "selected_asset": ""}
    return render(request, f"{TEMPLATE}#asset-panel", context)
