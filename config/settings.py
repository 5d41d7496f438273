"""Settings for every environment, driven by environment variables (see README "Configuration")."""

from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

from config.env import ConfigurationError, env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG and not env_bool("AFTERSALES_INSECURE_DEV_KEY", False):
        raise ConfigurationError("SECRET_KEY is not set (or set DEBUG=true for a development key)")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105 - only with DEBUG or explicit opt-in
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "aftersales.core",
    "aftersales.accounts",
    "aftersales.customers",
    "aftersales.service",
    "aftersales.surveys",
    "aftersales.facts",
    "aftersales.integrations",
    "aftersales.kpi",
    "aftersales.reports",
    "aftersales.api",
]

MIDDLEWARE = [
    # The reference-data version read along with the API token holds for the request (ADR 0011).
    "aftersales.core.reference.request_scope_middleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'aftersales.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker write while pages read; IMMEDIATE avoids "database is locked" on upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
elif env_bool("DB_PREPARED_STATEMENTS", False):
    # Server-side binding lets PostgreSQL keep each query's plan per connection (planning a ticket
    # query with its joins costs more than running it). Not behind a transaction-mode pgbouncer.
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 2}

# A cache shared by every web worker (rate limits on the public form count across processes): Redis when
# REDIS_URL is set, otherwise files on this machine.
REDIS_URL = env_str("REDIS_URL")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(BASE_DIR / "var" / "cache"),
    }
}

AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "aftersales" / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
# Attachments live outside any served URL; they are streamed by a permission-checked view.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "var" / "private")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": "/never-served/"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
AFTERSALES_IMPORT_MAX_BYTES = env_int("AFTERSALES_IMPORT_MAX_BYTES", 50 * 1024 * 1024, minimum=1)
ATTACHMENT_ALLOWED_TYPES = env_list(
    "ATTACHMENT_ALLOWED_TYPES",
    ["image/jpeg", "image/png", "image/webp", "application/pdf", "text/plain", "video/mp4"],
)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "售后服务 <service@aftersales.localhost>")

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# Product settings
AFTERSALES_REOPEN_WINDOW_DAYS = env_int("AFTERSALES_REOPEN_WINDOW_DAYS", 30, minimum=0)
# PostgreSQL: sort memory of one KPI query (each of its parallel workers may take as much). Percentiles
# sort every group's rows; below about 250 MB a million requests spill to temporary files.
AFTERSALES_KPI_WORK_MEM_MB = env_int("AFTERSALES_KPI_WORK_MEM_MB", 256, minimum=4)
AFTERSALES_SURVEY_REMINDER_DAYS = env_int("AFTERSALES_SURVEY_REMINDER_DAYS", 3, minimum=1)
AFTERSALES_SLA_WARNING_SHARE = env_int("AFTERSALES_SLA_WARNING_PERCENT", 75, minimum=1, maximum=99) / 100
# How a new request's specialist is chosen among those who may take it: "least_load" or "round_robin".
AFTERSALES_ASSIGNMENT_CHOOSER = env_choice(
    "AFTERSALES_ASSIGNMENT_CHOOSER", "least_load", ("least_load", "round_robin")
)
# After a breach, the share of the target that passes before each escalation level
# (level 1 assignee at the breach, level 2 store manager, level 3 executives).
AFTERSALES_ESCALATION_STEPS = [0.0, 0.5, 1.0]
# Complaints: hours (wall-clock) within which someone must answer the customer of a complaint, by
# severity (1 = critical), before it escalates to the store manager; a critical complaint still
# unresolved after AFTERSALES_COMPLAINT_EXECUTIVE_HOURS goes to the executives; closure is due
# AFTERSALES_COMPLAINT_CLOSURE_DAYS after opening.
AFTERSALES_COMPLAINT_ACKNOWLEDGE_HOURS = {
    1: env_int("AFTERSALES_COMPLAINT_HOURS_SEVERITY_1", 2, minimum=1),
    2: env_int("AFTERSALES_COMPLAINT_HOURS_SEVERITY_2", 8, minimum=1),
    3: env_int("AFTERSALES_COMPLAINT_HOURS_SEVERITY_3", 24, minimum=1),
}
AFTERSALES_COMPLAINT_EXECUTIVE_HOURS = env_int("AFTERSALES_COMPLAINT_EXECUTIVE_HOURS", 24, minimum=1)
AFTERSALES_COMPLAINT_CLOSURE_DAYS = env_int("AFTERSALES_COMPLAINT_CLOSURE_DAYS", 14, minimum=1)

# Email in (`aftersales mail ingest` / `mail poll`, see aftersales/service/mail/).
# A message larger than this is quarantined with its raw bytes, never parsed.
AFTERSALES_MAIL_MAX_BYTES = env_int("AFTERSALES_MAIL_MAX_BYTES", 25 * 1024 * 1024, minimum=1)
# Mail from an address no customer has: "create" registers the customer (in the store whose code is
# AFTERSALES_MAIL_DEFAULT_STORE, empty: the first store by code); "quarantine" keeps it for an admin.
AFTERSALES_MAIL_UNKNOWN_SENDER = env_choice(
    "AFTERSALES_MAIL_UNKNOWN_SENDER", "create", ("create", "quarantine")
)
AFTERSALES_MAIL_DEFAULT_STORE = env_str("AFTERSALES_MAIL_DEFAULT_STORE")  # a store code; checked by `check`
# More than LOOP_LIMIT messages from one sender within LOOP_MINUTES are taken for a mail loop and dropped.
AFTERSALES_MAIL_LOOP_LIMIT = env_int("AFTERSALES_MAIL_LOOP_LIMIT", 5, minimum=1)
AFTERSALES_MAIL_LOOP_MINUTES = env_int("AFTERSALES_MAIL_LOOP_MINUTES", 10, minimum=1)
# `aftersales mail poll` (and the worker's mail-poll job, on when the host is set): an IMAP mailbox.
AFTERSALES_IMAP_HOST = env_str("AFTERSALES_IMAP_HOST")
AFTERSALES_IMAP_SECURITY = env_choice("AFTERSALES_IMAP_SECURITY", "ssl", ("ssl", "starttls", "none"))
AFTERSALES_IMAP_PORT = env_int(
    "AFTERSALES_IMAP_PORT", 993 if AFTERSALES_IMAP_SECURITY == "ssl" else 143, minimum=1, maximum=65535
)
AFTERSALES_IMAP_CA_FILE = env_str("AFTERSALES_IMAP_CA_FILE")  # empty: the system's certificate authorities
AFTERSALES_IMAP_USER = env_str("AFTERSALES_IMAP_USER")
AFTERSALES_IMAP_PASSWORD = env_str("AFTERSALES_IMAP_PASSWORD")
AFTERSALES_IMAP_MAILBOX = env_str("AFTERSALES_IMAP_MAILBOX", "INBOX")
# What becomes of a message once ingested: flagged \Seen, deleted (expunged), or moved to a folder.
AFTERSALES_IMAP_PROCESSED = env_choice("AFTERSALES_IMAP_PROCESSED", "seen", ("seen", "delete", "move"))
AFTERSALES_IMAP_PROCESSED_FOLDER = env_str("AFTERSALES_IMAP_PROCESSED_FOLDER", "Processed")
AFTERSALES_IMAP_BATCH = env_int("AFTERSALES_IMAP_BATCH", 100, minimum=1)
AFTERSALES_IMAP_INTERVAL = env_int("AFTERSALES_IMAP_INTERVAL", 60, minimum=1)
AFTERSALES_IMAP_TIMEOUT = env_int("AFTERSALES_IMAP_TIMEOUT", 30, minimum=1)
