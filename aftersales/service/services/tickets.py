"""Registering a ticket and moving it through its lifecycle."""

import secrets
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from aftersales.accounts.models import FaultCategory, Store, User
from aftersales.core import clock
from aftersales.core.errors import ApplicationError, IllegalTransition, NotAllowed
from aftersales.customers.models import Asset, Customer
from aftersales.customers.selectors import asset_warranty_status
from aftersales.service import notifications
from aftersales.service.models import Ticket, TicketEvent
from aftersales.service.models.tickets import Channel, Kind, Outcome, Priority, Status
from aftersales.service.permissions import is_ticket_customer, require_work_on, works_in_store
from aftersales.service.services import sla
from aftersales.service.services.assignment import assignment_payload, auto_assignee
from aftersales.service.services.complaints import ComplaintIntake, complaint_record_open
from aftersales.service.services.state import (
    event_build,
    event_record,
    lock_ticket,
    mark_kpi_days,
    move_status,
    save_fields,
)

Event = TicketEvent.Type
TICKET_RELATIONS = ["store", "customer", "asset", "fault_category", "assignee", "created_by", "sla_policy"]


def _require_may_register(by: User | None, *, store: Store, customer: Customer) -> None:
    """`by` None is the system itself (email-in, the public web form); a portal customer registers only
    for themself; staff only for a store they work in."""
    if by is None:
        return
    if not by.is_staff_member:
        if customer.user_id != by.pk:
            raise NotAllowed(_("You may only register requests for yourself."), field="customer")
        return
    if not works_in_store(by, store.pk):
        raise NotAllowed(_("You may only register requests for your own store."), field="store")


@transaction.atomic
def ticket_register(
    *,
    by: User | None,
    store: Store,
    customer: Customer,
    channel: str,
    subject: str,
    description: str = "",
    kind: str = Kind.REPAIR,
    priority: str = Priority.NORMAL,
    asset: Asset | None = None,
    fault_category: FaultCategory | None = None,
    auto_assign: bool = True,
    complaint: ComplaintIntake | None = None,
) -> Ticket:
    """Register a request from any channel against the customer's asset and warranty, apply the SLA
    policy, and assign it. Nothing is written if any input is wrong. A complaint gets its complaint
    record (`complaint` says its severity and source; see services.complaints)."""
    subject = (subject or "").strip()
    if not subject:
        raise ApplicationError(_("Say in a few words what the request is about."), field="subject")
    if len(subject) > 200:
        raise ApplicationError(_("The subject is longer than 200 characters."), field="subject")
    for field, value, choices in (
        ("channel", channel, Channel),
        ("kind", kind, Kind),
        ("priority", priority, Priority),
    ):
        if value not in choices.values:
            raise ApplicationError(
                _("Unknown %(field)s '%(value)s'.") % {"field": field, "value": value}, field=field
            )
    if complaint is not None and kind != Kind.COMPLAINT:
        raise ApplicationError(_("Only a complaint has a severity and a source."), field="kind")
    if asset is not None and asset.customer_id != customer.pk:
        raise ApplicationError(
            _("Asset %(serial)s does not belong to %(name)s.")
            % {"serial": asset.serial, "name": customer.name},
            field="asset",
        )
    _require_may_register(by, store=store, customer=customer)
    now = clock.now()
    ticket = Ticket(
        number=secrets.token_hex(8),
        created_at=now,
        store=store,
        customer=customer,
        asset=asset,
        kind=kind,
        channel=channel,
        priority=priority,
        fault_category=fault_category,
        subject=subject,
        description=description.strip(),
        created_by=by if by and by.is_authenticated else None,
        tracking_token=secrets.token_urlsafe(32),
    )
    local_today = now.astimezone(ZoneInfo(store.timezone)).date()
    if asset is not None:
        warranty = asset_warranty_status(asset=asset, on=local_today)
        ticket.in_warranty = warranty.in_warranty
        ticket.parts_covered_percent = warranty.parts_percent
        ticket.labour_covered_percent = warranty.labour_percent
    ticket.sla_policy = sla.sla_policy_for(ticket=ticket)
    sla.sla_deadlines_compute(ticket=ticket)
    # Field checks only: the related objects were passed in, so re-reading each foreign key is waste.
    ticket.clean_fields(exclude=[*TICKET_RELATIONS, "number", "tracking_token"])
    assignee = auto_assignee(ticket) if auto_assign else None
    if assignee is not None:
        # Chosen before the row is written, so that it is written once, already assigned.
        ticket.assignee, ticket.status = assignee, Status.ASSIGNED
    # The number shows the store's month and the row's id.
    drawn_id = _next_ticket_id()
    if drawn_id is not None:
        ticket.pk, ticket.number = drawn_id, _ticket_number(local_today, drawn_id)
    ticket.save(force_insert=True)
    if drawn_id is None:
        ticket.number = _ticket_number(local_today, ticket.pk)
        Ticket.objects.filter(pk=ticket.pk).update(number=ticket.number)
    events = [
        event_build(
            ticket=ticket,
            type=Event.CREATED,
            actor=by,
            to_status=Status.NEW,
            payload={"channel": channel, "in_warranty": ticket.in_warranty},
        )
    ]
    if kind == Kind.COMPLAINT:
        intake = complaint or ComplaintIntake.default_for(priority)
        events.append(complaint_record_open(ticket=ticket, by=by, intake=intake))
    if assignee is not None:
        events.append(
            event_build(
                ticket=ticket,
                type=Event.ASSIGNED,
                actor=None,
                from_status=Status.NEW,
                to_status=Status.ASSIGNED,
                payload=assignment_payload(assignee, previous=None, reason="automatic", automatic=True),
            )
        )
    TicketEvent.objects.bulk_create(events)
    mark_kpi_days(ticket)  # one INSERT: the registration day's KPI values are out of date
    ticket.registration_events = events  # the API answers with them, without reading them back
    notifications.confirmation_to_customer(ticket=ticket)
    if assignee is not None:
        notifications.assignment_to_specialist(ticket=ticket)
    return ticket


def _ticket_number(local_day: date, pk: int) -> str:
    return f"SR{local_day:%y%m}-{pk:06d}"


def _next_ticket_id() -> int | None:
    """The id the new request will have, drawn from PostgreSQL's sequence before the INSERT so that
    the row is written with its number (no UPDATE after it). None on SQLite, which has no sequence to
    draw from: there the INSERT assigns the id and the number is written right after."""
    connection = connections[router.db_for_write(Ticket)]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [Ticket._meta.db_table])
        return cursor.fetchone()[0]


def record_first_response(ticket: Ticket, *, by: User, how: str) -> list[str]:
    """First response = the first customer-facing contact by staff; automatic mail never counts."""
    if ticket.first_response_at is not None:
        return []
    fields = sla.first_response_measure(ticket=ticket, at=clock.now())
    event_record(
        ticket=ticket,
        type=Event.FIRST_RESPONSE,
        actor=by,
        payload={"how": how, "minutes": ticket.first_response_minutes, "breached": ticket.response_breached},
    )
    return fields


def _start_work_if_waiting(ticket: Ticket, by: User) -> list[str]:
    if ticket.status in {Status.ASSIGNED, Status.REOPENED}:
        return move_status(ticket, Status.IN_PROGRESS, by=by, event_type=Event.STATUS_CHANGED)
    return []


@transaction.atomic
def ticket_start(*, ticket: Ticket, by: User) -> Ticket:
    ticket = lock_ticket(ticket)
    require_work_on(by, ticket)
    save_fields(ticket, move_status(ticket, Status.IN_PROGRESS, by=by, event_type=Event.STATUS_CHANGED))
    return ticket


@transaction.atomic
def ticket_reply(*, ticket: Ticket, by: User, body: str, internal: bool = False):
    """A reply to the customer (counts as first response) or an internal note (never shown to them)."""
    from aftersales.service.models import Comment

    ticket = lock_ticket(ticket)
    require_work_on(by, ticket)
    body = (body or "").strip()
    if not body:
        raise ApplicationError(_("The message is empty."), field="body")
    if not ticket.is_open and ticket.status != Status.RESOLVED:
        raise IllegalTransition(
            _("%(number)s is %(status)s; reopen it to write.")
            % {"number": ticket.number, "status": ticket.get_status_display()}
        )
    visibility = Comment.Visibility.INTERNAL if internal else Comment.Visibility.PUBLIC
    comment = Comment.objects.create(ticket=ticket, author=by, body=body, visibility=visibility)
    fields: list[str] = []
    if internal:
        event_record(ticket=ticket, type=Event.NOTE_ADDED, actor=by, payload={"comment": comment.pk})
    else:
        event_record(ticket=ticket, type=Event.REPLIED, actor=by, payload={"comment": comment.pk})
        fields += record_first_response(ticket, by=by, how="reply")
        fields += _start_work_if_waiting(ticket, by)
        notifications.reply_to_customer(ticket=ticket, comment=comment)
    if fields:
        save_fields(ticket, fields)
    return comment


@transaction.atomic
def ticket_log_call(*, ticket: Ticket, by: User, summary: str) -> Ticket:
    ticket = lock_ticket(ticket)
    require_work_on(by, ticket)
    summary = (summary or "").strip()
    if not summary:
        raise ApplicationError(_("Note what was said on the call."), field="summary")
    if not ticket.is_open:
        raise IllegalTransition(
            _("%(number)s is %(status)s.") % {"number": ticket.number, "status": ticket.get_status_display()}
        )
    event_record(ticket=ticket, type=Event.CALL_LOGGED, actor=by, payload={"summary": summary})
    fields = record_first_response(ticket, by=by, how="call") + _start_work_if_waiting(ticket, by)
    if fields:
        save_fields(ticket, fields)
    return ticket


@transaction.atomic
def ticket_customer_reply(*, ticket: Ticket, by: User, body: str):
    """The customer writes from the portal; a request waiting on them starts moving again."""
    from aftersales.service.models import Comment

    ticket = lock_ticket(ticket)
    if not is_ticket_customer(by, ticket):
        raise NotAllowed(_("Only the customer of this request may reply here."))
    body = (body or "").strip()
    if not body:
        raise ApplicationError(_("The message is empty."), field="body")
    if ticket.status in {Status.CLOSED, Status.CANCELLED}:
        raise IllegalTransition(
            _("%(number)s is %(status)s.") % {"number": ticket.number, "status": ticket.get_status_display()}
        )
    comment = Comment.objects.create(ticket=ticket, author=by, body=body, from_customer=True)
    event_record(ticket=ticket, type=Event.CUSTOMER_REPLIED, actor=by, payload={"comment": comment.pk})
    if ticket.status == Status.PENDING_CUSTOMER:
        save_fields(ticket, move_status(ticket, Status.IN_PROGRESS, by=by, event_type=Event.STATUS_CHANGED))
    return comment


@transaction.atomic
def ticket_wait(*, ticket: Ticket, by: User, on: str, note: str = "") -> Ticket:
    """Stop the SLA clock while waiting on the customer (`pending_customer`) or on parts (`pending_parts`)."""
    if on not in {Status.PENDING_CUSTOMER, Status.PENDING_PARTS}:
        raise ApplicationError(_("Cannot wait on '%(on)s'.") % {"on": on}, field="on")
    ticket = lock_ticket(ticket)
    require_work_on(by, ticket)
    save_fields(
        ticket, move_status(ticket, on, by=by, event_type=Event.STATUS_CHANGED, payload={"note": note})
    )
    return ticket


@transaction.atomic
def ticket_resume(*, ticket: Ticket, by: User) -> Ticket:
    ticket = lock_ticket(ticket)
    require_work_on(by, ticket)
    save_fields(ticket, move_status(ticket, Status.IN_PROGRESS, by=by, event_type=Event.STATUS_CHANGED))
    return ticket


@transaction.atomic
def ticket_resolve(
    *,
    ticket: Ticket,
    by: User,
    outcome: str,
    root_cause: str = "",
    note: str = "",
    replacement_serial: str = "",
    labour_hours: Decimal | float | str = 0,
) -> Ticket:
    ticket = lock_ticket(ticket)
    require_work_on(by, ticket)
    earlier_resolution = ticket.resolved_at  # resolved again after a reopen: it leaves that period
    if outcome not in Outcome.values:
        raise ApplicationError(_("Unknown outcome '%(outcome)s'.") % {"outcome": outcome}, field="outcome")
    replacement_serial = (replacement_serial or "").strip().upper()
    if outcome == Outcome.REPLACEMENT and not replacement_serial:
        raise ApplicationError(
            _("Record the serial number of the replacement unit."), field="replacement_serial"
        )
    try:
        hours = Decimal(str(labour_hours or 0))
    except ArithmeticError as exc:
        raise ApplicationError(
            _("'%(labour_hours)s' is not a number of hours.") % {"labour_hours": labour_hours},
            field="labour_hours",
        ) from exc
    if not hours.is_finite() or hours < 0 or hours > 999:
        raise ApplicationError(_("Labour hours must be between 0 and 999."), field="labour_hours")
    if ticket.kind != Kind.INQUIRY and outcome != Outcome.ADVICE and not root_cause.strip():
        raise ApplicationError(_("Give the root-cause code of the fault."), field="root_cause")
    fields = move_status(
        ticket,
        Status.RESOLVED,
        by=by,
        event_type=Event.RESOLVED,
        payload={"outcome": outcome, "root_cause": root_cause.strip()},
    )
    ticket.outcome, ticket.root_cause = outcome, root_cause.strip()
    ticket.resolution_note, ticket.replacement_serial, ticket.labour_hours = (
        note.strip(),
        replacement_serial,
        hours,
    )
    fields += ["outcome", "root_cause", "resolution_note", "replacement_serial", "labour_hours"]
    fields += sla.resolution_measure(ticket=ticket, at=clock.now())
    if ticket.first_response_at is None:
        # Solving the problem is the most customer-facing contact there is.
        fields += record_first_response(ticket, by=by, how="resolution")
    save_fields(ticket, fields, stale_too=[earlier_resolution])
    notifications.resolved_to_customer(ticket=ticket)
    return ticket


@transaction.atomic
def ticket_close(*, ticket: Ticket, by: User | None) -> Ticket:
    ticket = lock_ticket(ticket)
    if by is not None:
        require_work_on(by, ticket)
    fields = move_status(ticket, Status.CLOSED, by=by, event_type=Event.CLOSED)
    ticket.closed_at = clock.now()
    save_fields(ticket, [*fields, "closed_at"])
    return ticket


def reopen_window() -> timedelta:
    return timedelta(days=settings.AFTERSALES_REOPEN_WINDOW_DAYS)


@transaction.atomic
def ticket_reopen(*, ticket: Ticket, by: User, reason: str) -> Ticket:
    """Staff or the customer reopen a resolved or closed request within the reopen window; it counts
    against resolution accuracy (the reopen is kept as an event and in `reopen_count`)."""
    ticket = lock_ticket(ticket)
    if not is_ticket_customer(by, ticket):
        require_work_on(by, ticket)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Say why the request is reopened."), field="reason")
    if ticket.resolved_at and clock.now() - ticket.resolved_at > reopen_window():
        raise IllegalTransition(
            _("%(number)s was resolved more than %(reopen_window)s days ago; register a new request.")
            % {"number": ticket.number, "reopen_window": reopen_window().days}
        )
    fields = move_status(
        ticket, Status.REOPENED, by=by, event_type=Event.REOPENED, payload={"reason": reason}
    )
    ticket.reopen_count = F("reopen_count") + 1
    ticket.closed_at = None
    fields += ["reopen_count", "closed_at"]
    save_fields(ticket, fields)
    ticket.refresh_from_db()
    save_fields(ticket, sla.sla_deadlines_compute(ticket=ticket))
    return ticket


@transaction.atomic
def ticket_cancel(*, ticket: Ticket, by: User, reason: str) -> Ticket:
    ticket = lock_ticket(ticket)
    if not is_ticket_customer(by, ticket):
        require_work_on(by, ticket)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Say why the request is cancelled."), field="reason")
    save_fields(
        ticket,
        move_status(ticket, Status.CANCELLED, by=by, event_type=Event.CANCELLED, payload={"reason": reason}),
    )
    return ticket
