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


class CampaignRefOut(Schema):
    id: int
    name: str
    topic: str = Field(description="product_quality, service or partners")


class SurveyFormOut(Schema):
    request: str | None = Field(
        description="the number of the request the survey is about; null for a campaign's"
    )
    campaign: CampaignRefOut | None = Field(
        None, description="the relationship survey campaign it is part of"
    )
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
    request: str | None = Field(description="the request's number; null for a campaign's answer")
    campaign: CampaignRefOut | None = Field(None, description="the survey campaign, for a campaign's answer")
    store: str = Field(description="the request's store, or the campaign customer's home store (code)")
    template: str
    version: int
    language: str
    created_at: datetime
    answers: list[AnswerOut]

    @staticmethod
    def resolve_created_at(obj) -> datetime:
        return timezone.localtime(obj.created_at)

    @staticmethod
    def resolve_request(obj) -> str | None:
        return obj.invitation.ticket.number if obj.invitation.ticket_id else None

    @staticmethod
    def resolve_campaign(obj):
        return obj.invitation.campaign

    @staticmethod
    def resolve_store(obj) -> str:
        invitation = obj.invitation
        return invitation.ticket.store.code if invitation.ticket_id else invitation.customer.home_store.code

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
    campaign: Id | None = Field(None, description="survey campaign id: that campaign's answers only")
    csat: int | None = Field(None, ge=1, le=5, description="CSAT score")
    date_from: date | None = Field(None, alias="from", description="answered on or after (date)")
    date_to: date | None = Field(None, alias="to", description="answered on or before (date)")
    q: str = Field("", max_length=200, description="words in the free-text comment")
