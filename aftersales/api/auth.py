"""Who is calling: a bearer token (integrations) or the browser session (staff pages, Swagger UI).

`AUTH = [TokenAuth(), django_auth]`, in that order: a request that carries a token never reaches the
session check, whose CSRF test would otherwise reject a token-authenticated POST sent with a stale
session cookie. A token that is present but unknown or revoked is rejected at once (401) instead of
falling through to the session.
"""

from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, django_auth

from aftersales.accounts.models import User
from aftersales.accounts.services import api_token_authenticate


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User:
        user = api_token_authenticate(token)
        if user is None:
            raise AuthenticationError(message="The API token is invalid or has been revoked.")
        return user


AUTH = [TokenAuth(), django_auth]


def current_user(request: HttpRequest) -> User:
    """The authenticated user of an API request (set by whichever authenticator accepted it)."""
    return request.auth  # type: ignore[attr-defined]
