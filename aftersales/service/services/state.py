"""The steps every ticket write shares: lock the row, check and apply a status move (stopping or
restarting the SLA clock), append the event, and mark the days whose KPI values the write changes."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils.translation import gettext as _

from aftersales.accounts.models import User
from aftersales.core import clock
from aftersales.core.errors import IllegalTransition
from aftersales.core.staleness import stale_days_mark
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


# Request fields that its survey answers and invitations are broken down by (kpi.catalogue reaches their
# dimensions through the request): changing one re-files those rows, placed by their own timestamps.
REFILING_FIELDS = frozenset(
    {"store", "customer", "asset", "fault_category", "assignee", "channel", "kind", "priority"}
)


def save_fields(ticket: Ticket, fields: list[str], *, stale_too: Iterable[datetime | None] = ()) -> None:
    """Save `fields` and mark the KPI days the change touches (`stale_too`: timestamps the request was
    placed by before this change, such as an earlier resolution)."""
    ticket.save(update_fields=sorted({*fields, "updated_at"}))
    mark_kpi_days(ticket, fields, stale_too=stale_too)


# Look-ahead KPIs link a request to later ones: a repeat repair (same asset and fault) within 30 days of
# a resolution, a customer back within 183 days (kpi.catalogue: REPEAT_WINDOW, CHURN_WINDOW; a kpi test
# checks this covers both). A later request that stops counting (cancelled) or moves changes the earlier
# ones' outcomes.
LINKED_LOOK_BACK = timedelta(days=183)
LINKING_FIELDS = frozenset({"asset", "fault_category", "customer"})


def mark_kpi_days(ticket: Ticket, fields: Iterable[str] = (), *, stale_too: Iterable = ()) -> None:
    """Mark the days the KPI datasets place this request by as stale (kpi.catalogue): its registration
    (requests; its complaint record is opened then too) and its resolution; with a re-filing field, also
    its survey invitations (sent) and answers (given).

    The earlier requests a look-ahead KPI links this one to are marked too when this one is cancelled
    or re-linked (another asset, fault or customer): their outcomes may be settled and stored. A new
    request or any other change needs no such mark: changes are written at the clock's now, and an
    earlier request still inside its window is right-censored (not counted yet), so no stored value of
    it changes. When the window closes the value changes with no write at all; the nightly reconcile
    (`kpi-reconcile`) recomputes those periods."""
    fields = set(fields)
    moments = [ticket.created_at, ticket.resolved_at, *stale_too]
    if REFILING_FIELDS & fields:
        for sent_at, answered_at in ticket.survey_invitations.values_list("sent_at", "response__created_at"):
            moments += [sent_at, answered_at]
    if LINKING_FIELDS & fields or ("status" in fields and ticket.status == Status.CANCELLED):
        moments += _linked_earlier(ticket)
    stale_days_mark(moments)


def _linked_earlier(ticket: Ticket) -> list[datetime | None]:
    """Registration and resolution times of the earlier requests this one may count as a return of."""
    since = ticket.created_at - LINKED_LOOK_BACK
    linked = Q(customer_id=ticket.customer_id, created_at__gte=since)
    if ticket.asset_id is not None:
        linked |= Q(
            asset_id=ticket.asset_id, fault_category_id=ticket.fault_category_id, resolved_at__gte=since
        )
    earlier = Ticket.objects.filter(linked, created_at__lt=ticket.created_at).exclude(pk=ticket.pk)
    return [moment for pair in earlier.values_list("created_at", "resolved_at") for moment in pair]


def lock_ticket(ticket: Ticket) -> Ticket:
    """Re-read the ticket under a row lock: two people acting at once must not both pass a state check."""
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("store", "customer", "sla_policy")
        .get(pk=ticket.pk)
    )
