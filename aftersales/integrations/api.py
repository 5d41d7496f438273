"""Webhook subscriptions over the API (`/api/v1/webhooks/subscriptions`).

Administrators manage every subscription; a store manager those of their own stores (a subscription
without a store receives every store's events, so only administrators create one). Everybody else gets
403 on the list and 404 on a subscription, as does a store manager asking for another store's. The
secret is generated and shown once, in the answer to the create.
"""

from django.http import Http404
from ninja import Path, Router, Status
from ninja.pagination import paginate

from aftersales.accounts.models import Role, Store, User
from aftersales.api.auth import current_user
from aftersales.api.pagination import PageNumberPagination
from aftersales.core.errors import ApplicationError, NotAllowed
from aftersales.integrations.models import WebhookSubscription
from aftersales.integrations.schemas import (
    DeliveryOut,
    SubscriptionCreatedOut,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionPatch,
)
from aftersales.integrations.services import (
    webhook_subscription_create,
    webhook_subscription_delete,
    webhook_subscription_update,
)

router = Router(tags=["webhooks"])

SUBSCRIPTIONS = "/webhooks/subscriptions"
# A 64-bit primary key: a larger number is "not valid" (422), never a database error.
SubscriptionId = Path(..., ge=1, le=2**63 - 1)


def _require_webhook_manager(user: User) -> None:
    if not (user.is_superuser or user.role in (Role.ADMIN, Role.STORE_MANAGER)):
        raise NotAllowed("Webhook subscriptions are managed by administrators and store managers.")


def _subscription(user: User, subscription_id: int) -> WebhookSubscription:
    subscription = (
        WebhookSubscription.objects.visible_to(user)
        .select_related("store")
        .filter(pk=subscription_id)
        .first()
    )
    if subscription is None:
        raise Http404
    return subscription


def _store(code: str | None) -> Store | None:
    if not code:
        return None
    store = Store.objects.filter(code=code).first()
    if store is None:
        raise ApplicationError(f"There is no store with code '{code}' (store).", field="store")
    return store


@router.get(SUBSCRIPTIONS, response=list[SubscriptionOut], summary="List webhook subscriptions")
@paginate(PageNumberPagination)
def webhooks_list(request):
    user = current_user(request)
    _require_webhook_manager(user)
    return WebhookSubscription.objects.visible_to(user).select_related("store").order_by("name", "pk")


@router.post(SUBSCRIPTIONS, response={201: SubscriptionCreatedOut}, summary="Subscribe to events")
def webhooks_create(request, payload: SubscriptionIn):
    """The answer holds the signing secret, the only time it is shown."""
    user = current_user(request)
    _require_webhook_manager(user)
    subscription = webhook_subscription_create(
        by=user,
        name=payload.name,
        url=payload.url,
        events=payload.events,
        format=payload.format,
        store=_store(payload.store),
        active=payload.active,
    )
    return Status(201, subscription)


@router.get(f"{SUBSCRIPTIONS}/{{subscription_id}}", response=SubscriptionOut, summary="Get a subscription")
def webhooks_get(request, subscription_id: int = SubscriptionId):
    return _subscription(current_user(request), subscription_id)


@router.patch(
    f"{SUBSCRIPTIONS}/{{subscription_id}}", response=SubscriptionOut, summary="Change a subscription"
)
def webhooks_update(request, payload: SubscriptionPatch, subscription_id: int = SubscriptionId):
    """Only the fields given change; the secret stays. `store: ""` makes it an every-store subscription."""
    user = current_user(request)
    subscription = _subscription(user, subscription_id)
    changes = payload.dict(exclude_unset=True)
    for field in ("name", "url", "events", "format", "active"):
        if field in changes and changes[field] is None:
            raise ApplicationError(f"{field} cannot be null.", field=field)
    if "store" in changes:
        changes["store"] = _store(changes["store"])
    return webhook_subscription_update(subscription=subscription, by=user, **changes)


@router.delete(f"{SUBSCRIPTIONS}/{{subscription_id}}", response={204: None}, summary="Delete a subscription")
def webhooks_delete(request, subscription_id: int = SubscriptionId):
    user = current_user(request)
    webhook_subscription_delete(subscription=_subscription(user, subscription_id), by=user)
    return Status(204, None)


@router.get(
    f"{SUBSCRIPTIONS}/{{subscription_id}}/deliveries",
    response=list[DeliveryOut],
    summary="The delivery log of a subscription",
)
@paginate(PageNumberPagination)
def webhooks_deliveries(request, subscription_id: int = SubscriptionId):
    """Newest first, with the receiver's last status code and error."""
    subscription = _subscription(current_user(request), subscription_id)
    return subscription.deliveries.order_by("-created_at", "-pk")
