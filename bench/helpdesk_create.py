"""Benchmark for comparison: ticket creation through django-helpdesk's REST API (`POST /api/tickets/`,
Django REST framework, token auth), on PostgreSQL, served by gunicorn with the same worker count and
driven by the same load generator as `api_create.py`.

    .venv/bin/python bench/helpdesk_create.py [--requests 1000] [--concurrency 4] [--workers 2]

django-helpdesk is installed into its own virtualenv outside this repository ($HELPDESK_VENV, default
/tmp/helpdesk-venv; created with pip on first use), and a minimal Django project for it is written into
a temporary folder: none of its code is part of aftersales. Its database is `helpdesk_bench` on the
local PostgreSQL (dropped and recreated each run). Prints one JSON line with the figures.

What one of its creations does (`TicketSerializer.create` -> `TicketForm.save`): validates the ticket,
inserts it and its first follow-up, and mails the submitter and the queue's new-ticket address at once
(here to Django's in-memory mail backend, as our benchmark does), without assignment or SLA."""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen  # noqa: E402

VERSION = "2.6.1"
VENV = Path(os.environ.get("HELPDESK_VENV", "/tmp/helpdesk-venv"))
DATABASE = "helpdesk_bench"
PORT = 8797

SETTINGS = """
SECRET_KEY = "bench-only-secret-key-bench-only-secret-key"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
    "django.contrib.humanize",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "helpdesk",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "hdbench.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {"default": {
    "ENGINE": "django.db.backends.postgresql", "NAME": "%(database)s", "USER": "postgres",
    "HOST": "127.0.0.1", "PORT": "5432", "CONN_MAX_AGE": 60,
    "OPTIONS": {"server_side_binding": True, "prepare_threshold": 2},
}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SITE_ID = 1
USE_TZ = True
STATIC_URL = "/static/"
MEDIA_ROOT = "%(media)s"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"]}
HELPDESK_TEAMS_MODE_ENABLED = False
LOGGING = {"version": 1, "root": {"level": "WARNING"}}
"""

URLS = """
from django.urls import include, path
urlpatterns = [path("", include("helpdesk.urls"))]
"""

WSGI = """
import os
from django.core.wsgi import get_wsgi_application
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdbench.settings")
application = get_wsgi_application()
"""

SETUP = """
import json
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from helpdesk.models import Queue
user = get_user_model().objects.create_superuser("bench", "bench@example.com", "bench-password-1")
queue = Queue.objects.create(title="Service", slug="service", new_ticket_cc="service@example.com")
print(json.dumps({"token": Token.objects.create(user=user).key, "queue": queue.pk}))
"""


def ensure_venv() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "-q",
            f"django-helpdesk=={VERSION}",
            "gunicorn",
            "psycopg[binary]",
        ],
        check=True,
    )
    return python


def prepare(python: Path, folder: Path) -> tuple[dict, dict]:
    """A fresh database and project; returns the environment to run it in and the ids to use."""
    for sql in (f"DROP DATABASE IF EXISTS {DATABASE}", f"CREATE DATABASE {DATABASE}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True)
    package = folder / "hdbench"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text(SETTINGS % {"database": DATABASE, "media": folder / "media"})
    (package / "urls.py").write_text(URLS)
    (package / "wsgi.py").write_text(WSGI)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "hdbench.settings", "PYTHONPATH": str(folder)}
    django_admin = [str(python), "-m", "django"]
    subprocess.run([*django_admin, "migrate", "-v", "0"], cwd=folder, env=env, check=True)
    subprocess.run(
        [*django_admin, "loaddata", "-v", "0", "emailtemplate.json"], cwd=folder, env=env, check=True
    )
    out = subprocess.run(
        [*django_admin, "shell", "-c", SETUP], cwd=folder, env=env, check=True, capture_output=True, text=True
    )
    return env, json.loads(out.stdout.strip().splitlines()[-1])


def run(*, requests: int, concurrency: int, workers: int) -> dict:
    python = ensure_venv()
    with tempfile.TemporaryDirectory(prefix="helpdesk-bench-") as folder:
        env, ids = prepare(python, Path(folder))
        server = subprocess.Popen(
            [str(python.parent / "gunicorn"), "hdbench.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{PORT}"]
            + ["--log-level", "warning"],
            cwd=folder,
            env=env,
        )
        try:
            time.sleep(3)
            headers = {"Authorization": f"Token {ids['token']}", "Content-Type": "application/json"}

            def make_request(index: int):
                body = loadgen.json_body(
                    {
                        "queue": ids["queue"],
                        "title": f"压测请求 {index}",
                        "description": "发动机故障灯亮",
                        "submitter_email": "customer@example.com",
                        "priority": 3,
                    }
                )
                return "POST", "/api/tickets/", headers, body

            loadgen.run(
                host="127.0.0.1", port=PORT, total=100, concurrency=concurrency, make_request=make_request
            )
            result = loadgen.run(
                host="127.0.0.1",
                port=PORT,
                total=requests,
                concurrency=concurrency,
                make_request=make_request,
            )
        finally:
            server.terminate()
            server.wait()
    return {
        "benchmark": f"django-helpdesk {VERSION} POST /api/tickets/",
        "machine": f"{platform.machine()} {os.cpu_count()} cores",
        "workers": workers,
        "concurrency": concurrency,
        **result.summary(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(json.dumps(run(requests=args.requests, concurrency=args.concurrency, workers=args.workers)))


if __name__ == "__main__":
    main()
