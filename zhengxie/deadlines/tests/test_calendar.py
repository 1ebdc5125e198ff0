"""Working days on the official calendar (chinese_calendar), with hand-entered corrections."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from zhengxie.deadlines import calendar
from zhengxie.deadlines.calendar import (
    WorkCalendar,
    add_calendar_days,
    add_months,
    add_working_days,
    due_date,
    is_workday,
    package_years,
    working_days_between,
)
from zhengxie.deadlines.models import CalendarDay

pytestmark = pytest.mark.django_db

D = dt.date


def days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


# --- the official calendar -------------------------------------------------------------------------


def test_national_day_2025_is_eight_days_off_with_two_weekend_days_worked(committee_a):
    assert not any(is_workday(committee_a, d) for d in days(D(2025, 10, 1), D(2025, 10, 8)))
    assert is_workday(committee_a, D(2025, 9, 28))  # a Sunday, worked in exchange (调休)
    assert is_workday(committee_a, D(2025, 10, 11))  # a Saturday, worked in exchange
    assert is_workday(committee_a, D(2025, 10, 9)) and is_workday(committee_a, D(2025, 10, 10))
    assert not is_workday(committee_a, D(2025, 10, 12))  # an ordinary Sunday


def test_spring_festival_2026_comes_from_the_package(committee_a):
    assert not any(is_workday(committee_a, d) for d in days(D(2026, 2, 15), D(2026, 2, 23)))
    assert is_workday(committee_a, D(2026, 2, 14))  # Saturday before, worked
    assert is_workday(committee_a, D(2026, 2, 28))  # Saturday after, worked
    assert is_workday(committee_a, D(2026, 2, 24))


def test_working_days_skip_national_day_and_count_the_weekend_worked_before_it(committee_a):
    # Friday 26 September 2025: the next working day is Sunday the 28th (调休), then Monday the 29th.
    assert add_working_days(committee_a, D(2025, 9, 26), 1).date == D(2025, 9, 28)
    assert add_working_days(committee_a, D(2025, 9, 26), 2).date == D(2025, 9, 29)
    # The day before the holiday: the next working day is 9 October, and the Saturday after it counts.
    assert add_working_days(committee_a, D(2025, 9, 30), 1).date == D(2025, 10, 9)
    assert add_working_days(committee_a, D(2025, 9, 30), 3).date == D(2025, 10, 11)
    assert add_working_days(committee_a, D(2025, 9, 30), 4).date == D(2025, 10, 13)


def test_working_days_skip_the_spring_festival(committee_a):
    assert add_working_days(committee_a, D(2026, 2, 13), 1).date == D(2026, 2, 14)
    assert add_working_days(committee_a, D(2026, 2, 13), 2).date == D(2026, 2, 24)
    # 15 working days from the last working day of 2025 into the festival: January 1–3 are off as well.
    due = add_working_days(committee_a, D(2025, 12, 31), 15)
    assert due.date == D(2026, 1, 22) and due.unknown_years == ()


def test_zero_working_days_is_the_start_itself_and_negative_is_refused(committee_a):
    assert add_working_days(committee_a, D(2025, 10, 3), 0).date == D(2025, 10, 3)
    with pytest.raises(ValueError):
        add_working_days(committee_a, D(2025, 10, 3), -1)


def test_working_days_between_counts_the_half_open_interval(committee_a):
    assert working_days_between(committee_a, D(2025, 9, 30), D(2025, 10, 9)) == 1
    assert working_days_between(committee_a, D(2025, 10, 9), D(2025, 9, 30)) == -1
    assert working_days_between(committee_a, D(2025, 10, 1), D(2025, 10, 8)) == 0
    assert working_days_between(committee_a, D(2025, 12, 31), D(2026, 1, 22)) == 15


# --- corrections by hand ---------------------------------------------------------------------------


def test_a_committee_override_turns_a_holiday_into_a_working_day_for_that_committee_only(committee_a, committee_b):
    CalendarDay.objects.create(committee=committee_a, date=D(2025, 10, 8), is_workday=True, note="本地安排")
    assert is_workday(committee_a, D(2025, 10, 8))
    assert not is_workday(committee_b, D(2025, 10, 8))
    assert add_working_days(committee_a, D(2025, 9, 30), 1).date == D(2025, 10, 8)
    assert add_working_days(committee_b, D(2025, 9, 30), 1).date == D(2025, 10, 9)


def test_a_platform_day_applies_to_every_committee_and_a_committees_own_day_wins(committee_a, committee_b):
    CalendarDay.objects.create(committee=None, date=D(2025, 10, 13), is_workday=False, note="全省放假")
    CalendarDay.objects.create(committee=committee_b, date=D(2025, 10, 13), is_workday=True, note="本区照常上班")
    assert not is_workday(committee_a, D(2025, 10, 13))
    assert is_workday(committee_b, D(2025, 10, 13))
    assert not is_workday(None, D(2025, 10, 13))


# --- years the package does not know ---------------------------------------------------------------


def test_the_package_covers_2004_to_at_least_2026():
    first, last = package_years()
    assert first == 2004 and last >= 2026


def test_a_year_beyond_the_package_is_judged_by_weekday_and_flagged(committee_a):
    assert not calendar.package_covers(2035)
    # 1 January 2035 is a Monday: with no holidays known, it counts as a working day. The weekend before
    # it, in 2034, was judged by weekday too, so both years are named.
    due = add_working_days(committee_a, D(2034, 12, 29), 1)
    assert due.date == D(2035, 1, 1)
    assert due.unknown_years == (2034, 2035)
    assert due.warning == "该期限落在尚未公布放假安排的年份（2034年、2035年），按周末计算，请管理员补录节假日"
    week = add_working_days(committee_a, D(2035, 1, 5), 5)  # Friday + 5 = next Friday
    assert week.date == D(2035, 1, 12) and week.unknown_years == (2035,)
    assert week.warning == "该期限落在尚未公布放假安排的年份（2035年），按周末计算，请管理员补录节假日"


def test_entering_a_years_holidays_by_hand_makes_it_known(committee_a, committee_b):
    CalendarDay.objects.create(committee=committee_a, date=D(2035, 1, 1), is_workday=False, note="元旦")
    due = add_working_days(committee_a, D(2034, 12, 31), 1)
    assert due.date == D(2035, 1, 2) and due.unknown_years == ()
    elsewhere = add_working_days(committee_b, D(2034, 12, 31), 1)
    assert elsewhere.date == D(2035, 1, 1) and elsewhere.unknown_years == (2035,)


def test_a_computation_inside_the_package_is_not_flagged(committee_a):
    assert add_working_days(committee_a, D(2025, 3, 1), 60).unknown_years == ()
    assert add_working_days(committee_a, D(2025, 3, 1), 60).warning == ""


def test_three_months_of_working_days_across_new_year_cost_one_query(committee_a, django_assert_num_queries):
    with django_assert_num_queries(1):
        due = add_working_days(committee_a, D(2025, 11, 3), 65)
    assert due.date.year == 2026


def test_a_long_count_runs_past_what_was_loaded_and_stays_right(committee_a):
    cal = WorkCalendar(committee_a)
    due = cal.add_working_days(D(2020, 1, 1), 2000)
    assert cal.working_days_between(D(2020, 1, 1), due.date) == 2000
    assert set(due.unknown_years) == set(range(package_years()[1] + 1, due.date.year + 1))


# --- calendar days and months ----------------------------------------------------------------------


@pytest.mark.parametrize(("start", "months", "expected"), [
    (D(2025, 1, 31), 1, D(2025, 2, 28)),
    (D(2024, 1, 31), 1, D(2024, 2, 29)),  # leap year
    (D(2025, 8, 31), 1, D(2025, 9, 30)),
    (D(2025, 11, 30), 3, D(2026, 2, 28)),
    (D(2025, 3, 15), 3, D(2025, 6, 15)),
    (D(2025, 12, 15), 1, D(2026, 1, 15)),
    (D(2025, 5, 20), 0, D(2025, 5, 20)),
    (D(2025, 5, 20), 24, D(2027, 5, 20)),
])
def test_months_keep_the_day_of_the_month_clamped_to_the_month_end(start, months, expected):
    assert add_months(start, months) == calendar.Due(expected)


def test_calendar_days_do_not_care_about_holidays():
    assert add_calendar_days(D(2025, 9, 30), 1).date == D(2025, 10, 1)


def test_due_date_dispatches_on_the_unit(committee_a):
    start = D(2025, 9, 30)
    assert due_date(committee_a, start, 1, "working_days").date == D(2025, 10, 9)
    assert due_date(committee_a, start, 1, "calendar_days").date == D(2025, 10, 1)
    assert due_date(committee_a, start, 1, "months").date == D(2025, 10, 30)
    with pytest.raises(ValueError):
        due_date(committee_a, start, 1, "fortnights")  # type: ignore[arg-type]


# --- the property ----------------------------------------------------------------------------------


def official_or_weekday(day: dt.date) -> bool:
    """An oracle independent of our code: the package where it knows, the weekday where it does not."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.dates(min_value=D(2003, 6, 1), max_value=D(2036, 12, 31)), n=st.integers(min_value=1, max_value=300))
@example(start=D(2025, 9, 30), n=1)
@example(start=D(2026, 12, 31), n=1)  # from the package's last day into an unknown year
@example(start=D(2026, 2, 13), n=2)
def test_the_nth_working_day_is_a_working_day_after_start_with_exactly_n_working_days_up_to_it(db, start, n):
    due = add_working_days(None, start, n).date
    cal = WorkCalendar(None)
    assert due > start
    assert cal.is_workday(due) and official_or_weekday(due)
    span = days(start + dt.timedelta(days=1), due)
    assert sum(cal.is_workday(d) for d in span) == n
    assert sum(official_or_weekday(d) for d in span) == n
    assert cal.working_days_between(start, due) == n
