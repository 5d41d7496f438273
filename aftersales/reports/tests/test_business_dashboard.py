"""The 4S business dashboard over hand-made fact rows: exact numbers against their targets, the league of
stores, the penetration chart, who sees which store, the drill-down of a fact KPI's numerator and
denominator through the page, and exports."""

import csv
import io
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from aftersales.accounts.models import Role, Store
from aftersales.core import testing
from aftersales.kpi.models import KpiSnapshot, KpiTarget
from aftersales.kpi.targets import Status
from aftersales.kpi.tests.rows import attendance, cogs, deal, fact_batch, stock

pytestmark = pytest.mark.django_db

MARCH = {"start": "2026-03-01", "end": "2026-04-01", "grain": "month"}
FIRST = date(2026, 3, 1)


def client_for(user) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


@pytest.fixture
def manager_b(cast):
    return testing.make_user("manager_b", Role.STORE_MANAGER, stores=(cast.store_b,))


@pytest.fixture
def business(cast):
    """March 2026 (31 days).

    Deals — store A: D1 new retail 200,000 (cost 180,000) with finance, insurance and a trade-in; D2 new
    retail 150,000 (140,000) with insurance and accessories; D3 used retail 100,000 (90,000) with finance
    and an extended warranty; D4 a fleet deal 300,000 (290,000) with finance and a trade-in. Store B: D5
    new retail 250,000 (225,000) with finance and a trade-in. D6 is April's.
    Attendance — specialist_a 20 days, 1 sick + 1 personal (+ 3 annual leave, not counted); manager_a 20
    days, none; specialist_b (store B) 20 days, 2 sick.
    Stock on 31 March — A 60 vehicles, B 30 (and A's parts, not counted); vehicles sold — A 31, B 62."""
    batch = fact_batch()
    a, b = cast.store_a, cast.store_b
    deal(batch, "D1", a, date(2026, 3, 2), price=200000, cost=180000, finance=1, insurance=1, trade_in=1)
    deal(batch, "D2", a, date(2026, 3, 9), price=150000, cost=140000, insurance=1, accessories=1)
    deal(
        batch,
        "D3",
        a,
        date(2026, 3, 9),
        price=100000,
        cost=90000,
        kind="used",
        finance=1,
        extended_warranty=1,
    )
    deal(batch, "D4", a, date(2026, 3, 20), price=300000, cost=290000, channel="fleet", finance=1, trade_in=1)
    deal(batch, "D5", b, date(2026, 3, 31), price=250000, cost=225000, finance=1, trade_in=1)
    deal(batch, "D6", b, date(2026, 4, 1), price=999000, cost=1000, finance=1)
    attendance(batch, cast.specialist_a, a, FIRST, scheduled=20, sick=1, personal=1, annual_leave=3)
    attendance(batch, cast.manager_a, a, FIRST, scheduled=20)
    attendance(batch, cast.specialist_b, b, FIRST, scheduled=20, sick=2)
    stock(batch, a, date(2026, 3, 31), 60, "9000000")
    stock(batch, b, date(2026, 3, 31), 30, "4500000")
    stock(batch, a, date(2026, 3, 31), 1000, "200000", category="parts")
    cogs(batch, a, FIRST, 31, "4650000")
    cogs(batch, b, FIRST, 62, "9300000")
    return batch


def cards(response) -> dict[str, tuple[str, str]]:
    return {c.kpi.code: (c.number.text, c.number.detail) for c in response.context["dashboard"].cards}


def card(response, code):
    return next(c for c in response.context["dashboard"].cards if c.kpi.code == code)


def test_the_executive_sees_every_store_added_up_against_target(executive, business):
    response = client_for(executive).get(reverse("reports:business"), MARCH)
    assert response.status_code == 200
    # revenue 200 + 150 + 100 + 300 + 250 thousand; gross 20 + 10 + 10 + 10 + 25 = 75 thousand;
    # new retail deals D1 D2 D5, with a trade-in D1 D5; days of supply (60 + 30) / (93 / 31) = 30;
    # unplanned absence 1 + 1 + 2 of 60 days; retail deals D1 D2 D3 D5: finance D1 D3 D5, insurance D1
    # D2, accessories D2, extended warranty D3
    assert cards(response) == {
        "sales_revenue": ("¥1,000,000", "n = 5"),
        "gross_margin_rate": ("7.5 %", "75,000 / 1,000,000"),
        "trade_in_rate": ("66.7 %", "2 / 3"),
        "vehicle_days_supply": ("30.0 d", ""),
        "absenteeism_rate": ("6.7 %", "4 / 60"),
        "penetration_finance": ("75.0 %", "3 / 4"),
        "penetration_insurance": ("50.0 %", "2 / 4"),
        "penetration_accessories": ("25.0 %", "1 / 4"),
        "penetration_extended_warranty": ("25.0 %", "1 / 4"),
    }
    # finance penetration against the catalogue's 80 % (warning 70 %): amber
    finance = card(response, "penetration_finance")
    assert (finance.target, finance.number.status) == ("≥ 80.0 %", Status.AMBER)
    assert finance.number.url == (
        reverse("reports:drill", args=["penetration_finance", "numerator"])
        + "?start=2026-03-01&end=2026-04-01&grain=month"
    )
    assert finance.number.denominator_url == (
        reverse("reports:drill", args=["penetration_finance", "denominator"])
        + "?start=2026-03-01&end=2026-04-01&grain=month"
    )
    # days of supply, the stock over the rate of sales: the stock snapshots, then the vehicles sold
    supply = card(response, "vehicle_days_supply").number
    assert supply.url.startswith(reverse("reports:drill", args=["vehicle_days_supply", "numerator"]))
    assert supply.denominator_url.startswith(
        reverse("reports:drill", args=["vehicle_days_supply", "records"])
    )
    # the league of stores, each number linking to that store's rows
    league = response.context["dashboard"].table("league")
    assert league.header == [
        "store",
        "Sales revenue",
        "Gross margin rate",
        "Finance penetration",
        "Used-car trade-in rate",
        "Vehicle days of supply",
        "Employee absenteeism rate",
    ]
    assert [[row.label, *(n.text for n in row.numbers)] for row in league.rows] == [
        ["A 店 · 浦东", "¥750,000", "6.7 %", "66.7 %", "50.0 %", "60.0 d", "5.0 %"],
        ["B 店 · 闵行", "¥250,000", "10.0 %", "100.0 %", "100.0 %", "15.0 d", "10.0 %"],
    ]
    assert "breakdown=store&key=store-b" in league.rows[1].numbers[2].url
    assert [row.numbers[2].status for row in league.rows] == [Status.RED, Status.GREEN]


def test_the_penetration_chart_and_the_trend(executive, business):
    response = client_for(executive).get(reverse("reports:business"), {**MARCH, "trend": "gross_margin_rate"})
    trend, penetration, league = response.context["dashboard"].charts
    assert (trend["id"], trend["values"]) == ("trend-gross_margin_rate", [7.5])
    assert penetration["categories"] == [
        "Finance penetration",
        "Insurance penetration",
        "Accessories penetration",
        "Extended warranty penetration",
    ]
    assert penetration["values"] == [75.0, 50.0, 25.0, 25.0]
    assert penetration["urls"][1].startswith(
        reverse("reports:drill", args=["penetration_insurance", "numerator"])
    )
    assert (league["id"], league["values"]) == ("league-chart", [6.6667, 10.0])
    page = response.content.decode()
    assert 'id="penetration-chart"' in page and 'href="/reports/business/"' in page


def test_one_store_is_that_stores_numbers_with_its_own_target(executive, business, store_a):
    KpiTarget.objects.create(
        kpi_code="penetration_finance", store=store_a, valid_from=date(2026, 1, 1), target=0.6, warning=0.5
    )
    response = client_for(executive).get(reverse("reports:business"), {**MARCH, "store": "store-a"})
    assert cards(response)["sales_revenue"] == ("¥750,000", "n = 4")
    finance = card(response, "penetration_finance")
    assert (finance.number.text, finance.target, finance.number.status) == (
        "66.7 %",
        "≥ 60.0 %",
        Status.GREEN,
    )
    assert finance.number.url.endswith("&store=store-a&breakdown=store&key=store-a")
    assert response.context["dashboard"].subject == "A 店 · 浦东"


def test_a_store_manager_sees_their_store_and_not_another(manager_a, manager_b, business):
    mine = client_for(manager_a).get(reverse("reports:business"), MARCH)
    assert mine.status_code == 200
    assert cards(mine)["sales_revenue"] == ("¥750,000", "n = 4")
    assert [row.label for row in mine.context["dashboard"].table("league").rows] == ["A 店 · 浦东"]
    assert "250,000" not in mine.content.decode()
    theirs = client_for(manager_b).get(reverse("reports:business"), MARCH)
    assert cards(theirs)["sales_revenue"] == ("¥250,000", "n = 1")
    assert "750,000" not in theirs.content.decode()
    # store A's dashboard for store B's manager: 404, as on the store dashboard
    assert (
        client_for(manager_b).get(reverse("reports:business"), {**MARCH, "store": "store-a"}).status_code
        == 404
    )


# --- stores without business data -------------------------------------------------------------------------


@pytest.fixture
def more_stores(cast, business):
    """Store C, an appliance service centre: March's attendance of one person (20 days, 2 sick), no
    deals, no stock. Store D: a deal in February only. Store E: nothing at all."""
    c = testing.make_store(cast.org, "store-c", "C 家电服务中心")
    d = testing.make_store(cast.org, "store-d", "D 店 · 嘉定")
    testing.make_store(cast.org, "store-e", "E 店 · 松江")
    person = testing.make_user("specialist_c", Role.SPECIALIST, stores=(c,))
    attendance(business, person, c, FIRST, scheduled=20, sick=2)
    deal(business, "D0", d, date(2026, 2, 20), price=90000, cost=80000, finance=1)
    return c, d


def test_the_league_ranks_only_stores_with_business_data_and_names_the_others(executive, more_stores):
    # the range February–March: the league is March's; D sold in February only, E never
    response = client_for(executive).get(
        reverse("reports:business"), {"start": "2026-02-01", "end": "2026-04-01", "grain": "month"}
    )
    league = response.context["dashboard"].table("league")
    # C is ranked on its attendance: 2 / 20 = 10.0 %; it sold no vehicles, which is no value, not ¥0
    assert [[row.label, *(n.text for n in row.numbers)] for row in league.rows] == [
        ["A 店 · 浦东", "¥750,000", "6.7 %", "66.7 %", "50.0 %", "60.0 d", "5.0 %"],
        ["B 店 · 闵行", "¥250,000", "10.0 %", "100.0 %", "100.0 %", "15.0 d", "10.0 %"],
        ["C 家电服务中心", "—", "—", "—", "—", "—", "10.0 %"],
    ]
    assert [n.status for n in league.rows[2].numbers[:5]] == [Status.NONE] * 5
    assert league.note == "No business data in 2026-03 (not ranked): D 店 · 嘉定, E 店 · 松江."
    assert (
        '<p class="muted table-note">No business data in 2026-03 (not ranked): D 店 · 嘉定, E 店 · 松江.</p>'
        in (response.content.decode())
    )
    # the league chart has C's bar empty, not at zero
    chart = next(c for c in response.context["dashboard"].charts if c["id"] == "league-chart")
    assert (chart["categories"][2], chart["values"]) == ("C 家电服务中心", [750000.0, 250000.0, None])
    # the stores added up: C's absence counts, D's February deal does not
    assert cards(response)["absenteeism_rate"] == ("7.5 %", "6 / 80")
    assert cards(response)["sales_revenue"] == ("¥1,000,000", "n = 5")


def test_a_store_or_a_month_without_deals_shows_no_sales_not_zero(executive, more_stores):
    client = client_for(executive)
    centre = client.get(reverse("reports:business"), {**MARCH, "store": "store-c"})
    assert cards(centre)["sales_revenue"] == ("—", "n = 0")
    assert cards(centre)["absenteeism_rate"] == ("10.0 %", "2 / 20")
    may = client.get(
        reverse("reports:business"), {"start": "2026-05-01", "end": "2026-06-01", "grain": "month"}
    )
    assert cards(may)["sales_revenue"] == ("—", "n = 0")
    league = may.context["dashboard"].table("league")
    assert league.rows == []
    assert league.note == (
        "No business data in 2026-05 (not ranked): A 店 · 浦东, B 店 · 闵行, C 家电服务中心, D 店 · 嘉定, E 店 · 松江."
    )


def test_a_managers_league_names_only_their_stores(cast, manager_a, more_stores):
    league = (
        client_for(manager_a).get(reverse("reports:business"), MARCH).context["dashboard"].table("league")
    )
    assert ([row.label for row in league.rows], league.note) == (["A 店 · 浦东"], "")
    alone = testing.make_user("manager_e", Role.STORE_MANAGER, stores=(Store.objects.get(code="store-e"),))
    league = client_for(alone).get(reverse("reports:business"), MARCH).context["dashboard"].table("league")
    assert (league.rows, league.note) == ([], "No business data in 2026-03 (not ranked): E 店 · 松江.")


def test_from_the_snapshots_a_store_with_only_requests_is_not_ranked(
    cast, executive, more_stores, frozen_clock
):
    # store E has a service request in March (a row of the snapshots' store breakdown) but no business data
    from aftersales.kpi.services import kpi_snapshots_refresh
    from aftersales.kpi.tests.rows import at, request

    frozen_clock(at(2026, 4, 25, 12))
    request(Store.objects.get(code="store-e"), cast.customer_a, at(2026, 3, 2, 9))
    client = client_for(executive)
    live = client.get(reverse("reports:business"), MARCH).context["dashboard"]
    kpi_snapshots_refresh(since=date(2026, 3, 1))
    stored = client.get(reverse("reports:business"), MARCH).context["dashboard"]
    assert (live.live, stored.live) == (["2026-03"], [])
    # the snapshots hold E's sales of March, ¥0 of no deals (the engine's sum of nothing)
    e_sales = KpiSnapshot.objects.filter(kpi="sales_revenue", breakdown="store", key="store-e", grain="month")
    assert list(e_sales.values_list("period_start", "value", "n")) == [(date(2026, 3, 1), 0.0, 0)]
    for dashboard in (live, stored):
        league = dashboard.table("league")
        assert [row.label for row in league.rows] == ["A 店 · 浦东", "B 店 · 闵行", "C 家电服务中心"]
        assert league.note == "No business data in 2026-03 (not ranked): D 店 · 嘉定, E 店 · 松江."


@pytest.mark.parametrize("who", ["specialist_a", "technician_a"])
def test_the_business_dashboard_is_not_for_specialists(cast, who, business):
    assert client_for(getattr(cast, who)).get(reverse("reports:business"), MARCH).status_code == 403


def test_admins_see_it_and_the_tab_is_shown_to_those_who_may(admin, specialist_a, business):
    response = client_for(admin).get(reverse("reports:business"), MARCH)
    assert response.status_code == 200
    assert 'href="/reports/business/" aria-current="page"' in response.content.decode()
    own = client_for(specialist_a).get(reverse("reports:specialist"), MARCH).content.decode()
    assert "/reports/business/" not in own


# --- drill-down of fact KPIs through the page ---------------------------------------------------------------


def drill(user, code, part, **query):
    return client_for(user).get(
        reverse("reports:drill", args=[code, part]), {"start": "2026-03-01", "end": "2026-04-01", **query}
    )


def first_column(response) -> list:
    return [row[0] for row in response.context["page"].object_list]


def test_a_fact_kpis_numbers_open_exactly_their_rows(executive, business):
    dashboard = client_for(executive).get(reverse("reports:business"), MARCH).context["dashboard"]
    trade_in = next(c for c in dashboard.cards if c.kpi.code == "trade_in_rate").number
    client = client_for(executive)
    numerator = client.get(trade_in.url)
    denominator = client.get(trade_in.denominator_url)
    assert first_column(numerator) == ["D1", "D5"]
    assert first_column(denominator) == ["D1", "D2", "D5"]
    assert numerator.context["header"] == [
        "deal number",
        "delivery date",
        "store",
        "channel",
        "new or used",
        "trade-in",
    ]
    assert numerator.context["page"].object_list[0] == [
        "D1",
        "2026-03-02",
        "store-a",
        "retail",
        "new vehicle",
        "yes",
    ]
    page = numerator.content.decode()
    assert '<th scope="col">deal number</th>' in page and "/service/" not in page.split("<tbody>")[1]
    # days of supply: the vehicle stock snapshots (not the parts), then the vehicles sold
    supply = next(c for c in dashboard.cards if c.kpi.code == "vehicle_days_supply").number
    snapshots = client.get(supply.url).context["page"].object_list
    assert [row[:3] for row in snapshots] == [
        ["store-a", "vehicles", "2026-03-31"],
        ["store-b", "vehicles", "2026-03-31"],
    ]
    sold = client.get(supply.denominator_url)
    assert sold.context["header"] == ["store", "category", "month", "units sold"]
    assert [row[3] for row in sold.context["page"].object_list] == [31, 62]
    # a store's row in the league opens that store's rows
    league = dashboard.table("league")
    absence = client.get(league.rows[1].numbers[5].url)
    assert first_column(absence) == ["specialist_b"]
    scheduled = client.get(league.rows[0].numbers[5].url.replace("/numerator/", "/denominator/"))
    assert sorted(first_column(scheduled)) == ["manager_a", "specialist_a"]


def test_a_quarter_and_a_week_cell_open_that_periods_deals(executive, business):
    client = client_for(executive)
    records = reverse("reports:drill", args=["sales_revenue", "records"])
    quarters = client.get(
        reverse("reports:business"), {"start": "2026-01-01", "end": "2026-07-01", "grain": "quarter"}
    ).context["dashboard"]
    # the card is Q2's: D6 of 1 April; the trend's Q1 cell: March's five deals
    sales = card_of(quarters, "sales_revenue").number
    assert (sales.text, sales.url) == ("¥999,000", f"{records}?start=2026-04-01&end=2026-07-01&grain=quarter")
    assert first_column(client.get(sales.url)) == ["D6"]
    first = quarters.table("trend").rows[0].numbers[0]
    assert (first.text, first.url) == (
        "¥1,000,000",
        f"{records}?start=2026-01-01&end=2026-04-01&grain=quarter",
    )
    assert first_column(client.get(first.url)) == ["D1", "D2", "D3", "D4", "D5"]
    assert "· quarter 2026-Q1" in client.get(first.url).content.decode()
    # by week: W12 (16–23 March) has store A's fleet deal D4 only; B is not ranked that week
    weeks = client.get(
        reverse("reports:business"), {"start": "2026-03-09", "end": "2026-03-23", "grain": "week"}
    ).context["dashboard"]
    league = weeks.table("league")
    a = league.rows[0].numbers[0]
    assert (league.rows[0].label, a.text) == ("A 店 · 浦东", "¥300,000")
    assert a.url == f"{records}?start=2026-03-16&end=2026-03-23&grain=week&breakdown=store&key=store-a"
    assert first_column(client.get(a.url)) == ["D4"]
    assert (len(league.rows), league.note) == (1, "No business data in 2026-W12 (not ranked): B 店 · 闵行.")
    # W11 (9–16 March): D2 and D3 of 9 March
    w11 = weeks.table("trend").rows[0].numbers[0]
    assert (w11.text, first_column(client.get(w11.url))) == ("¥250,000", ["D2", "D3"])


def card_of(dashboard, code):
    return next(c for c in dashboard.cards if c.kpi.code == code)


def test_a_manager_drills_into_their_stores_rows_only(manager_b, business):
    assert first_column(drill(manager_b, "sales_revenue", "records")) == ["D5"]
    assert first_column(drill(manager_b, "sales_revenue", "records", store="store-a")) == []
    response = drill(manager_b, "sales_revenue", "records", breakdown="store", key="store-a")
    # a cell, not the bare text: "D1" may turn up inside the page's random CSRF token
    assert first_column(response) == [] and "<td>D1</td>" not in response.content.decode()


def test_a_specialist_drills_into_no_store_sales(specialist_a, business):
    # their own records: the requests and attendance that are theirs; sales deals are nobody's own
    assert first_column(drill(specialist_a, "penetration_finance", "numerator")) == []
    assert first_column(drill(specialist_a, "absenteeism_rate", "denominator")) == ["specialist_a"]


def test_the_fact_drill_exports_escape_formulas(cast, executive, business):
    deal(business, "=HYPERLINK(1)", cast.store_a, date(2026, 3, 15), price=1000, cost=900, finance=1)
    response = drill(executive, "penetration_finance", "numerator", export="csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8")[1:])))
    assert rows[0] == ["deal number", "delivery date", "store", "channel", "financed"]
    assert [row[0] for row in rows[1:]] == ["D1", "D3", "'=HYPERLINK(1)", "D5"]
    assert rows[1] == ["D1", "2026-03-02", "store-a", "retail", "yes"]
    book = load_workbook(
        io.BytesIO(drill(executive, "penetration_finance", "numerator", export="xlsx").content)
    )
    cells = [row[0] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert cells == ["D1", "D3", "'=HYPERLINK(1)", "D5"]


def test_the_league_exports(executive, business):
    response = client_for(executive).get(
        reverse("reports:business"), {**MARCH, "export": "csv", "table": "league"}
    )
    assert response["Content-Disposition"] == 'attachment; filename="business-league.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8")[1:])))
    assert rows[1] == ["A 店 · 浦东", "¥750,000", "6.7 %", "66.7 %", "50.0 %", "60.0 d", "5.0 %"]


def test_the_cost_does_not_grow_with_the_stores(cast, executive, business):
    client = client_for(executive)
    url = reverse("reports:business")
    client.get(url, MARCH)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, MARCH).status_code == 200
        return len(captured)

    few = queries()
    for n in range(4):
        store = testing.make_store(cast.org, f"extra-{n}", f"Extra {n}")
        deal(business, f"X{n}", store, date(2026, 3, 10), price=1000, cost=900)
    # session, user, stores, the snapshot periods stored (none: March is computed live), one query per
    # dataset (deals, attendance, stock, cost of sales), targets, store names (and on PostgreSQL the KPI
    # session's settings, kpi.engine.analytic_session)
    assert queries() == few == 10 + (connection.vendor == "postgresql")
    assert len(client.get(url, MARCH).context["dashboard"].table("league").rows) == 6


# --- the other dashboards' fact-based numbers ---------------------------------------------------------------


def test_the_quality_dashboards_inspection_numbers_open_the_inspection_rows(executive, manager_a):
    # given March's inspections (company rows): final 1,000 with 50 nonconforming, incoming 500 with 10;
    # and February's, not in March's numbers
    from aftersales.facts.models import QualityInspection

    batch = fact_batch()
    for day, stage, inspected, nonconforming in (
        (date(2026, 3, 5), "final", 1000, 50),
        (date(2026, 3, 6), "incoming", 500, 10),
        (date(2026, 2, 27), "final", 700, 70),
    ):
        QualityInspection.objects.create(
            import_batch=batch,
            date=day,
            product="P1",
            stage=stage,
            inspected=inspected,
            nonconforming=nonconforming,
            scrapped=0,
            reworked=0,
        )
    client = client_for(executive)
    dashboard = client.get(reverse("reports:quality"), MARCH).context["dashboard"]
    rate = next(c for c in dashboard.cards if c.kpi.code == "nonconformance_rate").number
    assert (rate.text, rate.detail) == ("4.0 %", "60 / 1,500")
    # when the number and its denominator are opened
    numerator, denominator = client.get(rate.url), client.get(rate.denominator_url)
    # then March's two inspections, named by product, stage and date, with what each measure reads
    assert numerator.context["header"] == ["product", "inspection stage", "date", "nonconforming units"]
    assert numerator.context["page"].object_list == [
        ["P1", "final", "2026-03-05", 50],
        ["P1", "incoming", "2026-03-06", 10],
    ]
    assert [row[3] for row in denominator.context["page"].object_list] == [1000, 500]
    # first pass yield reads inspected − nonconforming: both columns
    fpy = next(c for c in dashboard.cards if c.kpi.code == "first_pass_yield").number
    assert client.get(fpy.url).context["header"] == [
        "product",
        "inspection stage",
        "date",
        "units inspected",
        "nonconforming units",
    ]
    # a store manager opening the same link sees none of the company's rows
    assert client_for(manager_a).get(rate.url).context["page"].object_list == []


@pytest.mark.parametrize(
    ("who", "query"), [("executive", {}), ("executive", {"store": "store-b"}), ("manager_a", {})]
)
def test_from_the_snapshots_the_business_dashboard_shows_what_the_engine_shows(
    cast, business, frozen_clock, who, query
):
    from aftersales.kpi.services import kpi_snapshots_refresh
    from aftersales.kpi.tests.rows import at
    from aftersales.reports.tests.test_snapshot_dashboards import contents

    frozen_clock(at(2026, 4, 25, 12))
    client = client_for(getattr(cast, who))
    live = client.get(reverse("reports:business"), {**MARCH, **query}).context["dashboard"]
    assert (live.as_of, live.live) == (None, ["2026-03"])
    kpi_snapshots_refresh(since=date(2026, 3, 1))
    stored = client.get(reverse("reports:business"), {**MARCH, **query}).context["dashboard"]
    assert stored.live == []
    assert contents(stored) == contents(live)
