"""Outgoing webhooks: subscriptions, one delivery row per (subscription, event), and the read cursor.

Events come from the append-only `service.TicketEvent` table (the lower app writes, this app reads):
`services.webhook_events_collect` turns new rows into deliveries, `webhook_deliveries_send` posts them."""

import secrets

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.core import clock
from aftersales.core.models import TimeStampedModel
from aftersales.integrations.querysets import WebhookSubscriptionQuerySet

EVENTS = (
    "request.created",
    "request.resolved",
    "request.reopened",
    "request.breached",
    "survey.answered",
    "complaint.opened",
)


def validate_events(value) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Choose at least one event."), code="events")
    unknown = [event for event in value if event not in EVENTS]
    if unknown:
        raise ValidationError(
            _("Unknown events: %(events)s"), code="events", params={"events": ", ".join(map(str, unknown))}
        )


def new_secret() -> str:
    return secrets.token_hex(32)


class WebhookSubscription(TimeStampedModel):
    """A receiver of events. `json` bodies are our own and signed; `wecom` / `dingtalk` are group-robot
    text messages. With a store, only that store's events are sent."""

    class Format(models.TextChoices):
        JSON = "json", _("JSON (signed)")
        WECOM = "wecom", _("WeCom group robot")
        DINGTALK = "dingtalk", _("DingTalk group robot")

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500, validators=[URLValidator(schemes=["http", "https"])])
    events = models.JSONField(_("events"), default=list, validators=[validate_events])
    format = models.CharField(_("format"), max_length=10, choices=Format.choices, default=Format.JSON)
    secret = models.CharField(_("secret"), max_length=128, default=new_secret)
    active = models.BooleanField(_("active"), default=True)
    store = models.ForeignKey(
        "accounts.Store",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("store"),
    )

    objects = WebhookSubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(TimeStampedModel):
    """One event for one subscription, retried with back-off until it succeeds or gives up."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed, will retry")
        GAVE_UP = "gave_up", _("gave up")

    subscription = models.ForeignKey(
        WebhookSubscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("subscription"),
    )
    event = models.CharField(_("event"), max_length=30)
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=clock.now, db_index=True)
    last_status_code = models.PositiveSmallIntegerField(_("last status code"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id} ({self.status})"


class WebhookCursor(models.Model):
    """How far `webhook_events_collect` has read the TicketEvent table; advanced by compare-and-set."""

    name = models.CharField(max_length=50, unique=True)
    last_event_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("webhook cursor")
        verbose_name_plural = _("webhook cursors")

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_event_id}"
