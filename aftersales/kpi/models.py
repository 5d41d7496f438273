"""Stored KPI values (snapshots): what `aftersales kpi refresh` computed, per KPI × grain × period ×
breakdown key, with the numerator, denominator and n behind each value."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class KpiSnapshot(models.Model):
    kpi = models.CharField(_("KPI"), max_length=64)
    grain = models.CharField(_("grain"), max_length=10)
    period_start = models.DateField(_("period start"))
    # breakdown "" with key "": the value over all keys; otherwise one row per key of the breakdown
    # (key "" there: records whose dimension is empty, such as requests without an assignee).
    breakdown = models.CharField(_("breakdown"), max_length=32, blank=True)
    key = models.CharField(_("key"), max_length=200, blank=True)
    value = models.FloatField(_("value"), null=True, blank=True)  # None: no value (nothing to divide by)
    numerator = models.FloatField(_("numerator"), null=True, blank=True)
    denominator = models.FloatField(_("denominator"), null=True, blank=True)
    n = models.PositiveIntegerField(_("n"), default=0)
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        ordering = ["kpi", "grain", "period_start", "breakdown", "key"]
        verbose_name = _("KPI snapshot")
        verbose_name_plural = _("KPI snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "grain", "period_start", "breakdown", "key"], name="kpi_snapshot_one_value"
            )
        ]
        indexes = [
            models.Index(fields=["grain", "breakdown", "period_start"], name="kpi_snapshot_period_idx")
        ]

    def __str__(self) -> str:
        return f"{self.kpi} {self.grain} {self.period_start} {self.breakdown}={self.key}"
