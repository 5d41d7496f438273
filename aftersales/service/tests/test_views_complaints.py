"""Complaint pages: registration with severity and source, the panel on the request page, and the
complaint register with its filters, permissions, query count and CSV and XLSX exports."""

import csv
import io
from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from aftersales.core.spreadsheets import XLSX_TYPE
from aftersales.service.models import Complaint, Ticket
from aftersales.service.services.complaints import complaint_open, complaint_update
from aftersales.service.services.tickets import ticket_resolve

REGISTER = reverse("service:complaints")
CSV = reverse("service:complaints_csv")
XLSX = reverse("service:complaints_xlsx")


@pytest.fixture
def en_client():
    return Client(headers={"Accept-Language": "en"})


def open_complaint(cast, *, store="a", subject="投诉：等待太久", severity=2, source="direct"):
    return complaint_open(
        by=getattr(cast, f"specialist_{store}"),
        store=getattr(cast, f"store_{store}"),
        customer=getattr(cast, f"customer_{store}"),
        channel="phone",
        subject=subject,
        severity=severity,
        source=source,
    )


def numbers(response) -> list[str]:
    return [complaint.ticket.number for complaint in response.context["page"].object_list]


# --- registration ---------------------------------------------------------------------------------------


def test_the_staff_form_registers_a_complaint_with_severity_and_source(en_client, cast, frozen_clock):
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    en_client.force_login(cast.specialist_a)
    page = en_client.get(reverse("service:register"))
    assert 'data-shown-for-kind="complaint"' in page.text
    response = en_client.post(
        reverse("service:register"),
        {
            "customer": cast.customer_a.pk,
            "store": cast.store_a.pk,
            "channel": "phone",
            "kind": "complaint",
            "priority": "low",
            "severity": "1",
            "source": "consumer_association",
            "subject": "12315 转来的投诉",
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    # the priority follows the severity, whatever the priority field said
    assert (ticket.kind, ticket.priority) == ("complaint", "urgent")
    assert (ticket.complaint.severity, ticket.complaint.source) == (1, "consumer_association")


def test_a_complaint_without_severity_is_refused_next_to_the_field(en_client, cast):
    en_client.force_login(cast.specialist_a)
    response = en_client.post(
        reverse("service:register"),
        {
            "customer": cast.customer_a.pk,
            "store": cast.store_a.pk,
            "channel": "phone",
            "kind": "complaint",
            "priority": "normal",
            "severity": "",
            "source": "direct",
            "subject": "投诉",
        },
    )
    assert response.status_code == 422
    assert response.context["form"].errors["severity"] == [
        "Severity must be 1 (critical), 2 (major) or 3 (minor), not ''."
    ]
    assert Ticket.objects.count() == 0


def test_other_kinds_ignore_the_complaint_fields(en_client, cast):
    en_client.force_login(cast.specialist_a)
    en_client.post(
        reverse("service:register"),
        {
            "customer": cast.customer_a.pk,
            "store": cast.store_a.pk,
            "channel": "phone",
            "kind": "repair",
            "priority": "normal",
            "severity": "1",
            "source": "social_media",
            "subject": "异响",
        },
    )
    ticket = Ticket.objects.get()
    assert (ticket.kind, ticket.priority) == ("repair", "normal")
    assert Complaint.objects.count() == 0


# --- the panel on the request page ----------------------------------------------------------------------


def test_the_request_page_shows_the_complaint_panel_and_saves_it_by_htmx(en_client, cast, frozen_clock):
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    ticket = open_complaint(cast, severity=3, source="social_media")
    en_client.force_login(cast.specialist_a)
    frozen_clock(datetime(2026, 3, 5, 9, 0))
    page = en_client.get(reverse("service:ticket_detail", args=[ticket.number]))
    assert 'class="complaint-panel"' in page.text
    assert "3 – minor" in page.text and "social media" in page.text
    assert "2026-03-16 10:00" in page.text  # close by, in the store's time
    assert page.context["complaint"].days == 2
    # when the severity is raised without a reason, the form comes back with the message
    url = reverse("service:ticket_action", args=[ticket.number, "complaint"])
    refused = en_client.post(
        url,
        {"severity": "1", "reason": "", "root_cause": "", "corrective_measure": ""},
        HTTP_HX_REQUEST="true",
    )
    assert refused.status_code == 422
    assert "Say why the severity changes." in refused.text
    # and with a reason, root cause and measure it is saved
    saved = en_client.post(
        url,
        {
            "severity": "1",
            "reason": "媒体曝光",
            "root_cause": "交车检查遗漏",
            "corrective_measure": "增加交车复检",
        },
        HTTP_HX_REQUEST="true",
    )
    assert saved.status_code == 200
    assert "Complaint updated." in saved.text
    complaint = Complaint.objects.get(ticket=ticket)
    assert (complaint.severity, complaint.root_cause, complaint.corrective_measure) == (
        1,
        "交车检查遗漏",
        "增加交车复检",
    )


def test_the_resolve_form_names_the_missing_complaint_field(en_client, cast):
    ticket = open_complaint(cast)
    en_client.force_login(cast.specialist_a)
    response = en_client.post(
        reverse("service:ticket_action", args=[ticket.number, "resolve"]),
        {"outcome": "advice", "root_cause": "", "note": "", "replacement_serial": "", "labour_hours": "0"},
    )
    assert response.status_code == 422
    assert "Record the complaint&#x27;s root cause before resolving it." in response.text


def test_a_request_that_is_not_a_complaint_has_no_panel(en_client, cast):
    from aftersales.service.services.tickets import ticket_register

    ticket = ticket_register(
        by=cast.specialist_a, store=cast.store_a, customer=cast.customer_a, channel="phone", subject="异响"
    )
    en_client.force_login(cast.specialist_a)
    page = en_client.get(reverse("service:ticket_detail", args=[ticket.number]))
    assert "complaint-panel" not in page.text
    assert page.context["complaint"] is None


# --- the register ---------------------------------------------------------------------------------------


def test_the_register_lists_the_viewers_complaints_with_days_open_and_overdue(en_client, cast, frozen_clock):
    # given a complaint in store A opened 2 March, another 20 March, and one in store B
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    old = open_complaint(cast, subject="老投诉")
    frozen_clock(datetime(2026, 3, 20, 10, 0))
    new = open_complaint(cast, subject="新投诉", severity=1)
    other = open_complaint(cast, store="b", subject="B 店投诉")
    # when specialist A opens the register on 21 March
    frozen_clock(datetime(2026, 3, 21, 9, 0))
    en_client.force_login(cast.specialist_a)
    response = en_client.get(REGISTER)
    # then store A's complaints, newest first; the old one overdue after 18 days
    assert response.status_code == 200
    assert numbers(response) == [new.number, old.number]
    assert other.number not in response.text
    rows = {complaint.ticket.number: complaint for complaint in response.context["page"].object_list}
    assert (rows[old.number].days, rows[old.number].overdue) == (18, True)
    assert (rows[new.number].days, rows[new.number].overdue) == (0, False)
    assert response.text.count('<tr class="overdue">') == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"severity": "1"}, ["critical"]),
        ({"source": "survey"}, ["survey"]),
        ({"state": "open"}, ["survey", "critical"]),
        ({"state": "closed"}, ["closed"]),
        ({"state": "overdue"}, ["survey"]),
        ({"from": "2026-03-10", "to": "2026-03-20"}, ["critical", "closed"]),
        ({"store": "store-a"}, ["survey", "critical", "closed"]),
        ({"store": "store-b"}, []),
        ({"severity": "9", "state": "nonsense"}, ["survey", "critical", "closed"]),
    ],
)
def test_register_filters(en_client, cast, frozen_clock, query, expected):
    # given three complaints of store A: from a survey (1 March), critical (10 March), closed (20 March)
    subjects = {}
    frozen_clock(datetime(2026, 3, 1, 10, 0))
    subjects["survey"] = open_complaint(cast, source="survey").number
    frozen_clock(datetime(2026, 3, 10, 10, 0))
    subjects["critical"] = open_complaint(cast, severity=1).number
    frozen_clock(datetime(2026, 3, 20, 10, 0))
    closed = open_complaint(cast)
    complaint_update(ticket=closed, by=cast.specialist_a, root_cause="误会", corrective_measure="解释")
    ticket_resolve(ticket=closed, by=cast.specialist_a, outcome="advice")
    subjects["closed"] = closed.number
    # when on 20 March (the first is past its 14 days)
    en_client.force_login(cast.manager_a)
    response = en_client.get(REGISTER, query)
    # then
    by_number = {number: name for name, number in subjects.items()}
    assert sorted(by_number[number] for number in numbers(response)) == sorted(expected)


def test_store_b_staff_do_not_see_store_a_complaints(en_client, cast):
    ticket = open_complaint(cast, subject="A店投诉-机密")
    en_client.force_login(cast.specialist_b)
    response = en_client.get(REGISTER)
    assert response.status_code == 200
    assert ticket.number not in response.text and "A店投诉-机密" not in response.text
    csv_text = en_client.get(CSV).content.decode("utf-8-sig")
    assert ticket.number not in csv_text


def test_customers_and_visitors_cannot_open_the_register(en_client, cast):
    open_complaint(cast)
    assert en_client.get(REGISTER).status_code == 302  # to the sign-in page
    en_client.force_login(cast.customer_a.user)
    assert en_client.get(REGISTER).status_code == 403
    assert en_client.get(CSV).status_code == 403


def test_the_register_makes_the_same_number_of_queries_for_any_number_of_rows(
    en_client, cast, django_assert_num_queries
):
    en_client.force_login(cast.specialist_a)
    for index in range(2):
        open_complaint(cast, subject=f"投诉 {index}")
    # session, user, the user's stores (scoping), store choices, page count, page rows
    with django_assert_num_queries(6):
        two = en_client.get(REGISTER)
    for index in range(20):
        open_complaint(cast, subject=f"投诉 {index + 2}")
    with django_assert_num_queries(6):
        twenty_two = en_client.get(REGISTER)
    assert (len(numbers(two)), len(numbers(twenty_two))) == (2, 22)


def test_the_nav_links_the_register_for_staff_only(en_client, cast):
    en_client.force_login(cast.specialist_a)
    assert f'href="{REGISTER}"' in en_client.get(reverse("service:workspace")).text
    en_client.force_login(cast.customer_a.user)
    assert f'href="{REGISTER}"' not in en_client.get(reverse("customers:portal_home")).text


# --- CSV ------------------------------------------------------------------------------------------------


def test_the_csv_has_every_matching_complaint_and_escapes_formulas(en_client, cast, frozen_clock):
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    ticket = open_complaint(cast, subject='=HYPERLINK("http://x")', severity=1, source="social_media")
    complaint_update(
        ticket=ticket, by=cast.specialist_a, root_cause="+1 配件", corrective_measure="@培训 -复检"
    )
    open_complaint(cast, subject="普通投诉", severity=3)
    frozen_clock(datetime(2026, 3, 20, 10, 0))
    en_client.force_login(cast.specialist_a)
    response = en_client.get(CSV, {"severity": "1"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="complaints.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Request", "Store", "Customer", "Subject", "Severity"]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Request"] == ticket.number
    assert row["Subject"] == '\'=HYPERLINK("http://x")'
    assert row["Root cause"] == "'+1 配件"
    assert row["Corrective measure"] == "'@培训 -复检"
    assert (row["Severity"], row["Source"], row["Status"]) == ("1", "social media", "assigned")
    assert (row["Opened"], row["Close by"], row["Days open"], row["Overdue"]) == (
        "2026-03-02 10:00",
        "2026-03-16 10:00",
        "18",
        "yes",
    )
    assert (row["Closed"], row["Closed in time"]) == ("", "")


def test_the_xlsx_has_the_same_rows_as_the_csv_with_formulas_escaped(en_client, cast, frozen_clock):
    frozen_clock(datetime(2026, 3, 2, 10, 0))
    ticket = open_complaint(cast, subject="=1+1", severity=1, source="social_media")
    complaint_update(ticket=ticket, by=cast.specialist_a, root_cause="-配件", corrective_measure="@培训")
    open_complaint(cast, subject="普通投诉", severity=3)
    open_complaint(cast, store="b", subject="B 店投诉", severity=1)
    frozen_clock(datetime(2026, 3, 20, 10, 0))
    en_client.force_login(cast.specialist_a)
    page = en_client.get(REGISTER, {"severity": "1"})
    assert f'href="{XLSX}?severity=1"' in page.text
    response = en_client.get(XLSX, {"severity": "1"})
    assert response["Content-Type"] == XLSX_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="complaints.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    csv_rows = list(
        csv.reader(io.StringIO(en_client.get(CSV, {"severity": "1"}).content.decode("utf-8-sig")))
    )
    assert rows[0] == csv_rows[0]
    # store A's one critical complaint (not store B's, not the minor one); severity and days as numbers
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["Request"], row["Subject"], row["Root cause"], row["Corrective measure"]) == (
        ticket.number,
        "'=1+1",
        "'-配件",
        "'@培训",
    )
    assert (row["Severity"], row["Days open"], row["Overdue"], row["Closed"]) == (1, 18, "yes", None)
    assert [str(value) if value is not None else "" for value in rows[1]] == csv_rows[1]


def test_customers_cannot_download_the_xlsx(en_client, cast):
    open_complaint(cast)
    en_client.force_login(cast.customer_a.user)
    assert en_client.get(XLSX).status_code == 403
