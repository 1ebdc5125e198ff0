"""The to-do the calendar gives committee admins: a year whose holidays nobody has entered yet."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from zhengxie.accounts.permissions import Access, Perm
from zhengxie.deadlines.calendar import package_covers
from zhengxie.deadlines.selectors import unknown_deadline_years, year_coverage
from zhengxie.notifications.todos import Todo, register_todo_provider

# From this month on, next year's holidays are usually announced (the State Council publishes them in
# the autumn), so an admin is asked to enter them if the package has not caught up.
ASK_FOR_NEXT_YEAR_FROM_MONTH = 11


@register_todo_provider
def calendar_gaps(access: Access) -> list[Todo]:
    """Admins see each year that open deadlines (or this year, or soon next year) fall in but nobody entered."""
    if not access.has(Perm.MANAGE_ORG) or access.committee is None:
        return []
    today = timezone.localdate()
    with_deadlines = set(unknown_deadline_years(access.committee))
    years = {today.year, *with_deadlines}
    if today.month >= ASK_FOR_NEXT_YEAR_FROM_MONTH:
        years.add(today.year + 1)
    years = {y for y in years if not package_covers(y)}
    if not years:
        return []
    url = reverse("deadlines:calendar")
    return [
        Todo(title=f"{y.year}年放假安排尚未录入，期限暂按周末计算", url=url,
             urgent=y.year <= today.year or y.year in with_deadlines)
        for y in year_coverage(access.committee, years) if y.needs_entry
    ]
