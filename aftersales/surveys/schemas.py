"""API shapes of surveys: the questionnaire behind a token, a submission, and a recorded response."""

from datetime import date, datetime
from typing import Annotated

from django.utils import timezone
from ninja import Field, Schema

from aftersales.service.models.tickets import Channel

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
AnswerValue = int | str | list[str] | None


class ChoiceOut(Schema):
    value: str
    zh: str = ""
    en: str = ""


class ItemOut(Schema):
    id: int
    order: int
    kind: str
    wording_zh: str
    wording_en: str
    required: bool
    low: int | None = Field(None, description="lowest value of a scale item (csat, nps, ces, rating)")
    high: int | None = Field(None, description="highest value of a scale item")
    choices: list[ChoiceOut]

    @staticmethod
    def resolve_low(obj) -> int | None:
        return obj.scale[0] if obj.scale else None

    @staticmethod
    def resolve_high(obj) -> int | None:
        return obj.scale[1] if obj.scale else None


class SurveyFormOut(Schema):
    request: str = Field(description="the number of the request the survey is about")
    template: str
    version: int
    expires_at: datetime
    items: list[ItemOut]


class SubmissionIn(Schema):
    token: str = Field(min_length=1, max_length=100, description="the token of the survey link (/s/<token>/)")
    answers: dict[str, AnswerValue] = Field(
        description="item id -> value: a number for scale items, text, a choice value or a list of them"
    )


class AnswerOut(Schema):
    item: int = Field(alias="item_id")
    kind: str
    number: int | None
    choices: list[str]
    text: str

    @staticmethod
    def resolve_kind(obj) -> str:
        return obj.item.kind


class ResponseOut(Schema):
    id: int
    request: str
    store: str
    template: str
    version: int
    language: str
    created_at: datetime
    answers: list[AnswerOut]

    @staticmethod
    def resolve_created_at(obj) -> datetime:
        return timezone.localtime(obj.created_at)

    @staticmethod
    def resolve_request(obj) -> str:
        return obj.invitation.ticket.number

    @staticmethod
    def resolve_store(obj) -> str:
        return obj.invitation.ticket.store.code

    @staticmethod
    def resolve_template(obj) -> str:
        return obj.invitation.template.code

    @staticmethod
    def resolve_version(obj) -> int:
        return obj.invitation.template.version

    @staticmethod
    def resolve_answers(obj) -> list:
        return list(obj.answers.all())


class ResponseFilterIn(Schema):
    store: Id | None = Field(None, description="store id")
    specialist: Id | None = Field(None, description="user id of the request's assignee")
    product_model: Id | None = Field(None, description="product model id")
    channel: Channel | None = None
    csat: int | None = Field(None, ge=1, le=5, description="CSAT score")
    date_from: date | None = Field(None, alias="from", description="answered on or after (date)")
    date_to: date | None = Field(None, alias="to", description="answered on or before (date)")
    q: str = Field("", max_length=200, description="words in the free-text comment")
