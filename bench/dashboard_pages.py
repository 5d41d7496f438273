"""Benchmark: the dashboard pages served from the KPI snapshots (issue 4: p95 < 150 ms with 1,000,000
requests, a constant number of queries), each requested N times in this process through Django's test
Client (the whole stack: middleware, session, view, templates; no HTTP), as the executive, a store
manager and a specialist. Prints one JSON line: per page p50, p95, mean (ms), the queries it costs and
how fresh its numbers are ("Figures as of …", and the periods computed live, if any).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales_large \\
        .venv/bin/python bench/dashboard_pages.py [--requests 300]

The database must hold the data and the snapshots:

    aftersales seed --size large --seed 1 --today 2026-11-30
    aftersales kpi refresh --since 2025-12-01      # every stored grain × breakdown (SNAPSHOT_SHAPES)

Read only: the sessions are signed cookies made here, no login is recorded, nothing is written. The
people are the first executive, the store manager of exactly one store with the most requests, and the
specialist with the most requests assigned; the pages open with their default period (the last six
months, by month) and breakdown, as a person opening them would."""

import argparse
import json
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-bench-only-secret-key")
os.environ.setdefault("DEBUG", "false")
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.signed_cookies import SessionStore  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from aftersales.accounts.models import Role, Store, User  # noqa: E402
from aftersales.kpi.models import KpiSnapshot, KpiSnapshotPeriod  # noqa: E402
from aftersales.service.models import Ticket  # noqa: E402

FRESHNESS = re.compile(r'<p class="freshness">(.*?)</p>', re.S)


def people() -> dict[str, User]:
    executive = User.objects.filter(role=Role.EXECUTIVE, is_active=True).order_by("username").first()
    busiest_stores = (
        Store.objects.annotate(requests=Count("tickets")).order_by("-requests").values_list("pk", flat=True)
    )
    manager = None
    for store in busiest_stores[:20]:
        manager = (
            User.objects.filter(role=Role.STORE_MANAGER, is_active=True, stores=store)
            .annotate(memberships=Count("stores"))
            .filter(memberships=1)
            .order_by("username")
            .first()
        )
        if manager is not None:
            break
    busiest = (
        Ticket.objects.filter(assignee__role=Role.SPECIALIST, assignee__is_active=True)
        .values("assignee")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("assignee", flat=True)
        .first()
    )
    specialist = User.objects.filter(pk=busiest).first()
    found = {"executive": executive, "store_manager": manager, "specialist": specialist}
    missing = [role for role, user in found.items() if user is None]
    if missing:
        raise SystemExit(f"no {', '.join(missing)} in this database: seed it first")
    return found


def client_for(user: User) -> Client:
    """A client carrying a signed-cookie session of `user`: logged in without writing anything."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    client = Client(headers={"Accept-Language": "en"})
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client


def measure(client: Client, path: str, requests: int) -> dict:
    first = client.get(path)
    if first.status_code != 200:
        raise SystemExit(f"{path}: HTTP {first.status_code}")
    freshness = FRESHNESS.search(first.content.decode())
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    # counted at the cursor: the debug query log is reset at each request's start
    with connection.execute_wrapper(count):
        client.get(path)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    timings.sort()
    return {
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[max(0, int(len(timings) * 0.95) - 1)], 1),
        "mean_ms": round(statistics.fmean(timings), 1),
        "queries": len(queries),
        "freshness": " ".join(freshness.group(1).split()) if freshness else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=300, help="timed requests per page (default 300)")
    args = parser.parse_args()
    with override_settings(SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies"):
        who = people()
        clients = {role: client_for(user) for role, user in who.items()}
        pages = {
            "executive": (clients["executive"], "/reports/executive/"),
            "executive_quality": (clients["executive"], "/reports/quality/"),
            "store_manager_store": (clients["store_manager"], "/reports/store/"),
            "store_manager_quality": (clients["store_manager"], "/reports/quality/"),
            "specialist_own": (clients["specialist"], "/reports/specialist/"),
        }
        results = {name: measure(client, path, args.requests) for name, (client, path) in pages.items()}
    print(
        json.dumps(
            {
                "benchmark": "dashboard_pages",
                "machine": f"{platform.machine()} {os.cpu_count()} cores",
                "database": connection.vendor,
                "requests": Ticket.objects.count(),
                "snapshot_rows": KpiSnapshot.objects.count(),
                "snapshot_periods": KpiSnapshotPeriod.objects.count(),
                "people": {role: user.username for role, user in who.items()},
                "timed_requests_per_page": args.requests,
                "results": results,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
