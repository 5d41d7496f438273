"""The workspace: queue tabs, filters, SLA countdown, nearest due first, constant query count."""

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from aftersales.service.services.tickets import ticket_register, ticket_wait

pytestmark = pytest.mark.django_db

WORKSPACE = reverse("service:workspace")


@pytest.fixture
def en_client():
    return Client(headers={"accept-language": "en"})


def register(by, store, customer, subject="发动机异响", **extra):
    return ticket_register(by=by, store=store, customer=customer, channel="phone", subject=subject, **extra)


def numbers(response) -> list[str]:
    return [ticket.number for ticket in response.context["page"].object_list]


def test_anonymous_visitor_is_sent_to_sign_in(en_client):
    # given nobody signed in
    # when
    response = en_client.get(WORKSPACE)
    # then
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={WORKSPACE}"


def test_portal_customer_gets_403(en_client, customer_a):
    # given a customer signed in to the portal
    en_client.force_login(customer_a.user)
    # when
    response = en_client.get(WORKSPACE)
    # then
    assert response.status_code == 403


def test_home_sends_staff_to_workspace_and_customers_to_portal(en_client, specialist_a, customer_a):
    # given / when
    en_client.force_login(specialist_a)
    staff = en_client.get("/")
    en_client.force_login(customer_a.user)
    customer = en_client.get("/")
    # then
    assert staff["Location"] == WORKSPACE
    assert customer["Location"] == reverse("customers:portal_home")


def test_team_queue_shows_only_own_store_tickets(
    en_client,
    specialist_a,
    specialist_b,
    customer_a,
    customer_b,
    store_a,
    store_b,
    default_policy,
    frozen_clock,
):
    # given one request in each store
    frozen_clock(datetime(2026, 3, 2, 10))
    mine = register(specialist_a, store_a, customer_a)
    register(specialist_b, store_b, customer_b)
    en_client.force_login(specialist_a)
    # when
    response = en_client.get(WORKSPACE, {"queue": "team"})
    # then
    assert response.status_code == 200
    assert numbers(response) == [mine.number]
    assert response.context["tabs"] == [
        ("mine", "My queue", 1),
        ("team", "Team queue", 1),
        ("unassigned", "Unassigned", 0),
    ]


def test_queues_split_mine_and_unassigned(
    en_client, specialist_a, manager_a, customer_a, store_a, default_policy, frozen_clock
):
    # given one request auto-assigned to specialist_a and one left unassigned
    frozen_clock(datetime(2026, 3, 2, 10))
    assigned = register(specialist_a, store_a, customer_a, subject="已分派")
    waiting = register(specialist_a, store_a, customer_a, subject="未分派", auto_assign=False)
    en_client.force_login(specialist_a)
    # when
    mine = en_client.get(WORKSPACE, {"queue": "mine"})
    unassigned = en_client.get(WORKSPACE, {"queue": "unassigned"})
    en_client.force_login(manager_a)
    managers_own = en_client.get(WORKSPACE)
    # then
    assert numbers(mine) == [assigned.number]
    assert numbers(unassigned) == [waiting.number]
    assert numbers(managers_own) == []


def test_rows_sorted_by_nearest_due_time_paused_last(
    en_client, specialist_a, customer_a, store_a, default_policy, frozen_clock
):
    # given three requests registered an hour apart, the oldest one waiting on parts
    frozen_clock(datetime(2026, 3, 2, 9))
    oldest = register(specialist_a, store_a, customer_a, subject="一")
    frozen_clock.advance(hours=1)
    middle = register(specialist_a, store_a, customer_a, subject="二")
    frozen_clock.advance(hours=1)
    newest = register(specialist_a, store_a, customer_a, subject="三")
    ticket_wait(ticket=oldest, by=specialist_a, on="pending_parts")
    en_client.force_login(specialist_a)
    # when
    response = en_client.get(WORKSPACE, {"queue": "team"})
    # then
    assert numbers(response) == [middle.number, newest.number, oldest.number]
    html = response.content.decode()
    assert '<span class="sla sla-ok">23 h 00 min left</span>' in html
    assert '<span class="sla sla-paused">paused</span>' in html


def test_overdue_request_shows_how_late(
    en_client, specialist_a, customer_a, store_a, default_policy, frozen_clock
):
    # given a request whose 24 h first-response target passed 3 hours ago
    frozen_clock(datetime(2026, 3, 2, 9))
    register(specialist_a, store_a, customer_a)
    frozen_clock.advance(hours=27)
    en_client.force_login(specialist_a)
    # when
    response = en_client.get(WORKSPACE)
    # then
    assert '<span class="sla sla-breached">overdue 3 h 00 min</span>' in response.content.decode()


def test_filters_narrow_the_rows(en_client, specialist_a, customer_a, store_a, default_policy, frozen_clock):
    # given an urgent request about the brakes and a normal one about the engine
    frozen_clock(datetime(2026, 3, 2, 9))
    brakes = register(specialist_a, store_a, customer_a, subject="刹车异响", priority="urgent")
    register(specialist_a, store_a, customer_a, subject="发动机异响")
    en_client.force_login(specialist_a)
    # when
    by_priority = en_client.get(WORKSPACE, {"queue": "team", "priority": "urgent"})
    by_text = en_client.get(WORKSPACE, {"queue": "team", "q": "刹车"})
    by_number = en_client.get(WORKSPACE, {"queue": "team", "q": brakes.number})
    by_customer = en_client.get(
        WORKSPACE, {"queue": "team", "q": "孙先生", "kind": "repair", "channel": "phone"}
    )
    none = en_client.get(WORKSPACE, {"queue": "team", "channel": "email"})
    # then
    assert numbers(by_priority) == [brakes.number]
    assert numbers(by_text) == [brakes.number]
    assert numbers(by_number) == [brakes.number]
    assert len(numbers(by_customer)) == 2
    assert numbers(none) == []
    assert "No request matches these filters." in none.content.decode()


def test_status_filter_reaches_closed_requests(
    en_client, specialist_a, customer_a, store_a, default_policy, frozen_clock
):
    # given a cancelled request
    from aftersales.service.services.tickets import ticket_cancel

    frozen_clock(datetime(2026, 3, 2, 9))
    ticket = register(specialist_a, store_a, customer_a)
    ticket_cancel(ticket=ticket, by=specialist_a, reason="客户撤回")
    en_client.force_login(specialist_a)
    # when
    default = en_client.get(WORKSPACE, {"queue": "team"})
    cancelled = en_client.get(WORKSPACE, {"queue": "team", "status": "cancelled"})
    # then
    assert numbers(default) == []
    assert numbers(cancelled) == [ticket.number]


def test_htmx_filter_returns_only_the_table(en_client, specialist_a, customer_a, store_a, default_policy):
    # given
    register(specialist_a, store_a, customer_a)
    en_client.force_login(specialist_a)
    # when
    response = en_client.get(
        WORKSPACE, {"queue": "team"}, headers={"hx-request": "true", "hx-target": "ticket-table"}
    )
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="ticket-table"')
    assert '<nav id="queue-tabs" class="tabs" aria-label="Queues" hx-swap-oob="true">' in html
    assert "<html" not in html


def test_pages_hold_25_rows(en_client, specialist_a, customer_a, store_a, default_policy):
    # given 26 open requests
    for index in range(26):
        register(specialist_a, store_a, customer_a, subject=f"请求 {index}", auto_assign=False)
    en_client.force_login(specialist_a)
    # when
    first = en_client.get(WORKSPACE, {"queue": "unassigned"})
    second = en_client.get(WORKSPACE, {"queue": "unassigned", "page": 2})
    # then
    assert len(numbers(first)) == 25
    assert len(numbers(second)) == 1


def test_query_count_does_not_grow_with_the_rows(
    en_client, specialist_a, customer_a, store_a, default_policy, django_assert_num_queries
):
    # given 5 requests, then 30
    en_client.force_login(specialist_a)
    for index in range(5):
        register(specialist_a, store_a, customer_a, subject=f"请求 {index}")
    # when / then: session, user, the user's stores, tab counts, page count, page rows
    with django_assert_num_queries(6):
        five = en_client.get(WORKSPACE, {"queue": "team"})
    for index in range(25):
        register(specialist_a, store_a, customer_a, subject=f"请求 {index + 5}")
    with django_assert_num_queries(6):
        thirty = en_client.get(WORKSPACE, {"queue": "team"})
    assert len(numbers(five)) == 5
    assert len(numbers(thirty)) == 25
    assert thirty.context["page"].paginator.count == 30
