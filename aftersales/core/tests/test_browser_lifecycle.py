"""End to end in Debian's Chromium: a request from the phone call to the customer's portal.

    make test-browser                          # these tests, screenshots in test-artifacts/screenshots/
    UPDATE_SCREENSHOTS=1 make test-browser     # also refresh docs/screenshots/ (README)

The pages run in Chinese (the browser asks for zh-CN), so the assertions use the labels a user reads.
Every wait is an `expect(...)`: it retries until the page shows the text, never a fixed sleep.
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from aftersales.core import testing
from aftersales.service.models import SlaPolicy
from aftersales.service.services.tickets import ticket_register, ticket_reply, ticket_wait
from aftersales.service.services.work import visit_book

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
DOCS = ROOT / "docs" / "screenshots"
# Screenshots the README shows: written to docs/ only on request, so a CI run leaves the tree clean.
DOC_SHOTS = {"workspace", "request-detail", "dashboard-executive", "dashboard-business"}


# --- fixtures and helpers --------------------------------------------------------------------------


@pytest.fixture
def browser_context_args(browser_context_args, live_server):
    """Every context talks to the live server, in Chinese, on Shanghai time."""
    return {
        **browser_context_args,
        "base_url": live_server.url,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
    }


@pytest.fixture
def cast(transactional_db) -> testing.Cast:
    """The shared cast with the seed's SLA rule (respond within 24 h, resolve within 72 h, calendar time)."""
    SlaPolicy.objects.create(name="默认", response_minutes=1440, resolution_minutes=4320)
    return testing.make_cast()


def shoot(page: Page, name: str) -> Path:
    """A full-page screenshot as a test artefact; the README's ones also into docs/ with UPDATE_SCREENSHOTS=1."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    # From the top and without a focus ring: a sticky header would otherwise be drawn mid-page.
    page.evaluate("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
    page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
    if name in DOC_SHOTS and os.environ.get("UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS / f"{name}.png")
    return path


def log_in(page: Page, username: str, *, lands_on: str) -> None:
    """Through the real sign-in form; `lands_on` is the path the person starts on."""
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(testing.PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(re.escape(lands_on) + "$"))


def assert_no_horizontal_scroll(page: Page, width: int = 390) -> None:
    # page.evaluate goes through the DevTools protocol, so the CSP (no eval) does not apply.
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} scrolls sideways on a phone: {scroll_width}px > {width}px"


def tomorrow_at(hour: int) -> datetime:
    day = timezone.now().astimezone(SHANGHAI).date() + timedelta(days=1)
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


def local_input(moment: datetime) -> str:
    """The value of a datetime-local input."""
    return moment.strftime("%Y-%m-%dT%H:%M")


def timeline(page: Page):
    return page.locator("ol.timeline")


def flash(page: Page):
    """The message of the last action. After an htmx action it is inside #ticket-main; the one from the
    full page load above it stays on screen until the next navigation."""
    return page.locator("#ticket-main [role=status]")


def status_badge(page: Page):
    return page.locator(".ticket-head h1 span")


# --- 1 + 2: phone call to resolution, then the customer's view ---------------------------------------


def test_request_lifecycle_from_phone_call_to_customer_portal(page: Page, new_context, cast: testing.Cast):
    customer = cast.customer_a
    subject = "发动机冷启动异响"
    reply = "您好孙先生，我们已收到您的报修，明天上午安排技师上门检查。"
    note = "内部：客户上次保养漏检发动机支架，注意核对。"
    report = "更换发动机左支架，试车无异响。"

    # The specialist signs in and registers the call.
    log_in(page, "specialist_a", lands_on="/workspace/")
    page.get_by_role("link", name="登记请求").first.click()
    expect(page).to_have_url(re.compile("/requests/new/$"))
    page.get_by_label("查找客户").fill(customer.phone)
    page.get_by_role("radio", name=re.compile(customer.name)).check()
    assets = page.locator("#asset-panel")
    expect(assets).to_contain_text(f"{customer.name} 的资产")
    expect(assets).to_contain_text("保修期至 2028年2月29日")  # 24 months from 2026-03-01
    expect(assets.get_by_role("radio", name=re.compile("SN-A-0001"))).to_be_checked()
    page.get_by_label("渠道", exact=True).select_option("phone")
    page.get_by_label("类型", exact=True).select_option("repair")
    page.get_by_label("故障类别", exact=True).select_option(label="发动机")
    page.get_by_label("主题", exact=True).fill(subject)
    page.get_by_label("描述", exact=True).fill("早上第一次启动时发动机舱有咔哒声，热车后消失。")
    shoot(page, "register")
    page.get_by_role("button", name="登记请求").click()

    # The detail page: assigned automatically to the only engine specialist of store A.
    expect(page).to_have_url(re.compile(r"/requests/SR\d{4}-\d{6}/$"))
    number = re.search(r"/requests/([^/]+)/$", page.url).group(1)
    expect(page.get_by_role("status")).to_have_text(f"请求 {number} 已登记并分派给 张专员。")
    expect(status_badge(page)).to_have_text("已分派")
    expect(page.locator(".facts div").filter(has_text="处理人")).to_contain_text("张专员")
    expect(page.locator(".facts div").filter(has_text="渠道")).to_contain_text("电话")
    expect(page.locator(".facts div").filter(has_text="类型")).to_contain_text("故障 / 维修")
    expect(page.locator(".customer-panel")).to_contain_text("保修期至 2028年2月29日")
    expect(timeline(page).locator("li")).to_have_count(2)
    expect(timeline(page).locator("li").nth(0)).to_contain_text("已登记")
    expect(timeline(page).locator("li").nth(1)).to_contain_text("→ 张专员 (自动)")

    # Reply to the customer: the first response, and work starts.
    page.locator("#action-reply summary").click()
    page.locator("#action-reply").get_by_label("留言").fill(reply)
    page.locator("#action-reply").get_by_role("button", name="发送回复").click()
    expect(flash(page)).to_have_text("已回复客户。")
    expect(status_badge(page)).to_have_text("处理中")
    replied = timeline(page).locator("li").filter(has_text=reply)
    expect(replied).to_contain_text("回复客户")
    expect(timeline(page)).to_contain_text("首次响应")
    expect(timeline(page)).to_contain_text("已分派 → 处理中")
    expect(page.locator(".sla-facts")).to_contain_text("已响应")

    # An internal note, which the customer must never see.
    page.locator("#action-note summary").click()
    page.locator("#action-note").get_by_label("备注（不会向客户显示）").fill(note)
    page.locator("#action-note").get_by_role("button", name="添加备注").click()
    expect(flash(page)).to_have_text("已添加内部备注。")
    expect(timeline(page).locator("li.internal")).to_contain_text(note)
    expect(timeline(page).locator("li.internal")).to_contain_text("内部备注")

    # Book technician_a for tomorrow 09:00–11:00 (store time).
    start, end = tomorrow_at(9), tomorrow_at(11)
    booking = page.locator("#action-book_visit")
    booking.locator("summary").click()
    booking.get_by_label("技师").select_option(label="王技师")
    booking.get_by_label("从", exact=True).fill(local_input(start))
    booking.get_by_label("至", exact=True).fill(local_input(end))
    booking.locator("button[type=submit]").click()
    expect(flash(page)).to_have_text("已预约上门。")
    expect(status_badge(page)).to_have_text("已预约上门")
    visit = page.locator("article.visit")
    expect(visit).to_contain_text(f"{start:%Y-%m-%d} 09:00 – 11:00")
    expect(visit).to_contain_text("技师: 王技师")
    expect(visit.locator(".badge")).to_have_text("已预约")
    expect(timeline(page)).to_contain_text("处理中 → 已预约上门")

    # On site, the technician records the arrival and completes the visit from their own login.
    technician = new_context().new_page()
    log_in(technician, "technician_a", lands_on="/workspace/")
    technician.goto("/workspace/?queue=team")
    technician.get_by_role("link", name=number).click()
    expect(status_badge(technician)).to_have_text("已预约上门")
    technician.get_by_role("button", name="技师已到达").click()
    expect(flash(technician)).to_have_text("已记录到达。")
    tech_visit = technician.locator("article.visit")
    expect(tech_visit.locator(".badge")).to_have_text("技师已到达")
    tech_visit.get_by_label("现场处理内容").fill(report)
    tech_visit.get_by_role("button", name="完成上门").click()
    expect(flash(technician)).to_have_text("上门已完成。")
    expect(status_badge(technician)).to_have_text("处理中")
    expect(technician.locator("article.visit .badge")).to_have_text("已完成")
    expect(technician.locator("article.visit")).to_contain_text(report)
    technician.context.close()

    # Back at the desk, the specialist resolves the request.
    page.reload()
    expect(status_badge(page)).to_have_text("处理中")
    expect(timeline(page)).to_contain_text("技师已到达")
    expect(timeline(page)).to_contain_text("上门已完成")
    resolving = page.locator("#action-resolve")
    resolving.locator("summary").click()
    resolving.get_by_label("处理结果").select_option("repair")
    resolving.get_by_label("根本原因代码").fill("ENG-MOUNT-L")
    resolving.get_by_label("解决方案").fill("发动机左支架老化，已按保修更换。")
    resolving.get_by_label("工时").fill("1.5")
    resolving.get_by_role("button", name="解决请求").click()
    expect(flash(page)).to_have_text("请求已解决。")
    expect(status_badge(page)).to_have_text("已解决")
    resolution = page.locator("article.resolution")
    expect(resolution).to_contain_text("已维修")
    expect(resolution).to_contain_text("ENG-MOUNT-L")
    expect(resolution.locator(".facts div").filter(has_text="工时")).to_contain_text("1.50")
    expect(timeline(page).locator("li").last).to_contain_text("ENG-MOUNT-L")
    expect(page.locator(".sla-facts .sla")).to_have_text("已达标")
    shoot(page, "request-detail")

    # The customer, in a browser of their own, sees the request resolved, the reply, and no note.
    customer_context: BrowserContext = new_context()
    portal = customer_context.new_page()
    log_in(portal, "customer_a", lands_on="/portal/")
    expect(portal.get_by_role("heading", level=1)).to_have_text("孙先生，您好")
    card = portal.locator("a.card").filter(has_text=number)
    expect(card).to_contain_text(subject)
    expect(card.locator(".badge")).to_have_text("已解决")
    shoot(portal, "portal-home")
    card.click()
    expect(portal).to_have_url(re.compile(f"/portal/requests/{number}/$"))
    expect(portal.get_by_role("heading", level=1)).to_have_text(subject)
    expect(portal.locator(".portal-head .badge")).to_have_text("已解决")
    conversation = portal.locator("ol.conversation")
    expect(conversation.locator("li").filter(has_text=reply)).to_contain_text("张专员")
    expect(portal.locator("main")).not_to_contain_text(note)
    expect(portal.locator("main")).not_to_contain_text("内部备注")

    # The same page on a phone: readable without scrolling sideways.
    phone = new_context(storage_state=customer_context.storage_state(), **PHONE).new_page()
    phone.goto(f"/portal/requests/{number}/")
    expect(phone.get_by_role("heading", level=1)).to_have_text(subject)
    expect(phone.locator("ol.conversation")).to_contain_text(reply)
    assert_no_horizontal_scroll(phone)
    shoot(phone, "portal-request-phone")
    # and the customer's other pages: the list of their requests and a new request against a product
    phone.goto("/portal/")
    expect(phone.locator("a.card").filter(has_text=number)).to_contain_text(subject)
    assert_no_horizontal_scroll(phone)
    phone.goto("/portal/requests/new/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("新建服务请求")
    assert_no_horizontal_scroll(phone)
    shoot(phone, "portal-new-phone")


# --- 3: the public contact form on a phone ----------------------------------------------------------


def test_public_web_form_on_a_phone(new_context, cast: testing.Cast):
    cache.clear()  # the form's hourly cap per address: other tests in this process may have posted
    page = new_context(**PHONE).new_page()
    page.goto("/portal/contact/")
    expect(page.get_by_role("heading", level=1)).to_have_text("联系服务团队")
    assert_no_horizontal_scroll(page)
    shoot(page, "web-form-phone")

    page.get_by_label("您的姓名").fill("吴女士")
    page.get_by_label("手机号码").fill("13912345678")
    page.get_by_label("服务门店").select_option(label=cast.store_a.name)
    page.get_by_label("主题").fill("洗碗机不排水")
    page.get_by_label("描述问题").fill("洗完后底部有积水。")
    page.get_by_role("button", name="提交请求").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("谢谢，我们已收到您的请求")
    expect(page.locator(".big-number")).to_have_text(re.compile(r"SR\d{4}-\d{6}"))
    assert_no_horizontal_scroll(page)
    page.get_by_role("button", name="跟踪您的请求").click()
    expect(page).to_have_url(re.compile("/portal/track/"))
    expect(page.locator("main")).to_contain_text("洗碗机不排水")
    assert_no_horizontal_scroll(page)


# --- 4: the workspace and the manager overview with a realistic queue --------------------------------


def fill_queue(cast: testing.Cast) -> dict[str, str]:
    """Six open requests of store A in different states and SLA states; subject -> expected SLA class.

    Registered at earlier instants with the clock pinned, so their deadlines are near or past."""
    store, specialist = cast.store_a, cast.specialist_a
    people = [
        cast.customer_a,
        testing.make_customer(store, "customer_c", name="王女士", serial="SN-C-0001"),
        testing.make_customer(store, "customer_d", name="刘先生", serial="SN-D-0001"),
        testing.make_customer(store, "customer_e", name="陈女士", serial="SN-E-0001"),
    ]
    now = timezone.now()
    clock = testing.FrozenClock()

    def register(customer, subject, *, hours_ago, assign=True, **fields):
        clock(now - timedelta(hours=hours_ago))
        return ticket_register(
            by=specialist,
            store=store,
            customer=customer,
            subject=subject,
            asset=customer.assets.first(),
            fault_category=cast.engine,
            auto_assign=assign,
            **{"channel": "phone", **fields},
        )

    try:
        register(people[1], "充电口无法识别充电枪", hours_ago=30, priority="urgent")
        register(people[2], "空调制冷效果差", hours_ago=20, priority="high", channel="walk_in")
        waiting = register(people[3], "仪表盘偶发故障灯", hours_ago=8, channel="email")
        clock(now - timedelta(hours=7))
        ticket_reply(ticket=waiting, by=specialist, body="请拍一张故障灯亮起时的仪表照片发给我们。")
        ticket_wait(ticket=waiting, by=specialist, on="pending_customer", note="等待客户照片")
        visit = register(people[0], "首次保养预约", hours_ago=3, kind="maintenance")
        clock(now - timedelta(hours=2))
        visit_book(
            ticket=visit,
            by=specialist,
            technician=cast.technician_a,
            window_start=tomorrow_at(14),
            window_end=tomorrow_at(16),
        )
        started = register(people[1], "家用充电桩安装", hours_ago=1, kind="installation")
        clock(now - timedelta(minutes=30))
        ticket_reply(ticket=started, by=specialist, body="安装师傅会先电话确认现场条件。")
        register(people[2], "投诉：维修等待时间过长", hours_ago=0.5, kind="complaint", assign=False)
    finally:
        clock.release()
    return {
        "充电口无法识别充电枪": "sla-breached",
        "空调制冷效果差": "sla-warning",
        "仪表盘偶发故障灯": "sla-paused",
        "首次保养预约": "sla-ok",
        "家用充电桩安装": "sla-ok",
    }


def test_workspace_and_manager_overview(page: Page, new_context, cast: testing.Cast):
    expected = fill_queue(cast)

    log_in(page, "specialist_a", lands_on="/workspace/")
    rows = page.locator("table.ticket-table tbody tr")
    expect(rows).to_have_count(len(expected))
    for subject, sla_class in expected.items():
        expect(rows.filter(has_text=subject).locator(f".sla.{sla_class}")).to_be_visible()
    expect(rows.filter(has_text="仪表盘偶发故障灯")).to_contain_text("等待客户")
    expect(rows.filter(has_text="首次保养预约")).to_contain_text("已预约上门")
    expect(rows.filter(has_text="充电口无法识别充电枪").locator(".sla")).to_contain_text("已超时")
    expect(page.locator("nav.tabs a").filter(has_text="未分派")).to_contain_text("1")
    shoot(page, "workspace")

    manager = new_context().new_page()
    log_in(manager, "manager_a", lands_on="/workspace/")
    manager.goto("/manager/")
    overview = manager.locator("section.store-overview").filter(has_text=cast.store_a.name)
    expect(overview.locator(".stat").filter(has_text="未结").locator(".stat-value")).to_have_text("6")
    expect(overview.locator(".stat").filter(has_text="未分派").locator(".stat-value")).to_have_text("1")
    expect(overview.locator(".stat").filter(has_text="有风险").locator(".stat-value")).to_have_text("1")
    expect(overview.locator(".stat").filter(has_text="已超时").locator(".stat-value")).to_have_text("1")
    expect(overview).to_contain_text("投诉：维修等待时间过长")
    shoot(manager, "manager")
