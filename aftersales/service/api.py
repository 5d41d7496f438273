"""Service requests over the API (`/api/v1/requests`): register, list, read, and every lifecycle action.

Each endpoint first finds the request through `service.selectors.ticket_get` (so a request of another
store, or another customer's, is 404 for every method), then calls one service function, which checks
the caller's permission and the state. Portal customers may register requests for their own assets,
read their own requests, reply, reopen and cancel.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from ninja import Query, Router, Status
from ninja.pagination import paginate

from aftersales.accounts.models import FaultCategory, Role, Store, User
from aftersales.api.auth import current_user
from aftersales.api.pagination import PageNumberPagination
from aftersales.core import reference
from aftersales.core.errors import ApplicationError, NotAllowed
from aftersales.customers.models import Asset, Customer
from aftersales.customers.selectors import asset_with_customer
from aftersales.customers.services import customer_access_record
from aftersales.service import selectors
from aftersales.service.models import Ticket
from aftersales.service.models.tickets import Channel, Priority
from aftersales.service.permissions import works_in_store
from aftersales.service.schemas import (
    AssignIn,
    CommentOut,
    ComplaintFilterIn,
    ComplaintIn,
    ComplaintOut,
    ComplaintPatchIn,
    LogCallIn,
    PartIn,
    PartOut,
    ReasonIn,
    ReplyIn,
    ResolveIn,
    TicketDetailOut,
    TicketFilterIn,
    TicketIn,
    TicketOut,
    VisitIn,
    VisitOut,
    WaitIn,
)
from aftersales.service.services import tickets as ticket_services
from aftersales.service.services.assignment import ticket_assign
from aftersales.service.services.complaints import complaint_open, complaint_update
from aftersales.service.services.work import part_record, visit_book

router = Router(tags=["requests"])

NUMBER = "/requests/{number}"


def _detail(ticket: Ticket, viewer: User, *, new: bool = False) -> Ticket:
    """The request re-read (an action may have changed it) with the lists the viewer may see. A request
    registered in this very call is as the service left it, with the events it wrote, and has no
    comments, visits or parts yet: no need to ask."""
    if new:
        ticket.detail_events = selectors.events_shown_to(viewer, ticket.registration_events)
        ticket.detail_comments, ticket.detail_visits, ticket.detail_parts = [], [], []
        return ticket
    ticket = selectors.ticket_get(viewer=viewer, number=ticket.number)
    ticket.detail_events = selectors.ticket_timeline(viewer=viewer, ticket=ticket)
    ticket.detail_comments = list(selectors.ticket_comments(viewer=viewer, ticket=ticket))
    ticket.detail_visits = list(selectors.ticket_visits(ticket=ticket))
    ticket.detail_parts = list(selectors.ticket_parts(ticket=ticket))
    return ticket


def _user(user_id: int, *, field: str) -> User:
    user = User.objects.filter(pk=user_id, is_active=True).exclude(role=Role.CUSTOMER).first()
    if user is None:
        raise ApplicationError(f"There is no staff member with id {user_id} ({field}).", field=field)
    return user


def _aware(moment: datetime, tz: str) -> datetime:
    return moment.replace(tzinfo=ZoneInfo(tz)) if moment.tzinfo is None else moment


# --- register, list, read -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Parties:
    """Who and what a new request is for, found from the ids and codes of a registration body."""

    customer: Customer
    store: Store
    asset: Asset | None
    fault_category: FaultCategory | None


def _parties(user: User, payload: TicketIn | ComplaintIn) -> Parties:
    asset = None
    if payload.asset is not None:
        # Read first, with its customer: for the usual body, a customer and one of their assets, this
        # is the customer's read too.
        asset = asset_with_customer(payload.asset)
    read_with_asset = asset.customer if asset is not None else None
    customers = Customer.objects.select_related("home_store")
    if user.is_staff_member:
        if payload.customer is None:
            raise ApplicationError("Say which customer the request is for (customer).", field="customer")
        customer = customers.visible_get(user, payload.customer, already_read=read_with_asset)
    else:
        for field in ("priority", "channel", "store"):
            if getattr(payload, field, None) is not None:
                raise NotAllowed(f"Only staff may set the {field} of a request.", field=field)
        customer = (
            customers.visible_to(user).first()
            if payload.customer is None
            else customers.visible_get(user, payload.customer, already_read=read_with_asset)
        )
    if customer is None:
        which = f" {payload.customer}" if payload.customer is not None else ""
        raise ApplicationError(
            f"There is no customer{which} you may register requests for (customer).", field="customer"
        )
    if payload.asset is not None:
        # An asset of the customer just found visible is visible too: only another customer's asset
        # needs the full check.
        if asset is not None and asset.customer_id != customer.pk:
            assets = Asset.objects.filter(pk=payload.asset)
            asset = assets.select_related("product_model").visible_to(user).first()
        if asset is None:
            raise ApplicationError(f"There is no asset {payload.asset} (asset).", field="asset")
    if payload.store:
        store = Store.objects.filter(code=payload.store).first()
        if store is None:
            raise ApplicationError(f"There is no store with code '{payload.store}' (store).", field="store")
    elif not user.is_staff_member or works_in_store(user, customer.home_store_id):
        store = customer.home_store
    else:
        own = list(user.stores.all()[:2])
        store = own[0] if len(own) == 1 else customer.home_store
    fault_category = None
    if payload.fault_category:
        fault_category = reference.cached(
            ("fault_category", payload.fault_category),
            lambda: FaultCategory.objects.filter(code=payload.fault_category).first(),
            keep_none=False,
        )
        if fault_category is None:
            raise ApplicationError(
                f"There is no fault category '{payload.fault_category}' (fault_category).",
                field="fault_category",
            )
    return Parties(customer=customer, store=store, asset=asset, fault_category=fault_category)


@router.post("/requests", response={201: TicketDetailOut}, summary="Register a service request")
def requests_create(request, payload: TicketIn):
    """Staff register a request for any customer they can see; a portal customer registers one for
    themself (and only against their own assets). The channel defaults to `api`; the request is
    assigned automatically when a specialist of the store is available."""
    user = current_user(request)
    parties = _parties(user, payload)
    ticket = ticket_services.ticket_register(
        by=user,
        store=parties.store,
        customer=parties.customer,
        channel=payload.channel or Channel.API,
        subject=payload.subject,
        description=payload.description,
        kind=payload.kind,
        priority=payload.priority or Priority.NORMAL,
        asset=parties.asset,
        fault_category=parties.fault_category,
    )
    return Status(201, _detail(ticket, user, new=True))


@router.get("/requests", response=list[TicketOut], summary="List service requests")
@paginate(PageNumberPagination)
def requests_list(request, filters: Query[TicketFilterIn]):
    return selectors.ticket_list(
        viewer=current_user(request),
        filters=selectors.TicketFilters(
            status=tuple(filters.status),
            store=filters.store,
            kind=filters.kind or "",
            channel=filters.channel or "",
            priority=filters.priority or "",
            assignee=filters.assignee,
            customer=filters.customer,
            created_after=filters.created_after,
            created_before=filters.created_before,
            q=filters.q,
        ),
    )


@router.get(NUMBER, response=TicketDetailOut, summary="Get a service request with its timeline")
def requests_get(request, number: str):
    user = current_user(request)
    ticket = selectors.ticket_get(viewer=user, number=number)
    customer_access_record(viewer=user, customer=ticket.customer, purpose=f"api: {ticket.number}")
    return _detail(ticket, user)


# --- lifecycle actions ------------------------------------------------------------------------------------


@router.post(f"{NUMBER}/assign", response=TicketDetailOut, summary="Assign (managers)")
def requests_assign(request, number: str, payload: AssignIn):
    user = current_user(request)
    ticket = selectors.ticket_get(viewer=user, number=number)
    assignee = _user(payload.assignee, field="assignee")
    ticket_assign(ticket=ticket, assignee=assignee, by=user, reason=payload.reason)
    return _detail(ticket, user)


@router.post(f"{NUMBER}/start", response=TicketDetailOut, summary="Start work")
def requests_start(request, number: str):
    user = current_user(request)
    ticket = selectors.ticket_get(viewer=user, number=number)
    ticket_services.ticket_start(ticket=ticket, by=user)
    return _detail(ticket, user)


def _write(user: User, ticket: Ticket, payload: ReplyIn):
    if user.is_staff_member:
        return ticket_services.ticket_reply(
            ticket=ticket, by=user, body=payload.body, internal=payload.internal
        )
    if payload.internal:
        raise NotAllowed("Internal notes are for staff.", field="internal")
    return ticket_services.ticket_customer_reply(ticket=ticket, by=user, body=payload.body)


@router.post(f"{NUMBER}/reply", response={201: CommentOut}, summary="Reply to the customer, or add a note")
def requests_reply(request, number: str, payload: ReplyIn):
    """Staff: a reply to the customer (mailed to them; counts as first response) or, with
    `internal: true`, a note only staff see. The customer: a message to the service team."""
    user = current_user(request)
    ticket = selectors.ticket_get(viewer=user, number=number)
    return Status(201, _write(user, ticket, payload))


@router.post(f"{NUMBER}/log-call", response=TicketDetailOut, summary="Log a phone call")
def requests_log_call(request, number: str, payload: LogCallIn):
    user = current_user(request)
    ticket = selectors.ticket_get(viewer=user, number=number)
    ticket_services.ticket_log_call(ticket=ticket, by=user, summary=payload.summary)
    return _detail(ticket, user)


@router.post(f"{NUMBER}/wait", response=TicketDetailOut, summary="Wait on the customer or on parts")
def requests_wait(request, number: str, payload: WaitIn):
    """The SLA clock stops until the request is resumed."""
    user = current_user(request)
    ticket = selectors.ticket_get(viewer=user, number=number)
    ticket_services.ticket_wait(ticket=ticket, by=user, on=payload.on, note=payload.note)
    return _detail(ticket, user)


@router.post(f"{NUMBER}/resume", response=TicketDetailOut, summary="Resume work after waiting")
def requests_resume(request, number: str):
    user = current_user(request)
    ticket = selectors.ticket_get(viewer=user, number=number)
    ticket_services.ticket_resume(ticket=ticket, by=user)
    return _detail(ticket, user)


@router.post(f"{NUMBER}/visits", response={201: VisitOut}, summary="Book an on-site visit")
def requests_visits_book(request, number: str, payload: VisitIn):
    user = current_user(request)
    ticket = selectors.ticket_get(viewer=user, number=number)
    technician = _user(payload.technician, field="technician")
    visit = visit_book(
        ticket=ticket,
        by=user,
        technician=technician,
        window_start=_aware(payload.window_start, ticket.store.timezone),
        window_end=_aware(payload.window_end, ticket.store.timezone),
        address=payload.address,
    )
    return Status(201, visit)


@router.post(f"{NUMBER}/parts", response={201: PartOut}, summary="Record a part used")
def requests_parts_record(request, number: str, payload: PartIn):
    user = current_user(request)
    ticket = selectors.ticket_get(viewer=user, number=number)
    part = part_record(
        ticket=ticket,
        by=user,
        part_number=payload.part_number,
        quantity=payload.quantity,
        unit_cost=payload.unit_cost,
        description=payload.description,
    )
    return Status(201, part)


@router.post(f"{NUMBER}/resolve", response=TicketDetailOut, summary="Resolve")
def requests_resolve(request, number: str, payload: ResolveIn):
    user = current_user(request)
    ticket = selectors.ticket_get(viewer=user, number=number)
    ticket_services.ticket_resolve(
        ticket=ticket,
        by=user,
        outcome=payload.outcome,
        root_cause=payload.root_cause,
        note=payload.note,
        replacement_serial=payload.replacement_serial,
        labour_hours=payload.labour_hours,
    )
    return _detail(ticket, user)


@router.post(f"{NUMBER}/close", response=TicketDetailOut, summary="Close a resolved request")
def requests_close(request, number: str):
    user = current_user(request)
    ticket = selectors.ticket_get(viewer=user, number=number)
    ticket_services.ticket_close(ticket=ticket, by=user)
    return _detail(ticket, user)


@router.post(f"{NUMBER}/reopen", response=TicketDetailOut, summary="Reopen (staff or the customer)")
def requests_reopen(request, number: str, payload: ReasonIn):
    user = current_user(request)
    ticket = selectors.ticket_get(viewer=user, number=number)
    ticket_services.ticket_reopen(ticket=ticket, by=user, reason=payload.reason)
    return _detail(ticket, user)


@router.post(f"{NUMBER}/cancel", response=TicketDetailOut, summary="Cancel (staff or the customer)")
def requests_cancel(request, number: str, payload: ReasonIn):
    user = current_user(request)
    ticket = selectors.ticket_get(viewer=user, number=number)
    ticket_services.ticket_cancel(ticket=ticket, by=user, reason=payload.reason)
    return _detail(ticket, user)


# --- comments -------------------------------------------------------------------------------------------


@router.get(f"{NUMBER}/comments", response=list[CommentOut], summary="List comments")
def requests_comments(request, number: str):
    """Replies and customer messages; internal notes too for staff, never for the customer."""
    user = current_user(request)
    ticket = selectors.ticket_get(viewer=user, number=number)
    return selectors.ticket_comments(viewer=user, ticket=ticket)


@router.post(f"{NUMBER}/comments", response={201: CommentOut}, summary="Add a comment")
def requests_comments_create(request, number: str, payload: ReplyIn):
    """The same as `reply`."""
    user = current_user(request)
    ticket = selectors.ticket_get(viewer=user, number=number)
    return Status(201, _write(user, ticket, payload))


# --- complaints ---------------------------------------------------------------------------------------------

COMPLAINT = "/complaints/{number}"


def _require_staff(user: User) -> None:
    """The complaint register is for staff, as its page is; a customer's complaint is still their
    request (`/requests/{number}`)."""
    if not user.is_staff_member:
        raise NotAllowed("The complaint register is for staff.")


@router.post("/complaints", response={201: ComplaintOut}, summary="Register a complaint", tags=["complaints"])
def complaints_create(request, payload: ComplaintIn):
    """A request of kind complaint with its complaint record; the priority follows the severity."""
    user = current_user(request)
    _require_staff(user)
    parties = _parties(user, payload)
    ticket = complaint_open(
        by=user,
        store=parties.store,
        customer=parties.customer,
        channel=payload.channel or Channel.API,
        subject=payload.subject,
        description=payload.description,
        severity=payload.severity,
        source=payload.source,
        asset=parties.asset,
        fault_category=parties.fault_category,
    )
    return Status(201, selectors.complaint_get(viewer=user, number=ticket.number))


@router.get("/complaints", response=list[ComplaintOut], summary="List complaints", tags=["complaints"])
@paginate(PageNumberPagination)
def complaints_list(request, filters: Query[ComplaintFilterIn]):
    user = current_user(request)
    _require_staff(user)
    return selectors.complaint_list(
        viewer=user,
        filters=selectors.ComplaintFilters(
            store=filters.store,
            severity=filters.severity,
            source=filters.source or "",
            state=filters.state or "",
            opened_from=filters.opened_from,
            opened_to=filters.opened_to,
        ),
    )


@router.get(COMPLAINT, response=ComplaintOut, summary="Get a complaint", tags=["complaints"])
def complaints_get(request, number: str):
    user = current_user(request)
    complaint = selectors.complaint_get(viewer=user, number=number)
    _require_staff(user)
    customer_access_record(viewer=user, customer=complaint.ticket.customer, purpose=f"api: {number}")
    return complaint


@router.patch(
    COMPLAINT,
    response=ComplaintOut,
    summary="Change severity, root cause, corrective measure",
    tags=["complaints"],
)
def complaints_update(request, number: str, payload: ComplaintPatchIn):
    """Only the fields given change; a new severity needs a `reason`. Root cause and corrective measure
    are required before the request may be resolved or closed."""
    user = current_user(request)
    complaint = selectors.complaint_get(viewer=user, number=number)
    complaint_update(
        ticket=complaint.ticket,
        by=user,
        severity=payload.severity,
        reason=payload.reason,
        root_cause=payload.root_cause,
        corrective_measure=payload.corrective_measure,
    )
    return selectors.complaint_get(viewer=user, number=number)
