"""Builds a store's business calendar from its opening hours, China's public holidays (with make-up
workdays, 调休) and the admins' overrides. The arithmetic itself is in `sla_calendar` (pure)."""

from datetime import date
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.db.models import Q

from aftersales.accounts.models import CalendarOverride, Store
from aftersales.core import reference
from aftersales.service.sla_calendar import AlwaysOpen, BusinessCalendar

# Years around "now" that a calendar covers; SLA targets never reach further.
YEARS_BEFORE, YEARS_AFTER = 2, 2


@lru_cache(maxsize=16)
def _china_days(years: tuple[int, ...]) -> tuple[frozenset[date], frozenset[date]]:
    cn = holidays.China(years=years)
    return frozenset(cn.keys()), frozenset(cn.weekend_workdays)


def store_calendar(store: Store, *, around: date) -> BusinessCalendar:
    """Cached per process until the store, its hours or an override change (core.reference); the
    calendar is immutable, so every request may share it."""
    years = tuple(range(around.year - YEARS_BEFORE, around.year + YEARS_AFTER + 1))
    return reference.cached(("store_calendar", store.pk, years), lambda: _store_calendar(store, years))


def _store_calendar(store: Store, years: tuple[int, ...]) -> BusinessCalendar:
    days_off, makeup = _china_days(years)
    days_off, makeup = set(days_off), set(makeup)
    overrides = CalendarOverride.objects.filter(
        Q(store__isnull=True) | Q(store=store), date__year__in=years
    ).order_by("store_id")  # store-specific rows (non-null) come last and win
    for override in overrides:
        if override.is_workday:
            days_off.discard(override.date)
            if override.date.weekday() >= 5:
                makeup.add(override.date)
        else:
            days_off.add(override.date)
            makeup.discard(override.date)
    weekly: list[list[tuple]] = [[] for _ in range(7)]
    for period in store.working_periods.all():
        weekly[period.weekday].append((period.starts, period.ends))
    return BusinessCalendar(
        tz=ZoneInfo(store.timezone),
        weekly_hours=tuple(tuple(sorted(day)) for day in weekly),
        holidays=frozenset(days_off),
        makeup_workdays=frozenset(makeup),
    )


def policy_calendar(*, business_hours: bool, store: Store, around: date) -> BusinessCalendar | AlwaysOpen:
    return store_calendar(store, around=around) if business_hours else AlwaysOpen()
