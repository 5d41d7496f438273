"""Test helpers for the API: a Django test client that sends a fresh bearer token of a user.

    client = api_client(specialist_a)
    response = client.post("/api/v1/requests", {...}, content_type="application/json")

`Accept-Language: en` keeps the (partly translated) error messages stable in assertions.
"""

from django.test import Client

from aftersales.accounts.models import User
from aftersales.accounts.services import api_token_create

API = "/api/v1"


def api_client(user: User, **headers: str) -> Client:
    _token, raw = api_token_create(user=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {raw}", "Accept-Language": "en", **headers})


def post(client: Client, path: str, data: dict | None = None):
    return client.post(f"{API}{path}", data or {}, content_type="application/json")


def get(client: Client, path: str, **params):
    return client.get(f"{API}{path}", params)
