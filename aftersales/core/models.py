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
