"""API shapes of webhook subscriptions and their delivery log."""

from datetime import datetime

from ninja import Field, Schema

from aftersales.integrations.models import EVENTS


class SubscriptionIn(Schema):
    name: str = Field(max_length=100)
    url: str = Field(max_length=500, description="http:// or https://, without user name or password")
    events: list[str] = Field(description=f"one or more of {', '.join(EVENTS)}")
    format: str = Field("json", description="json (signed), wecom or dingtalk (group robots)")
    store: str | None = Field(None, description="store code: only that store's events; none: every store")
    active: bool = True


class SubscriptionPatch(Schema):
    name: str | None = Field(None, max_length=100)
    url: str | None = Field(None, max_length=500)
    events: list[str] | None = None
    format: str | None = None
    store: str | None = Field(None, description="store code; an empty string: every store")
    active: bool | None = None


class SubscriptionOut(Schema):
    id: int
    name: str
    url: str
    events: list[str]
    format: str
    store: str | None
    active: bool
    created_at: datetime

    @staticmethod
    def resolve_store(obj) -> str | None:
        return obj.store.code if obj.store_id else None


class SubscriptionCreatedOut(SubscriptionOut):
    secret: str = Field(
        description="the HMAC-SHA256 key of the X-Aftersales-Signature header; shown only in this answer"
    )


class DeliveryOut(Schema):
    id: int
    event: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str
    next_attempt_at: datetime
    delivered_at: datetime | None
    created_at: datetime
