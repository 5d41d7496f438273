"""Two relationship survey campaigns for the demo, company-wide, created by the first executive: one
finished (product quality, five months ago, weekly batches) and one running (after-sales service, two of
its four daily batches sent). Both have answers.

The rows are written directly (bulk inserts with their historic timestamps) rather than through the
services, which would queue a mail per invitation; the sample is drawn exactly as `campaign_sample_draw`
draws it. Sample sizes do not grow with the data set, so the large size costs what the small one does.
The random stream is the campaigns' own (from the seed), so adding them changes nothing else."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import timedelta

from aftersales.accounts.models import Role, User
from aftersales.core.seeding.context import STAFF_EMAIL_DOMAIN, Seed
from aftersales.surveys.campaigns import Criteria, draw_sample, sample_count
from aftersales.surveys.campaigns import population as population_of
from aftersales.surveys.models import (
    Campaign,
    CampaignRecipient,
    SurveyAnswer,
    SurveyInvitation,
    SurveyItem,
    SurveyResponse,
    SurveyTemplate,
)
from aftersales.surveys.services import expiry_days

COMMENTS = [
    "整体不错，希望保养预约再方便一些。",
    "车子开了两年没出过大问题，满意。",
    "服务顾问很耐心，就是等待时间有点长。",
    "希望能提供上门取送车服务。",
    "价格偏高，其他都挺好。",
    "网点离家太远了。",
]


@dataclass(frozen=True)
class Plan:
    name: str
    topic: str
    sample_size: int
    batch_size: int
    interval_hours: int
    first_batch_days_ago: float
    batches_sent: int
    answer_rate: float


def plans(s: Seed) -> list[Plan]:
    small = s.size.name == "small"
    return [
        Plan("2026 上半年产品质量调研", Campaign.Topic.PRODUCT_QUALITY, 60 if small else 300, 20 if small else 100,
             24 * 7, 150, 3, 0.42),
        Plan("售后服务年度关系调研", Campaign.Topic.SERVICE, 40 if small else 400, 10 if small else 100,
             24, 1.5, 2, 0.3),
    ]  # fmt: skip


def _score(rng: random.Random, low: int, high: int, bias: float) -> int:
    """A score skewed towards the top of the scale, as real answers are."""
    return min(high, max(low, round(high - abs(rng.gauss(0, (high - low) * bias)))))


def seed_campaigns(s: Seed) -> int:
    """Write the demo campaigns; returns how many invitations were answered."""
    rng = random.Random(f"campaigns-{s.seed}")
    executive = (
        User.objects.filter(role=Role.EXECUTIVE, email__endswith=STAFF_EMAIL_DOMAIN).order_by("pk").first()
    )
    answered_total = 0
    for plan in plans(s):
        template = SurveyTemplate.objects.get(code=Campaign.TOPIC_TEMPLATES[plan.topic], active=True)
        items = list(template.items.order_by("order"))
        first_batch = s.as_of - timedelta(days=plan.first_batch_days_ago)
        # Whom the product would have drawn from then: customers not invited to a survey within 90 days.
        population = list(
            population_of(by=executive, criteria=Criteria(exclude_surveyed_days=90), now=first_batch)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        count = sample_count(
            population_size=len(population), sample_size=plan.sample_size, sample_percent=None
        )
        seed = rng.randrange(2**31)
        drawn = draw_sample(population, count=count, seed=seed)
        batches = -(-count // plan.batch_size)
        finished = plan.batches_sent >= batches
        last_batch = first_batch + timedelta(hours=plan.interval_hours * (plan.batches_sent - 1))
        campaign = Campaign.objects.create(
            name=plan.name,
            topic=plan.topic,
            template=template,
            exclude_surveyed_days=90,
            sample_size=plan.sample_size,
            random_seed=seed,
            batch_size=plan.batch_size,
            batch_interval_hours=plan.interval_hours,
            status=Campaign.Status.FINISHED if finished else Campaign.Status.RUNNING,
            population_size=len(population),
            drawn_at=first_batch - timedelta(hours=2),
            started_at=first_batch,
            last_batch_at=last_batch,
            batches_sent=min(plan.batches_sent, batches),
            finished_at=last_batch if finished else None,
            created_by=executive,
            created_at=first_batch - timedelta(hours=3),
        )
        answered_total += _send_and_answer(s, rng, campaign, plan, drawn, items, first_batch)
    return answered_total


def _send_and_answer(s, rng, campaign, plan, drawn, items, first_batch) -> int:
    recipients, invitations, answered = [], [], []
    for position, customer_id in enumerate(drawn, start=1):
        batch = (position - 1) // plan.batch_size + 1
        recipient = CampaignRecipient(campaign=campaign, customer_id=customer_id, position=position)
        recipients.append(recipient)
        if batch > plan.batches_sent:
            continue
        sent_at = first_batch + timedelta(hours=plan.interval_hours * (batch - 1))
        recipient.batch, recipient.handled_at = batch, sent_at
        answered_at = sent_at + timedelta(hours=rng.uniform(0.5, 96))
        answers = rng.random() < plan.answer_rate and answered_at < s.as_of
        invitation = SurveyInvitation(
            campaign=campaign,
            customer_id=customer_id,
            template=campaign.template,
            token_digest=hashlib.sha256(f"seed-{campaign.pk}-{customer_id}".encode()).hexdigest(),
            sent_at=sent_at,
            expires_at=sent_at + timedelta(days=expiry_days()),
            answered_at=answered_at if answers else None,
            created_at=sent_at,
        )
        invitations.append(invitation)
        recipient.invitation = invitation
        if answers:
            answered.append(invitation)
    SurveyInvitation.objects.bulk_create(invitations)
    for recipient in recipients:  # bulk_create set the invitations' ids
        recipient.invitation_id = recipient.invitation.pk if recipient.invitation else None
    CampaignRecipient.objects.bulk_create(recipients)
    responses = SurveyResponse.objects.bulk_create(
        SurveyResponse(invitation=invitation, language="zh-hans", created_at=invitation.answered_at)
        for invitation in answered
    )
    rows = []
    for response in responses:
        for item in items:
            if item.kind == SurveyItem.Kind.TEXT:
                if rng.random() < 0.3:
                    rows.append(SurveyAnswer(response=response, item=item, text=rng.choice(COMMENTS)))
                continue
            low, high = item.scale
            rows.append(SurveyAnswer(response=response, item=item, number=_score(rng, low, high, 0.25)))
    SurveyAnswer.objects.bulk_create(rows)
    return len(answered)
