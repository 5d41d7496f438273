"""Benchmark: service-request creation through the REST API with token auth, on PostgreSQL, served by
gunicorn with 2 sync workers and the production settings (`-c python:config.gunicorn`, README). Target
(issue 2): >= 200 requests/s sustained, p95 < 50 ms.

    .venv/bin/python bench/api_create.py [--requests 3000] [--concurrency 4] [--workers 2]
        [--worker-class sync|gthread --threads N] [--compare-helpdesk N]

Uses the database `aftersales_bench` on the local PostgreSQL (dropped and recreated each run), or
$BENCH_DATABASE_URL. Prints one JSON line with the figures (and the machine's load average when it
ended). `--compare-helpdesk N` then runs N creations through django-helpdesk's API the same way
(`helpdesk_create.py`) and prints its line too."""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import loadgen  # noqa: E402

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/aftersales_bench")
PORT = 8799


def prepare(env: dict) -> dict:
    """Fresh database with the test cast and a default SLA policy; returns the ids the requests use."""
    name = DATABASE_URL.rsplit("/", 1)[1]
    for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    script = """
import json
from aftersales.core import testing
from aftersales.service.models import SlaPolicy
from aftersales.accounts.services import api_token_create
cast = testing.make_cast()
SlaPolicy.objects.create(name="default", response_minutes=1440, resolution_minutes=4320)
token, raw = api_token_create(user=cast.specialist_a, name="bench")
print(json.dumps({"token": raw, "customer": cast.customer_a.pk, "asset": cast.asset_a.pk}))
"""
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (gthread)")
    parser.add_argument("--compare-helpdesk", type=int, default=0, metavar="N")
    args = parser.parse_args()
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "SECRET_KEY": "bench-only-secret-key-bench-only-secret-key",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "false",
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "DB_PREPARED_STATEMENTS": os.environ.get("DB_PREPARED_STATEMENTS", "true"),
    }
    ids = prepare(env)
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            "python:config.gunicorn",  # as in production (README)
            "config.wsgi",
            "-w",
            str(args.workers),
            "--worker-class",
            args.worker_class,
            "--threads",
            str(args.threads),
            "-b",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        time.sleep(3)
        headers = {"Authorization": f"Bearer {ids['token']}", "Content-Type": "application/json"}

        def make_request(index: int):
            body = loadgen.json_body(
                {
                    "customer": ids["customer"],
                    "asset": ids["asset"],
                    "subject": f"压测请求 {index}",
                    "kind": "repair",
                    "channel": "api",
                    "fault_category": "engine",
                }
            )
            return "POST", "/api/v1/requests", headers, body

        loadgen.run(
            host="127.0.0.1", port=PORT, total=200, concurrency=args.concurrency, make_request=make_request
        )
        result = loadgen.run(
            host="127.0.0.1",
            port=PORT,
            total=args.requests,
            concurrency=args.concurrency,
            make_request=make_request,
        )
    finally:
        server.terminate()
        server.wait()
    print(
        json.dumps(
            {
                "benchmark": "api_create",
                "machine": f"{platform.machine()} {os.cpu_count()} cores",
                "workers": args.workers,
                "worker_class": args.worker_class,
                "threads": args.threads,
                "concurrency": args.concurrency,
                **result.summary(),
                "load_average": round(os.getloadavg()[0], 2),
            }
        ),
        flush=True,
    )
    if args.compare_helpdesk:
        import helpdesk_create

        helpdesk = helpdesk_create.run(
            requests=args.compare_helpdesk, concurrency=args.concurrency, workers=args.workers
        )
        print(json.dumps({**helpdesk, "load_average": round(os.getloadavg()[0], 2)}))


if __name__ == "__main__":
    main()
