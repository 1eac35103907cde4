# The two commands of the README: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Settings for a laptop: the embedded default (SQLite, tasks in-process), debug on.
DEV_ENV := DEBUG=1
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
# `make run PORT=8001` serves on another port; the printed logins name it.
PORT ?= 8000

.PHONY: install run test test-fast lint bench bench-scoring bench-api bench-load bench-campaigns bench-radar clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; run: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

run: install
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py seed_demo
	$(DEV_ENV) $(PY) manage.py radar_refresh
	$(DEV_ENV) $(PY) manage.py ensure_demo_admin --port $(PORT)
	$(DEV_ENV) $(PY) manage.py ensure_demo_logins --port $(PORT)
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

# The whole suite: everything but the slow tests in parallel (pytest-xdist, one worker per
# core), then the slow ones (they start servers and workers, and time them) one at a time.
# Exit code 5 (nothing selected, e.g. PYTEST_ARGS names only slow tests) is no failure.
# Prints its wall time at the end (bash's `time`).
test: install
	time { { $(DEV_ENV) $(VENV)/bin/pytest -n auto -m "not slow" $(PYTEST_ARGS) || [ $$? -eq 5 ]; } \
	  && { $(DEV_ENV) $(VENV)/bin/pytest -m slow $(PYTEST_ARGS) || [ $$? -eq 5 ]; }; }

# The suite in parallel (pytest-xdist, one worker per core) without the slow fault tests
# that start servers and workers (marker `slow`): the quick loop before a commit.
test-fast: install
	time $(DEV_ENV) $(VENV)/bin/pytest -n auto -m "not slow" $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench-scoring: install
	DEBUG=1 DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/scoring.py $(BENCH_ARGS)

# The radar: quality on tests/data/radar_eval.json (development) and, when present,
# tests/data/radar_holdout.json (held out: written by someone else), each in a throwaway
# SQLite database, against
# the TF-IDF character n-gram baseline, then speed on PostgreSQL (database
# roadmap_bench_radar next to BENCH_DATABASE_URL; 10,000 items and 1,000,000 signals by
# default: BENCH_ARGS="--items N --signals N --unlinked N" to change, "--part quality" for
# the quality half only).
bench-radar: install
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/radar.py $(BENCH_ARGS)

# The API benchmarks start their own gunicorn, Celery worker and Redis on 127.0.0.1 and
# create their databases (roadmap_bench_api, roadmap_load) next to BENCH_DATABASE_URL.
bench-api: install
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/api.py $(BENCH_ARGS)

bench-load: install
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/load.py $(BENCH_ARGS)

# The campaign dashboard (100 campaigns x 24 months) in its own database,
# roadmap_bench_campaigns, next to BENCH_DATABASE_URL.
bench-campaigns: install
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/campaigns.py $(BENCH_ARGS)

# Every benchmark, one after the other, then one table of their figures.
bench: install
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles .demo-admin-password .demo-user-password
