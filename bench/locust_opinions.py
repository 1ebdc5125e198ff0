"""Load scenario `--scenario opinions`: the 社情民意 editors of a province deployment at work.

Run by bench/run.py (which seeds the data with `--with-opinions`, opens the accounts and starts the
server); by hand, after `bench/opinions_setup.py > accounts.json` on the same database:

    BENCH_ACCOUNTS_FILE=accounts.json .venv/bin/locust -f bench/locust_opinions.py --headless \
        -u 30 -r 6 -t 90s --host http://127.0.0.1:8000

Each simulated user is the editor of one committee (the province's, each city's, the busiest
counties'; the tables hold every committee's items: province scale is over 1,000,000), logs in once
and loops with a think time (BENCH_WAIT):

- the editor desk (GET /opinions/desk/): the 待处理 queue most often, the other tabs, a search, a
  filter by source and the second page;
- the statistics page for this year (GET /opinions/stats/?year=…) and for all years, and a list behind
  one of its numbers;
- an item's page (its text, diff and chain up and down the levels).

Every request must answer 200; redirects are not followed.
Environment: as bench/locustfile.py, plus BENCH_ACCOUNTS_FILE (the JSON of bench/opinions_setup.py).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import random
import re
from typing import Any
from urllib.parse import urlencode

from locust import between, task

import locustfile as base
from locustfile import ZhengxieUser

SCENARIO = "opinions"

# The speed targets, p95 in milliseconds: "editor queue and statistics page p95 < 150 ms".
TARGETS = {
    "GET /opinions/desk/": (150, "editor queue (待处理)"),
    "GET /opinions/stats/ (this year)": (150, "statistics page, one committee and year"),
}

ITEM_LINK = re.compile(r'href="/opinions/(\d+)/"')
LIST_LINK = re.compile(r'href="(/opinions/stats/list/\?[^"]+)"')
TABS = ("adopted", "edited", "signed", "published", "screened_out")
WORDS = ("教育", "养老", "医疗", "农村", "交通", "就业", "住房", "环境")
SOURCES = ("member", "informant", "party", "lower", "public")


def _accounts() -> list[str]:
    path = os.environ.get("BENCH_ACCOUNTS_FILE", "")
    if path:
        with open(path) as f:
            return list(json.load(f)["editor"])
    return ["editor"]


class OpinionEditor(ZhengxieUser):
    wait_time = between(base.WAIT_MIN, base.WAIT_MAX)
    accounts = tuple(_accounts())

    def discover(self) -> None:
        self.ids: list[int] = []
        self.list_links: list[str] = []
        self.year = dt.date.today().year
        self.remember(self.get("/opinions/desk/", "GET /opinions/desk/").text)

    def remember(self, page: str | None) -> None:
        ids = [int(i) for i in ITEM_LINK.findall(page or "")]
        if ids:
            self.ids = ids

    @task(6)
    def queue(self) -> None:
        self.remember(self.get("/opinions/desk/", "GET /opinions/desk/").text)

    @task(3)
    def other_tab(self) -> None:
        query: dict[str, Any] = {"tab": random.choice(TABS)}
        kind = random.random()
        if kind < 0.25:
            query["q"] = random.choice(WORDS)
        elif kind < 0.5:
            query["source"] = random.choice(SOURCES)
        elif kind < 0.7:
            query["page"] = 2
        self.remember(self.get("/opinions/desk/?" + urlencode(query), "GET /opinions/desk/ (other tabs)").text)

    @task(4)
    def stats_year(self) -> None:
        r = self.get(f"/opinions/stats/?year={self.year}", "GET /opinions/stats/ (this year)")
        links = [html.unescape(x) for x in LIST_LINK.findall(r.text or "")]
        if links:
            self.list_links = links

    @task(1)
    def stats_all(self) -> None:
        self.get("/opinions/stats/?year=", "GET /opinions/stats/ (all years)")

    @task(2)
    def figure_list(self) -> None:
        if self.list_links:
            self.remember(self.get(random.choice(self.list_links), "GET /opinions/stats/list/").text)

    @task(2)
    def item(self) -> None:
        if self.ids:
            self.get(f"/opinions/{random.choice(self.ids)}/", "GET /opinions/{id}/")
