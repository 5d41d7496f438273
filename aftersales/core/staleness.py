"""Marking the days whose stored KPI values a write has made stale (`core.models.KpiStaleDay`).

Write services call `stale_days_mark` inside their transaction with the timestamps (or calendar dates)
the KPI datasets place the changed rows by; the kpi app recomputes the periods holding those days. One
INSERT per call, nothing read: the request-registration path pays a single cheap statement."""

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from aftersales.core import clock
from aftersales.core.models import KpiStaleDay


def organisation_day(moment: datetime | date) -> date:
    """The calendar day KPI periods place `moment` in: the organisation's zone, as
    `kpi.engine.organisation_zone` cuts periods; a date (a DateField fact) is its own day."""
    if isinstance(moment, datetime):
        return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()
    return moment


def stale_days_mark(moments: Iterable[datetime | date | None]) -> None:
    """Mark the days of `moments` (None skipped, repeats written once) as stale."""
    days = sorted({organisation_day(moment) for moment in moments if moment is not None})
    if not days:
        return
    now = clock.now()
    KpiStaleDay.objects.bulk_create([KpiStaleDay(day=day, marked_at=now) for day in days])
