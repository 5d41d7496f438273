"""Reads behind the staff pages (workspace, request detail, registration, manager overview).

Every ticket read starts from `Ticket.objects.visible_to(user)`. Each function returns everything its
page needs with a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Case, Count, DateTimeField, F, Q, QuerySet, When

from aftersales.accounts.models import HANDLER_ROLES, MANAGER_ROLES, Role, Store, User
from aftersales.service.lifecycle import can_move
from aftersales.service.models import Comment, Ticket, TicketEvent, Visit
from aftersales.service.models.tickets import OPEN_STATUSES, PAUSED_STATUSES, Kind, Status
from aftersales.service.permissions import can_manage, can_work_on

if TYPE_CHECKING:
    from aftersales.service.forms import WorkspaceFilterForm

QUEUES = ("mine", "team", "unassigned")
PAGE_SIZE = 25
TECHNICIAN_ROLES = (Role.TECHNICIAN, Role.SPECIALIST)


# --- SLA ---------------------------------------------------------------------------------------------


def sla_state(ticket: Ticket) -> str:
    """ok | warning | breached | paused | met: the one rule the badges use (core.templatetags.ui), so
    the manager's lists agree with what every page shows."""
    from aftersales.core.templatetags.ui import sla_state as shared_sla_state

    return shared_sla_state(ticket)


def current_due_expression() -> Case:
    return Case(
        When(first_response_at__isnull=True, then=F("response_due_at")),
        default=F("resolution_due_at"),
        output_field=DateTimeField(),
    )


# --- workspace ---------------------------------------------------------------------------------------


def queue_counts(*, user: User) -> dict[str, int]:
    """Open tickets per queue tab, in one query."""
    counts = (
        Ticket.objects.visible_to(user)
        .open()
        .aggregate(
            mine=Count("pk", filter=Q(assignee=user)),
            team=Count("pk"),
            unassigned=Count("pk", filter=Q(assignee__isnull=True)),
        )
    )
    return {queue: counts[queue] or 0 for queue in QUEUES}


def workspace_tickets(
    *, user: User, queue: str, filters: WorkspaceFilterForm | None = None
) -> QuerySet[Ticket]:
    """The rows of one queue tab, filtered, nearest due time first (tickets whose clock stands still
    come last)."""
    tickets = Ticket.objects.visible_to(user)
    data = filters.cleaned_data if filters is not None and filters.is_valid() else {}
    if data.get("status"):
        tickets = tickets.filter(status=data["status"])
    else:
        tickets = tickets.open()
    if queue == "mine":
        tickets = tickets.filter(assignee=user)
    elif queue == "unassigned":
        tickets = tickets.filter(assignee__isnull=True)
    for name in ("kind", "priority", "channel"):
        if data.get(name):
            tickets = tickets.filter(**{name: data[name]})
    text = (data.get("q") or "").strip()
    if text:
        tickets = tickets.filter(
            Q(number__icontains=text)
            | Q(subject__icontains=text)
            | Q(customer__name__icontains=text)
            | Q(customer__phone__contains=text)
        )
    return (
        tickets.select_related("customer", "assignee", "store", "sla_policy")
        .annotate(current_due=current_due_expression())
        .order_by(F("current_due").asc(nulls_last=True), "created_at", "pk")
    )


# --- detail ------------------------------------------------------------------------------------------


def ticket_for_page(*, user: User, number: str) -> Ticket | None:
    return (
        Ticket.objects.visible_to(user)
        .select_related(
            "store",
            "customer",
            "asset__product_model",
            "assignee",
            "fault_category",
            "sla_policy",
            "complaint",
        )
        .filter(number=number)
        .first()
    )


@dataclass
class TimelineEntry:
    at: datetime
    kind: str  # the event type, or "comment" for a comment without its own event
    event: TicketEvent | None = None
    comment: Comment | None = None
    internal: bool = False
    people: dict = field(default_factory=dict)

    @property
    def actor(self):
        if self.event is not None:
            return self.event.actor
        return self.comment.author if self.comment else None

    @property
    def payload(self) -> dict:
        return self.event.payload if self.event is not None else {}

    @property
    def assignee_name(self) -> str:
        person = self.people.get(self.payload.get("assignee"))
        return str(person) if person else ""

    @property
    def from_label(self) -> str:
        return _status_label(self.event.from_status) if self.event else ""

    @property
    def to_label(self) -> str:
        return _status_label(self.event.to_status) if self.event else ""


def _status_label(value: str) -> str:
    try:
        return Status(value).label
    except ValueError:
        return value


COMMENT_EVENTS = {TicketEvent.Type.REPLIED, TicketEvent.Type.NOTE_ADDED, TicketEvent.Type.CUSTOMER_REPLIED}


def ticket_timeline(ticket: Ticket) -> list[TimelineEntry]:
    """Events in order, each reply or note shown inside the event that recorded it; comments that no
    event mentions (imports) are merged in by time."""
    events = list(ticket.events.select_related("actor"))
    comments = {comment.pk: comment for comment in ticket.comments.select_related("author")}
    people_ids = {
        event.payload.get("assignee") for event in events if event.type == TicketEvent.Type.ASSIGNED
    }
    people = {user.pk: user for user in User.objects.filter(pk__in=[pk for pk in people_ids if pk])}
    entries: list[TimelineEntry] = []
    shown: set[int] = set()
    for event in events:
        comment = comments.get(event.payload.get("comment")) if event.type in COMMENT_EVENTS else None
        if comment is not None:
            shown.add(comment.pk)
        entries.append(
            TimelineEntry(
                at=event.created_at,
                kind=event.type,
                event=event,
                comment=comment,
                internal=event.type == TicketEvent.Type.NOTE_ADDED,
                people=people,
            )
        )
    for comment in comments.values():
        if comment.pk not in shown:
            entries.append(
                TimelineEntry(
                    at=comment.created_at,
                    kind="comment",
                    comment=comment,
                    internal=comment.visibility == Comment.Visibility.INTERNAL,
                )
            )
    entries.sort(key=lambda entry: entry.at)
    return entries


@dataclass(frozen=True)
class PartLine:
    part: object
    total: Decimal
    covered: Decimal
    customer_share: Decimal


@dataclass(frozen=True)
class PartsSummary:
    lines: list[PartLine]
    total: Decimal
    covered: Decimal
    customer_share: Decimal


CENT = Decimal("0.01")


def parts_summary(ticket: Ticket) -> PartsSummary:
    """Each part's line total and what the customer pays of it, given the coverage recorded on it."""
    lines = []
    for part in ticket.parts.all():
        total = (part.quantity * part.unit_cost).quantize(CENT)
        covered = (total * part.covered_percent / 100).quantize(CENT)
        lines.append(PartLine(part=part, total=total, covered=covered, customer_share=total - covered))
    zero = Decimal("0.00")
    return PartsSummary(
        lines=lines,
        total=sum((line.total for line in lines), zero),
        covered=sum((line.covered for line in lines), zero),
        customer_share=sum((line.customer_share for line in lines), zero),
    )


def store_technicians(store_id: int) -> QuerySet[User]:
    return User.objects.filter(is_active=True, role__in=TECHNICIAN_ROLES, stores=store_id).order_by(
        "display_name", "username"
    )


def store_handlers(store_id: int) -> QuerySet[User]:
    """Staff a request of the store can be assigned to."""
    return User.objects.filter(is_active=True, role__in=HANDLER_ROLES, stores=store_id).order_by(
        "display_name", "username"
    )


@dataclass(frozen=True)
class AvailableActions:
    """Which action forms the detail page shows for this ticket and this person."""

    work: bool
    reply: bool
    log_call: bool
    start: bool
    resume: bool
    wait_on: tuple[str, ...]
    book_visit: bool
    record_part: bool
    resolve: bool
    close: bool
    reopen: bool
    cancel: bool
    assign: bool
    upload: bool
    complaint: bool  # edit the complaint panel (severity, root cause, corrective measure)

    @property
    def any(self) -> bool:
        return any(value for value in self.__dict__.values())


def available_actions(*, user: User, ticket: Ticket) -> AvailableActions:
    status = ticket.status
    work = can_work_on(user, ticket)
    is_open = status in OPEN_STATUSES
    return AvailableActions(
        work=work,
        reply=work and (is_open or status == Status.RESOLVED),
        log_call=work and is_open,
        start=work and status in {Status.ASSIGNED, Status.REOPENED} and can_move(status, Status.IN_PROGRESS),
        resume=work and status in PAUSED_STATUSES and can_move(status, Status.IN_PROGRESS),
        wait_on=tuple(
            on for on in (Status.PENDING_CUSTOMER, Status.PENDING_PARTS) if work and can_move(status, on)
        ),
        book_visit=work and (status == Status.VISIT_SCHEDULED or can_move(status, Status.VISIT_SCHEDULED)),
        record_part=work and is_open,
        resolve=work and can_move(status, Status.RESOLVED),
        close=work and can_move(status, Status.CLOSED),
        reopen=work and can_move(status, Status.REOPENED),
        cancel=work and can_move(status, Status.CANCELLED),
        assign=is_open and can_manage(user, ticket.store_id),
        upload=work,
        complaint=work and ticket.kind == Kind.COMPLAINT,
    )


def visit_actions(*, may_work: bool, visit: Visit) -> tuple[str, ...]:
    """The steps a visit can take next, for someone who may (`may_work`) work on its request."""
    if not may_work:
        return ()
    return {
        Visit.Status.BOOKED: ("confirm_visit", "arrive_visit"),
        Visit.Status.CONFIRMED: ("arrive_visit",),
        Visit.Status.ARRIVED: ("complete_visit",),
    }.get(visit.status, ())


# --- manager -----------------------------------------------------------------------------------------


def is_manager(user: User) -> bool:
    return user.is_authenticated and user.is_active and (user.is_superuser or user.role in MANAGER_ROLES)


def managed_stores(user: User) -> QuerySet[Store]:
    if user.sees_all_stores:
        return Store.objects.all()
    return Store.objects.filter(pk__in=user.stores.values("pk"))


@dataclass
class StaffLoad:
    user: User
    open: int = 0
    running: int = 0
    breached: int = 0


@dataclass
class StoreOverview:
    store: Store
    by_status: list[tuple[str, str, int]]
    open_total: int
    unassigned: list[Ticket]
    at_risk: list[Ticket]
    breached: list[Ticket]
    staff: list[StaffLoad]
    handlers: list[User]


def manager_overview(*, user: User) -> list[StoreOverview]:
    """Per store the manager looks after: open requests by status, the unassigned queue, requests
    whose SLA warning was reached (not breached) and breached ones, and each handler's load.

    Four queries whatever the number of stores and requests."""
    stores = list(managed_stores(user).order_by("code"))
    store_ids = [store.pk for store in stores]
    tickets = list(
        Ticket.objects.visible_to(user)
        .open()
        .filter(store__in=store_ids)
        .select_related("customer", "assignee", "sla_policy", "store")
        .annotate(current_due=current_due_expression())
        .order_by(F("current_due").asc(nulls_last=True), "created_at")
    )
    memberships = list(
        User.stores.through.objects.filter(
            store_id__in=store_ids, user__is_active=True, user__role__in=HANDLER_ROLES
        )
        .select_related("user")
        .order_by("user__display_name", "user__username")
    )
    status_order = {status: index for index, status in enumerate(Status.values)}
    overviews = []
    for store in stores:
        mine = [ticket for ticket in tickets if ticket.store_id == store.pk]
        for ticket in mine:
            ticket.sla = sla_state(ticket)
        counts = Counter(ticket.status for ticket in mine)
        handlers = [row.user for row in memberships if row.store_id == store.pk]
        loads = {person.pk: StaffLoad(user=person) for person in handlers}
        for ticket in mine:
            load = loads.get(ticket.assignee_id)
            if load is None:
                continue
            load.open += 1
            load.running += ticket.status not in PAUSED_STATUSES
            load.breached += ticket.sla == "breached"
        overviews.append(
            StoreOverview(
                store=store,
                by_status=[
                    (status, _status_label(status), counts[status])
                    for status in sorted(counts, key=lambda value: status_order.get(value, 99))
                ],
                open_total=len(mine),
                unassigned=[ticket for ticket in mine if ticket.assignee_id is None],
                at_risk=[ticket for ticket in mine if ticket.sla == "warning"],
                breached=[ticket for ticket in mine if ticket.sla == "breached"],
                staff=sorted(loads.values(), key=lambda load: (-load.open, str(load.user))),
                handlers=handlers,
            )
        )
    return overviews
