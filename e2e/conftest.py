"""The real server and a real browser for the end-to-end tests.

One server per test session (per xdist worker), started exactly as `make run` starts it: a fresh var dir,
demo mode, `migrate`, `seed_demo --scale county`, then `manage.py serve` (web + task worker + scheduler)
on a free port. Against PostgreSQL the server gets a scratch database of its own, because pytest-django
owns the test databases on that server. One Chromium per test module, one browser context per test, every
test on a desktop and a phone viewport. A failed test leaves a full-page screenshot in test-results/.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import unquote, urlparse, urlunparse

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from e2e import support

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "test-results"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
MISSING_CHROMIUM = (
    f"Debian's Chromium is missing at {CHROMIUM}; browser (E2E and accessibility) tests need it: "
    "apt-get install chromium chromium-driver fonts-noto-cjk"
)
STARTUP_TIMEOUT = 90.0
SEED_SCALE = "county"

DEVICES: dict[str, dict] = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}

_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()
_SERVER_LOG = pytest.StashKey[Path]()


def _chromium_present() -> bool:
    return os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)


def _require_chromium() -> None:
    # Only reached in CI (elsewhere the tests are skipped at collection): there a missing browser fails.
    if not _chromium_present():
        pytest.fail(MISSING_CHROMIUM + " (CI=true: browser tests are required)", pytrace=False)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Outside CI a machine without Chromium still runs the rest of the suite; in CI the browser
    # fixture fails instead, so a missing browser can never pass as green.
    if _chromium_present() or os.environ.get("CI") == "true":
        return
    skip = pytest.mark.skip(reason=MISSING_CHROMIUM)
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(skip)


def _screenshot_path(item: pytest.Item) -> Path:
    return RESULTS_DIR / (re.sub(r"[^\w.-]+", "-", item.name).strip("-") + ".png")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[pytest.TestReport]:
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    if report.failed and report.when == "call" and "page" in getattr(item, "fixturenames", ()):
        report.sections.append(("screenshot", str(_screenshot_path(item))))
        log = item.config.stash.get(_SERVER_LOG, None)
        if log is not None and log.exists():
            tail = log.read_text(errors="replace").splitlines()[-40:]
            report.sections.append(("server log (last 40 lines)", "\n".join(tail)))
    return report


# ---------------------------------------------------------------------------------------------
# The server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec hook so that the server gets SIGTERM if pytest itself is killed outright (Linux only)."""
    libc_name = ctypes.util.find_library("c") if sys.platform.startswith("linux") else None
    if libc_name is None:
        return None
    libc = ctypes.CDLL(libc_name, use_errno=True)

    def hook() -> None:
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    return hook


def _postgres_conninfo(url: str, dbname: str) -> dict:
    u = urlparse(url)
    return {"host": u.hostname or "127.0.0.1", "port": u.port or 5432, "dbname": dbname,
            "user": unquote(u.username or "") or None, "password": unquote(u.password or "") or None,
            "autocommit": True, "connect_timeout": 5}


def _postgres_admin(url: str, statement: str) -> None:
    """Run CREATE/DROP DATABASE (which cannot run in a transaction) from the server's maintenance database."""
    import psycopg

    try:
        conn = psycopg.connect(**_postgres_conninfo(url, "postgres"))
    except psycopg.OperationalError:
        conn = psycopg.connect(**_postgres_conninfo(url, unquote(urlparse(url).path.lstrip("/"))))
    with conn:
        conn.execute(statement)


def _child_env(var_dir: Path) -> dict[str, str]:
    # zhengxie/test_settings.py puts test-only ZHENGXIE_* values (immediate task backend, a fixed key…)
    # into this process's environment; the server must run as `make run` configures it, so drop them all.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ZHENGXIE_") and k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}}
    env.update(ZHENGXIE_DEBUG="1", ZHENGXIE_VAR_DIR=str(var_dir), PYTHONUNBUFFERED="1")
    return env


def _manage(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        command = " ".join(args)
        pytest.fail(f"manage.py {command} failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}",
                    pytrace=False)


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path) -> dict:
    """Poll /healthz until it answers 200; returns its JSON ({"status": "ok", "database": vendor})."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via an HTTP proxy
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            output = log.read_text(errors="replace")
            pytest.fail(f"manage.py serve exited with code {proc.returncode}:\n{output}", pytrace=False)
        try:
            with opener.open(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return json.loads(response.read())
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"the server did not answer /healthz within {STARTUP_TIMEOUT:.0f} s:\n"
                f"{log.read_text(errors='replace')[-4000:]}", pytrace=False)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # `serve` forwards it to web, worker and scheduler
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="session")
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a freshly seeded demo server, running web + task worker + scheduler like `make run`."""
    _require_chromium()  # before spending seconds on a server no browser will visit
    var_dir = tmp_path_factory.mktemp("zhengxie-e2e-var")
    env = _child_env(var_dir)
    database_url = os.environ.get("DATABASE_URL", "")
    scratch_db = ""
    if database_url.startswith(("postgres://", "postgresql://", "pgsql://")):
        scratch_db = f"zhengxie_e2e_{os.getpid()}"
        _postgres_admin(database_url, f'DROP DATABASE IF EXISTS "{scratch_db}" WITH (FORCE)')
        _postgres_admin(database_url, f'CREATE DATABASE "{scratch_db}"')
        env["DATABASE_URL"] = urlunparse(urlparse(database_url)._replace(path=f"/{scratch_db}"))
    proc: subprocess.Popen | None = None
    try:
        _manage(env, "migrate", "--noinput", "-v", "0")
        _manage(env, "seed_demo", "--scale", SEED_SCALE)
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        log = var_dir / "server.log"
        request.config.stash[_SERVER_LOG] = log
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "manage.py", "serve", "--port", str(port)], cwd=ROOT, env=env,
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, process_group=0,
                preexec_fn=_die_with_parent(),
            )
        health = _wait_healthy(url, proc, log)
        expected = "postgresql" if scratch_db else "sqlite"
        assert health.get("database") == expected, f"the server runs on {health}, expected {expected}"
        yield url
    finally:
        if proc is not None:
            _stop(proc)
        if scratch_db:
            _postgres_admin(database_url, f'DROP DATABASE IF EXISTS "{scratch_db}" WITH (FORCE)')


# ---------------------------------------------------------------------------------------------
# The browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium, for the tests of one module.

    Not per session: Playwright's sync API keeps an asyncio loop marked as running in this thread while it
    is started, and Django then refuses database access from the thread (SynchronousOnlyOperation). With
    xdist --dist loadfile the database tests of other files run in this same process after ours.
    """
    _require_chromium()
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()


@pytest.fixture(params=list(DEVICES))
def device(request: pytest.FixtureRequest) -> str:
    """Every browser test runs twice: on a desktop screen and on a phone."""
    return request.param


@pytest.fixture
def page(request: pytest.FixtureRequest, browser: Browser, server: str, device: str) -> Iterator[Page]:
    context = browser.new_context(base_url=server, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  **DEVICES[device])
    context.set_default_timeout(10_000)
    page = context.new_page()
    support.watch(page)
    try:
        yield page
    finally:
        reports = request.node.stash.get(_REPORTS, {})
        if any(r.failed for r in reports.values()):
            RESULTS_DIR.mkdir(exist_ok=True)
            try:
                page.screenshot(path=_screenshot_path(request.node), full_page=True)
            except Exception as exc:  # a crashed page must not hide the test's own failure
                print(f"screenshot failed: {exc}")
        support.unwatch(page)
        context.close()


@pytest.fixture
def logged_in(page: Page) -> Callable[[str], Page]:
    """`logged_in("admin")` logs in through the login form as a demo account and returns the page on 首页."""

    def _logged_in(username: str) -> Page:
        support.log_in(page, username)
        return page

    return _logged_in
