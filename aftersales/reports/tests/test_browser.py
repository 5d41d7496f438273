"""The executive and business dashboards in Debian's Chromium: ECharts draws the charts, a number opens
the records behind it (requests, or imported sales deals), and the page fits a phone.

    DJANGO_ALLOW_ASYNC_UNSAFE=true pytest -m browser aftersales/reports/tests/test_browser.py
    UPDATE_SCREENSHOTS=1 ...      # also refresh docs/screenshots/dashboard-{executive,business}.png (README)
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from aftersales.core import testing
from aftersales.core.tests.test_browser_lifecycle import (  # noqa: F401  (fixture)
    PHONE,
    SHANGHAI,
    assert_no_horizontal_scroll,
    browser_context_args,
    log_in,
    shoot,
)
from aftersales.kpi.tests.rows import at, attendance, cogs, deal, fact_batch, request, stock

pytestmark = pytest.mark.browser


def month_starts(count: int) -> list[date]:
    """The first days of the last `count` months, this one included, oldest first."""
    today = timezone.now().astimezone(SHANGHAI).date()
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


@pytest.fixture
def history(transactional_db) -> testing.Cast:
    """Six months of requests: store A answers 18 of 20 within 24 h a month, but only 8 of 20 three months
    ago (a real shift on the p-chart); store B answers all 10 of its requests within 2 hours."""
    cast = testing.make_cast()
    brakes = testing.make_fault_category("brakes", "制动", "Brakes")
    for index, first in enumerate(month_starts(6)):
        quick = 8 if index == 2 else 18
        for n in range(20):
            request(
                cast.store_a,
                cast.customer_a,
                at(first.year, first.month, 1, 9 + n % 8),
                first_response_after=timedelta(hours=2 if n < quick else 30),
                resolved_after=timedelta(hours=40),
                assignee=cast.specialist_a,
                kind="repair" if n % 3 else "complaint",
                fault_category=cast.engine if n % 4 else brakes,
            )
        for n in range(10):
            request(
                cast.store_b,
                cast.customer_b,
                at(first.year, first.month, 1, 9 + n % 8),
                first_response_after=timedelta(hours=1),
                resolved_after=timedelta(hours=20),
                assignee=cast.specialist_b,
            )
    return cast


def test_executive_dashboard_draws_charts_and_a_number_opens_its_records(page: Page, new_context, history):
    log_in(page, "executive", lands_on="/workspace/")
    page.goto("/reports/executive/?trend=response_24h_rate")
    expect(page.get_by_role("heading", level=1)).to_have_text("经营总览")
    # ECharts drew into a canvas in both chart boxes, the trend with its control limits and the league
    expect(page.locator("#trend-response_24h_rate canvas")).not_to_have_count(0)
    expect(page.locator("#league-chart canvas")).not_to_have_count(0)
    card = page.locator(".kpi-card").filter(has_text="24小时有效响应率")
    expect(card.locator("a.kpi-number")).to_have_text("93.3 %")  # (18 + 10) / 30 this month
    expect(card).to_have_class(re.compile("card-red"))
    league = page.locator("#table-league")
    expect(league).to_contain_text("A 店 · 浦东")
    expect(league).to_contain_text("100.0 %")
    shoot(page, "dashboard-executive")

    # the number opens the 28 requests answered within 24 h this month
    card.locator("a.kpi-number").click()
    expect(page).to_have_url(re.compile(r"/reports/drill/response_24h_rate/numerator/\?start="))
    expect(page.locator(".drill-count")).to_contain_text("28")
    expect(page.locator("table tbody tr")).to_have_count(28)
    # and from there the denominator: the 30 requests judged
    page.get_by_role("link", name="分母").click()
    expect(page.locator("table tbody tr")).to_have_count(30)

    # on a phone the dashboard does not scroll sideways: tables scroll in their own box
    phone = new_context(**PHONE).new_page()
    log_in(phone, "executive", lands_on="/workspace/")
    phone.goto("/reports/executive/")
    expect(phone.locator("#trend-csat_t2b canvas")).not_to_have_count(0)
    assert_no_horizontal_scroll(phone)


@pytest.fixture
def sales_history(transactional_db) -> testing.Cast:
    """Six months of imported business data. Every month store A delivers 10 new retail vehicles, 8 of
    them financed, and store B 5, all financed; each store counts its stock at the month's start and
    sells as many vehicles as it delivers; store A's specialist misses 1 of 20 days."""
    cast = testing.make_cast()
    batch = fact_batch()
    for first in month_starts(6):
        for store, count, financed in ((cast.store_a, 10, 8), (cast.store_b, 5, 5)):
            for n in range(count):
                products = {"finance": 1} if n < financed else {}
                if n % 2:
                    products["insurance"] = 1
                if n % 3 == 0:
                    products["accessories"] = 1
                if n % 4 == 0:
                    products["extended_warranty"] = 1
                if n < 4:
                    products["trade_in"] = 1
                deal(
                    batch,
                    f"{store.code}-{first:%Y%m}-{n:02d}",
                    store,
                    first,
                    price=200000,
                    cost=184000,
                    **products,
                )
            stock(batch, store, first, 3 * count, str(3 * count * 150000))
            cogs(batch, store, first, count, str(count * 184000))
        attendance(batch, cast.specialist_a, cast.store_a, first, scheduled=20, sick=1)
    return cast


def test_business_dashboard_draws_penetration_and_a_number_opens_its_deals(
    page: Page, new_context, sales_history
):
    log_in(page, "executive", lands_on="/workspace/")
    page.goto("/reports/executive/")
    page.get_by_role("link", name="经营业务").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("经营业务看板")
    page.get_by_label("图表").select_option("penetration_finance")
    page.get_by_role("button", name="显示").click()
    # the trend, penetration by product and the league of stores, each drawn in a canvas
    expect(page.locator("#trend-penetration_finance canvas")).not_to_have_count(0)
    expect(page.locator("#penetration-chart canvas")).not_to_have_count(0)
    expect(page.locator("#league-chart canvas")).not_to_have_count(0)
    card = page.locator(".kpi-card").filter(has_text="金融渗透率")
    expect(card.locator("a.kpi-number")).to_have_text("86.7 %")  # (8 + 5) / 15, above the 80 % target
    expect(card).to_have_class(re.compile("card-green"))
    league = page.locator("#table-league")
    expect(league).to_contain_text("¥2,000,000")  # store A: 10 × 200,000
    expect(league).to_contain_text("80.0 %")
    shoot(page, "dashboard-business")

    # the number opens the 13 financed retail deals of this month, named by their deal numbers
    card.locator("a.kpi-number").click()
    expect(page).to_have_url(re.compile(r"/reports/drill/penetration_finance/numerator/\?start="))
    expect(page.locator("table tbody tr")).to_have_count(13)
    expect(page.locator("table thead")).to_contain_text("成交单号")
    shoot(page, "drill-business-deals")
    # and from there the denominator: the 15 retail deals
    page.get_by_role("link", name="分母").click()
    expect(page.locator("table tbody tr")).to_have_count(15)

    # a store manager on a phone: their store's figures, no sideways scroll
    phone = new_context(**PHONE).new_page()
    log_in(phone, "manager_a", lands_on="/workspace/")
    phone.goto("/reports/business/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("经营业务看板 · A 店 · 浦东")
    expect(phone.locator("#penetration-chart canvas")).not_to_have_count(0)
    expect(phone.locator("#table-league")).not_to_contain_text("B 店")
    assert_no_horizontal_scroll(phone)
