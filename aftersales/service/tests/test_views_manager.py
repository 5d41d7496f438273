"""The manager overview: per store counts, unassigned, at-risk and breached lists, team load, reassign."""

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from aftersales.service.models import Ticket, TicketEvent
from aftersales.service.services.tickets import ticket_register, ticket_wait

pytestmark = pytest.mark.django_db

MANAGER = reverse("service:manager")


def client_for(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def register(by, store, customer, subject, **extra):
    return ticket_register(by=by, store=store, customer=customer, channel="phone", subject=subject, **extra)


@pytest.fixture
def requests_a(specialist_a, customer_a, store_a, default_policy, frozen_clock):
    """Store A on 3 March 13:00: one request 25 h old (breached), one 20 h old (at risk: past 75 % of
    24 h), one fresh and unassigned, one waiting on parts."""
    frozen_clock(datetime(2026, 3, 2, 12))
    late = register(specialist_a, store_a, customer_a, "超时")
    frozen_clock(datetime(2026, 3, 2, 17))
    risky = register(specialist_a, store_a, customer_a, "有风险")
    frozen_clock(datetime(2026, 3, 3, 12))
    waiting = register(specialist_a, store_a, customer_a, "等配件")
    ticket_wait(ticket=waiting, by=specialist_a, on="pending_parts")
    fresh = register(specialist_a, store_a, customer_a, "未分派", auto_assign=False)
    frozen_clock(datetime(2026, 3, 3, 13))
    return {"late": late, "risky": risky, "waiting": waiting, "fresh": fresh}


def test_specialist_gets_403(specialist_a):
    # given / when
    response = client_for(specialist_a).get(MANAGER)
    # then
    assert response.status_code == 403


def test_specialist_cannot_reassign_either(specialist_a, technician_a, requests_a):
    # given / when
    response = client_for(specialist_a).post(
        reverse("service:manager_assign", args=[requests_a["late"].number]),
        {"assignee": technician_a.pk, "reason": "x"},
    )
    # then
    assert response.status_code == 403
    assert Ticket.objects.get(pk=requests_a["late"].pk).assignee_id != technician_a.pk


def test_store_manager_sees_their_store(
    manager_a, specialist_a, requests_a, specialist_b, customer_b, store_b
):
    # given a request in store B too
    register(specialist_b, store_b, customer_b, "B 店")
    # when
    response = client_for(manager_a).get(MANAGER)
    # then
    (overview,) = response.context["overviews"]
    assert response.status_code == 200
    assert overview.store.code == "store-a"
    assert overview.open_total == 4
    assert overview.by_status == [
        ("new", "new", 1),
        ("assigned", "assigned", 2),
        ("pending_parts", "pending parts", 1),
    ]
    assert [ticket.number for ticket in overview.breached] == [requests_a["late"].number]
    assert [ticket.number for ticket in overview.at_risk] == [requests_a["risky"].number]
    assert [ticket.number for ticket in overview.unassigned] == [requests_a["fresh"].number]
    loads = {load.user.username: (load.open, load.running, load.breached) for load in overview.staff}
    assert loads == {"specialist_a": (3, 2, 1), "technician_a": (0, 0, 0), "manager_a": (0, 0, 0)}


def test_executive_sees_every_store(executive, requests_a):
    # given / when
    response = client_for(executive).get(MANAGER)
    # then
    assert [overview.store.code for overview in response.context["overviews"]] == ["store-a", "store-b"]


def test_reassign_with_htmx(manager_a, technician_a, requests_a):
    # given
    ticket = requests_a["late"]
    # when
    response = client_for(manager_a).post(
        reverse("service:manager_assign", args=[ticket.number]),
        {"assignee": technician_a.pk, "reason": "专员请假"},
        headers={"hx-request": "true"},
    )
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<form id="reassign-{ticket.pk}"')
    assert f"{ticket.number} assigned to 王技师." in html
    assert Ticket.objects.get(pk=ticket.pk).assignee == technician_a
    assert TicketEvent.objects.filter(ticket=ticket, type="assigned").last().payload["reason"] == "专员请假"


def test_reassign_without_reason_is_refused(manager_a, technician_a, specialist_a, requests_a):
    # given
    ticket = requests_a["late"]
    # when
    response = client_for(manager_a).post(
        reverse("service:manager_assign", args=[ticket.number]),
        {"assignee": technician_a.pk, "reason": ""},
        headers={"hx-request": "true"},
    )
    # then
    assert response.status_code == 422
    assert "Give a reason for the assignment." in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).assignee == specialist_a


def test_reassign_without_htmx_redirects_with_a_message(manager_a, technician_a, requests_a):
    # given
    client = client_for(manager_a)
    # when
    response = client.post(
        reverse("service:manager_assign", args=[requests_a["fresh"].number]),
        {"assignee": technician_a.pk, "reason": "分派"},
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == MANAGER
    assert Ticket.objects.get(pk=requests_a["fresh"].pk).status == "assigned"
