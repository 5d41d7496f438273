"""The executive dashboard in Debian's Chromium: ECharts draws the charts, a number opens the records
behind it, and the page fits a phone.

    DJANGO_ALLOW_ASYNC_UNSAFE=true pytest -m browser aftersales/reports/tests/test_browser.py
    UPDATE_SCREENSHOTS=1 ...      # also refresh docs/screenshots/dashboard-executive.png (README)
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
from aftersales.kpi.tests.rows import at, request

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
