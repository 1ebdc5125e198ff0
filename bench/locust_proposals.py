"""Load scenario `--scenario proposals`: plenary week in the proposal system (提案), 50 people at once.

Run by bench/run.py (which seeds the data, opens the accounts and starts the server); by hand, after
`bench/proposals_setup.py > accounts.json` on the same database:

    BENCH_ACCOUNTS_FILE=accounts.json .venv/bin/locust -f bench/locust_proposals.py --headless \
        -u 50 -r 10 -t 90s --host http://127.0.0.1:8000

Everyone works in the primary county committee (where the demo accounts are) while the tables hold
the whole dataset (province: 500,000 proposals in 100 committees). Each simulated user logs in once
through the login form, then loops over its tasks with a think time (BENCH_WAIT, default 0.5–2 s).
Users of one class share the class's account pool round-robin; with the pools bench/proposals_setup.py
opens (60 members, 12 unit clerks, the leaders) every member and most unit clerks are a different person.

- ProposalMember (weight 15: 30 of 50 users; member accounts): 我的提案 (GET /proposals/), the detail
  page of one of their proposals, and writing a new one the way the page does it:
  GET /proposals/new/ (the form and its CSRF token) → the similar-proposals panel posts the empty form
  on page load → the member writes (think time) → the panel posts title, 案由 and 建议 (the similarity
  check) → POST /proposals/new/ with action=submit (creates the proposal and fires `submit` in the same
  request; 302 to its detail page, which is then fetched). The titles start with 【压测】 so that the next
  run's setup can delete them again.
- ProposalClerk (weight 4: 8 users; clerk, admin): the office's desk (GET /proposals/desk/) on every tab
  with session, category, key-only, title search and oldest-first filters and paging, a proposal's
  detail page, the similar-proposals fragment of a desk row, the overdue list.
- ProposalUnit (weight 4: 8 users; the clerks of the busiest handling units, `unit` first): the unit
  inbox (GET /proposals/inbox/), a proposal's detail page, the answer page.
- ProposalLeader (weight 2: 4 users; leader and the committee's chair and vice-chairs): the statistics
  page for one committee and one session (GET /proposals/stats/?session=…), a list behind one of its
  figures, the leader's 督办 screen.

Every request must answer with the status it should (200; 302 to /proposals/<id>/ for the submission);
redirects are not followed, so a lost session or a submission that only saved a draft is a failure.

The submission as the issue's target counts it ("including the similarity check") is the similarity
check plus the submit POST of one proposal; their summed times, for submissions started in the measuring
window, go to BENCH_FLOWS_FILE at the end and bench/run.py reports their percentiles.

Environment: as bench/locustfile.py (BENCH_WAIT, BENCH_PASSWORD, BENCH_MEASURE_SECONDS,
BENCH_WINDOW_FILE), plus BENCH_ACCOUNTS_FILE (the JSON of bench/proposals_setup.py; without it the
seven demo accounts only) and BENCH_FLOWS_FILE.
"""

from __future__ import annotations

import html
import json
import os
import random
import re
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from locust import between, events, task
from locust.env import Environment

import locustfile as base
from locustfile import CSRF_FIELD, FORM_HEADERS, ZhengxieUser

SCENARIO = "proposals"

# The speed targets, p95 in milliseconds, by the request names below (bench/run.py reads this
# literal and reports each beside its figure): "the staff queue, unit inbox and member list pages
# p95 < 100 ms; the statistics page for one committee and session p95 < 300 ms; a submission
# (including the similarity check) p95 < 150 ms with 50 concurrent users".
TARGETS = {
    "GET /proposals/desk/": (100, "staff queue (提案审查交办)"),
    "GET /proposals/inbox/": (100, "unit inbox (承办单位)"),
    "GET /proposals/": (100, "member list (我的提案)"),
    "GET /proposals/stats/ (one session)": (300, "statistics, one committee and session"),
    "submission: similarity check + submit": (150, "submission, including the similarity check"),
}

BENCH_MARK = "【压测】"  # bench/proposals_setup.py deletes proposals whose title starts with this
FLOWS_FILE = os.environ.get("BENCH_FLOWS_FILE", "")
CORPUS = Path(__file__).resolve().parent / "data" / "eval_proposals.jsonl"
SUBMISSION = "submission: similarity check + submit"


def _accounts() -> dict[str, list[str]]:
    path = os.environ.get("BENCH_ACCOUNTS_FILE", "")
    if path:
        with open(path) as f:
            return json.load(f)
    return {"member": ["member", "member2"], "unit": ["unit"], "clerk": ["clerk", "admin"],
            "leader": ["leader"]}


ACCOUNTS = _accounts()

# --- what the pages look like ------------------------------------------------------------------------

PROPOSAL_LINK = re.compile(r'href="/proposals/(\d+)/')
ANSWER_LINK = re.compile(r'href="/proposals/(\d+)/answer/"')
SIMILAR_LINK = re.compile(r'hx-get="(/proposals/desk/\?similar=\d+[^"]*)"')
STATS_LIST_LINK = re.compile(r'href="(/proposals/stats/list/\?[^"]+)"')
TAB_COUNT = re.compile(r'href="\?tab=(\w+)"[^>]*>[^<]*<span class="tab-count">(\d+)</span>')
PAGES = re.compile(r"第 \d+ / (\d+) 页")
LOCATION_DETAIL = re.compile(r"^(?:https?://[^/]+)?/proposals/(\d+)/$")


def _select(page: str, name: str) -> list[tuple[str, bool]]:
    """(value, selected) of the options of <select name=…>."""
    m = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    if not m:
        return []
    return [(html.unescape(v), bool(sel)) for v, sel in
            re.findall(r'<option value="([^"]*)"( selected)?', m.group(1))]


def _form_defaults(page: str) -> dict[str, str]:
    """What the browser would send of the new-proposal form as it is loaded (before typing)."""
    data: dict[str, str] = {}
    token = CSRF_FIELD.search(page)
    if token:
        data["csrfmiddlewaretoken"] = token.group(1)
    data["version"] = ""
    for name in ("title", "reason", "suggestion"):
        data[name] = ""
    for name in ("category", "session"):
        options = _select(page, name)
        chosen = next((v for v, sel in options if sel), options[0][0] if options else "")
        data[name] = chosen
    kind = re.search(r'<input type="radio" name="proposer_kind" value="([^"]+)"[^>]*checked', page)
    data["proposer_kind"] = kind.group(1) if kind else "individual"
    if re.search(r'<input type="checkbox" name="between_sessions"[^>]*checked', page):
        data["between_sessions"] = "on"
    return data


# --- texts to submit ------------------------------------------------------------------------------------


def _load_texts() -> list[tuple[str, str, str]]:
    """(title, 案由, 建议) from the labelled corpus the demo's texts come from too."""
    out = []
    with suppress(OSError):
        for line in CORPUS.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            body = item["body"]
            reason, _, suggestion = body.partition("建议：")
            reason = reason.removeprefix("案由：").strip()
            suggestion = suggestion.strip() or reason
            out.append((item["title"], reason, suggestion))
    return out or [("关于加强社区养老服务设施建设的提案",
                    "我区60岁以上老年人口占比已超过20%，社区养老服务设施不足，分布不均。",
                    "一、将社区养老服务设施纳入新建小区配套。二、盘活闲置用房改建日间照料中心。")]


TEXTS = _load_texts()
DESK_SEARCH = ("教育", "养老", "停车", "医疗", "农村", "电梯", "环境", "就业", "交通", "无此提案")
DESK_TABS = ("submitted", "submitted", "submitted", "registered", "registered", "all", "all", "assigned",
             "handling", "replied", "returned", "reassign")


# --- the submission as one figure ------------------------------------------------------------------------

_flows: list[float] = []


def _in_window(started: float) -> bool:
    opened = base._Window.opened_at
    return opened is not None and started >= opened


@events.quitting.add_listener
def _write_flows(environment: Environment, **_kwargs: Any) -> None:
    if FLOWS_FILE:
        with open(FLOWS_FILE, "w") as f:
            json.dump({SUBMISSION: [round(x, 1) for x in _flows]}, f)


# --- users ------------------------------------------------------------------------------------------------


class ProposalUser(ZhengxieUser):
    abstract = True
    wait_time = between(base.WAIT_MIN, base.WAIT_MAX)
    landing = "/proposals/"
    landing_name = "GET /proposals/"

    def discover(self) -> None:
        self.ids: list[int] = []
        r = self.get(self.landing, self.landing_name)
        self.remember(r.text)

    def remember(self, page: str | None) -> None:
        ids = [int(i) for i in PROPOSAL_LINK.findall(page or "")]
        if ids:
            self.ids = ids

    def get(self, url: str, name: str, *, expect: int = 200, headers: dict[str, str] | None = None) -> Any:
        """As ZhengxieUser.get, with the URL and the page's message in the failure (which id, which error)."""
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True,
                             headers={**self.auth_headers, "X-Bench-Name": name, **(headers or {})}) as r:
            if r.status_code != expect:
                where = f" → {r.headers.get('Location')}" if 300 <= r.status_code < 400 else ""
                r.failure(f"HTTP {r.status_code}, expected {expect}: {self.username} GET {url}{where} "
                          f"{_text(r.text)[:120]}")
            return r

    def detail(self) -> None:
        if self.ids:
            self.get(f"/proposals/{random.choice(self.ids)}/", "GET /proposals/{id}/")

    def think(self) -> None:
        time.sleep(random.uniform(base.WAIT_MIN, base.WAIT_MAX))

    def post_form(self, url: str, name: str, data: dict[str, str], *, expect: int,
                  headers: dict[str, str] | None = None,
                  check: Callable[[Any], str | None] | None = None) -> tuple[Any, float]:
        """POST a form without following redirects; anything but `expect`, or what `check` finds wrong
        with the response, is a failure. (response, milliseconds), or (None, 0) when it failed."""
        with self.client.post(url, name=name, data=urlencode(data), allow_redirects=False,
                              catch_response=True,
                              headers={**FORM_HEADERS, "Referer": self.host + url, "X-Bench-Name": name,
                                       **(headers or {})}) as r:
            problem = (f"HTTP {r.status_code}, expected {expect}: {_text(r.text)}" if r.status_code != expect
                       else check(r) if check else None)
            if problem:
                r.failure(problem)
                return None, 0.0
            return r, r.request_meta["response_time"]


def _text(page: str | None) -> str:
    """A form's error messages, else the start of the page's text, for a failure message."""
    page = page or ""
    errors = re.search(r'class="errorlist[^"]*"[^>]*>(.*?)</(?:div|ul)>', page, re.S)
    text = errors.group(1) if errors else page
    text = re.sub(r"<(script|style)[^>]*>.*?</\1>|<[^>]+>", " ", text, flags=re.S)
    return " ".join(html.unescape(text).split())[:300]


class ProposalMember(ProposalUser):
    """A member (委员) on the phone or the PC: my proposals, one of them, and writing a new one."""

    weight = 15
    accounts = tuple(ACCOUNTS.get("member") or ("member", "member2"))

    def remember(self, page: str | None) -> None:
        ids = [int(i) for i in PROPOSAL_LINK.findall(page or "")]
        if ids:
            self.ids = ids

    @task(4)
    def my_proposals(self) -> None:
        r = self.get("/proposals/", "GET /proposals/")
        self.remember(r.text)

    @task(3)
    def one_of_mine(self) -> None:
        self.detail()

    @task(1)
    def write_and_submit(self) -> None:
        if not base.WRITES:  # --no-writes
            return
        with self.client.get("/proposals/new/", name="GET /proposals/new/", allow_redirects=False,
                             catch_response=True, headers={"X-Bench-Name": "GET /proposals/new/"}) as r:
            form = _form_defaults(r.text or "") if r.status_code == 200 else {}
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}, expected 200")
            elif not form.get("csrfmiddlewaretoken"):
                r.failure("no CSRF token in the new-proposal form")
        if not form.get("csrfmiddlewaretoken"):
            return
        categories = [v for v, _ in _select(r.text or "", "category") if v]
        htmx = {"HX-Request": "true", "HX-Current-URL": self.host + "/proposals/new/",
                "X-CSRFToken": form["csrfmiddlewaretoken"]}
        panel = {"title_field": "title", "body_fields": "reason,suggestion", "kinds": "proposal",
                 "exclude_kind": "proposal", "exclude_id": ""}
        # The panel asks once when the page loads (nothing written yet) …
        self.post_form("/search/similar/panel/", "POST /search/similar/panel/ (page load)", {**form, **panel},
                       expect=200, headers=htmx)
        # … and again when the member stops typing: title, 案由, 建议 and the category are filled in.
        title, reason, suggestion = random.choice(TEXTS)
        form.update(title=(BENCH_MARK + title)[:100], reason=reason, suggestion=suggestion,
                    category=random.choice(categories) if categories else "")
        self.think()
        started = time.time()
        checked, check_ms = self.post_form("/search/similar/panel/", "POST /search/similar/panel/",
                                           {**form, **panel}, expect=200, headers=htmx)
        self.think()
        submitted, submit_ms = self.post_form(
            "/proposals/new/", "POST /proposals/new/ (submit)", {**form, "action": "submit"}, expect=302,
            # Saved but not submitted would redirect to the edit page (or show the form again, 400).
            check=lambda r: None if LOCATION_DETAIL.match(r.headers.get("Location", ""))
            else f"not submitted: redirected to {r.headers.get('Location')!r}")
        if submitted is None:
            return
        if checked is not None and _in_window(started):
            _flows.append(check_ms + submit_ms)
        where = LOCATION_DETAIL.match(submitted.headers.get("Location", ""))
        self.get(f"/proposals/{where.group(1)}/", "GET /proposals/{id}/")  # the browser follows the redirect


class ProposalClerk(ProposalUser):
    """The proposal office (提案委): the review and assignment desk, with filters and paging."""

    weight = 4
    accounts = tuple(ACCOUNTS.get("clerk") or ("clerk",))
    landing = "/proposals/desk/"
    landing_name = "GET /proposals/desk/"

    def discover(self) -> None:
        self.ids = []
        self.similar_links: list[str] = []
        self.tab_counts: dict[str, int] = {}
        r = self.get(self.landing, self.landing_name)
        page = r.text or ""
        self.tab_counts = {tab: int(n) for tab, n in TAB_COUNT.findall(page)}
        self.sessions = [v for v, _ in _select(page, "session") if v]
        self.categories = [v for v, _ in _select(page, "category") if v]
        self.remember(page)

    def remember(self, page: str | None) -> None:
        super().remember(page)
        links = [html.unescape(x) for x in SIMILAR_LINK.findall(page or "")]
        if links:
            self.similar_links = links

    @task(6)
    def desk(self) -> None:
        tab = random.choice(DESK_TABS)
        query: dict[str, Any] = {"tab": tab}
        roll = random.random()
        if roll < 0.25 and self.sessions:
            query["session"] = random.choice(self.sessions[:2] + self.sessions)
        elif roll < 0.4 and self.categories:
            query["category"] = random.choice(self.categories)
        elif roll < 0.5:
            query["key_only"] = "on"
        elif roll < 0.65:
            query["q"] = random.choice(DESK_SEARCH)
        if random.random() < 0.15:
            query["order"] = "old"
        pages = max(1, -(-self.tab_counts.get(tab, 0) // 50))
        if len(query) == 1 and pages > 1 and random.random() < 0.4:
            # Working through a tab: the next pages, now and then far down.
            query["page"] = random.choice((2, 2, 3, random.randint(2, pages)))
        r = self.get("/proposals/desk/?" + urlencode(query), "GET /proposals/desk/")
        self.remember(r.text)

    @task(2)
    def proposal(self) -> None:
        self.detail()

    @task(1)
    def similar_of_a_row(self) -> None:
        if self.similar_links:
            self.get(random.choice(self.similar_links), "GET /proposals/desk/?similar={id}")

    @task(1)
    def overdue(self) -> None:
        self.get("/proposals/overdue/", "GET /proposals/overdue/")


class ProposalUnit(ProposalUser):
    """A handling unit's clerk (承办单位经办人): the inbox, a proposal, the answer page."""

    weight = 4
    accounts = tuple(ACCOUNTS.get("unit") or ("unit",))
    landing = "/proposals/inbox/"
    landing_name = "GET /proposals/inbox/"

    def remember(self, page: str | None) -> None:
        super().remember(page)
        self.answers = [int(i) for i in ANSWER_LINK.findall(page or "")] or getattr(self, "answers", [])

    @task(5)
    def inbox(self) -> None:
        r = self.get("/proposals/inbox/", "GET /proposals/inbox/")
        self.remember(r.text)

    @task(2)
    def proposal(self) -> None:
        self.detail()

    @task(1)
    def answer_page(self) -> None:
        if self.answers:
            self.get(f"/proposals/{random.choice(self.answers)}/answer/", "GET /proposals/{id}/answer/")


class ProposalLeader(ProposalUser):
    """A leader (主席、副主席): the statistics of one committee and session, the lists behind them, 督办."""

    weight = 2
    accounts = tuple(ACCOUNTS.get("leader") or ("leader",))
    landing = "/proposals/stats/"
    landing_name = "GET /proposals/stats/"

    def discover(self) -> None:
        self.ids = []
        self.list_links: list[str] = []
        r = self.get(self.landing, self.landing_name)
        # The sessions of the select, newest first: the current session and the one that ended hold the
        # demo's proposals, so leaders look at those two.
        self.sessions = [v for v, _ in _select(r.text or "", "session") if v.isdigit()][:2]

    @task(4)
    def stats(self) -> None:
        query = {"session": random.choice(self.sessions)} if self.sessions else {}
        r = self.get("/proposals/stats/?" + urlencode(query), "GET /proposals/stats/ (one session)")
        links = [html.unescape(x) for x in STATS_LIST_LINK.findall(r.text or "")]
        if links:
            self.list_links = links

    @task(2)
    def figure_list(self) -> None:
        if self.list_links:
            r = self.get(random.choice(self.list_links), "GET /proposals/stats/list/")
            self.remember(r.text)

    @task(2)
    def leader_screen(self) -> None:
        r = self.get("/proposals/leader/", "GET /proposals/leader/")
        self.remember(r.text)

    @task(1)
    def proposal(self) -> None:
        self.detail()
