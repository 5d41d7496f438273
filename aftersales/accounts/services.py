"""Writes of accounts: API tokens for integrations."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction

from aftersales.accounts.models import ApiToken, User
from aftersales.core import clock
from aftersales.core.errors import ApplicationError

# `last_used_at` is written at most this often per token, so a busy integration does not turn every
# read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)
PREFIX_LENGTH = 8


def api_token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a bearer token for `user`; returns the row and the raw token, which is never stored and
    cannot be shown again."""
    name = (name or "").strip()
    if not name:
        raise ApplicationError("Name the token after the integration that will use it.", field="name")
    if len(name) > 100:
        raise ApplicationError("The token name is longer than 100 characters.", field="name")
    if not user.is_active:
        raise ApplicationError(f"{user.username} is not active.", field="user")
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, digest=api_token_digest(raw), prefix=raw[:PREFIX_LENGTH]
    )
    return token, raw


def api_token_authenticate(raw: str) -> User | None:
    """The active user a live (not revoked) token belongs to, or None."""
    raw = (raw or "").strip()
    if not raw or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=api_token_digest(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token.user


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token
