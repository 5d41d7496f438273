"""Which period a timestamp falls in, cut by the database: at the zone's fixed offset where it keeps one
(engine.LocalPeriod: SQLite's date functions, PostgreSQL's date_trunc AT TIME ZONE INTERVAL), else by
date_trunc in the zone. Both must put
the last second before a Shanghai midnight and the first second after it in the periods a person in
Shanghai would name."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from aftersales.kpi.engine import _period_of
from aftersales.kpi.semantic import Grain
from aftersales.kpi.tests.rows import at, customer, request
from aftersales.service.models import Ticket

pytestmark = pytest.mark.django_db

# (registered at, Shanghai time) → the first day of its day, week, month, quarter and year periods.
CASES = [
    (
        at(2025, 12, 31, 23, 59, 59),
        date(2025, 12, 31),
        date(2025, 12, 29),
        date(2025, 12, 1),
        date(2025, 10, 1),
        date(2025, 1, 1),
    ),
    (
        at(2026, 1, 1, 0, 0, 0),
        date(2026, 1, 1),
        date(2025, 12, 29),
        date(2026, 1, 1),
        date(2026, 1, 1),
        date(2026, 1, 1),
    ),
    (
        at(2026, 3, 31, 23, 59, 59),
        date(2026, 3, 31),
        date(2026, 3, 30),
        date(2026, 3, 1),
        date(2026, 1, 1),
        date(2026, 1, 1),
    ),
    (
        at(2026, 4, 1, 0, 0, 0),
        date(2026, 4, 1),
        date(2026, 3, 30),
        date(2026, 4, 1),
        date(2026, 4, 1),
        date(2026, 1, 1),
    ),
    # Sunday 23:59:59 and Monday 00:00 (Shanghai): UTC still says Sunday for both.
    (
        at(2026, 7, 5, 23, 59, 59),
        date(2026, 7, 5),
        date(2026, 6, 29),
        date(2026, 7, 1),
        date(2026, 7, 1),
        date(2026, 1, 1),
    ),
    (
        at(2026, 7, 6, 0, 0, 0),
        date(2026, 7, 6),
        date(2026, 7, 6),
        date(2026, 7, 1),
        date(2026, 7, 1),
        date(2026, 1, 1),
    ),
    (
        at(2026, 9, 30, 12, 0, 0, 500000),
        date(2026, 9, 30),
        date(2026, 9, 28),
        date(2026, 9, 1),
        date(2026, 7, 1),
        date(2026, 1, 1),
    ),
    (
        at(2026, 12, 31, 7, 59, 59),
        date(2026, 12, 31),
        date(2026, 12, 28),
        date(2026, 12, 1),
        date(2026, 10, 1),
        date(2026, 1, 1),
    ),
]
GRAINS = [Grain.DAY, Grain.WEEK, Grain.MONTH, Grain.QUARTER, Grain.YEAR]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_each_grain_cuts_at_shanghai_midnight(cast):
    someone = customer(cast.store_a, "周期")
    for registered, *_ in CASES:
        request(cast.store_a, someone, registered)
    since, until = at(2025, 1, 1), at(2027, 1, 1)
    for position, grain in enumerate(GRAINS, start=1):
        found = dict(
            Ticket.objects.annotate(
                period=_period_of("created_at", grain, SHANGHAI, since, until)
            ).values_list("created_at", "period")
        )
        assert {moment.astimezone(SHANGHAI): period for moment, period in found.items()} == {
            case[0]: case[position] for case in CASES
        }, grain


def test_a_zone_with_daylight_saving_in_the_range_is_cut_by_trunc():
    berlin = ZoneInfo("Europe/Berlin")
    summer_and_winter = _period_of(
        "created_at",
        Grain.MONTH,
        berlin,
        datetime(2026, 1, 1, tzinfo=berlin),
        datetime(2026, 12, 1, tzinfo=berlin),
    )
    winter_only = _period_of(
        "created_at",
        Grain.MONTH,
        berlin,
        datetime(2026, 11, 1, tzinfo=berlin),
        datetime(2027, 2, 1, tzinfo=berlin),
    )
    assert type(summer_and_winter).__name__ == "TruncMonth"
    # One offset from November to February: date arithmetic at that offset, on both backends
    assert type(winter_only).__name__ == "LocalPeriod"
