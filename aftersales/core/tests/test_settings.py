"""Settings come from the environment, and a production start fails loudly when they are unsafe."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.env import ConfigurationError, env_bool, env_choice, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[3]


def python(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter whose environment holds only PATH and `env`."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_env_bool_reads_the_usual_spellings(monkeypatch):
    for raw, expected in [("true", True), ("1", True), ("Yes", True), ("off", False), ("0", False)]:
        monkeypatch.setenv("FEATURE", raw)
        assert env_bool("FEATURE") is expected
    monkeypatch.setenv("FEATURE", "")
    assert env_bool("FEATURE", True) is True


def test_env_bool_rejects_maybe_naming_the_variable(monkeypatch):
    monkeypatch.setenv("FEATURE", "maybe")
    with pytest.raises(ConfigurationError, match=r"FEATURE='maybe' is not a boolean \(use true/false\)"):
        env_bool("FEATURE")


def test_env_int_rejects_words(monkeypatch):
    monkeypatch.setenv("WORKERS", "four")
    with pytest.raises(ConfigurationError, match="WORKERS='four' is not an integer"):
        env_int("WORKERS", 1)


def test_env_int_rejects_a_value_below_its_minimum(monkeypatch):
    monkeypatch.setenv("WORKERS", "0")
    with pytest.raises(ConfigurationError, match=r"WORKERS='0' is too small \(at least 1\)"):
        env_int("WORKERS", 4, minimum=1)
    monkeypatch.setenv("WORKERS", "1")
    assert env_int("WORKERS", 4, minimum=1) == 1


def test_env_int_rejects_a_value_above_its_maximum(monkeypatch):
    monkeypatch.setenv("PERCENT", "100")
    with pytest.raises(ConfigurationError, match=r"PERCENT='100' is too large \(at most 99\)"):
        env_int("PERCENT", 75, minimum=1, maximum=99)
    monkeypatch.setenv("PERCENT", "99")
    assert env_int("PERCENT", 75, minimum=1, maximum=99) == 99


@pytest.mark.parametrize(
    ("variable", "raw", "message"),
    [
        (
            "AFTERSALES_SLA_WARNING_PERCENT",
            "150",
            "AFTERSALES_SLA_WARNING_PERCENT='150' is too large (at most 99)",
        ),
        (
            "AFTERSALES_COMPLAINT_CLOSURE_DAYS",
            "0",
            "AFTERSALES_COMPLAINT_CLOSURE_DAYS='0' is too small (at least 1)",
        ),
        ("AFTERSALES_IMAP_PORT", "99999", "AFTERSALES_IMAP_PORT='99999' is too large (at most 65535)"),
        ("ATTACHMENT_MAX_BYTES", "-1", "ATTACHMENT_MAX_BYTES='-1' is too small (at least 1)"),
    ],
)
def test_an_out_of_range_number_stops_the_start_naming_the_variable(variable, raw, message):
    result = python("import config.settings", DEBUG="true", **{variable: raw})
    assert result.returncode != 0
    assert f"ConfigurationError: {message}" in result.stderr


def test_env_choice_takes_one_of_its_words_and_names_them_otherwise(monkeypatch):
    monkeypatch.delenv("MODE", raising=False)
    assert env_choice("MODE", "seen", ("seen", "delete", "move")) == "seen"
    monkeypatch.setenv("MODE", "move")
    assert env_choice("MODE", "seen", ("seen", "delete", "move")) == "move"
    monkeypatch.setenv("MODE", "archive")
    with pytest.raises(ConfigurationError, match="MODE='archive': use seen, delete or move"):
        env_choice("MODE", "seen", ("seen", "delete", "move"))


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("HOSTS", " a.example , b.example,, ")
    assert env_list("HOSTS", ["default"]) == ["a.example", "b.example"]
    monkeypatch.setenv("HOSTS", "  ")
    assert env_list("HOSTS", ["default"]) == ["default"]
    monkeypatch.delenv("HOSTS")
    assert env_list("HOSTS", ["default"]) == ["default"]


def test_env_str_reads_a_secret_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("from-file\n")
    monkeypatch.delenv("API_KEY", raising=False)
    monkeypatch.setenv("API_KEY_FILE", str(secret))
    assert env_str("API_KEY") == "from-file"


def test_without_debug_the_settings_refuse_to_start_without_a_secret_key():
    result = python("import config.settings")
    assert result.returncode != 0
    assert (
        "ConfigurationError: SECRET_KEY is not set (or set DEBUG=true for a development key)" in result.stderr
    )


def test_a_malformed_debug_flag_stops_the_start():
    result = python("import config.settings", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_production_defaults_are_safe():
    # given only a secret key, as a production start would have
    names = [
        "DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
        "SECURE_CONTENT_TYPE_NOSNIFF", "X_FRAME_OPTIONS", "ALLOWED_HOSTS",
    ]  # fmt: skip
    result = python(
        f"import json; from config import settings as s; print(json.dumps({{n: getattr(s, n) for n in {names}}}));"
        " print(json.dumps(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['style-src']))",
        SECRET_KEY="x" * 60,
    )
    assert result.returncode == 0, result.stderr
    values, style_src = (json.loads(line) for line in result.stdout.splitlines())
    assert values == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "X_FRAME_OPTIONS": "DENY",
        "ALLOWED_HOSTS": ["127.0.0.1", "localhost"],
    }
    assert style_src == ["'self'"]  # no inline styles, so no 'unsafe-inline'


def test_debug_gives_a_development_key_and_plain_http_cookies():
    result = python(
        "from config import settings as s; print(s.DEBUG, s.SESSION_COOKIE_SECURE, bool(s.SECRET_KEY))",
        DEBUG="true",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False", "True"]


def test_the_deploy_check_finds_no_errors(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "ERROR"],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "SECRET_KEY": "k" * 60 + "-not-a-django-insecure-key",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'check.sqlite3'}",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


MAIL_SETTINGS = [
    "AFTERSALES_MAIL_MAX_BYTES",
    "AFTERSALES_MAIL_UNKNOWN_SENDER",
    "AFTERSALES_MAIL_DEFAULT_STORE",
    "AFTERSALES_MAIL_LOOP_LIMIT",
    "AFTERSALES_MAIL_LOOP_MINUTES",
]


def mail_settings(**env: str) -> subprocess.CompletedProcess:
    return python(
        f"import json; from config import settings as s; print(json.dumps({{n: getattr(s, n) for n in {MAIL_SETTINGS}}}))",
        DEBUG="true",
        **env,
    )


def test_the_mail_settings_have_defaults_and_come_from_the_environment():
    defaults = mail_settings()
    assert defaults.returncode == 0, defaults.stderr
    assert json.loads(defaults.stdout) == {
        "AFTERSALES_MAIL_MAX_BYTES": 25 * 1024 * 1024,
        "AFTERSALES_MAIL_UNKNOWN_SENDER": "create",
        "AFTERSALES_MAIL_DEFAULT_STORE": "",
        "AFTERSALES_MAIL_LOOP_LIMIT": 5,
        "AFTERSALES_MAIL_LOOP_MINUTES": 10,
    }
    configured = mail_settings(
        AFTERSALES_MAIL_MAX_BYTES="1048576",
        AFTERSALES_MAIL_UNKNOWN_SENDER="quarantine",
        AFTERSALES_MAIL_DEFAULT_STORE="sh-01",
        AFTERSALES_MAIL_LOOP_LIMIT="20",
        AFTERSALES_MAIL_LOOP_MINUTES="60",
    )
    assert configured.returncode == 0, configured.stderr
    assert json.loads(configured.stdout) == {
        "AFTERSALES_MAIL_MAX_BYTES": 1048576,
        "AFTERSALES_MAIL_UNKNOWN_SENDER": "quarantine",
        "AFTERSALES_MAIL_DEFAULT_STORE": "sh-01",
        "AFTERSALES_MAIL_LOOP_LIMIT": 20,
        "AFTERSALES_MAIL_LOOP_MINUTES": 60,
    }


@pytest.mark.parametrize(
    ("variable", "raw", "message"),
    [
        (
            "AFTERSALES_MAIL_UNKNOWN_SENDER",
            "drop",
            "AFTERSALES_MAIL_UNKNOWN_SENDER='drop': use create or quarantine",
        ),
        ("AFTERSALES_MAIL_MAX_BYTES", "25MB", "AFTERSALES_MAIL_MAX_BYTES='25MB' is not an integer"),
        ("AFTERSALES_MAIL_MAX_BYTES", "0", "AFTERSALES_MAIL_MAX_BYTES='0' is too small (at least 1)"),
        ("AFTERSALES_MAIL_LOOP_LIMIT", "-1", "AFTERSALES_MAIL_LOOP_LIMIT='-1' is too small (at least 1)"),
        ("AFTERSALES_MAIL_LOOP_MINUTES", "ten", "AFTERSALES_MAIL_LOOP_MINUTES='ten' is not an integer"),
    ],
)
def test_a_bad_mail_setting_stops_the_start_naming_the_variable(variable, raw, message):
    result = mail_settings(**{variable: raw})
    assert result.returncode != 0
    assert f"ConfigurationError: {message}" in result.stderr


def test_every_mail_setting_is_in_the_readme_configuration_table():
    table = (ROOT / "README.md").read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    assert [name for name in MAIL_SETTINGS if f"`{name}`" not in table] == []
