"""Writes of accounts: API tokens for integrations."""

import hashlib
import secrets
from datetime import timedelta
from functools import cache

from django.db import connection, transaction

from aftersales.accounts.models import ApiToken, User
from aftersales.core import clock, reference
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
    now = clock.now()
    # Adapted as the ORM would store it (SQLite compares datetimes as text in its own format).
    use_recorded_since = connection.ops.adapt_datetimefield_value(now - LAST_USED_RESOLUTION)
    sql = _token_user_sql(connection.vendor)
    user = next(iter(User.objects.raw(sql, [use_recorded_since, api_token_digest(raw)])), None)
    if user is None:
        return None
    # Read along, to spare a statement each: the stores the user works in (what `User.store_ids`
    # would read) and the reference-data version that the request's cached reads go by.
    memberships = user.member_store_ids
    if isinstance(memberships, str):  # SQLite's group_concat
        memberships = [int(store_id) for store_id in memberships.split(",")]
    user.__dict__["store_ids"] = frozenset(memberships or ())
    reference.note(user.reference_version)
    if user.token_use_unrecorded:
        ApiToken.objects.filter(pk=user.token_id).update(last_used_at=now)
    return user


@cache
def _token_user_sql(vendor: str) -> str:
    """Written out in SQL because every API request runs it: the ORM spent several times longer
    composing the token-and-user join than the database spent running it. `token_use_unrecorded` says
    whether `last_used_at` is due to be written (never used, or not within LAST_USED_RESOLUTION).
    test_auth.py pins what it accepts and when it stamps the use."""
    memberships = User.stores.through._meta.db_table
    store_ids = (
        f"ARRAY(SELECT m.store_id FROM {memberships} m WHERE m.user_id = u.id)"
        if vendor == "postgresql"
        else f"(SELECT group_concat(m.store_id) FROM {memberships} m WHERE m.user_id = u.id)"
    )
    return f"""
        SELECT u.*, t.id AS token_id,
            (t.last_used_at IS NULL OR t.last_used_at <= %s) AS token_use_unrecorded,
            {store_ids} AS member_store_ids,
            {reference.VERSION_SQL} AS reference_version
        FROM {User._meta.db_table} u JOIN {ApiToken._meta.db_table} t ON t.user_id = u.id
        WHERE t.digest = %s AND t.revoked_at IS NULL AND u.is_active
    """  # noqa: S608 - table names from the models, values as parameters


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token
