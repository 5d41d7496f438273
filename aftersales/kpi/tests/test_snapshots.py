"""`aftersales kpi refresh`: the engine's values stored per KPI × grain × period × breakdown key,
replaced (never duplicated) on the next run, with a progress line per chunk of periods."""

import io
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command

from aftersales.kpi.catalogue import CATALOGUE
from aftersales.kpi.models import KpiSnapshot, KpiSnapshotPeriod
from aftersales.kpi.semantic import Grain
from aftersales.kpi.services import SNAPSHOT_SHAPES, SnapshotShape, kpi_snapshots_refresh
from aftersales.kpi.tests.rows import at, request, survey

pytestmark = pytest.mark.django_db

BY_MONTH_AND_STORE = (SnapshotShape(Grain.MONTH, None), SnapshotShape(Grain.MONTH, "store"))


@pytest.fixture
def history(cast, frozen_clock):
    """Now is 15 April 2026. March: a request in each store, store A's answered CSAT 5, store B's 1."""
    frozen_clock(at(2026, 4, 15, 12))
    for store, person, score in ((cast.store_a, cast.customer_a, 5), (cast.store_b, cast.customer_b, 1)):
        ticket = request(store, person, at(2026, 3, 2, 9), first_response_after=timedelta(hours=1))
        survey(ticket, at(2026, 3, 3, 9), csat=score)


def snapshot(kpi, period, breakdown="", key=""):
    return KpiSnapshot.objects.get(kpi=kpi, grain="month", period_start=period, breakdown=breakdown, key=key)


def test_refresh_stores_every_kpi_for_all_keys_and_per_store(history):
    # when
    written = kpi_snapshots_refresh(since=date(2026, 3, 1), shapes=BY_MONTH_AND_STORE)
    # then March and April: every KPI for all keys; for each of the two stores in March only, the month
    # they have requests in (company-wide KPIs, without a store, are stored for all keys only)
    kpis, by_store = len(CATALOGUE.kpis), len(CATALOGUE.breakable_by("store"))
    # and in April sales growth only, each store's rows being in March (growth over the month before)
    assert written == KpiSnapshot.objects.count() == 2 * kpis + 2 * by_store + 2
    april = KpiSnapshot.objects.filter(breakdown="store", period_start=date(2026, 4, 1))
    assert sorted(april.values_list("kpi", "key")) == [
        ("sales_growth", "store-a"),
        ("sales_growth", "store-b"),
    ]
    # and both months are marked written for both shapes, April's empty store rows included
    marks = KpiSnapshotPeriod.objects.values_list("grain", "breakdown", "period_start")
    assert sorted(marks) == [
        ("month", "", date(2026, 3, 1)),
        ("month", "", date(2026, 4, 1)),
        ("month", "store", date(2026, 3, 1)),
        ("month", "store", date(2026, 4, 1)),
    ]
    total = snapshot("csat_t2b", date(2026, 3, 1))
    assert (total.value, total.numerator, total.denominator, total.n) == (0.5, 1, 2, 2)
    assert snapshot("csat_t2b", date(2026, 3, 1), "store", "store-a").value == 1.0
    assert snapshot("csat_t2b", date(2026, 3, 1), "store", "store-b").value == 0.0
    assert snapshot("csat_t2b", date(2026, 4, 1)).value is None  # April: no answers, no value
    assert snapshot("requests_received", date(2026, 4, 1)).value == 0


def test_a_second_refresh_replaces_the_values(history, cast):
    kpi_snapshots_refresh(since=date(2026, 3, 1), shapes=BY_MONTH_AND_STORE)
    # given store A's second request in March, answered CSAT 1
    survey(request(cast.store_a, cast.customer_a, at(2026, 3, 9, 9)), at(2026, 3, 10, 9), csat=1)
    # when
    kpi_snapshots_refresh(since=date(2026, 3, 1), shapes=BY_MONTH_AND_STORE)
    # then
    assert snapshot("csat_t2b", date(2026, 3, 1), "store", "store-a").value == 0.5
    assert KpiSnapshot.objects.filter(kpi="csat_t2b", period_start=date(2026, 3, 1)).count() == 3
    assert KpiSnapshotPeriod.objects.count() == 4


def test_composite_breakdowns_store_each_key_within_its_store(history, cast):
    # given a second March request in store B, assigned to specialist_b
    request(cast.store_b, cast.customer_b, at(2026, 3, 4, 9), assignee=cast.specialist_b)
    # when
    kpi_snapshots_refresh(since=date(2026, 3, 1), shapes=(SnapshotShape(Grain.MONTH, "store/specialist"),))
    # then the keys are "store/username", "" for no assignee; each with its own requests
    keys = KpiSnapshot.objects.filter(kpi="requests_received").values_list("key", "value")
    assert sorted(keys) == [("store-a/", 1), ("store-b/", 1), ("store-b/specialist_b", 1)]


def test_the_command_shows_progress_and_starts_at_the_first_request(history):
    out = io.StringIO()
    call_command("kpi", "refresh", stdout=out)
    lines = out.getvalue().splitlines()
    kpis, by_store = len(CATALOGUE.kpis), len(CATALOGUE.breakable_by("store"))
    # one line per stored shape, in the order of SNAPSHOT_SHAPES, then the total
    assert len(lines) == len(SNAPSHOT_SHAPES) + 1
    assert lines[:2] == [
        f"month all: 2026-03-01 … 2026-04-01 [2/2 periods] {2 * kpis} values",
        f"month by store: 2026-03-01 … 2026-04-01 [2/2 periods] {2 * by_store + 2} values",
    ]
    assert lines[2].startswith("month by specialist: 2026-03-01 … 2026-04-01 [2/2 periods] ")
    # the weeks from Monday 2 March (its first request) to Monday 13 April (today's week)
    assert lines[-3] == f"week all: 2026-03-02 … 2026-04-13 [7/7 periods] {7 * kpis} values"
    assert lines[-1] == f"{KpiSnapshot.objects.count()} snapshot values written"


def test_the_command_refreshes_one_grain(history):
    out = io.StringIO()
    call_command("kpi", "refresh", "--grain", "week", stdout=out)
    assert set(KpiSnapshotPeriod.objects.values_list("grain", flat=True)) == {"week"}
    with pytest.raises(
        CommandError, match="--grain: no snapshots are stored by day \\(stored: month, week\\)"
    ):
        call_command("kpi", "refresh", "--grain", "day")


def test_the_command_refuses_bad_input(history):
    with pytest.raises(CommandError, match="--since: 'March' is not a date"):
        call_command("kpi", "refresh", "--since", "March")
    with pytest.raises(CommandError, match="--grain: 'hour' is not one of day, week, month, quarter, year"):
        call_command("kpi", "refresh", "--grain", "hour")
    assert KpiSnapshot.objects.count() == 0
