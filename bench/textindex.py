#!/usr/bin/env python3
"""Search, similar items and routing of zhengxie.textindex at deployment scale, on SQLite or PostgreSQL.

    .venv/bin/python bench/textindex.py --docs 500000 --committees 100 --database sqlite|postgres \\
        [--queries 200] [--output bench/results/textindex-<db>] [--strict]
    .venv/bin/python bench/textindex.py --smoke          # 20,000 docs, 10 committees, 60 queries, SQLite (CI)
    .venv/bin/python bench/textindex.py --existing postgres://postgres@127.0.0.1:5432/zhengxie_bench \\
        [--queries 200] [--output bench/results/textindex-postgres-demo-province]

1. Database. sqlite: a fresh file in a temporary folder (ZHENGXIE_VAR_DIR, ZHENGXIE_DEBUG=1), migrated.
   postgres: the scratch database of BENCH_POSTGRES_URL (default
   postgres://postgres@127.0.0.1:5432/zhengxie_textindex_bench; local only, the name must contain
   "bench"), dropped, re-created and migrated on every run.
2. Data. --committees committees of ~35 units each (区教育局 …, matching the department catalogue) and
   two sessions; --docs proposals generated lazily and deterministically by bench/textindex_corpus.py
   from the sentences of bench/data/eval_proposals.jsonl, committees interleaved.
3. Indexing. Term statistics first, as the nightly job would have them: bigram document frequencies
   counted over a 20,000-document sample of the corpus, scaled to --docs, written to TermStat. Then
   every document through services.documents_upsert_many in batches of 500, one transaction each.
4. Queries (after ANALYZE): search with 2–6-character queries cut from real titles and very common
   words, as a clerk of one committee (selectors.search) and across all committees (the same calls
   without a committee token); similar items (committee and whole deployment); routing suggestions.
   Each cell runs 5 warm-up calls, then --queries timed calls.
5. Report. <output>.json and <output>.md; a summary against the targets is printed. Exit 0 unless
   --strict and a target is missed (1); 2 when the bench could not run.

--existing URL queries an already seeded PostgreSQL database as it is (local, name containing "bench"):
the demo of `seed_demo --scale province`, ~500,000 proposals in textindex_document. It must be migrated
(exit 2 if textindex_document is missing); it is not re-created, migrated, given committees or term
statistics, or indexed, so the report has no indexing figures ("indexing: not measured (existing
database)"). Steps 4 and 5 as above, after VACUUM (ANALYZE) of the textindex tables: as a proposal-office
clerk (role proposal_staff, with the permissions the app gives it, against the source zhengxie.proposals
registers) of every committee that has proposal documents. The one row the bench writes, its clerk user,
is deleted at the end.

Each call is timed with time.perf_counter (wall) and process CPU time (plus the PostgreSQL backend's
CPU from /proc): on a shared machine the CPU figures are the ones to compare between runs. Time in the
index reads is measured around backends.search_ids and selectors._candidates (rows fetched included);
SQL per statement class comes from connection.execute_wrapper (execute() only: on SQLite, FTS5 does
most of its work while rows are fetched). The slowest statements of each class are EXPLAINed at the end.
All of zhengxie.textindex is imported at start and a hash of its files is reported, with a warning when
they change during a run. --max-index-minutes, or creating <output>.stop, ends indexing early at a
batch boundary (the report says so) and queries what was indexed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import resource
import shlex
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import textindex_corpus as corpus_mod  # noqa: E402

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/zhengxie_textindex_bench"
LOCAL_DB_HOSTS = {"", "127.0.0.1", "localhost", "::1"}
LOCK_KEY = 0x7A78_7469  # pg_advisory_lock key ("zxti"): one textindex bench at a time per server
SEED = 2026
KIND = "proposal"
STAFF_PERM = "bench.proposals.review"
BENCH_USER_PREFIX = "ti-bench-"  # the clerk run_queries creates (and deletes)
BENCH_USER_NAME = "检索基准"
BATCH = 500
SAMPLE = 20_000
WARMUP = 5
COMMON_WORDS = ["教育", "建设", "老旧小区"]
QUERY_LENGTHS = [2, 3, 4, 5, 6]
TARGETS_MS = {"search": 50.0, "similar": 50.0, "routing": 20.0}
TARGET_ITEMS_PER_S = 2000.0
TARGET_RSS_MB = 500.0
INDEXING_NOT_MEASURED = "indexing: not measured (existing database)"


_T0 = time.monotonic()


def code_fingerprint() -> dict[str, Any]:
    """What textindex code a run measured: a hash of zhengxie/textindex/*.py and each file's mtime."""
    import hashlib

    h = hashlib.sha256()
    mtimes = {}
    for f in sorted((ROOT / "zhengxie" / "textindex").glob("*.py")):
        h.update(f.name.encode())
        h.update(f.read_bytes())
        mtimes[f.name] = dt.datetime.fromtimestamp(f.stat().st_mtime, dt.timezone.utc).isoformat(timespec="seconds")
    return {"sha256": h.hexdigest()[:16], "mtimes": mtimes}


def log(message: str) -> None:
    print(f"[textindex +{time.monotonic() - _T0:7.1f}s] {message}", flush=True)


class BenchError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Database set-up


class Postgres:
    def __init__(self, url: str, *, existing: bool = False):
        what = "--existing" if existing else "BENCH_POSTGRES_URL"
        parsed = urlparse(url)
        if parsed.scheme not in {"postgres", "postgresql", "pgsql"}:
            raise BenchError(f"{what} must be a postgres:// URL, got {url!r}")
        if (parsed.hostname or "") not in LOCAL_DB_HOSTS:
            raise BenchError(f"the bench runs on loopback only; {what} points at {parsed.hostname!r}")
        self.name = unquote(parsed.path.lstrip("/")) or ("" if existing else "zhengxie_textindex_bench")
        if "bench" not in self.name:
            raise BenchError(
                f"the bench writes to the database it runs on (VACUUM ANALYZE, a user it deletes again), so its "
                f"name must contain 'bench' (got {self.name!r})" if existing else
                f"the bench database is dropped and re-created, so its name must contain 'bench' (got {self.name!r})")
        self.url = parsed._replace(path="/" + self.name).geturl()
        self.kwargs: dict[str, Any] = {"host": parsed.hostname or "127.0.0.1", "port": parsed.port or 5432,
                                       "connect_timeout": 5, "autocommit": True}
        if parsed.username:
            self.kwargs["user"] = unquote(parsed.username)
        if parsed.password:
            self.kwargs["password"] = unquote(parsed.password)
        self.held: Any = None
        self.other_sessions = ""  # --existing: who else was connected to the database at start

    def admin(self) -> Any:
        import psycopg

        try:
            return psycopg.connect(dbname="postgres", **self.kwargs)
        except psycopg.OperationalError as exc:
            raise BenchError(f"PostgreSQL is not reachable at {self.kwargs['host']}:{self.kwargs['port']}: "
                             f"{str(exc).strip()}") from None

    def lock(self) -> None:
        self.held = self.admin()
        if not self.held.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0]:
            raise BenchError("another textindex bench is running on this PostgreSQL server; wait for it")

    def recreate(self) -> None:
        from psycopg import sql

        self.lock()
        self.held.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name)))
        self.held.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(
            sql.Identifier(self.name)))

    def check_existing(self) -> None:
        """--existing: the database is there, and say so when someone else is using it (a seed still running?)."""
        self.lock()
        if not self.held.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.name,)).fetchone():
            raise BenchError(f"database {self.name!r} does not exist; seed it first "
                             f"(DATABASE_URL={self.url} manage.py migrate && manage.py seed_demo --scale province)")
        others = self.held.execute(
            "SELECT count(*), string_agg(DISTINCT coalesce(nullif(application_name, ''), '?') || ' ' || state, ', ') "
            "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (self.name,)).fetchone()
        if others[0]:
            self.other_sessions = f"{others[0]} ({others[1]})"
            log(f"WARNING: {others[0]} other session(s) on {self.name} ({others[1]}): if a seed is still running, "
                "the figures are for a database half filled and a machine busy with it")

    def release(self) -> None:
        if self.held is not None:
            with suppress(Exception):
                self.held.close()


def setup_django(args: argparse.Namespace, tmp: Path) -> Postgres | None:
    os.environ["ZHENGXIE_DEBUG"] = "1"
    os.environ["ZHENGXIE_VAR_DIR"] = str(tmp)
    os.environ["DJANGO_SETTINGS_MODULE"] = "zhengxie.settings"
    pg = None
    if args.existing:
        pg = Postgres(args.existing, existing=True)
        pg.check_existing()
        os.environ["DATABASE_URL"] = pg.url
        log(f"existing PostgreSQL database {pg.name}: used as it is (not re-created, migrated or indexed)")
    elif args.database == "postgres":
        pg = Postgres(os.environ.get("BENCH_POSTGRES_URL") or DEFAULT_POSTGRES_URL)
        pg.recreate()
        os.environ["DATABASE_URL"] = pg.url
        log(f"re-created PostgreSQL database {pg.name}")
    else:
        os.environ.pop("DATABASE_URL", None)  # the default: var/zhengxie.sqlite3 under ZHENGXIE_VAR_DIR
        log(f"fresh SQLite database in {tmp}")
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    # DEBUG keeps every statement's SQL in connection.queries (9,000 of them, each bulk insert a few
    # hundred KB): that would be the bench's memory and time, not the index's. Workers run without it.
    settings.DEBUG = False
    if args.existing:
        check_migrated()
        return pg
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    log(f"migrate: {time.perf_counter() - t0:.1f} s")
    return pg


def check_migrated() -> None:
    """--existing: the text index's tables are there (else exit 2); unapplied migrations are reported."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    tables = set(connection.introspection.table_names())
    missing = [t for t in ("textindex_document", "textindex_fts", "textindex_band", "textindex_unitterm",
                           "textindex_termstat", "org_committee") if t not in tables]
    if missing:
        raise BenchError(f"{connection.settings_dict['NAME']} is not migrated ({', '.join(missing)} missing): "
                         "run manage.py migrate and seed_demo on it first")
    with suppress(Exception):
        executor = MigrationExecutor(connection)
        unapplied = [f"{m.app_label}.{m.name}" for m, _ in executor.migration_plan(executor.loader.graph.leaf_nodes())]
        if unapplied:
            log(f"WARNING: {len(unapplied)} migration(s) not applied to {connection.settings_dict['NAME']} "
                f"({', '.join(unapplied[:8])}{' …' if len(unapplied) > 8 else ''}); the bench does not migrate it")


# ---------------------------------------------------------------------------------------------
# SQL timing by statement class


SQL_CLASSES = [
    ("fts_insert", re.compile(r"^\s*INSERT INTO textindex_fts\b", re.I)),
    ("fts_delete", re.compile(r"^\s*(DELETE FROM textindex_fts|INSERT INTO textindex_fts\(textindex_fts)", re.I)),
    ("fts_search", re.compile(r"^\s*SELECT (rowid|doc_id) FROM textindex_fts", re.I)),
    ("document_insert", re.compile(r'^\s*INSERT INTO "?textindex_document\b', re.I)),
    ("band_insert", re.compile(r'^\s*INSERT INTO "?textindex_band\b', re.I)),
    ("band_delete", re.compile(r'^\s*DELETE FROM "?textindex_band\b', re.I)),
    ("band_candidates", re.compile(r'FROM "?textindex_band\b', re.I)),
    ("unitterm_upsert", re.compile(r'^\s*INSERT INTO "?textindex_unitterm\b', re.I)),
    ("unitterm_select", re.compile(r'FROM "?textindex_unitterm\b', re.I)),
    ("termstat_select", re.compile(r'FROM "?textindex_termstat\b', re.I)),
    ("document_select", re.compile(r'FROM "?textindex_document\b', re.I)),
    ("unit_select", re.compile(r'FROM "?org_unit\b', re.I)),
    ("transaction", re.compile(r"^\s*(SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT)", re.I)),
]
EXPLAIN_CLASSES = {"fts_search", "band_candidates", "unitterm_select", "document_select", "termstat_select"}


def classify(sql: str) -> str:
    for name, pattern in SQL_CLASSES:
        if pattern.search(sql):
            return name
    return "other"


class SqlMeter:
    """Adds up time per statement class; keeps the slowest reads of each class for EXPLAIN."""

    def __init__(self) -> None:
        self.reset()
        self.slowest: dict[str, list[tuple[float, str, Any, str]]] = defaultdict(list)
        self.operation = ""

    def reset(self) -> None:
        self.ms: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            ms = (time.perf_counter() - t0) * 1000
            cls = classify(sql)
            if cls == "fts_search":
                cls = "fts_search_" + fts_where(sql, params)
            self.ms[cls] += ms
            self.calls[cls] += 1
            base = cls.split("_search_")[0] + ("_search" if "_search_" in cls else "")
            if self.operation and (base in EXPLAIN_CLASSES) and not many:
                kept = self.slowest[f"{self.operation}|{cls}"]
                if len(kept) < 3 or ms > kept[-1][0]:
                    kept.append((ms, sql, list(params) if params else [], self.operation))
                    kept.sort(key=lambda k: -k[0])
                    del kept[3:]

    def total(self) -> float:
        return sum(v for k, v in self.ms.items() if k != "transaction")


def fts_where(sql: str, params: Any) -> str:
    """title / any / body_only: which tier of search_ids a statement is."""
    if "NOT (title @@" in sql:
        return "body_only"
    if "WHERE title @@" in sql:
        return "title"
    if "WHERE body @@" in sql:
        return "any"
    match = str(params[0]) if params else ""
    if ") NOT ({title}" in match:
        return "body_only"
    if match.startswith("({title}"):
        return "title"
    if match.startswith("({title body}"):
        return "any"
    return "scope_only"


class FuncMeter:
    """Wall time inside a few Python functions of the index (tokenising, salient terms, MinHash)."""

    def __init__(self) -> None:
        self.ms: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()

    def wrap(self, module: Any, name: str) -> None:
        original = getattr(module, name)
        label = f"{module.__name__.rsplit('.', 1)[-1]}.{name}"
        meter = self

        def timed(*a: Any, **kw: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return original(*a, **kw)
            finally:
                meter.ms[label] += (time.perf_counter() - t0) * 1000
                meter.calls[label] += 1

        setattr(module, name, timed)

    def reset(self) -> None:
        self.ms.clear()
        self.calls.clear()


# ---------------------------------------------------------------------------------------------
# Data


def create_org(plans: list[corpus_mod.CommitteePlan], units: list[str]) -> None:
    from zhengxie.org.models import Committee, Session, Term, Unit

    stamp = time.time_ns() % 10**8
    committees = Committee.objects.bulk_create([
        Committee(name=p.name, short_name=p.short_name, region_name=p.region, level="county",
                  code=f"ti-{stamp}-{p.index}")
        for p in plans
    ])
    for plan, committee in zip(plans, committees):
        plan.pk = committee.pk
    Unit.objects.bulk_create([
        Unit(committee_id=p.pk, name=f"{p.unit_prefix}{name}", order=n) for p in plans for n, name in enumerate(units)
    ])
    for p in plans:
        p.unit_ids = {
            name[len(p.unit_prefix):]: pk
            for pk, name in Unit.objects.filter(committee_id=p.pk).values_list("id", "name")
        }
    terms = Term.objects.bulk_create([
        Term(committee_id=p.pk, number=14, name="第十四届", start_date=dt.date(2021, 1, 1)) for p in plans
    ])
    Session.objects.bulk_create([
        Session(committee_id=p.pk, term=t, number=k + 1, name=f"十四届{'一二'[k]}次会议",
                start_date=dt.date(2022 + 2 * k, 1, 10), end_date=dt.date(2022 + 2 * k, 1, 14))
        for p, t in zip(plans, terms) for k in range(2)
    ])
    for p in plans:
        p.session_ids = list(Session.objects.filter(committee_id=p.pk).order_by("number").values_list("id", flat=True))


def entry_for(doc: corpus_mod.Doc) -> Any:
    from zhengxie.textindex.registry import IndexEntry

    plan = doc.committee
    lead = plan.unit_ids[doc.unit_name]
    units = (lead,) + ((plan.unit_ids[doc.co_unit_name],) if doc.co_unit_name else ())
    return IndexEntry(
        kind=KIND, object_id=doc.n, committee_id=plan.pk, title=doc.title, body=doc.body, date=doc.date,
        url=f"/proposals/{doc.n}/", audience=doc.audience, session_id=plan.session_ids[doc.session_index],
        state=doc.state, state_label=doc.state_label, category=doc.category, unit_id=lead, unit_ids=units,
    )


def write_termstats(corpus: corpus_mod.Corpus, n_docs: int) -> dict[str, Any]:
    """Bigram document frequencies over a sample, scaled to the corpus: what the nightly job would store."""
    from zhengxie.textindex import features
    from zhengxie.textindex.models import TermStat

    t0 = time.perf_counter()
    sample = min(SAMPLE, n_docs)
    df: Counter[str] = Counter()
    for doc in corpus.documents(n_docs):
        if doc.n > sample:
            break
        df.update(features.term_counts(doc.title, doc.body).keys())
    scale = n_docs / sample
    # termstats_refresh keeps terms in more than one document; a term once in the sample stands for
    # `scale` documents of the whole corpus, so it is kept when that is more than one.
    rows = [TermStat(term=t, df=round(c * scale)) for t, c in df.items() if round(c * scale) > 1 and len(t) <= 8]
    TermStat.objects.all().delete()
    TermStat.objects.bulk_create(rows + [TermStat(term="", df=n_docs)], batch_size=5000)
    features.DOC_FREQ.reset()
    return {"sample_docs": sample, "scale": round(scale, 3), "terms": len(rows),
            "seconds": round(time.perf_counter() - t0, 2)}


def existing_data() -> dict[str, Any]:
    """--existing: what is in the database already (nothing is created): the committees to query as are
    those with at least one proposal document."""
    from django.db.models import Count, Exists, OuterRef

    from zhengxie.org.models import Committee, Unit
    from zhengxie.textindex.models import Document, TermStat

    by_kind = dict(Document.objects.values_list("kind").annotate(n=Count("id")).order_by("-n"))
    if not by_kind.get(KIND):
        raise BenchError(f"textindex_document holds no {KIND!r} documents ({by_kind or 'it is empty'}): "
                         "seed the database first (manage.py seed_demo --scale province)")
    committee_ids = list(Committee.objects.filter(
        Exists(Document.objects.filter(committee_id=OuterRef("pk"), kind=KIND))).order_by("pk").values_list(
        "pk", flat=True))
    units = Unit.objects.filter(committee_id__in=committee_ids, is_active=True).count()
    counted = TermStat.objects.filter(term="").values_list("df", flat=True).first()
    stale = delete_leftover_bench_users()
    return {
        "documents": sum(by_kind.values()),
        "documents_by_kind": by_kind,
        "committees": len(committee_ids),
        "committees_in_database": Committee.objects.count(),
        "committee_ids": committee_ids,
        "units_per_committee": round(units / max(1, len(committee_ids)), 1),
        "termstats": {"written_by_bench": False, "terms": TermStat.objects.exclude(term="").count(),
                      "documents_counted": counted or 0},
        "leftover_bench_users_deleted": stale,
    }


def delete_leftover_bench_users() -> list[str]:
    """Bench clerks left behind by an earlier run that was killed before it could delete its user."""
    from zhengxie.accounts.models import User

    stale = User.objects.filter(username__startswith=BENCH_USER_PREFIX, display_name=BENCH_USER_NAME)
    names = list(stale.values_list("username", flat=True))
    if names:
        stale.delete()
        log(f"deleted {len(names)} bench user(s) left by an earlier run: {', '.join(names)}")
    return names


# ---------------------------------------------------------------------------------------------
# Indexing


def index_all(corpus: corpus_mod.Corpus, n_docs: int, chunk: int, sql: SqlMeter, funcs: FuncMeter,
              max_seconds: float | None = None, stop_file: Path | None = None) -> dict[str, Any]:
    from django.db import connection, reset_queries

    from zhengxie.textindex import services

    sql.reset()
    funcs.reset()
    chunks = []
    batch: list[Any] = []
    index_s = 0.0
    chunk_index_s, chunk_start_wall, chunk_start_n = 0.0, time.perf_counter(), 0
    wall0 = time.perf_counter()
    cpu0, db_cpu0 = time.process_time(), backend_cpu_s()
    chunk_cpu = [cpu0, db_cpu0]
    chunk_sql: dict[str, float] = {}
    done = 0

    def flush() -> None:
        nonlocal index_s, chunk_index_s, done, batch
        t0 = time.perf_counter()
        services.documents_upsert_many(entries=batch)
        dt_s = time.perf_counter() - t0
        index_s += dt_s
        chunk_index_s += dt_s
        done += len(batch)
        batch = []
        reset_queries()

    def close_chunk() -> None:
        nonlocal chunk_index_s, chunk_start_wall, chunk_start_n
        now = time.perf_counter()
        n = done - chunk_start_n
        cpu = time.process_time()
        db_cpu = backend_cpu_s()
        sql_now = dict(sql.ms)
        row = {
            "docs": f"{chunk_start_n + 1}–{done}",
            "items_per_s": round(n / chunk_index_s, 1),
            "items_per_s_wall": round(n / (now - chunk_start_wall), 1),
            "bench_cpu_ms_per_item": round((cpu - chunk_cpu[0]) * 1000 / n, 3),
            "db_backend_cpu_ms_per_item": round((db_cpu - chunk_cpu[1]) * 1000 / n, 3) if db_cpu else None,
            "sql_ms_per_item": {k: round((v - chunk_sql.get(k, 0.0)) / n, 3) for k, v in sql_now.items()
                                if k != "transaction" and v - chunk_sql.get(k, 0.0) > 0.0005 * n},
            "rss_mb": round(rss_now_mb(), 1),
            "load_average": round(os.getloadavg()[0], 2),
        }
        chunks.append(row)
        eta = (n_docs - done) / max(1e-9, done / (now - wall0))
        log(f"indexed {done:>7} · chunk {row['items_per_s']:.0f} items/s in upsert "
            f"({row['items_per_s_wall']:.0f} wall, bench CPU {row['bench_cpu_ms_per_item']:.2f} ms/item"
            + (f", db CPU {row['db_backend_cpu_ms_per_item']:.2f}" if db_cpu else "")
            + f") · SQL {row['sql_ms_per_item']} · RSS {row['rss_mb']:.0f} MB · load {row['load_average']}"
            f" · ETA {eta / 60:.1f} min")
        chunk_index_s, chunk_start_wall, chunk_start_n = 0.0, now, done
        chunk_cpu[:] = [cpu, db_cpu]
        chunk_sql.clear()
        chunk_sql.update(sql_now)

    stopped_early = False
    for doc in corpus.documents(n_docs):
        batch.append(entry_for(doc))
        if len(batch) >= BATCH:
            flush()
            if done - chunk_start_n >= chunk:
                close_chunk()
            if max_seconds and time.perf_counter() - wall0 > max_seconds:
                log(f"--max-index-minutes reached: stopping at {done:,} of {n_docs:,} documents")
                stopped_early = True
                break
            if stop_file is not None and stop_file.exists():
                log(f"{stop_file} exists: stopping at {done:,} of {n_docs:,} documents")
                stop_file.unlink(missing_ok=True)
                stopped_early = True
                break
    if batch:
        flush()
    if done > chunk_start_n:
        close_chunk()
    wall = time.perf_counter() - wall0
    cpu_ms = (time.process_time() - cpu0) * 1000 / max(1, done)
    db_cpu_ms = (backend_cpu_s() - db_cpu0) * 1000 / max(1, done) if db_cpu0 else None
    sql_ms = {k: round(v / done, 3) for k, v in sorted(sql.ms.items(), key=lambda kv: -kv[1])}
    py_ms = {k: round(v / done, 3) for k, v in sorted(funcs.ms.items(), key=lambda kv: -kv[1])}
    return {
        "documents": done,
        "documents_requested": n_docs,
        "stopped_early": stopped_early,
        "batch": BATCH,
        "seconds_in_upsert": round(index_s, 1),
        "seconds_wall": round(wall, 1),
        "items_per_s": round(done / index_s, 1),
        "items_per_s_wall": round(done / wall, 1),
        "generation_s": round(wall - index_s, 1),
        "chunks": chunks,
        "ms_per_item": {
            "upsert_total": round(index_s * 1000 / done, 3),
            "bench_process_cpu": round(cpu_ms, 3),
            "db_backend_cpu": round(db_cpu_ms, 3) if db_cpu_ms is not None else None,
            "sql_total": round(sql.total() / done, 3),
            "sql_by_statement": sql_ms,
            "python_functions": py_ms,
        },
        "vendor": connection.vendor,
    }


# ---------------------------------------------------------------------------------------------
# Queries


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def summarize(samples: list[dict[str, Any]]) -> dict[str, Any]:
    ms = [s["ms"] for s in samples]
    out = {
        "n": len(ms),
        "p50_ms": round(pct(ms, 0.50), 2),
        "p95_ms": round(pct(ms, 0.95), 2),
        "p99_ms": round(pct(ms, 0.99), 2),
        "max_ms": round(max(ms), 2) if ms else 0.0,
        "mean_ms": round(sum(ms) / len(ms), 2) if ms else 0.0,
        "avg_results": round(sum(s["results"] for s in samples) / len(samples), 2) if samples else 0.0,
        "sql_share": round(sum(s["sql_ms"] for s in samples) / max(1e-9, sum(ms)), 3),
        # CPU of the bench process plus (PostgreSQL) its backend: what the call costs on an idle machine.
        "cpu_p50_ms": round(pct([s["cpu_ms"] for s in samples], 0.50), 2),
        "cpu_p95_ms": round(pct([s["cpu_ms"] for s in samples], 0.95), 2),
    }
    if samples and "total" in samples[0]:
        out["avg_total"] = round(sum(s["total"] for s in samples) / len(samples), 1)
        out["capped_share"] = round(sum(1 for s in samples if s["capped"]) / len(samples), 3)
    steps: Counter[str] = Counter()
    for s in samples:
        steps.update(s.get("steps", {}))
    if steps:
        out["sql_ms_mean_by_statement"] = {k: round(v / len(samples), 2) for k, v in steps.most_common()}
    calls: Counter[str] = Counter()
    for s in samples:
        calls.update(s.get("calls", {}))
    if calls:
        # search_ids covers backends.count too (count is search_ids with a cap).
        out["index_read_ms_mean"] = {k: round(v / len(samples), 2) for k, v in calls.most_common()}
        out["index_read_share"] = round(sum(calls.values()) / max(1e-9, sum(ms)), 3)
    slow = sorted(samples, key=lambda s: -s["ms"])[:5]
    out["slowest"] = [{k: v for k, v in s.items() if k in ("ms", "q", "doc", "committee", "total", "results")}
                      for s in slow]
    return out


def search_all_committees(query: str) -> tuple[int, bool, int]:
    """selectors.search, the same calls, but scoped to the kind only (every committee)."""
    from zhengxie.textindex import backends, selectors, tokens
    from zhengxie.textindex.models import Document

    toks = tokens.query_tokens(query)
    scope = [[backends.scope_token("k", KIND)]]
    n_title = backends.count(toks, scope, where="title", cap=selectors.COUNT_CAP + 1)
    n_rest = backends.count(toks, scope, where="body_only", cap=selectors.COUNT_CAP + 1)
    total = min(n_title + n_rest, selectors.COUNT_CAP)
    ids: list[tuple[int, bool]] = []
    page_size = 20
    if n_title:
        ids += [(i, True) for i in backends.search_ids(toks, scope, where="title", limit=page_size)]
    if len(ids) < page_size:
        ids += [(i, False) for i in backends.search_ids(toks, scope, where="body_only", limit=page_size - len(ids))]
    docs = Document.objects.in_bulk([i for i, _ in ids])
    hits = 0
    for doc_id, _ in ids:  # what the page renders: highlighted title and snippet
        doc = docs.get(doc_id)
        if doc is None:
            continue
        selectors.mark(doc.title, tokens.highlight_spans(doc.title, toks))
        selectors.snippet(doc.body, toks)
        hits += 1
    return total, n_title + n_rest > selectors.COUNT_CAP, hits


def run_queries(args: argparse.Namespace, committee_pks: list[int], perms: set[str], sql: SqlMeter,
                funcs: FuncMeter) -> dict[str, Any]:
    """The query phase, as a proposal-office clerk (role proposal_staff with `perms`) of each committee.

    The clerk is a user the bench creates and deletes again at the end (even when a query fails)."""
    from zhengxie.accounts.models import User

    user = User.objects.create(username=f"{BENCH_USER_PREFIX}{time.time_ns()}", display_name=BENCH_USER_NAME)
    try:
        return _run_queries(args, committee_pks, perms, sql, funcs, user)
    finally:
        sql.operation = ""
        User.objects.filter(pk=user.pk).delete()


def _run_queries(args: argparse.Namespace, committee_pks: list[int], perms: set[str], sql: SqlMeter,
                 funcs: FuncMeter, user: Any) -> dict[str, Any]:
    from zhengxie.accounts.models import Role
    from zhengxie.accounts.permissions import Access
    from zhengxie.org.models import Committee
    from zhengxie.textindex import selectors
    from zhengxie.textindex.models import Document

    rng = random.Random(f"{SEED}-query-phase")
    committees = {c.pk: c for c in Committee.objects.filter(pk__in=committee_pks)}
    accesses = {pk: Access(user=user, committee=c, roles={Role.PROPOSAL_STAFF.value}, perms=set(perms))
                for pk, c in committees.items()}
    pks = sorted(committees)
    docs = Document.objects.filter(kind=KIND, committee_id__in=pks)
    lo = docs.order_by("id").values_list("id", flat=True).first()
    hi = docs.order_by("-id").values_list("id", flat=True).first()
    if lo is None:
        raise BenchError(f"no {KIND!r} documents in textindex_document to query")
    per_cell = WARMUP + args.queries

    def random_doc() -> Any:
        while True:
            doc = docs.filter(id=rng.randint(lo, hi)).only("id", "object_id", "kind", "title", "body",
                                                           "committee_id").first()
            if doc is not None:
                return doc

    def timed(operation: str, fn: Any) -> dict[str, Any]:
        sql.reset()
        funcs.reset()
        sql.operation = operation
        c0, d0 = time.process_time(), backend_cpu_s()
        t0 = time.perf_counter()
        info = fn()
        ms = (time.perf_counter() - t0) * 1000
        cpu_ms = (time.process_time() - c0 + backend_cpu_s() - d0) * 1000
        sql.operation = ""
        steps = {k: round(v, 3) for k, v in sql.ms.items() if k != "transaction"}
        # Whole calls, rows fetched included (SQLite's FTS5 does most of its work while rows are
        # fetched, after the execute() that the SQL meter times).
        calls = {k: round(v, 3) for k, v in funcs.ms.items()
                 if k in ("backends.search_ids", "selectors._candidates")}
        return {"ms": ms, "cpu_ms": cpu_ms, "sql_ms": sql.total(), "steps": steps, "calls": calls, **info}

    cells: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(dict)
    groups: list[tuple[str, list[str]]] = [
        (str(n), corpus_mod.query_pool(n, per_cell, SEED)) for n in QUERY_LENGTHS
    ]
    groups.append(("common", [COMMON_WORDS[i % len(COMMON_WORDS)] for i in range(per_cell)]))

    t_phase = time.perf_counter()
    for label, queries in groups:
        samples = []
        for i, q in enumerate(queries):
            pk = pks[rng.randrange(len(pks))]

            def one(q: str = q, pk: int = pk) -> dict[str, Any]:
                r = selectors.search(accesses[pk], q)
                return {"results": len(r.hits), "total": r.total, "capped": r.capped, "q": q, "committee": pk}

            s = timed(f"search_committee:{label}", one)
            if i >= WARMUP:
                samples.append(s)
        cells["search_committee"][label] = samples
        samples = []
        for i, q in enumerate(queries):
            def one_all(q: str = q) -> dict[str, Any]:
                total, capped, hits = search_all_committees(q)
                return {"results": hits, "total": total, "capped": capped, "q": q}

            s = timed(f"search_all:{label}", one_all)
            if i >= WARMUP:
                samples.append(s)
        cells["search_all"][label] = samples
        log(f"search {label:>6}: committee p95 {pct([s['ms'] for s in cells['search_committee'][label]], .95):6.1f} ms"
            f" · all committees p95 {pct([s['ms'] for s in cells['search_all'][label]], .95):6.1f} ms")

    for op, whole in (("similar_committee", False), ("similar_deployment", True)):
        samples = []
        for i in range(per_cell):
            doc = random_doc()

            def sim(doc: Any = doc, whole: bool = whole) -> dict[str, Any]:
                found = selectors.similar(accesses[doc.committee_id], title=doc.title, body=doc.body,
                                          exclude=(doc.kind, doc.object_id), whole_deployment=whole)
                return {"results": len(found), "doc": doc.pk, "committee": doc.committee_id}

            s = timed(op, sim)
            if i >= WARMUP:
                samples.append(s)
        cells[op]["all"] = samples
        log(f"{op}: p95 {pct([s['ms'] for s in samples], .95):.1f} ms")

    samples = []
    for i in range(per_cell):
        doc = random_doc()

        def route(doc: Any = doc) -> dict[str, Any]:
            got = selectors.suggest_units(committees[doc.committee_id], title=doc.title, body=doc.body)
            return {"results": len(got), "doc": doc.pk, "committee": doc.committee_id}

        s = timed("routing", route)
        if i >= WARMUP:
            samples.append(s)
    cells["routing"]["all"] = samples
    log(f"routing: p95 {pct([s['ms'] for s in samples], .95):.1f} ms")

    out: dict[str, Any] = {}
    for op, by_label in cells.items():
        entry: dict[str, Any] = {label: summarize(s) for label, s in by_label.items()}
        if op.startswith("search"):
            entry["all_queries"] = summarize([s for ss in by_label.values() for s in ss])
        out[op] = entry
    out["phase_seconds"] = round(time.perf_counter() - t_phase, 1)
    return out


# ---------------------------------------------------------------------------------------------
# Sizes, plans, memory


def rss_now_mb() -> float:
    with suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


_BACKEND_PID: list[int] = []


def backend_cpu_s() -> float:
    """CPU seconds of the PostgreSQL backend serving this process (0 on SQLite: it runs in-process)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    if not _BACKEND_PID:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            _BACKEND_PID.append(cur.fetchone()[0])
    try:
        fields = Path(f"/proc/{_BACKEND_PID[0]}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def analyze() -> float:
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("ANALYZE")
            cur.execute("PRAGMA optimize")
        else:
            # After a bulk load: statistics, and the GIN pending lists merged into the index proper
            # (what autovacuum does on its own a little later; ANALYZE alone leaves the pending list).
            for table in ("textindex_document", "textindex_fts", "textindex_band", "textindex_unitterm",
                          "textindex_termstat"):
                cur.execute(f"VACUUM (ANALYZE) {table}")
    return round(time.perf_counter() - t0, 1)


def sizes() -> dict[str, Any]:
    from django.db import connection

    out: dict[str, Any] = {"rows": {}}
    with connection.cursor() as cur:
        for table in ("textindex_document", "textindex_band", "textindex_unitterm", "textindex_termstat"):
            cur.execute(f"SELECT count(*) FROM {table}")
            out["rows"][table] = cur.fetchone()[0]
        if connection.vendor == "sqlite":
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            path = Path(connection.settings_dict["NAME"])
            out["database_bytes"] = path.stat().st_size
            wal = Path(str(path) + "-wal")
            out["wal_bytes"] = wal.stat().st_size if wal.exists() else 0
            with suppress(Exception):
                cur.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 20")
                out["objects_bytes"] = {name: n for name, n in cur.fetchall()}
            with suppress(Exception):
                cur.execute("SELECT count(*) FROM textindex_fts_idx")
                out["fts5_segment_index_rows"] = cur.fetchone()[0]
        else:
            cur.execute("SELECT pg_database_size(current_database())")
            out["database_bytes"] = cur.fetchone()[0]
            cur.execute(
                "SELECT c.relname, pg_total_relation_size(c.oid), pg_relation_size(c.oid) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r','i') "
                "AND c.relname LIKE 'textindex%%' ORDER BY 2 DESC"
            )
            out["objects_bytes"] = {name: {"total": total, "main": main} for name, total, main in cur.fetchall()}
    out["database_mb"] = round(out["database_bytes"] / 2**20, 1)
    return out


def explain_slowest(sql: SqlMeter) -> list[dict[str, Any]]:
    """EXPLAIN (QUERY PLAN on SQLite; ANALYZE, BUFFERS on PostgreSQL) the slowest reads of each class."""
    from django.db import connection

    out = []
    for key, kept in sorted(sql.slowest.items()):
        if not kept:
            continue
        ms, statement, params, operation = kept[0]
        prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS) "
        plan: list[str] = []
        with suppress(Exception), connection.cursor() as cur:
            cur.execute(prefix + statement, params)
            rows = cur.fetchall()
            plan = [" | ".join(str(c) for c in r) for r in rows]
        shown = params if len(str(params)) < 600 else str(params)[:600] + "…"
        out.append({"operation": key, "ms": round(ms, 2), "sql": statement[:1500], "params": shown, "plan": plan})
    return out


# ---------------------------------------------------------------------------------------------
# Report


def verdicts(report: dict[str, Any]) -> list[dict[str, Any]]:
    q = report["queries"]
    rows = []
    for op, label in (("search_committee", "search, committee filter"), ("search_all", "search, all committees")):
        for bucket in [*(str(n) for n in QUERY_LENGTHS), "common"]:
            p95 = q[op][bucket]["p95_ms"]
            name = f"{label}, {bucket} chars" if bucket != "common" else f"{label}, common words"
            rows.append({"figure": name, "value": p95, "unit": "ms p95", "target": f"< {TARGETS_MS['search']:.0f}",
                         "pass": p95 < TARGETS_MS["search"]})
    for op, label in (("similar_committee", "similar, committee"), ("similar_deployment", "similar, whole deployment")):
        p95 = q[op]["all"]["p95_ms"]
        rows.append({"figure": label, "value": p95, "unit": "ms p95", "target": f"< {TARGETS_MS['similar']:.0f}",
                     "pass": p95 < TARGETS_MS["similar"]})
    p95 = q["routing"]["all"]["p95_ms"]
    rows.append({"figure": "routing", "value": p95, "unit": "ms p95", "target": f"< {TARGETS_MS['routing']:.0f}",
                 "pass": p95 < TARGETS_MS["routing"]})
    if report.get("indexing") is not None:  # None with --existing: nothing was indexed, nothing to judge
        ips = report["indexing"]["items_per_s"]
        rows.append({"figure": "indexing", "value": ips, "unit": "items/s", "target": f">= {TARGET_ITEMS_PER_S:.0f}",
                     "pass": ips >= TARGET_ITEMS_PER_S})
    rss = report["memory"]["max_rss_mb"]
    rows.append({"figure": "max RSS of the bench process", "value": rss, "unit": "MB",
                 "target": f"< {TARGET_RSS_MB:.0f}", "pass": rss < TARGET_RSS_MB})
    return rows


def write_report(output: Path, report: dict[str, Any]) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    Path(f"{output}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    ix, sz = report["indexing"], report["sizes"]
    n_docs = ix["documents"] if ix is not None else report["docs"]
    where = report["database"] + (f" `{report['database_name']}`" if report.get("database_name") else "")
    lines = [
        f"# textindex bench: {n_docs:,} documents, {report['committees']} committees, {where}"
        + (" (existing database)" if ix is None else ""),
        "",
        f"`{report['command']}`",
        "",
        f"{report['started_at']} · code {report['code']['sha256_at_start']} (zhengxie/textindex/*.py"
        + (f"; **changed during the run: {', '.join(report['code']['changed_during_run'])}**" if report["code"]["changed_during_run"] else "")
        + f") · {report['database_server']} · Python {report['machine']['python']} · "
        f"{report['machine']['cores']} cores · load before {report['load_average_before']} "
        f"after {report['load_average_after']} · {report['wall_time_s']} s in all",
        "",
        "## Targets",
        "",
        "| figure | value | target | |",
        "|---|---:|---|---|",
    ]
    for v in report["verdicts"]:
        lines.append(f"| {v['figure']} | {v['value']} {v['unit']} | {v['target']} | {'PASS' if v['pass'] else '**FAIL**'} |")
    if ix is None:
        lines += ["", "## Indexing", "", f"**{INDEXING_NOT_MEASURED[0].upper()}{INDEXING_NOT_MEASURED[1:]}**: "
                  + existing_summary(report), ""]
    else:
        lines += indexing_section(report)
    lines += [f"Database: **{sz['database_mb']:,} MB**; rows: "
              + ", ".join(f"{k} {v:,}" for k, v in sz["rows"].items()) + ".", ""]
    if sz.get("objects_bytes"):
        lines += ["| object | MB |", "|---|---:|"]
        for name, b in list(sz["objects_bytes"].items())[:14]:
            total = b["total"] if isinstance(b, dict) else b
            lines.append(f"| {name} | {total / 2**20:,.1f} |")
        lines.append("")
    lines += queries_section(report)
    Path(f"{output}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def existing_summary(report: dict[str, Any]) -> str:
    """--existing: what the database held, in a sentence."""
    ex, ts = report.get("existing_database") or {}, report["termstats"]
    return (f"{report['docs']:,} documents already indexed in `{report['database_name']}` ("
            + ", ".join(f"{k} {v:,}" for k, v in ex.get("documents_by_kind", {}).items())
            + f"); {report['committees']} committees with {KIND} documents (of {ex.get('committees_in_database')} in "
            f"the database), {report['units_per_committee']} active units each on average. Term statistics as "
            f"stored: {ts['terms']:,} terms, counted over {ts['documents_counted']:,} documents."
            + (f" **Other sessions on the database at start: {ex['other_sessions_at_start']}** (a seed still "
               "running?)." if ex.get("other_sessions_at_start") else ""))


def indexing_section(report: dict[str, Any]) -> list[str]:
    ix = report["indexing"]
    lines = [
        "",
        "## Indexing",
        "",
        (f"**Indexing stopped early (--max-index-minutes or <output>.stop) after {ix['documents']:,} of {ix['documents_requested']:,} "
         "documents; every query figure below is on that many documents (term statistics were scaled to the "
         "requested number).**\n\n" if ix.get("stopped_early") else "")
        + f"{ix['documents']:,} documents in batches of {ix['batch']} (one transaction each): "
        f"**{ix['items_per_s']:,.0f} items/s** in `documents_upsert_many` ({ix['seconds_in_upsert']} s), "
        f"{ix['items_per_s_wall']:,.0f} items/s wall including generating the texts ({ix['seconds_wall']} s). "
        f"Term statistics: {report['termstats']['terms']:,} bigrams from a {report['termstats']['sample_docs']:,}-document "
        f"sample, scaled ×{report['termstats']['scale']}.",
        "",
        "| documents | items/s (upsert) | items/s (wall) | bench CPU ms/item | DB CPU ms/item | SQL ms/item by statement | RSS MB | load |",
        "|---|---:|---:|---:|---:|---|---:|---:|",
    ]
    lines += [f"| {c['docs']} | {c['items_per_s']:,.0f} | {c['items_per_s_wall']:,.0f} | {c['bench_cpu_ms_per_item']} | "
              f"{c['db_backend_cpu_ms_per_item'] if c['db_backend_cpu_ms_per_item'] is not None else '–'} | "
              + ", ".join(f"{k} {v}" for k, v in c["sql_ms_per_item"].items())
              + f" | {c['rss_mb']:.0f} | {c['load_average']} |" for c in ix["chunks"]]
    per = ix["ms_per_item"]
    lines += ["", f"Per item: {per['upsert_total']} ms in upsert (bench process CPU {per['bench_process_cpu']} ms"
              + (f", PostgreSQL backend CPU {per['db_backend_cpu']} ms" if per.get("db_backend_cpu") else "")
              + f"), of which SQL {per['sql_total']} ms: "
              + ", ".join(f"{k} {v}" for k, v in per["sql_by_statement"].items())
              + "; Python: " + ", ".join(f"{k} {v}" for k, v in per["python_functions"].items()) + " (ms/item).",
              ""]
    return lines


def queries_section(report: dict[str, Any]) -> list[str]:
    q = report["queries"]
    lines = ["## Queries", "",
              f"{report['queries_per_cell']} timed calls per row after {WARMUP} warm-up calls; results = hits on the "
              "first page (search: total matches, capped at 1,000, in brackets).", "",
              "| operation | queries | n | p50 ms | p95 ms | p99 ms | max ms | CPU p50/p95 ms | avg results | index reads |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    names = {"search_committee": "search, committee filter", "search_all": "search, all committees",
             "similar_committee": "similar, committee", "similar_deployment": "similar, whole deployment",
             "routing": "routing (suggest_units)"}
    for op, label in names.items():
        for bucket, s in q[op].items():
            if not isinstance(s, dict) or "p50_ms" not in s:
                continue
            what = {"all": "", "common": "教育/建设/老旧小区", "all_queries": "**all**"}.get(bucket, f"{bucket} chars")
            res = f"{s['avg_results']}" + (f" ({s['avg_total']:,.0f})" if "avg_total" in s else "")
            lines.append(f"| {label} | {what} | {s['n']} | {s['p50_ms']} | {s['p95_ms']} | {s['p99_ms']} | "
                         f"{s['max_ms']} | {s['cpu_p50_ms']}/{s['cpu_p95_ms']} | {res} | "
                         f"{s.get('index_read_share', s['sql_share']):.0%} |")
    lines += ["", "Time inside the index reads per call, rows fetched included (mean ms; search_ids covers "
              "backends.count, _candidates the LSH bucket query): ", ""]
    for op, label in names.items():
        s = q[op].get("all_queries") or q[op].get("all")
        if s and s.get("index_read_ms_mean"):
            lines.append(f"- {label}: " + ", ".join(f"{k} {v}" for k, v in s["index_read_ms_mean"].items())
                         + f" ({s['index_read_share']:.0%} of the call)")
    lines += ["", "SQL time per call by statement, execute() only (mean ms; on SQLite most FTS5 work happens "
              "later, while rows are fetched, so see the line above):", ""]
    for op, label in names.items():
        s = q[op].get("all_queries") or q[op].get("all")
        if s and s.get("sql_ms_mean_by_statement"):
            lines.append(f"- {label}: " + ", ".join(f"{k} {v}" for k, v in s["sql_ms_mean_by_statement"].items()))
    mem = report["memory"]
    after = (f"after indexing {mem['max_rss_after_indexing_mb']} MB; " if mem.get("max_rss_after_indexing_mb") is not None
             else "")
    lines += ["", "## Memory", "",
              f"Max RSS of the bench process: **{mem['max_rss_mb']} MB** ({after}"
              f"RSS now {mem['rss_end_mb']} MB)." + (f" PostgreSQL backend peak: {mem['postgres_backend_hwm_mb']} MB."
                                                      if mem.get("postgres_backend_hwm_mb") else ""), ""]
    if report.get("explain"):
        lines += ["## Slowest statements (EXPLAIN)", ""]
        for e in report["explain"]:
            lines += [f"**{e['operation']}** {e['ms']} ms", "", "```", e["sql"][:600], f"params: {e['params']}",
                      *e["plan"][:30], "```", ""]
    return lines


def machine() -> dict[str, Any]:
    cpu = ""
    with suppress(OSError):
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "")
    return {"cores": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--docs", type=int, default=500_000)
    p.add_argument("--committees", type=int, default=100)
    p.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--queries", type=int, default=200, help="timed calls per operation and query length (default 200)")
    p.add_argument("--chunk", type=int, default=50_000, help="report indexing speed per this many documents")
    p.add_argument("--output", default=None, metavar="PREFIX",
                   help="writes PREFIX.json and PREFIX.md (default bench/results/textindex-<database>)")
    p.add_argument("--smoke", action="store_true", help="20,000 docs, 10 committees, 60 queries, SQLite")
    p.add_argument("--existing", default=None, metavar="URL",
                   help="query this already seeded PostgreSQL database as it is (e.g. seed_demo --scale province; "
                   "local, name containing 'bench'): no re-create, migrate or indexing; --docs, --committees, "
                   "--database and --chunk do not apply")
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    p.add_argument("--max-index-minutes", type=float, default=None,
                   help="stop indexing after this long (at a batch boundary) and query what is indexed; "
                   "creating the file <output>.stop does the same at any time")
    p.add_argument("--keep", action="store_true", help="keep the SQLite temp folder (its path is printed)")
    args = p.parse_args(argv)
    if args.smoke:
        args.docs, args.committees, args.queries, args.database = 20_000, 10, 60, "sqlite"
        args.chunk = min(args.chunk, 5_000)
    if args.existing and args.smoke:
        p.error("--existing and --smoke exclude each other")
    if args.existing and args.max_index_minutes:
        p.error("--max-index-minutes does not apply to --existing (nothing is indexed)")
    if args.existing:
        args.database = "postgres"
    if args.docs < 100 or args.committees < 1 or args.queries < 1:
        p.error("--docs must be at least 100, --committees and --queries at least 1")
    args.output = args.output or str(ROOT / "bench" / "results" / (
        "textindex-smoke" if args.smoke else "textindex-postgres-existing" if args.existing
        else f"textindex-{args.database}"))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    command = ".venv/bin/python bench/textindex.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    started = time.monotonic()
    started_at = dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")
    load_before = [round(x, 2) for x in os.getloadavg()]
    tmp = Path(tempfile.mkdtemp(prefix="zhengxie-textindex-"))
    pg: Postgres | None = None
    try:
        pg = setup_django(args, tmp)
        from django.db import connection

        # Every module of the index now, so the whole run measures the code as it is at this moment
        # (later edits to zhengxie/textindex are not picked up half-way; the report says if any happened).
        from zhengxie.textindex import backends, features, registry, selectors, services, tokens  # noqa: F401
        from zhengxie.textindex.registry import Source, register_source

        code_at_start = code_fingerprint()
        log(f"zhengxie/textindex code {code_at_start['sha256']} (BANDS={features.BANDS}, ROWS={features.ROWS}, "
            f"CANDIDATES={selectors.CANDIDATES})")

        if args.existing and registry.source(KIND) is not None:
            # The real source (zhengxie.proposals' AppConfig.ready registers it): its staff permission,
            # held the way a proposal-office clerk holds it (accounts.permissions.access_for).
            from zhengxie.accounts.models import Role
            from zhengxie.accounts.permissions import ROLE_PERMS

            perms = set(ROLE_PERMS.get(Role.PROPOSAL_STAFF, set()))
            staff_perm = registry.source(KIND).staff_perm  # type: ignore[union-attr]
            log(f"source {KIND!r} as registered by the app (staff_perm {staff_perm}); querying as role "
                f"{Role.PROPOSAL_STAFF.value} with {sorted(perms)}")
            if staff_perm not in perms:
                log(f"WARNING: role {Role.PROPOSAL_STAFF.value} lacks {staff_perm}: the bench clerk sees only "
                    "members' and public documents")
        else:
            register_source(Source(kind=KIND, label="提案", staff_perm=STAFF_PERM, entries=lambda: [],
                                   states={s: label for s, label, _ in corpus_mod.STATES},
                                   categories=list(corpus_mod.CATEGORIES)))
            perms = {STAFF_PERM}
        sql = SqlMeter()
        # For the rest of the run (execute_wrapper() is a context manager that would pop it on exit).
        connection.execute_wrappers.append(sql)
        funcs = FuncMeter()
        for module, name in ((tokens, "index_tokens"), (features, "salient_terms"), (features, "band_keys"),
                             (tokens, "shingles"), (backends, "search_ids"), (selectors, "_candidates")):
            funcs.wrap(module, name)

        indexing: dict[str, Any] | None = None
        existing: dict[str, Any] | None = None
        rss_after_indexing: float | None = None
        if args.existing:
            existing = existing_data()
            existing["other_sessions_at_start"] = pg.other_sessions if pg is not None else ""
            committee_pks = existing.pop("committee_ids")
            n_docs, n_committees = existing["documents"], existing["committees"]
            units_per_committee = existing["units_per_committee"]
            termstats = existing.pop("termstats")
            log(f"{n_docs:,} documents ({existing['documents_by_kind']}) in {n_committees} committees with documents "
                f"(of {existing['committees_in_database']}), {units_per_committee} active units each on average; "
                f"term stats: {termstats['terms']:,} bigrams over {termstats['documents_counted']:,} documents")
            log(INDEXING_NOT_MEASURED)
        else:
            plans = corpus_mod.committee_plans(args.committees, SEED)
            corpus = corpus_mod.Corpus(plans, SEED)
            create_org(plans, corpus.all_units)
            committee_pks = [p.pk for p in plans]
            n_docs, n_committees, units_per_committee = args.docs, args.committees, len(corpus.all_units)
            log(f"{len(plans)} committees × {len(corpus.all_units)} units, 2 sessions each")
            termstats = write_termstats(corpus, args.docs)
            log(f"term stats: {termstats['terms']:,} bigrams from {termstats['sample_docs']:,} docs "
                f"(×{termstats['scale']}) in {termstats['seconds']} s")
            indexing = index_all(corpus, args.docs, args.chunk, sql, funcs,
                                 args.max_index_minutes * 60 if args.max_index_minutes else None,
                                 Path(f"{args.output}.stop"))
            log(f"indexed {indexing['documents']:,} docs: {indexing['items_per_s']:,.0f} items/s in upsert, "
                f"{indexing['items_per_s_wall']:,.0f} wall")
            rss_after_indexing = max_rss_mb()
        analyze_s = analyze()
        log(f"analyze: {analyze_s} s")
        size = sizes()
        log(f"database {size['database_mb']:,} MB; rows {size['rows']}")
        queries = run_queries(args, committee_pks, perms, sql, funcs)
        memory = {"max_rss_mb": round(max_rss_mb(), 1),
                  "max_rss_after_indexing_mb": round(rss_after_indexing, 1) if rss_after_indexing is not None else None,
                  "rss_end_mb": round(rss_now_mb(), 1)}
        explain = explain_slowest(sql)
        if connection.vendor == "postgresql":
            with suppress(Exception), connection.cursor() as cur:
                cur.execute("SELECT pg_backend_pid()")
                pid = cur.fetchone()[0]
                status = Path(f"/proc/{pid}/status").read_text()
                memory["postgres_backend_hwm_mb"] = round(
                    int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024, 1)  # type: ignore[union-attr]
        with connection.cursor() as cur:
            if connection.vendor == "sqlite":
                import sqlite3

                server = f"SQLite {sqlite3.sqlite_version}"
            else:
                cur.execute("SHOW server_version")
                server = f"PostgreSQL {cur.fetchone()[0]}"
                settings_pg = {}
                for name in ("shared_buffers", "work_mem", "effective_cache_size", "random_page_cost",
                             "gin_pending_list_limit", "maintenance_work_mem"):
                    cur.execute(f"SHOW {name}")
                    settings_pg[name] = cur.fetchone()[0]
                server += " (" + ", ".join(f"{k}={v}" for k, v in settings_pg.items()) + ")"
        code_at_end = code_fingerprint()
        changed = sorted(f for f in set(code_at_start["mtimes"]) | set(code_at_end["mtimes"])
                         if code_at_start["mtimes"].get(f) != code_at_end["mtimes"].get(f))
        if changed:
            log(f"WARNING: zhengxie/textindex changed during the run ({', '.join(changed)}); "
                f"figures are for the code loaded at start ({code_at_start['sha256']})")
        report: dict[str, Any] = {
            "command": command,
            "code": {"sha256_at_start": code_at_start["sha256"], "mtimes_at_start": code_at_start["mtimes"],
                     "changed_during_run": changed, "bands": features.BANDS, "rows": features.ROWS,
                     "candidates": selectors.CANDIDATES},
            "mode": "existing" if args.existing else "generated",
            "database": "postgres" if args.existing else args.database,
            "database_name": pg.name if pg is not None else None,
            "database_server": server,
            "docs": n_docs,
            "committees": n_committees,
            "units_per_committee": units_per_committee,
            "existing_database": existing,
            "queries_per_cell": args.queries,
            "warmup_per_cell": WARMUP,
            "seed": SEED,
            "termstats": termstats,
            "indexing": indexing,
            "analyze_seconds": analyze_s,
            "sizes": size,
            "queries": queries,
            "memory": memory,
            "explain": explain,
            "machine": machine(),
            "load_average_before": load_before,
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "started_at": started_at,
            "wall_time_s": round(time.monotonic() - started, 1),
            "notes": [
                "Times are wall-clock in the bench process (perf_counter), including Python and the database.",
                "settings.DEBUG is switched off once Django is set up so that Django does not keep every "
                "statement (as production workers run).",
                "search across all committees = selectors.search's calls with scope [[scope_token('k', kind)]].",
                "similar uses exclude=(kind, object_id) of the random document, as the item page does.",
            ] + ([
                f"Existing database {pg.name if pg else ''}: not re-created, migrated or indexed by the bench; "
                "indexing was not measured. Queries run as a proposal-office clerk (role proposal_staff, the "
                "permissions accounts.permissions.ROLE_PERMS gives it) of each committee that has proposal "
                "documents; the bench's user is deleted at the end. VACUUM (ANALYZE) ran on the textindex tables "
                "first.",
                "Search strings are cut from the titles of bench/data/eval_proposals.jsonl, the corpus seed_demo "
                "recombines its proposals from.",
            ] if args.existing else []),
        }
        report["verdicts"] = verdicts(report)
        write_report(Path(args.output), report)
    except BenchError as exc:
        log(f"ERROR: {exc}")
        return 2
    finally:
        if pg is not None:
            with suppress(Exception):
                from django.db import connections

                connections.close_all()
            pg.release()
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    failed = [v for v in report["verdicts"] if not v["pass"]]
    print()
    ix = report["indexing"]
    if ix is None:
        print(f"{report['docs']:,} documents in existing database {report['database_name']} · "
              f"{report['committees']} committees with documents · {report['database_server']}")
    else:
        print(f"{ix['documents']:,} documents indexed"
              + (f" (of {args.docs:,} requested: stopped early)" if ix["stopped_early"] else "")
              + f" · {args.committees} committees · {report['database_server']}")
    for v in report["verdicts"]:
        print(f"  {'PASS' if v['pass'] else 'FAIL'}  {v['figure']:<45} {v['value']:>10} {v['unit']:<8} target {v['target']}")
    if ix is None:
        print(f"  ----  {INDEXING_NOT_MEASURED}")
    print(f"report: {args.output}.json, {args.output}.md")
    return 1 if (failed and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
