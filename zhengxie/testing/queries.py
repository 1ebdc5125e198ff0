"""Counting SQL queries, for tests that pin a list's query count against its number of rows.

    _, few = queries_during(lambda: client.get(url))
    ... add rows ...
    _, many = queries_during(lambda: client.get(url))
    assert len(many) == len(few), growth_report(few, many)

`growth_report` names the statements that ran more often with more rows: that is the N+1 to fix.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import TypeVar

from django.db import connection
from django.test.utils import CaptureQueriesContext

T = TypeVar("T")

_LITERALS = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b")
_IN_LISTS = re.compile(r"\((?:\s*\?\s*,)+\s*\?\s*\)")
_SAVEPOINTS = re.compile(r'(SAVEPOINT) "[^"]+"')


def queries_during(fetch: Callable[[], T]) -> tuple[T, list[str]]:
    """What `fetch()` returned, and the SQL statements it sent to the default database, in order."""
    with CaptureQueriesContext(connection) as captured:
        result = fetch()
    return result, [q["sql"] for q in captured.captured_queries]


def statement_shape(sql: str) -> str:
    """`sql` with its literals and IN-lists folded, so the same statement for another row compares equal."""
    return _SAVEPOINTS.sub(r"\1 ?", _IN_LISTS.sub("(?…)", _LITERALS.sub("?", sql)))


def growth_report(few: list[str], many: list[str]) -> str:
    """Which statements ran more often (or less) with more rows, each with how many times."""
    before, after = Counter(map(statement_shape, few)), Counter(map(statement_shape, many))
    lines = [f"{len(few)} queries with fewer rows, {len(many)} with more. Statements whose count changed:"]
    for shape in sorted(set(before) | set(after), key=lambda s: after[s] - before[s], reverse=True):
        if before[shape] != after[shape]:
            lines.append(f"  {before[shape]} → {after[shape]}×  {shape[:300]}")
    return "\n".join(lines)
