"""Start-up checks for the SLA calendar's data."""

from django.core.checks import Warning, register
from django.utils import timezone

from aftersales.core import clock


@register("aftersales")
def next_year_calendar_announced(app_configs, **kwargs):
    """The `holidays` package guesses a year the State Council has not announced yet, without make-up
    workdays (调休) and without error. From October on, warn until the coming year is known: either the
    package has its make-up days or an admin has entered overrides for it."""
    import holidays
    from django.db import DatabaseError

    from aftersales.accounts.models import CalendarOverride

    today = timezone.localdate(clock.now())  # the organisation's date: October starts at 16:00 UTC
    if today.month < 10:
        return []
    coming = today.year + 1
    if any(day.year == coming for day in holidays.China(years=coming).weekend_workdays):
        return []
    try:
        if CalendarOverride.objects.filter(date__year=coming).exists():
            return []
    except DatabaseError:
        return []  # not migrated yet: nothing to say about the data
    return [
        Warning(
            f"China's public holidays for {coming} are not known yet: SLA business hours would miss the "
            "make-up workdays (调休).",
            hint=f"Enter the announced days off and make-up workdays of {coming} under Admin → Calendar overrides.",
            id="aftersales.W001",
        )
    ]


@register("aftersales")
def mail_default_store_exists(app_configs, **kwargs):
    """AFTERSALES_MAIL_DEFAULT_STORE is a store code, data the settings cannot see: a misspelt one would
    quarantine every mail from a new sender. A warning, not an error: on a fresh database the stores
    are not entered yet, and `migrate` must still run."""
    from django.conf import settings
    from django.db import DatabaseError

    from aftersales.accounts.models import Store

    code = settings.AFTERSALES_MAIL_DEFAULT_STORE
    if not code:
        return []
    try:
        if Store.objects.filter(code=code).exists():
            return []
    except DatabaseError:
        return []  # not migrated yet
    return [
        Warning(
            f"AFTERSALES_MAIL_DEFAULT_STORE={code!r} names no store: mail from a new sender would be quarantined.",
            hint="Set it to the code of an existing store (Admin → Stores), or leave it empty for the first store by code.",
            id="aftersales.W002",
        )
    ]
