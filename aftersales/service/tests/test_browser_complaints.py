"""A complaint in Debian's Chromium: registered on the staff form (severity and source appear only for
the kind complaint), refused resolution without a root cause, analysed in the panel, then listed in
the register. The pages run in Chinese, as a user reads them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from aftersales.core import testing
from aftersales.service.models import Complaint, SlaPolicy

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_context_args(browser_context_args, live_server):
    return {
        **browser_context_args,
        "base_url": live_server.url,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
    }


@pytest.fixture
def cast(transactional_db) -> testing.Cast:
    SlaPolicy.objects.create(name="默认", response_minutes=1440, resolution_minutes=4320)
    return testing.make_cast()


def test_a_complaint_from_the_phone_to_the_register(page: Page, cast: testing.Cast):
    customer = cast.customer_a
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill("specialist_a")
    page.get_by_label("密码").fill(testing.PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile("/workspace/$"))

    # The complaint fields show only once the kind is "complaint".
    page.goto("/requests/new/")
    severity = page.get_by_label("严重程度", exact=True)
    expect(severity).to_be_hidden()
    page.get_by_label("类型", exact=True).select_option("complaint")
    expect(severity).to_be_visible()
    page.get_by_label("查找客户").fill(customer.phone)
    page.get_by_role("radio", name=re.compile(customer.name)).check()
    severity.select_option("1")
    page.get_by_label("来源", exact=True).select_option("consumer_association")
    page.get_by_label("主题", exact=True).fill("12315 转来：维修后仍漏油")
    page.get_by_role("button", name="登记请求").click()
    expect(page).to_have_url(re.compile(r"/requests/SR\d{4}-\d{6}/$"))
    panel = page.locator(".complaint-panel")
    expect(panel).to_contain_text("1 – 严重")
    expect(panel).to_contain_text("消费者协会 / 12315 热线")

    # Resolving without the analysis is refused, naming what is missing.
    resolve = page.locator("#action-resolve")
    resolve.locator("summary").click()
    resolve.get_by_label("处理结果").select_option("advice")
    resolve.get_by_role("button", name="解决请求").click()
    expect(page.locator("#action-resolve")).to_contain_text("解决投诉前请先填写根本原因。")

    # The analysis is saved in the panel (htmx), then the register lists the complaint.
    page.get_by_text("编辑投诉", exact=True).click()
    form = page.locator("#action-complaint")
    form.get_by_label("根本原因").fill("油封未更换")
    form.get_by_label("纠正措施").fill("交车前增加复检")
    form.get_by_role("button", name="保存投诉").click()
    expect(page.locator(".complaint-analysis")).to_contain_text("交车前增加复检")
    complaint = Complaint.objects.get()
    assert (complaint.root_cause, complaint.corrective_measure) == ("油封未更换", "交车前增加复检")

    page.get_by_role("link", name="投诉", exact=True).click()
    expect(page).to_have_url(re.compile("/complaints/$"))
    expect(page.locator(".complaint-register")).to_contain_text(complaint.ticket.number)
