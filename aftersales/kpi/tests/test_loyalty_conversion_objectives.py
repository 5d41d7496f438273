"""Repeat purchase rate (customers on sales deals), business conversion rate (service opportunities,
right-censored at 90 days) and quality target achievement (quality objectives), against hand-computed
values. Fact rows are built directly with the ORM."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.customers.models import Customer
from aftersales.facts.models import ImportBatch, QualityObjective, SalesDeal, ServiceOpportunity
from aftersales.kpi.engine import kpi_values

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
LATER = datetime(2026, 6, 15, 12, tzinfo=SHANGHAI)
FEB, MAR, APR, MAY, JUN, JUL = (date(2026, month, 1) for month in range(2, 8))
Q1, Q2 = date(2026, 1, 1), APR


@pytest.fixture
def batch(db):
    return ImportBatch.objects.create(dataset="test", source=ImportBatch.Source.SEED, status="applied")


def values(user, code, start, end, grain="month", breakdown=None, now=LATER):
    result = kpi_values(
        codes=[code], start=start, end=end, grain=grain, breakdown=breakdown, user=user, now=now
    )
    keys = [*result.keys, None]
    return {(period, key): result.cell(code, period, key).value for period in result.periods for key in keys}


# --- repeat purchase rate ---------------------------------------------------------------------------------


@pytest.fixture
def deals(cast, batch):
    c1, c2 = cast.customer_a, cast.customer_b
    c3 = Customer.objects.create(name="吴先生", home_store=cast.store_b)
    a, b = cast.store_a, cast.store_b
    for number, store, day, customer in (
        ("D0", b, date(2026, 2, 20), c3),
        ("D1", a, date(2026, 3, 2), c1),
        ("D2", a, date(2026, 3, 28), c1),
        ("D3", a, date(2026, 3, 5), c2),
        ("D4", a, date(2026, 3, 6), None),  # no customer: in neither count
        ("D5", b, date(2026, 3, 7), c2),
        ("D6", b, date(2026, 3, 8), c3),
        ("D7", b, date(2026, 4, 8), c3),
    ):
        SalesDeal.objects.create(
            import_batch=batch, deal_number=number, date=day, store=store, customer=customer,
            vehicle_model="EV S1", vehicle_kind="new", price=Decimal(100_000), cost=Decimal(90_000),
        )  # fmt: skip


def test_repeat_purchase_rate_per_month_and_store(deals, executive):
    assert values(executive, "repeat_purchase_rate", FEB, MAY, breakdown="store") == pytest.approx(
        {
            # February: c3 once at B
            (FEB, "store-a"): None,
            (FEB, "store-b"): 0.0,
            (FEB, None): 0.0,
            # March: A has c1 (twice) and c2; B has c2 and c3 once each; all: c1 twice, c2 twice (A and
            # B), c3 once (its February deal is another period)
            (MAR, "store-a"): 1 / 2,
            (MAR, "store-b"): 0.0,
            (MAR, None): 2 / 3,
            # April: c3 once
            (APR, "store-a"): None,
            (APR, "store-b"): 0.0,
            (APR, None): 0.0,
        }
    )


def test_repeat_purchase_rate_by_quarter_in_one_query(deals, executive):
    with CaptureQueriesContext(connection) as queries:
        quarter = values(executive, "repeat_purchase_rate", Q1, Q2, grain="quarter", breakdown="store")
    # Q1: A {c1 ×2, c2}, B {c3 ×2 (February and March), c2}; all: c1, c2 and c3 each twice or more
    assert quarter == pytest.approx({(Q1, "store-a"): 1 / 2, (Q1, "store-b"): 1 / 2, (Q1, None): 1.0})
    deals_queries = [query["sql"] for query in queries.captured_queries if "facts_salesdeal" in query["sql"]]
    assert len(deals_queries) == 1
    # a repeated count depends on its group (c2 repeats for all keys, in no store): the all-keys row is
    # grouped again, UNION ALL, not merged from the keys' rows
    assert "UNION" in deals_queries[0]


def test_a_store_manager_sees_repeats_within_their_own_stores(deals, manager_a):
    # c2's deal at store B is not theirs: of c1 and c2, c1 bought twice
    assert values(manager_a, "repeat_purchase_rate", MAR, APR) == pytest.approx({(MAR, None): 1 / 2})


def test_no_deals_no_repeat_purchase_rate(cast, executive):
    assert values(executive, "repeat_purchase_rate", MAR, APR) == {(MAR, None): None}


# --- business conversion rate -----------------------------------------------------------------------------


@pytest.fixture
def opportunities(cast, batch):
    a, b = cast.store_a, cast.store_b
    for code, store, created, converted in (
        ("O1", a, date(2026, 3, 1), date(2026, 5, 30)),  # 90 days: within the window
        ("O2", a, date(2026, 3, 1), date(2026, 5, 31)),  # 91 days: too late
        ("O3", a, date(2026, 3, 10), None),  # its 90 days are over on 8 June: counted, not converted
        ("O4", a, date(2026, 3, 20), date(2026, 3, 20)),  # converted, but its 90 days end on 18 June
        ("O5", a, date(2026, 4, 1), None),  # 90 days end on 30 June
        ("O6", a, date(2026, 4, 2), date(2026, 5, 1)),  # 90 days end on 1 July
        ("O7", b, date(2026, 3, 5), None),
    ):
        ServiceOpportunity.objects.create(
            import_batch=batch,
            code=code,
            store=store,
            created_on=created,
            kind="vehicle",
            converted_on=converted,
        )


def test_business_conversion_within_90_days_right_censored(opportunities, executive):
    assert values(executive, "business_conversion_rate", MAR, JUN, breakdown="store") == pytest.approx(
        {
            # on 15 June: O1 of O1–O3 (O4's window is not over: its early sale does not count yet)
            (MAR, "store-a"): 1 / 3,
            (MAR, "store-b"): 0.0,
            (MAR, None): 1 / 4,
            (APR, "store-a"): None,  # O5 and O6 are still in their windows
            (APR, "store-b"): None,
            (APR, None): None,
            (MAY, "store-a"): None,
            (MAY, "store-b"): None,
            (MAY, None): None,
        }
    )


def test_business_conversion_counts_an_open_opportunity_once_its_window_is_over(opportunities, executive):
    # on 30 June O5's 90 days are over (not converted); on 1 July O6's too (converted on 1 May)
    june_30, july_1 = datetime(2026, 6, 30, 9, tzinfo=SHANGHAI), datetime(2026, 7, 1, 9, tzinfo=SHANGHAI)
    assert values(executive, "business_conversion_rate", APR, MAY, now=june_30) == {(APR, None): 0.0}
    assert values(executive, "business_conversion_rate", APR, MAY, now=july_1) == {(APR, None): 0.5}
    cell = kpi_values(
        codes=["business_conversion_rate"], start=MAR, end=APR, grain="month", user=executive, now=LATER
    ).cell("business_conversion_rate", MAR)
    assert (cell.numerator, cell.denominator) == (1, 4)


def test_a_store_manager_gets_their_stores_conversion(opportunities, manager_a):
    assert values(manager_a, "business_conversion_rate", MAR, APR) == pytest.approx({(MAR, None): 1 / 3})


# --- quality target achievement rate ----------------------------------------------------------------------


def objective(batch, code, month, direction, target, actual=None, met=None, store=None):
    return QualityObjective.objects.create(
        import_batch=batch, code=code, name=code, month=month, store=store, direction=direction,
        target_value=Decimal(target), actual_value=None if actual is None else Decimal(actual), met=met,
    )  # fmt: skip


@pytest.fixture
def objectives(cast, batch):
    objective(batch, "QO-1", MAR, "at_least", "98", "98.6")  # met
    objective(batch, "QO-2", MAR, "at_most", "2", "2.5")  # not met
    objective(batch, "QO-3", MAR, "at_least", "95", "90", met=True)  # recorded as met: the record wins
    objective(batch, "QO-4", MAR, "at_least", "90", "95", met=False)  # recorded as not met
    objective(batch, "QO-5", MAR, "at_least", "90")  # never assessed, March long over: not met
    objective(batch, "QO-S", MAR, "at_most", "5", "5", store=cast.store_a)  # exactly the target: met
    objective(batch, "QO-6", JUN, "at_least", "90")  # June is running: not assessed yet, left out
    objective(batch, "QO-7", JUN, "at_least", "90", "91")  # assessed early: counted


def test_quality_objectives_met_over_set(objectives, executive):
    assert values(executive, "quality_objectives_achieved", MAR, JUL) == pytest.approx(
        {(MAR, None): 3 / 6, (APR, None): None, (MAY, None): None, (JUN, None): 1.0}
    )
    # by store: the company-wide objectives are the key "" (no store)
    assert values(executive, "quality_objectives_achieved", MAR, APR, breakdown="store") == pytest.approx(
        {(MAR, ""): 2 / 5, (MAR, "store-a"): 1.0, (MAR, None): 3 / 6}
    )


def test_a_store_manager_gets_their_stores_objectives_only(objectives, manager_a):
    assert values(manager_a, "quality_objectives_achieved", MAR, APR) == pytest.approx({(MAR, None): 1.0})


def test_the_repeat_customers_drill_into_their_deals(deals, executive):
    from aftersales.kpi.drill import kpi_drill

    args = {"code": "repeat_purchase_rate", "start": MAR, "end": APR, "user": executive}
    repeats = kpi_drill(part="numerator", **args)
    # c1's two deals at A, c2's at A and B; not c3's single March deal, not D4 without a customer
    assert sorted(repeats.rows.values_list("deal_number", flat=True)) == ["D1", "D2", "D3", "D5"]
    assert repeats.distinct_field == "customer"
    at_a = kpi_drill(part="numerator", breakdown="store", key="store-a", **args)
    assert sorted(at_a.rows.values_list("deal_number", flat=True)) == ["D1", "D2"]
    paying = kpi_drill(part="denominator", **args)
    assert sorted(paying.rows.values_list("deal_number", flat=True)) == ["D1", "D2", "D3", "D5", "D6"]
