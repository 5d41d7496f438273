"""Webhooks: collect new TicketEvent rows into deliveries, then post the due deliveries.

Both are safe to run twice and from several workers: the cursor advances by compare-and-set together
with the deliveries it creates, and each delivery attempt is claimed by compare-and-set before it is
posted. A receiver's error or timeout is recorded on the delivery, never raised."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from aftersales.core.errors import ApplicationError, NotAllowed
from aftersales.integrations.models import (
    EVENTS,
    WebhookCursor,
    WebhookDelivery,
    WebhookSubscription,
    validate_events,
)

logger = logging.getLogger("aftersales.webhooks")

CURSOR_NAME = "ticket-events"
SURVEY_CURSOR_NAME = "survey-responses"
BATCH = 500
SEND_BATCH = 100
MAX_ATTEMPTS = 6  # retries after 1, 2, 4, 8, 16 minutes; the 6th failure gives up
DEFAULT_TIMEOUT_SECONDS = 5.0
URL_MAX_LENGTH = 500  # WebhookSubscription.url
NAME_MAX_LENGTH = 100  # WebhookSubscription.name
# While a delivery is being posted nobody else picks it up (a crashed sender's claim expires).
CLAIM = timedelta(minutes=5)

# TicketEvent.type -> webhook event
EVENT_TYPES = {
    "created": "request.created",
    "resolved": "request.resolved",
    "reopened": "request.reopened",
    "sla_breached": "request.breached",
}


def backoff(attempts: int) -> timedelta:
    """Wait after the `attempts`-th failed attempt: 1, 2, 4, 8, 16 minutes."""
    return timedelta(minutes=2 ** (attempts - 1))


def request_part(ticket) -> dict:
    return {
        "number": ticket.number,
        "store": ticket.store.code,
        "subject": ticket.subject,
        "status": ticket.status,
    }


def event_payload(event, name: str) -> dict:
    payload = {
        "event": name,
        "event_id": event.pk,
        "occurred_at": event.created_at.isoformat(),
        "request": request_part(event.ticket),
    }
    if name == "complaint.opened":
        from aftersales.service.models import Complaint

        complaint = Complaint.objects.filter(ticket_id=event.ticket_id).first()
        if complaint is not None:
            payload["complaint"] = {"severity": complaint.severity, "source": complaint.source}
    return payload


def survey_payload(response) -> dict:
    """What it was about — the request, or the relationship survey campaign and its topic — and the
    numeric scores by item kind (csat, nps, ces, rating)."""
    scores = {
        answer.item.kind: answer.number for answer in response.answers.all() if answer.number is not None
    }
    invitation = response.invitation
    about = (
        {"request": request_part(invitation.ticket)}
        if invitation.ticket_id
        else {
            "campaign": {
                "id": invitation.campaign_id,
                "name": invitation.campaign.name,
                "topic": invitation.campaign.topic,
            }
        }
    )
    return {
        "event": "survey.answered",
        "response_id": response.pk,
        "occurred_at": response.created_at.isoformat(),
        **about,
        "scores": scores,
    }


def _collect(*, cursor_name: str, rows: list, matches, now: datetime) -> int:
    """Turn `rows` (past the cursor, in pk order) into deliveries; `matches(row)` lists the
    (event name, store id, occurred at, payload builder) the row stands for. The cursor moves by
    compare-and-set in the same transaction as the deliveries, so two workers never both create them."""
    cursor, _created = WebhookCursor.objects.get_or_create(name=cursor_name)
    rows = [row for row in rows if row.pk > cursor.last_event_id]
    if not rows:
        return 0
    subscriptions = list(WebhookSubscription.objects.filter(active=True))
    deliveries = []
    for row in rows:
        for name, store_id, occurred_at, build in matches(row):
            payload = None
            for subscription in subscriptions:
                if name not in subscription.events:
                    continue
                if subscription.store_id is not None and subscription.store_id != store_id:
                    continue
                if occurred_at < subscription.created_at:
                    continue
                payload = payload if payload is not None else build()
                deliveries.append(
                    WebhookDelivery(
                        subscription=subscription,
                        event=name,
                        payload=payload,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
    with transaction.atomic():
        claimed = WebhookCursor.objects.filter(pk=cursor.pk, last_event_id=cursor.last_event_id).update(
            last_event_id=rows[-1].pk
        )
        if not claimed:
            return 0  # another worker read the same rows and created their deliveries
        WebhookDelivery.objects.bulk_create(deliveries)
    return len(deliveries)


def _cursor_position(name: str) -> int:
    cursor = WebhookCursor.objects.filter(name=name).first()
    return cursor.last_event_id if cursor else 0


def webhook_events_collect(*, now: datetime) -> int:
    """Create deliveries for the new TicketEvent and SurveyResponse rows; return how many were created.

    A subscription receives the events that happened since it was created (no replay of history)."""
    from aftersales.service.models import TicketEvent
    from aftersales.surveys.models import SurveyResponse

    events = list(
        TicketEvent.objects.filter(pk__gt=_cursor_position(CURSOR_NAME))
        .select_related("ticket__store")
        .order_by("pk")[:BATCH]
    )

    def event_match(event) -> list:
        names = [EVENT_TYPES[event.type]] if event.type in EVENT_TYPES else []
        if event.type == "created" and event.ticket.kind == "complaint":
            names.append("complaint.opened")
        return [
            (name, event.ticket.store_id, event.created_at, lambda name=name: event_payload(event, name))
            for name in names
        ]

    responses = list(
        SurveyResponse.objects.filter(pk__gt=_cursor_position(SURVEY_CURSOR_NAME))
        .select_related("invitation__ticket__store", "invitation__campaign", "invitation__customer")
        .prefetch_related("answers__item")
        .order_by("pk")[:BATCH]
    )

    def response_match(response):
        # A campaign's answer belongs to the store the customer calls home.
        invitation = response.invitation
        store_id = invitation.ticket.store_id if invitation.ticket_id else invitation.customer.home_store_id
        return [("survey.answered", store_id, response.created_at, lambda: survey_payload(response))]

    return _collect(cursor_name=CURSOR_NAME, rows=events, matches=event_match, now=now) + _collect(
        cursor_name=SURVEY_CURSOR_NAME, rows=responses, matches=response_match, now=now
    )


def render_body(delivery: WebhookDelivery) -> bytes:
    subscription = delivery.subscription
    if subscription.format == WebhookSubscription.Format.JSON:
        body = {"id": delivery.pk, **delivery.payload}
    else:
        request = delivery.payload.get("request") or {}
        about = (
            delivery.payload["campaign"]["name"]
            if "campaign" in delivery.payload
            else f"{request.get('number', '')} {request.get('subject', '')}"
        )
        content = f"[{delivery.event}] {about}".strip()
        body = {"msgtype": "text", "text": {"content": content}}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(delivery: WebhookDelivery, *, timeout: float) -> tuple[int | None, str]:
    """POST the delivery; return (status code or None, error text or "")."""
    subscription = delivery.subscription
    if not subscription.url.lower().startswith(("http://", "https://")):
        return None, "URL scheme is not http or https"
    body = render_body(delivery)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "aftersales-webhooks/1",
        "X-Aftersales-Event": delivery.event,
        "X-Aftersales-Delivery": str(delivery.pk),
    }
    if subscription.format == WebhookSubscription.Format.JSON:
        headers["X-Aftersales-Signature"] = sign(subscription.secret, body)
    request = urllib.request.Request(subscription.url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{type(exc).__name__}: {reason}"[:500]


def webhook_deliveries_send(*, now: datetime) -> dict[str, int]:
    """Post every due delivery of an active subscription; return counts by resulting status."""
    timeout = float(getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS))
    due = list(
        WebhookDelivery.objects.filter(
            Q(status=WebhookDelivery.Status.PENDING) | Q(status=WebhookDelivery.Status.FAILED),
            next_attempt_at__lte=now,
            subscription__active=True,
        )
        .select_related("subscription")
        .order_by("next_attempt_at", "id")[:SEND_BATCH]
    )
    counts: dict[str, int] = {}
    for delivery in due:
        claimed = WebhookDelivery.objects.filter(
            pk=delivery.pk, attempts=delivery.attempts, next_attempt_at=delivery.next_attempt_at
        ).update(next_attempt_at=now + CLAIM)
        if not claimed:
            continue
        code, error = post(delivery, timeout=timeout)
        delivery.attempts += 1
        delivery.last_status_code = code
        if code is not None and 200 <= code < 300:
            delivery.status = WebhookDelivery.Status.SUCCEEDED
            delivery.delivered_at = now
            delivery.last_error = ""
        else:
            delivery.last_error = error or f"HTTP {code}"
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = WebhookDelivery.Status.GAVE_UP
            else:
                delivery.status = WebhookDelivery.Status.FAILED
                delivery.next_attempt_at = now + backoff(delivery.attempts)
            logger.warning(
                "Webhook delivery %s attempt %s failed: %s",
                delivery.pk,
                delivery.attempts,
                delivery.last_error,
            )
        delivery.save(
            update_fields=[
                "attempts",
                "status",
                "next_attempt_at",
                "last_status_code",
                "last_error",
                "delivered_at",
                "updated_at",
            ]
        )
        counts[delivery.status] = counts.get(delivery.status, 0) + 1
    return counts


# --- subscriptions: created, changed and removed by administrators, or a store manager for their store ----


def _may_manage(user, store_id: int | None) -> bool:
    from aftersales.accounts.models import Role

    if not user.is_active:
        return False
    if user.is_superuser or user.role == Role.ADMIN:
        return True
    return user.role == Role.STORE_MANAGER and store_id is not None and store_id in user.store_ids


def _require_manage(user, store) -> None:
    if not _may_manage(user, store.pk if store else None):
        if store is None:
            raise NotAllowed(
                _("Only administrators subscribe to every store's events: give one of your stores."),
                field="store",
            )
        raise NotAllowed(_("Only an administrator or a manager of this store may do that."), field="store")


def clean_url(url: str) -> str:
    """An absolute http or https URL, without user name or password (a secret in a URL ends up in logs;
    the signature secret is what authenticates us to the receiver)."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise ApplicationError(_("The URL must start with http:// or https://."), field="url")
    if parts.username is not None or parts.password is not None:
        raise ApplicationError(
            _("The URL must not contain a user name or password: the receiver checks the signature."),
            field="url",
        )
    if len(url) > URL_MAX_LENGTH:
        raise ApplicationError(
            _("The URL is longer than %(max)s characters.") % {"max": URL_MAX_LENGTH}, field="url"
        )
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ApplicationError(_("“%(url)s” is not a valid URL.") % {"url": url}, field="url") from None
    return url


def clean_events(events) -> list[str]:
    events = list(dict.fromkeys(str(event).strip() for event in events or []))
    try:
        validate_events(events)
    except ValidationError as exc:
        raise ApplicationError(
            exc.messages[0].rstrip(".")
            + ". "
            + _("Known events: %(events)s.") % {"events": ", ".join(EVENTS)},
            field="events",
        ) from None
    return events


def clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Give the subscription a name."), field="name")
    if len(name) > NAME_MAX_LENGTH:
        raise ApplicationError(
            _("The name is longer than %(max)s characters.") % {"max": NAME_MAX_LENGTH}, field="name"
        )
    return name


def clean_format(value: str) -> str:
    if value not in WebhookSubscription.Format.values:
        raise ApplicationError(
            _("Unknown format '%(value)s': choose one of %(choices)s.")
            % {"value": value, "choices": ", ".join(WebhookSubscription.Format.values)},
            field="format",
        )
    return value


@transaction.atomic
def webhook_subscription_create(
    *, by, name: str, url: str, events: list[str], format: str = "json", store=None, active: bool = True
) -> WebhookSubscription:
    """A new subscription with a new random secret (the caller shows it once). It receives the events
    that happen from now on."""
    _require_manage(by, store)
    return WebhookSubscription.objects.create(
        name=clean_name(name),
        url=clean_url(url),
        events=clean_events(events),
        format=clean_format(format),
        store=store,
        active=bool(active),
    )


@transaction.atomic
def webhook_subscription_update(*, subscription: WebhookSubscription, by, **changes) -> WebhookSubscription:
    """Change any of name, url, events, format, store, active; the secret stays."""
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    _require_manage(by, subscription.store)
    cleaners = {
        "name": clean_name,
        "url": clean_url,
        "events": clean_events,
        "format": clean_format,
        "active": bool,
        "store": lambda store: store,
    }
    if "store" in changes:
        _require_manage(by, changes["store"])
    for field, value in changes.items():
        setattr(subscription, field, cleaners[field](value))
    subscription.save(update_fields=[*changes, "updated_at"])
    return subscription


@transaction.atomic
def webhook_subscription_delete(*, subscription: WebhookSubscription, by) -> None:
    """Removes the subscription and its delivery log."""
    _require_manage(by, subscription.store)
    subscription.delete()
