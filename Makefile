# Two commands do all the set-up: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# `make run` is the development server: DEBUG on unless the caller says otherwise.
export DEBUG ?= 1
STAMP := $(VENV)/.installed
# Test processes, one test database each (`make test TEST_WORKERS=0` runs in this process).
TEST_WORKERS ?= auto

.PHONY: run test install migrate seed lint messages browser clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	mkdir -p var
	$(PY) manage.py check_baseline
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# The task worker runs beside the development server (large exports); it stops with it.
run: seed
	@$(PY) manage.py db_worker >var/worker.log 2>&1 & worker=$$!; \
	trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:8000

# Browser tests drive Debian's chromium; install it (never a downloaded build) when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk) >/dev/null; }

test: install browser
	mkdir -p var
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: install
	mkdir -p var
	$(VENV)/bin/ruff check .

messages: install
	$(PY) manage.py makemessages -l en --ignore '.venv/*'
	$(PY) manage.py compilemessages -l en --ignore '.venv/*'

clean:
	rm -rf $(VENV) var/*.sqlite3
