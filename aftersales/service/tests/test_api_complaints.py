"""The complaints API: create, list with filters, get, patch; bad input; staff only; store scoping."""

from datetime import datetime

import pytest

from aftersales.api.testing import API, api_client, get, post
from aftersales.service.models import Complaint, Ticket, TicketEvent
from aftersales.service.services.complaints import complaint_open

MONDAY_10 = datetime(2026, 3, 2, 10, 0)


@pytest.fixture
def now(frozen_clock):
    return frozen_clock(MONDAY_10)


def patch(client, path, data):
    return client.patch(f"{API}{path}", data, content_type="application/json")


def open_complaint(cast, *, store="a", **overrides):
    values = dict(
        by=getattr(cast, f"specialist_{store}"),
        store=getattr(cast, f"store_{store}"),
        customer=getattr(cast, f"customer_{store}"),
        channel="phone",
        subject="投诉：维修质量",
        severity=2,
        source="direct",
    )
    values.update(overrides)
    return complaint_open(**values)


def test_create_returns_201_with_the_complaint_and_its_request(cast, now):
    client = api_client(cast.specialist_a)
    response = post(
        client,
        "/complaints",
        {
            "customer": cast.customer_a.pk,
            "asset": cast.asset_a.pk,
            "subject": "12315 投诉：维修后仍漏油",
            "severity": 1,
            "source": "consumer_association",
        },
    )
    assert response.status_code == 201
    body = response.json()
    ticket = Ticket.objects.get()
    assert body["number"] == ticket.number == body["request"]["number"]
    assert (body["request"]["kind"], body["request"]["priority"], body["request"]["channel"]) == (
        "complaint",
        "urgent",
        "api",
    )
    assert (body["severity"], body["source"], body["escalation_level"]) == (1, "consumer_association", 0)
    assert body["opened_at"] == "2026-03-02T02:00:00Z"
    assert body["acknowledge_due_at"] == "2026-03-02T04:00:00Z"
    assert body["executive_due_at"] == "2026-03-03T02:00:00Z"
    assert body["due_at"] == "2026-03-16T02:00:00Z"
    assert (body["closed_at"], body["closed_within_due"], body["days_open"], body["overdue"]) == (
        None,
        None,
        0,
        False,
    )
    assert (body["root_cause"], body["corrective_measure"]) == ("", "")


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"severity": 0}, "severity"), ({"severity": 4}, "severity"), ({"source": "wechat"}, "source")],
)
def test_create_with_a_bad_severity_or_source_is_400_naming_the_field(cast, now, changes, field):
    client = api_client(cast.specialist_a)
    body = {"customer": cast.customer_a.pk, "subject": "投诉", "severity": 2, "source": "direct", **changes}
    response = post(client, "/complaints", body)
    assert response.status_code == 400
    assert response.json()["extra"] == {"field": field}
    assert (Ticket.objects.count(), Complaint.objects.count()) == (0, 0)


def test_create_of_another_stores_customer_is_400_and_customers_may_not_create(cast, now):
    response = post(
        api_client(cast.specialist_b),
        "/complaints",
        {"customer": cast.customer_a.pk, "subject": "投诉", "severity": 2, "source": "direct"},
    )
    assert (response.status_code, response.json()["extra"]) == (400, {"field": "customer"})
    response = post(
        api_client(cast.customer_a.user),
        "/complaints",
        {"customer": cast.customer_a.pk, "subject": "投诉", "severity": 2, "source": "direct"},
    )
    assert response.status_code == 403
    assert Ticket.objects.count() == 0


def test_list_filters_and_is_scoped_to_the_viewers_stores(cast, frozen_clock):
    frozen_clock(datetime(2026, 3, 1, 10, 0))
    survey = open_complaint(cast, source="survey")
    frozen_clock(datetime(2026, 3, 10, 10, 0))
    critical = open_complaint(cast, severity=1)
    other = open_complaint(cast, store="b")
    frozen_clock(datetime(2026, 3, 20, 10, 0))
    client = api_client(cast.specialist_a)

    def listed(**params):
        response = get(client, "/complaints", **params)
        assert response.status_code == 200, response.json()
        return [item["number"] for item in response.json()["items"]]

    assert listed() == [critical.number, survey.number]
    assert listed(severity=1) == [critical.number]
    assert listed(source="survey") == [survey.number]
    assert listed(state="overdue") == [survey.number]
    assert listed(opened_from="2026-03-05", opened_to="2026-03-10") == [critical.number]
    assert listed(store="store-b") == []
    assert [item["number"] for item in get(api_client(cast.specialist_b), "/complaints").json()["items"]] == [
        other.number
    ]
    assert get(client, "/complaints", page_size=1).json()["pages"] == 2


@pytest.mark.parametrize("params", [{"severity": 4}, {"source": "x"}, {"state": "late"}, {"page_size": 101}])
def test_list_with_a_bad_filter_is_422(cast, now, params):
    response = get(api_client(cast.specialist_a), "/complaints", **params)
    assert response.status_code == 422


def test_customers_may_not_list_or_read_complaints(cast, now):
    ticket = open_complaint(cast)
    client = api_client(cast.customer_a.user)
    assert get(client, "/complaints").status_code == 403
    assert get(client, f"/complaints/{ticket.number}").status_code == 403
    # another customer learns nothing: 404
    assert get(api_client(cast.customer_b.user), f"/complaints/{ticket.number}").status_code == 404


def test_get_and_404_for_another_store_or_a_request_that_is_not_a_complaint(cast, now):
    from aftersales.service.services.tickets import ticket_register

    ticket = open_complaint(cast, severity=3, source="manufacturer")
    repair = ticket_register(
        by=cast.specialist_a, store=cast.store_a, customer=cast.customer_a, channel="phone", subject="异响"
    )
    client = api_client(cast.specialist_a)
    body = get(client, f"/complaints/{ticket.number}").json()
    assert (body["number"], body["severity"], body["source"]) == (ticket.number, 3, "manufacturer")
    assert get(api_client(cast.specialist_b), f"/complaints/{ticket.number}").status_code == 404
    assert get(client, f"/complaints/{repair.number}").status_code == 404


def test_patch_changes_only_what_is_given_and_records_it(cast, now):
    ticket = open_complaint(cast, severity=3)
    client = api_client(cast.specialist_a)
    response = patch(client, f"/complaints/{ticket.number}", {"root_cause": "配件错发"})
    assert response.status_code == 200
    assert (response.json()["root_cause"], response.json()["corrective_measure"]) == ("配件错发", "")
    response = patch(
        client,
        f"/complaints/{ticket.number}",
        {"severity": 1, "reason": "客户投诉到厂家", "corrective_measure": "出库核对"},
    )
    body = response.json()
    assert (body["severity"], body["root_cause"], body["corrective_measure"]) == (1, "配件错发", "出库核对")
    assert body["acknowledge_due_at"] == "2026-03-02T04:00:00Z"
    payloads = list(
        TicketEvent.objects.filter(ticket=ticket, type="complaint_updated")
        .order_by("id")
        .values_list("payload", flat=True)
    )
    assert payloads == [
        {"root_cause": "配件错发"},
        {"severity": {"from": 3, "to": 1}, "reason": "客户投诉到厂家", "corrective_measure": "出库核对"},
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"severity": 0, "reason": "r"}, "severity"),
        ({"severity": 4, "reason": "r"}, "severity"),
        ({"severity": 1}, "reason"),
    ],
)
def test_patch_with_bad_input_is_400_naming_the_field(cast, now, body, field):
    ticket = open_complaint(cast)
    response = patch(api_client(cast.specialist_a), f"/complaints/{ticket.number}", body)
    assert (response.status_code, response.json()["extra"]) == (400, {"field": field})
    assert Complaint.objects.get().severity == 2


def test_resolving_a_complaint_by_the_api_names_the_missing_field(cast, now):
    ticket = open_complaint(cast)
    response = post(
        api_client(cast.specialist_a), f"/requests/{ticket.number}/resolve", {"outcome": "advice"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "message": "Record the complaint's root cause before resolving it.",
        "extra": {"field": "complaint.root_cause"},
    }


def test_patch_by_store_b_is_404_and_changes_nothing(cast, now):
    ticket = open_complaint(cast)
    response = patch(api_client(cast.specialist_b), f"/complaints/{ticket.number}", {"root_cause": "x"})
    assert response.status_code == 404
    assert Complaint.objects.get().root_cause == ""
