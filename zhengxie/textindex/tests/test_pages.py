"""The search page, the similar-items tool and the htmx panels, as the committee's people use them."""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import quote

import pytest
from django.template import Context, Template
from django.test import Client

from zhengxie.accounts.models import Role
from zhengxie.org.models import Session, Unit
from zhengxie.testing.factories import grant, make_user
from zhengxie.testing.queries import growth_report, queries_during
from zhengxie.textindex import selectors
from zhengxie.textindex.registry import Source, register_source, unregister_source
from zhengxie.textindex.tests.conftest import KIND

pytestmark = pytest.mark.django_db

SCHOOL_TITLE = "关于加强校园周边交通安全管理的建议"
SCHOOL_BODY = ("每天上下学时段，城关小学和实验中学门口车辆乱停乱放，接送家长的电动自行车占用人行道，"
               "学生过马路存在较大安全隐患。建议在校门口增设护学岗，划定临时停车区，高峰时段实行交通管制。")
ELEVATOR_TITLE = "关于老旧小区加装电梯的建议"
ELEVATOR_BODY = ("我区上世纪九十年代建成的老旧小区多为六层住宅，老年住户上下楼困难。建议简化加装电梯审批流程，"
                 "提高财政补贴比例，并协调低层住户意见。部分小区靠近校园周边，施工时应避开上下学时段。")
CHARGING_TITLE = "关于规范电动自行车集中充电设施建设的建议"
CHARGING_BODY = ("居民将电动自行车推进楼道充电、飞线充电现象普遍，火灾隐患突出。建议在小区内统一建设集中充电棚，"
                 "引入智能充电桩，费用由物业和居民合理分担。")


def _unit(committee, name: str) -> Unit:
    return Unit.objects.get(committee=committee, name=name)


@pytest.fixture
def corpus(committee_a, committee_b, index_doc):
    """Committee A: a members-visible item on school traffic (handled by 区教育局), a staff-only one on
    elevators that mentions 校园周边 only in its body, a public one on e-bike charging; committee B: its
    own item on school traffic, which nobody in A ever sees."""
    education = _unit(committee_a, "区教育局")
    housing = _unit(committee_a, "区住房和城乡建设局")
    return {
        "school": index_doc(committee_a, SCHOOL_TITLE, SCHOOL_BODY, audience="members", url="/proposals/1/",
                            state="open", state_label="办理中", category="社会建设", unit_id=education.pk,
                            unit_ids=(education.pk,), date=dt.date(2025, 1, 15)),
        "elevator": index_doc(committee_a, ELEVATOR_TITLE, ELEVATOR_BODY, audience="staff", url="/proposals/2/",
                              state="done", state_label="已办结", category="经济建设", unit_id=housing.pk,
                              unit_ids=(housing.pk,), date=dt.date(2026, 2, 1)),
        "charging": index_doc(committee_a, CHARGING_TITLE, CHARGING_BODY, audience="public", url="/proposals/3/",
                              date=dt.date(2024, 3, 5)),
        "other": index_doc(committee_b, "乙区关于校园周边交通安全的建议", SCHOOL_BODY, audience="public",
                           url="/proposals/99/"),
    }


def page_of(client: Client, url: str, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, (url, params, response.status_code)
    return response.content.decode()


def result_titles(client: Client, **params) -> list[str]:
    return [t.removesuffix(" 标题命中") for t in titles_in(page_of(client, "/search/", **params))]


def titles_in(html: str) -> list[str]:
    """The result titles in order, marks removed (a title hit ends in " 标题命中")."""
    return [re.sub(r"<[^>]+>", "", t) for t in re.findall(r'<h3 class="result-title">(.*?)</h3>', html, re.S)]


# --- the search page ----------------------------------------------------------------------------------


def test_the_search_page_marks_the_words_found_and_lists_title_hits_first(login, clerk_a, corpus):
    html = page_of(login(clerk_a), "/search/", q="校园周边")
    titles = titles_in(html)
    assert titles[0].startswith(SCHOOL_TITLE) and "标题命中" in titles[0]
    assert titles[1] == ELEVATOR_TITLE  # newer, but the words are only in its body
    assert "关于加强<mark>校园周边</mark>交通安全管理的建议" in html
    assert "<mark>校园周边</mark>，施工时" in html  # the elevator item's snippet
    assert "共 2 条" in html


def test_a_result_shows_its_kind_state_date_unit_and_links_to_the_item(login, clerk_a, corpus):
    html = page_of(login(clerk_a), "/search/", q="护学岗")
    item = html[html.index('<li class="result">'):]
    assert '<a href="/proposals/1/">' in item
    for shown in ["测试文档", "办理中", "2025-01-15", "区教育局"]:
        assert shown in item


def test_a_result_whose_link_is_not_a_path_on_this_site_is_shown_without_a_link(login, clerk_a, committee_a,
                                                                                   index_doc):
    index_doc(committee_a, "关于整治农村人居环境的建议", "推进垃圾分类和污水处理。", audience="members",
              url="javascript:alert(1)")
    html = page_of(login(clerk_a), "/search/", q="人居环境")
    assert "javascript:" not in html and "关于整治农村<mark>人居环境</mark>的建议" in html


def test_the_first_visit_explains_the_search_and_shows_no_result_list(login, member_a, corpus):
    html = page_of(login(member_a), "/search/")
    assert "按标题和正文检索" in html and "检索结果" not in html


@pytest.mark.parametrize("query,message", [
    ("", "请输入要搜索的文字。"),
    ("   ", "请输入要搜索的文字。"),
    ("！？。，", "搜索词里没有可以检索的文字或数字。"),
    ("😀🎉", "搜索词里没有可以检索的文字或数字。"),
    ("校园周边" * 20, "搜索词过长，只按前 64 个字搜索。"),
])
def test_an_unusable_query_gets_a_polite_hint(login, member_a, corpus, query, message):
    html = page_of(login(member_a), "/search/", q=query)
    assert message in html


def test_a_query_that_finds_nothing_says_so_and_suggests_what_to_try(login, member_a, corpus):
    html = page_of(login(member_a), "/search/", q="航天发射")
    assert "没有找到相关事项" in html and '<ol class="results"' not in html


def test_more_than_the_count_cap_reads_1000_plus_and_asks_to_narrow_the_search(login, clerk_a, committee_a,
                                                                                index_doc, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    for i in range(5):
        index_doc(committee_a, f"关于第{i}批停车位建设的建议", "增加公共停车位。")
    html = page_of(login(clerk_a), "/search/", q="停车位")
    assert "1000 条以上，请缩小范围" in html and "共 " not in html


# --- filters ------------------------------------------------------------------------------------------


@pytest.fixture
def second_kind():
    register_source(Source(kind="testnote", label="测试信息", staff_perm="members.view_personal",
                           entries=lambda: [], states={"draft": "草稿", "open": "办理中"}, categories=["民生"]))
    yield "testnote"
    unregister_source("testnote")


def test_each_filter_narrows_the_results(login, clerk_a, committee_a, corpus, index_doc, second_kind):
    session = Session.objects.get(committee=committee_a)
    housing = _unit(committee_a, "区住房和城乡建设局")
    note = index_doc(committee_a, "校园周边流动摊贩问题", "放学时段摊贩聚集。", kind=second_kind, session_id=session.pk,
                     date=dt.date(2026, 1, 14), state="draft", category="民生")
    client = login(clerk_a)
    everything = titles_in(page_of(client, "/search/", q="校园周边"))
    assert len(everything) == 3
    cases = [
        ({"kind": second_kind}, [note.title]),
        ({"kind": KIND}, [SCHOOL_TITLE, ELEVATOR_TITLE]),
        ({"session": session.pk}, [note.title]),
        ({"state": "done"}, [ELEVATOR_TITLE]),
        ({"category": "社会建设"}, [SCHOOL_TITLE]),
        ({"unit": housing.pk}, [ELEVATOR_TITLE]),
    ]
    for filters, expected in cases:
        assert result_titles(client, q="校园周边", **filters) == expected, filters


def test_the_date_filters_narrow_the_results(login, clerk_a, committee_a, corpus, index_doc):
    note = index_doc(committee_a, "校园周边流动摊贩问题", "放学时段摊贩聚集。", date=dt.date(2026, 1, 14))
    client = login(clerk_a)
    for filters, expected in [
        ({"date_from": "2026-01-01"}, [note.title, ELEVATOR_TITLE]),
        ({"date_to": "2025-12-31"}, [SCHOOL_TITLE]),
        ({"date_from": "2026-01-01", "date_to": "2026-01-31"}, [note.title]),
    ]:
        assert result_titles(client, q="校园周边", **filters) == expected, filters


def test_the_state_and_category_choices_follow_the_chosen_kind(login, clerk_a, corpus, second_kind):
    client = login(clerk_a)
    all_kinds = page_of(client, "/search/", q="校园")
    assert '<option value="draft">草稿</option>' in all_kinds and '<option value="done">已办结</option>' in all_kinds
    one_kind = page_of(client, "/search/", q="校园", kind=second_kind)
    assert '<option value="draft">草稿</option>' in one_kind and "已办结" not in one_kind
    assert '<option value="民生">民生</option>' in one_kind and "社会建设" not in one_kind


def test_the_filters_offer_the_committees_own_sessions_and_units_only(login, clerk_a, committee_a, committee_b,
                                                                       corpus):
    Unit.objects.create(committee=committee_b, name="乙区交通运输局")
    html = page_of(login(clerk_a), "/search/", q="校园")
    assert "区教育局" in html and "十一届五次会议" in html
    assert "乙区交通运输局" not in html


@pytest.mark.parametrize("name,value", [
    ("kind", "no_such_kind"), ("kind", "' OR '1'='1"), ("session", "abc"), ("session", "-1"),
    ("session", "99999999999999999999999"), ("unit", "1e309"), ("unit", "NaN"), ("state", "no_such_state"),
    ("category", "不存在的类别"), ("date_from", "2026-13-45"), ("date_to", "yesterday"), ("date_from", "\x00"),
])
def test_an_invalid_filter_is_ignored_with_a_visible_note_and_the_search_still_runs(login, clerk_a, corpus, name,
                                                                                    value):
    html = page_of(login(clerk_a), "/search/", q="校园周边", **{name: value})
    assert "以下筛选条件无效，已忽略" in html
    assert len(titles_in(html)) == 2


def test_a_filter_from_another_committee_is_ignored(login, clerk_a, committee_b, corpus):
    other_unit = Unit.objects.filter(committee=committee_b).first()
    html = page_of(login(clerk_a), "/search/", q="校园周边", unit=other_unit.pk)
    assert "已忽略：承办单位" in html and len(titles_in(html)) == 2


def test_a_date_range_that_ends_before_it_starts_is_pointed_out(login, clerk_a, corpus):
    html = page_of(login(clerk_a), "/search/", q="校园周边", date_from="2026-03-01", date_to="2026-01-01")
    assert "截止日期早于起始日期" in html


def test_the_filter_panel_is_open_when_a_filter_is_in_use(login, clerk_a, corpus):
    client = login(clerk_a)
    assert '<details class="search-filters">' in page_of(client, "/search/", q="校园")
    assert '<details class="search-filters" open>' in page_of(client, "/search/", q="校园", state="open")


# --- pagination ---------------------------------------------------------------------------------------


def test_pages_of_twenty_keep_the_query_and_the_filters(login, clerk_a, committee_a, index_doc):
    for i in range(25):
        index_doc(committee_a, f"关于第{i + 1}号路口信号灯配时优化的建议", "早晚高峰信号灯配时不合理。", state="open")
    client = login(clerk_a)
    first = page_of(client, "/search/", q="信号灯", state="open")
    assert len(titles_in(first)) == 20 and "共 25 条" in first and "第 1 / 2 页" in first
    next_link = re.search(r'<a href="\?([^"]+)" rel="next">下一页</a>', first).group(1).replace("&amp;", "&")
    assert "state=open" in next_link and f"q={quote('信号灯')}" in next_link and next_link.endswith("page=2")
    second = page_of(client, "/search/?" + next_link)
    assert len(titles_in(second)) == 5 and 'rel="prev">上一页' in second
    assert '<ol class="results" start="21">' in second


@pytest.mark.parametrize("page", ["abc", "-3", "0", "1e309", "", "\x00"])
def test_a_bad_page_number_shows_the_first_page(login, clerk_a, corpus, page):
    html = page_of(login(clerk_a), "/search/", q="校园周边", page=page)
    assert len(titles_in(html)) == 2


def test_a_page_past_the_end_offers_the_way_back(login, clerk_a, corpus):
    client = login(clerk_a)
    html = page_of(client, "/search/", q="校园周边", page="7")
    assert "第 7 页没有结果" in html and "回到第 1 页" in html
    html = page_of(client, "/search/", q="校园周边", page="99999999999999999999")
    assert "第 50 页没有结果" in html and "回到第 1 页" in html  # deeper than 50 pages is never served


# --- who sees what ------------------------------------------------------------------------------------


def test_a_member_sees_members_and_public_items_but_not_staff_only_ones(login, member_a, corpus):
    titles = titles_in(page_of(login(member_a), "/search/", q="建议"))
    assert any(SCHOOL_TITLE in t for t in titles) and any(CHARGING_TITLE in t for t in titles)
    assert not any(ELEVATOR_TITLE in t for t in titles)


def test_a_clerk_also_sees_staff_only_items(login, clerk_a, corpus):
    titles = titles_in(page_of(login(clerk_a), "/search/", q="建议"))
    assert any(ELEVATOR_TITLE in t for t in titles)


@pytest.mark.parametrize("persona", ["member_a", "clerk_a", "leader_a", "admin_a", "unit_a", "platform_admin"])
def test_nobody_finds_another_committees_items(request, login, corpus, persona):
    html = page_of(login(request.getfixturevalue(persona)), "/search/", q="乙区")
    assert "乙区关于" not in html and titles_in(html) == []


def test_a_unit_clerk_finds_their_units_items_and_public_ones_only(login, unit_a, committee_a, corpus, index_doc):
    health = _unit(committee_a, "区卫生健康局")
    index_doc(committee_a, "关于加强校园周边食品安全检查的建议", "学校周边小摊贩食品卫生堪忧。", audience="staff",
              unit_ids=(health.pk,))
    titles = titles_in(page_of(login(unit_a), "/search/", q="建议"))
    assert any(SCHOOL_TITLE in t for t in titles)  # handled by 区教育局, unit_a's unit
    assert any(CHARGING_TITLE in t for t in titles)  # public
    assert not any(ELEVATOR_TITLE in t or "食品安全" in t for t in titles)


def test_anonymous_visitors_are_sent_to_log_in(client, corpus):
    for url in ["/search/?q=校园", "/search/similar/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_someone_without_a_role_in_any_committee_is_refused(login, corpus):
    nobody = make_user("no_role", display_name="无任职")
    client = login(nobody)
    assert client.get("/search/", {"q": "校园"}).status_code == 403
    assert client.get("/search/similar/").status_code == 403
    assert client.post("/search/similar/panel/", {"title": "校园"}).status_code == 403


def test_the_main_navigation_offers_search_to_anyone_with_a_role(member_a, unit_a, clerk_a):
    for person in (member_a, unit_a, clerk_a):
        client = Client()
        client.force_login(person)
        assert '<a href="/search/">检索</a>' in client.get("/").content.decode()
    no_role = Client()
    no_role.force_login(make_user("no_role", display_name="无任职"))
    assert ">检索</a>" not in no_role.get("/").content.decode()
    assert ">检索</a>" not in Client().get("/accounts/login/").content.decode()


def test_the_search_page_answers_get_only(login, member_a, corpus):
    assert login(member_a).post("/search/", {"q": "校园"}).status_code == 405


# --- cost ---------------------------------------------------------------------------------------------


def test_the_search_page_costs_the_same_queries_for_3_results_as_for_15(login, clerk_a, committee_a, index_doc):
    units = list(Unit.objects.filter(committee=committee_a))
    client = login(clerk_a)

    def add(n: int, start: int) -> str:
        title = ""
        for i in range(start, start + n):
            title = f"关于第{i}期排水管网改造的建议"
            index_doc(committee_a, title, "雨季内涝严重，排水管网老化。", unit_id=units[i % len(units)].pk,
                      unit_ids=(units[(i + 1) % len(units)].pk,), state="open", state_label="办理中")
        return title

    def fetch() -> str:
        return page_of(client, "/search/", q="排水管网", state="open")

    newest = add(3, 1)
    fetch()
    html, few = queries_during(fetch)
    assert titles_in(html)[0].startswith(newest) and "承办单位：</span>区" in html
    newest = add(12, 4)
    html, many = queries_during(fetch)
    assert titles_in(html)[0].startswith(newest) and len(titles_in(html)) == 15
    assert len(many) == len(few), growth_report(few, many)


# --- the similar-items tool ---------------------------------------------------------------------------

REWRITTEN = ("上下学高峰时段，小学门口家长电动自行车乱停乱放，学生过马路存在较大安全隐患。"
             "建议在校门口增设护学岗，划定临时停车区，高峰时段实行交通管制。")


def test_a_clerk_pastes_a_text_and_sees_similar_items_with_their_shared_wording(login, clerk_a, corpus):
    response = login(clerk_a).post("/search/similar/", {"title": "关于校门口交通秩序的建议", "body": REWRITTEN})
    assert response.status_code == 200
    html = response.content.decode()
    section = html[html.index('id="similar-heading"'):]
    assert SCHOOL_TITLE in section and '<a href="/proposals/1/">' in section
    assert re.search(r"相似度 \d+%", section) and "疑似重复" in section
    assert "共同关键词：" in section and '<span class="term">' in section
    assert "<blockquote>" in section and "<mark>" in section
    assert "乙区" not in section  # another committee's item, though public: not without 全平台


def test_a_clerk_also_gets_the_three_likeliest_lead_units_with_reasons(login, clerk_a, corpus):
    html = login(clerk_a).post("/search/similar/", {"title": "关于校门口交通秩序的建议", "body": REWRITTEN}).content.decode()
    routing = html[html.index('id="routing-heading"'):]
    assert len(re.findall(r'<li class="routing-item"', routing)) <= 3
    assert "区教育局" in routing and re.search(r"置信度 \d+%", routing)
    assert "往年事项由该单位主办" in routing
    assert "该单位办理过的类似事项" in routing and SCHOOL_TITLE in routing


def test_a_member_may_look_for_similar_items_but_gets_no_routing(login, member_a, corpus):
    client = login(member_a)
    assert "承办单位建议" not in client.get("/search/similar/").content.decode()
    html = client.post("/search/similar/", {"title": "关于校门口交通秩序的建议", "body": REWRITTEN}).content.decode()
    assert SCHOOL_TITLE in html and 'id="routing-heading"' not in html and "置信度" not in html


def test_looking_across_the_deployment_finds_other_committees_public_items_only(login, clerk_a, committee_b, corpus,
                                                                               index_doc):
    index_doc(committee_b, "乙区关于校门口交通秩序的内部材料", SCHOOL_BODY, audience="staff")
    client = login(clerk_a)
    html = client.post("/search/similar/", {"title": "关于校门口交通秩序的建议", "body": REWRITTEN,
                                            "whole_deployment": "on"}).content.decode()
    assert "乙区关于校园周边交通安全的建议" in html and "乙区政协" in html
    assert "内部材料" not in html


def test_the_similar_tool_asks_for_a_title_or_a_text(login, clerk_a, corpus):
    response = login(clerk_a).post("/search/similar/", {"title": "", "body": "  "})
    assert response.status_code == 200 and "请填写标题或正文。" in response.content.decode()


@pytest.mark.parametrize("title,body", [
    ("\x00", "\x00\x00"),
    ("😀" * 50, "🎉" * 500),
    ('" NEAR( * ^ AND OR', "' OR '1'='1; DROP TABLE textindex_document; --"),
    ("校园" * 200, "交通安全" * 2500),
])
def test_odd_texts_in_the_similar_tool_never_fail(login, clerk_a, corpus, title, body):
    assert login(clerk_a).post("/search/similar/", {"title": title, "body": body}).status_code == 200


# --- the htmx panels ----------------------------------------------------------------------------------


def htmx_post(client: Client, url: str, data: dict) -> tuple[int, str]:
    response = client.post(url, data, HTTP_HX_REQUEST="true")
    return response.status_code, response.content.decode()


def test_the_similar_panel_reads_the_fields_it_is_told_to_and_answers_a_fragment(login, member_a, corpus):
    status, html = htmx_post(login(member_a), "/search/similar/panel/", {
        "title_field": "subject", "body_fields": "reason,suggestion", "subject": "关于校门口交通秩序的建议",
        "reason": REWRITTEN[:40], "suggestion": REWRITTEN[40:], "body": "不应读取的字段：老旧小区加装电梯",
    })
    assert status == 200 and "<html" not in html
    assert SCHOOL_TITLE in html and 'target="_blank"' in html and "疑似重复" in html
    assert ELEVATOR_TITLE not in html


def test_the_similar_panel_leaves_out_the_item_being_edited(login, clerk_a, corpus):
    school = corpus["school"]
    status, html = htmx_post(login(clerk_a), "/search/similar/panel/", {
        "title": SCHOOL_TITLE, "body": SCHOOL_BODY, "exclude_kind": KIND, "exclude_id": str(school.object_id)})
    assert status == 200 and SCHOOL_TITLE not in html


def test_the_similar_panel_looks_only_in_the_kinds_it_is_given(login, clerk_a, committee_a, corpus, index_doc,
                                                               second_kind):
    index_doc(committee_a, "校门口交通秩序情况反映", SCHOOL_BODY, kind=second_kind)
    client = login(clerk_a)
    _, html = htmx_post(client, "/search/similar/panel/", {"title": "校门口交通秩序", "body": REWRITTEN,
                                                           "kinds": second_kind})
    assert "情况反映" in html and SCHOOL_TITLE not in html


@pytest.mark.parametrize("data", [
    {},
    {"title": "", "body": ""},
    {"title_field": "", "body_fields": ""},
    {"title_field": "x" * 500, "body_fields": ",,,;DROP", "title": "校园"},
    {"title": "   ", "body": "\x00"},
])
def test_a_panel_with_nothing_to_compare_shows_a_short_hint(login, clerk_a, corpus, data):
    client = login(clerk_a)
    status, html = htmx_post(client, "/search/similar/panel/", data)
    assert status == 200 and "填写标题和正文后" in html
    status, html = htmx_post(client, "/search/routing/panel/", data)
    assert status == 200 and "填写标题和正文后" in html


@pytest.mark.parametrize("data", [
    {"exclude_kind": "no_such_kind", "exclude_id": "1"},
    {"exclude_kind": KIND, "exclude_id": "abc"},
    {"exclude_kind": KIND, "exclude_id": "9" * 40},
    {"kinds": "' OR 1=1 --,no_such"},
    {"title": '" NEAR( * ^ AND OR', "body": "😀" * 100},
    {"title": "校园" * 500, "body": "交通" * 6000},
])
def test_odd_panel_parameters_never_fail(login, clerk_a, corpus, data):
    client = login(clerk_a)
    for url in ["/search/similar/panel/", "/search/routing/panel/"]:
        status, _ = htmx_post(client, url, {"title": SCHOOL_TITLE, "body": SCHOOL_BODY, **data})
        assert status == 200, (url, data)


def test_the_routing_panel_suggests_units_to_a_clerk(login, clerk_a, corpus):
    status, html = htmx_post(login(clerk_a), "/search/routing/panel/", {"title": "关于校门口交通秩序的建议",
                                                                        "body": REWRITTEN})
    assert status == 200 and "<html" not in html
    assert re.search(r'<li class="routing-item" data-unit-id="\d+">', html) and "置信度" in html


@pytest.mark.parametrize("persona", ["member_a", "unit_a", "leader_a"])
def test_the_routing_panel_is_refused_to_everyone_but_staff(request, login, corpus, persona):
    status, _ = htmx_post(login(request.getfixturevalue(persona)), "/search/routing/panel/",
                          {"title": SCHOOL_TITLE, "body": SCHOOL_BODY})
    assert status == 403


def test_routing_examples_are_only_of_kinds_the_clerk_is_staff_of(login, committee_a, corpus, index_doc):
    register_source(Source(kind="testsecret", label="内部信息", staff_perm="opinions.edit", entries=lambda: []))
    try:
        education = _unit(committee_a, "区教育局")
        index_doc(committee_a, "关于校门口交通秩序的内部信息", SCHOOL_BODY, kind="testsecret", unit_id=education.pk)
        clerk = make_user("proposal_only", display_name="提案委经办")
        grant(clerk, committee_a, Role.PROPOSAL_STAFF)
        _, html = htmx_post(login(clerk), "/search/routing/panel/", {"title": "关于校门口交通秩序的建议",
                                                                      "body": REWRITTEN})
        assert "区教育局" in html and "内部信息" not in html
    finally:
        unregister_source("testsecret")


def test_the_panels_answer_post_only(login, clerk_a, corpus):
    client = login(clerk_a)
    assert client.get("/search/similar/panel/").status_code == 405
    assert client.get("/search/routing/panel/").status_code == 405


def test_the_panel_includes_post_the_surrounding_form_to_their_endpoints():
    html = Template(
        '<form>{% include "textindex/_similar_panel.html" with title_field="subject" body_fields="reason,suggestion" '
        'kinds="proposal" exclude_kind="proposal" exclude_id=12 heading="已有的相似提案" %}'
        '{% include "textindex/_routing_panel.html" %}</form>'
    ).render(Context({}))
    similar, routing = html.split('class="assist-panel"')[1:]
    assert 'hx-post="/search/similar/panel/"' in similar and 'hx-post="/search/routing/panel/"' in routing
    for panel in (similar, routing):
        assert 'hx-include="closest form"' in panel and 'aria-live="polite"' in panel
        assert "load" in panel and "input changed delay:" in panel and "from:closest form" in panel
    assert "已有的相似提案" in similar and "承办单位建议" in routing
    assert json.loads(re.search(r"hx-vals='([^']*)'", similar).group(1)) == {
        "title_field": "subject", "body_fields": "reason,suggestion", "kinds": "proposal",
        "exclude_kind": "proposal", "exclude_id": "12"}
    assert json.loads(re.search(r"hx-vals='([^']*)'", routing).group(1))["body_fields"] == "body"


def test_panel_parameters_cannot_break_out_of_the_hx_vals_attribute():
    html = Template('{% include "textindex/_similar_panel.html" with title_field=evil %}').render(
        Context({"evil": "t'\"}<script>"}))
    assert "<script>" not in html
    assert json.loads(re.search(r"hx-vals='([^']*)'", html).group(1))["title_field"] == "t'\"}<script>"

