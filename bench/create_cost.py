"""Benchmark: what one service-request creation costs, in measures that other work on the machine does
not distort much: SQL statements, CPU instructions and CPU time of the Django process, and CPU time of
the PostgreSQL backend serving it, per `POST /api/v1/requests` with a bearer token (Django test client:
the whole middleware, auth, ninja and service path, without HTTP parsing and gunicorn).

    .venv/bin/python bench/create_cost.py [--rounds 5] [--per-round 200] [--instructions]

Uses the database `aftersales_cost` on the local PostgreSQL (dropped and recreated each run), or
$COST_DATABASE_URL. Prints the statements of one creation, then one JSON line. CPU times are given as
the median and the best of the rounds (the best is the least disturbed by other processes).
`--instructions` runs the creations once more under valgrind's callgrind, which counts the instructions
the Django process executes for them: the same count whatever else runs (slow: about a minute)."""

import argparse
import json
import operator
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE_URL = os.environ.get("COST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/aftersales_cost")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# Callgrind counts only inside calls of this C function, which the measured block alone goes through
# (`operator.methodcaller`; nothing on the creation path uses it).
COUNTED_FUNCTION = "methodcaller_call"
COUNTED_CREATIONS = 20


def backend_cpu_seconds(pid: int) -> float:
    """User + system CPU of one PostgreSQL backend process, from /proc (same machine)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def setup_django(prepare: bool) -> dict:
    """Configure Django on the benchmark database; with `prepare`, a fresh database with the test cast
    and a default SLA policy. Returns what a creation needs."""
    name = DATABASE_URL.rsplit("/", 1)[1]
    if prepare:
        for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
    os.environ.update(
        DATABASE_URL=DATABASE_URL,
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY="bench-only-secret-key-bench-only-secret-key",
        DEBUG="false",
        ALLOWED_HOSTS="testserver",
        LOG_LEVEL="WARNING",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DB_PREPARED_STATEMENTS=os.environ.get("DB_PREPARED_STATEMENTS", "true"),
    )
    import django

    django.setup()
    from django.core.management import call_command

    from aftersales.accounts.services import api_token_create
    from aftersales.core import testing
    from aftersales.service.models import SlaPolicy

    if prepare:
        call_command("migrate", verbosity=0)
    cast = testing.make_cast()
    SlaPolicy.objects.get_or_create(
        name="default", defaults={"response_minutes": 1440, "resolution_minutes": 4320}
    )
    _, raw = api_token_create(user=cast.specialist_a, name="bench")
    return {"token": raw, "customer": cast.customer_a.pk, "asset": cast.asset_a.pk}


def creator(ids: dict, *, warm_up: int = 50):
    from django.test import Client

    client = Client(headers={"Authorization": f"Bearer {ids['token']}"})
    body = {
        "customer": ids["customer"],
        "asset": ids["asset"],
        "kind": "repair",
        "channel": "api",
        "fault_category": "engine",
    }

    def create(index: int) -> None:
        response = client.post(
            "/api/v1/requests", {**body, "subject": f"压测请求 {index}"}, content_type="application/json"
        )
        if response.status_code != 201:
            raise SystemExit(f"{response.status_code}: {response.content[:500]!r}")

    for index in range(warm_up):  # imports, caches, prepared statements
        create(index)
    return create


def count_instructions() -> None:
    """Runs inside valgrind (see `instructions_per_creation`)."""
    create = creator(setup_django(prepare=False), warm_up=5)
    operator.methodcaller("__call__")(lambda: [create(index) for index in range(COUNTED_CREATIONS)])


def instructions_per_creation() -> int:
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "callgrind.out"
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--collect-atstart=no",
                f"--toggle-collect={COUNTED_FUNCTION}",
                f"--callgrind-out-file={output}",
                sys.executable,
                __file__,
                "--count-instructions",
            ],
            check=True,
            capture_output=True,
        )
        totals = re.search(r"^(?:totals|summary): (\d+)", output.read_text(errors="replace"), re.MULTILINE)
        return int(totals.group(1)) // COUNTED_CREATIONS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per-round", type=int, default=200)
    parser.add_argument("--instructions", action="store_true", help="also count instructions (callgrind)")
    parser.add_argument("--profile", metavar="FILE", help="also write a CPU cProfile of one round to FILE")
    parser.add_argument("--count-instructions", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.count_instructions:
        count_instructions()
        return

    create = creator(setup_django(prepare=True))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        create(50)
    queries = len(captured.captured_queries)  # read now: every request resets Django's query log
    for number, query in enumerate(captured.captured_queries, 1):
        print(f"{number:3d} {query['sql'][:160]}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]

    if args.profile:
        import cProfile

        with cProfile.Profile(time.process_time) as profile:  # CPU, not waits
            for index in range(1000, 1000 + args.per_round):
                create(index)
        profile.dump_stats(args.profile)

    python_ms, postgres_ms, wall_ms = [], [], []
    index = 100
    for _round in range(args.rounds):
        cpu, pg, wall = time.process_time(), backend_cpu_seconds(backend), time.perf_counter()
        for _ in range(args.per_round):
            index += 1
            create(index)
        python_ms.append((time.process_time() - cpu) * 1000 / args.per_round)
        postgres_ms.append((backend_cpu_seconds(backend) - pg) * 1000 / args.per_round)
        wall_ms.append((time.perf_counter() - wall) * 1000 / args.per_round)

    def spread(values: list[float]) -> dict:
        return {"median": round(statistics.median(values), 2), "best": round(min(values), 2)}

    result = {
        "benchmark": "create_cost",
        "queries_per_creation": queries,
        "python_cpu_ms": spread(python_ms),
        "postgres_cpu_ms": spread(postgres_ms),
        "wall_ms": spread(wall_ms),
        "load_average": round(os.getloadavg()[0], 2),
    }
    if args.instructions:
        result["python_instructions_per_creation"] = instructions_per_creation()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
