"""On-site visits and parts recorded against a ticket."""

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.accounts.models import Role, User
from aftersales.core import clock
from aftersales.core.errors import ApplicationError, IllegalTransition, NotAllowed
from aftersales.service.models import PartUsage, Ticket, Visit
from aftersales.service.models.tickets import Status
from aftersales.service.permissions import can_work_on, is_ticket_customer, require_work_on
from aftersales.service.services.state import event_record, lock_ticket, move_status, save_fields
from aftersales.service.services.tickets import record_first_response


@transaction.atomic
def visit_book(
    *,
    ticket: Ticket,
    by: User,
    technician: User,
    window_start: datetime,
    window_end: datetime,
    address: str = "",
) -> Visit:
    """Book a technician for a time window; booking is customer-facing contact (first response)."""
    ticket = lock_ticket(ticket)
    require_work_on(by, ticket)
    if window_start is None or window_end is None:
        raise ApplicationError(_("Give the start and end of the visit window."), field="window_start")
    if window_start < clock.now():
        raise ApplicationError(_("The visit window starts in the past."), field="window_start")
    if window_end <= window_start:
        raise ApplicationError(_("The visit window must end after it starts."), field="window_end")
    if technician.role not in {Role.TECHNICIAN, Role.SPECIALIST} or not can_work_on(technician, ticket):
        raise ApplicationError(
            _("%(technician)s is not a technician of %(store)s.")
            % {"technician": technician, "store": ticket.store},
            field="technician",
        )
    visit = Visit.objects.create(
        ticket=ticket,
        technician=technician,
        window_start=window_start,
        window_end=window_end,
        address=(address or ticket.customer.address).strip(),
    )
    fields = record_first_response(ticket, by=by, how="visit_booked")
    if ticket.status != Status.VISIT_SCHEDULED:
        fields += move_status(ticket, Status.VISIT_SCHEDULED, by=by, event_type="status_changed")
    event_record(
        ticket=ticket,
        type="visit_booked",
        actor=by,
        payload={"visit": visit.pk, "technician": technician.pk, "from": window_start.isoformat()},
    )
    save_fields(ticket, fields)
    return visit


def _visit_step(visit: Visit, *, by: User, allowed_from: set[str], to: str, stamp: str, event: str) -> Visit:
    ticket = lock_ticket(visit.ticket)
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if visit.status not in allowed_from:
        raise IllegalTransition(
            _("The visit is %(status)s; it cannot become %(status2)s.")
            % {"status": visit.get_status_display(), "status2": Visit.Status(to).label}
        )
    visit.status = to
    setattr(visit, stamp, clock.now())
    visit.save(
        update_fields=["status", stamp, "updated_at", *(["report"] if to == Visit.Status.COMPLETED else [])]
    )
    event_record(ticket=ticket, type=event, actor=by, payload={"visit": visit.pk})
    return visit


@transaction.atomic
def visit_confirm(*, visit: Visit, by: User) -> Visit:
    """The customer (portal) or staff on the customer's behalf confirms the booked window."""
    if not (is_ticket_customer(by, visit.ticket) or can_work_on(by, visit.ticket)):
        raise NotAllowed(_("Only the customer or the store's staff may confirm this visit."))
    return _visit_step(
        visit,
        by=by,
        allowed_from={Visit.Status.BOOKED},
        to=Visit.Status.CONFIRMED,
        stamp="confirmed_at",
        event="visit_confirmed",
    )


@transaction.atomic
def visit_arrive(*, visit: Visit, by: User) -> Visit:
    require_work_on(by, visit.ticket)
    return _visit_step(
        visit,
        by=by,
        allowed_from={Visit.Status.BOOKED, Visit.Status.CONFIRMED},
        to=Visit.Status.ARRIVED,
        stamp="arrived_at",
        event="visit_arrived",
    )


@transaction.atomic
def visit_complete(*, visit: Visit, by: User, report: str) -> Visit:
    """Completing the visit puts the ticket back in progress so it can be resolved (or wait on parts)."""
    require_work_on(by, visit.ticket)
    report = (report or "").strip()
    if not report:
        raise ApplicationError(_("Write what was done on site."), field="report")
    visit.report = report
    visit = _visit_step(
        visit,
        by=by,
        allowed_from={Visit.Status.ARRIVED},
        to=Visit.Status.COMPLETED,
        stamp="completed_at",
        event="visit_completed",
    )
    Visit.objects.filter(pk=visit.pk).update(report=report)
    ticket = lock_ticket(visit.ticket)
    if ticket.status == Status.VISIT_SCHEDULED:
        save_fields(ticket, move_status(ticket, Status.IN_PROGRESS, by=by, event_type="status_changed"))
    visit.report = report
    return visit


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ApplicationError(_("'%(value)s' is not a number.") % {"value": value}, field=field) from exc
    if not number.is_finite():
        raise ApplicationError(_("'%(value)s' is not a number.") % {"value": value}, field=field)
    return number


@transaction.atomic
def part_record(
    *, ticket: Ticket, by: User, part_number: str, quantity, unit_cost, description: str = ""
) -> PartUsage:
    """Record a part used; the share the warranty pays comes from the ticket's coverage decision."""
    ticket = lock_ticket(ticket)
    require_work_on(by, ticket)
    part_number = (part_number or "").strip().upper()
    if not part_number:
        raise ApplicationError(_("Give the part number."), field="part_number")
    quantity, unit_cost = _decimal(quantity, "quantity"), _decimal(unit_cost, "unit_cost")
    if quantity <= 0:
        raise ApplicationError(_("The quantity must be more than zero."), field="quantity")
    if unit_cost < 0:
        raise ApplicationError(_("The unit cost cannot be negative."), field="unit_cost")
    if not ticket.is_open:
        raise IllegalTransition(
            _("%(number)s is %(status)s; parts can't be added.")
            % {"number": ticket.number, "status": ticket.get_status_display()}
        )
    part = PartUsage.objects.create(
        ticket=ticket,
        part_number=part_number,
        description=description.strip(),
        quantity=quantity,
        unit_cost=unit_cost,
        covered_percent=ticket.parts_covered_percent if ticket.in_warranty else 0,
        recorded_by=by,
    )
    event_record(
        ticket=ticket,
        type="part_used",
        actor=by,
        payload={"part": part_number, "quantity": str(quantity), "unit_cost": str(unit_cost)},
    )
    return part
