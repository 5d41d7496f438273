"""The customer portal: a customer sees and acts on their own requests only, and never an internal note."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from aftersales.customers.selectors import asset_warranty_status
from aftersales.service.models import Attachment, Comment, Ticket, Visit
from aftersales.service.services.tickets import (
    ticket_register,
    ticket_reply,
    ticket_resolve,
    ticket_wait,
)
from aftersales.service.services.work import visit_book

SHANGHAI = ZoneInfo("Asia/Shanghai")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
INTERNAL_NOTE = "内部备注：客户上次拒付维修费，先收定金"


@pytest.fixture(autouse=True)
def monday_morning(frozen_clock):
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    return frozen_clock


def register(customer, *, subject="空调不制冷", by=None, **extra):
    asset = customer.assets.get()
    return ticket_register(
        by=by or customer.user,
        store=asset.selling_store,
        customer=customer,
        asset=asset,
        channel="portal",
        subject=subject,
        **extra,
    )


def portal_client(customer, *, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(customer.user)
    return client


# --- access ----------------------------------------------------------------------------------------------


def test_portal_sends_anonymous_visitors_to_sign_in(client, db):
    # when
    response = client.get("/portal/")
    # then
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/portal/"


def test_portal_sends_staff_to_their_home(client, specialist_a):
    # given
    client.force_login(specialist_a)
    # when
    response = client.get("/portal/")
    # then
    assert response.status_code == 302
    assert response.url == "/"


def test_customer_role_without_customer_record_gets_an_explanation(client, cast):
    # given a portal login nobody linked to a customer yet
    from aftersales.core.testing import make_user

    stray = make_user("stray", "customer")
    client.force_login(stray)
    # when
    response = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="en")
    # then
    assert response.status_code == 403
    assert "Your account is not linked yet" in response.text


# --- home ------------------------------------------------------------------------------------------------


def test_portal_lists_only_my_requests(customer_a, customer_b):
    # given one request each
    mine = register(customer_a, subject="空调不制冷")
    theirs = register(customer_b, subject="洗衣机漏水")
    # when
    response = portal_client(customer_a).get("/portal/")
    # then
    assert response.status_code == 200
    assert mine.number in response.text
    assert "空调不制冷" in response.text
    assert theirs.number not in response.text
    assert "洗衣机漏水" not in response.text
    assert [t.number for t in response.context["tickets"]] == [mine.number]


def test_portal_shows_status_in_plain_words_and_last_update(customer_a):
    # given a request the specialist is now waiting on the customer for
    ticket = register(customer_a)
    ticket.refresh_from_db()
    ticket_wait(ticket=ticket, by=ticket.assignee, on="pending_customer")
    # when
    response = portal_client(customer_a).get("/portal/")
    # then
    assert "Waiting for your reply" in response.text
    assert "03/02/2026 10 a.m." in response.text  # last update, SHORT_DATETIME_FORMAT in English


def test_portal_lists_my_products_with_warranty_status(customer_a):
    # given customer A's asset bought 2026-03-01 with 24 months of warranty
    # when
    response = portal_client(customer_a).get("/portal/")
    # then
    assert "SN-A-0001" in response.text
    assert "In warranty until Feb. 29, 2028" in response.text
    assert "SN-B-0001" not in response.text


def test_portal_warranty_status_in_chinese(customer_a):
    # when
    response = portal_client(customer_a, language="zh-hans").get("/portal/")
    # then
    assert response.headers["Content-Language"] == "zh-hans"
    with translation.override("zh-hans"):
        label = asset_warranty_status(asset=customer_a.assets.get(), on=date(2026, 3, 2)).label
    assert "2028年2月29日" in label
    assert label in response.text


# --- one request -----------------------------------------------------------------------------------------


def test_another_customers_request_number_is_404(customer_a, customer_b):
    # given a request of customer B
    theirs = register(customer_b)
    client = portal_client(customer_a)
    # when
    page = client.get(f"/portal/requests/{theirs.number}/")
    reply = client.post(f"/portal/requests/{theirs.number}/reply/", {"body": "hello"})
    cancel = client.post(f"/portal/requests/{theirs.number}/cancel/", {"cancel-reason": "x"})
    # then
    assert (page.status_code, reply.status_code, cancel.status_code) == (404, 404, 404)
    assert Comment.objects.filter(ticket=theirs).count() == 0
    theirs.refresh_from_db()
    assert theirs.status == "assigned"


def test_request_page_shows_replies_and_my_messages_but_never_internal_notes(customer_a, specialist_a):
    # given a public reply and an internal note by the specialist, and a message from the customer
    ticket = register(customer_a)
    ticket_reply(ticket=ticket, by=specialist_a, body="请问空调是哪天开始不制冷的？")
    ticket_reply(ticket=ticket, by=specialist_a, body=INTERNAL_NOTE, internal=True)
    portal_client(customer_a).post(f"/portal/requests/{ticket.number}/reply/", {"body": "上周五开始的"})
    # when
    response = portal_client(customer_a).get(f"/portal/requests/{ticket.number}/")
    # then
    assert response.status_code == 200
    assert "请问空调是哪天开始不制冷的？" in response.text
    assert "上周五开始的" in response.text
    assert INTERNAL_NOTE not in response.text
    assert "内部备注" not in response.text


def test_request_page_shows_progress_stages(customer_a):
    # given a request assigned to a specialist
    ticket = register(customer_a)
    # when
    response = portal_client(customer_a).get(f"/portal/requests/{ticket.number}/")
    # then
    stages = [(stage.label, stage.state) for stage in response.context["stages"]]
    assert stages == [
        ("Received", "done"),
        ("Assigned", "current"),
        ("In progress", "todo"),
        ("Resolved", "todo"),
        ("Closed", "todo"),
    ]


def test_request_page_lists_only_files_visible_to_the_customer(customer_a, specialist_a):
    # given one visible and one hidden attachment
    ticket = register(customer_a)
    from aftersales.service.services.attachments import attachment_add

    shown = attachment_add(ticket=ticket, by=specialist_a, upload=SimpleUploadedFile("invoice.png", PNG))
    hidden = attachment_add(ticket=ticket, by=specialist_a, upload=SimpleUploadedFile("cost-sheet.png", PNG))
    Attachment.objects.filter(pk=hidden.pk).update(visible_to_customer=False)
    client = portal_client(customer_a)
    # when
    response = client.get(f"/portal/requests/{ticket.number}/")
    # then
    assert "invoice.png" in response.text
    assert "cost-sheet.png" not in response.text
    download = f"/requests/{ticket.number}/attachments/{shown.pk}/"
    assert f'href="{download}"' in response.text
    assert client.get(download).status_code == 200


# --- new request -----------------------------------------------------------------------------------------


def test_new_request_against_my_asset_is_registered_from_the_portal(customer_a, store_a):
    # given
    asset = customer_a.assets.get()
    # when
    response = portal_client(customer_a).post(
        "/portal/requests/new/",
        {
            "asset": asset.pk,
            "kind": "repair",
            "subject": "空调不制冷",
            "description": "开机后吹热风",
            "attachment": SimpleUploadedFile("photo.png", PNG, content_type="image/png"),
        },
    )
    # then
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response.url == f"/portal/requests/{ticket.number}/"
    assert (ticket.customer, ticket.asset, ticket.store) == (customer_a, asset, store_a)
    assert (ticket.channel, ticket.kind, ticket.subject, ticket.description) == (
        "portal",
        "repair",
        "空调不制冷",
        "开机后吹热风",
    )
    assert ticket.created_by == customer_a.user
    assert ticket.in_warranty is True
    assert list(ticket.attachments.values_list("filename", "content_type")) == [("photo.png", "image/png")]


def test_new_request_without_asset_goes_to_my_home_store(customer_b, store_b):
    # when
    portal_client(customer_b).post(
        "/portal/requests/new/", {"asset": "", "kind": "inquiry", "subject": "保养周期是多久？"}
    )
    # then
    ticket = Ticket.objects.get()
    assert (ticket.store, ticket.asset, ticket.kind) == (store_b, None, "inquiry")


def test_new_request_against_another_customers_asset_is_rejected(customer_a, customer_b):
    # given customer B's asset
    theirs = customer_b.assets.get()
    # when customer A names it
    response = portal_client(customer_a).post(
        "/portal/requests/new/", {"asset": theirs.pk, "kind": "repair", "subject": "偷用别人的资产"}
    )
    # then
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["asset"]
    assert Ticket.objects.count() == 0


def test_new_request_offers_only_my_assets_and_customer_kinds(customer_a):
    # when
    response = portal_client(customer_a).get("/portal/requests/new/")
    # then
    form = response.context["form"]
    assert [a.serial for a in form.fields["asset"].queryset] == ["SN-A-0001"]
    assert [value for value, _label in form.fields["kind"].choices] == [
        "repair",
        "maintenance",
        "installation",
        "return",
        "inquiry",
        "complaint",
    ]


def test_new_request_with_a_disallowed_file_writes_nothing(customer_a):
    # when
    response = portal_client(customer_a).post(
        "/portal/requests/new/",
        {
            "asset": customer_a.assets.get().pk,
            "kind": "repair",
            "subject": "空调不制冷",
            "attachment": SimpleUploadedFile("run.exe", b"MZ\x90\x00" * 10),
        },
    )
    # then
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["attachment"]
    assert Ticket.objects.count() == 0


def test_new_request_with_empty_subject_is_rejected(customer_a):
    # when
    response = portal_client(customer_a).post(
        "/portal/requests/new/", {"asset": customer_a.assets.get().pk, "kind": "repair", "subject": "   "}
    )
    # then
    assert list(response.context["form"].errors) == ["subject"]
    assert Ticket.objects.count() == 0


# --- acting on a request ---------------------------------------------------------------------------------


def test_customer_reply_moves_a_waiting_request_back_in_progress(customer_a):
    # given a request the specialist is waiting on the customer for
    ticket = register(customer_a)
    ticket.refresh_from_db()
    ticket_wait(ticket=ticket, by=ticket.assignee, on="pending_customer")
    # when
    response = portal_client(customer_a).post(
        f"/portal/requests/{ticket.number}/reply/", {"body": "型号是 KFR-35GW"}
    )
    # then
    assert response.status_code == 302
    assert response.url == f"/portal/requests/{ticket.number}/"
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    comment = ticket.comments.get()
    assert (comment.body, comment.from_customer, comment.author, comment.visibility) == (
        "型号是 KFR-35GW",
        True,
        customer_a.user,
        "public",
    )


def test_empty_reply_is_refused_with_a_message(customer_a):
    # given
    ticket = register(customer_a)
    # when
    response = portal_client(customer_a).post(f"/portal/requests/{ticket.number}/reply/", {"body": "  "})
    # then
    assert response.status_code == 400
    assert list(response.context["reply_form"].errors) == ["body"]
    assert ticket.comments.count() == 0


def test_customer_confirms_the_visit_time(customer_a, specialist_a, technician_a):
    # given a visit booked for tomorrow afternoon
    ticket = register(customer_a)
    visit = visit_book(
        ticket=ticket,
        by=specialist_a,
        technician=technician_a,
        window_start=datetime(2026, 3, 3, 14, 0, tzinfo=SHANGHAI),
        window_end=datetime(2026, 3, 3, 16, 0, tzinfo=SHANGHAI),
        address="上海市浦东新区世纪大道 100 号",
    )
    client = portal_client(customer_a)
    page = client.get(f"/portal/requests/{ticket.number}/")
    assert f"/portal/requests/{ticket.number}/visits/{visit.pk}/confirm/" in page.text
    # when
    response = client.post(f"/portal/requests/{ticket.number}/visits/{visit.pk}/confirm/")
    # then
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == Visit.Status.CONFIRMED
    assert ticket.events.filter(type="visit_confirmed", actor=customer_a.user).count() == 1


def test_customer_cannot_confirm_a_visit_of_another_request(customer_a, customer_b, specialist_b, cast):
    # given a visit on customer B's request
    from aftersales.core.testing import make_user

    technician_b = make_user("technician_b", "technician", stores=(cast.store_b,))
    theirs = register(customer_b)
    visit = visit_book(
        ticket=theirs,
        by=specialist_b,
        technician=technician_b,
        window_start=datetime(2026, 3, 3, 14, 0, tzinfo=SHANGHAI),
        window_end=datetime(2026, 3, 3, 16, 0, tzinfo=SHANGHAI),
    )
    mine = register(customer_a)
    # when customer A posts it under their own request number
    response = portal_client(customer_a).post(f"/portal/requests/{mine.number}/visits/{visit.pk}/confirm/")
    # then
    assert response.status_code == 404
    visit.refresh_from_db()
    assert visit.status == Visit.Status.BOOKED


def test_customer_cancels_an_open_request(customer_a):
    # given
    ticket = register(customer_a)
    # when
    response = portal_client(customer_a).post(
        f"/portal/requests/{ticket.number}/cancel/", {"cancel-reason": "已经自己修好了"}
    )
    # then
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "cancelled"
    assert ticket.events.get(type="cancelled").payload == {"reason": "已经自己修好了"}


def test_customer_reopens_a_resolved_request(customer_a, specialist_a):
    # given a resolved request
    ticket = register(customer_a)
    ticket_resolve(ticket=ticket, by=specialist_a, outcome="repair", root_cause="FAN-01")
    page = portal_client(customer_a).get(f"/portal/requests/{ticket.number}/")
    assert page.context["can_reopen"] is True
    assert page.context["can_cancel"] is False
    # when
    response = portal_client(customer_a).post(
        f"/portal/requests/{ticket.number}/reopen/", {"reopen-reason": "又不制冷了"}
    )
    # then
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.reopen_count) == ("reopened", 1)


def test_reopen_without_reason_is_refused(customer_a, specialist_a):
    # given
    ticket = register(customer_a)
    ticket_resolve(ticket=ticket, by=specialist_a, outcome="repair", root_cause="FAN-01")
    # when
    response = portal_client(customer_a).post(
        f"/portal/requests/{ticket.number}/reopen/", {"reopen-reason": ""}
    )
    # then
    assert response.status_code == 400
    assert list(response.context["reopen_form"].errors) == ["reason"]
    ticket.refresh_from_db()
    assert ticket.status == "resolved"


def test_portal_post_without_csrf_token_is_forbidden(customer_a):
    # given a browser session without the CSRF token
    ticket = register(customer_a)
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer_a.user)
    # when
    response = client.post(f"/portal/requests/{ticket.number}/reply/", {"body": "hello"})
    # then
    assert response.status_code == 403
    assert ticket.comments.count() == 0


def test_portal_actions_refuse_get(customer_a):
    # given
    ticket = register(customer_a)
    client = portal_client(customer_a)
    # when
    responses = [
        client.get(f"/portal/requests/{ticket.number}/reply/"),
        client.get(f"/portal/requests/{ticket.number}/cancel/"),
        client.get(f"/portal/requests/{ticket.number}/reopen/"),
    ]
    # then
    assert [r.status_code for r in responses] == [405, 405, 405]
    ticket.refresh_from_db()
    assert ticket.status == "assigned"


def test_new_request_form_preselects_my_product_from_the_link(customer_a, customer_b):
    # given the "request service" link of customer A's product, and a forged one with B's product
    mine, theirs = customer_a.assets.get(), customer_b.assets.get()
    client = portal_client(customer_a)
    # when
    own = client.get(f"/portal/requests/new/?asset={mine.pk}")
    forged = client.get(f"/portal/requests/new/?asset={theirs.pk}")
    # then
    assert own.context["form"].fields["asset"].initial == mine.pk
    assert forged.context["form"].fields["asset"].initial == mine.pk  # the only own asset, not B's
    assert "SN-B-0001" not in forged.text
