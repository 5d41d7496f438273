from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.core import clock


class TimeStampedModel(models.Model):
    """Every table records when a row was created and last changed.

    `created_at` defaults to the product clock rather than `auto_now_add`, so a service can give a row
    the time it is registered at (and tests can freeze it) without a second UPDATE."""

    created_at = models.DateTimeField(_("created"), default=clock.now, db_index=True, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class PeriodicJobRun(TimeStampedModel):
    """When the worker last enqueued each periodic job of `core.schedule.JOBS`.

    The worker advances `last_enqueued_at` with a compare-and-set UPDATE, so of several workers only
    one enqueues a due job."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    last_enqueued_at = models.DateTimeField(_("last enqueued at"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("periodic job run")
        verbose_name_plural = _("periodic job runs")

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_enqueued_at}"


class KpiStaleDay(models.Model):
    """A calendar day (in the organisation's zone) whose stored KPI values are out of date: a write to
    data the KPIs read touched it. The kpi app drains these marks and recomputes the periods holding
    them (`kpi.services.kpi_snapshots_refresh_stale`).

    In core, not in kpi: the apps below kpi (service, surveys, facts) write the marks, and dependencies
    point one way (DESIGN §3). Marks are appended, never upserted: one plain INSERT in the writer's
    transaction, and a refresh deletes exactly the rows it read, so a mark committed while it runs stays
    for the next one."""

    day = models.DateField(_("day"))
    marked_at = models.DateTimeField(_("marked"), default=clock.now)

    class Meta:
        ordering = ["day", "id"]
        verbose_name = _("stale KPI day")
        verbose_name_plural = _("stale KPI days")

    def __str__(self) -> str:
        return f"{self.day} @ {self.marked_at}"


class ReferenceVersion(models.Model):
    """One row (id 1) whose value changes, by a database trigger, with every write to a reference table:
    the per-process caches of `core.reference` are good only while it holds the value they were loaded
    under (ADR 0011). Written only by the triggers and `reference.install_triggers`."""

    value = models.CharField(max_length=32)

    class Meta:
        db_table = "core_referenceversion"
        verbose_name = _("reference data version")

    def __str__(self) -> str:
        return self.value
