"""Relationship survey campaigns: the population's criteria, the seeded draw, batches, cancel, the
response rate, and the answer page for a campaign's invitation."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from aftersales.accounts.models import Role
from aftersales.api.testing import API, api_client, get
from aftersales.core import testing
from aftersales.core.errors import ApplicationError, IllegalTransition, NotAllowed
from aftersales.customers.models import Asset, Customer, ProductCategory, ProductModel
from aftersales.service.models import SlaPolicy
from aftersales.service.services.tickets import ticket_register, ticket_resolve
from aftersales.surveys.campaigns import (
    Criteria,
    campaign_batches_send,
    campaign_cancel,
    campaign_create,
    campaign_sample_draw,
    campaign_send_batch,
    campaign_start,
    population,
)
from aftersales.surveys.models import Campaign, CampaignRecipient, SurveyInvitation, SurveyResponse
from aftersales.surveys.selectors import campaign_progress
from aftersales.surveys.services import survey_invite, survey_reminders_send, survey_respond

MONDAY = datetime(2026, 3, 2, 10, 0)


def make_customers(store, count: int, *, prefix: str = "客户", **fields) -> list[Customer]:
    """`count` customers of `store` named prefix01, prefix02, … in ascending id order."""
    return [
        Customer.objects.create(
            name=f"{prefix}{n:02d}", home_store=store, email=f"{prefix}{n:02d}@example.com", **fields
        )
        for n in range(1, count + 1)
    ]


def names(customers) -> list[str]:
    return sorted(customer.name for customer in customers)


def everyone(cast, **criteria) -> list[str]:
    """Names in the population the executive gets for `criteria` (the cast's customers are excluded)."""
    found = population(by=cast.executive, criteria=Criteria(exclude_surveyed_days=0, **criteria))
    return names(found.exclude(pk__in=[cast.customer_a.pk, cast.customer_b.pk]))


def create(by, **overrides) -> Campaign:
    fields = {
        "name": "2026 春季售后服务调研",
        "topic": Campaign.Topic.SERVICE,
        "criteria": Criteria(exclude_surveyed_days=0),
        "sample_size": 3,
        "random_seed": 7,
        "batch_size": 2,
        "batch_interval_hours": 24,
    }
    return campaign_create(by=by, **{**fields, **overrides})


def recipients(campaign) -> list[str]:
    return [r.customer.name for r in campaign.recipients.select_related("customer").order_by("position")]


# --- the population --------------------------------------------------------------------------------------


def test_consent_and_an_email_address_are_required(cast):
    make_customers(cast.store_a, 1, prefix="同意")
    make_customers(cast.store_a, 1, prefix="拒绝", consent_to_contact=False)
    Customer.objects.create(name="无邮箱", home_store=cast.store_a, email="")
    assert everyone(cast) == ["同意01"]


def test_stores_select_the_customers_whose_home_store_it_is(cast):
    make_customers(cast.store_a, 2, prefix="甲")
    make_customers(cast.store_b, 1, prefix="乙")
    assert everyone(cast, stores=(cast.store_a,)) == ["甲01", "甲02"]
    assert everyone(cast, stores=(cast.store_b,)) == ["乙01"]
    assert everyone(cast) == ["乙01", "甲01", "甲02"]


def test_a_product_category_selects_owners_of_its_models_and_of_its_sub_categories(cast):
    vehicles = ProductCategory.objects.create(code="vehicles", name="整车")
    suv = ProductCategory.objects.create(code="suv", name="SUV", parent=vehicles)
    appliances = ProductCategory.objects.create(code="appliances", name="家电")
    policy = testing.make_warranty_policy()
    models = {
        category.code: ProductModel.objects.create(
            category=category, code=f"m-{category.code}", name=category.name, warranty_policy=policy
        )
        for category in (vehicles, suv, appliances)
    }
    owners = {}
    for code, customer in zip(models, make_customers(cast.store_a, 3, prefix="车主"), strict=True):
        Asset.objects.create(
            customer=customer,
            product_model=models[code],
            serial=f"S-{code}",
            purchase_date=date(2025, 1, 1),
            selling_store=cast.store_a,
        )
        owners[code] = customer.name
    assert everyone(cast, product_categories=(vehicles,)) == [owners["vehicles"], owners["suv"]]
    assert everyone(cast, product_categories=(suv,)) == [owners["suv"]]
    assert everyone(cast, product_categories=(appliances,)) == [owners["appliances"]]


def test_tiers_select_exactly_their_customers(cast):
    make_customers(cast.store_a, 1, prefix="金", tier=Customer.Tier.GOLD)
    make_customers(cast.store_a, 1, prefix="贵宾", tier=Customer.Tier.VIP)
    make_customers(cast.store_a, 1, prefix="普通")
    assert everyone(cast, tiers=(Customer.Tier.GOLD, Customer.Tier.VIP)) == ["贵宾01", "金01"]
    assert everyone(cast, tiers=(Customer.Tier.STANDARD,)) == ["普通01"]


def serve(cast, customer, *, resolved_at: datetime, frozen_clock) -> None:
    frozen_clock(resolved_at - timedelta(hours=1))
    ticket = ticket_register(
        by=cast.specialist_a,
        store=cast.store_a,
        customer=customer,
        channel="phone",
        kind="repair",
        subject="保养",
        fault_category=cast.engine,
    )
    frozen_clock(resolved_at)
    ticket_resolve(ticket=ticket, by=cast.specialist_a, outcome="repair", root_cause="RC-1")


def test_the_last_service_range_includes_both_days_in_shanghai_time(cast, frozen_clock):
    SlaPolicy.objects.create(name="默认", response_minutes=24 * 60, resolution_minutes=72 * 60)
    before, first, last, after, never = make_customers(cast.store_a, 5, prefix="服务")
    serve(cast, before, resolved_at=datetime(2026, 3, 1, 23, 59), frozen_clock=frozen_clock)
    serve(cast, first, resolved_at=datetime(2026, 3, 2, 0, 0), frozen_clock=frozen_clock)
    serve(cast, last, resolved_at=datetime(2026, 3, 4, 23, 59), frozen_clock=frozen_clock)
    serve(cast, after, resolved_at=datetime(2026, 3, 5, 0, 0), frozen_clock=frozen_clock)
    # a later request of `before`'s makes 3 March its last service
    serve(cast, before, resolved_at=datetime(2026, 3, 3, 12, 0), frozen_clock=frozen_clock)
    frozen_clock(datetime(2026, 3, 10, 9, 0))
    window = {"last_service_from": date(2026, 3, 2), "last_service_to": date(2026, 3, 4)}
    assert everyone(cast, **window) == ["服务01", "服务02", "服务03"]
    assert everyone(cast, last_service_from=date(2026, 3, 5)) == ["服务04"]
    assert everyone(cast, last_service_to=date(2026, 3, 1)) == []
    assert never.name not in everyone(cast, last_service_to=date(2026, 12, 31))


def test_customers_surveyed_within_the_window_are_left_out_to_the_second(cast, frozen_clock):
    # given customers invited 30 days ago exactly, and 30 days and one second ago, by a campaign; and
    # customer_a invited after a request 30 days ago exactly
    now = frozen_clock(MONDAY)
    at_boundary, just_outside, never = make_customers(cast.store_a, 3, prefix="回访")
    earlier = create(cast.executive, criteria=Criteria(stores=(cast.store_a,), exclude_surveyed_days=0))
    for customer, at in (
        (at_boundary, now - timedelta(days=30)),
        (just_outside, now - timedelta(days=30, seconds=1)),
    ):
        SurveyInvitation.objects.create(
            campaign=earlier,
            customer=customer,
            template=earlier.template,
            token_digest=f"digest-{customer.pk}",
            expires_at=at + timedelta(days=28),
            created_at=at,
        )
    SlaPolicy.objects.create(name="默认", response_minutes=24 * 60, resolution_minutes=72 * 60)
    frozen_clock(now - timedelta(days=31))
    ticket = ticket_register(
        by=cast.specialist_a,
        store=cast.store_a,
        customer=cast.customer_a,
        channel="phone",
        subject="异响",
        fault_category=cast.engine,
    )
    ticket = ticket_resolve(ticket=ticket, by=cast.specialist_a, outcome="repair", root_cause="RC-1")
    frozen_clock(now - timedelta(days=30))
    survey_invite(ticket=ticket, template=earlier.template)
    frozen_clock(now)
    # when
    found = population(by=cast.executive, criteria=Criteria(stores=(cast.store_a,), exclude_surveyed_days=30))
    # then
    assert names(found) == names([just_outside, never])
    # and a window of 0 days excludes nobody
    zero = population(by=cast.executive, criteria=Criteria(stores=(cast.store_a,), exclude_surveyed_days=0))
    assert names(zero) == names([at_boundary, just_outside, never, cast.customer_a])


def test_a_store_manager_samples_only_the_customers_of_their_store(cast):
    make_customers(cast.store_a, 2, prefix="甲")
    make_customers(cast.store_b, 2, prefix="乙")
    campaign = create(cast.manager_a, sample_size=10)
    assert list(campaign.stores.all()) == [cast.store_a]
    draw = campaign_sample_draw(campaign=campaign, by=cast.manager_a)
    assert (draw.population_size, draw.sample_size) == (3, 3)
    assert sorted(recipients(campaign)) == sorted(["甲01", "甲02", cast.customer_a.name])


def test_a_store_manager_cannot_choose_another_store(cast):
    with pytest.raises(ApplicationError) as caught:
        create(cast.manager_a, criteria=Criteria(stores=(cast.store_b,)))
    assert caught.value.field == "stores"
    assert Campaign.objects.count() == 0


# --- the draw ----------------------------------------------------------------------------------------------


def test_the_same_seed_draws_the_same_customers_in_the_same_order(cast):
    make_customers(cast.store_b, 20, prefix="抽样")
    criteria = Criteria(stores=(cast.store_b,), exclude_surveyed_days=0)
    first = create(cast.executive, criteria=criteria, sample_size=5, random_seed=2026)
    second = create(cast.executive, criteria=criteria, sample_size=5, random_seed=2026)
    other = create(cast.executive, criteria=criteria, sample_size=5, random_seed=1)
    for campaign in (first, second, other):
        campaign_sample_draw(campaign=campaign, by=cast.executive)
    # population in id order: customer_b, 抽样01 … 抽样20 (21 customers); the positions random.Random
    # picks depend only on the seed and the sizes
    assert recipients(first) == recipients(second) == ["抽样03", "抽样10", "抽样16", "抽样18", "抽样20"]
    assert recipients(other) == ["抽样04", "抽样18", "抽样02", "抽样08", "抽样03"]
    # and drawing again while a draft replaces the sample with the same one
    campaign_sample_draw(campaign=first, by=cast.executive)
    assert recipients(first) == ["抽样03", "抽样10", "抽样16", "抽样18", "抽样20"]


def test_a_sample_larger_than_the_population_takes_everybody(cast):
    make_customers(cast.store_b, 3, prefix="全部")
    campaign = create(
        cast.executive, criteria=Criteria(stores=(cast.store_b,), exclude_surveyed_days=0), sample_size=50
    )
    draw = campaign_sample_draw(campaign=campaign, by=cast.executive)
    assert (draw.population_size, draw.sample_size) == (4, 4)
    assert campaign.recipients.count() == 4


def test_a_percentage_is_rounded_up(cast):
    make_customers(cast.store_b, 24, prefix="比例")  # 25 with customer_b
    criteria = Criteria(stores=(cast.store_b,), exclude_surveyed_days=0)
    campaign = create(cast.executive, criteria=criteria, sample_size=None, sample_percent=10)
    draw = campaign_sample_draw(campaign=campaign, by=cast.executive)
    assert (draw.population_size, draw.sample_size) == (25, 3)  # 2.5 -> 3


# --- bad input ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"name": "  "}, "name"),
        ({"topic": "weather"}, "topic"),
        ({"sample_size": -5}, "sample_size"),
        ({"sample_size": 0}, "sample_size"),
        ({"sample_size": None, "sample_percent": 101}, "sample_percent"),
        ({"sample_size": 5, "sample_percent": 10}, "sample_size"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_interval_hours": -1}, "batch_interval_hours"),
        ({"criteria": Criteria(tiers=("platinum",))}, "tiers"),
        ({"criteria": Criteria(exclude_surveyed_days=-1)}, "exclude_surveyed_days"),
        (
            {"criteria": Criteria(last_service_from=date(2026, 3, 5), last_service_to=date(2026, 3, 1))},
            "last_service_to",
        ),
        ({"criteria": Criteria(tiers=(Customer.Tier.VIP,))}, "criteria"),  # nobody is VIP
    ],
)
def test_bad_input_is_refused_naming_the_field_and_creates_nothing(cast, overrides, field):
    with pytest.raises(ApplicationError) as caught:
        create(cast.executive, **overrides)
    assert caught.value.field == field
    assert Campaign.objects.count() == 0


def test_criteria_that_select_nobody_say_so(cast):
    with pytest.raises(ApplicationError) as caught:
        create(cast.executive, criteria=Criteria(tiers=(Customer.Tier.VIP,)))
    assert caught.value.message.startswith("No customer matches these criteria")


def test_a_specialist_may_not_create_a_campaign(cast):
    with pytest.raises(NotAllowed):
        create(cast.specialist_a)


def test_an_invitation_belongs_to_a_ticket_or_to_a_campaign_never_both_nor_neither(cast):
    campaign = create(cast.executive)
    common = {"template": campaign.template, "expires_at": datetime(2026, 4, 1, tzinfo=UTC)}
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyInvitation.objects.create(token_digest="neither", **common)
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyInvitation.objects.create(token_digest="no-customer", campaign=campaign, **common)


# --- batches -----------------------------------------------------------------------------------------------


@pytest.fixture
def five_recipients(cast, frozen_clock):
    """A drawn campaign of 5 recipients of store B, batches of 2 every 24 hours."""
    frozen_clock(MONDAY)
    make_customers(cast.store_b, 4, prefix="批次")
    campaign = create(
        cast.executive, criteria=Criteria(stores=(cast.store_b,), exclude_surveyed_days=0), sample_size=5
    )
    campaign_sample_draw(campaign=campaign, by=cast.executive)
    return campaign


def test_batches_go_out_one_interval_apart_and_nobody_twice(
    cast, five_recipients, frozen_clock, django_capture_on_commit_callbacks, mailoutbox
):
    campaign = five_recipients
    # when the campaign starts: batch 1 at once
    with django_capture_on_commit_callbacks(execute=True):
        campaign = campaign_start(campaign=campaign, by=cast.executive)
    assert (campaign.status, campaign.batches_sent, len(mailoutbox)) == (Campaign.Status.RUNNING, 1, 2)
    # one second before the interval: nothing
    frozen_clock.advance(hours=23, minutes=59, seconds=59)
    with django_capture_on_commit_callbacks(execute=True):
        assert campaign_batches_send() == {"batches": 0, "invited": 0}
    # at the interval: batch 2, once
    frozen_clock.advance(seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert campaign_batches_send() == {"batches": 1, "invited": 2}
        assert campaign_batches_send() == {"batches": 0, "invited": 0}
        assert campaign_send_batch(campaign=campaign).batch is None
    # a day later: the last one, which finishes the campaign
    frozen_clock.advance(hours=24)
    with django_capture_on_commit_callbacks(execute=True):
        assert campaign_batches_send() == {"batches": 1, "invited": 1}
    campaign.refresh_from_db()
    assert (campaign.status, campaign.finished_at, campaign.batches_sent) == (
        Campaign.Status.FINISHED,
        frozen_clock.now,
        3,
    )
    # then five mails to five different customers, each with its own invitation
    assert len(mailoutbox) == 5
    assert len({mail.to[0] for mail in mailoutbox}) == 5
    assert SurveyInvitation.objects.filter(campaign=campaign).count() == 5
    assert list(campaign.recipients.order_by("position").values_list("batch", flat=True)) == [1, 1, 2, 2, 3]
    assert "/s/" in mailoutbox[0].body


def test_a_campaign_invitation_gets_no_reminder(cast, five_recipients, frozen_clock):
    campaign_start(campaign=five_recipients, by=cast.executive)
    frozen_clock.advance(days=10)
    assert survey_reminders_send() == 0
    assert SurveyInvitation.objects.filter(campaign=five_recipients, reminded_at__isnull=False).count() == 0


def test_a_scheduled_campaign_waits_for_its_start(cast, five_recipients, frozen_clock):
    campaign = five_recipients
    campaign.starts_at = frozen_clock.now + timedelta(hours=3)
    campaign.save()
    campaign = campaign_start(campaign=campaign, by=cast.executive)
    assert (campaign.status, campaign.batches_sent) == (Campaign.Status.SCHEDULED, 0)
    frozen_clock.advance(hours=2, minutes=59)
    assert campaign_batches_send() == {"batches": 0, "invited": 0}
    frozen_clock.advance(minutes=1)
    assert campaign_batches_send() == {"batches": 1, "invited": 2}
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.RUNNING


def test_a_recipient_who_withdrew_consent_is_skipped_and_recorded(cast, five_recipients):
    campaign = five_recipients
    first = campaign.recipients.order_by("position").first()
    Customer.objects.filter(pk=first.customer_id).update(consent_to_contact=False)
    campaign_start(campaign=campaign, by=cast.executive)
    first.refresh_from_db()
    assert (first.skipped, first.batch, first.invitation) == (CampaignRecipient.Skipped.NO_CONSENT, 1, None)
    progress = campaign_progress(campaign)
    assert (progress.invited, progress.skipped, progress.pending) == (1, 1, 3)


def test_a_cancelled_campaign_sends_nothing_more(cast, five_recipients, frozen_clock):
    campaign = campaign_start(campaign=five_recipients, by=cast.executive)
    campaign_cancel(campaign=campaign, by=cast.executive)
    frozen_clock.advance(days=2)
    assert campaign_batches_send() == {"batches": 0, "invited": 0}
    campaign.refresh_from_db()
    assert (campaign.status, campaign.cancelled_at) == (
        Campaign.Status.CANCELLED,
        frozen_clock.now - timedelta(days=2),
    )
    with pytest.raises(IllegalTransition):
        campaign_cancel(campaign=campaign, by=cast.executive)


def test_only_a_drawn_draft_starts(cast, frozen_clock):
    frozen_clock(MONDAY)
    campaign = create(cast.executive)
    with pytest.raises(ApplicationError) as caught:
        campaign_start(campaign=campaign, by=cast.executive)
    assert caught.value.field == "sample"
    campaign_sample_draw(campaign=campaign, by=cast.executive)
    campaign_start(campaign=campaign, by=cast.executive)
    with pytest.raises(IllegalTransition):
        campaign_start(campaign=campaign, by=cast.executive)
    with pytest.raises(IllegalTransition):
        campaign_sample_draw(campaign=campaign, by=cast.executive)


def test_another_stores_manager_may_not_touch_the_campaign(cast):
    manager_b = testing.make_user("manager_b", Role.STORE_MANAGER, stores=(cast.store_b,))
    campaign = create(cast.manager_a)
    assert not Campaign.objects.visible_to(manager_b).exists()
    assert not Campaign.objects.visible_to(cast.specialist_a).exists()
    assert list(Campaign.objects.visible_to(cast.manager_a)) == [campaign]
    for action in (campaign_sample_draw, campaign_start, campaign_cancel):
        with pytest.raises(NotAllowed):
            action(campaign=campaign, by=manager_b)


# --- responses ----------------------------------------------------------------------------------------------


def answers_for(template, **values) -> dict:
    defaults = {"nps": 9, "csat": 4, "rating": 5, "text": ""}
    return {item.pk: {**defaults, **values}[item.kind] for item in template.items.all()}


def tokens_mailed(mailoutbox) -> list[str]:
    return [re.search(r"/s/([\w-]+)/", mail.body).group(1) for mail in mailoutbox]


def test_the_response_rate_counts_answers_per_invitation_sent(
    cast, frozen_clock, django_capture_on_commit_callbacks, mailoutbox
):
    # given 5 recipients in batches of 3: batch 1 sends 3, batch 2 sends 2
    frozen_clock(MONDAY)
    make_customers(cast.store_b, 4, prefix="回复")
    campaign = create(
        cast.executive,
        criteria=Criteria(stores=(cast.store_b,), exclude_surveyed_days=0),
        sample_size=5,
        batch_size=3,
    )
    campaign_sample_draw(campaign=campaign, by=cast.executive)
    with django_capture_on_commit_callbacks(execute=True):
        campaign_start(campaign=campaign, by=cast.executive)
    frozen_clock.advance(hours=24)
    with django_capture_on_commit_callbacks(execute=True):
        campaign_batches_send()
    tokens = tokens_mailed(mailoutbox)
    # when one of batch 1 and both of batch 2 answer
    for token in (tokens[0], tokens[3], tokens[4]):
        survey_respond(token=token, answers=answers_for(campaign.template, nps=3, csat=1))
    # then 3 of 5: 60.0 %; batch 1 1 of 3: 33.3 %; batch 2 2 of 2: 100.0 %
    progress = campaign_progress(campaign)
    assert (progress.sampled, progress.invited, progress.answered, progress.response_rate) == (5, 5, 3, 60.0)
    assert [(b.batch, b.invited, b.answered, b.response_rate) for b in progress.batches] == [
        (1, 3, 1, 33.3),
        (2, 2, 2, 100.0),
    ]
    # and low scores open no follow-up: a campaign's answer is about no request
    assert SurveyResponse.objects.filter(invitation__campaign=campaign, recovery__isnull=False).count() == 0


def test_before_any_invitation_the_response_rate_is_none(cast):
    campaign = create(cast.executive)
    campaign_sample_draw(campaign=campaign, by=cast.executive)
    progress = campaign_progress(campaign)
    assert (progress.sampled, progress.pending, progress.invited, progress.response_rate) == (2, 2, 0, None)


# --- the answer page ----------------------------------------------------------------------------------------


@pytest.fixture
def campaign_token(cast, five_recipients, django_capture_on_commit_callbacks, mailoutbox) -> str:
    """The link mailed to the first recipient of a started campaign."""
    with django_capture_on_commit_callbacks(execute=True):
        campaign_start(campaign=five_recipients, by=cast.executive)
    return tokens_mailed(mailoutbox)[0]


def test_a_campaign_link_shows_the_topic_and_a_get_records_nothing(client, campaign_token, five_recipients):
    url = reverse("surveys:answer", args=[campaign_token])
    first = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    second = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert (first.status_code, second.status_code) == (200, 200)
    assert "Our survey on after-sales service" in second.text
    assert "How likely are you to recommend our after-sales service" in second.text
    assert SurveyResponse.objects.count() == 0
    assert SurveyInvitation.objects.filter(answered_at__isnull=False).count() == 0


def test_a_campaign_link_records_one_post_only(client, campaign_token, five_recipients):
    url = reverse("surveys:answer", args=[campaign_token])
    data = {f"item-{pk}": value for pk, value in answers_for(five_recipients.template, text="很好").items()}
    first = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    second = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert (first.status_code, first["Location"], second.status_code) == (302, reverse("surveys:thanks"), 410)
    [response] = SurveyResponse.objects.all()
    assert response.invitation.campaign_id == five_recipients.pk
    assert sorted(response.answers.values_list("item__kind", "number", "text")) == [
        ("csat", 4, ""),
        ("nps", 9, ""),
        ("rating", 5, ""),
        ("rating", 5, ""),
        ("text", None, "很好"),
    ]


# --- the API ------------------------------------------------------------------------------------------------


def test_the_api_serves_a_campaign_link_and_lists_its_answer_with_the_campaign(
    cast, campaign_token, five_recipients
):
    kiosk = Client(headers={"Accept-Language": "en"})
    form = kiosk.get(f"{API}/surveys/forms/{campaign_token}")
    assert form.status_code == 200
    reference = {"id": five_recipients.pk, "name": five_recipients.name, "topic": "service"}
    assert (form.json()["request"], form.json()["campaign"]) == (None, reference)
    answers = {
        str(pk): value for pk, value in answers_for(five_recipients.template, nps=2).items() if value != ""
    }
    submitted = kiosk.post(
        f"{API}/surveys/responses",
        {"token": campaign_token, "answers": answers},
        content_type="application/json",
    )
    assert submitted.status_code == 201
    assert (submitted.json()["request"], submitted.json()["campaign"], submitted.json()["store"]) == (
        None,
        reference,
        "store-b",
    )
    listed = get(api_client(cast.executive), "/surveys/responses", campaign=five_recipients.pk)
    assert [(row["id"], row["campaign"]["id"]) for row in listed.json()["items"]] == [
        (submitted.json()["id"], five_recipients.pk)
    ]
    assert get(api_client(cast.manager_a), "/surveys/responses").json()["items"] == []
