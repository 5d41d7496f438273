"""Reads of service requests made on a person's behalf: lists with filters, one request with its
timeline, comments, visits and parts. API endpoints and pages both use these.

Every read starts from `Ticket.objects.visible_to(viewer)`, so a request of another store (or another
customer's) is simply not found. What a portal customer sees is narrowed here too: no internal notes,
no internal events, no event payloads.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from aftersales.accounts.models import User
from aftersales.core import clock
from aftersales.core.errors import ApplicationError
from aftersales.service.models import Comment, Complaint, PartUsage, Ticket, TicketEvent, Visit
from aftersales.service.models.tickets import OPEN_STATUSES

Event = TicketEvent.Type

# Events a portal customer sees in their timeline (without payloads: those hold reasons, call
# summaries and comment ids meant for staff). Notes, SLA alerts and escalations stay internal.
CUSTOMER_EVENT_TYPES = frozenset(
    {
        Event.CREATED,
        Event.ASSIGNED,
        Event.STATUS_CHANGED,
        Event.REPLIED,
        Event.CUSTOMER_REPLIED,
        Event.CALL_LOGGED,
        Event.VISIT_BOOKED,
        Event.VISIT_CONFIRMED,
        Event.VISIT_ARRIVED,
        Event.VISIT_COMPLETED,
        Event.PART_USED,
        Event.RESOLVED,
        Event.REOPENED,
        Event.CLOSED,
        Event.CANCELLED,
    }
)

# What a list row shows, fetched in the same query as the tickets.
LIST_RELATED = ("store", "customer", "assignee", "asset", "asset__product_model", "fault_category")


@dataclass(frozen=True)
class TicketFilters:
    """Criteria of a ticket list; empty values do not filter.

    `assignee` is "me", "none" (unassigned) or a user id; `store` is a store code; `created_after` is
    inclusive and `created_before` exclusive (naive datetimes are read in settings.TIME_ZONE); `q`
    matches the number, the subject, the customer's name or phone, or the asset's serial / VIN."""

    status: tuple[str, ...] = ()
    store: str = ""
    kind: str = ""
    channel: str = ""
    priority: str = ""
    assignee: str = ""
    customer: int | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    q: str = ""


def _aware(moment: datetime) -> datetime:
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def ticket_list(*, viewer: User, filters: TicketFilters | None = None) -> QuerySet[Ticket]:
    """The requests `viewer` may see that match `filters`, newest first, with the related rows a list
    shows (store, customer, assignee, asset and its model, fault category) joined in: a page of any
    size is one query."""
    filters = filters or TicketFilters()
    tickets = Ticket.objects.visible_to(viewer).select_related(*LIST_RELATED)
    if filters.status:
        tickets = tickets.filter(status__in=filters.status)
    if filters.store:
        tickets = tickets.filter(store__code=filters.store)
    if filters.kind:
        tickets = tickets.filter(kind=filters.kind)
    if filters.channel:
        tickets = tickets.filter(channel=filters.channel)
    if filters.priority:
        tickets = tickets.filter(priority=filters.priority)
    if filters.assignee == "me":
        tickets = tickets.filter(assignee=viewer)
    elif filters.assignee == "none":
        tickets = tickets.filter(assignee__isnull=True)
    elif filters.assignee:
        if not str(filters.assignee).isdigit():
            raise ApplicationError(
                f"Unknown assignee '{filters.assignee}': give me, none or a user id.", field="assignee"
            )
        tickets = tickets.filter(assignee_id=int(filters.assignee))
    if filters.customer is not None:
        tickets = tickets.filter(customer_id=filters.customer)
    if filters.created_after is not None:
        tickets = tickets.filter(created_at__gte=_aware(filters.created_after))
    if filters.created_before is not None:
        tickets = tickets.filter(created_at__lt=_aware(filters.created_before))
    query = filters.q.strip()
    if query:
        tickets = tickets.filter(
            Q(number__icontains=query)
            | Q(subject__icontains=query)
            | Q(customer__name__icontains=query)
            | Q(customer__phone__contains=query)
            | Q(asset__serial__iexact=query)
        )
    return tickets.order_by("-created_at", "-pk")


def ticket_get(*, viewer: User, number: str) -> Ticket:
    """One request by its number, if `viewer` may see it; `Http404` otherwise (a request of another
    store is "not found", never "forbidden", so numbers cannot be probed)."""
    ticket = Ticket.objects.visible_to(viewer).select_related(*LIST_RELATED).filter(number=number).first()
    if ticket is None:
        raise Http404(f"No service request {number}.")
    return ticket


def ticket_timeline(*, viewer: User, ticket: Ticket) -> list[TicketEvent]:
    """The request's events, oldest first. A portal customer gets only `CUSTOMER_EVENT_TYPES`, with
    empty payloads (the rows are for display: never save them)."""
    events = ticket.events.select_related("actor").order_by("created_at", "pk")
    if not viewer.is_staff_member:
        events = events.filter(type__in=CUSTOMER_EVENT_TYPES)
    return events_shown_to(viewer, list(events))


def events_shown_to(viewer: User, events: list[TicketEvent]) -> list[TicketEvent]:
    """What `viewer` may see of these events (of one request, oldest first): all of them for staff; for
    a portal customer only `CUSTOMER_EVENT_TYPES`, with empty payloads."""
    if viewer.is_staff_member:
        return events
    shown = [event for event in events if event.type in CUSTOMER_EVENT_TYPES]
    for event in shown:
        event.payload = {}
    return shown


def ticket_comments(*, viewer: User, ticket: Ticket) -> QuerySet[Comment]:
    """Replies, customer messages and (for staff only) internal notes, oldest first."""
    comments = ticket.comments.select_related("author").order_by("created_at", "pk")
    if not viewer.is_staff_member:
        comments = comments.filter(visibility=Comment.Visibility.PUBLIC)
    return comments


def ticket_visits(*, ticket: Ticket) -> QuerySet[Visit]:
    return ticket.visits.select_related("technician").order_by("window_start", "pk")


def ticket_parts(*, ticket: Ticket) -> QuerySet[PartUsage]:
    return ticket.parts.order_by("created_at", "pk")


# A tracking link keeps working while the request is open and for this long after it ended; then it is
# dead, so an old mail in a shared inbox does not show the request for ever.
TRACKING_LINK_LIFETIME_DAYS = 90


def ticket_by_tracking_token(*, token: str) -> Ticket:
    """The request behind a public tracking link, or 404 (unknown token, or expired)."""
    ticket = Ticket.objects.select_related("customer").filter(tracking_token=token).first()
    if ticket is None:
        raise Http404("No such tracking link.")
    ended_at = ticket.closed_at or (ticket.updated_at if ticket.status == "cancelled" else None)
    if ended_at and clock.now() - ended_at > timedelta(days=TRACKING_LINK_LIFETIME_DAYS):
        raise Http404("This tracking link has expired.")
    return ticket


# --- complaints ----------------------------------------------------------------------------------------

COMPLAINT_STATES = ("open", "closed", "overdue")


@dataclass(frozen=True)
class ComplaintFilters:
    """Criteria of the complaint register; empty values do not filter. `state` is open (its request is
    open), closed (结案: resolved or closed), or overdue (open past its closure date); `opened_from` and
    `opened_to` are inclusive dates in settings.TIME_ZONE."""

    store: str = ""
    severity: int | None = None
    source: str = ""
    state: str = ""
    opened_from: date | None = None
    opened_to: date | None = None

    @property
    def active(self) -> bool:
        return any(value not in (None, "") for value in self.__dict__.values())


def complaint_list(
    *, viewer: User, filters: ComplaintFilters | None = None, now: datetime | None = None
) -> QuerySet[Complaint]:
    """The complaints on requests `viewer` may see that match `filters`, newest first, each with its
    request and what a request row shows joined in: a page of any size is one query."""
    filters = filters or ComplaintFilters()
    now = now or clock.now()
    complaints = Complaint.objects.filter(ticket__in=Ticket.objects.visible_to(viewer)).select_related(
        *(f"ticket__{relation}" for relation in LIST_RELATED)
    )
    if filters.store:
        complaints = complaints.filter(ticket__store__code=filters.store)
    if filters.severity is not None:
        complaints = complaints.filter(severity=filters.severity)
    if filters.source:
        complaints = complaints.filter(source=filters.source)
    if filters.state == "open":
        complaints = complaints.filter(ticket__status__in=OPEN_STATUSES)
    elif filters.state == "closed":
        complaints = complaints.filter(closed_at__isnull=False)
    elif filters.state == "overdue":
        complaints = complaints.filter(ticket__status__in=OPEN_STATUSES, due_at__lt=now)
    if filters.opened_from is not None:
        complaints = complaints.filter(opened_at__gte=_day_start(filters.opened_from))
    if filters.opened_to is not None:
        complaints = complaints.filter(opened_at__lt=_day_start(filters.opened_to + timedelta(days=1)))
    return complaints.order_by("-opened_at", "-pk")


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def complaint_get(*, viewer: User, number: str) -> Complaint:
    """The complaint of request `number`, if `viewer` may see the request; `Http404` otherwise."""
    complaint = complaint_list(viewer=viewer).filter(ticket__number=number).first()
    if complaint is None:
        raise Http404(f"No complaint {number}.")
    return complaint
