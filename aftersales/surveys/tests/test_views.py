from datetime import timedelta

import pytest
from django.urls import reverse

from aftersales.surveys.models import SurveyInvitation, SurveyResponse
from aftersales.surveys.services import survey_invite
from aftersales.surveys.tests.conftest import full_answers, items_by_kind


@pytest.fixture
def client(client):
    """A browser that asks for English; the product's default is zh-hans."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def invited(resolved_ticket, transactional):
    """(invitation, token) of customer A's resolved request."""
    return survey_invite(ticket=resolved_ticket, template=transactional)


def posted(template, **overrides) -> dict:
    return {f"item-{item_id}": value for item_id, value in full_answers(template, **overrides).items()}


def test_the_link_opens_the_form_and_two_gets_record_nothing(client, invited, transactional):
    # given
    invitation, token = invited
    url = reverse("surveys:answer", args=[token])
    # when a mail scanner and then the customer open the link
    first = client.get(url)
    second = client.get(url)
    # then
    assert url == f"/s/{token}/"
    assert (first.status_code, second.status_code) == (200, 200)
    assert "How satisfied were you with this service?" in second.text
    assert second["Cache-Control"] == "no-store"
    assert second["Referrer-Policy"] == "same-origin"
    assert SurveyResponse.objects.count() == 0
    updated_at = invitation.updated_at
    invitation.refresh_from_db()
    assert invitation.answered_at is None
    assert invitation.updated_at == updated_at


def test_the_form_offers_every_point_of_each_scale_as_a_radio_button(client, invited, transactional):
    # given
    _invitation, token = invited
    kinds = items_by_kind(transactional)
    # when
    page = client.get(reverse("surveys:answer", args=[token])).text
    # then
    assert page.count(f'name="item-{kinds["csat"].pk}"') == 5
    assert page.count(f'name="item-{kinds["nps"].pk}"') == 11
    assert page.count(f'name="item-{kinds["ces"].pk}"') == 7
    assert f'type="radio" name="item-{kinds["nps"].pk}" value="0"' in page
    assert "style=" not in page


def test_the_form_speaks_chinese_by_default(client, invited):
    # given
    _invitation, token = invited
    # when
    page = client.get(reverse("surveys:answer", args=[token]), HTTP_ACCEPT_LANGUAGE="zh-hans").text
    # then
    assert "对本次服务满意吗？" in page
    assert "我们的服务怎么样？" in page
    assert "1 = 非常不满意" in page


def test_a_post_records_once_and_redirects_to_the_thanks_page(client, invited, transactional):
    # given
    _invitation, token = invited
    url = reverse("surveys:answer", args=[token])
    # when
    response = client.post(url, posted(transactional))
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("surveys:thanks")
    assert client.get(response["Location"]).status_code == 200
    answers = SurveyResponse.objects.get().answers
    assert sorted(answers.exclude(number=None).values_list("number", flat=True)) == [4, 6, 9]


def test_a_second_post_is_refused_with_410_and_records_nothing(client, invited, transactional):
    # given
    _invitation, token = invited
    url = reverse("surveys:answer", args=[token])
    client.post(url, posted(transactional))
    # when
    again = client.post(url, posted(transactional, csat=1))
    reopened = client.get(url)
    # then
    assert again.status_code == 410
    assert "This survey has already been answered. Thank you!" in again.text
    assert reopened.status_code == 410
    assert SurveyResponse.objects.count() == 1
    assert SurveyResponse.objects.get().answers.get(item__kind="csat").number == 4


def test_an_out_of_range_answer_shows_the_form_again_naming_the_item(client, invited, transactional):
    # given
    _invitation, token = invited
    # when
    response = client.post(reverse("surveys:answer", args=[token]), posted(transactional, nps=11))
    # then
    assert response.status_code == 400
    assert (
        "“How likely are you to recommend us to a friend or relative?”: choose a value from 0 to 10."
        in response.text
    )
    assert SurveyResponse.objects.count() == 0


def test_a_missing_required_answer_keeps_the_others(client, invited, transactional):
    # given
    _invitation, token = invited
    kinds = items_by_kind(transactional)
    data = posted(transactional)
    del data[f"item-{kinds['csat'].pk}"]
    # when
    response = client.post(reverse("surveys:answer", args=[token]), data)
    # then
    assert response.status_code == 400
    assert "“How satisfied were you with this service?” needs an answer." in response.text
    assert f'name="item-{kinds["nps"].pk}" value="9" checked' in response.text
    assert "师傅很专业" in response.text


def test_an_expired_link_is_410_and_records_nothing(client, invited, transactional, frozen_clock):
    # given
    invitation, token = invited
    frozen_clock(invitation.expires_at + timedelta(minutes=1))
    url = reverse("surveys:answer", args=[token])
    # when
    shown = client.get(url)
    sent = client.post(url, posted(transactional))
    # then
    assert (shown.status_code, sent.status_code) == (410, 410)
    assert "This survey link has expired." in shown.text
    assert SurveyResponse.objects.count() == 0


def test_an_unknown_link_is_404_with_a_friendly_page(client, invited, transactional):
    # given
    _invitation, token = invited
    url = reverse("surveys:answer", args=["x" * 43])
    # when
    shown = client.get(url)
    sent = client.post(url, posted(transactional))
    # then
    assert (shown.status_code, sent.status_code) == (404, 404)
    assert "This survey link is not valid. Check that you copied the whole link." in shown.text
    assert SurveyResponse.objects.count() == 0
    assert SurveyInvitation.objects.get().answered_at is None


def test_an_error_is_shown_in_chinese_by_default(client, invited, transactional):
    # given
    _invitation, token = invited
    # when
    response = client.post(
        reverse("surveys:answer", args=[token]), posted(transactional, ces=0), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    # then
    assert response.status_code == 400
    assert "“我的问题处理起来很容易。”：请选择 1 到 7 之间的分值。" in response.text


def test_the_english_switch_keeps_the_customer_on_the_survey(client, invited):
    # given
    _invitation, token = invited
    url = reverse("surveys:answer", args=[token])
    # when
    switched = client.post(
        reverse("set_language"), {"language": "en", "next": url}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    # then
    assert switched["Location"] == url
    assert "How satisfied were you with this service?" in page.text
    assert SurveyResponse.objects.count() == 0


def test_choice_items_render_and_record_every_ticked_option(client, resolved_ticket, transactional):
    # given a version with a single and a multiple choice item
    from aftersales.surveys.services import survey_template_revise

    options = [
        {"value": "speed", "zh": "速度", "en": "Speed"},
        {"value": "staff", "zh": "人员", "en": "Staff"},
    ]
    revised = survey_template_revise(
        template=transactional,
        items=[
            {"kind": "single", "wording_zh": "渠道", "wording_en": "Channel", "choices": options},
            {"kind": "multiple", "wording_zh": "优点", "wording_en": "What was good?", "choices": options},
        ],
    )
    single, multiple = revised.items.order_by("order")
    _invitation, token = survey_invite(ticket=resolved_ticket, template=revised)
    url = reverse("surveys:answer", args=[token])
    # when
    page = client.get(url).text
    sent = client.post(url, {f"item-{single.pk}": "staff", f"item-{multiple.pk}": ["speed", "staff"]})
    # then
    assert f'type="radio" name="item-{single.pk}" value="staff"' in page
    assert f'type="checkbox" name="item-{multiple.pk}" value="speed"' in page
    assert "What was good?" in page
    assert sent.status_code == 302
    answers = SurveyResponse.objects.get().answers
    assert answers.get(item=single).choices == ["staff"]
    assert answers.get(item=multiple).choices == ["speed", "staff"]


# --- cost: the page answers in p95 < 50 ms (bench/survey_page.py); these pin its queries ----------------------


def test_the_page_costs_two_queries(client, invited, django_assert_num_queries):
    # given
    _invitation, token = invited
    # when / then: the invitation with its template, request and store; the items
    with django_assert_num_queries(2):
        response = client.get(reverse("surveys:answer", args=[token]))
    assert response.status_code == 200


def test_a_link_issued_later_costs_one_more_query(client, invited, cast, django_assert_num_queries):
    # given a token of the survey_link table (a reminder, a QR code)
    from aftersales.surveys.services import survey_link_issue

    _link, token = survey_link_issue(ticket=invited[0].ticket, by=cast.specialist_a, channel="qr")
    # when / then: the invitation's own digest misses, the link's hits
    with django_assert_num_queries(3):
        response = client.get(reverse("surveys:answer", args=[token]))
    assert response.status_code == 200


def test_an_answer_costs_a_fixed_number_of_queries(client, invited, transactional, django_assert_num_queries):
    # given
    _invitation, token = invited
    form = posted(transactional)
    # when / then: in one transaction (savepoint and release here), the invitation read and locked with
    # its template, request and store; the items; the response; its answers (one insert); answered_at;
    # the stale KPI days (one insert, ADR 0009)
    with django_assert_num_queries(8):
        response = client.post(reverse("surveys:answer", args=[token]), form)
    assert response.status_code == 302
    assert SurveyResponse.objects.count() == 1
