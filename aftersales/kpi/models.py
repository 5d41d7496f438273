"""Stored KPI values (snapshots): what `aftersales kpi refresh` computed, per KPI × grain × period ×
breakdown key, with the numerator, denominator and n behind each value; and the targets admins set
per KPI × store × period (`kpi.targets`)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.core.models import TimeStampedModel


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


class KpiSnapshotPeriod(models.Model):
    """One grain × breakdown × period whose snapshots were written, and when: how a reader tells "stored,
    and nothing happened" (no rows of a key) from "not stored yet" (ADR 0010). Written in the same
    transaction as the period's values."""

    grain = models.CharField(_("grain"), max_length=10)
    breakdown = models.CharField(_("breakdown"), max_length=32, blank=True)
    period_start = models.DateField(_("period start"))
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        ordering = ["grain", "breakdown", "period_start"]
        verbose_name = _("KPI snapshot period")
        verbose_name_plural = _("KPI snapshot periods")
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "breakdown", "period_start"], name="kpi_snapshot_period_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.grain} {self.breakdown or 'all'} {self.period_start}"


class KpiTarget(TimeStampedModel):
    """A target (and amber threshold) for one KPI, in one store or all of them, over a range of periods.

    Values are in the KPI's stored unit: a fraction for a percentage (0.95 = 95 %), hours for hours.
    A period takes the target valid on its first day, the store's own before the one for all stores,
    and of several the one valid from the latest date (`kpi.targets`). Without any, the catalogue's
    default applies."""

    kpi_code = models.CharField(_("KPI"), max_length=64, db_index=True)
    store = models.ForeignKey(
        "accounts.Store",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="kpi_targets",
        verbose_name=_("store"),
        help_text=_("Empty: every store."),
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("Inclusive; empty: open-ended.")
    )
    target = models.FloatField(
        _("target"),
        null=True,
        blank=True,
        help_text=_("In the KPI's stored unit: a fraction for a percentage (0.95 = 95 %)."),
    )
    warning = models.FloatField(
        _("warning threshold"),
        null=True,
        blank=True,
        help_text=_(
            "Amber between this and the target; beyond it red. For a band KPI: how far outside the band "
            "is still amber."
        ),
    )
    band_low = models.FloatField(_("band low"), null=True, blank=True)
    band_high = models.FloatField(_("band high"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        ordering = ["kpi_code", "store_id", "-valid_from"]

    def __str__(self) -> str:
        where = self.store.code if self.store_id else "*"
        return f"{self.kpi_code} @ {where} from {self.valid_from}"

    def clean(self) -> None:
        from aftersales.kpi.targets import validate_target

        errors = validate_target(
            kpi_code=self.kpi_code,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            target=self.target,
            warning=self.warning,
            band_low=self.band_low,
            band_high=self.band_high,
        )
        if errors:
            raise ValidationError(errors)
