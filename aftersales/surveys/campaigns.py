"""Relationship survey campaigns (S2 第八条): create, draw the sample, start, send in batches, cancel.

The population is every customer the person may see (`Customer.objects.visible_to`) who consents to be
contacted and has an email address (the invitation is a mail), narrowed by the campaign's criteria. The
sample is drawn from it with `random.Random(seed)` over the population's ids in ascending order, so the
same seed over the same population draws the same customers. The drawn customers are stored as
`CampaignRecipient` rows; an invitation (with its token) is only made when the recipient's batch goes
out, because the plain token is known only at that moment.

Campaign answers do not open service-recovery follow-ups. A follow-up is a request about a request: it
goes to the store that handled the original and names what went wrong there. A relationship survey is
not about one request — the customer judges the product, the service or the dealer as a whole — so
there is no store visit to recover and a low score would open a complaint nobody can act on. Low scores
are found in the results list (campaign and score filters) and the KPI engine's NPS/CSAT breakdowns.
"""

import logging
import math
import random
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aftersales.accounts.models import Store, User
from aftersales.core import clock
from aftersales.core.errors import ApplicationError, IllegalTransition, NotAllowed
from aftersales.core.staleness import stale_days_mark
from aftersales.customers.models import Asset, Customer, ProductCategory
from aftersales.service.models import Ticket
from aftersales.service.notifications import _send_after_commit
from aftersales.surveys.models import Campaign, CampaignRecipient, SurveyInvitation, SurveyTemplate
from aftersales.surveys.querysets import may_run_campaigns
from aftersales.surveys.services import active_template, expiry_days, survey_url, token_digest

logger = logging.getLogger(__name__)

NAME_MAX_LENGTH = 200
MAX_EXCLUSION_DAYS = 3650
MAX_INTERVAL_HOURS = 24 * 30


@dataclass(frozen=True)
class Criteria:
    """Who a campaign may ask; an empty criterion does not restrict."""

    stores: tuple[Store, ...] = ()
    product_categories: tuple[ProductCategory, ...] = ()
    tiers: tuple[str, ...] = ()
    last_service_from: date | None = None
    last_service_to: date | None = None
    exclude_surveyed_days: int = 90

    @classmethod
    def of(cls, campaign: Campaign) -> "Criteria":
        return cls(
            stores=tuple(campaign.stores.all()),
            product_categories=tuple(campaign.product_categories.all()),
            tiers=tuple(campaign.tiers),
            last_service_from=campaign.last_service_from,
            last_service_to=campaign.last_service_to,
            exclude_surveyed_days=campaign.exclude_surveyed_days,
        )


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(0)), timezone.get_default_timezone())


def population(*, by: User, criteria: Criteria, now: datetime | None = None) -> QuerySet[Customer]:
    """The customers a campaign with `criteria` drawn by `by` may ask.

    Stores: the customer's home store. Product categories: owns an asset of a model in the category or in
    one of its sub-categories. Last service: the day (Asia/Shanghai) their most recently resolved request
    was resolved, both ends included; a customer never served is outside any range. Surveyed: invited to
    any survey (after a request or by a campaign) at or after `now` minus the window."""
    now = now or clock.now()
    customers = Customer.objects.visible_to(by).filter(consent_to_contact=True).exclude(email="")
    if criteria.stores:
        customers = customers.filter(home_store__in=[store.pk for store in criteria.stores])
    if criteria.product_categories:
        categories = [category.pk for category in criteria.product_categories]
        owns = Asset.objects.filter(customer=OuterRef("pk")).filter(
            Q(product_model__category__in=categories) | Q(product_model__category__parent__in=categories)
        )
        customers = customers.filter(Exists(owns))
    if criteria.tiers:
        customers = customers.filter(tier__in=list(criteria.tiers))
    if criteria.last_service_from or criteria.last_service_to:
        last_service = Subquery(
            Ticket.objects.filter(customer=OuterRef("pk"), resolved_at__isnull=False)
            .order_by("-resolved_at")
            .values("resolved_at")[:1]
        )
        customers = customers.annotate(last_service=last_service)
        if criteria.last_service_from:
            customers = customers.filter(last_service__gte=_start_of(criteria.last_service_from))
        if criteria.last_service_to:
            customers = customers.filter(
                last_service__lt=_start_of(criteria.last_service_to + timedelta(days=1))
            )
    if criteria.exclude_surveyed_days:
        since = now - timedelta(days=criteria.exclude_surveyed_days)
        # Two anti-joins, not one EXISTS over "customer = x OR ticket's customer = x": the OR cannot use
        # a join, so PostgreSQL probed every recent invitation once per customer (minutes at 100,000
        # customers and 500,000 invitations); each equality on its own becomes a hash anti-join.
        recent = SurveyInvitation.objects.filter(created_at__gte=since)
        customers = customers.exclude(Exists(recent.filter(customer=OuterRef("pk")))).exclude(
            Exists(recent.filter(ticket__customer=OuterRef("pk")))
        )
    return customers


def sample_count(*, population_size: int, sample_size: int | None, sample_percent: int | None) -> int:
    """How many to draw: the size asked for, or the percentage of the population rounded up (a small
    population still gets one), never more than the population."""
    wanted = (
        sample_size if sample_size is not None else math.ceil(population_size * (sample_percent or 0) / 100)
    )
    return min(wanted, population_size)


def draw_sample(ids: list[int], *, count: int, seed: int) -> list[int]:
    """`count` of `ids` (in ascending order) in draw order: the same seed and sizes, the same picks."""
    return random.Random(seed).sample(sorted(ids), count)  # noqa: S311 - a survey sample, not a secret


def _require_runner(by: User) -> None:
    if not may_run_campaigns(by):
        raise NotAllowed(_("Only managers, executives and quality staff run survey campaigns."))


def _require_visible(by: User, campaign: Campaign) -> None:
    _require_runner(by)
    if not Campaign.objects.visible_to(by).filter(pk=campaign.pk).exists():
        raise NotAllowed(_("This campaign covers stores you do not work in."))


def _positive(value, *, field: str, label: str, low: int = 1, high: int | None = None) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < low
        or (high is not None and value > high)
    ):
        bounds = (
            _("from %(low)s to %(high)s") % {"low": low, "high": high}
            if high is not None
            else _("of at least %(low)s") % {"low": low}
        )
        raise ApplicationError(
            _("%(label)s must be a whole number %(bounds)s.") % {"label": label, "bounds": bounds},
            field=field,
        )
    return value


def _clean_stores(by: User, stores: Iterable[Store]) -> tuple[Store, ...]:
    """A store-scoped person surveys their own stores only: none chosen means all of theirs."""
    chosen = tuple(stores)
    if by.sees_all_stores:
        return chosen
    foreign = [store for store in chosen if store.pk not in by.store_ids]
    if foreign:
        raise ApplicationError(
            _("You can only survey customers of your own stores, not of %(stores)s.")
            % {"stores": ", ".join(store.name for store in foreign)},
            field="stores",
        )
    return chosen or tuple(Store.objects.filter(pk__in=sorted(by.store_ids)).order_by("code"))


def _clean_criteria(by: User, criteria: Criteria) -> Criteria:
    unknown = [tier for tier in criteria.tiers if tier not in Customer.Tier.values]
    if unknown:
        raise ApplicationError(
            _("Unknown customer tier '%(tier)s'.") % {"tier": unknown[0]},
            field="tiers",
        )
    if (
        criteria.last_service_from
        and criteria.last_service_to
        and criteria.last_service_to < criteria.last_service_from
    ):
        raise ApplicationError(
            _("The last-service range ends (%(to)s) before it starts (%(from)s).")
            % {"to": criteria.last_service_to, "from": criteria.last_service_from},
            field="last_service_to",
        )
    _positive(
        criteria.exclude_surveyed_days,
        field="exclude_surveyed_days",
        label=_("The exclusion window (days)"),
        low=0,
        high=MAX_EXCLUSION_DAYS,
    )
    return Criteria(
        stores=_clean_stores(by, criteria.stores),
        product_categories=tuple(criteria.product_categories),
        tiers=tuple(dict.fromkeys(criteria.tiers)),
        last_service_from=criteria.last_service_from,
        last_service_to=criteria.last_service_to,
        exclude_surveyed_days=criteria.exclude_surveyed_days,
    )


@transaction.atomic
def campaign_create(
    *,
    by: User,
    name: str,
    topic: str,
    criteria: Criteria,
    sample_size: int | None = None,
    sample_percent: int | None = None,
    random_seed: int | None = None,
    batch_size: int = 100,
    batch_interval_hours: int = 24,
    starts_at: datetime | None = None,
    template: SurveyTemplate | None = None,
) -> Campaign:
    """A draft campaign. Refuses criteria that select nobody, so a campaign always has someone to ask;
    the sample itself is drawn by `campaign_sample_draw`. A seed left out is chosen at random and kept."""
    _require_runner(by)
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX_LENGTH:
        raise ApplicationError(
            _("Give the campaign a name of at most %(max)s characters.") % {"max": NAME_MAX_LENGTH},
            field="name",
        )
    if topic not in Campaign.Topic.values:
        raise ApplicationError(
            _("Unknown topic '%(topic)s': choose one of %(choices)s.")
            % {"topic": topic, "choices": ", ".join(Campaign.Topic.values)},
            field="topic",
        )
    template = template or active_template(Campaign.TOPIC_TEMPLATES[topic])
    if template is None:
        raise ApplicationError(_("There is no active survey template for this topic."), field="topic")
    if (sample_size is None) == (sample_percent is None):
        raise ApplicationError(
            _("Give either a sample size or a percentage of the population, not both."), field="sample_size"
        )
    if sample_size is not None:
        _positive(sample_size, field="sample_size", label=_("The sample size"))
    else:
        _positive(sample_percent, field="sample_percent", label=_("The sample percentage"), high=100)
    if random_seed is None:
        random_seed = secrets.randbelow(2**31)
    _positive(random_seed, field="random_seed", label=_("The random seed"), low=0, high=2**31 - 1)
    _positive(batch_size, field="batch_size", label=_("The batch size"))
    _positive(
        batch_interval_hours,
        field="batch_interval_hours",
        label=_("The time between batches (hours)"),
        high=MAX_INTERVAL_HOURS,
    )
    criteria = _clean_criteria(by, criteria)
    if not population(by=by, criteria=criteria).exists():
        raise ApplicationError(
            _(
                "No customer matches these criteria (only customers who consent to be contacted, have an "
                "email address and were not surveyed within the exclusion window count). Widen them."
            ),
            field="criteria",
        )
    campaign = Campaign.objects.create(
        name=name,
        topic=topic,
        template=template,
        tiers=list(criteria.tiers),
        last_service_from=criteria.last_service_from,
        last_service_to=criteria.last_service_to,
        exclude_surveyed_days=criteria.exclude_surveyed_days,
        sample_size=sample_size,
        sample_percent=sample_percent,
        random_seed=random_seed,
        batch_size=batch_size,
        batch_interval_hours=batch_interval_hours,
        starts_at=starts_at,
        created_by=by,
    )
    campaign.stores.set(criteria.stores)
    campaign.product_categories.set(criteria.product_categories)
    return campaign


@dataclass(frozen=True)
class Draw:
    population_size: int
    sample_size: int


@transaction.atomic
def campaign_sample_draw(*, campaign: Campaign, by: User, now: datetime | None = None) -> Draw:
    """Draw (or draw again, while a draft) the campaign's sample: the same seed over the same population
    gives the same customers in the same order. A sample larger than the population takes everybody."""
    _require_visible(by, campaign)
    now = now or clock.now()
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != Campaign.Status.DRAFT:
        raise IllegalTransition(_("The sample can only be drawn while the campaign is a draft."))
    ids = list(
        population(by=by, criteria=Criteria.of(campaign), now=now).order_by("pk").values_list("pk", flat=True)
    )
    if not ids:
        raise ApplicationError(
            _("No customer matches the campaign's criteria any more: nobody to draw."), field="criteria"
        )
    count = sample_count(
        population_size=len(ids), sample_size=campaign.sample_size, sample_percent=campaign.sample_percent
    )
    drawn = draw_sample(ids, count=count, seed=campaign.random_seed)
    campaign.recipients.all().delete()
    CampaignRecipient.objects.bulk_create(
        CampaignRecipient(campaign=campaign, customer_id=customer_id, position=position)
        for position, customer_id in enumerate(drawn, start=1)
    )
    campaign.population_size = len(ids)
    campaign.drawn_at = now
    campaign.save(update_fields=["population_size", "drawn_at", "updated_at"])
    return Draw(population_size=len(ids), sample_size=count)


def campaign_start(*, campaign: Campaign, by: User, now: datetime | None = None) -> Campaign:
    """Start a drafted campaign with a drawn sample: scheduled when its first batch is set in the future,
    otherwise running with the first batch sent at once."""
    _require_visible(by, campaign)
    now = now or clock.now()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status != Campaign.Status.DRAFT:
            raise IllegalTransition(
                _("Only a draft campaign can be started; this one is %(status)s.")
                % {"status": campaign.get_status_display()}
            )
        if not campaign.recipients.exists():
            raise ApplicationError(_("Draw the sample before starting the campaign."), field="sample")
        scheduled = campaign.starts_at is not None and campaign.starts_at > now
        campaign.status = Campaign.Status.SCHEDULED if scheduled else Campaign.Status.RUNNING
        campaign.started_at = now
        campaign.save(update_fields=["status", "started_at", "updated_at"])
    if not scheduled:
        campaign_send_batch(campaign=campaign, now=now)
        campaign.refresh_from_db()
    return campaign


def _invitation_mail(*, campaign: Campaign, customer: Customer, token: str, expires_at: datetime) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(customer)s, two minutes for our %(topic)s survey?") % {
            "customer": customer.name,
            "topic": campaign.get_topic_display(),
        }
        body = _(
            "We would like to know what you think of our %(topic)s. A few quick questions, no sign-in "
            "needed:\n\n%(url)s\n\nThe link works once and until %(expires)s. You get this mail because you "
            "agreed to be contacted by us; tell us if you would rather not be.\n"
        ) % {
            "topic": campaign.get_topic_display(),
            "url": survey_url(token),
            "expires": timezone.localdate(expires_at).isoformat(),
        }
    _send_after_commit(to=[customer.email], subject=subject, body=body)


@dataclass(frozen=True)
class BatchSent:
    batch: int | None  # None: no batch was due
    invited: int = 0
    skipped: int = 0


def campaign_send_batch(*, campaign: Campaign, now: datetime | None = None) -> BatchSent:
    """Send the campaign's next batch if one is due, mailing each invitation after commit.

    Idempotent: the campaign row is locked, and a batch is due only when the campaign runs (a scheduled
    one starts running at its start time) and `batch_interval_hours` have passed since the last batch;
    a recipient is handled once. A recipient who has since withdrawn consent or lost their address is
    skipped and recorded as such. The batch that handles the last recipient finishes the campaign."""
    now = now or clock.now()
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().select_related("template").get(pk=campaign.pk)
        if campaign.status == Campaign.Status.SCHEDULED and campaign.starts_at <= now:
            campaign.status = Campaign.Status.RUNNING
        if campaign.status != Campaign.Status.RUNNING:
            return BatchSent(batch=None)
        interval = timedelta(hours=campaign.batch_interval_hours)
        if campaign.last_batch_at is not None and now < campaign.last_batch_at + interval:
            return BatchSent(batch=None)
        pending = list(
            campaign.recipients.filter(handled_at__isnull=True)
            .select_related("customer")
            .order_by("position")[: campaign.batch_size]
        )
        batch = campaign.batches_sent + 1
        expires_at = now + timedelta(days=expiry_days())
        invited = skipped = 0
        for recipient in pending:
            customer = recipient.customer
            recipient.batch, recipient.handled_at = batch, now
            if not customer.consent_to_contact:
                recipient.skipped = CampaignRecipient.Skipped.NO_CONSENT
            elif not customer.email:
                recipient.skipped = CampaignRecipient.Skipped.NO_EMAIL
            if recipient.skipped:
                skipped += 1
                continue
            token = secrets.token_urlsafe(32)
            recipient.invitation = SurveyInvitation.objects.create(
                campaign=campaign,
                customer=customer,
                template=campaign.template,
                token_digest=token_digest(token),
                sent_at=now,
                expires_at=expires_at,
                created_at=now,
            )
            _invitation_mail(campaign=campaign, customer=customer, token=token, expires_at=expires_at)
            invited += 1
        CampaignRecipient.objects.bulk_update(pending, ["batch", "handled_at", "invitation", "skipped"])
        if invited:
            stale_days_mark([now])  # the invitations' sending day: response-rate KPIs count them
        fields = ["status", "updated_at"]
        if pending:
            campaign.batches_sent, campaign.last_batch_at = batch, now
            fields += ["batches_sent", "last_batch_at"]
        if not campaign.recipients.filter(handled_at__isnull=True).exists():
            campaign.status, campaign.finished_at = Campaign.Status.FINISHED, now
            fields.append("finished_at")
        campaign.save(update_fields=fields)
    return BatchSent(batch=batch if pending else None, invited=invited, skipped=skipped)


def campaign_batches_send(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic job: the due batch of every running campaign (and of scheduled ones whose start
    has come). A campaign that fails is logged and retried on the next run; the others go on."""
    now = now or clock.now()
    due = Campaign.objects.filter(
        Q(status=Campaign.Status.RUNNING) | Q(status=Campaign.Status.SCHEDULED, starts_at__lte=now)
    ).order_by("pk")
    batches = invited = failed = 0
    for campaign in due:
        try:
            sent = campaign_send_batch(campaign=campaign, now=now)
        except Exception:
            logger.exception("Survey campaign %s: the batch could not be sent", campaign.pk)
            failed += 1
            continue
        batches += sent.batch is not None
        invited += sent.invited
    result = {"batches": batches, "invited": invited}
    return {**result, "failed": failed} if failed else result


@transaction.atomic
def campaign_cancel(*, campaign: Campaign, by: User, now: datetime | None = None) -> Campaign:
    """Stop a campaign: no further batch goes out. Invitations already sent keep working until they
    expire: the customers who got one were asked in good faith."""
    _require_visible(by, campaign)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if not campaign.is_open:
        raise IllegalTransition(
            _("This campaign is already %(status)s.") % {"status": campaign.get_status_display()}
        )
    campaign.status = Campaign.Status.CANCELLED
    campaign.cancelled_at = now or clock.now()
    campaign.save(update_fields=["status", "cancelled_at", "updated_at"])
    return campaign
