"""The engine against hand-computed values: kpi-definitions §9's vectors and the conventions of §0
(empty periods, zero denominators, midnight in Shanghai, right-censoring, ratio-of-sums roll-ups,
percentiles, one query per dataset, scoping). Runs on SQLite and, with DATABASE_URL, on PostgreSQL."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import translation

from aftersales.core.errors import ApplicationError
from aftersales.kpi.engine import interpolated_percentile, kpi_values
from aftersales.kpi.tests.rows import at, customer, request, survey
from aftersales.service.models import Complaint, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

MARCH, APRIL = date(2026, 3, 1), date(2026, 4, 1)
HOUR = timedelta(hours=1)


def march(user, *codes, breakdown=None, grain="month"):
    return kpi_values(codes=list(codes), start=MARCH, end=APRIL, grain=grain, breakdown=breakdown, user=user)


# --- §9 test vectors ------------------------------------------------------------------------------------


def test_24h_attainment_leaves_out_unanswered_requests_whose_24_hours_are_not_over(
    cast, executive, frozen_clock
):
    # given 100 requests: 80 answered within 24 h, 12 later, 5 unanswered for more than 24 h and 3
    # unanswered registered less than 24 h ago (§9)
    frozen_clock(at(2026, 3, 31, 12))
    store, person = cast.store_a, cast.customer_a
    for _ in range(80):
        request(store, person, at(2026, 3, 10, 9), first_response_after=timedelta(hours=23, minutes=59))
    for _ in range(12):
        request(store, person, at(2026, 3, 10, 9), first_response_after=timedelta(hours=24, minutes=1))
    for _ in range(5):
        request(store, person, at(2026, 3, 30, 11, 59))
    for _ in range(3):
        request(store, person, at(2026, 3, 30, 12, 1))
    # when
    cell = march(executive, "response_24h_rate").cell("response_24h_rate", MARCH)
    # then 80 / 97 = 82.5 %: the 3 pending ones are out, the 5 overdue ones are breaches
    assert (cell.numerator, cell.denominator) == (80, 97)
    assert cell.value == pytest.approx(0.8247422680)


def test_mttr_is_the_mean_of_the_resolution_times(cast, executive):
    # given requests resolved after 44, 100, 40 and 20 hours (§9)
    for hours in (44, 100, 40, 20):
        request(cast.store_a, cast.customer_a, at(2026, 3, 1, 8), resolved_after=hours * HOUR)
    # when
    cell = march(executive, "mttr_h").cell("mttr_h", MARCH)
    # then (44 + 100 + 40 + 20) / 4 = 51 h, from 12,240 minutes over 4 requests
    assert cell.value == pytest.approx(51.0)
    assert (cell.numerator, cell.denominator, cell.n) == (12240, 4, 4)


def test_first_time_right_counts_reopens_and_returns_of_the_same_fault_within_30_days(
    cast, executive, frozen_clock
):
    # given 500 requests resolved on 2 March, more than 30 days before "now" (§9): 7 reopened and 2
    # repairs of asset A followed 10 days later by a new request for the same fault
    frozen_clock(at(2026, 4, 25, 12))
    store, person, asset, engine = cast.store_a, cast.customer_a, cast.asset_a, cast.engine
    created, after = at(2026, 3, 1, 10), timedelta(days=1)
    for _ in range(491):
        request(store, person, created, resolved_after=after)
    for _ in range(7):
        request(store, person, created, resolved_after=after, reopen_count=1)
    for _ in range(2):
        request(store, person, created, resolved_after=after, asset=asset, fault_category=engine)
    request(store, person, at(2026, 3, 12, 10), asset=asset, fault_category=engine)
    # and a request resolved on 31 March, whose 30 days have not passed: left out
    request(store, person, at(2026, 3, 31, 9), resolved_after=HOUR, reopen_count=1)
    # when
    values = march(executive, "first_time_right_30d", "repeat_repair_30d", "reopen_rate")
    # then 491 / 500 = 98.2 %
    right = values.cell("first_time_right_30d", MARCH)
    assert (right.numerator, right.denominator) == (491, 500)
    assert right.value == pytest.approx(0.982)
    # both repairs of the asset came back: 2 / 2; 7 of 500 reopened
    assert values.cell("repeat_repair_30d", MARCH).value == 1.0
    assert values.cell("reopen_rate", MARCH).value == pytest.approx(7 / 500)


def test_csat_top2_mean_index_nps_and_ces_follow_the_reference_vectors(cast, executive):
    # given ten answers each (§9): CSAT [5,5,4,3,2,1,4,5,5,4], NPS [10,9,9,8,7,6,5,0,10,3] and CES
    # [7,6,5,4,3,7,2] on the first seven
    csat = [5, 5, 4, 3, 2, 1, 4, 5, 5, 4]
    nps = [10, 9, 9, 8, 7, 6, 5, 0, 10, 3]
    ces = [7, 6, 5, 4, 3, 7, 2]
    for i in range(10):
        ticket = request(cast.store_a, cast.customer_a, at(2026, 3, 1, 9))
        scores = {"csat": csat[i], "nps": nps[i], **({"ces": ces[i]} if i < 7 else {})}
        survey(ticket, at(2026, 3, 2, 9), **scores)
    # when
    codes = ["csat_t2b", "csat_mean", "csat_index", "nps", "ces_agree", "ces_mean"]
    values = march(executive, *codes)
    value = {code: values.cell(code, MARCH).value for code in codes}
    # then
    assert value["csat_t2b"] == pytest.approx(0.70)
    assert value["csat_mean"] == pytest.approx(3.8)
    assert value["csat_index"] == pytest.approx(70.0)
    assert value["nps"] == pytest.approx(0.0)
    assert value["ces_agree"] == pytest.approx(4 / 7)
    assert value["ces_mean"] == pytest.approx(34 / 7)  # 4.86
    assert values.cell("nps", MARCH).n == 10


def test_nps_of_two_stores_rolls_up_from_the_counts_not_the_mean_of_the_scores(cast, executive):
    # given store A: 8 promoters, 1 detractor, 1 passive (+70); store B: 10 promoters, 60 detractors,
    # 30 passives (−50) (§9)
    for store, person, scores in (
        (cast.store_a, cast.customer_a, [10] * 8 + [0] + [8]),
        (cast.store_b, cast.customer_b, [9] * 10 + [3] * 60 + [7] * 30),
    ):
        for score in scores:
            survey(request(store, person, at(2026, 3, 3, 9)), at(2026, 3, 4, 9), nps=score)
    # when
    values = march(executive, "nps", breakdown="store")
    # then each store has its own score and the whole is (18 − 61) / 110 = −39.1, not (70 − 50) / 2 = +10
    assert values.cell("nps", MARCH, "store-a").value == pytest.approx(70.0)
    assert values.cell("nps", MARCH, "store-b").value == pytest.approx(-50.0)
    assert values.cell("nps", MARCH).value == pytest.approx(-39.0909, abs=1e-4)
    assert values.keys == ["store-a", "store-b"]


def test_fcr_is_resolved_without_a_customer_follow_up_over_all_resolved(cast, executive):
    # given 4 resolved requests, the customer wrote again before the resolution of one of them, and
    # after the resolution of another (which does not count against it)
    tickets = [
        request(cast.store_a, cast.customer_a, at(2026, 3, 5, 9), resolved_after=5 * HOUR) for _ in range(4)
    ]
    TicketEvent.objects.create(ticket=tickets[0], type="customer_replied", created_at=at(2026, 3, 5, 10))
    TicketEvent.objects.create(ticket=tickets[1], type="customer_replied", created_at=at(2026, 3, 6, 10))
    # when
    cell = march(executive, "fcr").cell("fcr", MARCH)
    # then 3 / 4 (the Freshservice form of §9's 150 / 200)
    assert (cell.numerator, cell.denominator, cell.value) == (3, 4, 0.75)


def test_churn_cohort_counts_customers_without_a_request_in_the_six_months_after(
    cast, executive, frozen_clock
):
    # given 8 customers with a request in March 2026, 6 came back within 183 days, 2 did not (one came
    # back after 200 days); "now" is past the cohort's six months
    frozen_clock(at(2026, 11, 1, 12))
    store = cast.store_a
    people = [customer(store, f"客户{i}") for i in range(8)]
    for i, person in enumerate(people):
        request(store, person, at(2026, 3, 10, 9))
        if i < 6:
            request(store, person, at(2026, 3, 10, 9) + timedelta(days=30 * (i + 1)))
    request(store, people[6], at(2026, 3, 10, 9) + timedelta(days=200))
    # when
    values = march(executive, "customer_churn_6m", "customer_retention_6m")
    # then 2 / 8 lost, 75 % kept
    churn = values.cell("customer_churn_6m", MARCH)
    assert (churn.numerator, churn.denominator, churn.value) == (2, 8, 0.25)
    assert values.cell("customer_retention_6m", MARCH).value == 0.75


def test_complaint_rate_relates_complaints_registered_to_orders_completed(cast, executive):
    # given 2 complaints registered and 8 service requests resolved in March
    for _ in range(8):
        request(cast.store_a, cast.customer_a, at(2026, 3, 2, 9), resolved_after=HOUR)
    for _ in range(2):
        request(cast.store_a, cast.customer_a, at(2026, 3, 3, 9), kind="complaint")
    # when
    cell = march(executive, "complaint_rate").cell("complaint_rate", MARCH)
    # then
    assert (cell.numerator, cell.denominator, cell.value) == (2, 8, 0.25)


def test_sla_attainment_counts_achieved_over_completed_targets(cast, executive, frozen_clock):
    # given response targets: 3 met, 1 breached, 1 overdue without answer (breached), 1 still running
    frozen_clock(at(2026, 3, 20, 12))
    due = {"response_due_at": at(2026, 3, 10, 13)}
    for _ in range(3):
        request(cast.store_a, cast.customer_a, at(2026, 3, 10, 9), first_response_after=HOUR, **due)
    request(
        cast.store_a,
        cast.customer_a,
        at(2026, 3, 10, 9),
        first_response_after=8 * HOUR,
        response_breached=True,
        **due,
    )
    request(cast.store_a, cast.customer_a, at(2026, 3, 10, 9), **due)
    request(cast.store_a, cast.customer_a, at(2026, 3, 20, 9), response_due_at=at(2026, 3, 20, 13))
    # when
    cell = march(executive, "sla_response_rate").cell("sla_response_rate", MARCH)
    # then 3 / 5
    assert (cell.numerator, cell.denominator, cell.value) == (3, 5, 0.6)


def test_complaint_closure_counts_closed_in_time_over_closed_and_overdue(cast, executive, frozen_clock):
    # given complaints opened on 2 March, due 14 days later: 2 closed in time, 1 closed late, 1 open
    # past its date; and left out: 1 opened on 25 March (not due yet), 1 withdrawn (cancelled) open
    frozen_clock(at(2026, 3, 31, 12))
    opened = at(2026, 3, 2, 9)
    for closed_after, status in ((3, "resolved"), (13, "resolved"), (20, "resolved"), (None, "in_progress")):
        complaint(cast, opened, closed_after=closed_after, status=status)
    complaint(cast, at(2026, 3, 25, 9), closed_after=None, status="in_progress")
    complaint(cast, opened, closed_after=None, status="cancelled")
    # when
    cell = march(executive, "complaint_closure_14d").cell("complaint_closure_14d", MARCH)
    # then 2 / 4
    assert (cell.numerator, cell.denominator, cell.value) == (2, 4, 0.5)


def complaint(cast, opened, *, closed_after, status):
    ticket = request(cast.store_a, cast.customer_a, opened, kind="complaint", status=status)
    closed_at = None if closed_after is None else opened + timedelta(days=closed_after)
    return Complaint.objects.create(
        ticket=ticket,
        severity=2,
        source="direct",
        opened_at=opened,
        acknowledge_due_at=opened + timedelta(hours=8),
        due_at=opened + timedelta(days=14),
        closed_at=closed_at,
        closed_within_due=None if closed_at is None else closed_after <= 14,
    )


# --- conventions ----------------------------------------------------------------------------------------


def test_an_empty_period_has_no_ratio_and_a_count_of_zero(cast, executive):
    # given nothing happened in March
    values = march(executive, "csat_t2b", "requests_received", "mttr_h", "first_response_p90_h")
    # then ratios, means and percentiles have no value; the count is a true 0
    assert values.cell("csat_t2b", MARCH).value is None
    assert values.cell("mttr_h", MARCH).value is None
    assert values.cell("first_response_p90_h", MARCH).value is None
    assert values.cell("requests_received", MARCH).value == 0


def test_a_zero_denominator_gives_no_value_not_zero(cast, executive):
    # given requests in March but no survey answer
    request(cast.store_a, cast.customer_a, at(2026, 3, 2, 9))
    # when
    values = march(executive, "csat_t2b", "requests_received")
    # then
    cell = values.cell("csat_t2b", MARCH)
    assert (cell.value, cell.numerator, cell.denominator) == (None, 0, 0)
    assert values.cell("requests_received", MARCH).value == 1


def test_a_period_starts_at_midnight_in_shanghai(cast, executive):
    # given one request a second before midnight in Shanghai on 31 March and one at midnight, which is
    # still 31 March in UTC
    request(cast.store_a, cast.customer_a, at(2026, 3, 31, 23, 59, 59))
    request(cast.store_a, cast.customer_a, at(2026, 4, 1, 0, 0, 0))
    # when
    months = kpi_values(
        codes=["requests_received"], start=MARCH, end=date(2026, 5, 1), grain="month", user=executive
    )
    days = kpi_values(
        codes=["requests_received"],
        start=date(2026, 3, 31),
        end=date(2026, 4, 2),
        grain="day",
        user=executive,
    )
    # then they fall in different months and days
    assert [months.cell("requests_received", p).value for p in months.periods] == [1, 1]
    assert [days.cell("requests_received", p).value for p in days.periods] == [1, 1]
    assert days.periods == [date(2026, 3, 31), date(2026, 4, 1)]
    # and a range ending at 1 April (half-open) leaves the midnight one out
    assert march(executive, "requests_received").cell("requests_received", MARCH).value == 1


def test_percentiles_interpolate_linearly_like_percentile_cont(cast, executive):
    # given first responses after 60, 120, 180 and 600 minutes
    for minutes in (60, 120, 180, 600):
        request(
            cast.store_a, cast.customer_a, at(2026, 3, 2, 9), first_response_after=timedelta(minutes=minutes)
        )
    # when
    values = march(executive, "first_response_median_h", "first_response_p90_h", "first_response_mean_h")
    # then median = (120 + 180) / 2 = 150 min; p90 at position 0.9 × 3 = 2.7: 180 + 0.7 × 420 = 474 min
    assert values.cell("first_response_median_h", MARCH).value == pytest.approx(2.5)
    p90 = values.cell("first_response_p90_h", MARCH)
    assert p90.value == pytest.approx(7.9)
    # identical to the last bit on both backends (this suite runs on SQLite and PostgreSQL)
    assert p90.value == interpolated_percentile([60, 120, 180, 600], 0.9) / 60
    assert p90.n == 4
    assert values.cell("first_response_mean_h", MARCH).value == pytest.approx(240 / 60)


def test_interpolated_percentile_edges():
    assert interpolated_percentile([], 0.5) is None
    assert interpolated_percentile([7], 0.9) == 7.0
    assert interpolated_percentile([10, 20, 30, 40], 0.5) == 25.0


def test_the_all_row_of_a_ratio_is_the_ratio_of_the_sums(cast, executive):
    # given CSAT: store A 9 of 10 satisfied (90 %), store B 1 of 2 (50 %)
    for store, person, scores in (
        (cast.store_a, cast.customer_a, [5] * 9 + [1]),
        (cast.store_b, cast.customer_b, [5, 1]),
    ):
        for score in scores:
            survey(request(store, person, at(2026, 3, 3, 9)), at(2026, 3, 4, 9), csat=score)
    # when
    values = march(executive, "csat_t2b", breakdown="store")
    # then all = 10 / 12 = 83.3 %, not (90 + 50) / 2 = 70 %
    assert values.cell("csat_t2b", MARCH, "store-a").value == pytest.approx(0.9)
    assert values.cell("csat_t2b", MARCH, "store-b").value == pytest.approx(0.5)
    total = values.cell("csat_t2b", MARCH)
    assert (total.numerator, total.denominator) == (10, 12)


def test_an_empty_dimension_is_its_own_key(cast, executive):
    # given one request with an assignee and one without
    request(cast.store_a, cast.customer_a, at(2026, 3, 2, 9), assignee=cast.specialist_a)
    request(cast.store_a, cast.customer_a, at(2026, 3, 2, 9))
    # when
    values = march(executive, "requests_received", breakdown="specialist")
    # then
    assert values.keys == ["", "specialist_a"]
    assert [values.cell("requests_received", MARCH, key).value for key in ("", "specialist_a", None)] == [
        1,
        1,
        2,
    ]


def test_each_dataset_is_read_in_one_query(cast, executive, django_assert_num_queries):
    # given a little of everything
    ticket = request(
        cast.store_a, cast.customer_a, at(2026, 3, 2, 9), resolved_after=HOUR, first_response_after=HOUR
    )
    survey(ticket, at(2026, 3, 3, 9), csat=5, nps=9, ces=6)
    codes = [
        "response_24h_rate",
        "first_response_p90_h",
        "complaint_rate",
        "mttr_h",
        "first_time_right_30d",
        "csat_t2b",
        "csat_index",
        "nps",
        "survey_response_rate",
        "complaint_closure_14d",
    ]
    # when / then: requests, resolutions, complaints, survey answers and invitations — five queries,
    # breakdown included (and on PostgreSQL one more, the session's settings: kpi.engine.analytic_session)
    with django_assert_num_queries(5 + (connection.vendor == "postgresql")):
        values = march(executive, *codes, breakdown="store")
    assert values.cell("csat_t2b", MARCH, "store-a").value == 1.0


def test_a_store_manager_sees_only_their_store(cast, manager_a):
    # given requests in both stores, with surveys
    for store, person, score in ((cast.store_a, cast.customer_a, 5), (cast.store_b, cast.customer_b, 1)):
        survey(request(store, person, at(2026, 3, 2, 9)), at(2026, 3, 3, 9), csat=score)
    # when store A's manager asks, broken down by store
    values = march(manager_a, "requests_received", "csat_t2b", breakdown="store")
    # then only store A is there, in the keys and in the totals
    assert values.keys == ["store-a"]
    assert values.cell("requests_received", MARCH).value == 1
    assert values.cell("csat_t2b", MARCH).value == 1.0


def test_a_portal_customer_sees_only_their_own_requests(cast):
    request(cast.store_a, cast.customer_a, at(2026, 3, 2, 9))
    request(cast.store_b, cast.customer_b, at(2026, 3, 2, 9))
    values = march(cast.customer_a.user, "requests_received")
    assert values.cell("requests_received", MARCH).value == 1


def test_week_and_quarter_periods(cast, executive):
    request(cast.store_a, cast.customer_a, at(2026, 3, 1, 9))  # a Sunday: week of Monday 23 February
    request(cast.store_a, cast.customer_a, at(2026, 3, 2, 9))  # a Monday
    weeks = march(executive, "requests_received", grain="week")
    assert weeks.periods[:2] == [date(2026, 2, 23), date(2026, 3, 2)]
    assert [weeks.cell("requests_received", p).value for p in weeks.periods[:2]] == [1, 1]
    quarters = march(executive, "requests_received", grain="quarter")
    assert quarters.periods == [date(2026, 1, 1)]
    assert quarters.cell("requests_received", date(2026, 1, 1)).value == 2


@pytest.mark.parametrize(
    ("arguments", "field", "message"),
    [
        ({"codes": ["nope"]}, "codes", "Unknown KPI code(s): nope."),
        ({"codes": []}, "codes", "Name at least one KPI code."),
        ({"start": APRIL, "end": MARCH}, "end", "The period must end after it starts"),
        ({"grain": "decade"}, "grain", "Unknown grain 'decade'"),
        ({"breakdown": "colour"}, "breakdown", "cannot be broken down by 'colour'"),
        (
            {"codes": ["nps", "profit_margin"], "breakdown": "store"},
            "breakdown",
            "These KPIs have no breakdown in common ('store' included): ask for them without a "
            "breakdown, or in separate groups.",
        ),
        ({"start": date(2020, 1, 1), "grain": "day"}, "grain", "More than 400 periods"),
    ],
)
def test_bad_requests_name_the_parameter(executive, arguments, field, message):
    query = {"codes": ["nps"], "start": MARCH, "end": APRIL, "grain": "month", "user": executive, **arguments}
    with translation.override("en"), pytest.raises(ApplicationError) as raised:
        kpi_values(**query)
    assert raised.value.field == field
    assert message in raised.value.message


def test_survey_response_rate_waits_for_open_invitations(cast, executive, frozen_clock):
    # given 2 answered invitations, 1 expired unanswered, 1 still open
    frozen_clock(at(2026, 3, 31, 12))
    for _ in range(2):
        survey(request(cast.store_a, cast.customer_a, at(2026, 3, 2, 9)), at(2026, 3, 3, 9), csat=5)
    from aftersales.surveys.models import SurveyInvitation, SurveyTemplate

    template = SurveyTemplate.objects.get(code="transactional", active=True)
    for digest, expires in (("e" * 64, at(2026, 3, 30, 9)), ("o" * 64, at(2026, 4, 20, 9))):
        SurveyInvitation.objects.create(
            ticket=request(cast.store_a, cast.customer_a, at(2026, 3, 2, 9)),
            template=template,
            token_digest=digest,
            sent_at=at(2026, 3, 2, 10),
            expires_at=expires,
        )
    # when
    cell = march(executive, "survey_response_rate").cell("survey_response_rate", MARCH)
    # then 2 / 3
    assert (cell.numerator, cell.denominator) == (2, 3)
    assert Ticket.objects.count() == 4


def test_bad_requests_are_explained_in_chinese(executive):
    with translation.override("zh-hans"), pytest.raises(ApplicationError) as raised:
        kpi_values(codes=["nope"], start=MARCH, end=APRIL, user=executive)
    assert raised.value.message == "未知的指标代码：nope。"


def test_a_survey_campaigns_answers_stay_out_of_the_request_survey_kpis(cast, executive, frozen_clock):
    # given one answered request survey (CSAT 5, NPS 10) and a campaign's answered invitation (NPS 0)
    from aftersales.surveys.models import Campaign, SurveyInvitation, SurveyResponse, SurveyTemplate

    frozen_clock(at(2026, 3, 31, 12))
    survey(request(cast.store_a, cast.customer_a, at(2026, 3, 2, 9)), at(2026, 3, 3, 9), csat=5, nps=10)
    template = SurveyTemplate.objects.get(code="relationship_service", active=True)
    campaign = Campaign.objects.create(
        name="调研", topic="service", template=template, sample_size=1, random_seed=1
    )
    invitation = SurveyInvitation.objects.create(
        campaign=campaign,
        customer=cast.customer_a,
        template=template,
        token_digest="c" * 64,
        sent_at=at(2026, 3, 4, 9),
        expires_at=at(2026, 4, 1, 9),
        answered_at=at(2026, 3, 5, 9),
    )
    response = SurveyResponse.objects.create(invitation=invitation, created_at=at(2026, 3, 5, 9))
    response.answers.create(item=template.items.get(kind="nps"), number=0)
    # when the executive (every store, no store filter) asks
    values = march(executive, "nps", "survey_response_rate")
    # then only the request's survey counts
    assert (values.cell("nps", MARCH).value, values.cell("nps", MARCH).n) == (pytest.approx(100.0), 1)
    rate = values.cell("survey_response_rate", MARCH)
    assert (rate.numerator, rate.denominator) == (1, 1)
