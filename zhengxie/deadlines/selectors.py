"""Reads: open, overdue and soon-due deadlines, and the calendar page's rows. Each is one query.

`due_soon` also needs the committee's calendar to count working days: one more query for the
calendar corrections, whatever the number of deadlines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from zhengxie.deadlines.calendar import WorkCalendar, package_covers, package_years
from zhengxie.deadlines.models import CalendarDay, Deadline
from zhengxie.org.models import Committee


def open_deadlines(committee: Committee, kinds: Iterable[str] | None = None) -> QuerySet[Deadline]:
    qs = Deadline.objects.filter(committee=committee, status=Deadline.Status.OPEN)
    if kinds is not None:
        qs = qs.filter(kind__in=list(kinds))
    return qs


def overdue(committee: Committee, kinds: Iterable[str] | None = None,
            today: dt.date | None = None) -> QuerySet[Deadline]:
    """Open deadlines whose due date has passed, the longest overdue first."""
    today = today or timezone.localdate()
    return open_deadlines(committee, kinds).filter(due_date__lt=today).order_by("due_date", "id")


def due_soon(committee: Committee, within_working_days: int, kinds: Iterable[str] | None = None,
             today: dt.date | None = None) -> QuerySet[Deadline]:
    """Open deadlines due from today up to `within_working_days` working days from now, soonest first."""
    today = today or timezone.localdate()
    horizon = WorkCalendar(committee).add_working_days(today, within_working_days).date
    return open_deadlines(committee, kinds).filter(due_date__gte=today, due_date__lte=horizon).order_by("due_date", "id")


def for_subject(subject_type: str, subject_id: int | str) -> QuerySet[Deadline]:
    """Every deadline (open or not) set on one subject, the oldest first.

    Not scoped by committee: a subject's id is its own table's primary key, so it belongs to one
    committee already; callers fetch the subject with their own committee-scoped selector first.
    """
    return Deadline.objects.filter(subject_type=subject_type, subject_id=str(subject_id)).order_by("created_at", "id")


# --- the calendar page -----------------------------------------------------------------------------


def calendar_days(committee: Committee) -> list[CalendarDay]:
    """The committee's own hand-entered days and the platform-wide ones, by date."""
    return list(CalendarDay.objects.filter(Q(committee=committee) | Q(committee__isnull=True)).order_by("date", "id"))


def calendar_day_get(committee: Committee, day_id: int, *, platform: bool) -> CalendarDay | None:
    """One of the committee's days, or (when `platform`, for a platform admin) a platform-wide one."""
    scope = Q(committee=committee) | Q(committee__isnull=True) if platform else Q(committee=committee)
    return CalendarDay.objects.filter(scope, pk=day_id).first()


@dataclass(frozen=True)
class YearCoverage:
    year: int
    by_package: bool
    entered: int  # hand-entered days that apply to this committee (its own and platform-wide)

    @property
    def needs_entry(self) -> bool:
        return not self.by_package and not self.entered


def year_coverage(committee: Committee, years: Iterable[int]) -> list[YearCoverage]:
    """For each year: is it in the package, and how many days were entered by hand (one query)."""
    years = sorted(set(years))
    counts: dict[int, int] = {}
    if years:
        rows = (CalendarDay.objects.filter(Q(committee=committee) | Q(committee__isnull=True),
                                           date__gte=dt.date(years[0], 1, 1), date__lte=dt.date(years[-1], 12, 31))
                .order_by().values_list("date__year").annotate(n=Count("id")))
        counts = dict(rows)
    return [YearCoverage(year=y, by_package=package_covers(y), entered=counts.get(y, 0)) for y in years]


def unknown_deadline_years(committee: Committee) -> list[int]:
    """Years beyond the package's last one in which an open deadline of the committee falls (one query)."""
    after = dt.date(package_years()[1], 12, 31)
    dates = open_deadlines(committee).filter(due_date__gt=after).dates("due_date", "year")
    return [d.year for d in dates]
