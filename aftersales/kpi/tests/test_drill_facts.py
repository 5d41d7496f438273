"""Drill-down into imported business facts: the rows behind a 4S KPI's numerator and denominator are the
fact rows the engine counts (hand-computed, and equal to its cell), named by their natural key, date and
store, scoped like the engine (a store's viewer: that store's rows; company-wide rows only for
company-wide viewers)."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from aftersales.facts.models import FinanceStatement
from aftersales.kpi.catalogue import CATALOGUE
from aftersales.kpi.drill import Part, kpi_drill, parts_of
from aftersales.kpi.engine import kpi_values
from aftersales.kpi.tests.rows import attendance, cogs, deal, fact_batch, stock

pytestmark = pytest.mark.django_db

MARCH, APRIL = date(2026, 3, 1), date(2026, 4, 1)


def keys(drill) -> set[str]:
    return set(drill.rows.values_list(drill.all_columns[0].path, flat=True))


@pytest.fixture
def deals(cast):
    """March: store A — D1 new retail with finance and trade-in, D2 new retail with insurance, D3 used
    retail with finance, D4 a fleet deal with finance; store B — D5 new retail with finance. D6 is
    April's."""
    batch = fact_batch()
    a, b = cast.store_a, cast.store_b
    deal(batch, "D1", a, date(2026, 3, 2), price=200000, cost=180000, finance=1, trade_in=1)
    deal(batch, "D2", a, date(2026, 3, 9), price=150000, cost=140000, insurance=1)
    deal(batch, "D3", a, date(2026, 3, 9), price=100000, cost=90000, kind="used", finance=1)
    deal(batch, "D4", a, date(2026, 3, 20), price=300000, cost=290000, channel="fleet", finance=1)
    deal(batch, "D5", b, date(2026, 3, 31), price=250000, cost=225000, finance=1, trade_in=1)
    deal(batch, "D6", b, date(2026, 4, 1), price=99000, cost=1000, finance=1)
    return batch


def test_a_penetration_drills_into_the_retail_deals_with_and_without_the_product(executive, deals):
    # when
    args = {"code": "penetration_finance", "start": MARCH, "end": APRIL, "user": executive}
    with translation.override("en"):
        financed = kpi_drill(part="numerator", **args)
    retail = kpi_drill(part="denominator", **args)
    # then the retail deals with finance, over the retail deals (the fleet deal and April's are out): 3 / 4
    assert keys(financed) == {"D1", "D3", "D5"}
    assert keys(retail) == {"D1", "D2", "D3", "D5"}
    cell = kpi_values(codes=["penetration_finance"], start=MARCH, end=APRIL, user=executive).cell(
        "penetration_finance", MARCH
    )
    assert (cell.numerator, cell.denominator) == (financed.rows.count(), retail.rows.count()) == (3, 4)
    # named by the deal number, the date and the store, then the fields the measure reads
    assert [(c.path, c.label) for c in financed.all_columns] == [
        ("deal_number", "deal number"),
        ("date", "delivery date"),
        ("store__code", "store"),
        ("channel", "channel"),
        ("with_finance", "financed"),
    ]
    assert not financed.links_requests and financed.number_path == ""


def test_a_store_or_a_breakdown_key_keeps_that_stores_deals(executive, deals):
    args = {"code": "trade_in_rate", "start": MARCH, "end": APRIL, "user": executive}
    # store A's new retail deals: D1 (trade-in) and D2
    assert keys(kpi_drill(part="numerator", store="store-a", **args)) == {"D1"}
    assert keys(kpi_drill(part="denominator", store="store-a", **args)) == {"D1", "D2"}
    assert keys(kpi_drill(part="denominator", breakdown="store", key="store-b", **args)) == {"D5"}


def test_a_store_manager_drills_into_their_own_stores_deals_only(manager_a, deals):
    args = {"code": "sales_revenue", "part": "records", "start": MARCH, "end": APRIL, "user": manager_a}
    assert keys(kpi_drill(**args)) == {"D1", "D2", "D3", "D4"}
    # asking for store B, by store or by key, gives nothing
    assert not kpi_drill(store="store-b", **args).rows.exists()
    assert not kpi_drill(breakdown="store", key="store-b", **args).rows.exists()


def test_an_expression_measure_shows_each_field_it_reads(executive, deals):
    drill = kpi_drill(code="gross_margin_rate", part="numerator", start=MARCH, end=APRIL, user=executive)
    # price − cost: both columns, after the key, date and store
    assert [c.path for c in drill.all_columns] == ["deal_number", "date", "store__code", "price", "cost"]
    assert list(drill.rows.values_list("deal_number", "price", "cost"))[0] == (
        "D1",
        Decimal("200000.00"),
        Decimal("180000.00"),
    )


def test_absenteeism_drills_into_attendance_named_by_person_and_month(cast, executive, specialist_a):
    batch = fact_batch()
    attendance(
        batch, cast.specialist_a, cast.store_a, MARCH, scheduled=20, sick=1, personal=1, annual_leave=3
    )
    attendance(batch, cast.manager_a, cast.store_a, MARCH, scheduled=20)
    attendance(batch, cast.specialist_b, cast.store_b, MARCH, scheduled=20, sick=2)
    args = {"code": "absenteeism_rate", "start": MARCH, "end": APRIL, "user": executive}
    with translation.override("en"):
        absent = kpi_drill(part="numerator", **args)
    assert set(absent.rows.values_list("person__username", flat=True)) == {
        "specialist_a",
        "manager_a",
        "specialist_b",
    }
    assert [c.path for c in absent.all_columns] == [
        "person__username",
        "month",
        "store__code",
        "absent_sick",
        "absent_personal",
        "absent_unexcused",
    ]
    assert [c.label for c in absent.all_columns][:3] == ["person", "month", "store"]
    # a specialist's own rows are their own attendance; a store's sales are nobody's own
    own = kpi_drill(part="denominator", own_only=True, **{**args, "user": specialist_a})
    assert set(own.rows.values_list("person__username", flat=True)) == {"specialist_a"}
    sales = kpi_drill(
        code="sales_revenue", part="records", start=MARCH, end=APRIL, user=specialist_a, own_only=True
    )
    assert not sales.rows.exists()


def test_days_of_supply_drills_into_the_stock_snapshots_and_the_vehicles_sold(cast, executive):
    batch = fact_batch()
    stock(batch, cast.store_a, date(2026, 3, 31), 60, "9000000")
    stock(batch, cast.store_b, date(2026, 3, 31), 30, "4500000")
    stock(batch, cast.store_a, date(2026, 3, 31), 1000, "200000", category="parts")
    cogs(batch, cast.store_a, MARCH, 31, "4650000")
    cogs(batch, cast.store_a, MARCH, 900, "150000", category="parts")
    kpi = "vehicle_days_supply"
    assert list(parts_of(CATALOGUE.by_code[kpi])) == [
        Part.NUMERATOR,
        Part.DENOMINATOR,
        Part.RECORDS,
    ]
    args = {"code": kpi, "start": MARCH, "end": APRIL, "user": executive}
    units = kpi_drill(part="numerator", **args)
    assert set(units.rows.values_list("store__code", "category", "units")) == {
        ("store-a", "vehicles", 60),
        ("store-b", "vehicles", 30),
    }
    assert [c.path for c in units.all_columns] == ["store__code", "category", "date", "units"]
    # the snapshot days are counted once each
    days = kpi_drill(part="denominator", **args)
    assert days.distinct_field == "date" and days.rows.values("date").distinct().count() == 1
    sold = kpi_drill(part="records", **args)
    assert list(sold.rows.values_list("store__code", "category", "units_sold")) == [
        ("store-a", "vehicles", 31)
    ]


@pytest.fixture
def statements(cast):
    """March's statements: the company's own (no store) and store A's."""
    batch = fact_batch()
    for store, revenue in ((None, "1000000"), (cast.store_a, "400000")):
        FinanceStatement.objects.create(
            import_batch=batch,
            month=MARCH,
            store=store,
            revenue=Decimal(revenue),
            cogs=Decimal(0),
            operating_profit=Decimal(100000),
            net_income=Decimal(0),
            operating_cash_flow=Decimal(0),
        )


def test_company_wide_figures_drill_into_the_company_rows_for_company_wide_viewers_only(
    executive, manager_a, statements
):
    args = {"code": "company_revenue", "part": "records", "start": MARCH, "end": APRIL}
    company = kpi_drill(user=executive, **args)
    # the company's own statement, not store A's
    assert list(company.rows.values_list("store", "revenue")) == [(None, Decimal("1000000.00"))]
    assert [c.path for c in company.all_columns] == ["store__code", "month", "revenue"]
    # a store's viewer gets none of them, and no store has company rows
    assert not kpi_drill(user=manager_a, **args).rows.exists()
    assert not kpi_drill(user=executive, store="store-a", **args).rows.exists()
