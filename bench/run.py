#!/usr/bin/env python3
"""Load benchmark: gunicorn + PostgreSQL (or SQLite) + demo data + the locust scenario, on loopback only.

    .venv/bin/python bench/run.py --scale province --seconds 120 [--users 20] [--output bench/results/latest]
    .venv/bin/python bench/run.py --scenario proposals [--database sqlite --scale city] [--users 50]

1. Database. PostgreSQL (default): the scratch database named in BENCH_POSTGRES_URL (default
   postgres://postgres@127.0.0.1:5432/zhengxie_bench) is reused when it already holds the requested
   scale seeded by the same demo code and migrations (a marker table records both); otherwise it is
   dropped, created, migrated and seeded with `seed_demo --scale <scale>` (within --seed-timeout).
   --database sqlite uses a fresh SQLite file in a temporary folder instead, or with --sqlite-file a
   file that is reused the same way.
   The proposals scenario then runs bench/proposals_setup.py on it: deletes what earlier runs
   submitted and gives the busiest member and unit clerk accounts the demo password (their pools).
2. Server. gunicorn `zhengxie.wsgi` with production settings (debug off, a random secret key, plain-HTTP
   cookies) on a free port of 127.0.0.1, sync workers (2 × cores + 1 by default); waits for /healthz.
3. Load. locust runs the --scenario's locustfile headless against that server (members:
   bench/locustfile.py, proposals: bench/locust_proposals.py): --users users log in (the ramp-up),
   then every endpoint is measured for --seconds and the scenario stops itself.
4. Report. Per-endpoint p50/p95/p99 and requests/s go to <output>.json and <output>.md; for a scenario
   with speed targets (proposals), each target beside its figure, and the proposals in the database.

Exits 0 when every request got the answer it should, 1 when any failed, 2 when the bench itself
could not run (no PostgreSQL, server did not start …). Every process it starts runs in its own
process group and is stopped on the way out, whatever happens.
"""

from __future__ import annotations

import argparse
import ast
import csv
import datetime as dt
import hashlib
import json
import math
import os
import platform
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import suppress
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILES = {"members": ROOT / "bench" / "locustfile.py",
               "proposals": ROOT / "bench" / "locust_proposals.py",
               "opinions": ROOT / "bench" / "locust_opinions.py"}
LOCUSTFILE = LOCUSTFILES["members"]
PROPOSALS_SETUP = ROOT / "bench" / "proposals_setup.py"
# The script that opens a scenario's accounts (and tidies up after earlier runs), by scenario.
SETUP_SCRIPTS = {"proposals": PROPOSALS_SETUP, "opinions": ROOT / "bench" / "opinions_setup.py"}
GUNICORN_TIMING = ROOT / "bench" / "gunicorn_timing.py"  # per-request CPU time in the workers
BENCH_MARK = "【压测】"  # titles of the proposals the proposals scenario submits (bench/proposals_setup.py)
DEFAULT_USERS = {"members": 20, "proposals": 50, "opinions": 30}
DEFAULT_OUTPUT = ROOT / "bench" / "results" / "latest"
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/zhengxie_bench"
LOOPBACK = "127.0.0.1"
LOCAL_DB_HOSTS = {"", "127.0.0.1", "localhost", "::1"}
MARKER_TABLE = "zhengxie_bench_marker"
BENCH_LOCK_KEY = 0x7A78_6265  # pg_advisory_lock key ("zxbe"): one bench at a time per PostgreSQL server
DEMO_SEED = 2026  # seed_demo's default; recorded in the marker
SCALES = ("county", "city", "province")
# Measured while every user logs in at once, not in the steady-state window (see bench/locustfile.py).
LOGIN_REQUESTS = ("GET /accounts/login/", "POST /accounts/login/", "POST /api/v1/auth/token")
# Lines of the server's log that mean something broke (Django logs 5xx as "Internal Server Error: …").
SERVER_ERROR_MARKS = ("Traceback", "Internal Server Error", "[ERROR]", "[CRITICAL]")


class BenchError(Exception):
    """The bench could not run (as opposed to: it ran and requests failed)."""


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---------------------------------------------------------------------------------------------
# Processes: each in its own process group, always stopped


class Processes:
    def __init__(self) -> None:
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, cmd: list[str], *, env: dict[str, str], logfile: Path) -> subprocess.Popen[bytes]:
        with logfile.open("ab") as out:
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        self.running.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
        """SIGTERM to the process group, then SIGKILL after `grace` seconds."""
        if proc.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        # Stragglers left in the group (a worker that outlived its master) go too.
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        if proc in self.running:
            self.running.remove(proc)

    def stop_all(self) -> None:
        for proc in reversed(list(self.running)):
            self.stop(proc)


def run_step(what: str, cmd: list[str], *, env: dict[str, str], logfile: Path, timeout: float,
             procs: Processes) -> None:
    """Run a setup command (migrate, seed) to completion within `timeout`, or fail with its log."""
    started = time.monotonic()
    proc = procs.start(cmd, env=env, logfile=logfile)
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        procs.stop(proc)
        raise BenchError(f"{what} took longer than {timeout:.0f} s; log: {tail(logfile)}") from None
    procs.stop(proc)
    if code != 0:
        raise BenchError(f"{what} failed (exit {code}):\n{tail(logfile)}")
    log(f"{what}: {time.monotonic() - started:.1f} s")


def tail(path: Path, lines: int = 30) -> str:
    with suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return "(no log)"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# Settings the server and manage.py run with


def production_env(var_dir: Path, database_url: str, *, demo: bool = False) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZHENGXIE_", "DATABASE_"))}
    env.update({
        "ZHENGXIE_DEBUG": "0",
        "ZHENGXIE_DEMO": "1" if demo else "0",  # seed_demo needs demo mode; the server runs without it
        "ZHENGXIE_SECRET_KEY": secrets.token_urlsafe(50),
        "ZHENGXIE_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "ZHENGXIE_SECURE_COOKIES": "0",  # plain HTTP on loopback
        "ZHENGXIE_VAR_DIR": str(var_dir),
        "ZHENGXIE_LOG_LEVEL": "WARNING",
        "DATABASE_URL": database_url,
        "PYTHONUNBUFFERED": "1",
    })
    return env


def manage(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "manage.py"), *args]


# The demo's 社情民意 are seeded in a step of their own (`seed_demo --only-opinions`, see
# `prepare_opinions`) with a marker of their own: changing them does not re-seed the proposals.
OPINIONS_DEMO = ("zhengxie/demo/opinions.py",)


def demo_fingerprint(scale: str) -> str:
    """What the seeded rows depend on: the scale and the demo builder (without the opinions step)."""
    h = hashlib.sha256(f"{scale}:{DEMO_SEED}".encode())
    for f in sorted((ROOT / "zhengxie" / "demo").rglob("*.py")):
        if "tests" in f.parts or "management" in f.parts or str(f.relative_to(ROOT)) in OPINIONS_DEMO:
            continue
        h.update(str(f.relative_to(ROOT)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def opinions_fingerprint(scale: str) -> str:
    """What the demo's 社情民意 step seeds depends on (besides the base demo and the migrations)."""
    h = hashlib.sha256(f"{scale}:{DEMO_SEED}:opinions".encode())
    for name in OPINIONS_DEMO:
        h.update((ROOT / name).read_bytes())
    return h.hexdigest()[:16]


def migrations_manifest() -> dict[str, str]:
    """Every migration file of the project with a hash of its text."""
    return {str(f.relative_to(ROOT)): hashlib.sha256(f.read_bytes()).hexdigest()[:16]
            for f in sorted(ROOT.glob("zhengxie/*/migrations/*.py"))}


def fingerprint(scale: str) -> str:
    """The demo builder and every migration (SQLite files: re-seeded when either changed)."""
    manifest = json.dumps(migrations_manifest(), sort_keys=True)
    return hashlib.sha256(f"{demo_fingerprint(scale)}:{manifest}".encode()).hexdigest()[:16]


def migrations_verdict(recorded: dict[str, str] | None) -> tuple[str, list[str]]:
    """("same" | "new" | "changed", files): compared with the migrations the database was seeded or last
    migrated with. Only new files can be applied in place, as an upgrade of a deployment would; an edited
    or removed migration means the data may not match the code any more."""
    if recorded is None:
        return "changed", []
    current = migrations_manifest()
    changed = sorted(f for f, h in recorded.items() if current.get(f) != h)
    if changed:
        return "changed", changed
    added = sorted(set(current) - set(recorded))
    return ("new", added) if added else ("same", [])


# ---------------------------------------------------------------------------------------------
# Databases


COUNTS_SQL = {
    "committees": "SELECT count(*) FROM org_committee",
    "members": "SELECT count(*) FROM members_member",
    "units": "SELECT count(*) FROM org_unit",
    "accounts": "SELECT count(*) FROM accounts_user",
    "audit_events": "SELECT count(*) FROM audit_event",
    "proposals": "SELECT count(*) FROM proposals_proposal",
    "opinions": "SELECT count(*) FROM opinions_opinion",
}
# The committee the demo accounts work in: every request of the scenario is scoped to it.
PRIMARY_SQL = ("SELECT c.short_name, (SELECT count(*) FROM members_member m WHERE m.committee_id = c.id) "
               "FROM org_committee c JOIN accounts_rolegrant g ON g.committee_id = c.id "
               "JOIN accounts_user u ON u.id = g.user_id WHERE u.username = 'member' LIMIT 1")


def read_counts(cursor: Any) -> dict[str, Any]:
    counts: dict[str, Any] = {}
    for key, sql in COUNTS_SQL.items():
        try:
            cursor.execute(sql)
            counts[key] = cursor.fetchone()[0]
        except Exception:  # a table renamed by a later migration: leave that count out
            if hasattr(cursor, "connection") and hasattr(cursor.connection, "rollback"):
                cursor.connection.rollback()
    with suppress(Exception):
        cursor.execute(PRIMARY_SQL)
        row = cursor.fetchone()
        if row:
            counts["primary_committee"], counts["primary_members"] = row[0], row[1]
    return counts


def psycopg_errors() -> Any:
    from psycopg import errors

    return errors


class Postgres:
    def __init__(self, url: str):
        parsed = urlparse(url)
        if parsed.scheme not in {"postgres", "postgresql", "pgsql"}:
            raise BenchError(f"BENCH_POSTGRES_URL must be a postgres:// URL, got {url!r}")
        if (parsed.hostname or "") not in LOCAL_DB_HOSTS:
            raise BenchError(f"the bench runs on loopback only; BENCH_POSTGRES_URL points at "
                             f"{parsed.hostname!r}")
        self.name = unquote(parsed.path.lstrip("/")) or "zhengxie_bench"
        if "bench" not in self.name:
            # This database is dropped and re-created: never let a typo point it at real data.
            raise BenchError(f"the bench database is dropped and re-created, so its name must contain "
                             f"'bench' (got {self.name!r}); set BENCH_POSTGRES_URL=…/zhengxie_bench")
        self.url = parsed._replace(path="/" + self.name).geturl()
        self.host = parsed.hostname or LOOPBACK
        self.port = parsed.port or 5432
        self.user = unquote(parsed.username or "")
        self.password = unquote(parsed.password or "")
        self.options = dict(p.split("=", 1) for p in parsed.query.split("&") if "=" in p)

    def connect(self, dbname: str) -> Any:
        import psycopg

        kwargs: dict[str, Any] = {"host": self.host, "port": self.port, "dbname": dbname,
                                  "connect_timeout": 5, "autocommit": True, **self.options}
        if self.user:
            kwargs["user"] = self.user
        if self.password:
            kwargs["password"] = self.password
        return psycopg.connect(**kwargs)

    def admin_connection(self) -> Any:
        import psycopg

        try:
            return self.connect("postgres")
        except psycopg.OperationalError as exc:
            if "does not exist" in str(exc):
                return self.connect("template1")
            raise BenchError(
                f"PostgreSQL is not reachable at {self.host}:{self.port} as {self.user or '(default user)'}: "
                f"{str(exc).strip()}\nStart it (e.g. `pg_ctlcluster 15 main start`), point "
                f"BENCH_POSTGRES_URL at a running server, or run with --database sqlite."
            ) from None

    def lock(self) -> Any:
        """A session-level advisory lock, held by the returned connection until it is closed: two
        benches at once would drop each other's database (and skew each other's figures)."""
        conn = self.admin_connection()
        if not conn.execute("SELECT pg_try_advisory_lock(%s)", (BENCH_LOCK_KEY,)).fetchone()[0]:
            conn.close()
            raise BenchError(f"another bench run is using {self.name} on this PostgreSQL server; "
                             f"wait for it to finish")
        return conn

    def exists(self) -> bool:
        with self.admin_connection() as conn:
            row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.name,)).fetchone()
            return row is not None

    def marker(self) -> dict[str, Any] | None:
        with self.connect(self.name) as conn:
            if conn.execute("SELECT to_regclass(%s)", (MARKER_TABLE,)).fetchone()[0] is None:
                return None
            try:
                row = conn.execute(f"SELECT scale, fingerprint, committees, members, seeded_at, migrations "
                                   f"FROM {MARKER_TABLE}").fetchone()
            except psycopg_errors().UndefinedColumn:
                return None  # a marker of an older bench: seeded again
            if row is None:
                return None
            committees = conn.execute("SELECT count(*) FROM org_committee").fetchone()[0]
            return {"scale": row[0], "fingerprint": row[1], "committees": row[2], "members": row[3],
                    "seeded_at": row[4], "migrations": json.loads(row[5]) if row[5] else None,
                    "committees_now": committees}

    def recreate(self) -> None:
        from psycopg import sql

        with self.admin_connection() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name)))
            conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(
                sql.Identifier(self.name)))

    def write_marker(self, scale: str, fp: str, manifest: dict[str, str]) -> None:
        """`manifest`: the migrations as they were when the database was migrated (the code may have
        changed while it was being seeded)."""
        with self.connect(self.name) as conn:
            counts = read_counts(conn.cursor())
            conn.execute(f"CREATE TABLE {MARKER_TABLE} (scale text, fingerprint text, committees int, "
                         f"members int, seeded_at timestamptz DEFAULT now(), migrations text)")
            conn.execute(f"INSERT INTO {MARKER_TABLE} (scale, fingerprint, committees, members, migrations) "
                         f"VALUES (%s, %s, %s, %s, %s)",
                         (scale, fp, counts.get("committees"), counts.get("members"),
                          json.dumps(manifest, sort_keys=True)))

    def record_migrations(self) -> None:
        with self.connect(self.name) as conn:
            conn.execute(f"UPDATE {MARKER_TABLE} SET migrations = %s",
                         (json.dumps(migrations_manifest(), sort_keys=True),))

    def vacuum_analyze(self) -> None:
        """After the bulk load, what a deployment's maintenance would have done long before anyone measured
        it: visibility maps and planner statistics for every table. Without it the first runs measure
        autovacuum catching up with millions of fresh rows, and plans made on empty-table estimates."""
        with self.connect(self.name) as conn:
            conn.execute("VACUUM (ANALYZE)")

    def wait_for_autovacuum(self, limit: float = 300.0) -> float:
        """Wait (at most `limit` s) until no autovacuum worker is busy in the bench database; the seconds
        waited. A run of a few minutes right after a big earlier run would otherwise share the cores
        with the clean-up of that run's writes."""
        started = time.monotonic()
        with self.connect(self.name) as conn:
            while time.monotonic() - started < limit:
                busy = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker' "
                    "AND datname = current_database()").fetchone()[0]
                if not busy:
                    break
                time.sleep(2)
        return time.monotonic() - started

    def tidy(self) -> None:
        """Leftovers of earlier runs that would change this one: login lockouts (a run with a wrong
        password locks the demo accounts for 15 minutes) and the sessions of earlier runs."""
        with self.connect(self.name) as conn:
            for table in ("accounts_loginthrottle", "django_session"):
                with suppress(Exception):
                    conn.execute(f"DELETE FROM {table}")

    def counts(self) -> dict[str, Any]:
        with self.connect(self.name) as conn:
            counts = read_counts(conn.cursor())
            counts["server"] = conn.execute("SHOW server_version").fetchone()[0]
            return counts


def prepare_postgres(args: argparse.Namespace, tmp: Path, procs: Processes,
                     held: list[Any]) -> tuple[str, dict[str, Any]]:
    pg = Postgres(os.environ.get("BENCH_POSTGRES_URL") or DEFAULT_POSTGRES_URL)
    fp = demo_fingerprint(args.scale)
    held.append(pg.lock())  # also tells us, clearly, whether PostgreSQL is reachable at all
    marker = pg.marker() if pg.exists() and not args.reseed else None
    verdict, files = migrations_verdict(marker["migrations"] if marker else None)
    env = production_env(tmp / "var", pg.url, demo=True)
    if (marker and marker["scale"] == args.scale and marker["fingerprint"] == fp
            and marker["committees"] == marker["committees_now"] and verdict != "changed"):
        log(f"reusing database {pg.name} ({args.scale}, seeded {marker['seeded_at']:%Y-%m-%d %H:%M}; "
            f"--reseed to start over)")
        if verdict == "new":
            # What upgrading a deployment does: the new migrations run on the data as it is.
            step_started = time.monotonic()
            run_step("migrate (new migrations: " + ", ".join(Path(f).name for f in files) + ")",
                     manage("migrate", "--noinput"), env=env, logfile=tmp / "setup.log", timeout=1800,
                     procs=procs)
            pg.vacuum_analyze()
            pg.record_migrations()
            log(f"applied {len(files)} new migration(s) in place and analysed: "
                f"{time.monotonic() - step_started:.1f} s")
    else:
        why = ("--reseed" if args.reseed else "no bench data yet" if marker is None
               else f"it holds {marker['scale']}" if marker["scale"] != args.scale
               else "demo code changed" if marker["fingerprint"] != fp
               else "a migration it was seeded with changed: " + ", ".join(files) if verdict == "changed"
               else "its data changed")
        log(f"re-creating database {pg.name} on {pg.host}:{pg.port} ({why})")
        pg.recreate()
        manifest = migrations_manifest()
        run_step("migrate", manage("migrate", "--noinput"), env=env, logfile=tmp / "setup.log",
                 timeout=600, procs=procs)
        run_step(f"seed_demo --scale {args.scale} --without-opinions",
                 manage("seed_demo", "--scale", args.scale, "--without-opinions"), env=env,
                 logfile=tmp / "setup.log", timeout=args.seed_timeout, procs=procs)
        step_started = time.monotonic()
        pg.vacuum_analyze()
        log(f"VACUUM (ANALYZE) after seeding: {time.monotonic() - step_started:.1f} s")
        pg.write_marker(args.scale, fp, manifest)
    if args.with_opinions:
        prepare_opinions(args, pg, tmp, procs)
    pg.tidy()
    waited = pg.wait_for_autovacuum()
    if waited >= 2:
        log(f"waited {waited:.0f} s for autovacuum to finish in {pg.name}")
    return pg.url, pg.counts()


OPINIONS_MARKER = "zhengxie_bench_opinions_marker"


def prepare_opinions(args: argparse.Namespace, pg: Postgres, tmp: Path, procs: Processes) -> None:
    """The demo's 社情民意 on top of the seeded base (`seed_demo --only-opinions`), once: a marker table of
    its own records the opinions demo code they were seeded with."""
    fp = opinions_fingerprint(args.scale)
    with pg.connect(pg.name) as conn:
        has_marker = conn.execute("SELECT to_regclass(%s)", (OPINIONS_MARKER,)).fetchone()[0] is not None
        seeded = conn.execute(f"SELECT fingerprint, seeded_at FROM {OPINIONS_MARKER}").fetchone() if has_marker \
            else None
        items = conn.execute("SELECT count(*) FROM opinions_opinion").fetchone()[0]
    if seeded and seeded[0] == fp:
        log(f"reusing the 社情民意 in {pg.name} ({items} items, seeded {seeded[1]:%Y-%m-%d %H:%M})")
        return
    if items:
        raise BenchError(f"{pg.name} holds 社情民意 seeded by other demo code ({items} items): run with --reseed")
    env = production_env(tmp / "var", pg.url, demo=True)
    run_step(f"seed_demo --scale {args.scale} --only-opinions",
             manage("seed_demo", "--scale", args.scale, "--only-opinions"), env=env, logfile=tmp / "setup.log",
             timeout=args.seed_timeout, procs=procs)
    started = time.monotonic()
    pg.vacuum_analyze()
    log(f"VACUUM (ANALYZE) after seeding the 社情民意: {time.monotonic() - started:.1f} s")
    with pg.connect(pg.name) as conn:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {OPINIONS_MARKER} (fingerprint text, "
                     f"seeded_at timestamptz DEFAULT now())")
        conn.execute(f"INSERT INTO {OPINIONS_MARKER} (fingerprint) VALUES (%s)", (fp,))


def prepare_sqlite(args: argparse.Namespace, tmp: Path, procs: Processes) -> tuple[str, dict[str, Any]]:
    """A fresh SQLite file in the temporary folder, or --sqlite-file: reused when its marker table says
    it holds this scale seeded by the current demo code and migrations, else re-created."""
    import sqlite3

    path = Path(args.sqlite_file).resolve() if args.sqlite_file else tmp / "bench.sqlite3"
    url = f"sqlite:///{path}"  # sqlite:////abs/path (path is absolute)
    fp = fingerprint(args.scale)
    marker = sqlite_marker(path) if args.sqlite_file and path.exists() and not args.reseed else None
    if marker and marker["scale"] == args.scale and marker["fingerprint"] == fp:
        log(f"reusing SQLite database {path} ({args.scale}, seeded {marker['seeded_at']}; "
            f"--reseed to start over)")
    else:
        if args.sqlite_file:
            why = ("--reseed" if args.reseed else "no bench data yet" if marker is None
                   else f"it holds {marker['scale']}" if marker["scale"] != args.scale
                   else "demo code or migrations changed")
            log(f"re-creating SQLite database {path} ({why})")
            for suffix in ("", "-wal", "-shm", "-journal"):
                with suppress(FileNotFoundError):
                    Path(f"{path}{suffix}").unlink()
            path.parent.mkdir(parents=True, exist_ok=True)
        else:
            log(f"fresh SQLite database in {path}")
        env = production_env(tmp / "var", url, demo=True)
        run_step("migrate", manage("migrate", "--noinput"), env=env, logfile=tmp / "setup.log", timeout=600,
                 procs=procs)
        run_step(f"seed_demo --scale {args.scale}", manage("seed_demo", "--scale", args.scale), env=env,
                 logfile=tmp / "setup.log", timeout=args.seed_timeout, procs=procs)
        conn = sqlite3.connect(path)
        try:
            conn.execute(f"CREATE TABLE {MARKER_TABLE} (scale text, fingerprint text, seeded_at text)")
            conn.execute(f"INSERT INTO {MARKER_TABLE} VALUES (?, ?, ?)",
                         (args.scale, fp, dt.datetime.now().strftime("%Y-%m-%d %H:%M")))
            conn.commit()
        finally:
            conn.close()
    conn = sqlite3.connect(path)
    try:
        # As on PostgreSQL: no lockouts or sessions left over from an earlier run.
        for table in ("accounts_loginthrottle", "django_session"):
            with suppress(sqlite3.Error):
                conn.execute(f"DELETE FROM {table}")
        conn.commit()
        counts = read_counts(conn.cursor())
        counts["server"] = "SQLite " + sqlite3.sqlite_version
    finally:
        conn.close()
    return url, counts


def sqlite_marker(path: Path) -> dict[str, Any] | None:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        row = conn.execute(f"SELECT scale, fingerprint, seeded_at FROM {MARKER_TABLE}").fetchone()
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    return {"scale": row[0], "fingerprint": row[1], "seeded_at": row[2]} if row else None


def prepare_accounts(args: argparse.Namespace, database_url: str, tmp: Path) -> dict[str, Any]:
    """The scenario's setup script (SETUP_SCRIPTS) on the bench database: tidy up after earlier runs, open
    the accounts the scenario logs in as; its JSON (the account pools) goes to tmp/accounts.json for the
    locustfile."""
    env = production_env(tmp / "var", database_url)
    out = tmp / "accounts.json"
    script = SETUP_SCRIPTS[args.scenario]
    cmd = [sys.executable, str(script)] + (["--members", str(max(60, args.users))]
                                           if args.scenario == "proposals" else ["--editors", str(args.users)])
    started = time.monotonic()
    with out.open("wb") as stdout, (tmp / "setup.log").open("ab") as stderr:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL,
                              timeout=600, start_new_session=True)
    if proc.returncode != 0:
        raise BenchError(f"{script.name} failed (exit {proc.returncode}):\n{tail(tmp / 'setup.log')}")
    try:
        pools = json.loads(out.read_text())
    except ValueError:
        raise BenchError(f"{script.name} printed no account list:\n{tail(out)}") from None
    if args.scenario == "opinions":
        log(f"opinions setup: {len(pools['editor'])} editor accounts of {pools['committees']} committees "
            f"({pools['opened']} opened); {time.monotonic() - started:.1f} s")
        return pools
    log(f"proposals setup: {pools['tidied']} proposals of earlier runs deleted, "
        + ", ".join(f"{len(pools[k])} {k}" for k in ("member", "unit", "clerk", "leader"))
        + f" accounts ({pools['opened']} opened) in {pools['committee']}; {time.monotonic() - started:.1f} s")
    return pools


def count_proposals(database_url: str) -> dict[str, int]:
    """Rows of proposals_proposal now (the report proves the data's size with it), and how many of them
    this scenario submitted."""
    sql = ("SELECT count(*), sum(CASE WHEN title LIKE '" + BENCH_MARK + "%%' THEN 1 ELSE 0 END) "
           "FROM proposals_proposal")
    parsed = urlparse(database_url)
    with suppress(Exception):
        if parsed.scheme == "sqlite":
            import sqlite3

            path = unquote(parsed.path)
            conn = sqlite3.connect(path[1:] if path.startswith("//") else path)
            try:
                row = conn.execute(sql).fetchone()
            finally:
                conn.close()
        else:
            with Postgres(database_url).connect(unquote(parsed.path.lstrip("/"))) as conn:
                row = conn.execute(sql).fetchone()
        return {"proposals": int(row[0]), "submitted_by_this_run": int(row[1] or 0)}
    return {}


# ---------------------------------------------------------------------------------------------
# Server and load


def gunicorn_has(option: str) -> bool:
    out = subprocess.run([sys.executable, "-m", "gunicorn", "--help"], capture_output=True, text=True,
                         timeout=60)
    return option in out.stdout


def start_server(args: argparse.Namespace, database_url: str, tmp: Path,
                 procs: Processes) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    env = production_env(tmp / "var", database_url)
    (tmp / "timing").mkdir(exist_ok=True)
    env["BENCH_TIMING_DIR"] = str(tmp / "timing")
    cmd = [sys.executable, "-m", "gunicorn", "zhengxie.wsgi:application", "-c", str(GUNICORN_TIMING),
           "--bind", f"{LOOPBACK}:{port}", "--workers", str(args.workers),
           "--worker-class", args.worker_class, "--timeout", "60", "--graceful-timeout", "5",
           "--log-level", "warning", "--error-logfile", "-"]
    if args.worker_class == "gthread":
        cmd += ["--threads", str(args.threads)]
    if gunicorn_has("--no-control-socket"):
        # gunicorn 27+ opens a control socket at ~/.gunicorn/gunicorn.ctl by default, shared with any
        # other gunicorn of the same user (a developer's server, the E2E tests): not ours to take.
        cmd += ["--no-control-socket"]
    logfile = tmp / "gunicorn.log"
    proc = procs.start(cmd, env=env, logfile=logfile)
    base = f"http://{LOOPBACK}:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"gunicorn exited with {proc.returncode} before answering /healthz:\n"
                             f"{tail(logfile)}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                if r.status == 200:
                    log(f"gunicorn up on {base} ({args.workers} {args.worker_class} workers"
                        + (f" × {args.threads} threads" if args.worker_class == "gthread" else "") + ")")
                    return base, proc
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.25)
    raise BenchError(f"gunicorn did not answer /healthz within 60 s:\n{tail(logfile)}")


RAMP_ALLOWANCE_S = 120  # logins must all be done within this; locust's -t is seconds + this


class CpuMeter:
    """CPU seconds used by the server's processes (the gunicorn process group and, on PostgreSQL, the
    backends serving the bench database), read from /proc. Unlike response times, CPU per request
    hardly depends on what else the machine is doing, so it compares across runs and machines."""

    def __init__(self, server_pgid: int, pg_conn: Any = None, dbname: str = ""):
        self.server_pgid, self.pg_conn, self.dbname = server_pgid, pg_conn, dbname
        self.clock = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def _stat(self, pid: int) -> tuple[int, float] | None:
        """(process group, user+system CPU seconds) of a process, or None when it is gone."""
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        return int(fields[2]), (int(fields[11]) + int(fields[12])) / self.clock

    def _backends(self) -> list[int]:
        if self.pg_conn is None:
            return []
        with suppress(Exception):
            rows = self.pg_conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s",
                                        (self.dbname,)).fetchall()
            return [r[0] for r in rows]
        return []

    def _read(self) -> dict[tuple[str, int], float]:
        now: dict[tuple[str, int], float] = {}
        with suppress(OSError):
            for entry in os.scandir("/proc"):
                if entry.name.isdigit():
                    st = self._stat(int(entry.name))
                    if st and st[0] == self.server_pgid:
                        now["server", int(entry.name)] = st[1]
        for pid in self._backends():
            st = self._stat(pid)
            if st:
                now["database", pid] = st[1]
        return now

    def start(self) -> None:
        """Open the window: what every process has used so far is not counted."""
        self.first = self._read()
        self.last = dict(self.first)
        self.loads: list[float] = []

    def poll(self) -> None:
        """Called every half second: backends come and go (Django reconnects every
        DATABASE_CONN_MAX_AGE seconds), so the last reading of each is kept while it is alive."""
        if not hasattr(self, "first"):
            return
        self.loads.append(os.getloadavg()[0])
        for key, seconds in self._read().items():
            self.first.setdefault(key, 0.0)  # started inside the window
            self.last[key] = seconds

    def used(self) -> dict[str, float]:
        """CPU seconds in the window, by kind ("server", "database")."""
        out = {"server": 0.0, "database": 0.0} if hasattr(self, "first") else {}
        for (kind, pid), seconds in getattr(self, "last", {}).items():
            out[kind] += seconds - self.first[kind, pid]
        return {kind: round(v, 2) for kind, v in out.items()}

    def load_average(self) -> dict[str, float]:
        """The 1-minute load average over the window (sampled every half second): mean and highest."""
        loads = getattr(self, "loads", [])
        if not loads:
            return {}
        return {"mean_1min": round(sum(loads) / len(loads), 2), "max_1min": round(max(loads), 2)}


def run_locust(args: argparse.Namespace, base: str, tmp: Path, procs: Processes,
               cpu: CpuMeter) -> tuple[Path, dict[str, Any]]:
    """Run the scenario; it measures for args.seconds once every user has logged in, then stops."""
    prefix = tmp / "locust"
    window_file = tmp / "window.json"
    flows_file = tmp / "flows.json"
    env = dict(os.environ)
    env.update({"BENCH_WAIT": args.wait, "BENCH_WRITES": "0" if args.no_writes else "1",
                "BENCH_MEASURE_SECONDS": str(args.seconds), "BENCH_WINDOW_FILE": str(window_file),
                "BENCH_WARMUP_SECONDS": str(args.warmup),
                "BENCH_FLOWS_FILE": str(flows_file), "PYTHONUNBUFFERED": "1"})
    if (tmp / "accounts.json").exists():
        env["BENCH_ACCOUNTS_FILE"] = str(tmp / "accounts.json")
    cap = args.seconds + args.warmup + RAMP_ALLOWANCE_S
    cmd = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILES[args.scenario]), "--headless",
           "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{cap}s",
           "--host", base, "--csv", str(prefix), "--only-summary", "--stop-timeout", "10",
           "--loglevel", "WARNING"]
    logfile = tmp / "locust.log"
    log(f"locust: {args.users} users (+{args.spawn_rate:g}/s), measuring {args.seconds} s once all have "
        f"logged in and worked {args.warmup} s, think time {args.wait} s")
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = procs.start(cmd, env=env, logfile=logfile)
    deadline = time.monotonic() + cap + 60
    window_open = False
    while True:
        try:
            code = proc.wait(timeout=0.5)
            break
        except subprocess.TimeoutExpired:
            if not window_open and window_file.exists():
                cpu.start()
                window_open = True
            cpu.poll()
            if time.monotonic() > deadline:
                procs.stop(proc)
                raise BenchError(f"locust did not stop on its own within {cap + 60} s:\n"
                                 f"{tail(logfile)}") from None
    # The server is still up: what it (and its database backends) used in the measuring window, and
    # what locust (now exited and reaped) used in all, ramp-up included.
    cpu.poll()
    cpu_used = cpu.used()
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_used["locust_whole_run"] = round(children_after.ru_utime + children_after.ru_stime
                                         - children_before.ru_utime - children_before.ru_stime, 2)
    procs.stop(proc)
    stats = Path(f"{prefix}_stats.csv")
    # locust exits 1 when requests failed (we report those ourselves); anything else is a crash.
    if code not in (0, 1) or not stats.exists():
        raise BenchError(f"locust failed (exit {code}):\n{tail(logfile)}")
    window: dict[str, Any] = {}
    with suppress(OSError, ValueError):
        window = json.loads(window_file.read_text())
    # locust warns when its own process is CPU-bound: response times then include client-side waiting.
    window["locust_cpu_warning"] = "CPU usage above" in logfile.read_text(errors="replace")
    window["cpu_s"] = cpu_used
    window["load_average_during"] = cpu.load_average()
    with suppress(OSError, ValueError):
        window["flows"] = json.loads(flows_file.read_text())
    if "ramp_s" in window:
        log(f"all {window['users']} users logged in after {window['ramp_s']} s; warmed up {args.warmup} s; "
            f"measured {args.seconds} s")
    else:
        log(f"not every user logged in within {RAMP_ALLOWANCE_S} s: the statistics include the ramp-up")
    return prefix, window


# ---------------------------------------------------------------------------------------------
# Report


def _num(value: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def read_stats(prefix: Path) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    endpoints: dict[str, dict[str, Any]] = {}
    total: dict[str, Any] = {}
    with open(f"{prefix}_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            entry = {
                "requests": int(_num(row["Request Count"])),
                "failures": int(_num(row["Failure Count"])),
                "p50_ms": _num(row["50%"]),
                "p95_ms": _num(row["95%"]),
                "p99_ms": _num(row["99%"]),
                "avg_ms": round(_num(row["Average Response Time"]), 1),
                "max_ms": _num(row["Max Response Time"]),
                "rps": round(_num(row["Requests/s"]), 2),
            }
            if row["Name"] == "Aggregated":
                total = entry
            elif entry["requests"] or entry["failures"]:  # reset at the window and never used again: skip
                endpoints[row["Name"]] = entry
    return dict(sorted(endpoints.items())), total


def read_server_timing(folder: Path, since: float | None) -> dict[str, dict[str, Any]]:
    """Per endpoint, the CPU time (and the worker's own wall time) of the requests that ended in the
    measuring window, from bench/gunicorn_timing.py's files: p50 and p95 in milliseconds."""
    cpu: dict[str, list[float]] = {}
    wall: dict[str, list[float]] = {}
    for path in sorted(folder.glob("*.tsv")) if folder.is_dir() else []:
        with suppress(OSError):
            for line in path.read_text(errors="replace").splitlines():
                parts = line.split("\t")
                if len(parts) != 5:
                    continue
                with suppress(ValueError):
                    if since is not None and float(parts[0]) < since:
                        continue
                    cpu.setdefault(parts[1], []).append(float(parts[3]))
                    wall.setdefault(parts[1], []).append(float(parts[4]))
    out = {}
    for name, xs in sorted(cpu.items()):
        c, w = percentiles(xs), percentiles(wall[name])
        out[name] = {"requests": c["requests"], "cpu_p50_ms": c["p50_ms"], "cpu_p95_ms": c["p95_ms"],
                     "cpu_avg_ms": c["avg_ms"], "worker_wall_p50_ms": w["p50_ms"],
                     "worker_wall_p95_ms": w["p95_ms"]}
    return out


def read_failures(prefix: Path) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    with suppress(OSError), open(f"{prefix}_failures.csv", newline="") as f:
        for row in csv.DictReader(f):
            out.append({"name": row["Name"], "error": row["Error"], "count": int(_num(row["Occurrences"]))})
    with suppress(OSError), open(f"{prefix}_exceptions.csv", newline="") as f:
        for row in csv.DictReader(f):
            out.append({"name": "(exception in the scenario)", "error": row["Message"],
                        "count": int(_num(row["Count"]))})
    return out


def locustfile_constant(path: Path, name: str, default: Any) -> Any:
    """A literal assigned at the top of a locustfile (SCENARIO, TARGETS), read without importing it."""
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == name for t in node.targets):
            return ast.literal_eval(node.value)
    return default


def scenario_name(path: Path = LOCUSTFILE) -> str:
    return locustfile_constant(path, "SCENARIO", path.name)


def percentiles(samples: list[float]) -> dict[str, Any]:
    """Nearest-rank percentiles of response times measured by the scenario itself (not by locust)."""
    xs = sorted(samples)

    def rank(q: float) -> float:
        return round(xs[min(len(xs) - 1, max(0, math.ceil(q * len(xs)) - 1))], 1)

    if not xs:
        return {"requests": 0}
    return {"requests": len(xs), "p50_ms": rank(0.50), "p95_ms": rank(0.95), "p99_ms": rank(0.99),
            "avg_ms": round(sum(xs) / len(xs), 1), "max_ms": round(xs[-1], 1)}


def check_targets(targets: dict[str, Any], endpoints: dict[str, dict[str, Any]],
                  flows: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Each target of the scenario beside what was measured: p95 against the limit."""
    out = []
    for name, (limit, what) in targets.items():
        measured = endpoints.get(name) or flows.get(name) or {}
        p95 = measured.get("p95_ms")
        out.append({"name": name, "what": what, "p95_limit_ms": limit, "p95_ms": p95,
                    "p50_ms": measured.get("p50_ms"),
                    "requests": measured.get("requests"),
                    "passed": None if p95 is None else p95 < limit})
    return out


def machine() -> dict[str, Any]:
    cpu = ""
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gb = None
    with suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    return {"cores": cores(), "cpu": cpu, "memory_gb": mem_gb, "python": platform.python_version(),
            "os": platform.platform(terse=True)}


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def git_commit() -> str | None:
    if os.environ.get("BENCH_COMMIT"):  # given by the caller (CI), or to keep git out of it
        return os.environ["BENCH_COMMIT"]
    with suppress(Exception):
        # Read-only: --no-optional-locks keeps `git status` from taking the index lock of a shared tree.
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                             text=True, timeout=10)
        dirty = subprocess.run(
            ["git", "--no-optional-locks", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT, capture_output=True, text=True, timeout=10)
        if out.returncode == 0:
            return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    return None


def cpu_summary(cpu_s: dict[str, float], requests: int, n_cores: int) -> dict[str, Any]:
    """CPU used in the measuring window per request, and the throughput that implies for the cores."""
    out: dict[str, Any] = {
        "server_s": cpu_s.get("server"), "database_s": cpu_s.get("database"),
        "locust_whole_run_s": cpu_s.get("locust_whole_run"),
    }
    if requests and cpu_s.get("server") is not None:
        server_ms = 1000 * cpu_s["server"] / requests
        db_ms = 1000 * (cpu_s.get("database") or 0.0) / requests
        out["server_ms_per_request"] = round(server_ms, 1)
        out["database_ms_per_request"] = round(db_ms, 1)
        if server_ms + db_ms > 0:
            # An upper bound: all cores busy with nothing but this server and its database.
            out["capacity_rps_estimate"] = round(n_cores * 1000 / (server_ms + db_ms), 1)
    return out


def plural(n: Any, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def dataset_label(scale: str, counts: dict[str, Any]) -> str:
    label = (f"{scale}: {plural(counts.get('committees', '?'), 'committee')}, "
             f"{plural(counts.get('members', '?'), 'member')}")
    if "units" in counts:
        label += f", {plural(counts['units'], 'unit')}"
    if "proposals" in counts:
        n = counts["proposals"]
        label += f", {n:,} proposal" + ("" if n == 1 else "s")
    if counts.get("opinions"):
        label += f", {counts['opinions']:,} 社情民意 items"
    if "primary_committee" in counts:
        label += (f" (demo accounts in {counts['primary_committee']}, "
                  f"{counts['primary_members']} members)")
    return label


def write_report(output: Path, result: dict[str, Any], counts_by_endpoint: dict[str, dict[str, Any]]) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    json_path, md_path = Path(f"{output}.json"), Path(f"{output}.md")
    json_path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")

    def ms(v: float) -> str:
        return f"{v:.0f}"

    total, box = result["total"], result["machine"]
    lines = [
        f"# Load test: {result['scenario']}",
        "",
        f"- **dataset**: {result['dataset']}",
        f"- **database**: {result['database']} ({result['database_server']}); server: gunicorn, "
        f"{result['gunicorn']['workers']} {result['gunicorn']['worker_class']} workers",
        f"- **load**: {result['users']} users, think time {result['think_time_s']} s, measured for "
        f"{result['duration_s']} s once all had logged in (ramp-up {result['ramp_up_s']} s) and worked "
        f"{result.get('warmup_s', 0)} s more (warm-up, not measured); "
        f"locust on the same machine ({box['cores']} cores, {box['cpu'] or 'cpu ?'})",
        f"- **total**: {total['requests']} requests, {result['total_rps']} requests/s, "
        f"p50 {ms(total['p50_ms'])} ms, p95 {ms(total['p95_ms'])} ms, p99 {ms(total['p99_ms'])} ms, "
        f"{result['failures']} failed",
        f"- started {result['started_at']}, commit {result['commit'] or '?'}",
    ]
    rows = result.get("proposals_at_report") or {}
    if rows:
        lines.insert(3, f"- **proposals in the database** when the report was written: {rows['proposals']:,} "
                        f"(`SELECT count(*) FROM proposals_proposal`; "
                        f"{rows['submitted_by_this_run']:,} of them submitted during this run)")
    during = result.get("load_average_during") or {}
    if during:
        lines.append(f"- **load average** (1 min) during the measuring window: mean {during['mean_1min']}, "
                     f"highest {during['max_1min']} on {box['cores']} cores (before the run "
                     f"{result['load_average_before'][0]}, after {result['load_average_after'][0]})")
    cpu = result["cpu"]
    if "server_ms_per_request" in cpu:
        where = (f"{cpu['server_ms_per_request']} ms in gunicorn, SQLite included"
                 if result["database"] == "sqlite" else
                 f"{cpu['server_ms_per_request']} ms in gunicorn + "
                 f"{cpu['database_ms_per_request']} ms in PostgreSQL")
        lines.append(
            f"- **CPU per request**: {where} → at most about "
            f"{cpu.get('capacity_rps_estimate', '?')} requests/s on {box['cores']} cores for this mix "
            f"(if nothing else ran)")
    busy = result["load_average_before"][0]
    if busy > result["machine"]["cores"] / 2:
        lines.append(f"- **warning**: the machine was already busy before the run (load average {busy:.1f} "
                     f"on {result['machine']['cores']} cores): the figures are pessimistic")
    if result["locust_cpu_warning"]:
        lines.append("- **warning**: locust itself ran out of CPU during the run; response times include "
                     "time the client took to get round to reading them")
    targets = result.get("targets") or []
    if targets:
        met = sum(1 for t in targets if t["passed"])
        lines += ["", f"## Speed targets: {met} of {len(targets)} met", "",
                  "| target | measured as | requests | p50 ms | p95 ms | p95 target | |",
                  "|---|---|---:|---:|---:|---:|---|"]
        for t in targets:
            verdict = "no data" if t["passed"] is None else "**pass**" if t["passed"] else "**FAIL**"
            fmt = (lambda v: "—" if v is None else ms(v))
            lines.append(f"| {t['what']} | `{t['name']}` | {t['requests'] or 0} | {fmt(t['p50_ms'])} | "
                         f"{fmt(t['p95_ms'])} | < {t['p95_limit_ms']} | {verdict} |")
    limits = {t["name"]: t["p95_limit_ms"] for t in targets}
    timing = result.get("server_timing") or {}
    lines += [
        "",
        "| endpoint | requests | rps | p50 ms | p95 ms | p99 ms | failures |"
        + (" p95 target |" if limits else "") + (" server CPU p50 / p95 ms |" if timing else ""),
        "|---|---:|---:|---:|---:|---:|---:|" + ("---:|" if limits else "") + ("---:|" if timing else ""),
    ]
    ramp = set(result["login_endpoints_measured_during_ramp_up"])

    def target(name: str, p95: float) -> str:
        if not limits:
            return ""
        if name not in limits:
            return " |"
        return f" < {limits[name]} {'✓' if p95 < limits[name] else '✗'} |"

    def cpu_cell(name: str) -> str:
        if not timing:
            return ""
        t = timing.get(name)
        return f" {t['cpu_p50_ms']:.0f} / {t['cpu_p95_ms']:.0f} |" if t else " |"

    for name, e in result["endpoints"].items():
        c = counts_by_endpoint[name]
        mark = " †" if name in ramp else ""
        lines.append(f"| `{name}`{mark} | {c['requests']} | {e['rps']:.2f} | {ms(e['p50_ms'])} | "
                     f"{ms(e['p95_ms'])} | {ms(e['p99_ms'])} | {c['failures']} |{target(name, e['p95_ms'])}"
                     f"{cpu_cell(name)}")
    for name, f in (result.get("flows") or {}).items():
        if f.get("requests"):
            lines.append(f"| *{name}* ‡ | {f['requests']} | | {ms(f['p50_ms'])} | {ms(f['p95_ms'])} | "
                         f"{ms(f['p99_ms'])} | |{target(name, f['p95_ms'])}" + (" |" if timing else ""))
    lines.append(f"| **all** | {total['requests']} | {result['total_rps']:.2f} | {ms(total['p50_ms'])} | "
                 f"{ms(total['p95_ms'])} | {ms(total['p99_ms'])} | {result['failures']} |"
                 + (" |" if limits else "") + (" |" if timing else ""))
    if result["failure_details"]:
        lines += ["", "## Failures", ""]
        lines += [f"- `{f['name']}` × {f['count']}: {f['error']}" for f in result["failure_details"]]
    lines += ["", "† logins, measured during the ramp-up while every user logs in at once (Argon2); "
              "the other rows and **all** cover the measuring window only.", ""]
    if timing:
        where = "SQLite included" if result["database"] == "sqlite" else "not the PostgreSQL backend's share"
        lines += ["**server CPU**: CPU time the gunicorn worker used for each request (one at a time per "
                  f"sync worker; {where}), p50 / p95 over the measuring window: what the page costs on an "
                  "idle box, whatever else ran.", ""]
    if result.get("flows"):
        lines += ["‡ not a request of its own: per submission started in the measuring window, the time of "
                  "its similarity check (`POST /search/similar/panel/` with the text) plus that of its "
                  "submit (`POST /proposals/new/ (submit)`), the two requests the server answers for one "
                  "submission; "
                  "exact nearest-rank percentiles over those sums, not counted in **all**.", ""]
    lines += ["Percentiles are locust's (rounded to two significant digits above 100 ms). "
              "See bench/README.md for how to read this.", ""]
    md_path.write_text("\n".join(lines))
    log(f"wrote {json_path.relative_to(ROOT) if json_path.is_relative_to(ROOT) else json_path} and "
        f"{md_path.relative_to(ROOT) if md_path.is_relative_to(ROOT) else md_path}")


# ---------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenario", choices=tuple(LOCUSTFILES), default="members",
                   help="members: the member directory, staff and units (bench/locustfile.py, the default); "
                        "proposals: the proposal system with the issue's speed targets "
                        "(bench/locust_proposals.py)")
    p.add_argument("--scale", choices=SCALES, default="province", help="demo data scale (default province)")
    p.add_argument("--seconds", type=int, default=120,
                   help="how long to measure, counted from when every user has logged in (default 120)")
    p.add_argument("--warmup", type=int, default=30, metavar="SECONDS",
                   help="seconds of work after the last login before measuring (default 30): each server "
                        "worker compiles its templates and fills its caches on its first requests")
    p.add_argument("--users", type=int, default=None,
                   help="simulated users (default 20; 50 with --scenario proposals)")
    p.add_argument("--spawn-rate", type=float, default=None,
                   help="users started per second (default users/5)")
    p.add_argument("--wait", default="0.5,2", metavar="MIN,MAX",
                   help="think time between a user's requests, seconds (default 0.5,2)")
    p.add_argument("--database", choices=("postgresql", "sqlite"), default="postgresql")
    p.add_argument("--reseed", action="store_true",
                   help="re-create the bench database (PostgreSQL, or --sqlite-file) even if it holds "
                        "this scale")
    p.add_argument("--sqlite-file", default=None, metavar="PATH",
                   help="with --database sqlite: keep the seeded database in PATH (its name must contain "
                        "'bench') and reuse it on the next run, like the PostgreSQL one; default: a fresh "
                        "file in a temporary folder, seeded every run")
    p.add_argument("--seed-timeout", type=int, default=None, metavar="SECONDS",
                   help="how long seed_demo may take (default 7200 for province, 1800 otherwise)")
    p.add_argument("--with-opinions", action="store_true",
                   help="PostgreSQL: also seed the demo's 社情民意 (once; bench/opinions.py measures them)")
    p.add_argument("--prepare-only", action="store_true",
                   help="seed (or check) the bench database and stop, without starting the server")
    p.add_argument("--workers", type=int, default=None, help="gunicorn workers (default 2 × cores + 1)")
    p.add_argument("--worker-class", choices=("sync", "gthread"), default="sync")
    p.add_argument("--threads", type=int, default=4, help="threads per worker with --worker-class gthread")
    p.add_argument("--no-writes", action="store_true",
                   help="leave out the writes: the admin's suspend/reinstate pair (members), the "
                        "submissions (proposals)")
    p.add_argument("--enforce-targets", action="store_true",
                   help="exit 1 when a speed target of the scenario (TARGETS in its locustfile) is missed; "
                        "by default a missed target is reported but only failed requests fail the run")
    p.add_argument("--output", default=str(DEFAULT_OUTPUT), metavar="PREFIX",
                   help="writes PREFIX.json and PREFIX.md (default bench/results/latest)")
    args = p.parse_args(argv)
    if args.users is None:
        args.users = DEFAULT_USERS[args.scenario]
    if args.seed_timeout is None:
        args.seed_timeout = 7200 if args.scale == "province" else 1800
    if args.seed_timeout < 1:
        p.error("--seed-timeout must be at least 1")
    if args.sqlite_file and args.database != "sqlite":
        p.error("--sqlite-file goes with --database sqlite")
    if args.sqlite_file and "bench" not in Path(args.sqlite_file).name:
        # The file is deleted and re-created when it holds something else: never let a typo point it
        # at real data.
        p.error("the --sqlite-file is deleted and re-created when it holds other data, so its name must "
                "contain 'bench' (e.g. var/bench-city.sqlite3)")
    if args.seconds < 5:
        p.error("--seconds must be at least 5")
    if args.users < 1:
        p.error("--users must be at least 1")
    try:
        lo, hi = (float(x) for x in args.wait.split(","))
        assert 0 <= lo <= hi
    except (ValueError, AssertionError):
        p.error("--wait must be MIN,MAX seconds with 0 <= MIN <= MAX")
    if args.scenario == "opinions":
        if args.database != "postgresql":
            p.error("--scenario opinions runs on PostgreSQL (the province's 1,000,000 items)")
        args.with_opinions = True
    args.workers = args.workers or 2 * cores() + 1
    args.spawn_rate = args.spawn_rate or max(1.0, args.users / 5)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    output = Path(args.output)
    if not output.is_absolute():
        output = Path.cwd() / output
    for module in ("locust", "gunicorn"):
        if subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True).returncode != 0:
            log(f"{module} is not installed in {sys.executable}: run `make install-bench` first")
            return 2

    # SIGTERM (CI timeout, `kill`) must still run the clean-up below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    procs = Processes()
    held: list[Any] = []  # connections holding the bench lock
    tmp = Path(tempfile.mkdtemp(prefix="zhengxie-bench-"))
    (tmp / "var").mkdir()
    started = time.monotonic()
    load_before = os.getloadavg()
    try:
        if args.database == "postgresql":
            database_url, counts = prepare_postgres(args, tmp, procs, held)
        else:
            database_url, counts = prepare_sqlite(args, tmp, procs)
        if args.prepare_only:
            log(f"prepared: {dataset_label(args.scale, counts)}")
            return 0
        pools = prepare_accounts(args, database_url, tmp) if args.scenario in SETUP_SCRIPTS else None
        if pools and "proposals" in counts:
            counts["proposals"] -= pools["tidied"]  # counted before the setup deleted them
        dataset = dataset_label(args.scale, counts)
        log(f"dataset {dataset}")
        base, server = start_server(args, database_url, tmp, procs)
        cpu = CpuMeter(server.pid, held[0] if held else None, urlparse(database_url).path.lstrip("/"))
        started_at = dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")
        prefix, window = run_locust(args, base, tmp, procs, cpu)
        procs.stop_all()  # the server too, before reading its log
        stats, total = read_stats(prefix)
        failures = read_failures(prefix)
        proposals_now = count_proposals(database_url) if args.scenario == "proposals" else {}
        server_timing = read_server_timing(tmp / "timing", window.get("opened_at"))
        server_errors = [line for line in (tmp / "gunicorn.log").read_text(errors="replace").splitlines()
                         if any(w in line for w in SERVER_ERROR_MARKS)]
    except BenchError as exc:
        log(f"ERROR: {exc}")
        return 2
    except KeyboardInterrupt:
        log("interrupted; stopping the server and locust")
        return 130
    finally:
        procs.stop_all()
        for conn in held:
            with suppress(Exception):
                conn.close()
        shutil.rmtree(tmp, ignore_errors=True)

    # Entries are reset when the measuring window opens; the failure log never is.
    failed = max(sum(e["failures"] for e in stats.values()),
                 sum(f["count"] for f in failures if f["name"] != "(exception in the scenario)"))
    exceptions = sum(f["count"] for f in failures if f["name"] == "(exception in the scenario)")
    locustfile = LOCUSTFILES[args.scenario]
    flows = {name: percentiles(samples) for name, samples in (window.get("flows") or {}).items()}
    result: dict[str, Any] = {
        "scenario": scenario_name(locustfile),
        "database": args.database,
        "dataset": dataset,
        "endpoints": {name: {k: e[k] for k in ("p50_ms", "p95_ms", "p99_ms", "rps")}
                      for name, e in stats.items()},
        "total_rps": total.get("rps", 0.0),
        "total": total,
        "endpoint_counts": {name: {k: e[k] for k in ("requests", "failures", "avg_ms", "max_ms")}
                            for name, e in stats.items()},
        "targets": check_targets(locustfile_constant(locustfile, "TARGETS", {}), stats, flows),
        "flows": flows,
        "server_timing": server_timing,
        "proposals_at_report": proposals_now,
        "failures": failed,
        "failure_details": failures,
        "server_errors": server_errors[:50],
        "duration_s": args.seconds,
        "ramp_up_s": window.get("ramp_s"),
        "locust_cpu_warning": window["locust_cpu_warning"],
        "login_endpoints_measured_during_ramp_up": [n for n in LOGIN_REQUESTS if n in stats],
        "users": args.users,
        "spawn_rate": args.spawn_rate,
        "think_time_s": args.wait,
        "warmup_s": args.warmup,
        "writes": not args.no_writes,
        "accounts": ({k: len(v) for k, v in pools.items() if isinstance(v, list)} if pools else None),
        "cpu": cpu_summary(window.get("cpu_s", {}), total.get("requests", 0), cores()),
        "gunicorn": {"workers": args.workers, "worker_class": args.worker_class,
                     "threads": args.threads if args.worker_class == "gthread" else 1},
        "database_server": counts.pop("server", ""),
        "counts": counts,
        "machine": machine(),
        # Other work on the machine skews the figures: the 1/5/15-minute load averages, before and after.
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "load_average_during": window.get("load_average_during") or {},
        "started_at": started_at,
        "wall_time_s": round(time.monotonic() - started, 1),
        "commit": git_commit(),
    }
    write_report(output, result, result["endpoint_counts"])
    print(Path(f"{output}.md").read_text())
    if failed or exceptions or not stats or server_errors or "ramp_s" not in window:
        log(f"FAILED: {failed} failed requests, {exceptions} scenario exceptions, "
            f"{len(server_errors)} server error lines" + ("" if stats else ", no requests at all"))
        return 1
    missed = [t["name"] for t in result["targets"] if t["passed"] is not True]
    if args.enforce_targets and missed:
        log(f"FAILED: speed targets missed (or not measured): {', '.join(missed)}")
        return 1
    log(f"OK: {total.get('requests', 0)} requests, none failed ({result['wall_time_s']} s in all)"
        + (f"; speed targets missed: {', '.join(missed)}" if missed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
