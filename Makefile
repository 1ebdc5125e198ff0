# Two commands for a fresh clone: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
SCALE ?= county

.PHONY: run test install install-bench bench bench-smoke bench-proposals bench-proposals-sqlite bench-opinions bench-search bench-search-smoke eval migrate check clean

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

## Proposals against the issue's targets: province on PostgreSQL (>= 500,000 proposals), 50 users.
bench-proposals: install-bench
	$(PY) bench/run.py --scenario proposals --scale province --seconds $(or $(BENCH_SECONDS),120) --output bench/results/proposals-postgres-province $(BENCH_ARGS)

## The same on SQLite, city scale (the seeded file is kept in var/ and reused).
bench-proposals-sqlite: install-bench
	$(PY) bench/run.py --scenario proposals --database sqlite --scale city --sqlite-file var/bench-city.sqlite3 --seconds $(or $(BENCH_SECONDS),120) --output bench/results/proposals-sqlite-city $(BENCH_ARGS)

## 社情民意 against the issue's targets: province on PostgreSQL (>= 1,000,000 items): editors' pages, then forwarding.
bench-opinions: install-bench
	$(PY) bench/run.py --scenario opinions --scale province --seconds $(or $(BENCH_SECONDS),120) --output bench/results/opinions-postgres-province $(BENCH_ARGS)
	$(PY) bench/opinions_forward.py --output bench/results/opinions-forward-postgres-province

## Search, similar items and routing at 500,000 documents on SQLite and PostgreSQL; bench/results/textindex-*.
bench-search: install
	$(PY) bench/textindex.py --docs 500000 --committees 100 --database sqlite --output bench/results/textindex-sqlite
	$(PY) bench/textindex.py --docs 500000 --committees 100 --database postgres --output bench/results/textindex-postgres

bench-search-smoke: install
	$(PY) bench/textindex.py --smoke --output bench/results/textindex-smoke

## Duplicate precision/recall and routing accuracy on a labelled set (default: bench/data/eval_proposals.jsonl);
## `make eval SET=path.jsonl` scores any set in the same format. Writes bench/results/eval.json; fails below target.
eval: install
	$(PY) bench/eval.py $(if $(SET),--set $(SET))

check: install
	ZHENGXIE_DEBUG=1 $(PY) manage.py check
	ZHENGXIE_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var/zhengxie.sqlite3* var/static
