"""Benchmark: the specialist's queue page and the request-list API endpoint on a large database
(issue 2: p95 < 100 ms with 1,000,000 requests), served by gunicorn with 2 sync workers.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_large .venv/bin/python bench/queue_pages.py

The database must already hold the data (`aftersales seed --size large --seed 1`). The busiest specialist
of the data set is used; a session cookie and an API token are made for them directly."""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import loadgen  # noqa: E402

PORT = 8798

SETUP = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db.models import Count, Q
from aftersales.accounts.models import Role, User
from aftersales.accounts.services import api_token_create
from aftersales.service.models import Ticket
from aftersales.service.models.tickets import OPEN_STATUSES
user = (User.objects.filter(role=Role.SPECIALIST)
        .annotate(open=Count("assigned_tickets", filter=Q(assigned_tickets__status__in=OPEN_STATUSES)))
        .order_by("-open").first())
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
_, token = api_token_create(user=user, name="bench")
print(json.dumps({"session": session.session_key, "token": token, "user": user.username, "open": user.open,
                  "tickets": Ticket.objects.count(), "store_tickets": Ticket.objects.filter(store__in=user.stores.all()).count()}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    env = {
        **os.environ,
        "SECRET_KEY": "bench-only-secret-key-bench-only-secret-key",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "false",
        "LOG_LEVEL": "WARNING",
    }
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SETUP],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    ids = json.loads(out.stdout.strip().splitlines()[-1])
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    cases = {
        "workspace_mine": ("/workspace/?queue=mine", {"Cookie": f"sessionid={ids['session']}"}),
        "workspace_team": ("/workspace/?queue=team", {"Cookie": f"sessionid={ids['session']}"}),
        "workspace_team_page_5": ("/workspace/?queue=team&page=5", {"Cookie": f"sessionid={ids['session']}"}),
        "api_requests_list": ("/api/v1/requests", {"Authorization": f"Bearer {ids['token']}"}),
        "api_requests_open_filtered": (
            "/api/v1/requests?status=in_progress&status=assigned&page=2",
            {"Authorization": f"Bearer {ids['token']}"},
        ),
    }
    results = {}
    try:
        time.sleep(3)
        for name, (path, headers) in cases.items():

            def make_request(index, path=path, headers=headers):
                return "GET", path, headers, None

            loadgen.run(
                host="127.0.0.1", port=PORT, total=40, concurrency=args.concurrency, make_request=make_request
            )
            result = loadgen.run(
                host="127.0.0.1",
                port=PORT,
                total=args.requests,
                concurrency=args.concurrency,
                make_request=make_request,
            )
            results[name] = result.summary()
    finally:
        server.terminate()
        server.wait()
    print(
        json.dumps(
            {
                "benchmark": "queue_pages",
                "machine": f"{platform.machine()} {os.cpu_count()} cores",
                "database": env.get("DATABASE_URL", "sqlite").split("@")[-1],
                **ids,
                "session": "…",
                "token": "…",
                "results": results,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
