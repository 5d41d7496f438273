"""Pages without sign-in: the contact form and the status page behind a tracking link."""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from aftersales.core.errors import ApplicationError
from aftersales.customers.forms import WebRequestForm
from aftersales.customers.models import Asset, Customer
from aftersales.customers.services import customer_create
from aftersales.customers.views.common import (
    STATUS_TONE,
    no_trace,
    plain_status,
    public_comments,
    public_first_name,
    stages_for,
)
from aftersales.service.models import Ticket
from aftersales.service.models.tickets import Channel
from aftersales.service.selectors import ticket_by_tracking_token
from aftersales.service.services.tickets import ticket_register

logger = logging.getLogger(__name__)

# The form mails whatever address is typed in, so it must not become a mail relay: at most this many
# requests per hour from one IP address and to one email address.
WEB_FORM_LIMIT = getattr(settings, "AFTERSALES_WEB_FORM_HOURLY_LIMIT", 5)
WEB_FORM_WINDOW_SECONDS = 3600
SESSION_KEY = "customers.web_form.ticket"


def client_ip(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is whatever the client wants it to be unless a trusted proxy
    # rewrites it, and then the proxy should set REMOTE_ADDR.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _cap_keys(request, email: str) -> list[str]:
    keys = ["web-form:ip:" + hashlib.sha256(client_ip(request).encode()).hexdigest()]
    if email:
        keys.append("web-form:email:" + hashlib.sha256(email.encode()).hexdigest())
    return keys


def _take_slot(keys: list[str]) -> bool:
    """Count one more valid submission against every key; False once any of them is past the cap.

    Counting before the request is registered (and whatever comes of it) keeps parallel submissions
    from slipping past the cap together, and caps guessing serial numbers too. add() starts the
    window; incr() is atomic on the cache backends that matter (Redis, memcached, database, locmem)."""
    allowed = True
    for key in keys:
        cache.add(key, 0, WEB_FORM_WINDOW_SECONDS)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, WEB_FORM_WINDOW_SECONDS)
            count = 1
        allowed = allowed and count <= WEB_FORM_LIMIT
    return allowed


def _find_customer(*, email: str, phone: str) -> Customer | None:
    """The existing customer with this email, else with this phone number; their data is never changed."""
    if email:
        customer = Customer.objects.with_email(email).order_by("pk").first()
        if customer is not None:
            return customer
    return Customer.objects.filter(phone=phone).order_by("pk").first()


def _register(form: WebRequestForm) -> Ticket | None:
    """Create or find the customer and register the request, all or nothing; None if the form got errors."""
    data = form.cleaned_data
    customer = _find_customer(email=data["email"], phone=data["phone"])
    asset = None
    if data["serial"]:
        asset = (
            Asset.objects.filter(customer=customer, serial__iexact=data["serial"]).order_by("pk").first()
            if customer
            else None
        )
        if asset is None:
            form.add_error(
                "serial",
                _(
                    "We have no product with this serial number or VIN registered to you. Check it, or leave it empty."
                ),
            )
            return None
    try:
        with transaction.atomic():
            if customer is None:
                customer = customer_create(
                    name=data["name"], home_store=data["store"], phone=data["phone"], email=data["email"]
                )
            return ticket_register(
                by=None,
                store=data["store"],
                customer=customer,
                channel=Channel.WEB_FORM,
                kind=data["kind"],
                subject=data["subject"],
                description=data["description"],
                asset=asset,
            )
    except ApplicationError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return None


@require_http_methods(["GET", "POST"])
def web_form(request):
    form = WebRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_robot:
            logger.info("web form: honeypot filled, nothing registered")
            return redirect("customers:web_form")
        if form.is_valid():
            if not _take_slot(_cap_keys(request, form.cleaned_data["email"])):
                form.add_error(
                    None,
                    _(
                        "We have received several requests from you in the last hour. Please wait a while, "
                        "or call your service store."
                    ),
                )
                status = 429
            else:
                ticket = _register(form)
                if ticket is not None:
                    # Whether *this* person gave an address: a customer found by phone may have one
                    # the submitter should not learn about.
                    request.session[SESSION_KEY] = {
                        "ticket": ticket.pk,
                        "emailed": bool(form.cleaned_data["email"]),
                    }
                    return redirect("customers:web_form_done")
                status = 400
        else:
            status = 400
    return render(request, "customers/web_form.html", {"form": form}, status=status)


@require_GET
def web_form_done(request):
    sent = request.session.get(SESSION_KEY)
    ticket = Ticket.objects.filter(pk=sent["ticket"]).first() if isinstance(sent, dict) else None
    if ticket is None:
        return redirect("customers:web_form")
    track_url = request.build_absolute_uri(reverse("customers:track", args=[ticket.tracking_token]))
    response = render(
        request,
        "customers/web_form_done.html",
        {"ticket": ticket, "track_url": track_url, "emailed": sent.get("emailed", False)},
    )
    return no_trace(response)


@require_GET
def track(request, token: str):
    """Read-only: whoever holds the link sees the state and the replies, and no personal data."""
    ticket = ticket_by_tracking_token(token=token)
    context = {
        "ticket": ticket,
        "first_name": public_first_name(ticket.customer.name),
        "plain_status": plain_status(ticket.status),
        "tone": STATUS_TONE.get(ticket.status, "open"),
        "stages": stages_for(ticket.status),
        "replies": public_comments(ticket, include_customer=False),
    }
    return no_trace(render(request, "customers/track.html", context))
