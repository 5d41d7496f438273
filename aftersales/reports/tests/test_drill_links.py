"""A dashboard cell of a week or a quarter links to the drill-down of exactly that period: the link
carries the period's start, end and grain and the cell's breakdown key, and the page lists exactly the
requests the cell counts (weeks and quarters cut at midnight in Asia/Shanghai, not UTC)."""

from datetime import date

import pytest
from django.urls import reverse

from aftersales.kpi.services import kpi_snapshots_refresh
from aftersales.kpi.tests.rows import at, request
from aftersales.reports.tests.test_dashboards import HOUR, card, client_for

pytestmark = pytest.mark.django_db

WEEKS = {"start": "2026-03-02", "end": "2026-03-23", "grain": "week"}
QUARTERS = {"start": "2026-01-01", "end": "2026-10-01", "grain": "quarter"}
NUMERATOR = reverse("reports:drill", args=["response_24h_rate", "numerator"])
DENOMINATOR = reverse("reports:drill", args=["response_24h_rate", "denominator"])


@pytest.fixture
def spread(cast, frozen_clock):
    """Requests of 2026, seen on 20 July, each answered within 24 h except those marked late (30 h).
    Store A (specialist_a): W10 — 4 Mar; W11 — 10 Mar, 12 Mar (late), Sunday 15 Mar 23:30; W12 — Monday
    16 Mar 00:30 (still Sunday in UTC); Q2 — 2 Apr, 14 May (late), 30 Jun 23:30; Q3 — 1 Jul 00:30
    (30 June in UTC). Store B (specialist_b): W11 — 11 Mar."""
    frozen_clock(at(2026, 7, 20, 12))

    def a(when, hours=2):
        return request(
            cast.store_a,
            cast.customer_a,
            when,
            first_response_after=hours * HOUR,
            assignee=cast.specialist_a,
        )

    return {
        "w10": a(at(2026, 3, 4, 9)),
        "w11": a(at(2026, 3, 10, 9)),
        "w11_late": a(at(2026, 3, 12, 9), hours=30),
        "w11_sunday": a(at(2026, 3, 15, 23, 30)),
        "w12": a(at(2026, 3, 16, 0, 30)),
        "b_w11": request(
            cast.store_b,
            cast.customer_b,
            at(2026, 3, 11, 9),
            first_response_after=HOUR,
            assignee=cast.specialist_b,
        ),
        "q2": a(at(2026, 4, 2, 9)),
        "q2_late": a(at(2026, 5, 14, 9), hours=30),
        "q2_last": a(at(2026, 6, 30, 23, 30)),
        "q3": a(at(2026, 7, 1, 0, 30)),
    }


def listed(client, url) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200
    return {row[0] for row in response.context["page"].object_list}


def numbers(spread, *names) -> set[str]:
    return {spread[name].number for name in names}


def trend_cell(dashboard, code, column):
    row = next(r for r in dashboard.table("trend").rows if r.numbers[0].kpi.code == code)
    return row.numbers[column]


@pytest.mark.parametrize("stored", [False, True], ids=["live", "snapshots"])
def test_a_week_cell_drills_into_that_weeks_requests(executive, spread, stored):
    if stored:
        kpi_snapshots_refresh(since=date(2026, 3, 1))  # the weeks, all stores and by store, are stored
    client = client_for(executive)
    dashboard = client.get(reverse("reports:executive"), WEEKS).context["dashboard"]
    assert dashboard.live == ([] if stored else ["2026-W10", "2026-W11", "2026-W12"])
    assert dashboard.table("trend").header[1:] == ["2026-W10", "2026-W11", "2026-W12"]
    # W11, every store: A's 10 and 15 March and B's 11 March within 24 h, of those and A's late 12 March
    week = trend_cell(dashboard, "response_24h_rate", 1)
    assert (week.text, week.detail) == ("75.0 %", "3 / 4")
    assert week.url == f"{NUMERATOR}?start=2026-03-09&end=2026-03-16&grain=week"
    assert week.denominator_url == f"{DENOMINATOR}?start=2026-03-09&end=2026-03-16&grain=week"
    assert listed(client, week.url) == numbers(spread, "w11", "w11_sunday", "b_w11")
    assert listed(client, week.denominator_url) == numbers(spread, "w11", "w11_late", "w11_sunday", "b_w11")
    page = client.get(week.url).content.decode()
    assert "from 2026-03-09 to 2026-03-16 (exclusive) · week 2026-W11" in page
    # the league is W12's: store A's cell opens A's request of Monday 00:30 only
    league = {row.label: row.numbers[1] for row in dashboard.table("league").rows}
    a = league["A 店 · 浦东"]
    assert a.text == "100.0 %"
    assert a.url == f"{NUMERATOR}?start=2026-03-16&end=2026-03-23&grain=week&breakdown=store&key=store-a"
    assert listed(client, a.url) == numbers(spread, "w12")
    # the card is the last week's too
    latest = card(client.get(reverse("reports:executive"), WEEKS), "response_24h_rate").number
    assert latest.url == f"{NUMERATOR}?start=2026-03-16&end=2026-03-23&grain=week"


def test_a_quarter_cell_drills_into_that_quarters_requests(manager_a, spread):
    client = client_for(manager_a)
    dashboard = client.get(reverse("reports:store"), QUARTERS).context["dashboard"]
    assert dashboard.table("trend").header[1:] == ["2026-Q1", "2026-Q2", "2026-Q3"]
    # Q2 of store A: 2 April and 30 June 23:30 within 24 h, of those and the late 14 May
    quarter = trend_cell(dashboard, "response_24h_rate", 1)
    assert (quarter.text, quarter.detail) == ("66.7 %", "2 / 3")
    assert quarter.url == f"{NUMERATOR}?start=2026-04-01&end=2026-07-01&grain=quarter&store=store-a"
    assert listed(client, quarter.url) == numbers(spread, "q2", "q2_last")
    assert listed(client, quarter.denominator_url) == numbers(spread, "q2", "q2_late", "q2_last")
    page = client.get(quarter.url).content.decode()
    assert "from 2026-04-01 to 2026-07-01 (exclusive) · quarter 2026-Q2" in page
    # Q1: the five March requests of store A, not store B's
    first = trend_cell(dashboard, "response_24h_rate", 0)
    assert (first.text, first.detail) == ("80.0 %", "4 / 5")
    assert listed(client, first.denominator_url) == numbers(
        spread, "w10", "w11", "w11_late", "w11_sunday", "w12"
    )
    # the specialist table is Q3's: specialist_a's cell opens 1 July 00:30 only
    table = dashboard.table("breakdown")
    specialist = table.rows[0].numbers[0]
    assert (table.rows[0].label, specialist.text) == ("张专员", "100.0 %")
    assert specialist.url == (
        f"{NUMERATOR}?start=2026-07-01&end=2026-10-01&grain=quarter&store=store-a"
        "&breakdown=specialist&key=specialist_a"
    )
    assert listed(client, specialist.url) == numbers(spread, "q3")


def test_a_specialists_week_cell_carries_their_key_and_the_grain(specialist_a, spread):
    client = client_for(specialist_a)
    dashboard = client.get(reverse("reports:specialist"), WEEKS).context["dashboard"]
    week = trend_cell(dashboard, "response_24h_rate", 1)
    assert week.url == (
        f"{NUMERATOR}?start=2026-03-09&end=2026-03-16&grain=week&breakdown=specialist&key=specialist_a"
    )
    assert listed(client, week.url) == numbers(spread, "w11", "w11_sunday")


def test_a_clipped_week_drills_into_the_days_in_range(executive, spread):
    # a range from Wednesday 11 March: W11's cell is 11–16 March, what the engine counted
    client = client_for(executive)
    dashboard = client.get(
        reverse("reports:executive"), {"start": "2026-03-11", "end": "2026-03-16", "grain": "week"}
    ).context["dashboard"]
    week = trend_cell(dashboard, "response_24h_rate", 0)
    assert (week.text, week.url) == ("66.7 %", f"{NUMERATOR}?start=2026-03-11&end=2026-03-16&grain=week")
    assert listed(client, week.denominator_url) == numbers(spread, "w11_late", "w11_sunday", "b_w11")
    assert "· week 2026-W11" in client.get(week.url).content.decode()


def test_the_whole_range_pareto_carries_no_grain(executive, spread):
    # a Pareto bar counts the whole range, several periods: no one period's grain
    dashboard = (
        client_for(executive)
        .get(reverse("reports:quality"), {**QUARTERS, "breakdown": "store"})
        .context["dashboard"]
    )
    bars = {row.label: row.numbers[0] for row in dashboard.table("pareto-repair_requests").rows}
    records = reverse("reports:drill", args=["repair_requests", "records"])
    assert {label: (bar.text, bar.url) for label, bar in bars.items()} == {
        "A 店 · 浦东": ("9", f"{records}?start=2026-01-01&end=2026-10-01&breakdown=store&key=store-a"),
        "B 店 · 闵行": ("1", f"{records}?start=2026-01-01&end=2026-10-01&breakdown=store&key=store-b"),
    }
    assert listed(client_for(executive), bars["B 店 · 闵行"].url) == numbers(spread, "b_w11")
