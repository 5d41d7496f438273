"""`kpi.snapshots.snapshot_values`: the engine's answer, read from the snapshots, scoped like the engine,
live for what is not stored, in a constant number of queries."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.accounts.models import Role
from aftersales.core import testing
from aftersales.kpi.engine import kpi_values
from aftersales.kpi.models import KpiSnapshot
from aftersales.kpi.snapshots import snapshot_values
from aftersales.kpi.tests.rows import at, request, survey

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)
DASHBOARD_CODES = [
    "csat_t2b",
    "response_24h_rate",
    "first_response_median_h",
    "mttr_h",
    "complaint_rate",
    "requests_resolved",
    "complaints_received",
    "repeat_repair_30d",
]


@pytest.fixture
def spring(cast, frozen_clock):
    """Seen on 20 May 2026. Store A, March: 3 requests of specialist_a (2 h, 2 h, 30 h to respond; the first
    resolved in 5 h and answered CSAT 5), 1 complaint about the engine, unassigned. April: 1 request of
    technician_a, resolved in 9 h. Store B, March: 2 requests of specialist_b (1 h), one answered CSAT 2;
    May: 1 complaint about the engine."""
    frozen_clock(at(2026, 5, 20, 12))
    a, b = cast.store_a, cast.store_b
    first = request(
        a, cast.customer_a, at(2026, 3, 2, 9), first_response_after=2 * HOUR, resolved_after=5 * HOUR,
        assignee=cast.specialist_a, fault_category=cast.engine,
    )  # fmt: skip
    survey(first, at(2026, 3, 3, 9), csat=5)
    for hours in (2, 30):
        request(
            a,
            cast.customer_a,
            at(2026, 3, 9, 9),
            first_response_after=hours * HOUR,
            assignee=cast.specialist_a,
        )
    request(a, cast.customer_a, at(2026, 3, 12, 9), kind="complaint", fault_category=cast.engine)
    request(
        a, cast.customer_a, at(2026, 4, 7, 9), first_response_after=HOUR, resolved_after=9 * HOUR,
        assignee=cast.technician_a,
    )  # fmt: skip
    answered = None
    for _ in range(2):
        answered = request(
            b, cast.customer_b, at(2026, 3, 3, 9), first_response_after=HOUR, assignee=cast.specialist_b
        )
    survey(answered, at(2026, 3, 4, 9), csat=2)
    request(b, cast.customer_b, at(2026, 5, 6, 9), kind="complaint", fault_category=cast.engine)


@pytest.fixture
def people(cast):
    return {
        "executive": cast.executive,
        "quality": testing.make_user("quality_q", Role.QUALITY),
        "manager_a": cast.manager_a,
        "manager_b": testing.make_user("manager_b", Role.STORE_MANAGER, stores=(cast.store_b,)),
        "regional": testing.make_user("regional", Role.STORE_MANAGER, stores=(cast.store_a, cast.store_b)),
        "specialist_a": cast.specialist_a,
        "technician_a": cast.technician_a,
        "nobody": testing.make_user("nobody", Role.STORE_MANAGER),
    }


def refresh():
    from aftersales.kpi.services import kpi_snapshots_refresh

    kpi_snapshots_refresh(since=date(2026, 1, 1))


def same(read, live, codes):
    """The snapshot read and the engine agree on the periods, the keys and every cell of the KPIs asked."""
    assert read.periods == live.periods
    assert read.keys == live.keys
    for code in codes:
        for period in live.periods:
            for key in [*live.keys, None]:
                assert read.cells[(code, period, key)] == live.cells[(code, period, key)], (code, period, key)


@pytest.mark.parametrize(
    "who",
    ["executive", "quality", "manager_a", "manager_b", "regional", "specialist_a", "technician_a", "nobody"],
)
@pytest.mark.parametrize("breakdown", [None, "store", "specialist", "fault_category", "channel"])
@pytest.mark.parametrize(
    ("start", "end", "grain"),
    [
        (date(2026, 1, 1), date(2026, 6, 1), "month"),  # January–May, all stored
        (date(2026, 3, 10), date(2026, 6, 1), "month"),  # March only in part: computed live
        (date(2026, 3, 2), date(2026, 4, 13), "week"),
        (date(2026, 1, 1), date(2026, 7, 1), "quarter"),  # not stored: all live
    ],
)
def test_snapshots_give_the_engines_values_for_everybody(
    spring, people, cast, who, breakdown, start, end, grain
):
    refresh()
    user = people[who]
    for stores in (None, [cast.store_a]):
        arguments = dict(codes=DASHBOARD_CODES, start=start, end=end, grain=grain, breakdown=breakdown)
        read = snapshot_values(**arguments, user=user, stores=stores)
        same(read.values, kpi_values(**arguments, user=user, stores=stores), DASHBOARD_CODES)


def test_values_hand_checked_from_the_snapshots_of_a_store(spring, people, cast):
    refresh()
    read = snapshot_values(
        codes=DASHBOARD_CODES, start=date(2026, 3, 1), end=date(2026, 5, 1), breakdown="specialist",
        user=people["manager_a"],
    )  # fmt: skip
    values, march, april = read.values, date(2026, 3, 1), date(2026, 4, 1)
    assert read.live == [] and read.as_of == at(2026, 5, 20, 12)
    # store A only: specialist_a, technician_a, and "" for the unassigned complaint
    assert values.keys == ["", "specialist_a", "technician_a"]
    # March in store A: 2 of 4 requests answered within 24 h (the 30 h one and the complaint, never
    # answered, are not)
    within = values.cell("response_24h_rate", march)
    assert (within.value, within.numerator, within.denominator) == (0.5, 2, 4)
    assert values.cell("response_24h_rate", march, "specialist_a").value == 2 / 3
    assert values.cell("csat_t2b", march).value == 1.0  # store B's CSAT 2 is not store A's
    assert values.cell("mttr_h", april, "technician_a").value == 9.0
    assert values.cell("complaints_received", march, "").value == 1
    # technician_a has no March requests: the engine's "nothing", not a missing cell
    assert values.cell("response_24h_rate", march, "technician_a").value is None
    assert values.cell("requests_resolved", march, "technician_a").value == 0


def test_a_period_not_stored_yet_is_computed_live(spring, people, cast, frozen_clock):
    refresh()
    # given a June request, after the refresh (June is not stored)
    frozen_clock(at(2026, 6, 3, 12))
    request(cast.store_a, cast.customer_a, at(2026, 6, 2, 9), first_response_after=HOUR)
    read = snapshot_values(
        codes=["response_24h_rate"], start=date(2026, 5, 1), end=date(2026, 7, 1), user=people["executive"]
    )
    assert read.live == [date(2026, 6, 1)]
    assert read.as_of == at(2026, 5, 20, 12)
    assert read.values.cell("response_24h_rate", date(2026, 6, 1)).value == 1.0
    # and a fresh install, nothing stored: all live, no "as of"
    KpiSnapshot.objects.all().delete()
    from aftersales.kpi.models import KpiSnapshotPeriod

    KpiSnapshotPeriod.objects.all().delete()
    empty = snapshot_values(
        codes=["response_24h_rate"], start=date(2026, 3, 1), end=date(2026, 4, 1), user=people["executive"]
    )
    assert (empty.live, empty.as_of) == ([date(2026, 3, 1)], None)
    march = empty.values.cell("response_24h_rate", date(2026, 3, 1))  # A's 2 of 4 and B's 2 of 2
    assert (march.numerator, march.denominator) == (4, 6)


def test_a_stores_viewer_never_reads_another_stores_snapshots(spring, people, cast):
    refresh()
    manager_b = people["manager_b"]
    march = date(2026, 3, 1)
    arguments = dict(codes=DASHBOARD_CODES, start=march, end=date(2026, 4, 1), user=manager_b)
    # asking for store A, by store or by specialist, gives store B's manager nothing of store A
    for breakdown in (None, "store", "specialist"):
        read = snapshot_values(**arguments, breakdown=breakdown, stores=[cast.store_a])
        assert read.values.keys == []
        assert read.values.cell("response_24h_rate", march).value is None
    by_store = snapshot_values(**arguments, breakdown="store").values
    assert by_store.keys == ["store-b"]
    assert by_store.cell("response_24h_rate", march).value == 1.0  # B's own 2 of 2, not the company's 5 of 6
    # a person's key of store A, asked by name, is not there either
    theirs = snapshot_values(**arguments, breakdown="specialist", keys=["specialist_a"]).values
    assert theirs.keys == []


def test_a_specialist_reads_their_stores_rows_only(spring, people):
    refresh()
    mine = snapshot_values(
        codes=["response_24h_rate"], start=date(2026, 3, 1), end=date(2026, 4, 1), breakdown="specialist",
        keys=["specialist_a"], user=people["specialist_a"],
    ).values  # fmt: skip
    assert mine.keys == ["specialist_a"]
    assert mine.cell("response_24h_rate", date(2026, 3, 1), "specialist_a").value == 2 / 3
    other = snapshot_values(
        codes=["response_24h_rate"], start=date(2026, 3, 1), end=date(2026, 4, 1), breakdown="specialist",
        keys=["specialist_b"], user=people["specialist_a"],
    ).values  # fmt: skip
    assert other.keys == []


def queries(**arguments) -> int:
    with CaptureQueriesContext(connection) as captured:
        snapshot_values(**arguments)
    return len(captured)


def test_a_read_costs_two_queries_whatever_the_keys_and_periods(spring, people, cast):
    refresh()
    executive, manager_a = people["executive"], people["manager_a"]
    manager_a.store_ids  # noqa: B018  (read once per request, by the view, before the dashboard)
    one = dict(codes=DASHBOARD_CODES, start=date(2026, 3, 1), end=date(2026, 4, 1))
    five = dict(codes=DASHBOARD_CODES, start=date(2026, 1, 1), end=date(2026, 6, 1))
    few = [
        queries(**one, breakdown="store", user=executive),
        queries(**one, breakdown="specialist", user=manager_a),
    ]
    for n in range(6):
        store = testing.make_store(cast.org, f"extra-{n}", f"Extra {n}")
        person = testing.make_user(f"extra_{n}", Role.SPECIALIST, stores=(cast.store_a,))
        request(store, cast.customer_a, at(2026, 3, 9, 9), first_response_after=HOUR)
        request(cast.store_a, cast.customer_a, at(2026, 3, 9, 9), assignee=person)
    refresh()
    many = [
        queries(**five, breakdown="store", user=executive),
        queries(**five, breakdown="specialist", user=manager_a),
    ]
    # the periods stored, their values (and the viewer's one store)
    assert few == many == [2, 3]
