# aftersales — developer and CI entry points. `make` alone brings .venv up to date with pyproject.toml.
#
#   make test            lint + tests without a browser (SQLite, or $DATABASE_URL when set)
#   make system-deps     as root: the Debian packages the tests use (chromium, fonts, gettext, dovecot-imapd)
#   make test-browser    Playwright tests in Debian's Chromium
#   make demo            migrate, seed a small data set once, print demo logins, serve on 127.0.0.1:8000
#   make messages        refresh and compile the zh_Hans translations
#   make format          ruff fix + format

SHELL := /bin/bash
.DEFAULT_GOAL := venv

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?= --tb=short
SYSTEM_PACKAGES := chromium fonts-noto-cjk gettext dovecot-imapd
# The database the tests run on, credentials masked, for the log.
DB_LABEL = $(if $(DATABASE_URL),$(shell printf '%s' '$(DATABASE_URL)' | sed -E 's#//[^@/]*@#//***@#'),SQLite)

.PHONY: venv system-deps lint format test test-browser demo messages

venv: $(STAMP)

# Reinstall only when pyproject.toml changed since the last install; the lock keeps two `make`s
# started at once from running pip into the same venv together.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "pip install -e '.[dev]' (log: $(VENV)/install.log)"
	@flock $(VENV)/.install.lock $(BIN)/python -m pip install --progress-bar off -e '.[dev]' \
		>$(VENV)/install.log 2>&1 || { tail -n 40 $(VENV)/install.log; exit 1; }
	@touch $@

# Dovecot serves the IMAP tests from its own process and configuration (aftersales/service/tests/
# dovecot.py): while installing, a policy-rc.d keeps the system's Dovecot service from being started.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	dpkg-query -W -f='$${Status}' fonts-noto-cjk 2>/dev/null | grep -q "ok installed" || missing="$$missing fonts-noto-cjk"; \
	dpkg-query -W -f='$${Status}' dovecot-imapd 2>/dev/null | grep -q "ok installed" || missing="$$missing dovecot-imapd"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "Installing system packages:$$missing"; \
		if [ ! -e /usr/sbin/policy-rc.d ]; then \
			printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d; \
			trap 'rm -f /usr/sbin/policy-rc.d' EXIT; \
		fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null; \
	else \
		echo "Missing system packages:$$missing. As root, run:"; \
		echo "  apt-get update && apt-get install -y --no-install-recommends $(SYSTEM_PACKAGES)"; \
	fi

lint: venv
	@echo "== ruff check"
	@rc=0; $(BIN)/ruff check --output-format concise . || rc=1; \
	echo "== ruff format --check"; \
	$(BIN)/ruff format --check --output-format concise . || { rc=1; echo "(run 'make format')"; }; \
	exit $$rc

format: venv
	$(BIN)/ruff check --fix --output-format concise . || true
	$(BIN)/ruff format .

# Lint and tests both run, so one failing does not hide the other's result. The IMAP tests need Dovecot.
test: venv system-deps
	@lint=passed; $(MAKE) --no-print-directory lint || lint=FAILED; \
	echo "== pytest -m 'not browser' on $(DB_LABEL)"; \
	tests=passed; $(BIN)/pytest -m "not browser" $(PYTEST_ARGS) || tests=FAILED; \
	echo "== lint $$lint, tests $$tests ($(DB_LABEL))"; \
	[ $$lint = passed ] && [ $$tests = passed ]

# pytest exits 5 when it collected nothing: fine while no test is marked `browser`, an error after.
test-browser: venv system-deps
	@echo "== pytest -m browser (Chromium: $$(command -v chromium || echo missing))"; \
	rc=0; DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -m browser --output=test-artifacts/playwright $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc = 5 ] && ! grep -rqE --include='*.py' 'mark\.browser\b' aftersales; then \
		echo "No browser tests yet: nothing to run."; rc=0; \
	fi; \
	exit $$rc

demo: export DEBUG = true
demo: venv
	$(BIN)/aftersales migrate
	@tickets=$$($(BIN)/aftersales shell --no-imports -c 'from aftersales.service.models import Ticket; print(Ticket.objects.count())') || exit 1; \
	if [ "$$tickets" = 0 ]; then \
		$(BIN)/aftersales seed --size small --seed 1; \
	else \
		echo "The database already holds $$tickets tickets: not seeding again."; \
	fi
	$(BIN)/aftersales demo_logins
	$(BIN)/aftersales runserver 127.0.0.1:8000

MESSAGE_IGNORES := --ignore=.venv --ignore=var --ignore=static --ignore=test-artifacts --ignore=node_modules

messages: venv
	@command -v msgfmt >/dev/null || { echo "msgfmt is missing: run 'make system-deps' (gettext)"; exit 1; }
	DEBUG=true $(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --add-location=file $(MESSAGE_IGNORES)
	DEBUG=true $(BIN)/python manage.py compilemessages -l zh_Hans $(MESSAGE_IGNORES)
