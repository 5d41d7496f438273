"""The three steps every ticket write shares: lock the row, check and apply a status move (stopping
or restarting the SLA clock), and append the event."""

from django.utils.translation import gettext as _

from aftersales.accounts.models import User
from aftersales.core import clock
from aftersales.core.errors import IllegalTransition
from aftersales.service.lifecycle import can_move
from aftersales.service.models import Ticket, TicketEvent
from aftersales.service.models.tickets import Kind, Status
from aftersales.service.services import sla


def event_build(
    *,
    ticket: Ticket,
    type: str,
    actor: User | None,
    from_status: str = "",
    to_status: str = "",
    payload: dict | None = None,
) -> TicketEvent:
    """The event, not saved yet: several of one action can be written with one `bulk_create`."""
    return TicketEvent(
        ticket=ticket,
        type=type,
        actor=actor if actor and actor.is_authenticated else None,
        created_at=clock.now(),
        from_status=from_status,
        to_status=to_status,
        payload=payload or {},
    )


def event_record(**fields) -> TicketEvent:
    """Build (same arguments as `event_build`) and save one event."""
    event = event_build(**fields)
    event.save(force_insert=True)
    return event


def move_status(
    ticket: Ticket, to_status: str, *, by: User | None, event_type: str, payload: dict | None = None
) -> list[str]:
    """Change the status (checked against the lifecycle), stop or restart the SLA clock, log it."""
    from_status = ticket.status
    if not can_move(from_status, to_status):
        raise IllegalTransition(
            _("A request that is %(status)s cannot become %(status2)s.")
            % {"status": Status(from_status).label, "status2": Status(to_status).label},
            field="status",
            extra={"from": from_status, "to": to_status},
        )
    now = clock.now()
    if ticket.kind == Kind.COMPLAINT:
        # Lazy: the complaints module writes its events through this one.
        from aftersales.service.services.complaints import complaint_follow_status

        complaint_follow_status(ticket, to_status, at=now)
    changed = ["status"]
    ticket.status = to_status
    if to_status in {Status.PENDING_CUSTOMER, Status.PENDING_PARTS}:
        if ticket.paused_since is None:
            changed += sla.pause_open(ticket=ticket, reason=to_status, at=now)
    elif ticket.paused_since is not None:
        changed += sla.pause_close(ticket=ticket, at=now)
    event_record(
        ticket=ticket,
        type=event_type,
        actor=by,
        from_status=from_status,
        to_status=to_status,
        payload=payload,
    )
    return changed


def save_fields(ticket: Ticket, fields: list[str]) -> None:
    ticket.save(update_fields=sorted({*fields, "updated_at"}))


def lock_ticket(ticket: Ticket) -> Ticket:
    """Re-read the ticket under a row lock: two people acting at once must not both pass a state check."""
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("store", "customer", "sla_policy")
        .get(pk=ticket.pk)
    )
