"""The pattern every statistics page follows: a *figure* is a named filter on one kind of row, the page
counts `figure.where(...)` and the figure's list page shows the rows of the very same filter, so a number
and the rows behind it cannot disagree. Breakdown tables are rows of such numbers, one per value of a
dimension (a unit, a sector …), each linking to its list with that value added to the query.

What is shared here is the shape (Figure, Row, Table), the way a number is written, and reading the
date range of a statistic from the query string; the figures themselves live in each module's
`stats.py` (proposals.stats, opinions.stats).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    family: str  # the kind of row it counts (proposals, ratings, items, issues …)
    where: Callable[..., Q]  # the module decides what it is given (e.g. today's date, the scope)
    help: str = ""
    unit: str = ""  # the unit word after the number: 件, 份, 期 …


@dataclass(frozen=True)
class Rate:
    """A rate of two figures of one report."""
    key: str
    label: str
    numerator: str
    denominator: str
    help: str = ""  # numerator / denominator in words, shown beside the figure


@dataclass
class Row:
    key: str  # the value for the breakdown's query parameter ("" for the totals row)
    label: str
    numbers: Any  # the module's Numbers: `numbers[figure_key]` is a count


@dataclass
class Table:
    id: str
    title: str
    first: str  # header of the row-label column
    param: str  # the query parameter a row adds to its links
    columns: list[Any]
    rows: list[Row]


def cell_text(kind: str, value: int | float | None) -> str:
    """A number as the page shows it: counts as is, rates as 87.5%, days with one decimal, — for none."""
    if value is None:
        return "—"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "days":
        return f"{value:.1f}"
    return str(value)


def parse_int(raw: str) -> int | None:
    """A database id from a query string, or None (no sign, no overflow)."""
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


def date_range_from_query(data: Mapping[str, str]) -> tuple[dict[str, dt.date], list[str]]:
    """`?from=2026-01-01&to=2026-03-31` as {"date_from": …, "date_to": …} and what was wrong.

    A bad date drops that bound only; a range that ends before it starts drops both. Messages are in
    Chinese and say what was ignored; nothing raises."""
    errors: list[str] = []
    out: dict[str, dt.date] = {}
    for key, name in (("from", "date_from"), ("to", "date_to")):
        raw = (data.get(key) or "").strip()
        if raw:
            try:
                out[name] = dt.date.fromisoformat(raw)
            except ValueError:
                errors.append(f"日期“{raw[:20]}”格式不对，应为 2026-03-10 这样的形式；已忽略。")
    if out.get("date_from") and out.get("date_to") and out["date_from"] > out["date_to"]:
        errors.append("开始日期晚于结束日期，已忽略日期范围。")
        out.clear()
    return out, errors
