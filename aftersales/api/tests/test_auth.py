"""Bearer tokens, session cookies with CSRF, and the `api_token` command."""

import hashlib
from datetime import datetime
from io import StringIO

from django.core.management import call_command
from django.test import Client

from aftersales.accounts.models import ApiToken
from aftersales.accounts.services import api_token_authenticate, api_token_create, api_token_revoke
from aftersales.api.testing import API


def test_token_is_stored_as_its_sha256_with_a_prefix(specialist_a):
    # when
    token, raw = api_token_create(user=specialist_a, name="erp")

    # then
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert token.prefix == raw[:8]
    assert len(raw) == 43
    assert not ApiToken.objects.filter(digest=raw).exists()


def test_valid_token_authenticates(specialist_a):
    # given
    _token, raw = api_token_create(user=specialist_a, name="erp")

    # when
    response = Client().get(f"{API}/requests", headers={"Authorization": f"Bearer {raw}"})

    # then
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_wrong_token_is_401(specialist_a):
    # given
    api_token_create(user=specialist_a, name="erp")

    # when
    response = Client().get(f"{API}/requests", headers={"Authorization": "Bearer not-a-token"})

    # then
    assert response.status_code == 401
    assert response.json() == {"message": "The API token is invalid or has been revoked.", "extra": {}}


def test_revoked_token_is_401(specialist_a):
    # given
    token, raw = api_token_create(user=specialist_a, name="erp")
    api_token_revoke(token=token)

    # when
    response = Client().get(f"{API}/requests", headers={"Authorization": f"Bearer {raw}"})

    # then
    assert response.status_code == 401


def test_token_of_an_inactive_user_is_401(specialist_a):
    # given
    _token, raw = api_token_create(user=specialist_a, name="erp")
    specialist_a.is_active = False
    specialist_a.save()

    # when
    response = Client().get(f"{API}/requests", headers={"Authorization": f"Bearer {raw}"})

    # then
    assert response.status_code == 401


def test_no_credentials_is_401(db):
    # when
    response = Client().get(f"{API}/requests")

    # then
    assert response.status_code == 401
    assert response.json() == {"message": "Authentication required.", "extra": {}}


def test_wrong_token_on_a_post_is_401_not_a_csrf_error(specialist_a):
    # given: a client that enforces CSRF like a browser would
    client = Client(enforce_csrf_checks=True)

    # when
    response = client.post(
        f"{API}/requests/SR2603-000001/start", headers={"Authorization": "Bearer not-a-token"}
    )

    # then
    assert response.status_code == 401


def test_last_used_at_is_written_at_most_once_a_minute(specialist_a, frozen_clock):
    # given
    first = frozen_clock(datetime(2026, 3, 2, 10, 0))
    token, raw = api_token_create(user=specialist_a, name="erp")

    # when
    api_token_authenticate(raw)
    frozen_clock.advance(seconds=59)
    api_token_authenticate(raw)

    # then
    token.refresh_from_db()
    assert token.last_used_at == first

    # when
    later = frozen_clock.advance(seconds=1)
    api_token_authenticate(raw)

    # then
    token.refresh_from_db()
    assert token.last_used_at == later


def test_session_authenticates_reads(specialist_a):
    # given
    client = Client(enforce_csrf_checks=True)
    client.force_login(specialist_a)

    # when
    response = client.get(f"{API}/requests")

    # then
    assert response.status_code == 200


def test_session_post_without_csrf_token_is_403(specialist_a, customer_a):
    # given
    client = Client(enforce_csrf_checks=True)
    client.force_login(specialist_a)

    # when
    response = client.post(
        f"{API}/requests", {"customer": customer_a.pk, "subject": "异响"}, content_type="application/json"
    )

    # then
    assert response.status_code == 403
    assert response.json() == {"message": "CSRF check Failed", "extra": {}}


def test_token_post_is_not_subject_to_csrf_even_with_a_session_cookie(specialist_a, customer_a):
    # given: a browser session without CSRF token, and a bearer token
    _token, raw = api_token_create(user=specialist_a, name="erp")
    client = Client(enforce_csrf_checks=True)
    client.force_login(specialist_a)

    # when
    response = client.post(
        f"{API}/customers",
        {"name": "吴女士", "phone": "13900001111"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )

    # then
    assert response.status_code == 201


def test_api_token_command_prints_the_token_once(specialist_a):
    # given
    out, err = StringIO(), StringIO()

    # when
    call_command("api_token", "specialist_a", "--name", "ERP 同步", stdout=out, stderr=err)

    # then
    raw = out.getvalue().strip()
    token = ApiToken.objects.get(user=specialist_a)
    assert token.name == "ERP 同步"
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert "shown only this once" in err.getvalue()
    assert api_token_authenticate(raw) == specialist_a


def test_api_token_command_revokes_by_prefix(specialist_a):
    # given
    token, raw = api_token_create(user=specialist_a, name="erp")

    # when
    # (`--revoke=PREFIX`: a prefix is URL-safe base64, and one in 64 starts with "-", which argparse
    # would take for an option in `--revoke PREFIX`)
    call_command("api_token", "specialist_a", f"--revoke={token.prefix}", stdout=StringIO())

    # then
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api_token_authenticate(raw) is None
