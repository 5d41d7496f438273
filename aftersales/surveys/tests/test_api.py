"""The survey API: the questionnaire behind a token, idempotent submission (201, replay 200, 409, 410,
400 naming the item, 404), and the staff list of responses scoped to the requests they may see."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from aftersales.api.testing import API, api_client, get
from aftersales.service.services.tickets import ticket_register, ticket_resolve
from aftersales.surveys.models import SurveyAnswer, SurveyInvitation, SurveyResponse
from aftersales.surveys.services import survey_invite
from aftersales.surveys.tests.conftest import full_answers, items_by_kind

SHANGHAI = ZoneInfo("Asia/Shanghai")
RESPONSES = f"{API}/surveys/responses"


@pytest.fixture
def kiosk() -> Client:
    """An integration without an API token: the survey link's token is its permission."""
    return Client(headers={"Accept-Language": "en"})


@pytest.fixture
def invited(resolved_ticket, transactional):
    invitation, token = survey_invite(ticket=resolved_ticket, template=transactional)
    return invitation, token


def submit(client: Client, token: str, answers: dict):
    body = {"token": token, "answers": {str(key): value for key, value in answers.items()}}
    return client.post(RESPONSES, body, content_type="application/json")


# --- the questionnaire ------------------------------------------------------------------------------------


def test_the_form_lists_the_items_with_their_scales_and_records_nothing(invited, kiosk, transactional):
    # given
    invitation, token = invited
    # when
    response = kiosk.get(f"{API}/surveys/forms/{token}")
    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["request"], body["template"], body["version"]) == (
        invitation.ticket.number,
        "transactional",
        1,
    )
    assert [(i["kind"], i["low"], i["high"], i["required"]) for i in body["items"]] == [
        ("csat", 1, 5, True),
        ("nps", 0, 10, True),
        ("ces", 1, 7, True),
        ("text", None, None, False),
    ]
    assert body["items"][0]["id"] == items_by_kind(transactional)["csat"].pk
    assert SurveyInvitation.objects.get().answered_at is None


def test_the_form_of_an_unknown_token_is_404(invited, kiosk):
    # when
    response = kiosk.get(f"{API}/surveys/forms/no-such-token")
    # then
    assert response.status_code == 404
    assert (
        response.json()["message"] == "This survey link is not valid. Check that you copied the whole link."
    )


# --- submission ---------------------------------------------------------------------------------------------


def test_a_submission_records_the_response_once_with_201(invited, kiosk, transactional):
    # given
    invitation, token = invited
    items = items_by_kind(transactional)
    # when
    response = submit(kiosk, token, full_answers(transactional))
    # then
    assert response.status_code == 201
    body = response.json()
    recorded = SurveyResponse.objects.get()
    assert body["id"] == recorded.pk
    assert body["request"] == invitation.ticket.number
    assert body["store"] == "store-a"
    assert [(a["item"], a["kind"], a["number"], a["text"]) for a in body["answers"]] == [
        (items["csat"].pk, "csat", 4, ""),
        (items["nps"].pk, "nps", 9, ""),
        (items["ces"].pk, "ces", 6, ""),
        (items["text"].pk, "text", None, "师傅很专业"),
    ]
    assert SurveyInvitation.objects.get().answered_at is not None


def test_the_same_submission_again_returns_the_first_response_with_200(invited, kiosk, transactional):
    # given
    _invitation, token = invited
    first = submit(kiosk, token, full_answers(transactional))
    # when the kiosk retries (a lost answer, a double tap), with the numbers as strings this time
    again = submit(kiosk, token, {k: str(v) for k, v in full_answers(transactional).items()})
    # then
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert SurveyResponse.objects.count() == 1
    assert SurveyAnswer.objects.count() == 4


def test_a_replay_after_the_expiry_still_returns_the_first_response(
    invited, kiosk, transactional, frozen_clock
):
    # given answered, then the link expired (28 days after 14:00 on 2 March)
    _invitation, token = invited
    first = submit(kiosk, token, full_answers(transactional))
    frozen_clock(datetime(2026, 4, 1, 9, 0))
    # when
    again = submit(kiosk, token, full_answers(transactional))
    # then
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]


def test_other_answers_for_an_answered_survey_are_409_and_change_nothing(invited, kiosk, transactional):
    # given
    _invitation, token = invited
    first = submit(kiosk, token, full_answers(transactional))
    # when
    other = submit(kiosk, token, full_answers(transactional, csat=1))
    # then
    assert other.status_code == 409
    assert other.json() == {
        "message": "This survey has already been answered, with other answers: the first answers stand.",
        "extra": {"field": "answers", "response": first.json()["id"]},
    }
    assert list(SurveyAnswer.objects.filter(item__kind="csat").values_list("number", flat=True)) == [4]


def test_an_invalid_submission_for_an_answered_survey_is_409(invited, kiosk, transactional):
    # given
    _invitation, token = invited
    submit(kiosk, token, full_answers(transactional))
    # when
    other = submit(kiosk, token, full_answers(transactional, csat=9))
    # then
    assert other.status_code == 409


def test_an_expired_link_is_410_and_records_nothing(invited, kiosk, transactional, frozen_clock):
    # given the link expired at 14:00 on 30 March
    _invitation, token = invited
    frozen_clock(datetime(2026, 3, 30, 14, 0))
    # when
    response = submit(kiosk, token, full_answers(transactional))
    # then
    assert response.status_code == 410
    assert response.json() == {"message": "This survey link has expired.", "extra": {"reason": "expired"}}
    assert not SurveyResponse.objects.exists()


def test_an_out_of_range_score_is_400_naming_the_item(invited, kiosk, transactional):
    # given
    _invitation, token = invited
    nps = items_by_kind(transactional)["nps"]
    # when
    response = submit(kiosk, token, full_answers(transactional, nps=11))
    # then
    assert response.status_code == 400
    body = response.json()
    message = "“How likely are you to recommend us to a friend or relative?”: choose a value from 0 to 10."
    assert body["message"] == message
    assert body["extra"]["field"] == f"item-{nps.pk}"
    assert body["extra"]["errors"] == {f"item-{nps.pk}": message}
    assert not SurveyResponse.objects.exists()
    assert SurveyInvitation.objects.get().answered_at is None


def test_an_unknown_item_is_400_naming_it(invited, kiosk, transactional):
    # given
    _invitation, token = invited
    answers = {**full_answers(transactional), 999999: 5}
    # when
    response = submit(kiosk, token, answers)
    # then
    assert response.status_code == 400
    assert response.json() == {
        "message": "Unknown items 999999: these answers do not belong to this survey.",
        "extra": {"field": "answers", "unknown": ["999999"]},
    }
    assert not SurveyResponse.objects.exists()


def test_a_missing_required_answer_is_400_naming_the_item(invited, kiosk, transactional):
    # given
    _invitation, token = invited
    answers = full_answers(transactional)
    del answers[items_by_kind(transactional)["csat"].pk]
    # when
    response = submit(kiosk, token, answers)
    # then
    assert response.status_code == 400
    assert response.json()["message"] == "“How satisfied were you with this service?” needs an answer."


def test_an_unknown_token_is_404(invited, kiosk, transactional):
    # when
    response = submit(kiosk, "x" * 43, full_answers(transactional))
    # then
    assert response.status_code == 404
    assert not SurveyResponse.objects.exists()


def test_a_body_without_answers_is_422(invited, kiosk):
    # given
    _invitation, token = invited
    # when
    response = kiosk.post(RESPONSES, {"token": token}, content_type="application/json")
    # then
    assert response.status_code == 422
    assert response.json()["extra"]["errors"][0]["field"] == "body.answers"


# --- the staff list -------------------------------------------------------------------------------------------


@pytest.fixture
def answered_in_both_stores(invited, transactional, cast, frozen_clock, kiosk):
    """Store A's request answered CSAT 4 with a comment; store B's CSAT 2."""
    _invitation, token = invited
    submit(kiosk, token, full_answers(transactional))
    ticket_b = ticket_register(
        by=cast.specialist_b, store=cast.store_b, customer=cast.customer_b, channel="phone", subject="B店"
    )
    ticket_b = ticket_resolve(ticket=ticket_b, by=cast.specialist_b, outcome="repair", root_cause="RC-1")
    _invitation_b, token_b = survey_invite(ticket=ticket_b, template=transactional)
    submit(kiosk, token_b, full_answers(transactional, csat=2, text="太慢了"))
    return ticket_b


def test_the_list_shows_staff_the_responses_of_their_stores(answered_in_both_stores, cast, resolved_ticket):
    # when
    mine = get(api_client(cast.specialist_a), "/surveys/responses").json()
    company = get(api_client(cast.executive), "/surveys/responses").json()
    # then
    assert [item["request"] for item in mine["items"]] == [resolved_ticket.number]
    assert mine["count"] == 1
    assert sorted(item["store"] for item in company["items"]) == ["store-a", "store-b"]


def test_the_list_filters_like_the_results_page(answered_in_both_stores, cast):
    # when
    low = get(api_client(cast.executive), "/surveys/responses", csat=2).json()
    text = get(api_client(cast.executive), "/surveys/responses", q="太慢").json()
    # then
    assert [item["request"] for item in low["items"]] == [answered_in_both_stores.number]
    assert [item["request"] for item in text["items"]] == [answered_in_both_stores.number]


def test_the_list_is_paginated_within_bounds(answered_in_both_stores, cast):
    # when
    page = get(api_client(cast.executive), "/surveys/responses", page_size=1, page=2).json()
    too_big = get(api_client(cast.executive), "/surveys/responses", page_size=101)
    # then
    assert (page["count"], page["pages"], len(page["items"])) == (2, 2, 1)
    assert too_big.status_code == 422


def test_the_list_is_for_staff(answered_in_both_stores, cast, kiosk):
    # when
    customer = get(api_client(cast.customer_a.user), "/surveys/responses")
    anonymous = kiosk.get(RESPONSES)
    # then
    assert customer.status_code == 403
    assert anonymous.status_code == 401


def test_the_list_answers_in_a_constant_number_of_queries(
    answered_in_both_stores, cast, django_assert_max_num_queries
):
    # given
    client = api_client(cast.executive)
    # when / then: token, count, page, answers with their items
    with django_assert_max_num_queries(8):
        response = get(client, "/surveys/responses")
    assert response.json()["count"] == 2
