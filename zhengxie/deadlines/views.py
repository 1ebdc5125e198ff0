from __future__ import annotations

import datetime as dt
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhengxie.accounts.permissions import Perm
from zhengxie.deadlines import selectors
from zhengxie.deadlines.calendar import official_is_workday, package_years
from zhengxie.deadlines.forms import SCOPE_PLATFORM, CalendarDayForm
from zhengxie.deadlines.services import DeadlineError, calendar_day_add, calendar_day_remove, chinese_date

UPCOMING_YEARS = 3  # this year and the next two


def _official_label(day: dt.date) -> str:
    official = official_is_workday(day)
    if official is None:
        return "官方尚未公布"
    return "官方：上班" if official else "官方：放假"


@login_required
def calendar_page(request):
    """The committee's hand-entered working days and holidays, and which years still need them."""
    request.access.require(Perm.MANAGE_ORG)
    committee = request.committee
    is_platform_admin = request.user.is_superuser
    form = CalendarDayForm(request.POST or None, allow_platform=is_platform_admin)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        platform = is_platform_admin and data.get("scope") == SCOPE_PLATFORM
        try:
            day = calendar_day_add(committee=None if platform else committee, day=data["date"],
                                   is_workday=data["is_workday"], note=data["note"], actor=request.user)
        except DeadlineError as exc:
            form.add_error(None, exc.message)
        else:
            what = "上班" if day.is_workday else "放假"
            messages.success(request, f"已将{chinese_date(day.date)}设为{what}{'（全平台）' if platform else ''}。")
            return redirect("deadlines:calendar")
    this_year = timezone.localdate().year
    rows = [
        {"day": d, "official": _official_label(d.date), "editable": d.committee_id is not None or is_platform_admin}
        for d in selectors.calendar_days(committee)
    ]
    by_year = [(year, list(items)) for year, items in groupby(rows, key=lambda r: r["day"].date.year)]
    by_year.sort(key=lambda pair: pair[0], reverse=True)
    first, last = package_years()
    return render(request, "deadlines/calendar.html", {
        "form": form,
        "by_year": by_year,
        "coverage": selectors.year_coverage(committee, range(this_year, this_year + UPCOMING_YEARS)),
        "package_first": first,
        "package_last": last,
        "is_platform_admin": is_platform_admin,
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def calendar_day_delete(request, day_id: int):
    request.access.require(Perm.MANAGE_ORG)
    day = selectors.calendar_day_get(request.committee, day_id, platform=request.user.is_superuser)
    if day is None:
        raise Http404("没有找到该记录。")
    try:
        calendar_day_remove(calendar_day=day, actor=request.user)
    except DeadlineError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已删除{chinese_date(day.date)}的调整。")
    return redirect("deadlines:calendar")
