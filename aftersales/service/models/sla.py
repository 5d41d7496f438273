"""SLA policies and the pause segments that stop a ticket's clock."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Store
from aftersales.core.models import TimeStampedModel


class SlaPolicy(TimeStampedModel):
    """Targets for tickets that match every non-empty criterion; the most specific match wins
    (store, then customer tier, then kind, then priority), ties broken by `rank`."""

    reference_data = True  # cached per process, its writes tracked by a trigger (core.reference)

    name = models.CharField(_("name"), max_length=100)
    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, null=True, blank=True, related_name="sla_policies"
    )
    kind = models.CharField(_("kind"), max_length=16, blank=True)
    priority = models.CharField(_("priority"), max_length=10, blank=True)
    customer_tier = models.CharField(_("customer tier"), max_length=10, blank=True)
    response_minutes = models.PositiveIntegerField(_("first response within (minutes)"), default=24 * 60)
    resolution_minutes = models.PositiveIntegerField(_("resolve within (minutes)"))
    business_hours = models.BooleanField(
        _("count business hours only"),
        default=False,
        help_text=_("off = calendar time (24×7); on = the store's working hours and holidays"),
    )
    warning_percent = models.PositiveSmallIntegerField(_("warn at (percent of target)"), default=75)
    rank = models.SmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-rank", "name"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(warning_percent__gte=1) & Q(warning_percent__lte=100), name="sla_warning_1_100"
            ),
            models.CheckConstraint(condition=Q(response_minutes__gte=1), name="sla_response_positive"),
            models.CheckConstraint(condition=Q(resolution_minutes__gte=1), name="sla_resolution_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class PauseSegment(TimeStampedModel):
    """A stretch of time in which the ticket's SLA clock stood still (waiting on customer or parts)."""

    ticket = models.ForeignKey("service.Ticket", on_delete=models.CASCADE, related_name="pauses")
    reason = models.CharField(max_length=20)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(ends_at__isnull=True), name="one_open_pause_per_ticket"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                name="pause_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.reason} {self.starts_at}"
