"""Complaints (P8): open one, edit its severity, root cause and corrective measure, refuse to resolve or
close it without them, record its closure against the 14-day due date, and escalate it by severity.

Every request of kind `complaint` has its complaint record, whichever way it came in: `ticket_register`
calls `complaint_record_open` for that kind (the portal, the public form, email-in and the requests API
give the defaults: severity from the priority, source "direct"), and `complaint_open` is the entry point
that says severity and source (staff form, complaints API, survey follow-up)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from aftersales.accounts.models import FaultCategory, Role, Store, User
from aftersales.core import clock
from aftersales.core.errors import ApplicationError
from aftersales.customers.models import Asset, Customer
from aftersales.service import notifications
from aftersales.service.models import Complaint, Ticket, TicketEvent
from aftersales.service.models.complaints import EscalationLevel, Severity, Source
from aftersales.service.models.tickets import OPEN_STATUSES, Kind, Priority, Status
from aftersales.service.permissions import require_work_on
from aftersales.service.services.state import event_build, event_record, lock_ticket, save_fields

TEXT_MAX_LENGTH = 2000
# A complaint's severity sets the priority of its request (and with it the SLA policy it races).
SEVERITY_PRIORITY = {
    Severity.CRITICAL: Priority.URGENT,
    Severity.MAJOR: Priority.HIGH,
    Severity.MINOR: Priority.NORMAL,
}


@dataclass(frozen=True)
class ComplaintIntake:
    """What is said about a complaint when it comes in; checked on creation."""

    severity: int
    source: str

    def __post_init__(self) -> None:
        if self.severity not in Severity.values:
            raise ApplicationError(
                _("Severity must be 1 (critical), 2 (major) or 3 (minor), not '%(value)s'.")
                % {"value": self.severity},
                field="severity",
            )
        if self.source not in Source.values:
            raise ApplicationError(
                _("Unknown complaint source '%(value)s': choose one of %(choices)s.")
                % {"value": self.source, "choices": ", ".join(Source.values)},
                field="source",
            )

    @classmethod
    def default_for(cls, priority: str) -> "ComplaintIntake":
        """A complaint registered as an ordinary request: as serious as its priority says, direct."""
        severity = next(
            (severity for severity, level in SEVERITY_PRIORITY.items() if level == priority), Severity.MINOR
        )
        return cls(severity=int(severity), source=Source.DIRECT)


def parse_severity(value) -> int:
    """A severity typed or posted as text; anything but a whole number is named in the error."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise ApplicationError(
            _("Severity must be 1 (critical), 2 (major) or 3 (minor), not '%(value)s'.") % {"value": value},
            field="severity",
        ) from exc


# --- deadlines ---------------------------------------------------------------------------------------


def acknowledge_hours(severity: int) -> int:
    return int(settings.AFTERSALES_COMPLAINT_ACKNOWLEDGE_HOURS[severity])


def closure_days() -> int:
    return int(settings.AFTERSALES_COMPLAINT_CLOSURE_DAYS)


def _escalation_deadlines(complaint: Complaint) -> list[str]:
    complaint.acknowledge_due_at = complaint.opened_at + timedelta(
        hours=acknowledge_hours(complaint.severity)
    )
    complaint.executive_due_at = (
        complaint.opened_at + timedelta(hours=settings.AFTERSALES_COMPLAINT_EXECUTIVE_HOURS)
        if complaint.severity == Severity.CRITICAL
        else None
    )
    return ["acknowledge_due_at", "executive_due_at"]


# --- open --------------------------------------------------------------------------------------------


def complaint_record_open(*, ticket: Ticket, by: User | None, intake: ComplaintIntake) -> TicketEvent:
    """The complaint record of a request of kind complaint just registered (called by ticket_register).
    Returns its `complaint_opened` event, not saved: the registration writes it with its own events."""
    complaint = Complaint(
        ticket=ticket,
        severity=intake.severity,
        source=intake.source,
        opened_at=ticket.created_at,
        due_at=ticket.created_at + timedelta(days=closure_days()),
    )
    _escalation_deadlines(complaint)
    complaint.save(force_insert=True)
    return event_build(
        ticket=ticket,
        type="complaint_opened",
        actor=by,
        payload={"severity": complaint.severity, "source": complaint.source},
    )


@transaction.atomic
def complaint_open(
    *,
    by: User | None,
    store: Store,
    customer: Customer,
    channel: str,
    subject: str,
    severity: int,
    source: str,
    description: str = "",
    asset: Asset | None = None,
    fault_category: FaultCategory | None = None,
    auto_assign: bool = True,
) -> Ticket:
    """Register a complaint: a request of kind complaint, its priority set by the severity, with its
    complaint record. Returns the request (`ticket.complaint` is its record)."""
    from aftersales.service.services.tickets import ticket_register

    intake = ComplaintIntake(severity=parse_severity(severity), source=source)
    return ticket_register(
        by=by,
        store=store,
        customer=customer,
        channel=channel,
        subject=subject,
        description=description,
        kind=Kind.COMPLAINT,
        priority=SEVERITY_PRIORITY[Severity(intake.severity)],
        asset=asset,
        fault_category=fault_category,
        auto_assign=auto_assign,
        complaint=intake,
    )


# --- edit --------------------------------------------------------------------------------------------


def _clean_text(value: str, *, field: str, label: str) -> str:
    value = (value or "").strip()
    if len(value) > TEXT_MAX_LENGTH:
        raise ApplicationError(
            _("The %(label)s is longer than %(max)s characters.") % {"label": label, "max": TEXT_MAX_LENGTH},
            field=field,
        )
    return value


@transaction.atomic
def complaint_update(
    *,
    ticket: Ticket,
    by: User,
    severity: int | str | None = None,
    reason: str = "",
    root_cause: str | None = None,
    corrective_measure: str | None = None,
) -> Complaint:
    """Change what is given (None leaves a field as it is). A new severity needs a reason and moves the
    escalation deadlines; a resolved or closed complaint keeps a root cause and a corrective measure."""
    ticket = lock_ticket(ticket)
    require_work_on(by, ticket)
    complaint = Complaint.objects.select_for_update().filter(ticket=ticket).first()
    if complaint is None:
        raise ApplicationError(_("%(number)s is not a complaint.") % {"number": ticket.number}, field="kind")
    complaint.ticket = ticket
    payload: dict = {}
    fields: list[str] = []
    if severity is not None and str(severity).strip() != "":
        new_severity = ComplaintIntake(severity=parse_severity(severity), source=complaint.source).severity
        if new_severity != complaint.severity:
            reason = (reason or "").strip()
            if not reason:
                raise ApplicationError(_("Say why the severity changes."), field="reason")
            payload.update(severity={"from": complaint.severity, "to": new_severity}, reason=reason)
            complaint.severity = new_severity
            fields += ["severity", *_escalation_deadlines(complaint)]
    for field, value, label in (
        ("root_cause", root_cause, _("root cause")),
        ("corrective_measure", corrective_measure, _("corrective measure")),
    ):
        if value is None:
            continue
        value = _clean_text(value, field=field, label=label)
        if value == getattr(complaint, field):
            continue
        if not value and ticket.status in {Status.RESOLVED, Status.CLOSED}:
            raise ApplicationError(
                _("A resolved complaint keeps its %(label)s: correct it instead of removing it.")
                % {"label": label},
                field=field,
            )
        setattr(complaint, field, value)
        payload[field] = value
        fields.append(field)
    if not fields:
        return complaint
    complaint.save(update_fields=[*fields, "updated_at"])
    event_record(ticket=ticket, type="complaint_updated", actor=by, payload=payload)
    save_fields(ticket, [])  # the request's "updated" time follows its complaint
    return complaint


# --- the lifecycle of its request --------------------------------------------------------------------


def complaint_follow_status(ticket: Ticket, to_status: str, *, at: datetime) -> None:
    """Called by `state.move_status` for a complaint's request: resolving or closing needs a root cause
    and a corrective measure; resolving is the closure (结案), measured against the due date, and a
    reopen undoes it."""
    if to_status not in {Status.RESOLVED, Status.CLOSED, Status.REOPENED}:
        return
    complaint = Complaint.objects.select_for_update().filter(ticket=ticket).first()
    if complaint is None:
        raise ApplicationError(_("This complaint has no complaint record."), field="complaint")
    if to_status == Status.REOPENED:
        complaint.closed_at = complaint.closed_within_due = None
    else:
        missing = complaint.missing_for_closure()
        if missing:
            labels = {"root_cause": _("root cause"), "corrective_measure": _("corrective measure")}
            message = (
                _("Record the complaint's %(field)s before resolving it.")
                if to_status == Status.RESOLVED
                else _("Record the complaint's %(field)s before closing it.")
            )
            # "complaint.": the request has a root_cause (code) of its own, in the same resolve form.
            raise ApplicationError(message % {"field": labels[missing[0]]}, field=f"complaint.{missing[0]}")
        if complaint.closed_at is not None:
            return  # closing a resolved complaint: it was closed (结案) at its resolution
        complaint.closed_at = at
        complaint.closed_within_due = at <= complaint.due_at
    complaint.save(update_fields=["closed_at", "closed_within_due", "updated_at"])


# --- escalation by severity --------------------------------------------------------------------------


def _store_managers(store_id: int) -> list[User]:
    return list(User.objects.filter(is_active=True, role=Role.STORE_MANAGER, stores=store_id).order_by("pk"))


def _executives() -> list[User]:
    return list(User.objects.filter(is_active=True, role=Role.EXECUTIVE).order_by("pk"))


def complaint_escalation_scan(*, now: datetime | None = None) -> dict[str, int]:
    """Escalate the open complaints whose time is up: nobody answered the customer by the deadline of
    the severity → the store manager (level 1); a critical complaint still unresolved at its executive
    deadline → the executives and the store manager (level 2). Each level once, by compare-and-set."""
    now = now or clock.now()
    counts = {"store_manager": 0, "executives": 0}
    open_complaints = Complaint.objects.filter(ticket__status__in=OPEN_STATUSES).select_related(
        "ticket__store"
    )
    executives_due = open_complaints.filter(
        escalation_level__lt=EscalationLevel.EXECUTIVES, executive_due_at__lte=now
    )
    manager_due = open_complaints.filter(
        escalation_level=EscalationLevel.NONE,
        acknowledge_due_at__lte=now,
        ticket__first_response_at__isnull=True,
    ).exclude(pk__in=executives_due.values("pk"))
    for level, due in (
        (EscalationLevel.EXECUTIVES, executives_due),
        (EscalationLevel.STORE_MANAGER, manager_due),
    ):
        for complaint in due.order_by("pk"):
            if _escalate(complaint, level):
                counts["executives" if level == EscalationLevel.EXECUTIVES else "store_manager"] += 1
    return counts


@transaction.atomic
def _escalate(complaint: Complaint, level: int) -> bool:
    claimed = Complaint.objects.filter(pk=complaint.pk, escalation_level=complaint.escalation_level).update(
        escalation_level=level, updated_at=clock.now()
    )
    if not claimed:
        return False  # another worker escalated it first
    ticket = complaint.ticket
    recipients = _store_managers(ticket.store_id)
    if level == EscalationLevel.EXECUTIVES:
        recipients = _executives() + recipients
    reason = "unresolved" if level == EscalationLevel.EXECUTIVES else "unacknowledged"
    event_record(
        ticket=ticket,
        type="complaint_escalated",
        actor=None,
        payload={
            "level": level,
            "severity": complaint.severity,
            "reason": reason,
            "to": [user.pk for user in recipients],
        },
    )
    notifications.complaint_escalated(
        ticket=ticket, complaint=complaint, recipients=recipients, level=level, reason=reason
    )
    return True
