"""Dashboards served from the stored snapshots (ADR 0010): the same numbers and links as computed live,
"as of" when the snapshots are read, live for periods not stored yet, and a constant number of queries."""

from datetime import date

import pytest
from django.urls import reverse

from aftersales.accounts.models import Role
from aftersales.core import testing
from aftersales.kpi.services import kpi_snapshots_refresh
from aftersales.kpi.tests.rows import at, request
from aftersales.reports.tests.test_dashboards import HOUR, MARCH, card, client_for, count_queries

pytestmark = pytest.mark.django_db

SIX_MONTHS = {"start": "2025-11-01", "end": "2026-05-01", "grain": "month"}


def contents(dashboard) -> tuple:
    """Everything a dashboard shows: cards, tables (with every number's link and status) and charts."""
    cards = [
        (
            c.name,
            c.target,
            c.number.text,
            c.number.detail,
            c.number.status,
            c.number.url,
            c.number.denominator_url,
        )
        for c in dashboard.cards
    ]
    tables = [
        (t.name, t.header, [(r.label, [(n.text, n.status, n.url) for n in r.numbers]) for r in t.rows])
        for t in dashboard.tables
    ]
    return dashboard.periods, cards, tables, dashboard.charts


PAGES = [
    ("executive", "reports:executive", {}),
    ("executive", "reports:executive", {"trend": "response_24h_rate"}),
    ("executive", "reports:store", {"store": "store-b"}),
    ("executive", "reports:quality", {}),
    ("executive", "reports:specialist", {}),
    ("manager_a", "reports:store", {}),
    ("manager_a", "reports:quality", {}),
    ("manager_a", "reports:specialist", {"specialist": "specialist_a"}),
    ("manager_b", "reports:store", {}),
    ("specialist_a", "reports:specialist", {}),
    ("technician_a", "reports:specialist", {}),
]


@pytest.mark.parametrize("period", [MARCH, SIX_MONTHS], ids=["march", "six-months"])
@pytest.mark.parametrize(("who", "name", "query"), PAGES)
def test_a_dashboard_from_snapshots_shows_what_the_live_engine_shows(
    cast, manager_b, march, who, name, query, period
):
    client = client_for(manager_b if who == "manager_b" else getattr(cast, who))
    live = client.get(reverse(name), {**period, **query})
    assert live.status_code == 200
    assert (live.context["dashboard"].as_of, live.context["dashboard"].live) == (
        None,
        [f"{p:%Y-%m}" for p, _end in live.context["dashboard"].periods],
    )
    kpi_snapshots_refresh(since=date(2025, 11, 1))
    stored = client.get(reverse(name), {**period, **query})
    assert (stored.context["dashboard"].as_of, stored.context["dashboard"].live) == (at(2026, 4, 25, 12), [])
    assert contents(stored.context["dashboard"]) == contents(live.context["dashboard"])


def test_hand_checked_numbers_from_the_snapshots(cast, executive, manager_a, specialist_a, march):
    kpi_snapshots_refresh(since=date(2026, 3, 1))
    company = client_for(executive).get(reverse("reports:executive"), MARCH)
    attainment = card(company, "response_24h_rate")
    assert (attainment.number.text, attainment.number.detail) == ("83.3 %", "5 / 6")
    league = company.context["dashboard"].table("league")
    assert [(row.label, row.numbers[1].text) for row in league.rows] == [
        ("A 店 · 浦东", "75.0 %"),
        ("B 店 · 闵行", "100.0 %"),
    ]
    store = client_for(manager_a).get(reverse("reports:store"), MARCH)
    assert (card(store, "response_24h_rate").number.detail) == "3 / 4"
    table = store.context["dashboard"].table("breakdown")
    assert [(row.label, row.numbers[0].text) for row in table.rows] == [("张专员", "75.0 %")]
    own = client_for(specialist_a).get(reverse("reports:specialist"), MARCH)
    assert card(own, "response_24h_rate").number.text == "75.0 %"


def test_the_page_says_how_fresh_its_numbers_are(cast, executive, march, frozen_clock):
    client = client_for(executive)
    # a fresh install: nothing stored, everything computed now
    assert (
        "Computed now from the records." in client.get(reverse("reports:executive"), MARCH).content.decode()
    )
    kpi_snapshots_refresh(since=date(2026, 3, 1))
    page = client.get(reverse("reports:executive"), MARCH).content.decode()
    assert "Figures as of 2026-04-25 12:00 (stored snapshots)." in page
    # May begins and is not stored yet: it is computed now, with its new request, and said so
    frozen_clock(at(2026, 5, 2, 12))
    request(cast.store_a, cast.customer_a, at(2026, 5, 1, 9), first_response_after=HOUR)
    response = client.get(reverse("reports:executive"), {"start": "2026-03-01", "end": "2026-06-01"})
    page = response.content.decode()
    assert (
        "Figures as of 2026-04-25 12:00 (stored snapshots). Computed now from the records: 2026-05." in page
    )
    attainment = card(response, "response_24h_rate")
    assert (attainment.number.text, attainment.number.detail) == ("100.0 %", "1 / 1")


def test_a_store_manager_gets_nothing_of_another_store_through_any_parameter(cast, manager_b, march):
    kpi_snapshots_refresh(since=date(2026, 3, 1))
    client = client_for(manager_b)
    assert client.get(reverse("reports:store"), {**MARCH, "store": "store-a"}).status_code == 404
    assert client.get(reverse("reports:executive"), MARCH).status_code == 403
    assert (
        client.get(reverse("reports:specialist"), {**MARCH, "specialist": "specialist_a"}).status_code == 404
    )
    for breakdown in ("store", "specialist", "fault_category", "region"):
        quality = client.get(reverse("reports:quality"), {**MARCH, "breakdown": breakdown})
        assert "A 店" not in quality.content.decode()
        store = client.get(reverse("reports:store"), {**MARCH, "breakdown": breakdown})
        assert [row.label for row in store.context["dashboard"].tables[1].rows] in (
            [],
            ["B 店 · 闵行"],
            ["(none)"],
            ["李专员"],
            ["上海"],
        ), breakdown
        assert "75.0 %" not in store.content.decode()


def pages_queries(client, query, *, executive: bool) -> list[int]:
    urls = [
        (reverse("reports:store"), {**query, "store": "store-a"}),
        (reverse("reports:quality"), query),
        (reverse("reports:specialist"), {**query, "specialist": "specialist_a"}),
    ]
    if executive:
        urls.insert(0, (reverse("reports:executive"), query))
    for url, params in urls:
        client.get(url, params)  # the session and the translations are loaded once
    return [count_queries(client, url, params) for url, params in urls]


@pytest.mark.parametrize("who", ["executive", "manager_a"])
def test_each_dashboard_costs_the_same_queries_for_one_or_many_stores_people_and_periods(cast, march, who):
    kpi_snapshots_refresh(since=date(2025, 11, 1))
    client = client_for(getattr(cast, who))
    few = pages_queries(client, MARCH, executive=who == "executive")
    for n in range(5):
        store = testing.make_store(cast.org, f"extra-{n}", f"Extra {n}")
        person = testing.make_user(f"extra_specialist_{n}", Role.SPECIALIST, stores=(cast.store_a,))
        request(store, cast.customer_a, at(2026, 3, 9, 9), first_response_after=HOUR)
        for month in (1, 2, 3, 4):
            request(
                cast.store_a,
                cast.customer_a,
                at(2026, month, 9, 9),
                first_response_after=HOUR,
                assignee=person,
            )
        fault = testing.make_fault_category(f"fault-{n}", f"故障 {n}", f"Fault {n}")
        request(cast.store_a, cast.customer_a, at(2026, 3, 9, 9), kind="complaint", fault_category=fault)
    kpi_snapshots_refresh(since=date(2025, 11, 1))
    many = pages_queries(client, SIX_MONTHS, executive=who == "executive")
    # executive: session, user, the periods stored, their values, targets, the keys' labels; the store
    # page + the stores list; quality: no targets, but a company-wide viewer's inspections (their stored
    # periods, values, targets); the specialist page + the people list and the person's stores, no labels.
    # A manager: + their memberships, + their one store's code when not given.
    assert few == many == {"executive": [6, 7, 8, 7], "manager_a": [8, 7, 9]}[who]
