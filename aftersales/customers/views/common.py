"""What the portal and the public pages share: plain words for a request's state, its progress, and
what of a request a customer may see (never internal notes, never hidden files)."""

from dataclasses import dataclass
from functools import wraps

from django.db.models import Max, Q, QuerySet
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.service.models import Attachment, Comment, Ticket, TicketEvent
from aftersales.service.models.tickets import Status

S = Status
# The state of a request in the words a customer uses (the staff labels say "pending customer").
PLAIN_STATUS = {
    S.NEW: _("Received"),
    S.ASSIGNED: _("A specialist is on it"),
    S.IN_PROGRESS: _("Being handled"),
    S.PENDING_CUSTOMER: _("Waiting for your reply"),
    S.PENDING_PARTS: _("Waiting for parts"),
    S.VISIT_SCHEDULED: _("Visit scheduled"),
    S.RESOLVED: _("Resolved"),
    S.REOPENED: _("Reopened"),
    S.CLOSED: _("Closed"),
    S.CANCELLED: _("Cancelled"),
}
# A colour family per state for the badge: "wait" needs the customer, "done" is finished.
STATUS_TONE = {
    S.PENDING_CUSTOMER: "wait",
    S.RESOLVED: "done",
    S.CLOSED: "done",
    S.CANCELLED: "off",
}

# The stages of the progress bar and which statuses sit in each.
STAGES = (
    (pgettext_lazy("request stage", "Received"), {S.NEW}),
    (pgettext_lazy("request stage", "Assigned"), {S.ASSIGNED, S.REOPENED}),
    (
        pgettext_lazy("request stage", "In progress"),
        {S.IN_PROGRESS, S.PENDING_CUSTOMER, S.PENDING_PARTS, S.VISIT_SCHEDULED},
    ),
    (pgettext_lazy("request stage", "Resolved"), {S.RESOLVED}),
    (pgettext_lazy("request stage", "Closed"), {S.CLOSED}),
)

# Events a customer can see the effect of; "last update" never moves for an internal note.
CUSTOMER_VISIBLE_EVENTS = (
    TicketEvent.Type.CREATED,
    TicketEvent.Type.ASSIGNED,
    TicketEvent.Type.STATUS_CHANGED,
    TicketEvent.Type.REPLIED,
    TicketEvent.Type.CUSTOMER_REPLIED,
    TicketEvent.Type.VISIT_BOOKED,
    TicketEvent.Type.VISIT_CONFIRMED,
    TicketEvent.Type.VISIT_ARRIVED,
    TicketEvent.Type.VISIT_COMPLETED,
    TicketEvent.Type.RESOLVED,
    TicketEvent.Type.REOPENED,
    TicketEvent.Type.CLOSED,
    TicketEvent.Type.CANCELLED,
)


@dataclass(frozen=True)
class Stage:
    label: str
    state: str  # "done", "current" or "todo"


def plain_status(status: str) -> str:
    return str(PLAIN_STATUS.get(status, status))


def stages_for(status: str) -> list[Stage]:
    """The progress bar; empty for a cancelled request (it left the road)."""
    if status == S.CANCELLED:
        return []
    current = next((index for index, (_label, statuses) in enumerate(STAGES) if status in statuses), 0)
    return [
        Stage(str(label), "done" if index < current else "current" if index == current else "todo")
        for index, (label, _statuses) in enumerate(STAGES)
    ]


def with_last_update(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return tickets.annotate(
        last_update=Max("events__created_at", filter=Q(events__type__in=CUSTOMER_VISIBLE_EVENTS))
    )


def public_comments(ticket: Ticket, *, include_customer: bool = True) -> QuerySet[Comment]:
    """Replies to the customer (and, in the portal, their own messages); internal notes never."""
    comments = ticket.comments.filter(visibility=Comment.Visibility.PUBLIC).select_related("author")
    if not include_customer:
        comments = comments.filter(from_customer=False)
    return comments.order_by("created_at", "id")


def public_attachments(ticket: Ticket) -> list[Attachment]:
    attachments = list(ticket.attachments.filter(visible_to_customer=True).order_by("created_at", "id"))
    for attachment in attachments:
        attachment.download_url = attachment_download_url(ticket, attachment)
    return attachments


def attachment_download_url(ticket: Ticket, attachment: Attachment) -> str | None:
    """The permission-checked download view lives with the staff pages; no link while it is missing."""
    try:
        return reverse("service:attachment_download", args=[ticket.number, attachment.pk])
    except NoReverseMatch:
        return None


def public_first_name(name: str) -> str:
    """As little of a name as greets the person: a Western given name, or a masked Chinese one (张**)."""
    name = (name or "").strip()
    if not name:
        return ""
    if " " in name:
        return name.split()[0]
    if name.isascii():
        return name
    return name[0] + "*" * min(len(name) - 1, 2)


def portal_customer_required(view):
    """Signed in as a portal customer with a customer record; staff are sent to their own pages (or get
    a 404 on a portal URL that names an object)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        if user.is_staff_member:
            if kwargs:
                # A portal URL naming a request is never a staff page: 404, as for any object a
                # person may not see (the staff page for the same request is /requests/<number>/).
                raise Http404("Portal pages are for customers.")
            return redirect("home")
        customer = getattr(user, "customer", None)
        if customer is None:
            return render(request, "customers/portal_unlinked.html", status=403)
        request.customer = customer
        return view(request, *args, **kwargs)

    return wrapper


def no_trace(response):
    """For pages that carry a tracking token: never cached, never indexed, never sent on as a referrer."""
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
