"""The calendar page: a committee admin enters the days the official calendar does not know yet."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from zhengxie.accounts.permissions import access_for
from zhengxie.audit.models import Event
from zhengxie.deadlines.calendar import package_years
from zhengxie.deadlines.models import CalendarDay
from zhengxie.notifications.todos import todos_for

pytestmark = pytest.mark.django_db

URL = "/deadlines/calendar/"
D = dt.date


def add(client, **over):
    data = {"date": "2035-01-01", "is_workday": "0", "note": "元旦"}
    data.update(over)
    return client.post(URL, data)


def test_an_admin_sees_which_years_the_official_calendar_covers(login, admin_a):
    response = login(admin_a).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    first, last = package_years()
    assert f"收录 {first}—{last} 年的官方安排" in page
    assert "尚未录入任何日期" in page


@pytest.mark.parametrize("persona", ["clerk_a", "member_a", "unit_a", "leader_a"])
def test_only_the_committees_admin_may_open_or_change_its_calendar(login, request, persona, admin_a):
    client = login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert add(client).status_code == 403
    assert not CalendarDay.objects.exists()


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_admin_adds_a_holiday_and_the_change_is_audited(login, admin_a, committee_a):
    client = login(admin_a)
    response = add(client, date="2035-01-01", is_workday="0", note=" 元旦 ")
    assert response.status_code == 302
    day = CalendarDay.objects.get()
    assert (day.committee, day.date, day.is_workday, day.note) == (committee_a, D(2035, 1, 1), False, "元旦")
    event = Event.objects.get(verb="calendar.day_added")
    assert event.actor == admin_a and event.committee == committee_a
    assert event.payload == {"date": "2035-01-01", "is_workday": False, "note": "元旦", "scope": "本会"}
    page = client.get(URL).content.decode()
    assert "已将2035年1月1日设为放假。" in page
    assert "1月1日" in page and "官方尚未公布" in page


def test_an_admin_adds_a_weekend_working_day(login, admin_a, committee_a):
    add(login(admin_a), date="2035-02-03", is_workday="1", note="春节调休")
    assert CalendarDay.objects.get().is_workday is True


def test_bad_input_is_explained_in_chinese_next_to_the_field(login, admin_a):
    response = add(login(admin_a), date="2035-13-45", is_workday="", note="长" * 101)
    assert response.status_code == 400
    page = response.content.decode()
    assert "请输入有效的日期，如 2027-01-01。" in page
    assert "请选择上班或放假。" in page
    assert "说明不能超过 100 个字。" in page
    assert 'id="id_date_error"' in page and 'aria-describedby="id_date_error"' in page
    assert 'aria-invalid="true"' in page
    assert 'role="alert"' in page
    assert not CalendarDay.objects.exists()


def test_a_date_entered_twice_is_refused_in_chinese(login, admin_a):
    client = login(admin_a)
    add(client)
    response = add(client, is_workday="1")
    assert response.status_code == 400
    assert "2035年1月1日已有本会的调整记录，请先删除原记录。" in response.content.decode()
    assert CalendarDay.objects.count() == 1


def test_a_year_far_off_is_a_typing_mistake(login, admin_a):
    response = add(login(admin_a), date="2999-01-01")
    assert response.status_code == 400
    assert "日期须在 1990 年至 2100 年之间。" in response.content.decode()


def test_an_admin_removes_a_day_and_the_change_is_audited(login, admin_a, committee_a):
    day = CalendarDay.objects.create(committee=committee_a, date=D(2035, 1, 1), is_workday=False, note="元旦")
    response = login(admin_a).post(f"/deadlines/calendar/{day.pk}/delete/")
    assert response.status_code == 302
    assert not CalendarDay.objects.exists()
    event = Event.objects.get(verb="calendar.day_removed")
    assert event.object_id == str(day.pk) and event.payload["date"] == "2035-01-01" and event.actor == admin_a


def test_removing_needs_a_post(login, admin_a, committee_a):
    day = CalendarDay.objects.create(committee=committee_a, date=D(2035, 1, 1), is_workday=False)
    assert login(admin_a).get(f"/deadlines/calendar/{day.pk}/delete/").status_code == 405
    assert CalendarDay.objects.exists()


def test_an_admin_cannot_remove_another_committees_day(login, admin_a, committee_b):
    theirs = CalendarDay.objects.create(committee=committee_b, date=D(2035, 1, 1), is_workday=False)
    assert login(admin_a).post(f"/deadlines/calendar/{theirs.pk}/delete/").status_code == 404
    assert CalendarDay.objects.filter(pk=theirs.pk).exists()
    assert "2035年" not in login(admin_a).get(URL).content.decode().split("已录入的日期")[1]


def test_platform_wide_days_are_shown_to_a_committee_admin_read_only(login, admin_a, committee_a):
    platform = CalendarDay.objects.create(committee=None, date=D(2035, 1, 1), is_workday=False, note="全国元旦")
    client = login(admin_a)
    page = client.get(URL).content.decode()
    assert "全国元旦" in page and "由平台管理员维护" in page
    assert f"/deadlines/calendar/{platform.pk}/delete/" not in page
    assert client.post(f"/deadlines/calendar/{platform.pk}/delete/").status_code == 404
    # A committee admin's form has no scope: the day is entered for the committee, beside the platform's.
    assert add(client, scope="platform", is_workday="1").status_code == 302
    assert CalendarDay.objects.filter(committee__isnull=True).count() == 1
    assert CalendarDay.objects.get(committee=committee_a).is_workday is True


def test_a_platform_admin_enters_a_day_for_every_committee(login, platform_admin, committee_a, admin_b, committee_b):
    client = login(platform_admin)
    response = add(client, scope="platform", note="全国元旦")
    assert response.status_code == 302
    day = CalendarDay.objects.get()
    assert day.committee is None
    assert Event.objects.get(verb="calendar.day_added").payload["scope"] == "全平台"
    other = Client()
    other.force_login(admin_b)
    assert "全国元旦" in other.get(URL).content.decode()
    assert client.post(f"/deadlines/calendar/{day.pk}/delete/").status_code == 302
    assert not CalendarDay.objects.exists()


def test_posting_without_the_csrf_token_is_refused(admin_a, committee_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_a)
    assert add(client).status_code == 403
    day = CalendarDay.objects.create(committee=committee_a, date=D(2035, 1, 1), is_workday=False)
    assert client.post(f"/deadlines/calendar/{day.pk}/delete/").status_code == 403
    assert CalendarDay.objects.count() == 1


def test_the_upcoming_years_show_whether_they_need_entering(login, admin_a):
    page = login(admin_a).get(URL).content.decode()
    this_year = timezone.localdate().year
    for year in range(this_year, this_year + 3):
        assert f"{year}年：" in page
    last = package_years()[1]
    if last < this_year + 2:
        assert "需要手工录入（目前按周末计算）" in page


def test_an_admin_is_asked_to_enter_a_year_an_open_deadline_falls_in(open_deadline, admin_a, committee_a, clerk_a):
    open_deadline(committee_a, D(2035, 6, 29))
    titles = [t.title for t in todos_for(access_for(admin_a, committee_a))]
    assert "2035年放假安排尚未录入，期限暂按周末计算" in titles
    assert not any("2035年" in t.title for t in todos_for(access_for(clerk_a, committee_a)))
    CalendarDay.objects.create(committee=None, date=D(2035, 1, 1), is_workday=False)
    titles = [t.title for t in todos_for(access_for(admin_a, committee_a))]
    assert not any("2035年" in t for t in titles)
