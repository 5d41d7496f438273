"""Work done on a ticket: on-site visits and parts; and the round-robin cursor of assignment."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Store
from aftersales.core.models import TimeStampedModel


class Visit(TimeStampedModel):
    class Status(models.TextChoices):
        BOOKED = "booked", _("booked")
        CONFIRMED = "confirmed", _("confirmed by customer")
        ARRIVED = "arrived", _("technician arrived")
        COMPLETED = "completed", _("completed")
        CANCELLED = "cancelled", _("cancelled")

    ticket = models.ForeignKey("service.Ticket", on_delete=models.CASCADE, related_name="visits")
    technician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits")
    window_start = models.DateTimeField(_("from"))
    window_end = models.DateTimeField(_("until"))
    address = models.CharField(_("address"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.BOOKED)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    report = models.TextField(_("visit report"), blank=True)

    class Meta:
        ordering = ["window_start"]
        verbose_name = _("on-site visit")
        verbose_name_plural = _("on-site visits")
        constraints = [
            models.CheckConstraint(
                condition=Q(window_end__gt=models.F("window_start")), name="visit_window_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.window_start}"


class PartUsage(TimeStampedModel):
    ticket = models.ForeignKey("service.Ticket", on_delete=models.CASCADE, related_name="parts")
    part_number = models.CharField(_("part number"), max_length=40)
    description = models.CharField(_("description"), max_length=200, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=8, decimal_places=2)
    unit_cost = models.DecimalField(_("unit cost"), max_digits=10, decimal_places=2)
    covered_percent = models.PositiveSmallIntegerField(_("covered by warranty (%)"), default=0)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("part used")
        verbose_name_plural = _("parts used")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="part_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="part_unit_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.part_number} × {self.quantity}"


class AssignmentCursor(models.Model):
    """Where round-robin assignment stopped in each store, so the next ticket goes to the next person."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="assignment_cursor")
    last_assignee_id = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = _("assignment cursor")

    def __str__(self) -> str:
        return f"{self.store_id} → {self.last_assignee_id}"
