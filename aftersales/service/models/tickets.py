"""A service request (ticket), its append-only event log, comments and attachments."""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import FaultCategory, Store
from aftersales.core.models import TimeStampedModel
from aftersales.customers.models import Asset, Customer
from aftersales.service.querysets import TicketQuerySet


class Kind(models.TextChoices):
    INQUIRY = "inquiry", _("inquiry")
    REPAIR = "repair", _("fault / repair")
    MAINTENANCE = "maintenance", _("maintenance")
    INSTALLATION = "installation", _("installation")
    RETURN = "return", _("return / replacement")
    COMPLAINT = "complaint", _("complaint")


class Channel(models.TextChoices):
    PHONE = "phone", _("phone")
    EMAIL = "email", _("email")
    PORTAL = "portal", _("portal")
    WEB_FORM = "web_form", _("web form")
    API = "api", _("API")
    WALK_IN = "walk_in", _("walk-in")


class Priority(models.TextChoices):
    URGENT = "urgent", _("urgent")
    HIGH = "high", _("high")
    NORMAL = "normal", _("normal")
    LOW = "low", _("low")


class Status(models.TextChoices):
    NEW = "new", _("new")
    ASSIGNED = "assigned", _("assigned")
    IN_PROGRESS = "in_progress", _("in progress")
    PENDING_CUSTOMER = "pending_customer", _("pending customer")
    PENDING_PARTS = "pending_parts", _("pending parts")
    VISIT_SCHEDULED = "visit_scheduled", _("visit scheduled")
    RESOLVED = "resolved", _("resolved")
    REOPENED = "reopened", _("reopened")
    CLOSED = "closed", _("closed")
    CANCELLED = "cancelled", _("cancelled")


OPEN_STATUSES = frozenset(
    {
        Status.NEW,
        Status.ASSIGNED,
        Status.IN_PROGRESS,
        Status.PENDING_CUSTOMER,
        Status.PENDING_PARTS,
        Status.VISIT_SCHEDULED,
        Status.REOPENED,
    }
)
# While waiting on the customer or on parts the SLA clock stops.
PAUSED_STATUSES = frozenset({Status.PENDING_CUSTOMER, Status.PENDING_PARTS})


class Outcome(models.TextChoices):
    REPAIR = "repair", _("repaired")
    REPLACEMENT = "replacement", _("replaced")
    REFUND = "refund", _("returned / refunded")
    NO_FAULT_FOUND = "no_fault_found", _("no fault found")
    ADVICE = "advice", _("advice given")


class Ticket(TimeStampedModel):
    number = models.CharField(_("number"), max_length=20, unique=True)
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("store")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="service_requests", verbose_name=_("customer")
    )
    asset = models.ForeignKey(
        Asset,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("asset"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.REPAIR)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    fault_category = models.ForeignKey(
        FaultCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("fault category"),
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Secret for the public tracking link of web-form requests (never the number alone).
    tracking_token = models.CharField(max_length=64, unique=True)

    # --- warranty decision, taken at registration from the asset's coverage
    in_warranty = models.BooleanField(_("in warranty"), null=True, blank=True)
    parts_covered_percent = models.PositiveSmallIntegerField(default=0)
    labour_covered_percent = models.PositiveSmallIntegerField(default=0)

    # --- SLA: the policy applied, deadlines (recomputed on resume) and measured durations, stored when
    # they happen so that KPI queries read columns instead of replaying events.
    sla_policy = models.ForeignKey("service.SlaPolicy", on_delete=models.PROTECT, null=True, blank=True)
    response_due_at = models.DateTimeField(_("respond by"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolve by"), null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    paused_since = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(default=0)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    first_response_business_minutes = models.PositiveIntegerField(null=True, blank=True)
    response_breached = models.BooleanField(default=False)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_business_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_breached = models.BooleanField(default=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)

    # --- resolution
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    root_cause = models.CharField(_("root cause code"), max_length=40, blank=True)
    resolution_note = models.TextField(_("resolution"), blank=True)
    replacement_serial = models.CharField(_("replacement serial"), max_length=64, blank=True)
    labour_hours = models.DecimalField(_("labour hours"), max_digits=6, decimal_places=2, default=0)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        indexes = [
            models.Index(fields=["store", "status", "-created_at"]),
            # The request list, newest first, a page at a time without sorting the store's history.
            models.Index(fields=["store", "-created_at", "-id"], name="ticket_store_newest_idx"),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["status", "response_due_at"]),
            models.Index(fields=["customer", "-created_at"]),
            # First-time right and repeat repairs ask, for each resolved request, whether the same asset
            # came back with the same fault within 30 days: one probe here instead of reading every
            # request of the asset (the resolutions KPIs over a million requests: 33 s -> 5 s).
            models.Index(
                fields=["asset", "fault_category", "created_at", "status"], name="ticket_asset_return_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome="replacement") | ~Q(replacement_serial=""),
                name="ticket_replacement_has_serial",
            ),
            models.CheckConstraint(condition=Q(labour_hours__gte=0), name="ticket_labour_hours_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_paused(self) -> bool:
        return self.status in PAUSED_STATUSES

    @property
    def sla_target(self) -> tuple[str, datetime | None]:
        """The target the ticket races now and its deadline: the first response until there is one,
        then the resolution. The SLA scan, the countdowns and the queues all follow this one rule."""
        if self.first_response_at is None:
            return "response", self.response_due_at
        return "resolution", self.resolution_due_at


class TicketEvent(models.Model):
    """Append-only: one row for every change of a ticket. Timeline, audit, SLA and KPIs read it."""

    class Type(models.TextChoices):
        CREATED = "created", _("registered")
        ASSIGNED = "assigned", _("assigned")
        STATUS_CHANGED = "status_changed", _("status changed")
        REPLIED = "replied", _("replied to customer")
        NOTE_ADDED = "note_added", _("internal note")
        CUSTOMER_REPLIED = "customer_replied", _("customer replied")
        CALL_LOGGED = "call_logged", _("call logged")
        FIRST_RESPONSE = "first_response", _("first response")
        VISIT_BOOKED = "visit_booked", _("visit booked")
        VISIT_CONFIRMED = "visit_confirmed", _("visit confirmed")
        VISIT_ARRIVED = "visit_arrived", _("technician arrived")
        VISIT_COMPLETED = "visit_completed", _("visit completed")
        PART_USED = "part_used", _("part used")
        ATTACHMENT_ADDED = "attachment_added", _("attachment added")
        SLA_WARNING = "sla_warning", _("SLA warning")
        SLA_BREACHED = "sla_breached", _("SLA breached")
        ESCALATED = "escalated", _("escalated")
        RESOLVED = "resolved", _("resolved")
        REOPENED = "reopened", _("reopened")
        CLOSED = "closed", _("closed")
        CANCELLED = "cancelled", _("cancelled")
        COMPLAINT_OPENED = "complaint_opened", _("complaint opened")
        COMPLAINT_UPDATED = "complaint_updated", _("complaint updated")
        COMPLAINT_ESCALATED = "complaint_escalated", _("complaint escalated")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=24, choices=Type.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(db_index=True)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        indexes = [
            # A request's events of one type up to a time (first contact resolution: did the customer
            # reply before the resolution?) in one probe; the timeline (all of a request's ten or so
            # events by time) reads it as well.
            models.Index(fields=["ticket", "type", "created_at"], name="event_ticket_type_idx"),
            models.Index(fields=["type", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.type}"


class Comment(TimeStampedModel):
    """A reply to the customer, the customer's own message, or an internal note (never shown to them)."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("reply to customer")
        INTERNAL = "internal", _("internal note")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    from_customer = models.BooleanField(default=False)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    body = models.TextField(_("message"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.visibility}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    # Random file names: the original name is kept in the row, never used on disk.
    return f"attachments/{instance.ticket_id}/{instance.storage_key}"


class Attachment(TimeStampedModel):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    storage_key = models.CharField(max_length=64, unique=True)
    file = models.FileField(upload_to=attachment_path, max_length=200)
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    visible_to_customer = models.BooleanField(default=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename
