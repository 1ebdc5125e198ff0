"""Load scenario for `make bench`: what members, committee staff and unit clerks do in a working day.

Run by bench/run.py (which starts the server and seeds the data); by hand:

    .venv/bin/locust -f bench/locustfile.py --headless -u 20 -r 4 -t 60s --host http://127.0.0.1:8000

The demo accounts (password zhengxie-demo) all live in the primary county committee, so every
request works in that committee while the tables hold the whole dataset (province: ~100
committees). Each simulated user logs in once, through the real login form (GET for the CSRF
token, POST identifier/password) or, for API clients, with POST /api/v1/auth/token, then loops
over its tasks with a short think time.

- MemberWebUser (weight 6; member, member2, leader): home, the member directory (search q,
  sector filter, paging), own and others' profiles, notifications, /api/v1/me and /api/v1/members
  with the browser session.
- MemberApiUser (weight 2; member2, leader, member): a phone app with a bearer token: me, member
  list and detail, notifications, the committee's lists.
- ClerkUser (weight 2; clerk, editor): the member list with filters (state, party, special
  committee, phone search) and paging, member detail, org overview, API member list and detail.
- UnitUser (weight 1; unit): home, org overview, notifications.
- AdminUser (exactly one; admin): the clerk's work plus the audit log, the occasional roster export
  (.xlsx) and the one write below.

The one write: the admin suspends and at once reinstates one dedicated member (the committee's
last member without a login account), through the API with the session and CSRF header. The member
ends every pair back in office; only its version and the audit log move. BENCH_WRITES=0 turns it off.

Requests are named by endpoint ("GET /members/", "GET /members/{id}/") so that statistics are per
endpoint, not per URL; the name also goes to the server in an X-Bench-Name header, for the server-side
CPU time per endpoint (bench/gunicorn_timing.py). Every request must answer with the status it should
(200, or 302 for the login POST); redirects are not followed, so a lost session shows up as a failure,
not as a quietly served login page.

Environment: BENCH_WAIT="min,max" think time in seconds (default 0.5,2), BENCH_WRITES=0|1,
BENCH_PASSWORD (default zhengxie-demo); bench/run.py also sets BENCH_MEASURE_SECONDS and
BENCH_WINDOW_FILE (see "The measuring window" below).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from typing import Any
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, between, events, task
from locust.env import Environment
from locust.exception import StopUser

SCENARIO = "members-clerks-units"

PASSWORD = os.environ.get("BENCH_PASSWORD", "zhengxie-demo")
WAIT_MIN, WAIT_MAX = (float(x) for x in os.environ.get("BENCH_WAIT", "0.5,2").split(","))
WRITES = os.environ.get("BENCH_WRITES", "1").lower() not in {"0", "false", "no", "off"}
# Measure for this many seconds once every user has logged in, then stop (0: just run until -t).
MEASURE_SECONDS = float(os.environ.get("BENCH_MEASURE_SECONDS", "0"))
# Seconds of work after the last login before the window opens: each gunicorn worker compiles its
# templates and loads its caches (term statistics, routing profiles) on its first requests of each kind.
WARMUP_SECONDS = float(os.environ.get("BENCH_WARMUP_SECONDS", "0"))
# Where to note when the measuring window opened (bench/run.py reads it).
WINDOW_FILE = os.environ.get("BENCH_WINDOW_FILE", "")

# Surnames and employer words that occur in the demo data, and one that never matches.
SEARCH_TERMS = ("王", "李", "张", "刘", "陈", "杨", "医院", "中学", "公司", "局", "主任", "无此人")
AUDIT_VERBS = ("", "", "account", "member", "account.login")
PHONE_PREFIXES = ("138", "139", "135", "186", "150")

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
MEMBER_LINK = re.compile(r'href="/members/(\d+)/"')
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


# --- The measuring window ------------------------------------------------------------------------
#
# Logging in costs an Argon2 hash (~0.1–0.3 s of CPU); when all users log in within the first
# seconds, that burst is nothing like a working day, where people log in once and then work for
# hours. So the statistics of every endpoint except the login ones are reset once the last user has
# logged in, and (with BENCH_MEASURE_SECONDS) the run stops that many seconds later. Failures are
# never reset: a login or a request that failed during the ramp-up still fails the run.

LOGIN_REQUESTS = ("GET /accounts/login/", "POST /accounts/login/", "POST /api/v1/auth/token")


class _Window:
    started = time.time()
    settled = 0  # users whose login finished, successfully or not
    opened_at: float | None = None


def _user_settled(environment: Environment) -> None:
    _Window.settled += 1
    runner = environment.runner
    if _Window.opened_at is not None or runner is None or _Window.settled < runner.target_user_count:
        return
    if WARMUP_SECONDS > 0:
        _Window.opened_at = -1.0  # warming up: opened once, below
        gevent.spawn_later(WARMUP_SECONDS, _open_window, environment)
    else:
        _open_window(environment)


def _open_window(environment: Environment) -> None:
    runner = environment.runner
    _Window.opened_at = time.time()
    stats = environment.stats
    for (name, _method), entry in stats.entries.items():
        if name not in LOGIN_REQUESTS:
            entry.reset()
    stats.total.reset()
    if WINDOW_FILE:
        with open(WINDOW_FILE, "w") as f:
            json.dump({"ramp_s": round(_Window.opened_at - _Window.started - WARMUP_SECONDS, 1),
                       "warmup_s": WARMUP_SECONDS, "users": _Window.settled,
                       "measure_s": MEASURE_SECONDS, "opened_at": _Window.opened_at}, f)
    if MEASURE_SECONDS > 0 and runner is not None:
        gevent.spawn_later(MEASURE_SECONDS, runner.quit)


@events.test_start.add_listener
def _on_test_start(environment: Environment, **_kwargs: Any) -> None:
    _Window.started = time.time()


class ZhengxieUser(FastHttpUser):
    """Shared plumbing: login, checked requests, the committee's lists and member ids."""

    abstract = True
    wait_time = between(WAIT_MIN, WAIT_MAX)
    accounts: tuple[str, ...] = ()
    _seq: itertools.count

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._seq = itertools.count()  # accounts are handed out round-robin, per class

    def on_start(self) -> None:
        self.username = self.accounts[next(self._seq) % len(self.accounts)]
        self.auth_headers: dict[str, str] = {}
        self.member_ids: list[int] = []
        self.member_count = 0
        try:
            self.login()
            self.discover()
        finally:
            _user_settled(self.environment)

    # --- requests -----------------------------------------------------------------------------

    def get(self, url: str, name: str, *, expect: int = 200, headers: dict[str, str] | None = None) -> Any:
        """GET without following redirects; anything but `expect` is a failure. Returns the response."""
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True,
                             headers={**self.auth_headers, "X-Bench-Name": name, **(headers or {})}) as r:
            if r.status_code != expect:
                r.failure(f"HTTP {r.status_code}, expected {expect}")
            return r

    def get_json(self, url: str, name: str) -> dict[str, Any] | None:
        r = self.get(url, name)
        if r.status_code != 200:
            return None
        try:
            return r.json()
        except ValueError:
            return None

    def csrf_cookie(self) -> str:
        return next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), "")

    # --- login --------------------------------------------------------------------------------

    def login(self) -> None:
        self.web_login()

    def web_login(self) -> None:
        r = self.get("/accounts/login/", "GET /accounts/login/")
        match = CSRF_FIELD.search(r.text or "")
        if r.status_code != 200 or not match:
            raise StopUser()
        body = urlencode({"csrfmiddlewaretoken": match.group(1), "identifier": self.username,
                          "password": PASSWORD, "next": ""})
        with self.client.post("/accounts/login/", name="POST /accounts/login/", data=body,
                              headers={**FORM_HEADERS, "Referer": self.host + "/accounts/login/"},
                              allow_redirects=False, catch_response=True) as r:
            if r.status_code != 302 or not self.csrf_cookie():
                r.failure(f"login as {self.username} failed: HTTP {r.status_code}")
                raise StopUser()

    def token_login(self) -> None:
        with self.client.post("/api/v1/auth/token", name="POST /api/v1/auth/token",
                              json={"username": self.username, "password": PASSWORD},
                              catch_response=True) as r:
            token = (r.json() or {}).get("token") if r.status_code == 200 else None
            if not token:
                r.failure(f"token for {self.username} failed: HTTP {r.status_code}")
                raise StopUser()
        self.auth_headers = {"Authorization": f"Bearer {token}"}

    # --- what the committee looks like --------------------------------------------------------

    def discover(self) -> None:
        """The committee's lists (filter choices) and a first page of member ids."""
        self.sectors = self.org_ids("sectors")
        self.parties = self.org_ids("parties")
        self.special_committees = self.org_ids("special-committees")
        if self.can_view_directory:
            page = self.get_json("/api/v1/members?page_size=100", "GET /api/v1/members")
            if page:
                self.member_count = page["count"]
                self.member_ids = [m["id"] for m in page["items"]]

    can_view_directory = True

    def org_ids(self, kind: str) -> list[int]:
        page = self.get_json(f"/api/v1/org/{kind}?page_size=100", "GET /api/v1/org/{kind}")
        return [item["id"] for item in page["items"]] if page else []

    def random_page(self, per_page: int) -> int:
        pages = max(1, -(-self.member_count // per_page))
        # Most people look at the first pages, some page deep.
        return random.choice((1, 1, 1, 2, 2, 3, random.randint(1, pages)))

    def remember_members(self, html: str) -> None:
        ids = [int(i) for i in MEMBER_LINK.findall(html or "")]
        if ids:
            self.member_ids = ids

    def a_member(self) -> int | None:
        return random.choice(self.member_ids) if self.member_ids else None

    # --- tasks shared by several roles --------------------------------------------------------

    def home(self) -> None:
        self.get("/", "GET /")

    def notifications(self) -> None:
        self.get("/notifications/", "GET /notifications/")

    def org_overview(self) -> None:
        self.get("/org/", "GET /org/")

    def member_detail_page(self) -> None:
        member_id = self.a_member()
        if member_id:
            self.get(f"/members/{member_id}/", "GET /members/{id}/")

    def api_member_list(self, **filters: Any) -> None:
        query = {"page": self.random_page(20), **{k: v for k, v in filters.items() if v}}
        page = self.get_json("/api/v1/members?" + urlencode(query), "GET /api/v1/members")
        if page and page["items"]:
            self.member_ids = [m["id"] for m in page["items"]]

    def api_member_detail(self) -> None:
        member_id = self.a_member()
        if member_id:
            self.get(f"/api/v1/members/{member_id}", "GET /api/v1/members/{id}")

    def api_me(self) -> None:
        self.get("/api/v1/me", "GET /api/v1/me")


class MemberWebUser(ZhengxieUser):
    """A member (or a leader) in the browser."""

    weight = 6
    accounts = ("member", "member2", "leader")

    def on_start(self) -> None:
        super().on_start()
        r = self.get("/", "GET /")
        own = MEMBER_LINK.search(r.text or "")
        self.own_id = int(own.group(1)) if own else None

    @task(4)
    def home_page(self) -> None:
        self.home()

    @task(3)
    def directory_search(self) -> None:
        query: dict[str, Any] = {}
        roll = random.random()
        if roll < 0.75:
            query["q"] = random.choice(SEARCH_TERMS)
        if roll > 0.5 and self.sectors:
            query["sector"] = random.choice(self.sectors)
        r = self.get("/members/?" + urlencode(query), "GET /members/")
        self.remember_members(r.text)

    @task(2)
    def directory_browse(self) -> None:
        r = self.get(f"/members/?page={self.random_page(50)}", "GET /members/")
        self.remember_members(r.text)

    @task(2)
    def own_profile(self) -> None:
        if self.own_id:
            self.get(f"/members/{self.own_id}/", "GET /members/{id}/")

    @task(1)
    def other_profile(self) -> None:
        self.member_detail_page()

    @task(2)
    def notification_inbox(self) -> None:
        self.notifications()

    @task(1)
    def me(self) -> None:
        self.api_me()

    @task(1)
    def api_members(self) -> None:
        self.api_member_list()


class MemberApiUser(ZhengxieUser):
    """A member's phone app: bearer token, JSON only."""

    weight = 2
    accounts = ("member2", "leader", "member")

    def login(self) -> None:
        self.token_login()

    @task(2)
    def me(self) -> None:
        self.api_me()

    @task(4)
    def members(self) -> None:
        roll = random.random()
        self.api_member_list(q=random.choice(SEARCH_TERMS) if roll < 0.3 else "",
                             sector=random.choice(self.sectors) if roll > 0.7 and self.sectors else None)

    @task(2)
    def member(self) -> None:
        self.api_member_detail()

    @task(1)
    def inbox(self) -> None:
        self.get("/api/v1/notifications", "GET /api/v1/notifications")

    @task(1)
    def org_list(self) -> None:
        kind = random.choice(("sectors", "parties", "special-committees", "workstations", "units"))
        self.get(f"/api/v1/org/{kind}", "GET /api/v1/org/{kind}")


class ClerkUser(ZhengxieUser):
    """Committee office staff (提案 / 社情民意) in the browser: the member list is their daily tool."""

    weight = 2
    accounts = ("clerk", "editor")

    @task(5)
    def member_list(self) -> None:
        query: dict[str, Any] = {}
        roll = random.random()
        if roll < 0.3:
            query["state"] = random.choice(("active", "active", "suspended", "left"))
        elif roll < 0.5 and self.parties:
            query["party"] = random.choice(self.parties)
        elif roll < 0.65 and self.special_committees:
            query["special_committee"] = random.choice(self.special_committees)
        elif roll < 0.8:
            # Staff may search by phone number too.
            query["q"] = random.choice(SEARCH_TERMS + PHONE_PREFIXES)
        if random.random() < 0.5:
            query["page"] = self.random_page(50)
        r = self.get("/members/?" + urlencode(query), "GET /members/")
        self.remember_members(r.text)

    @task(2)
    def member_detail(self) -> None:
        self.member_detail_page()

    @task(2)
    def org(self) -> None:
        self.org_overview()

    @task(2)
    def api_members(self) -> None:
        self.api_member_list(state=random.choice(("", "", "active")))

    @task(1)
    def api_member(self) -> None:
        self.api_member_detail()

    @task(1)
    def home_page(self) -> None:
        self.home()


class AdminUser(ClerkUser):
    """The committee admin: a clerk's work, plus the audit log, roster export and one safe write."""

    fixed_count = 1
    accounts = ("admin",)

    def on_start(self) -> None:
        super().on_start()
        self.write_target: dict[str, Any] | None = None
        if WRITES:
            self.write_target = self.dedicated_member()

    def dedicated_member(self) -> dict[str, Any] | None:
        """The committee's last member without a login account: nobody else's screen depends on it."""
        pages = max(1, -(-self.member_count // 100))
        page = self.get_json(f"/api/v1/members?page_size=100&page={pages}", "GET /api/v1/members")
        for m in reversed(page["items"] if page else []):
            if m["user_id"] is None and m["state"] in ("active", "suspended"):
                return {"id": m["id"], "state": m["state"], "version": m["version"]}
        return None

    @task(3)
    def audit_log(self) -> None:
        query = {k: v for k, v in (("verb", random.choice(AUDIT_VERBS)),
                                   ("page", random.choice((1, 1, 2, 3)))) if v}
        self.get("/audit/?" + urlencode(query), "GET /audit/")

    @task(1)
    def roster_export(self) -> None:
        if random.random() < 0.5:
            self.get("/members/export.xlsx", "GET /members/export.xlsx")

    @task(1)
    def suspend_and_reinstate(self) -> None:
        target = self.write_target
        if not target or random.random() < 0.5:
            return
        # A pair leaves the member as it was; a run stopped half-way is repaired by the next one.
        steps = ("reinstate",) if target["state"] == "suspended" else ("suspend", "reinstate")
        for name in steps:
            with self.client.post(
                f"/api/v1/members/{target['id']}/transitions/{name}",
                name=f"POST /api/v1/members/{{id}}/transitions/{name}",
                json={"reason": "压力测试：暂停后立即恢复", "version": target["version"]},
                headers={"X-CSRFToken": self.csrf_cookie(), "Referer": self.host + "/",
                         "X-Bench-Name": f"POST /api/v1/members/{{id}}/transitions/{name}"},
                catch_response=True,
            ) as r:
                if r.status_code != 200:
                    r.failure(f"HTTP {r.status_code}: {(r.text or '')[:200]}")
                    self.write_target = None  # someone else touched it: stop writing
                    return
                body = r.json()
                target["state"], target["version"] = body["state"], body["version"]


class UnitUser(ZhengxieUser):
    """A government unit's clerk (承办单位经办人): sees the committee's structure and their inbox."""

    weight = 1
    accounts = ("unit",)
    can_view_directory = False

    @task(3)
    def home_page(self) -> None:
        self.home()

    @task(2)
    def org(self) -> None:
        self.org_overview()

    @task(2)
    def inbox(self) -> None:
        self.notifications()
