import csv
import io
from datetime import datetime

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from aftersales.core.spreadsheets import XLSX_TYPE
from aftersales.service.models import SlaPolicy
from aftersales.service.services.tickets import ticket_register, ticket_resolve
from aftersales.surveys.models import RecoveryCase
from aftersales.surveys.services import survey_invite, survey_respond
from aftersales.surveys.tests.conftest import full_answers

URL = "/s/results/"
# session, user, the user's stores, the filter options (stores, specialists, product models), count, page
QUERIES = 8


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def answer(cast, transactional, frozen_clock):
    """answer(store, subject, day=2, channel="phone", **scores) -> the answered request."""
    SlaPolicy.objects.get_or_create(
        name="默认", defaults={"response_minutes": 1440, "resolution_minutes": 4320}
    )

    def make(store: str, subject: str, *, day: int = 2, channel: str = "phone", **scores):
        frozen_clock(datetime(2026, 3, day, 10, 0))
        who = cast.specialist_a if store == "a" else cast.specialist_b
        ticket = ticket_register(
            by=who,
            store=getattr(cast, f"store_{store}"),
            customer=getattr(cast, f"customer_{store}"),
            asset=getattr(cast, f"asset_{store}"),
            channel=channel,
            subject=subject,
            fault_category=cast.engine,
        )
        ticket = ticket_resolve(ticket=ticket, by=who, outcome="repair", root_cause="RC-1")
        _invitation, token = survey_invite(ticket=ticket, template=transactional)
        frozen_clock(datetime(2026, 3, day, 16, 0))
        survey_respond(token=token, answers=full_answers(transactional, **{"csat": 4, "nps": 9, **scores}))
        return ticket

    return make


def test_the_url(db):
    assert reverse("surveys:results") == URL


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    # when
    response = client.get(URL)
    # then
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={URL}"


def test_a_portal_customer_is_refused(client, customer_a):
    # given
    client.force_login(customer_a.user)
    # when
    response = client.get(URL)
    # then
    assert response.status_code == 403


def test_store_a_answers_show_to_specialist_a_and_not_to_specialist_b(client, answer, cast):
    # given
    mine = answer("a", "A店请求", text="A店评论")
    theirs = answer("b", "B店请求", text="B店评论")
    # when
    client.force_login(cast.specialist_a)
    page_a = client.get(URL).text
    client.force_login(cast.specialist_b)
    page_b = client.get(URL).text
    # then each sees their own store's row, with its link, scores and comment
    assert f'href="{reverse("service:ticket_detail", args=[mine.number])}"' in page_a
    assert "A店评论" in page_a and mine.number in page_a
    assert theirs.number not in page_a and "B店评论" not in page_a
    assert "B店评论" in page_b and theirs.number in page_b
    assert mine.number not in page_b and "A店评论" not in page_b


def test_a_row_shows_the_three_scores_and_the_comment(client, answer, cast):
    # given
    ticket = answer("a", "A店请求", csat=3, nps=8, ces=5, text="还行")
    client.force_login(cast.specialist_a)
    # when
    response = client.get(URL)
    # then
    page = response.context["page"]
    row = page.object_list[0]
    assert (row.csat, row.nps, row.ces, row.comment) == (3, 8, 5, "还行")
    assert row.invitation.ticket == ticket
    text = response.text
    assert reverse("service:ticket_detail", args=[ticket.number]) in text
    assert '<td data-label="CSAT" class="score-csat">3</td>' in text
    assert '<td data-label="NPS" class="score-nps">8</td>' in text
    assert '<td data-label="CES" class="score-ces">5</td>' in text


def _numbers(response) -> list[str]:
    return [row.invitation.ticket.number for row in response.context["page"].object_list]


def test_filters(client, answer, cast):
    # given three answers in store A: by phone on 2 March, by email on 3 March, by phone on 4 March
    first = answer("a", "一", day=2, csat=5)
    second = answer("a", "二", day=3, channel="email", csat=3)
    third = answer("a", "三", day=4, csat=3)
    client.force_login(cast.executive)
    # when / then
    assert _numbers(client.get(URL, {"channel": "email"})) == [second.number]
    assert _numbers(client.get(URL, {"csat": "3"})) == [third.number, second.number]
    assert _numbers(client.get(URL, {"from": "2026-03-03"})) == [third.number, second.number]
    assert _numbers(client.get(URL, {"to": "2026-03-03"})) == [second.number, first.number]
    assert _numbers(client.get(URL, {"from": "2026-03-03", "to": "2026-03-03"})) == [second.number]
    assert _numbers(client.get(URL, {"store": cast.store_a.pk})) == [
        third.number,
        second.number,
        first.number,
    ]
    assert _numbers(client.get(URL, {"store": cast.store_b.pk})) == []
    assert _numbers(client.get(URL, {"specialist": cast.specialist_a.pk})) == [
        third.number,
        second.number,
        first.number,
    ]
    assert _numbers(client.get(URL, {"specialist": cast.specialist_b.pk})) == []
    model = cast.asset_a.product_model_id
    assert len(_numbers(client.get(URL, {"product_model": model}))) == 3
    assert _numbers(client.get(URL, {"product_model": 999_999})) == []
    # and a value that does not parse is ignored
    assert len(_numbers(client.get(URL, {"csat": "abc", "from": "yesterday"}))) == 3


def test_the_search_looks_in_the_comments(client, answer, cast):
    # given
    slow = answer("a", "一", day=2, text="等待时间太长了")
    answer("a", "二", day=3, text="师傅很专业")
    client.force_login(cast.specialist_a)
    # when
    response = client.get(URL, {"q": "时间太长"})
    # then
    assert _numbers(response) == [slow.number]
    assert _numbers(client.get(URL, {"q": "没有这句话"})) == []
    assert "No survey answers match these filters." in client.get(URL, {"q": "没有这句话"}).text


def test_the_page_takes_the_same_queries_for_3_and_for_12_answers(
    client, answer, cast, django_assert_num_queries
):
    # given
    for day in range(2, 5):
        answer("a", f"请求{day}", day=day)
    client.force_login(cast.specialist_a)
    client.get(URL)  # the session is read and refreshed once
    # when / then
    with django_assert_num_queries(QUERIES):
        assert len(client.get(URL).context["page"].object_list) == 3
    for day in range(5, 14):
        answer("a", f"请求{day}", day=day)
    with django_assert_num_queries(QUERIES):
        assert len(client.get(URL).context["page"].object_list) == 12


def test_the_page_is_in_chinese_by_default(client, answer, cast):
    # given
    answer("a", "A店请求")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    client.force_login(cast.specialist_a)
    # when
    text = client.get(URL).text
    # then
    assert "<h1>调查结果</h1>" in text
    assert "搜索留言" in text


def test_a_low_score_row_links_its_follow_up_and_shows_its_outcome(client, answer, cast):
    # given a low score, whose follow-up the manager closed as compensated
    from aftersales.surveys.models import RecoveryCase
    from aftersales.surveys.recovery import recovery_outcome_record

    answer("a", "A店请求", csat=1)
    case = RecoveryCase.objects.get()
    recovery_outcome_record(case=case, by=cast.manager_a, outcome="compensated", note="")
    client.force_login(cast.specialist_a)
    # when
    text = client.get(URL).text
    # then
    link = reverse("service:ticket_detail", args=[case.follow_up.number])
    outcome = reverse("surveys:recovery_outcome", args=[case.follow_up.number])
    assert f'<a href="{link}">{case.follow_up.number}</a> · <a href="{outcome}">compensated</a></td>' in text


# --- export ---------------------------------------------------------------------------------------------


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_export_has_every_matching_answer_with_the_filters_and_formulas_escaped(client, answer, cast):
    # given three answers in store A (2, 3 and 4 March; the 3rd by email) and one in store B
    first = answer("a", "一", day=2, csat=3, nps=6, ces=2, text='=HYPERLINK("http://x")')
    answer("a", "二", day=3, channel="email", csat=3)
    third = answer("a", "三", day=4, csat=3, nps=10, ces=1, text="+86 很好")
    answer("b", "四", day=4, csat=3)
    client.force_login(cast.specialist_a)
    page = client.get(URL, {"csat": "3", "channel": "phone", "page": "1"})
    assert 'href="?csat=3&amp;channel=phone&amp;export=xlsx"' in page.text
    # when exported with the page's filters (CSAT 3, by phone)
    query = {"csat": "3", "channel": "phone"}
    as_csv = client.get(URL, {**query, "export": "csv"})
    as_xlsx = client.get(URL, {**query, "export": "xlsx"})
    # then store A's two phone answers, newest first, the comments escaped, in Shanghai time
    assert as_csv["Content-Disposition"] == 'attachment; filename="survey-results.csv"'
    assert as_xlsx["Content-Type"] == XLSX_TYPE
    header = ["Request", "Campaign", "Customer", "Answered", "Store", "Specialist"]
    header += ["CSAT", "NPS", "CES", "Comment", "Follow-up", "Outcome"]
    store, customer, specialist = cast.store_a.name, cast.customer_a.name, str(cast.specialist_a)
    # the NPS of 6 (a detractor) opened a service-recovery follow-up, its outcome not recorded yet
    follow_up = RecoveryCase.objects.get(original=first).follow_up.number
    assert _csv_rows(as_csv) == [
        header,
        [third.number, "", customer, "2026-03-04 16:00", store, specialist, "3", "10", "1", "'+86 很好", "", ""],
        [first.number, "", customer, "2026-03-02 16:00", store, specialist, "3", "6", "2",
         "'=HYPERLINK(\"http://x\")", follow_up, ""],
    ]  # fmt: skip
    sheet = load_workbook(io.BytesIO(as_xlsx.content)).active
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        header,
        [third.number, None, customer, "2026-03-04 16:00", store, specialist, 3, 10, 1, "'+86 很好", None, None],
        [first.number, None, customer, "2026-03-02 16:00", store, specialist, 3, 6, 2,
         "'=HYPERLINK(\"http://x\")", follow_up, None],
    ]  # fmt: skip


def test_the_export_is_scoped_and_refuses_an_unknown_format(client, answer, cast):
    answer("a", "A店请求", text="A店评论")
    client.force_login(cast.specialist_b)
    assert _csv_rows(client.get(URL, {"export": "csv"})) == [
        ["Request", "Campaign", "Customer", "Answered", "Store", "Specialist"]
        + ["CSAT", "NPS", "CES", "Comment", "Follow-up", "Outcome"]
    ]
    refused = client.get(URL, {"export": "pdf"})
    assert (refused.status_code, refused.text) == (400, "Unknown export format 'pdf': use csv or xlsx.")
