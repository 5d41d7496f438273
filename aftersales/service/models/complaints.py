"""A complaint: a service request of kind `complaint` plus this record of how serious it is, where it
came from, why it happened and what was done so it does not happen again (P8, DESIGN §4).

The deadlines are stored when the complaint is opened (and recomputed when its severity changes), so
the escalation scan and the register read columns; the closure (结案) is stored when the request is
resolved, so the KPI "complaints closed within 14 days" counts rows instead of replaying events."""

from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import TimeStampedModel
from aftersales.service.models.tickets import Ticket


class Severity(models.IntegerChoices):
    CRITICAL = 1, _("1 – critical")
    MAJOR = 2, _("2 – major")
    MINOR = 3, _("3 – minor")


class Source(models.TextChoices):
    DIRECT = "direct", _("directly from the customer")
    SURVEY = "survey", _("survey follow-up")
    CONSUMER_ASSOCIATION = "consumer_association", _("consumer association / 12315 hotline")
    MANUFACTURER = "manufacturer", _("manufacturer hotline")
    SOCIAL_MEDIA = "social_media", _("social media")


class EscalationLevel(models.IntegerChoices):
    NONE = 0, _("not escalated")
    STORE_MANAGER = 1, _("store manager")
    EXECUTIVES = 2, _("executives")


class Complaint(TimeStampedModel):
    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, related_name="complaint", verbose_name=_("service request")
    )
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices)
    source = models.CharField(_("source"), max_length=24, choices=Source.choices)
    root_cause = models.TextField(_("root cause"), blank=True)
    corrective_measure = models.TextField(_("corrective measure"), blank=True)
    opened_at = models.DateTimeField(_("opened"))
    # Escalation: to the store manager when nobody has answered the customer by `acknowledge_due_at`;
    # to the executives when a critical complaint is still unresolved at `executive_due_at`.
    acknowledge_due_at = models.DateTimeField(_("acknowledge by"))
    executive_due_at = models.DateTimeField(_("executives alerted at"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation level"), choices=EscalationLevel.choices, default=EscalationLevel.NONE
    )
    # Closure (结案): due `AFTERSALES_COMPLAINT_CLOSURE_DAYS` after opening; stored when resolved.
    due_at = models.DateTimeField(_("close by"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_within_due = models.BooleanField(_("closed in time"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            models.Index(fields=["-opened_at", "-id"], name="complaint_newest_idx"),
            models.Index(fields=["closed_at", "due_at"], name="complaint_open_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__gte=1, severity__lte=3), name="complaint_severity_1_3"
            ),
            models.CheckConstraint(condition=Q(source__in=Source.values), name="complaint_source_known"),
            models.CheckConstraint(
                condition=Q(escalation_level__gte=0, escalation_level__lte=2),
                name="complaint_escalation_level_0_2",
            ),
            # The in-time flag exists exactly when the closure does.
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True, closed_within_due__isnull=True)
                | Q(closed_at__isnull=False, closed_within_due__isnull=False),
                name="complaint_closed_flag_with_date",
            ),
            models.CheckConstraint(
                condition=Q(due_at__gt=models.F("opened_at")), name="complaint_due_after_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} S{self.severity}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def is_overdue(self, now: datetime) -> bool:
        """Still open past its closure date (a cancelled complaint is withdrawn, never overdue)."""
        return self.closed_at is None and self.ticket.is_open and now > self.due_at

    def days_open(self, now: datetime) -> int:
        """Whole days from opening to closure, or to `now` while it is open."""
        return ((self.closed_at or now) - self.opened_at).days

    def missing_for_closure(self) -> list[str]:
        """The fields a complaint must have before its request may be resolved or closed."""
        return [name for name in ("root_cause", "corrective_measure") if not getattr(self, name).strip()]
