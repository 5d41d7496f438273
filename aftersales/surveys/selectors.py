"""Reads of the surveys app for staff: the results list, scoped to the requests a person may see."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from aftersales.accounts.models import HANDLER_ROLES, Store, User
from aftersales.customers.models import ProductModel
from aftersales.service.models import Ticket
from aftersales.service.models.tickets import Channel
from aftersales.surveys.models import SurveyAnswer, SurveyItem, SurveyResponse

PAGE_SIZE = 25


@dataclass(frozen=True)
class ResultFilters:
    store: int | None = None
    specialist: int | None = None
    product_model: int | None = None
    channel: str = ""
    csat: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""

    @property
    def active(self) -> bool:
        return any(value not in (None, "") for value in self.__dict__.values())


def _int(value) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _date(value) -> date | None:
    try:
        return date.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        return None


def filters_from(params) -> ResultFilters:
    """The filters of a query string; a value that does not parse is ignored, not an error."""
    channel = (params.get("channel") or "").strip()
    return ResultFilters(
        store=_int(params.get("store")),
        specialist=_int(params.get("specialist")),
        product_model=_int(params.get("product_model")),
        channel=channel if channel in Channel.values else "",
        csat=_int(params.get("csat")),
        date_from=_date(params.get("from")),
        date_to=_date(params.get("to")),
        q=(params.get("q") or "").strip()[:200],
    )


def _answer(kind: str, column: str) -> Subquery:
    return Subquery(
        SurveyAnswer.objects.filter(response=OuterRef("pk"), item__kind=kind)
        .order_by("item__order")
        .values(column)[:1]
    )


def survey_results(*, user: User, filters: ResultFilters) -> QuerySet[SurveyResponse]:
    """Responses to requests visible to `user`, newest first, each with csat, nps, ces and comment
    annotated: one query for any number of rows."""
    visible = Ticket.objects.visible_to(user).values("pk")
    responses = (
        SurveyResponse.objects.filter(invitation__ticket__in=visible)
        .select_related(
            "invitation__template",
            "invitation__ticket__store",
            "invitation__ticket__assignee",
            "invitation__ticket__asset__product_model",
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
    ticket = "invitation__ticket__"
    if filters.store is not None:
        responses = responses.filter(**{f"{ticket}store_id": filters.store})
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
        "scores": list(range(1, 6)),
    }
