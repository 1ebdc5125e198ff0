"""The editors' desk narrowed by source, sector (界别) and submission dates: the filters combine with the
tabs and the search, travel in the tab and pager links, and a bad value is dropped with a Chinese message
(never a 500). The rows still come from the `opinion_queue` index, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.utils import timezone

from zhengxie.accounts.models import Role
from zhengxie.members.models import Member
from zhengxie.opinions import selectors, services
from zhengxie.opinions.models import Opinion
from zhengxie.opinions.tests.conftest import TEXT, acc, signed, submitted
from zhengxie.org.models import Sector
from zhengxie.testing.factories import make_persona
from zhengxie.testing.queries import growth_report, queries_during

DESK = "/opinions/desk/"


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def shown(response) -> list[str]:
    return [o.title for o in response.context["page"].object_list]


def public_item(committee, title: str) -> Opinion:
    return services.opinion_submit_public(committee=committee, name="王大妈", contact="13800001111", title=title,
                                          body=TEXT["body"])


def member_of_sector(committee, username: str, sector_name: str):
    user = make_persona(committee, Role.MEMBER, username)
    Member.objects.filter(user=user).update(sector=Sector.objects.get(committee=committee, name=sector_name))
    return user


def submitted_on(o: Opinion, day: dt.date) -> Opinion:
    at = dt.datetime.combine(day, dt.time(10, 0), tzinfo=timezone.get_current_timezone())
    Opinion.objects.filter(pk=o.pk).update(submitted_at=at)
    return o


# --- each filter --------------------------------------------------------------------------------------------


def test_the_desk_filters_by_source_kind(client, member_a, editor_a, committee_a):
    mine = submitted(member_a, committee_a, title="关于委员反映的停车难问题的建议")
    theirs = public_item(committee_a, "关于群众反映的停车难问题的建议")
    client.force_login(editor_a)
    response = client.get(DESK, {"source_kind": "public"})
    assert response.status_code == 200 and shown(response) == [theirs.title]
    body = text_of(response)
    assert "待处理 <span class=\"tab-count\">1</span>" in body
    assert mine.title not in body
    assert shown(client.get(DESK, {"source_kind": "member"})) == [mine.title]


def test_the_desk_filters_by_the_sector_the_item_was_submitted_in(client, member_a, editor_a, committee_a):
    teacher = member_of_sector(committee_a, "teacher_a", "教育界")
    school = submitted(teacher, committee_a, title="关于中小学课后服务的建议")
    submitted(member_a, committee_a, title="关于基层党建的建议")  # member_a sits in 中共
    sector = Sector.objects.get(committee=committee_a, name="教育界")
    client.force_login(editor_a)
    page = client.get(DESK)
    assert f'<option value="{sector.pk}">教育界</option>' in page.content.decode()
    response = client.get(DESK, {"sector": sector.pk})
    assert shown(response) == [school.title]
    assert "教育界" in text_of(response)  # the row says which sector


def test_a_forwarded_copy_matches_the_sector_by_the_name_it_carries(client, county, city, editor_a, leader_a,
                                                                   city_editor):
    teacher = member_of_sector(county, "teacher_a", "教育界")
    o = signed(teacher, editor_a, leader_a, county, title="关于乡村教师周转房的建议")
    copy = services.opinion_forward(access=acc(editor_a, county), opinion_id=o.pk, committee_id=city.pk)
    assert copy.sector_id is None and copy.sector_name == "教育界"
    client.force_login(city_editor)
    city_sector = Sector.objects.get(committee=city, name="教育界")
    assert shown(client.get(DESK, {"sector": city_sector.pk})) == [copy.title]
    other = Sector.objects.get(committee=city, name="经济界")
    assert shown(client.get(DESK, {"sector": other.pk})) == []


def test_the_desk_filters_by_submission_dates_inclusive(client, member_a, editor_a, committee_a):
    early = submitted_on(submitted(member_a, committee_a, title="关于一月份的建议"), dt.date(2026, 1, 31))
    middle = submitted_on(submitted(member_a, committee_a, title="关于二月份的建议"), dt.date(2026, 2, 1))
    late = submitted_on(submitted(member_a, committee_a, title="关于三月份的建议"), dt.date(2026, 3, 1))
    client.force_login(editor_a)
    assert shown(client.get(DESK, {"submitted_from": "2026-02-01"})) == [late.title, middle.title]
    assert shown(client.get(DESK, {"submitted_to": "2026-02-01"})) == [middle.title, early.title]
    assert shown(client.get(DESK, {"submitted_from": "2026-02-01", "submitted_to": "2026-02-01"})) == [middle.title]


# --- together, and in the links ------------------------------------------------------------------------------


def test_filters_combine_with_the_tab_and_the_search(client, member_a, editor_a, committee_a):
    wanted = public_item(committee_a, "关于河道垃圾清理的建议")
    public_item(committee_a, "关于路灯维修的建议")
    submitted(member_a, committee_a, title="关于河道治理的建议")
    adopted = public_item(committee_a, "关于河道护栏的建议")
    services.opinion_transition(access=acc(editor_a, committee_a), opinion_id=adopted.pk, name="adopt")
    client.force_login(editor_a)
    response = client.get(DESK, {"q": "河道", "source_kind": "public"})
    assert shown(response) == [wanted.title]
    body = text_of(response)
    assert "待处理 <span class=\"tab-count\">1</span>" in body and "已采用待编辑 <span class=\"tab-count\">1</span>" in body
    # The tabs keep the filters: the other tab shows the adopted public item about the river only.
    assert 'href="?tab=adopted&amp;q=%E6%B2%B3%E9%81%93&amp;source_kind=public"' in response.content.decode()
    assert shown(client.get(DESK, {"tab": "adopted", "q": "河道", "source_kind": "public"})) == [adopted.title]


def test_the_pager_keeps_the_filters(client, member_a, editor_a, committee_a):
    for n in range(51):
        public_item(committee_a, f"关于第{n}号小区加装电梯的建议")
    submitted(member_a, committee_a)
    client.force_login(editor_a)
    first = client.get(DESK, {"source_kind": "public", "submitted_from": "2000-01-01"})
    assert "第 1 / 2 页，共 51 条" in text_of(first)
    assert 'href="?tab=submitted&amp;source_kind=public&amp;submitted_from=2000-01-01&amp;page=2"' in first.content.decode()
    second = client.get(DESK, {"tab": "submitted", "source_kind": "public", "submitted_from": "2000-01-01", "page": 2})
    assert len(second.context["page"].object_list) == 1
    assert TEXT["title"] not in shown(second)


# --- bad values -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("params, message", [
    ({"source_kind": "alien"}, "没有这种来源"),
    ({"sector": "999999"}, "本会没有这个界别"),
    ({"sector": "教育界"}, "本会没有这个界别"),
    ({"submitted_from": "2026-13-45"}, "提交日期（起）的格式不对（应为 2026-03-01 这样的日期）"),
    ({"submitted_to": "yesterday"}, "提交日期（止）的格式不对"),
    ({"submitted_to": "9999-12-31"}, "提交日期（止）超出范围"),
    ({"submitted_from": "0001-01-01"}, "提交日期（起）超出范围"),
    ({"submitted_from": "2026-03-01", "submitted_to": "2026-02-01"}, "提交日期的起始日期晚于截止日期"),
    ({"q": "河" * 300}, "搜索的文字不能超过 100 个字"),
])
def test_a_bad_filter_is_dropped_with_a_message(params, message, client, member_a, editor_a, committee_a):
    o = submitted(member_a, committee_a)
    client.force_login(editor_a)
    response = client.get(DESK, params)
    assert response.status_code == 200
    body = text_of(response)
    assert "以下筛选条件无效，已忽略：" in body and message in body
    assert shown(response) == [o.title]  # the bad filter narrows nothing


def test_a_bad_filter_leaves_the_good_ones_applied(client, member_a, editor_a, committee_a):
    submitted(member_a, committee_a)
    theirs = public_item(committee_a, "关于群众反映的噪音扰民的建议")
    client.force_login(editor_a)
    response = client.get(DESK, {"source_kind": "public", "submitted_from": "2026/01/01", "tab": "nonsense"})
    assert response.status_code == 200 and shown(response) == [theirs.title]
    assert "source_kind=public" in response.content.decode() and "2026/01/01" not in response.context["query"]


# --- cost ------------------------------------------------------------------------------------------------------


def test_the_filtered_desk_costs_the_same_queries_for_2_or_12_rows(client, member_a, editor_a, committee_a):
    sector = Sector.objects.get(committee=committee_a, name="中共")
    params = {"source_kind": "member", "sector": sector.pk, "submitted_from": "2000-01-01", "q": "建议"}
    for _ in range(2):
        submitted(member_a, committee_a)
    client.force_login(editor_a)
    few_response, few = queries_during(lambda: client.get(DESK, params))
    for _ in range(10):
        submitted(member_a, committee_a)
    response, many = queries_during(lambda: client.get(DESK, params))
    assert len(few_response.context["page"].object_list) == 2 and len(response.context["page"].object_list) == 12
    assert len(many) == len(few), growth_report(few, many)
    # The pager is told the tab's count: one COUNT for all tabs, none for the page.
    assert sum("COUNT(" in sql.upper() for sql in many) == 1


def test_the_filtered_rows_are_read_through_the_queue_index(member_a, editor_a, committee_a):
    submitted(member_a, committee_a)
    sector = Sector.objects.get(committee=committee_a, name="中共")
    tz = timezone.get_current_timezone()
    filters = selectors.DeskFilter(source_kind="member", sector_id=sector.pk, sector_name=sector.name,
                                   submitted_from=dt.datetime(2026, 1, 1, tzinfo=tz),
                                   submitted_before=dt.datetime(2026, 2, 1, tzinfo=tz))
    rows = selectors.desk_rows(acc(editor_a, committee_a), state="submitted", filters=filters)[:50]
    plan = rows.explain()
    if connection.vendor == "sqlite":
        assert "opinion_queue" in plan, plan
