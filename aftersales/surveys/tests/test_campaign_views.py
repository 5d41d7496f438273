"""The campaign pages: who may use them, the form's bad input, the live population count, the buttons,
and campaign answers in the results list."""

import pytest
from django.test import Client
from django.urls import reverse

from aftersales.accounts.models import Role
from aftersales.core import testing
from aftersales.customers.models import Customer
from aftersales.surveys.campaigns import Criteria, campaign_create, campaign_sample_draw, campaign_start
from aftersales.surveys.models import Campaign, SurveyInvitation
from aftersales.surveys.services import survey_respond
from aftersales.surveys.tests.test_campaigns import answers_for, tokens_mailed

FORM = {
    "name": "A店年度服务调研",
    "topic": "service",
    "exclude_surveyed_days": "90",
    "sample_size": "10",
    "batch_size": "5",
    "batch_interval_hours": "24",
}


def signed_in(user) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


@pytest.fixture
def manager_b(cast):
    return testing.make_user("manager_b", Role.STORE_MANAGER, stores=(cast.store_b,))


@pytest.fixture
def campaign_a(cast) -> Campaign:
    """Store A's draft campaign with its sample (customer_a) drawn."""
    campaign = campaign_create(
        by=cast.manager_a,
        name="A店关系调研",
        topic=Campaign.Topic.PRODUCT_QUALITY,
        criteria=Criteria(stores=(cast.store_a,)),
        sample_size=5,
        random_seed=3,
    )
    campaign_sample_draw(campaign=campaign, by=cast.manager_a)
    return campaign


def test_a_specialist_may_neither_list_nor_create_nor_open_a_campaign(cast, campaign_a):
    client = signed_in(cast.specialist_a)
    assert client.get(reverse("surveys:campaigns")).status_code == 403
    assert client.get(reverse("surveys:campaign_new")).status_code == 403
    assert client.post(reverse("surveys:campaign_new"), FORM).status_code == 403
    assert client.get(reverse("surveys:campaign_detail", args=[campaign_a.pk])).status_code == 404
    assert Campaign.objects.count() == 1


def test_another_stores_manager_gets_404_and_does_not_see_it_listed(cast, manager_b, campaign_a):
    client = signed_in(manager_b)
    assert client.get(reverse("surveys:campaign_detail", args=[campaign_a.pk])).status_code == 404
    for action in ("campaign_draw", "campaign_start", "campaign_cancel"):
        assert client.post(reverse(f"surveys:{action}", args=[campaign_a.pk])).status_code == 404
    listing = client.get(reverse("surveys:campaigns"))
    assert listing.status_code == 200
    assert "A店关系调研" not in listing.text
    campaign_a.refresh_from_db()
    assert campaign_a.status == Campaign.Status.DRAFT


def test_a_manager_creates_a_campaign_of_their_store_and_the_sample_is_drawn(cast):
    Customer.objects.create(name="钱女士", home_store=cast.store_a, email="qian@example.com")
    Customer.objects.create(name="乙店客户", home_store=cast.store_b, email="yi@example.com")
    response = signed_in(cast.manager_a).post(reverse("surveys:campaign_new"), FORM, follow=True)
    campaign = Campaign.objects.get()
    assert response.redirect_chain == [(reverse("surveys:campaign_detail", args=[campaign.pk]), 302)]
    assert "Sample drawn: 2 of 2 customers." in response.text
    assert (list(campaign.stores.all()), campaign.created_by) == ([cast.store_a], cast.manager_a)
    assert sorted(campaign.recipients.values_list("customer__name", flat=True)) == ["孙先生", "钱女士"]


@pytest.mark.parametrize(
    "changes,message",
    [
        (
            {"tiers": ["vip"]},
            "No customer matches these criteria",
        ),
        ({"sample_size": "-3"}, "The sample size must be a whole number of at least 1."),
        (
            {"last_service_from": "2026-03-10", "last_service_to": "2026-03-01"},
            "The last-service range ends (2026-03-01) before it starts (2026-03-10).",
        ),
        ({"sample_size": "", "sample_percent": ""}, "Give either a sample size or a percentage"),
        ({"batch_size": "many"}, "Enter a whole number."),
    ],
)
def test_bad_input_on_the_form_says_what_is_wrong_and_creates_nothing(cast, changes, message):
    response = signed_in(cast.manager_a).post(reverse("surveys:campaign_new"), {**FORM, **changes})
    assert response.status_code == 400
    assert message in response.text
    assert Campaign.objects.count() == 0


def test_the_live_count_gives_the_population_or_the_problem(cast):
    Customer.objects.create(name="钱女士", home_store=cast.store_a, email="qian@example.com")
    Customer.objects.create(
        name="拒绝", home_store=cast.store_a, email="no@example.com", consent_to_contact=False
    )
    client = signed_in(cast.manager_a)
    url = reverse("surveys:campaign_population")
    assert "Population: 2 customers match these criteria." in client.get(url, FORM).text
    assert "Nobody to ask" in client.get(url, {**FORM, "tiers": "gold"}).text
    inverted = client.get(url, {**FORM, "last_service_from": "2026-03-10", "last_service_to": "2026-03-01"})
    assert "The last-service range ends before it starts." in inverted.text
    assert "Select a valid choice" in client.get(url, {**FORM, "stores": cast.store_b.pk}).text


def test_start_sends_the_first_batch_and_cancel_stops_the_rest(
    cast, django_capture_on_commit_callbacks, mailoutbox
):
    # given store A's campaign of two customers, one per batch
    Customer.objects.create(name="钱女士", home_store=cast.store_a, email="qian@example.com")
    campaign = campaign_create(
        by=cast.manager_a,
        name="A店分批调研",
        topic=Campaign.Topic.SERVICE,
        criteria=Criteria(stores=(cast.store_a,)),
        sample_size=2,
        random_seed=3,
        batch_size=1,
    )
    campaign_sample_draw(campaign=campaign, by=cast.manager_a)
    client = signed_in(cast.manager_a)
    # when started: the first batch
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("surveys:campaign_start", args=[campaign.pk]), follow=True)
    assert "The campaign is started." in started.text
    assert len(mailoutbox) == 1
    # when cancelled: nothing more, and it cannot be started again
    cancelled = client.post(reverse("surveys:campaign_cancel", args=[campaign.pk]), follow=True)
    assert "The campaign is cancelled" in cancelled.text
    campaign.refresh_from_db()
    assert (campaign.status, campaign.recipients.filter(handled_at__isnull=True).count()) == (
        Campaign.Status.CANCELLED,
        1,
    )
    again = client.post(reverse("surveys:campaign_start", args=[campaign.pk]), follow=True)
    assert "Only a draft campaign can be started; this one is cancelled." in again.text


def test_the_detail_page_shows_the_response_rate_and_the_results_list_filters_by_campaign(
    cast, django_capture_on_commit_callbacks, mailoutbox
):
    # given a campaign of store B (customer_b and two more): 3 sent, 1 answered
    for n in (1, 2):
        Customer.objects.create(name=f"乙{n}", home_store=cast.store_b, email=f"b{n}@example.com")
    campaign = campaign_create(
        by=cast.executive,
        name="乙店调研",
        topic=Campaign.Topic.PARTNERS,
        criteria=Criteria(stores=(cast.store_b,)),
        sample_size=3,
        random_seed=5,
    )
    campaign_sample_draw(campaign=campaign, by=cast.executive)
    with django_capture_on_commit_callbacks(execute=True):
        campaign_start(campaign=campaign, by=cast.executive)
    survey_respond(
        token=tokens_mailed(mailoutbox)[0], answers=answers_for(campaign.template, text="网点很远")
    )
    client = signed_in(cast.executive)
    # when
    detail = client.get(reverse("surveys:campaign_detail", args=[campaign.pk]))
    results = client.get(reverse("surveys:results"), {"campaign": campaign.pk})
    # then 1 of 3 = 33.3 %
    assert '<span class="stat-value" id="response-rate">33.3 %</span>' in detail.text
    assert "网点很远" in results.text and "乙店调研" in results.text
    answered = SurveyInvitation.objects.get(campaign=campaign, answered_at__isnull=False)
    assert answered.customer.name in results.text
    # and store A's manager sees neither
    assert "网点很远" not in signed_in(cast.manager_a).get(reverse("surveys:results")).text
