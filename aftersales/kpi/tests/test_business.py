"""The KPIs over imported business data (4S, enterprise, quality) against hand-computed values, with the
engine's two fact-specific rules: rows scoped by store (or company-wide), and calendar dates placed in
periods without a time zone. Fact rows are built directly with the ORM."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from aftersales.accounts.models import User
from aftersales.facts.models import (
    Attendance,
    ControlledDocument,
    CostOfGoodsSold,
    EmployeeSurvey,
    FinanceStatement,
    ImportBatch,
    ImprovementProject,
    InventorySnapshot,
    MarketSize,
    ProductionRun,
    QualityCost,
    QualityInspection,
    SalesDeal,
    ServiceAudit,
    SupplierAudit,
    SupplierDelivery,
    TrainingResult,
    TrainingSession,
)
from aftersales.kpi.engine import kpi_values

pytestmark = pytest.mark.django_db

MARCH, APRIL, MAY = date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def batch(db):
    return ImportBatch.objects.create(dataset="test", source=ImportBatch.Source.SEED, status="applied")


def march(user, *codes, breakdown=None, end=APRIL):
    values = kpi_values(
        codes=list(codes), start=MARCH, end=end, grain="month", breakdown=breakdown, user=user
    )
    return {code: values.cell(code, MARCH) for code in codes} if breakdown is None else values


def values_of(cells):
    return {code: cell.value for code, cell in cells.items()}


# --- 4S: sales deals -------------------------------------------------------------------------------------


def deal(batch, number, store, day, *, price, cost, kind="new", channel="retail", **products):
    return SalesDeal.objects.create(
        import_batch=batch,
        deal_number=number,
        date=day,
        store=store,
        vehicle_model="EV S1",
        vehicle_kind=kind,
        channel=channel,
        price=Decimal(price),
        cost=Decimal(cost),
        **{f"with_{product}": True for product in products},
    )


@pytest.fixture
def deals(cast, batch):
    a, b = cast.store_a, cast.store_b
    deal(batch, "D1", a, date(2026, 3, 2), price=200000, cost=180000, finance=1, insurance=1, trade_in=1)
    deal(batch, "D2", a, date(2026, 3, 9), price=150000, cost=140000, insurance=1, accessories=1)
    deal(batch, "D3", a, date(2026, 3, 9), price=100000, cost=90000, kind="used", finance=1, trade_in=1,
         extended_warranty=1)  # fmt: skip
    deal(batch, "D4", a, date(2026, 3, 20), price=300000, cost=290000, channel="fleet", finance=1, trade_in=1)
    # the last day of March is March's, the first day of April April's: no time zone shifts a date
    deal(batch, "D5", b, date(2026, 3, 31), price=250000, cost=225000, finance=1, trade_in=1)
    deal(batch, "D6", b, date(2026, 4, 1), price=999000, cost=1000, finance=1)


SALES = [
    "sales_revenue",
    "gross_margin_rate",
    "penetration_finance",
    "penetration_insurance",
    "penetration_accessories",
    "penetration_extended_warranty",
    "trade_in_rate",
]


def test_sales_kpis_over_every_store(deals, executive):
    cells = march(executive, *SALES)
    # revenue 200 + 150 + 100 + 300 + 250 thousand; gross 20 + 10 + 10 + 10 + 25 thousand = 7.5 %;
    # retail deals D1 D2 D3 D5 (the fleet deal D4 is out): finance D1 D3 D5, insurance D1 D2, accessories
    # D2, warranty D3; new retail deals D1 D2 D5, with a trade-in D1 D5 (the used D3's trade-in is out)
    assert values_of(cells) == pytest.approx(
        {
            "sales_revenue": 1_000_000,
            "gross_margin_rate": 0.075,
            "penetration_finance": 0.75,
            "penetration_insurance": 0.5,
            "penetration_accessories": 0.25,
            "penetration_extended_warranty": 0.25,
            "trade_in_rate": 2 / 3,
        }
    )
    assert (cells["trade_in_rate"].numerator, cells["trade_in_rate"].denominator) == (2, 3)


def test_a_date_at_the_month_boundary_falls_in_its_own_month(deals, executive):
    values = kpi_values(codes=["sales_revenue"], start=MARCH, end=MAY, grain="month", user=executive)
    # D5 on 31 March is March's; D6 on 1 April is April's alone
    assert values.cell("sales_revenue", MARCH).value == 1_000_000
    assert values.cell("sales_revenue", APRIL).value == 999_000
    # the range end is exclusive: up to 31 March leaves D5 out, from 1 April keeps D6 in
    to_31 = kpi_values(
        codes=["sales_revenue"], start=MARCH, end=date(2026, 3, 31), grain="month", user=executive
    )
    assert to_31.cell("sales_revenue", MARCH).value == 750_000
    from_1 = kpi_values(
        codes=["sales_revenue"], start=APRIL, end=date(2026, 4, 2), grain="day", user=executive
    )
    assert from_1.cell("sales_revenue", APRIL).value == 999_000


def test_a_store_manager_sees_only_their_stores_sales(deals, manager_a):
    cells = march(manager_a, "sales_revenue", "penetration_finance", "trade_in_rate")
    # store A alone: D1 D2 D3 D4; retail D1 D2 D3 financed D1 D3; new retail D1 D2, trade-in D1
    assert values_of(cells) == pytest.approx(
        {"sales_revenue": 750_000, "penetration_finance": 2 / 3, "trade_in_rate": 0.5}
    )


def test_the_store_breakdown_rolls_up_as_a_ratio_of_sums(deals, executive):
    values = march(executive, "penetration_finance", breakdown="store")
    cells = {key: values.cell("penetration_finance", MARCH, key).value for key in [*values.keys, None]}
    # store A 2/3, store B 1/1; all 3/4 (the mean of the two ratios would be 5/6)
    assert cells == pytest.approx({"store-a": 2 / 3, "store-b": 1.0, None: 0.75})


def test_no_deals_is_no_rate_and_zero_revenue(cast, executive):
    cells = march(executive, "sales_revenue", "penetration_finance")
    assert (cells["sales_revenue"].value, cells["penetration_finance"].value) == (0, None)


# --- 4S: attendance, inventory, audits ------------------------------------------------------------------


def test_absenteeism_counts_unplanned_absence_over_scheduled_days(cast, batch, executive):
    # 20 staff × 22 scheduled days = 440; 10 sick + 7 personal + 5 unexcused = 22 unplanned days (§9);
    # 5 days of annual leave and 2 other are planned: out
    absences = [
        {"absent_sick": 10},
        {"absent_personal": 7},
        {"absent_unexcused": 5},
        {"absent_annual_leave": 5, "absent_other": 2},
    ]
    for index in range(20):
        person = User.objects.create(username=f"staff{index}")
        extra = absences[index] if index < len(absences) else {}
        Attendance.objects.create(
            import_batch=batch, person=person, month=MARCH, store=cast.store_a, scheduled_days=22, **extra
        )
    cell = march(executive, "absenteeism_rate")["absenteeism_rate"]
    assert (cell.numerator, cell.denominator, cell.value) == (22, 440, pytest.approx(0.05))


def _stock(batch, store, day, units, value, category="vehicles"):
    InventorySnapshot.objects.create(
        import_batch=batch, store=store, date=day, category=category, units=units, value=Decimal(value)
    )


def _cogs(batch, store, units, amount, category="vehicles", month=MARCH):
    CostOfGoodsSold.objects.create(
        import_batch=batch,
        store=store,
        month=month,
        category=category,
        units_sold=units,
        amount=Decimal(amount),
    )


@pytest.fixture
def stock(cast, batch):
    a, b = cast.store_a, cast.store_b
    _stock(batch, a, date(2026, 3, 15), 20, 4_000_000)
    _stock(batch, a, date(2026, 3, 31), 30, 6_000_000)
    _stock(batch, b, date(2026, 3, 15), 10, 2_000_000)
    _stock(batch, b, date(2026, 3, 31), 10, 2_000_000)
    _stock(batch, a, date(2026, 3, 31), 99, 999, category="parts")
    _cogs(batch, a, 30, 10_500_000)
    _cogs(batch, b, 12, 3_500_000)
    _cogs(batch, a, 400, 50_000, category="parts")


INVENTORY = [
    "vehicle_inventory_avg",
    "vehicle_inventory_turnover",
    "vehicle_stock_units_avg",
    "vehicle_days_supply",
]


def test_inventory_turnover_and_days_of_supply(stock, executive):
    # average stock (4 + 6 + 2 + 2) M over 2 snapshot days = 7 M at cost, 70 / 2 = 35 vehicles;
    # turnover 14 M COGS / 7 M = 2.0 turns; days of supply 35 / (42 sold / 31 days) = 25.83 days
    assert values_of(march(executive, *INVENTORY)) == pytest.approx(
        {
            "vehicle_inventory_avg": 7_000_000,
            "vehicle_inventory_turnover": 2.0,
            "vehicle_stock_units_avg": 35,
            "vehicle_days_supply": 35 * 31 / 42,
        }
    )


def test_a_store_manager_gets_their_stores_inventory_turnover(stock, manager_a):
    # store A: 10.5 M / ((4 + 6) / 2 M) = 2.1
    assert march(manager_a, "vehicle_inventory_turnover")[
        "vehicle_inventory_turnover"
    ].value == pytest.approx(2.1)


def test_the_snapshot_days_of_all_stores_are_counted_once(cast, batch, executive):
    # given store A counted its vehicles on 15 and 31 March, store B on 15 and 20 March
    a, b = cast.store_a, cast.store_b
    _stock(batch, a, date(2026, 3, 15), 20, 4_000_000)
    _stock(batch, a, date(2026, 3, 31), 30, 6_000_000)
    _stock(batch, b, date(2026, 3, 15), 10, 2_000_000)
    _stock(batch, b, date(2026, 3, 20), 12, 3_000_000)
    # when
    values = march(executive, "vehicle_stock_units_avg", breakdown="store")
    overall = march(executive, "vehicle_stock_units_avg")["vehicle_stock_units_avg"]
    # then A (20 + 30) / 2 = 25, B (10 + 12) / 2 = 11; all 72 vehicles over the 3 days counted (the 15th
    # once, though both stores counted that day: the keys' days added would give 4), the same without a
    # breakdown
    cells = {key: values.cell("vehicle_stock_units_avg", MARCH, key) for key in ("store-a", "store-b", None)}
    assert {key: (cell.numerator, cell.denominator, cell.value) for key, cell in cells.items()} == {
        "store-a": (50, 2, 25),
        "store-b": (22, 2, 11),
        None: (72, 3, 24),
    }
    assert cells[None] == overall


def test_days_of_supply_vector(cast, batch, executive):
    # §9: 54,551 units in stock, 8,255 sold over 26 days: 317.5 a day, 171.8 days; a 26-day range
    _stock(batch, cast.store_a, date(2026, 3, 20), 54_551, 1)
    _cogs(batch, cast.store_a, 8_255, 1)
    cell = march(executive, "vehicle_days_supply", end=date(2026, 3, 27))["vehicle_days_supply"]
    assert round(cell.value, 1) == 171.8


def test_service_compliance_is_items_compliant_over_items_checked(cast, batch, executive, manager_a):
    ServiceAudit.objects.create(
        import_batch=batch, store=cast.store_a, date=date(2026, 3, 10), items_checked=50, items_compliant=45
    )
    ServiceAudit.objects.create(
        import_batch=batch, store=cast.store_b, date=date(2026, 3, 20), items_checked=30, items_compliant=30
    )
    # 75 / 80 over both stores; store A alone 45 / 50
    assert march(executive, "service_compliance_rate")["service_compliance_rate"].value == pytest.approx(
        0.9375
    )
    assert march(manager_a, "service_compliance_rate")["service_compliance_rate"].value == pytest.approx(0.9)


# --- enterprise ---------------------------------------------------------------------------------------------


@pytest.fixture
def finance(cast, batch):
    money = {"cogs": 45_000_000, "net_income": 4_500_000}
    FinanceStatement.objects.create(
        import_batch=batch,
        month=MARCH,
        revenue=60_000_000,
        operating_profit=6_000_000,
        operating_cash_flow=4_800_000,
        **money,
    )
    # a store's own statement is not added to the company's
    FinanceStatement.objects.create(
        import_batch=batch,
        month=MARCH,
        store=cast.store_a,
        revenue=10_000_000,
        operating_profit=9_000_000,
        operating_cash_flow=1,
        **money,
    )
    for category, amount in [
        ("prevention", 300_000),
        ("appraisal", 500_000),
        ("internal_failure", 800_000),
        ("external_failure", 400_000),
    ]:
        QualityCost.objects.create(import_batch=batch, month=MARCH, category=category, amount=amount)


FINANCE = [
    "company_revenue",
    "profit_margin",
    "operating_cash_flow",
    "cash_conversion",
    "cost_of_quality",
    "quality_failure_cost",
    "cost_of_quality_rate",
    "quality_loss_rate",
]


def test_finance_and_quality_cost_kpis(finance, executive):
    # margin 6 / 60 M; conversion 4.8 / 6 M; COQ 0.3 + 0.5 + 0.8 + 0.4 = 2 M over 60 M;
    # quality loss (§9): (0.8 + 0.4) M / 60 M = 2.0 %
    assert values_of(march(executive, *FINANCE)) == pytest.approx(
        {
            "company_revenue": 60_000_000,
            "profit_margin": 0.1,
            "operating_cash_flow": 4_800_000,
            "cash_conversion": 0.8,
            "cost_of_quality": 2_000_000,
            "quality_failure_cost": 1_200_000,
            "cost_of_quality_rate": 2 / 60,
            "quality_loss_rate": 0.02,
        }
    )


def test_a_store_manager_gets_no_company_figures(finance, manager_a):
    # not "0 revenue": no value at all
    assert set(values_of(march(manager_a, *FINANCE)).values()) == {None}


def test_market_share_by_units(batch, executive):
    MarketSize.objects.create(
        import_batch=batch,
        region="east",
        month=MARCH,
        market_units=1000,
        market_value=1,
        own_units=150,
        own_value=0,
    )
    MarketSize.objects.create(
        import_batch=batch,
        region="west",
        month=MARCH,
        market_units=500,
        market_value=1,
        own_units=25,
        own_value=0,
    )
    values = march(executive, "market_share", breakdown="region")
    cells = {key: values.cell("market_share", MARCH, key).value for key in [*values.keys, None]}
    # east 15 %, west 5 %, together 175 / 1500
    assert cells == pytest.approx({"east": 0.15, "west": 0.05, None: 175 / 1500})


def test_oee_multiplies_availability_performance_and_quality(batch, executive):
    ProductionRun.objects.create(
        import_batch=batch, line="L1", date=date(2026, 3, 2), planned_minutes=480, run_minutes=400,
        ideal_rate=Decimal("1.000"), produced=360, good=342,
    )  # fmt: skip
    ProductionRun.objects.create(
        import_batch=batch, line="L2", date=date(2026, 3, 2), planned_minutes=480, run_minutes=480,
        ideal_rate=Decimal("0.500"), produced=200, good=200,
    )  # fmt: skip
    # availability 880 / 960; performance 560 / (400 × 1 + 480 × 0.5 = 640); quality 542 / 560;
    # OEE = 880 × 542 / (960 × 640) = 77.6 %
    assert values_of(march(executive, "oee_availability", "oee_performance", "oee_quality", "oee")) == (
        pytest.approx(
            {
                "oee_availability": 880 / 960,
                "oee_performance": 0.875,
                "oee_quality": 542 / 560,
                "oee": 880 * 542 / (960 * 640),
            }
        )
    )


def test_employee_satisfaction_and_enps_from_the_counts(cast, batch, executive, manager_a):
    EmployeeSurvey.objects.create(
        import_batch=batch, month=MARCH, store=cast.store_a, respondents=40, esat_score=80,
        enps_promoters=20, enps_passives=10, enps_detractors=10,
    )  # fmt: skip
    EmployeeSurvey.objects.create(
        import_batch=batch, month=MARCH, store=cast.store_b, respondents=10, esat_score=60,
        enps_promoters=2, enps_passives=3, enps_detractors=5,
    )  # fmt: skip
    # eSat (80 × 40 + 60 × 10) / 50 = 76; eNPS 100 × (22 − 15) / 50 = +14 (not the mean of +25 and −30)
    assert values_of(march(executive, "employee_satisfaction", "enps")) == pytest.approx(
        {"employee_satisfaction": 76.0, "enps": 14.0}
    )
    assert values_of(march(manager_a, "employee_satisfaction", "enps")) == pytest.approx(
        {"employee_satisfaction": 80.0, "enps": 25.0}
    )


# --- quality ------------------------------------------------------------------------------------------------


def test_inspection_rates(batch, executive):
    QualityInspection.objects.create(
        import_batch=batch, date=date(2026, 3, 5), product="P1", stage="final",
        inspected=1000, nonconforming=50, scrapped=10, reworked=30,
    )  # fmt: skip
    QualityInspection.objects.create(
        import_batch=batch, date=date(2026, 3, 6), product="P1", stage="incoming",
        inspected=500, nonconforming=10, scrapped=5, reworked=0,
    )  # fmt: skip
    # 60 / 1500 nonconforming; 1440 / 1500 first pass; 30 / 1500 reworked; 15 / 1500 scrapped
    codes = ["nonconformance_rate", "first_pass_yield", "rework_rate", "scrap_rate"]
    assert values_of(march(executive, *codes)) == pytest.approx(
        {"nonconformance_rate": 0.04, "first_pass_yield": 0.96, "rework_rate": 0.02, "scrap_rate": 0.01}
    )


def test_supplier_kpis(batch, executive):
    for supplier, day, passed in [("S1", 2, True), ("S2", 3, False), ("S3", 4, True), ("S1", 20, True)]:
        SupplierAudit.objects.create(
            import_batch=batch, supplier=supplier, date=date(2026, 3, day), passed=passed
        )
    SupplierDelivery.objects.create(
        import_batch=batch, supplier="S1", date=date(2026, 3, 3), lines=40, lines_on_time=38, units=10_000,
        units_defective=3,
    )  # fmt: skip
    SupplierDelivery.objects.create(
        import_batch=batch, supplier="S2", date=date(2026, 3, 4), lines=10, lines_on_time=9, units=5_000,
        units_defective=2,
    )  # fmt: skip
    # 3 of 4 audits passed; 47 / 50 lines on time; 5 defective of 15,000 = 333.3 PPM
    codes = ["supplier_audit_pass_rate", "supplier_on_time_delivery", "supplier_defect_ppm"]
    assert values_of(march(executive, *codes)) == pytest.approx(
        {
            "supplier_audit_pass_rate": 0.75,
            "supplier_on_time_delivery": 0.94,
            "supplier_defect_ppm": 5 / 15_000 * 1e6,
        }
    )


def test_training_participation_and_pass_rate(cast, batch, executive, manager_a):
    store_session = TrainingSession.objects.create(
        import_batch=batch, code="T1", title="SOP", date=date(2026, 3, 12), store=cast.store_a, pass_mark=60
    )
    company_session = TrainingSession.objects.create(
        import_batch=batch, code="T2", title="Safety", date=date(2026, 3, 20), pass_mark=80
    )
    for session, person, attended, passed in [
        (store_session, cast.specialist_a, True, True),
        (store_session, cast.specialist_b, True, False),
        (store_session, cast.technician_a, False, False),
        (company_session, cast.manager_a, True, True),
        (company_session, cast.executive, True, False),
    ]:
        TrainingResult.objects.create(
            import_batch=batch, session=session, person=person, attended=attended, passed=passed
        )
    codes = ["training_participation", "training_pass_rate"]
    # everyone: 4 of 5 invited attended, 2 of 4 passed; store A's manager sees store A's session: 2/3, 1/2
    assert values_of(march(executive, *codes)) == pytest.approx(
        {"training_participation": 0.8, "training_pass_rate": 0.5}
    )
    assert values_of(march(manager_a, *codes)) == pytest.approx(
        {"training_participation": 2 / 3, "training_pass_rate": 0.5}
    )


def test_document_timeliness_waits_for_the_due_day_to_pass(batch, executive, frozen_clock):
    frozen_clock(datetime(2026, 4, 10, 10, tzinfo=SHANGHAI))
    for code, due, revised in [
        ("DOC1", date(2026, 3, 10), date(2026, 3, 5)),  # on time
        ("DOC2", date(2026, 3, 20), date(2026, 3, 25)),  # late
        ("DOC3", date(2026, 3, 25), None),  # overdue
        ("DOC4", date(2026, 4, 20), None),  # not due yet: out
        ("DOC5", date(2026, 4, 5), date(2026, 4, 1)),  # on time
        ("DOC6", date(2026, 4, 10), None),  # due today: not over yet, out
    ]:
        ControlledDocument.objects.create(
            import_batch=batch, code=code, title=code, review_due=due, updated_on=revised
        )
    values = kpi_values(
        codes=["document_update_timeliness"], start=MARCH, end=MAY, grain="month", user=executive
    )
    march_cell = values.cell("document_update_timeliness", MARCH)
    april_cell = values.cell("document_update_timeliness", APRIL)
    assert (march_cell.numerator, march_cell.denominator) == (1, 3)
    assert (april_cell.numerator, april_cell.denominator, april_cell.value) == (1, 1, 1.0)


def test_improvement_projects_closed_and_their_savings(batch, executive):
    for code, opened, closed, savings in [
        ("IP1", date(2026, 1, 10), date(2026, 3, 15), 120_000),
        ("IP2", date(2026, 2, 1), date(2026, 3, 28), None),
        ("IP3", date(2026, 3, 1), None, 70_000),
        ("IP4", date(2026, 3, 2), date(2026, 4, 2), 50_000),
    ]:
        ImprovementProject.objects.create(
            import_batch=batch, code=code, title=code, opened_on=opened, closed_on=closed, savings=savings
        )
    # closed in March: IP1 and IP2; savings 120,000 (IP2 reports none)
    assert values_of(march(executive, "improvement_projects_closed", "improvement_savings")) == {
        "improvement_projects_closed": 2,
        "improvement_savings": 120_000,
    }
