"""Benchmark: the customer's survey page (`/s/<token>/`), on PostgreSQL, served by gunicorn with 2 sync
workers. Target (issue 3): p95 < 50 ms for opening the page (GET) and for answering it (POST).

    python bench/survey_page.py [--invitations 1000] [--gets 3000] [--concurrency 4]

Uses the database `aftersales_bench_survey` on the local PostgreSQL (dropped and recreated each run), or
$BENCH_DATABASE_URL. Creates that many resolved requests, each with its invitation; half the links are
the invitation's own token, half a link issued later (as for a reminder or a QR code), which costs one
more lookup. The GETs open the links at random (a GET records nothing, so a link may be opened many
times); each POST answers one invitation (CSAT 4, NPS 9, CES 6, a comment: no service recovery), with
the CSRF cookie and token of one earlier GET. Prints one JSON line per phase."""

import argparse
import json
import os
import platform
import random
import re
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import loadgen  # noqa: E402

DATABASE = "aftersales_bench_survey"
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DATABASE}")
PORT = 8798
GUNICORN = Path(sys.executable).parent / "gunicorn"

SEED = """
import json
from aftersales.core import testing
from aftersales.service.models import SlaPolicy
from aftersales.service.services.tickets import ticket_register, ticket_resolve
from aftersales.surveys.models import SurveyTemplate
from aftersales.surveys.services import survey_invite, survey_link_issue
cast = testing.make_cast()
SlaPolicy.objects.create(name="default", response_minutes=1440, resolution_minutes=4320)
template = SurveyTemplate.objects.get(code="transactional", active=True)
tokens = []
for index in range(COUNT):
    ticket = ticket_register(
        by=cast.specialist_a, store=cast.store_a, customer=cast.customer_a, asset=cast.asset_a,
        channel="phone", kind="repair", subject=f"压测回访 {index}", fault_category=cast.engine,
    )
    ticket = ticket_resolve(ticket=ticket, by=cast.specialist_a, outcome="repair", root_cause="RC-1")
    invitation, token = survey_invite(ticket=ticket, template=template, mail=False)
    if index % 2:
        _link, token = survey_link_issue(ticket=ticket, by=cast.specialist_a, channel="qr")
    tokens.append(token)
items = {item.kind: item.pk for item in template.items.all()}
print(json.dumps({"tokens": tokens, "items": items}))
"""


def prepare(env: dict, count: int) -> dict:
    """Fresh database with the test cast and `count` invited requests; returns the tokens and item ids."""
    for sql in (f"DROP DATABASE IF EXISTS {DATABASE}", f"CREATE DATABASE {DATABASE}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SEED.replace("COUNT", str(count))],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def csrf_pair(token: str) -> tuple[str, str]:
    """(csrftoken cookie, form token) from one GET of the page: any later POST may use them."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    connection.request("GET", f"/s/{token}/")
    response = connection.getresponse()
    html = response.read().decode()
    cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "").group(1)
    form = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    connection.close()
    return cookie, form


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invitations", type=int, default=1000, help="requests invited (= POSTs)")
    parser.add_argument("--gets", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
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
    seeded = prepare(env, args.invitations)
    tokens, items = seeded["tokens"], seeded["items"]
    server = subprocess.Popen(
        [
            str(GUNICORN),
            "config.wsgi",
            "-w",
            str(args.workers),
            "-b",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    machine = f"{platform.machine()} {os.cpu_count()} cores"
    try:
        time.sleep(3)
        picks = random.Random(7)

        def open_page(index: int):
            return "GET", f"/s/{picks.choice(tokens)}/", {"Accept-Language": "zh-hans"}, None

        loadgen.run(
            host="127.0.0.1", port=PORT, total=200, concurrency=args.concurrency, make_request=open_page
        )
        opened = loadgen.run(
            host="127.0.0.1", port=PORT, total=args.gets, concurrency=args.concurrency, make_request=open_page
        )
        cookie, form_token = csrf_pair(tokens[0])
        answers = {"csat": "4", "nps": "9", "ces": "6", "text": "师傅很专业，下次还来"}

        def answer(index: int):
            fields = {f"item-{items[kind]}": value for kind, value in answers.items()}
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": form_token, **fields}).encode()
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={cookie}",
                "Accept-Language": "zh-hans",
            }
            return "POST", f"/s/{tokens[index]}/", headers, body

        answered = loadgen.run(
            host="127.0.0.1",
            port=PORT,
            total=len(tokens),
            concurrency=args.concurrency,
            make_request=answer,
        )
    finally:
        server.terminate()
        server.wait()
    for phase, result in (("survey_page_get", opened), ("survey_page_post", answered)):
        print(
            json.dumps(
                {
                    "benchmark": phase,
                    "machine": machine,
                    "workers": args.workers,
                    "concurrency": args.concurrency,
                    **result.summary(),
                }
            )
        )


if __name__ == "__main__":
    main()
