# Tremplin — the routine tasks. `make demo` and `make test` do all the set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo run test test-sqlite test-postgres lint format migrate clean chromium screenshots

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	mkdir -p var/static
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo
	$(PY) manage.py runserver $(HOST):$(PORT)

run: install
	$(PY) manage.py runserver $(HOST):$(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Debian's Chromium for the browser tests (Playwright's own download does not work here). Without it
# the browser tests are skipped outside CI and fail under CI=true.
chromium:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-l10n >/dev/null; } || echo "Chromium absent : parcours navigateur ignorés (hors CI)."

test-sqlite: install chromium
	$(VENV)/bin/pytest

test-postgres: install
	bin/with-postgres $(VENV)/bin/pytest

# The whole suite on SQLite, then on a throwaway PostgreSQL cluster.
test: lint test-sqlite test-postgres

# PNG screenshots of the main pages with the demo data, into docs/screenshots/.
screenshots: install chromium
	$(PY) bin/screenshots

clean:
	rm -rf $(VENV) var
