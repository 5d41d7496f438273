"""Reads of the surveys app for staff: the results list, scoped to the requests and campaigns a person may
see, and a campaign's progress."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from aftersales.accounts.models import HANDLER_ROLES, Store, User
from aftersales.core.params import date_or_none, int_or_none
from aftersales.customers.models import ProductModel
from aftersales.service.models import Ticket
from aftersales.service.models.tickets import Channel
from aftersales.surveys.models import (
    Campaign,
    CampaignRecipient,
    SurveyAnswer,
    SurveyInvitation,
    SurveyItem,
    SurveyResponse,
)

PAGE_SIZE = 25


@dataclass(frozen=True)
class ResultFilters:
    store: int | None = None
    specialist: int | None = None
    product_model: int | None = None
    channel: str = ""
    campaign: int | None = None
    csat: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""

    @property
    def active(self) -> bool:
        return any(value not in (None, "") for value in self.__dict__.values())


def filters_from(params) -> ResultFilters:
    """The filters of a query string; a value that does not parse is ignored, not an error."""
    channel = (params.get("channel") or "").strip()
    return ResultFilters(
        store=int_or_none(params.get("store")),
        specialist=int_or_none(params.get("specialist")),
        product_model=int_or_none(params.get("product_model")),
        channel=channel if channel in Channel.values else "",
        campaign=int_or_none(params.get("campaign")),
        csat=int_or_none(params.get("csat")),
        date_from=date_or_none(params.get("from")),
        date_to=date_or_none(params.get("to")),
        q=(params.get("q") or "").strip()[:200],
    )


def _answer(kind: str, column: str) -> Subquery:
    return Subquery(
        SurveyAnswer.objects.filter(response=OuterRef("pk"), item__kind=kind)
        .order_by("item__order")
        .values(column)[:1]
    )


def survey_results(*, user: User, filters: ResultFilters) -> QuerySet[SurveyResponse]:
    """Responses to the requests and campaigns visible to `user`, newest first, each with csat, nps, ces
    and comment annotated: one query for any number of rows. The request filters (store, specialist,
    product, channel) apply to answers about a request; a campaign's answers are about no request."""
    visible = Ticket.objects.visible_to(user).values("pk")
    campaigns = Campaign.objects.visible_to(user).values("pk")
    responses = (
        SurveyResponse.objects.filter(
            Q(invitation__ticket__in=visible) | Q(invitation__campaign__in=campaigns)
        )
        .select_related(
            "invitation__template",
            "invitation__ticket__store",
            "invitation__ticket__customer",
            "invitation__ticket__assignee",
            "invitation__ticket__asset__product_model",
            "invitation__campaign",
            "invitation__customer__home_store",
            "recovery__follow_up",
        )
        .annotate(
            csat=_answer(SurveyItem.Kind.CSAT, "number"),
            nps=_answer(SurveyItem.Kind.NPS, "number"),
            ces=_answer(SurveyItem.Kind.CES, "number"),
            comment=_answer(SurveyItem.Kind.TEXT, "text"),
        )
        .order_by("-created_at", "-pk")
    )
    if filters.campaign is not None:
        responses = responses.filter(invitation__campaign_id=filters.campaign)
    ticket = "invitation__ticket__"
    if filters.store is not None:  # a campaign's answer belongs to the customer's home store
        responses = responses.filter(
            Q(**{f"{ticket}store_id": filters.store}) | Q(invitation__customer__home_store_id=filters.store)
        )
    if filters.specialist is not None:
        responses = responses.filter(**{f"{ticket}assignee_id": filters.specialist})
    if filters.product_model is not None:
        responses = responses.filter(**{f"{ticket}asset__product_model_id": filters.product_model})
    if filters.channel:
        responses = responses.filter(**{f"{ticket}channel": filters.channel})
    if filters.csat is not None:
        responses = responses.filter(csat=filters.csat)
    if filters.date_from is not None:
        responses = responses.filter(created_at__date__gte=filters.date_from)
    if filters.date_to is not None:
        responses = responses.filter(created_at__date__lte=filters.date_to)
    if filters.q:
        comments = SurveyAnswer.objects.filter(
            response=OuterRef("pk"), item__kind=SurveyItem.Kind.TEXT, text__icontains=filters.q
        )
        responses = responses.filter(Exists(comments))
    return responses


def filter_choices(*, user: User) -> dict[str, list]:
    """The options of the filter form: the person's stores, their handlers, product models, channels."""
    stores = Store.objects.order_by("code")
    if not user.sees_all_stores:
        stores = stores.filter(pk__in=sorted(user.store_ids))
    store_list = list(stores)
    specialists = (
        User.objects.filter(is_active=True, role__in=HANDLER_ROLES, stores__in=[s.pk for s in store_list])
        .distinct()
        .order_by("display_name", "pk")
    )
    return {
        "stores": store_list,
        "specialists": list(specialists),
        "product_models": list(ProductModel.objects.order_by("name")),
        "channels": list(Channel.choices),
        "campaigns": list(Campaign.objects.visible_to(user).order_by("-created_at", "-pk")),
        "scores": list(range(1, 6)),
    }


@dataclass(frozen=True)
class BatchProgress:
    batch: int
    sent_at: datetime
    invited: int
    skipped: int
    answered: int

    @property
    def response_rate(self) -> float | None:
        return response_rate(answered=self.answered, invited=self.invited)


@dataclass(frozen=True)
class CampaignProgress:
    population: int | None
    sampled: int
    invited: int
    skipped: int
    pending: int
    answered: int
    batches: list[BatchProgress]

    @property
    def response_rate(self) -> float | None:
        return response_rate(answered=self.answered, invited=self.invited)

    @property
    def largest_batch(self) -> int:
        return max((batch.invited for batch in self.batches), default=0)


def response_rate(*, answered: int, invited: int) -> float | None:
    """Answered invitations per invitation sent, in percent to one decimal; None before any was sent
    (skipped recipients were never asked, so they do not count)."""
    return round(100 * answered / invited, 1) if invited else None


def campaign_progress(campaign: Campaign) -> CampaignProgress:
    """Sampled, sent, answered and the response rate, in total and per batch: one query."""
    rows = (
        CampaignRecipient.objects.filter(campaign=campaign)
        .values("batch")
        .annotate(
            sampled=Count("pk"),
            invited=Count("invitation"),
            skipped=Count("pk", filter=~Q(skipped="")),
            answered=Count("invitation", filter=Q(invitation__answered_at__isnull=False)),
            sent_at=Min("handled_at"),
        )
        .order_by("batch")
    )
    batches, pending = [], 0
    for row in rows:
        if row["batch"] is None:
            pending = row["sampled"]
            continue
        batches.append(
            BatchProgress(
                batch=row["batch"],
                sent_at=row["sent_at"],
                invited=row["invited"],
                skipped=row["skipped"],
                answered=row["answered"],
            )
        )
    return CampaignProgress(
        population=campaign.population_size,
        sampled=pending + sum(batch.invited + batch.skipped for batch in batches),
        invited=sum(batch.invited for batch in batches),
        skipped=sum(batch.skipped for batch in batches),
        pending=pending,
        answered=sum(batch.answered for batch in batches),
        batches=batches,
    )


def _count_per_campaign(rows: QuerySet) -> Coalesce:
    counted = rows.filter(campaign=OuterRef("pk")).values("campaign").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


def campaign_list(*, user: User) -> list[Campaign]:
    """The campaigns `user` may see, newest first, each with `sampled`, `invited`, `answered` and
    `response_rate` set: one query (a count subquery per column, no join of recipients and invitations)."""
    invitations = SurveyInvitation.objects.all()
    campaigns = (
        Campaign.objects.visible_to(user)
        .annotate(
            sampled=_count_per_campaign(CampaignRecipient.objects.all()),
            invited=_count_per_campaign(invitations),
            answered=_count_per_campaign(invitations.filter(answered_at__isnull=False)),
        )
        .order_by("-created_at", "-pk")
    )
    rows = list(campaigns)
    for campaign in rows:
        campaign.response_rate = response_rate(answered=campaign.answered, invited=campaign.invited)
    return rows
