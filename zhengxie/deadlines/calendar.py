"""Working days on China's official calendar, with corrections entered by hand.

Whether one day is a working day is decided by the first of these that knows:

1. the committee's own `CalendarDay` row (a local arrangement);
2. a platform-wide `CalendarDay` row (next year's holidays, entered once for every committee);
3. the chinese_calendar package (official holidays and the weekends worked in exchange, 调休);
4. the weekday: Monday to Friday work, weekends rest.

Step 4 is a guess. A year the package does not cover and for which nobody has entered a single day
is reported in `Due.unknown_years`, and callers show `Due.warning` so an admin fills it in.

Each `WorkCalendar` loads the corrections of the years it needs in one query, so a computation over a
few months costs one query; keep one instance for many computations (the reminder sweep does).
Nothing is cached across requests: an admin's correction counts from the next computation, in every
process. Deadlines already set keep their dates; only new computations and reminder counts change.
"""

from __future__ import annotations

import calendar as stdlib_calendar
import datetime as dt
import functools
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import chinese_calendar
from django.db.models import Q

from zhengxie.deadlines.models import CalendarDay
from zhengxie.org.models import Committee

DueUnit = Literal["working_days", "calendar_days", "months"]
UNIT_LABELS: dict[str, str] = {"working_days": "个工作日", "calendar_days": "天", "months": "个月"}

ONE_DAY = dt.timedelta(days=1)


def unknown_years_warning(years: tuple[int, ...] | list[int]) -> str:
    """The sentence shown beside a date that was counted by weekday only ("" when there is none)."""
    if not years:
        return ""
    listed = "、".join(f"{y}年" for y in sorted(years))
    return f"该期限落在尚未公布放假安排的年份（{listed}），按周末计算，请管理员补录节假日"


@dataclass(frozen=True)
class Due:
    """A computed due date, and the years on its way that were judged by weekday only."""

    date: dt.date
    unknown_years: tuple[int, ...] = ()

    @property
    def warning(self) -> str:
        return unknown_years_warning(self.unknown_years)


# --- the package ---------------------------------------------------------------------------------


def package_years() -> tuple[int, int]:
    """First and last year the installed chinese_calendar covers (e.g. 2004, 2026)."""
    years = [day.year for day in chinese_calendar.holidays]
    return min(years), max(years)


@functools.lru_cache(maxsize=None)
def _package_workdays(year: int) -> tuple[dt.date, ...] | None:
    """The year's working days by the package, sorted; None when the package does not cover the year.

    Cached for the life of the process: the package's data only changes with a new release (a restart).
    """
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        return None
    return tuple(day for day in _days_of(year) if chinese_calendar.is_workday(day))


def package_covers(year: int) -> bool:
    return _package_workdays(year) is not None


def official_is_workday(day: dt.date) -> bool | None:
    """What the package says of `day`, ignoring corrections; None for a year it does not cover."""
    workdays = _package_workdays(day.year)
    if workdays is None:
        return None
    i = bisect_left(workdays, day)
    return i < len(workdays) and workdays[i] == day


def _days_of(year: int) -> Iterator[dt.date]:
    day = dt.date(year, 1, 1)
    while day.year == year:
        yield day
        day += ONE_DAY


# --- one committee's calendar --------------------------------------------------------------------


class WorkCalendar:
    """The working days of one committee (None: the platform's calendar without local corrections)."""

    # Years loaded beyond the estimate when a computation runs past what was loaded.
    _EXTRA_YEARS = 1

    def __init__(self, committee: Committee | None):
        self.committee_id: int | None = committee.pk if committee is not None else None
        self._overrides: dict[int, dict[dt.date, bool]] = {}  # year -> {day: is_workday}
        self._workdays: dict[int, list[dt.date]] = {}  # year -> its working days, sorted

    # Loading ----------------------------------------------------------------------------------

    def load(self, first_year: int, last_year: int) -> None:
        """Fetch the corrections of every year in [first_year, last_year] not loaded yet, in one query."""
        missing = [y for y in range(first_year, last_year + 1) if y not in self._overrides]
        if not missing:
            return
        lo, hi = missing[0], missing[-1]
        scope = Q(committee__isnull=True)
        if self.committee_id is not None:
            scope |= Q(committee_id=self.committee_id)
        fresh: dict[int, dict[dt.date, bool]] = {y: {} for y in missing}
        rows = CalendarDay.objects.filter(scope, date__gte=dt.date(lo, 1, 1), date__lte=dt.date(hi, 12, 31))
        for day, is_workday, committee_id in rows.values_list("date", "is_workday", "committee_id"):
            if day.year not in fresh:
                continue
            if committee_id is None:
                fresh[day.year].setdefault(day, is_workday)  # the committee's own row wins, whatever the order
            else:
                fresh[day.year][day] = is_workday
        self._overrides.update(fresh)

    def _year(self, year: int) -> list[dt.date]:
        if year not in self._workdays:
            self.load(year, year)
            overrides = self._overrides[year]
            package = _package_workdays(year)
            if not overrides:
                self._workdays[year] = list(package) if package is not None else [
                    day for day in _days_of(year) if day.weekday() < 5
                ]
            else:
                official = set(package) if package is not None else None
                self._workdays[year] = [
                    day for day in _days_of(year)
                    if overrides.get(day, day in official if official is not None else day.weekday() < 5)
                ]
        return self._workdays[year]

    def is_known(self, year: int) -> bool:
        """Whether the year's holidays are known: covered by the package, or entered by hand (any day)."""
        if package_covers(year):
            return True
        self.load(year, year)
        return bool(self._overrides[year])

    def unknown_years(self, first_year: int, last_year: int) -> tuple[int, ...]:
        self.load(first_year, last_year)
        return tuple(y for y in range(first_year, last_year + 1) if not self.is_known(y))

    # Questions --------------------------------------------------------------------------------

    def is_workday(self, day: dt.date) -> bool:
        days = self._year(day.year)
        i = bisect_left(days, day)
        return i < len(days) and days[i] == day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """How many working days lie in (start, end]; negative, counting (end, start], when end < start."""
        if end < start:
            return -self.working_days_between(end, start)
        self.load(start.year, end.year)
        count = 0
        for year in range(start.year, end.year + 1):
            days = self._year(year)
            upto = bisect_right(days, end) if year == end.year else len(days)
            after = bisect_right(days, start) if year == start.year else 0
            count += upto - after
        return count

    def add_working_days(self, start: dt.date, n: int) -> Due:
        """The n-th working day after `start` (`start` itself when n is 0)."""
        if n < 0:
            raise ValueError("n must not be negative")
        if n == 0:
            return Due(start)
        # A generous guess at the end (7 days a week for every 5 working days, plus the longest holidays)
        # so that one query loads every year the count will pass through.
        guess = start + dt.timedelta(days=n * 7 // 5 + 30)
        self.load(start.year, guess.year)
        year, remaining = start.year, n
        days = self._year(year)
        index = bisect_right(days, start)
        while len(days) - index < remaining:
            remaining -= len(days) - index
            year += 1
            if year not in self._overrides:
                self.load(year, year + remaining // 200 + self._EXTRA_YEARS)
            days, index = self._year(year), 0
        result = days[index + remaining - 1]
        return Due(result, self.unknown_years((start + ONE_DAY).year, result.year))

    def due_date(self, start: dt.date, amount: int, unit: DueUnit) -> Due:
        if unit == "working_days":
            return self.add_working_days(start, amount)
        if unit == "calendar_days":
            return add_calendar_days(start, amount)
        if unit == "months":
            return add_months(start, amount)
        raise ValueError(f"unknown deadline unit {unit!r}; use one of {', '.join(UNIT_LABELS)}")


# --- the plain functions most callers want ---------------------------------------------------------


def is_workday(committee: Committee | None, day: dt.date) -> bool:
    """Whether `day` is a working day for `committee` (one query)."""
    return WorkCalendar(committee).is_workday(day)


def add_working_days(committee: Committee | None, start: dt.date, n: int) -> Due:
    """The n-th working day after `start` for `committee`: 5 working days after a Friday is the next Friday."""
    return WorkCalendar(committee).add_working_days(start, n)


def working_days_between(committee: Committee | None, start: dt.date, end: dt.date) -> int:
    """How many working days lie in (start, end] for `committee`."""
    return WorkCalendar(committee).working_days_between(start, end)


def add_calendar_days(start: dt.date, n: int) -> Due:
    """`start` plus n days. The due date is not moved off a holiday: the rule a committee sets says so."""
    if n < 0:
        raise ValueError("n must not be negative")
    return Due(start + dt.timedelta(days=n))


def add_months(start: dt.date, n: int) -> Due:
    """The same day n months later, or that month's last day when it is shorter (31 Jan + 1 = 28/29 Feb)."""
    if n < 0:
        raise ValueError("n must not be negative")
    index = start.month - 1 + n
    year, month = start.year + index // 12, index % 12 + 1
    day = min(start.day, stdlib_calendar.monthrange(year, month)[1])
    return Due(dt.date(year, month, day))


def due_date(committee: Committee | None, start: dt.date, amount: int, unit: DueUnit) -> Due:
    """`amount` working days, calendar days or months after `start`, on `committee`'s calendar."""
    return WorkCalendar(committee).due_date(start, amount, unit)
