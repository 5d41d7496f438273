"""The survey link on a phone, in Debian's Chromium (`make test-browser`; screenshots in
test-artifacts/screenshots/). The page runs in Chinese, as the browser asks for zh-CN."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from aftersales.core import testing
from aftersales.service.models import SlaPolicy
from aftersales.service.services.tickets import ticket_register, ticket_resolve
from aftersales.surveys.models import SurveyItem, SurveyResponse, SurveyTemplate
from aftersales.surveys.services import survey_invite

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"


@pytest.fixture
def english():
    """The browser test reads the Chinese page (overrides the package's English fixture)."""
    yield


@pytest.fixture
def browser_context_args(browser_context_args, live_server):
    return {**browser_context_args, **PHONE, "base_url": live_server.url, "locale": "zh-CN"}


@pytest.fixture
def token(transactional_db) -> str:
    """A fresh invitation of customer A's resolved request. A transactional test empties the tables
    the data migration filled, so the template is made again here if it is gone."""
    SlaPolicy.objects.create(name="默认", response_minutes=1440, resolution_minutes=4320)
    cast = testing.make_cast()
    template, created = SurveyTemplate.objects.get_or_create(
        code="transactional", version=1, defaults={"name": "服务满意度回访"}
    )
    if created:
        for order, kind, zh in [
            (1, "csat", "对本次服务满意吗？"),
            (2, "nps", "推荐可能性"),
            (3, "ces", "很容易"),
        ]:
            SurveyItem.objects.create(template=template, order=order, kind=kind, wording_zh=zh, wording_en=zh)
    ticket = ticket_register(
        by=cast.specialist_a, store=cast.store_a, customer=cast.customer_a, channel="phone", subject="异响"
    )
    ticket_resolve(ticket=ticket, by=cast.specialist_a, outcome="advice")
    return survey_invite(ticket=ticket, template=template)[1]


def test_a_customer_answers_the_survey_on_a_phone_by_tapping(page: Page, token: str):
    # given
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text) if message.type == "error" else None)
    # when
    page.goto(f"/s/{token}/")
    expect(page.get_by_role("heading", name="我们的服务怎么样？")).to_be_visible()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "survey-answer.png", full_page=True, animations="disabled")
    # each point of a scale is a target of at least 44 px
    first_point = page.locator(".scale-option").first.bounding_box()
    for group, value in [(0, "5"), (1, "10"), (2, "7")]:
        page.locator(".scale").nth(group).locator(".scale-option", has_text=value).first.tap()
    page.get_by_role("button", name="提交").tap()
    # then
    expect(page.get_by_role("heading", name="感谢您的反馈")).to_be_visible()
    assert scroll_width <= 390
    assert first_point["height"] >= 44 and first_point["width"] >= 44
    assert sorted(SurveyResponse.objects.get().answers.values_list("number", flat=True)) == [5, 7, 10]
    assert violations == []


def test_staff_show_the_survey_qr_code_and_copy_the_link_on_a_phone(page: Page, token: str, context):
    # given the specialist signed in on a phone, the request resolved (see `token`)
    import re

    from aftersales.service.models import Ticket
    from aftersales.surveys.models import SurveyLink

    ticket = Ticket.objects.get()
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text) if message.type == "error" else None)
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill("specialist_a")
    page.get_by_label("密码").fill(testing.PASSWORD)
    page.get_by_role("button", name="登录").click()
    # when the detail page's survey box (loaded by htmx) leads to the link page and the QR code
    page.goto(f"/requests/{ticket.number}/")
    page.get_by_role("button", name="出示调查链接（二维码 / 复制）").click()
    page.get_by_role("button", name="显示二维码").click()
    # then the QR code and the link are on screen, without sideways scrolling
    qr = page.locator(".survey-qr svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    url = page.locator("#survey-url").input_value()
    assert re.search(r"/s/[A-Za-z0-9_-]{43}/$", url)
    assert box["width"] >= 200 and box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "survey-link-qr.png", full_page=True, animations="disabled")
    # and the copy button puts the link on the clipboard
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="复制", exact=True).tap()
    expect(page.get_by_role("button", name="已复制")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == url
    assert SurveyLink.objects.get().issued_by.username == "specialist_a"
    assert violations == []
