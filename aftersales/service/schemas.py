"""API shapes of service requests ("requests" in URLs, `Ticket` in code) and of the actions on them."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import field_validator

from aftersales.core import clock
from aftersales.customers.schemas import CustomerRef, ProductModelRef, StoreRef
from aftersales.service.models.complaints import Source
from aftersales.service.models.tickets import Channel, Kind, Outcome, Priority, Status

# Ids fit a 64-bit primary key (a larger number would be a database error, not "not found").
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


def _plausible_year(value: datetime | None) -> datetime | None:
    """Far-off years overflow when converted between time zones; no request is dated there."""
    if value is not None and not 1900 <= value.year <= 9000:
        raise ValueError("Give a date between the years 1900 and 9000")
    return value


class UserRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)


class AssetRef(Schema):
    id: int
    serial: str
    product_model: ProductModelRef


class FaultCategoryRef(Schema):
    code: str
    name: str


class TicketOut(Schema):
    """A row of the request list."""

    number: str
    subject: str
    status: str
    kind: str
    channel: str
    priority: str
    store: StoreRef
    customer: CustomerRef
    asset: AssetRef | None
    fault_category: FaultCategoryRef | None
    assignee: UserRef | None
    in_warranty: bool | None
    escalation_level: int
    response_due_at: datetime | None
    resolution_due_at: datetime | None
    first_response_at: datetime | None
    response_breached: bool
    resolved_at: datetime | None
    resolution_breached: bool
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class EventOut(Schema):
    type: str
    created_at: datetime
    actor: UserRef | None
    from_status: str
    to_status: str
    payload: dict


class CommentOut(Schema):
    id: int
    author: UserRef | None
    from_customer: bool
    visibility: str = Field(description="public (reply to the customer) or internal (note for staff)")
    body: str
    created_at: datetime


class VisitOut(Schema):
    id: int
    technician: UserRef
    window_start: datetime
    window_end: datetime
    address: str
    status: str
    confirmed_at: datetime | None
    arrived_at: datetime | None
    completed_at: datetime | None
    report: str


class PartOut(Schema):
    id: int
    part_number: str
    description: str
    quantity: Decimal = Field(max_digits=8, decimal_places=2, description="more than zero")
    unit_cost: Decimal = Field(max_digits=10, decimal_places=2, description="zero or more")
    covered_percent: int
    created_at: datetime


class TicketDetailOut(TicketOut):
    """One request with everything that happened to it. A portal customer gets no internal notes,
    no internal events and no event payloads."""

    description: str
    parts_covered_percent: int
    labour_covered_percent: int
    paused_since: datetime | None
    reopen_count: int
    outcome: str
    root_cause: str
    resolution_note: str
    replacement_serial: str
    labour_hours: Decimal
    events: list[EventOut]
    comments: list[CommentOut]
    visits: list[VisitOut]
    parts: list[PartOut]

    # The lists are read by the endpoint through the selectors (which apply what the viewer may see)
    # and attached as `detail_*`; the model's own reverse managers are never read here.
    @staticmethod
    def resolve_events(obj):
        return obj.detail_events

    @staticmethod
    def resolve_comments(obj):
        return obj.detail_comments

    @staticmethod
    def resolve_visits(obj):
        return obj.detail_visits

    @staticmethod
    def resolve_parts(obj):
        return obj.detail_parts


class TicketIn(Schema):
    customer: Id | None = Field(None, description="customer id; a portal customer may leave it out")
    asset: Id | None = Field(None, description="id of the customer's asset the request is about")
    subject: str
    description: str = ""
    kind: Kind = Kind.REPAIR
    priority: Priority | None = Field(None, description="staff only; default normal")
    channel: Channel | None = Field(None, description="staff only; default api")
    store: str | None = Field(None, description="store code (staff only); default the customer's home store")
    fault_category: str | None = Field(None, description="fault category code")


class TicketFilterIn(Schema):
    status: list[Status] = Field(default_factory=list, description="repeat for several statuses")
    store: str = Field("", description="store code")
    kind: Kind | None = None
    channel: Channel | None = None
    priority: Priority | None = None
    assignee: str = Field("", pattern=r"^(me|none|[0-9]{1,18})?$", description="me, none or a user id")
    customer: Id | None = Field(None, description="customer id")
    created_after: datetime | None = Field(None, description="inclusive; a date means its midnight")
    created_before: datetime | None = Field(None, description="exclusive; a date means its midnight")
    q: str = Field("", max_length=200, description="number, subject, customer name or phone, serial / VIN")

    _plausible = field_validator("created_after", "created_before")(_plausible_year)


class AssignIn(Schema):
    assignee: Id = Field(description="user id of the new assignee")
    reason: str


class ReplyIn(Schema):
    body: str
    internal: bool = Field(False, description="an internal note for staff, never shown to the customer")


class LogCallIn(Schema):
    summary: str


class WaitIn(Schema):
    on: Literal["pending_customer", "pending_parts"]
    note: str = ""


class VisitIn(Schema):
    technician: Id = Field(description="user id of the technician")
    window_start: datetime = Field(description="without an offset, read in the store's time zone")
    window_end: datetime
    address: str = Field("", description="default: the customer's address")

    _plausible = field_validator("window_start", "window_end")(_plausible_year)


class PartIn(Schema):
    part_number: str
    quantity: Decimal = Field(max_digits=8, decimal_places=2, description="more than zero")
    unit_cost: Decimal = Field(max_digits=10, decimal_places=2, description="zero or more")
    description: str = ""


class ResolveIn(Schema):
    outcome: Outcome
    root_cause: str = Field("", description="root-cause code; required unless an inquiry or advice")
    note: str = ""
    replacement_serial: str = Field("", description="required when the outcome is replacement")
    labour_hours: Decimal = Field(Decimal(0), max_digits=6, decimal_places=2, description="0 to 999")


class ReasonIn(Schema):
    reason: str


# --- complaints ------------------------------------------------------------------------------------------


class ComplaintIn(Schema):
    """A complaint registered by staff. Severity and source are checked by the service (400 with the
    field named); the request's priority follows the severity (1 urgent, 2 high, 3 normal)."""

    customer: Id = Field(description="customer id")
    asset: Id | None = Field(None, description="id of the customer's asset the complaint is about")
    subject: str
    description: str = ""
    severity: int = Field(description="1 critical, 2 major, 3 minor")
    source: str = Field(
        description="direct, survey, consumer_association (incl. the 12315 hotline), manufacturer, social_media"
    )
    channel: Channel | None = Field(None, description="default api")
    store: str | None = Field(None, description="store code; default the customer's home store")
    fault_category: str | None = Field(None, description="fault category code")


class ComplaintPatchIn(Schema):
    """Only what is given changes. A new severity needs a `reason`."""

    severity: int | None = Field(None, description="1 critical, 2 major, 3 minor")
    reason: str = Field("", description="why the severity changes")
    root_cause: str | None = Field(None, max_length=2000)
    corrective_measure: str | None = Field(None, max_length=2000)


class ComplaintFilterIn(Schema):
    store: str = Field("", description="store code")
    severity: int | None = Field(None, ge=1, le=3, description="1 critical, 2 major, 3 minor")
    source: Source | None = None
    state: Literal["open", "closed", "overdue"] | None = Field(
        None, description="open; closed (resolved or closed); overdue (open past its closure date)"
    )
    opened_from: date | None = Field(None, description="inclusive, local date")
    opened_to: date | None = Field(None, description="inclusive, local date")


class ComplaintOut(Schema):
    number: str = Field(description="the request's number")
    severity: int
    source: str
    root_cause: str
    corrective_measure: str
    opened_at: datetime
    acknowledge_due_at: datetime = Field(
        description="the store manager is alerted if nobody answered by then"
    )
    executive_due_at: datetime | None = Field(
        description="severity 1: executives alerted if unresolved by then"
    )
    escalation_level: int = Field(description="0 none, 1 store manager, 2 executives")
    due_at: datetime = Field(description="closure due")
    closed_at: datetime | None = Field(description="when its request was resolved")
    closed_within_due: bool | None
    days_open: int
    overdue: bool
    request: TicketOut

    @staticmethod
    def resolve_number(obj) -> str:
        return obj.ticket.number

    @staticmethod
    def resolve_request(obj):
        return obj.ticket

    @staticmethod
    def resolve_days_open(obj) -> int:
        return obj.days_open(clock.now())

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.is_overdue(clock.now())
