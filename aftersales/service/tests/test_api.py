"""The service request API: register, list, read and act on requests; store isolation; portal customers."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.core import mail

from aftersales.accounts.models import Role
from aftersales.api.testing import api_client, get, post
from aftersales.core import testing
from aftersales.service.models import Comment, PartUsage, Ticket, TicketEvent, Visit
from aftersales.service.services.tickets import ticket_register, ticket_reply, ticket_resolve

MONDAY_10 = datetime(2026, 3, 2, 10, 0)


@pytest.fixture
def now(frozen_clock):
    return frozen_clock(MONDAY_10)


def register(by, customer, *, subject="发动机异响", **fields) -> Ticket:
    return ticket_register(
        by=by, store=customer.home_store, customer=customer, channel="phone", subject=subject, **fields
    )


# --- register -------------------------------------------------------------------------------------------


def test_create_returns_201_with_number_and_auto_assignment(
    specialist_a, customer_a, asset_a, now, django_capture_on_commit_callbacks
):
    # given
    client = api_client(specialist_a)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client,
            "/requests",
            {
                "customer": customer_a.pk,
                "asset": asset_a.pk,
                "subject": "发动机异响",
                "description": "冷车启动时",
            },
        )

    # then
    assert response.status_code == 201
    body = response.json()
    ticket = Ticket.objects.get()
    assert body["number"] == ticket.number == f"SR2603-{ticket.pk:06d}"
    assert body["status"] == "assigned"
    assert body["channel"] == "api"
    assert body["assignee"] == {"id": specialist_a.pk, "name": "张专员"}
    assert body["store"] == {"code": "store-a", "name": "A 店 · 浦东"}
    assert body["customer"] == {"id": customer_a.pk, "name": "孙先生"}
    assert body["asset"] == {
        "id": asset_a.pk,
        "serial": "SN-A-0001",
        "product_model": {"code": "ev-s1", "name": "EV S1"},
    }
    assert body["in_warranty"] is True
    assert [event["type"] for event in body["events"]] == ["created", "assigned"]
    assert sorted(message.to[0] for message in mail.outbox) == [
        "customer_a@example.com",
        "specialist_a@example.com",
    ]


def test_create_is_a_fixed_number_of_queries(
    specialist_a, customer_a, asset_a, now, django_assert_num_queries
):
    """The creation path is the API's hottest: a query more per request is a visible loss of
    throughput (docs/benchmarks.md), so the count is pinned."""
    # given
    client = api_client(specialist_a)
    get(client, "/requests")  # the first call stamps the token's last use
    body = {"customer": customer_a.pk, "asset": asset_a.pk, "subject": "异响", "fault_category": "engine"}

    # when / then: the first creation after a change of reference data (the fixtures wrote some) reads
    # it: the token with its user, the viewer's stores and the reference version; the asset with its
    # customer, then the product model, the store and the fault category; savepoint; the coverage and
    # its warranty policy, the SLA policies, the specialists with their loads; the id (PostgreSQL's
    # sequence) and the row, or on SQLite the row and its number; both events; the KPI day's stale mark
    # (one INSERT, ADR 0009); release. (The mails are queued after the commit, one row for both.)
    with django_assert_num_queries(15):
        response = post(client, "/requests", body)
    assert response.status_code == 201

    # when / then: every later one has them cached (ADR 0011): the product model, the store, the fault
    # category, the warranty policy and the SLA policies are not read
    with django_assert_num_queries(10):
        response = post(client, "/requests", body)
    assert response.status_code == 201
    assert [event["type"] for event in response.json()["events"]] == ["created", "assigned"]


def test_create_with_unknown_customer_is_400_naming_the_field(specialist_a, now):
    # given
    client = api_client(specialist_a)

    # when
    response = post(client, "/requests", {"customer": 999999, "subject": "异响"})

    # then
    assert response.status_code == 400
    assert response.json() == {
        "message": "There is no customer 999999 you may register requests for (customer).",
        "extra": {"field": "customer"},
    }
    assert not Ticket.objects.exists()


def test_create_for_a_customer_of_another_store_is_400(specialist_a, customer_b, now):
    # given
    client = api_client(specialist_a)

    # when
    response = post(client, "/requests", {"customer": customer_b.pk, "subject": "异响"})

    # then
    assert response.status_code == 400
    assert response.json()["extra"] == {"field": "customer"}


def test_create_for_a_customer_of_another_store_with_their_asset_is_400_field_customer(
    specialist_a, customer_b, asset_b, now
):
    """The asset is read with its customer, which then stands for the customer's read: the customer's
    visibility is still checked first."""
    # given
    client = api_client(specialist_a)

    # when
    response = post(client, "/requests", {"customer": customer_b.pk, "asset": asset_b.pk, "subject": "异响"})

    # then
    assert response.status_code == 400
    assert response.json() == {
        "message": f"There is no customer {customer_b.pk} you may register requests for (customer).",
        "extra": {"field": "customer"},
    }
    assert not Ticket.objects.exists()


def test_create_with_asset_of_another_customer_is_400_field_asset(specialist_a, customer_a, store_a, now):
    # given
    other = testing.make_customer(store_a, "customer_c", name="吴先生", serial="SN-C-0001")
    client = api_client(specialist_a)

    # when
    response = post(
        client, "/requests", {"customer": customer_a.pk, "asset": other.assets.get().pk, "subject": "异响"}
    )

    # then
    assert response.status_code == 400
    assert response.json() == {
        "message": "Asset SN-C-0001 does not belong to 孙先生.",
        "extra": {"field": "asset"},
    }


def test_create_with_an_unknown_asset_is_400_field_asset_and_writes_nothing(specialist_a, customer_a, now):
    response = post(
        api_client(specialist_a), "/requests", {"customer": customer_a.pk, "asset": 999999, "subject": "异响"}
    )
    assert response.status_code == 400
    assert response.json()["extra"] == {"field": "asset"}
    assert response.json()["message"] == "There is no asset 999999 (asset)."
    assert not Ticket.objects.exists()


def test_create_with_empty_subject_is_400_field_subject(specialist_a, customer_a, now):
    # given
    client = api_client(specialist_a)

    # when
    response = post(client, "/requests", {"customer": customer_a.pk, "subject": "   "})

    # then
    assert response.status_code == 400
    assert response.json() == {
        "message": "Say in a few words what the request is about.",
        "extra": {"field": "subject"},
    }


def test_create_with_unknown_kind_is_422(specialist_a, customer_a, now):
    # given
    client = api_client(specialist_a)

    # when
    response = post(client, "/requests", {"customer": customer_a.pk, "subject": "异响", "kind": "magic"})

    # then
    assert response.status_code == 422
    [error] = response.json()["extra"]["errors"]
    assert error["field"] == "body.kind"


def test_create_for_a_store_the_specialist_does_not_work_in_is_403(specialist_a, customer_a, now):
    # given
    client = api_client(specialist_a)

    # when
    response = post(client, "/requests", {"customer": customer_a.pk, "subject": "异响", "store": "store-b"})

    # then
    assert response.status_code == 403
    assert response.json() == {
        "message": "You may only register requests for your own store.",
        "extra": {"field": "store"},
    }


# --- lifecycle ------------------------------------------------------------------------------------------


def test_closing_a_new_request_is_409(specialist_a, manager_a, customer_a, now):
    # given: nobody on duty, so the request stays new
    specialist_a.on_duty = False
    specialist_a.save()
    ticket = register(None, customer_a)
    client = api_client(manager_a)

    # when
    response = post(client, f"/requests/{ticket.number}/close")

    # then
    assert response.status_code == 409
    assert response.json() == {
        "message": "A request that is new cannot become closed.",
        "extra": {"field": "status", "from": "new", "to": "closed"},
    }
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_specialist_works_a_request_from_start_to_close(
    specialist_a, technician_a, customer_a, now, frozen_clock
):
    # given
    ticket = register(specialist_a, customer_a, asset=customer_a.assets.get())
    client = api_client(specialist_a)
    path = f"/requests/{ticket.number}"

    # when / then
    assert post(client, f"{path}/start").json()["status"] == "in_progress"
    assert post(client, f"{path}/log-call", {"summary": "约好上门"}).json()["status"] == "in_progress"
    assert (
        post(client, f"{path}/wait", {"on": "pending_parts", "note": "等配件"}).json()["status"]
        == "pending_parts"
    )
    frozen_clock.advance(hours=1)
    assert post(client, f"{path}/resume").json()["status"] == "in_progress"
    visit = post(
        client,
        f"{path}/visits",
        {"technician": technician_a.pk, "window_start": "2026-03-03T09:00", "window_end": "2026-03-03T11:00"},
    )
    assert visit.status_code == 201
    assert visit.json()["window_start"] == "2026-03-03T09:00:00+08:00"
    assert visit.json()["technician"] == {"id": technician_a.pk, "name": "王技师"}
    part = post(client, f"{path}/parts", {"part_number": "eng-001", "quantity": "2", "unit_cost": "150.50"})
    assert part.status_code == 201
    assert part.json()["part_number"] == "ENG-001"
    assert part.json()["covered_percent"] == 100
    resolved = post(
        client, f"{path}/resolve", {"outcome": "repair", "root_cause": "belt", "labour_hours": "1.5"}
    )
    assert resolved.status_code == 200
    assert resolved.json()["status"] == "resolved"
    assert resolved.json()["root_cause"] == "belt"
    assert post(client, f"{path}/close").json()["status"] == "closed"
    reopened = post(client, f"{path}/reopen", {"reason": "又响了"})
    assert reopened.json()["status"] == "reopened"
    assert reopened.json()["reopen_count"] == 1

    # then
    detail = get(client, path).json()
    assert [visit["status"] for visit in detail["visits"]] == ["booked"]
    assert [(part["part_number"], part["quantity"]) for part in detail["parts"]] == [("ENG-001", "2.00")]
    assert Visit.objects.get().ticket == ticket
    assert PartUsage.objects.get().quantity == Decimal("2.00")


def test_negative_part_quantity_is_400_field_quantity(specialist_a, customer_a, now):
    # given
    ticket = register(specialist_a, customer_a)
    client = api_client(specialist_a)

    # when
    response = post(
        client,
        f"/requests/{ticket.number}/parts",
        {"part_number": "ENG-001", "quantity": "-1", "unit_cost": "10"},
    )

    # then
    assert response.status_code == 400
    assert response.json() == {
        "message": "The quantity must be more than zero.",
        "extra": {"field": "quantity"},
    }
    assert not PartUsage.objects.exists()


def test_visit_in_the_past_is_400_field_window_start(specialist_a, technician_a, customer_a, now):
    # given
    ticket = register(specialist_a, customer_a)
    client = api_client(specialist_a)

    # when
    response = post(
        client,
        f"/requests/{ticket.number}/visits",
        {"technician": technician_a.pk, "window_start": "2026-03-02T09:00", "window_end": "2026-03-02T11:00"},
    )

    # then
    assert response.status_code == 400
    assert response.json() == {
        "message": "The visit window starts in the past.",
        "extra": {"field": "window_start"},
    }


def test_visit_with_unknown_technician_is_400_field_technician(specialist_a, customer_a, now):
    # given
    ticket = register(specialist_a, customer_a)
    client = api_client(specialist_a)

    # when
    response = post(
        client,
        f"/requests/{ticket.number}/visits",
        {"technician": 999999, "window_start": "2026-03-03T09:00", "window_end": "2026-03-03T11:00"},
    )

    # then
    assert response.status_code == 400
    assert response.json()["extra"] == {"field": "technician"}


def test_manager_reassigns_with_a_reason(manager_a, specialist_a, store_a, customer_a, now):
    # given
    other = testing.make_user("specialist_a2", Role.SPECIALIST, stores=(store_a,), display_name="陈专员")
    ticket = register(None, customer_a)
    assert ticket.assignee is not None
    previous = ticket.assignee
    target = other if previous == specialist_a else specialist_a
    client = api_client(manager_a)

    # when
    response = post(
        client, f"/requests/{ticket.number}/assign", {"assignee": target.pk, "reason": "熟悉车型"}
    )

    # then
    assert response.status_code == 200
    assert response.json()["assignee"]["id"] == target.pk
    event = TicketEvent.objects.filter(ticket=ticket, type="assigned").last()
    assert event.payload == {
        "assignee": target.pk,
        "previous": previous.pk,
        "reason": "熟悉车型",
        "automatic": False,
    }


def test_specialist_may_not_assign(specialist_a, customer_a, now):
    # given
    ticket = register(None, customer_a)
    client = api_client(specialist_a)

    # when
    response = post(
        client, f"/requests/{ticket.number}/assign", {"assignee": specialist_a.pk, "reason": "我来"}
    )

    # then
    assert response.status_code == 403
    assert response.json() == {"message": "Only a manager of this store may do that.", "extra": {}}


def test_internal_note_is_not_mailed_but_a_reply_is(
    specialist_a, customer_a, now, django_capture_on_commit_callbacks
):
    # given
    ticket = register(specialist_a, customer_a)
    client = api_client(specialist_a)
    mail.outbox.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        note = post(client, f"/requests/{ticket.number}/reply", {"body": "客户脾气急", "internal": True})
    with django_capture_on_commit_callbacks(execute=True):
        reply = post(client, f"/requests/{ticket.number}/comments", {"body": "您好，我们明天上门"})

    # then
    assert note.status_code == 201
    assert note.json()["visibility"] == "internal"
    assert reply.status_code == 201
    assert reply.json()["visibility"] == "public"
    assert [message.to for message in mail.outbox] == [["customer_a@example.com"]]
    assert mail.outbox[0].body.startswith("您好，我们明天上门")


# --- lists ----------------------------------------------------------------------------------------------


def test_list_filters(specialist_a, executive, customer_a, customer_b, frozen_clock):
    # given
    frozen_clock(datetime(2026, 3, 1, 10))
    early = register(executive, customer_a, subject="早", kind="maintenance")
    frozen_clock(MONDAY_10)
    mine = register(executive, customer_a, subject="刹车异响", priority="high")
    other_store = register(executive, customer_b, subject="B 店")
    client = api_client(executive)

    def numbers(**params):
        response = get(client, "/requests", **params)
        assert response.status_code == 200, response.content
        return [item["number"] for item in response.json()["items"]]

    # then
    assert numbers() == [other_store.number, mine.number, early.number]
    assert numbers(store="store-a") == [mine.number, early.number]
    assert numbers(kind="maintenance") == [early.number]
    assert numbers(priority="high") == [mine.number]
    assert numbers(status=["assigned"], store="store-b") == [other_store.number]
    assert numbers(customer=customer_b.pk) == [other_store.number]
    assert numbers(q="刹车") == [mine.number]
    assert numbers(q="SN-A-0001") == []
    assert numbers(created_after="2026-03-02") == [other_store.number, mine.number]
    assert numbers(created_before="2026-03-02") == [early.number]
    assert numbers(assignee="me") == []
    assert numbers(channel="api") == []
    assert numbers(assignee=str(specialist_a.pk)) == [mine.number, early.number]


def test_list_assignee_me(specialist_a, customer_a, now):
    # given
    ticket = register(None, customer_a)
    client = api_client(specialist_a)

    # when
    response = get(client, "/requests", assignee="me")

    # then
    assert [item["number"] for item in response.json()["items"]] == [ticket.number]
    assert ticket.assignee == specialist_a


def test_list_is_paginated(specialist_a, customer_a, now):
    # given
    tickets = [register(None, customer_a, subject=f"#{i}") for i in range(3)]
    client = api_client(specialist_a)

    # when
    response = get(client, "/requests", page=2, page_size=2)

    # then
    assert response.json() == {
        "items": [response.json()["items"][0]],
        "count": 3,
        "page": 2,
        "page_size": 2,
        "pages": 2,
    }
    assert response.json()["items"][0]["number"] == tickets[0].number


# "page_number", not "page": that is pytest-playwright's fixture, whose browser parameter would group these
# tests with the browser tests and run those (which empty the database) before other database tests.
@pytest.mark.parametrize("page_number", ["99999", "10000000000000000000000000000000"])
def test_huge_page_number_is_an_empty_page(specialist_a, customer_a, now, page_number):
    # given
    register(None, customer_a)
    client = api_client(specialist_a)

    # when
    response = get(client, "/requests", page=page_number)

    # then
    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 1, "page": int(page_number), "page_size": 25, "pages": 1}


@pytest.mark.parametrize("page_number", ["0", "-1", "x"])
def test_invalid_page_number_is_422(specialist_a, now, page_number):
    # given
    client = api_client(specialist_a)

    # when
    response = get(client, "/requests", page=page_number)

    # then
    assert response.status_code == 422
    assert response.json()["extra"]["errors"][0]["field"] == "query.page"


def test_list_is_a_constant_number_of_queries(
    specialist_a, technician_a, customer_a, now, django_assert_num_queries
):
    # given
    asset = customer_a.assets.get()
    for i in range(5):
        register(None, customer_a, subject=f"#{i}", asset=asset)
    client = api_client(specialist_a)
    get(client, "/requests")  # the first call stamps the token's last use

    # when / then: the token with the viewer's stores, the count, the page
    with django_assert_num_queries(3):
        response = get(client, "/requests")
    assert len(response.json()["items"]) == 5

    # given
    for i in range(20):
        register(None, customer_a, subject=f"#{i + 5}", asset=asset)

    # when / then
    with django_assert_num_queries(3):
        response = get(client, "/requests")
    assert len(response.json()["items"]) == 25
    assert {item["assignee"]["name"] for item in response.json()["items"]} == {"张专员"}


# --- store isolation ------------------------------------------------------------------------------------

ACTIONS = [
    ("assign", {"assignee": 1, "reason": "x"}),
    ("start", {}),
    ("reply", {"body": "x"}),
    ("log-call", {"summary": "x"}),
    ("wait", {"on": "pending_customer"}),
    ("resume", {}),
    ("visits", {"technician": 1, "window_start": "2026-03-03T09:00", "window_end": "2026-03-03T10:00"}),
    ("parts", {"part_number": "P-1", "quantity": "1", "unit_cost": "1"}),
    ("resolve", {"outcome": "advice"}),
    ("close", {}),
    ("reopen", {"reason": "x"}),
    ("cancel", {"reason": "x"}),
    ("comments", {"body": "x"}),
]


def test_specialist_of_another_store_gets_404_on_read(specialist_b, customer_a, now):
    # given
    ticket = register(None, customer_a)
    client = api_client(specialist_b)

    # when
    detail = get(client, f"/requests/{ticket.number}")
    comments = get(client, f"/requests/{ticket.number}/comments")

    # then
    assert detail.status_code == 404
    assert detail.json() == {"message": "Not found", "extra": {}}
    assert comments.status_code == 404


@pytest.mark.parametrize(("action", "body"), ACTIONS, ids=[action for action, _ in ACTIONS])
def test_specialist_of_another_store_gets_404_on_every_action(specialist_b, customer_a, now, action, body):
    # given
    ticket = register(None, customer_a)
    events = ticket.events.count()
    client = api_client(specialist_b)

    # when
    response = post(client, f"/requests/{ticket.number}/{action}", body)

    # then
    assert response.status_code == 404
    assert response.json() == {"message": "Not found", "extra": {}}
    assert ticket.events.count() == events


def test_list_never_shows_another_stores_requests(specialist_b, customer_a, customer_b, now):
    # given
    register(None, customer_a)
    own = register(None, customer_b)
    client = api_client(specialist_b)

    # when
    everything = get(client, "/requests")
    asked_for_a = get(client, "/requests", store="store-a")
    by_customer = get(client, "/requests", customer=customer_a.pk)

    # then
    assert [item["number"] for item in everything.json()["items"]] == [own.number]
    assert everything.json()["count"] == 1
    assert asked_for_a.json()["items"] == []
    assert by_customer.json()["items"] == []


def test_executive_sees_every_store(executive, customer_a, customer_b, now):
    # given
    a, b = register(None, customer_a), register(None, customer_b)
    client = api_client(executive)

    # when
    response = get(client, "/requests")

    # then
    assert [item["number"] for item in response.json()["items"]] == [b.number, a.number]


# --- portal customers -----------------------------------------------------------------------------------


def test_customer_registers_a_request_for_their_own_asset(customer_a, asset_a, specialist_a, now):
    # given
    client = api_client(customer_a.user)

    # when
    response = post(client, "/requests", {"asset": asset_a.pk, "subject": "空调不制冷"})

    # then
    assert response.status_code == 201
    ticket = Ticket.objects.get()
    assert (ticket.customer, ticket.asset, ticket.store.code, ticket.channel) == (
        customer_a,
        asset_a,
        "store-a",
        "api",
    )
    assert ticket.created_by == customer_a.user
    assert response.json()["events"][0]["payload"] == {}


def test_customer_cannot_register_against_another_customers_asset(customer_a, asset_b, now):
    # given
    client = api_client(customer_a.user)

    # when
    response = post(client, "/requests", {"asset": asset_b.pk, "subject": "空调不制冷"})

    # then
    assert response.status_code == 400
    assert response.json() == {
        "message": f"There is no asset {asset_b.pk} (asset).",
        "extra": {"field": "asset"},
    }
    assert not Ticket.objects.exists()


def test_customer_cannot_register_for_another_customer(customer_a, customer_b, now):
    # given
    client = api_client(customer_a.user)

    # when
    response = post(client, "/requests", {"customer": customer_b.pk, "subject": "x"})

    # then
    assert response.status_code == 400
    assert response.json()["extra"] == {"field": "customer"}


def test_customer_may_not_set_the_priority(customer_a, now):
    # given
    client = api_client(customer_a.user)

    # when
    response = post(client, "/requests", {"subject": "x", "priority": "urgent"})

    # then
    assert response.status_code == 403
    assert response.json() == {
        "message": "Only staff may set the priority of a request.",
        "extra": {"field": "priority"},
    }


def test_customer_sees_own_requests_only(customer_a, customer_b, now):
    # given
    own = register(None, customer_a)
    other = register(None, customer_b)
    client = api_client(customer_a.user)

    # when
    listed = get(client, "/requests")
    others = get(client, f"/requests/{other.number}")

    # then
    assert [item["number"] for item in listed.json()["items"]] == [own.number]
    assert others.status_code == 404


def test_customer_never_sees_internal_notes(specialist_a, customer_a, now):
    # given
    ticket = register(None, customer_a)
    ticket_reply(ticket=ticket, by=specialist_a, body="客户脾气急", internal=True)
    ticket_reply(ticket=ticket, by=specialist_a, body="您好，我们明天上门")
    client = api_client(customer_a.user)

    # when
    detail = get(client, f"/requests/{ticket.number}").json()
    comments = get(client, f"/requests/{ticket.number}/comments").json()

    # then
    assert [comment["body"] for comment in detail["comments"]] == ["您好，我们明天上门"]
    assert [comment["body"] for comment in comments] == ["您好，我们明天上门"]
    assert "note_added" not in [event["type"] for event in detail["events"]]
    assert all(event["payload"] == {} for event in detail["events"])
    assert Comment.objects.filter(ticket=ticket).count() == 2


def test_staff_see_internal_notes(specialist_a, customer_a, now):
    # given
    ticket = register(None, customer_a)
    ticket_reply(ticket=ticket, by=specialist_a, body="客户脾气急", internal=True)
    client = api_client(specialist_a)

    # when
    detail = get(client, f"/requests/{ticket.number}").json()

    # then
    assert [(c["body"], c["visibility"]) for c in detail["comments"]] == [("客户脾气急", "internal")]
    assert "note_added" in [event["type"] for event in detail["events"]]


def test_customer_replies_reopens_and_cancels(specialist_a, customer_a, now):
    # given
    ticket = register(None, customer_a)
    ticket_resolve(ticket=ticket, by=specialist_a, outcome="advice")
    client = api_client(customer_a.user)
    path = f"/requests/{ticket.number}"

    # when
    reply = post(client, f"{path}/reply", {"body": "还是不行"})
    reopened = post(client, f"{path}/reopen", {"reason": "问题依旧"})
    cancelled = post(client, f"{path}/cancel", {"reason": "自己修好了"})

    # then
    assert reply.status_code == 201
    assert reply.json()["from_customer"] is True
    assert reopened.json()["status"] == "reopened"
    assert cancelled.json()["status"] == "cancelled"


def test_customer_cannot_write_internal_notes_or_work_the_request(customer_a, now):
    # given
    ticket = register(None, customer_a)
    client = api_client(customer_a.user)

    # when
    note = post(client, f"/requests/{ticket.number}/reply", {"body": "x", "internal": True})
    start = post(client, f"/requests/{ticket.number}/start")

    # then
    assert note.status_code == 403
    assert note.json() == {"message": "Internal notes are for staff.", "extra": {"field": "internal"}}
    assert start.status_code == 403
    assert start.json() == {"message": "You may not work on this service request.", "extra": {}}


def test_staff_reads_of_personal_data_are_logged_customers_own_are_not(
    specialist_a, customer_a, asset_a, now
):
    # given
    from aftersales.customers.models import CustomerAccess

    ticket = ticket_register(
        by=specialist_a,
        store=specialist_a.stores.get(),
        customer=customer_a,
        asset=asset_a,
        channel="phone",
        subject="异响",
    )
    # when staff read the request and the customer, and the customer reads their own request
    assert get(api_client(specialist_a), f"/requests/{ticket.number}").status_code == 200
    assert get(api_client(specialist_a), f"/customers/{customer_a.pk}").status_code == 200
    assert get(api_client(customer_a.user), f"/requests/{ticket.number}").status_code == 200
    # then
    assert sorted(CustomerAccess.objects.values_list("viewer__username", "purpose")) == [
        ("specialist_a", f"api: {ticket.number}"),
        ("specialist_a", "api: customer"),
    ]
