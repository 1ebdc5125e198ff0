# Two commands for a fresh clone: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
SCALE ?= county

.PHONY: run test install install-bench bench bench-smoke eval migrate check clean

$(VENV)/.installed: pyproject.toml
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

migrate: install
	ZHENGXIE_DEBUG=1 $(PY) manage.py migrate --noinput

## Set up everything, seed the county demo once, and serve web + task worker + scheduler on 127.0.0.1:$(PORT).
run: migrate
	ZHENGXIE_DEBUG=1 $(PY) manage.py seed_demo --scale $(SCALE) --if-empty
	ZHENGXIE_DEBUG=1 $(PY) manage.py serve --port $(PORT)

## Whole test suite on SQLite, then on PostgreSQL when one is reachable (required in CI).
test: install
	@scripts/test.sh

$(VENV)/.installed-bench: $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	@touch $@

install-bench: $(VENV)/.installed-bench

## Load test: gunicorn on PostgreSQL, province-scale data, mixed scenario; writes bench/results/latest.{json,md}.
bench: install-bench
	$(PY) bench/run.py --scale province --seconds $(or $(BENCH_SECONDS),120) $(BENCH_ARGS)

## The 30-second smoke version CI runs (county scale, same scenario and report).
bench-smoke: install-bench
	$(PY) bench/run.py --scale county --seconds 30 --output bench/results/smoke

check: install
	ZHENGXIE_DEBUG=1 $(PY) manage.py check
	ZHENGXIE_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var/zhengxie.sqlite3* var/static
