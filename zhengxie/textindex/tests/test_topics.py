"""Hot topics (热点分析): which title phrases grew this year against last, on a page and over the API."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache

from zhengxie.textindex.models import Audience
from zhengxie.textindex.topics import hot_topics, hot_topics_for, rank_terms, title_segments

THIS, LAST = dt.date(2026, 4, 1), dt.date(2025, 4, 1)

# 8 titles this year on electric bikes (most about charging), 1 last year.
E_BIKE_2026 = [
    "关于加强电动自行车充电安全管理的建议",
    "关于解决电动自行车充电难的提案",
    "关于在住宅小区建设电动自行车集中充电设施的建议",
    "关于规范电动自行车停放秩序的提案",
    "关于整治电动自行车进楼入户充电的建议",
    "关于推广电动自行车智能换电柜的提案",
    "关于加强电动自行车头盔佩戴宣传的建议",
    "关于我区电动自行车上牌登记的提案",
]
E_BIKE_2025 = ["关于电动自行车安全隐患排查的提案"]
# The rest of both years: steady topics, so the committee has the documents of an ordinary year.
STEADY = [
    "关于加快老旧小区改造的提案",
    "关于推进垃圾分类的建议",
    "关于完善社区养老服务的提案",
    "关于加强中小学课后服务的建议",
    "关于发展乡村旅游的提案",
    "关于提升农贸市场管理水平的建议",
    "关于保护古树名木的提案",
    "关于加强校园食品安全的建议",
    "关于优化公交线路的提案",
    "关于治理餐饮油烟扰民的建议",
]
BOILERPLATE = ("关于", "提案", "建议", "加强", "加快", "进一步", "推进", "完善", "我区", "我市")


@pytest.fixture(autouse=True)
def fresh_cache():
    # Reports are cached by committee id, and ids come back after each test's rollback.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def e_bike_year(index_doc, committee_a):
    """committee_a: 8 electric-bike documents this year against 1 last year, among steady topics."""
    for title in E_BIKE_2026:
        index_doc(committee_a, title, date=THIS, category="社会建设")
    for title in E_BIKE_2025:
        index_doc(committee_a, title, date=LAST, category="社会建设")
    for title in STEADY:
        index_doc(committee_a, title, date=THIS, category="经济建设")
        index_doc(committee_a, title, date=LAST, category="经济建设")
    return committee_a


def terms_of(report):
    return [t.term for t in report.terms]


# --- the analysis ------------------------------------------------------------------------------


def test_a_growing_topic_ranks_first_as_the_whole_phrase(e_bike_year):
    report = hot_topics(e_bike_year, 2026)
    top = report.terms[0]
    assert (top.term, top.this, top.last) == ("电动自行车", 8, 1)
    assert top.change == 700
    assert report.docs_this == 18 and report.docs_last == 11
    for fragment in ("动自行", "电动自行", "自行车", "电动自", "动自"):
        assert fragment not in terms_of(report)


def test_steady_topics_are_not_hot(e_bike_year):
    # In both years alike: no growth, however often they occur.
    assert not {"老旧小区", "垃圾分类", "社区养老", "古树名木"} & set(terms_of(hot_topics(e_bike_year, 2026)))


def test_boilerplate_never_appears_in_a_term(index_doc, committee_a):
    for i in range(6):
        index_doc(committee_a, f"关于进一步加强和完善我区第{i}项工作的提案", date=THIS)
        index_doc(committee_a, "关于加快推进我市电梯维保的建议", date=THIS)
    report = hot_topics(committee_a, 2026)
    assert "电梯维保" in terms_of(report)
    for term in terms_of(report):
        assert not any(word in term for word in BOILERPLATE), term


def test_titles_are_cut_at_boilerplate_before_counting():
    assert title_segments("关于加快推进老旧小区加装电梯工作的提案") == ["老旧小区加装电梯"]
    assert title_segments("关于“十五五”期间发展５G基站的建议") == ["十五五", "发展", "基站"]


def test_a_phrase_always_written_whole_is_shown_whole():
    # Longer than the 8 characters counted as n-grams: chained, not cut into 动自行车充电安全.
    this = ["电动自行车充电安全管理"] * 4 + ["垃圾分类"] * 4
    assert [t for t, *_ in rank_terms(this, ["垃圾分类"] * 4)] == ["电动自行车充电安全管理"]
    this = ["老旧小区加装电梯"] * 3 + ["垃圾分类", "古树名木"]
    assert [t for t, *_ in rank_terms(this, [])][:1] == ["老旧小区加装电梯"]


def test_where_two_phrases_overlap_is_not_a_term():
    # 车充电 is in both 电动自行车充电 and 汽车充电, 中小 in 中小学 and 中小企业: neither is a topic.
    this = ["电动自行车充电"] * 3 + ["新能源汽车充电"] * 3 + ["中小学"] * 3 + ["中小企业"] * 3
    terms = [t for t, *_ in rank_terms(this, [])]
    assert "车充电" not in terms and "中小" not in terms
    assert {"电动自行车充电", "新能源汽车充电", "中小学", "中小企业"} <= set(terms)


def test_growth_is_measured_against_the_change_in_total_documents():
    # Twice the documents this year: a term that merely doubled did not grow; one that tripled did.
    last = ["垃圾分类"] * 3 + ["古树名木"] * 3 + ["其他事项"] * 4
    this = ["垃圾分类"] * 9 + ["古树名木"] * 6 + ["另外事项"] * 5
    ranked = {t: growth for t, _, _, growth in rank_terms(this, last)}
    assert ranked["垃圾分类"] == 9 - 3 * 2
    assert "古树名木" not in ranked


def test_categories_are_counted_this_year_against_last(e_bike_year, index_doc):
    index_doc(e_bike_year, "关于未分类事项的提案", date=THIS)
    rows = {c.name: (c.this, c.last, c.change) for c in hot_topics(e_bike_year, 2026).categories}
    assert rows == {"经济建设": (10, 10, 0), "社会建设": (8, 1, 700), "未分类": (1, 0, None)}


def test_documents_of_other_committees_do_not_count(e_bike_year, index_doc, committee_b):
    for i in range(12):
        index_doc(committee_b, f"关于共享单车停放管理的提案{i}", date=THIS, category="城市管理")
    report = hot_topics(e_bike_year, 2026)
    assert not any("共享单车" in t for t in terms_of(report)) and report.docs_this == 18
    assert "城市管理" not in {c.name for c in report.categories}
    assert terms_of(hot_topics(committee_b, 2026)) == ["共享单车停放管理"]


def test_too_few_documents_give_an_empty_report(index_doc, committee_a):
    for _ in range(3):
        index_doc(committee_a, "关于电动自行车充电的提案", date=THIS)
    report = hot_topics(committee_a, 2026)
    assert report.terms == [] and report.too_little_data


def test_the_report_is_computed_in_four_queries_and_then_cached(e_bike_year, django_assert_num_queries):
    with django_assert_num_queries(4):  # this year's titles, last year's, examples, categories
        hot_topics(e_bike_year, 2026)
    with django_assert_num_queries(0):
        report = hot_topics(e_bike_year, 2026, limit=1)
    assert terms_of(report) == ["电动自行车"]


def test_examples_are_only_documents_the_viewer_may_see(index_doc, committee_a, leader_a, clerk_a):
    from zhengxie.accounts.permissions import access_for

    index_doc(committee_a, "关于电动自行车充电的提案", date=THIS, audience=Audience.PUBLIC, url="/p/1/")
    for topic in ("停放", "头盔", "上牌", "电池"):
        index_doc(committee_a, f"关于电动自行车{topic}的提案", date=THIS, audience=Audience.STAFF, url="/p/2/")
    clerk = hot_topics_for(access_for(clerk_a, committee_a), 2026)
    leader = hot_topics_for(access_for(leader_a, committee_a), 2026)
    assert clerk.terms[0].term == leader.terms[0].term == "电动自行车"
    assert len(clerk.terms[0].examples) == 3
    # The leader may read statistics, not staff-only titles: only the public document is an example.
    assert [e.url for e in leader.terms[0].examples] == ["/p/1/"]
    assert leader.terms[0].this == clerk.terms[0].this == 5


# --- the page ----------------------------------------------------------------------------------


def test_the_page_shows_the_chart_and_the_same_numbers_in_a_table(login, leader_a, e_bike_year):
    page = login(leader_a).get("/search/topics/?year=2026")
    assert page.status_code == 200
    html = page.content.decode()
    svg = re.search(r"<svg [^>]*>", html).group(0)
    assert 'role="img"' in svg and 'aria-label="2026年与2025年热点词' in svg and "viewBox=" in svg
    assert "<table" in html and "<th scope=\"row\"><a href=\"/search/?q=%E7%94%B5" in html
    assert "date_from=2026-01-01&amp;date_to=2026-12-31" in html
    assert ">电动自行车</a>" in html and "+700%" in html
    assert "<script" not in html.split("<main", 1)[1]
    assert "社会建设" in html  # the categories table


def test_the_page_defaults_to_the_latest_year_with_documents(login, clerk_a, e_bike_year):
    html = login(clerk_a).get("/search/topics/").content.decode()
    assert '<option value="2026" selected>' in html and '<option value="2025">' in html


def test_the_page_says_so_in_chinese_when_there_is_too_little_data(login, clerk_a, committee_a):
    page = login(clerk_a).get("/search/topics/")
    assert page.status_code == 200
    assert "文档太少" in page.content.decode() and "<svg" not in page.content.decode()


@pytest.mark.parametrize("year", ["abc", "99999", "0", "-1", "２０２６", "2026\x00"])
def test_a_bad_year_on_the_page_shows_the_default_year(login, clerk_a, e_bike_year, year):
    page = login(clerk_a).get("/search/topics/", {"year": year})
    assert page.status_code == 200
    assert "无效" in page.content.decode() and "电动自行车" in page.content.decode()


def test_members_and_unit_clerks_may_not_see_hot_topics(login, member_a, unit_a, e_bike_year):
    assert login(member_a).get("/search/topics/").status_code == 403
    assert login(unit_a).get("/search/topics/").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get("/search/topics/").status_code == 302


# --- the API -----------------------------------------------------------------------------------


def test_the_api_answers_with_the_report(login, leader_a, e_bike_year):
    body = login(leader_a).get("/api/v1/search/topics?year=2026&limit=3").json()
    assert body["year"] == 2026 and body["last_year"] == 2025 and body["years"] == [2026, 2025]
    assert body["docs_this"] == 18 and body["docs_last"] == 11 and not body["too_little_data"]
    assert len(body["terms"]) <= 3
    assert body["terms"][0] | {"examples": []} == {
        "term": "电动自行车", "this": 8, "last": 1, "change": 700, "growth": pytest.approx(8 - 18 / 11, abs=0.01),
        "examples": [],
    }
    assert {"name": "社会建设", "this": 8, "last": 1, "change": 700} in body["categories"]


def test_the_api_defaults_to_the_latest_year(login, clerk_a, e_bike_year):
    assert login(clerk_a).get("/api/v1/search/topics").json()["year"] == 2026


def test_the_api_refuses_members_in_chinese(login, member_a, e_bike_year):
    response = login(member_a).get("/api/v1/search/topics")
    assert response.status_code == 403 and "权限" in response.json()["detail"]


@pytest.mark.parametrize("query", ["year=abc", "year=99999", "year=0", "limit=0", "limit=1000", "limit=x"])
def test_bad_parameters_on_the_api_are_a_422_not_a_500(login, clerk_a, e_bike_year, query):
    response = login(clerk_a).get(f"/api/v1/search/topics?{query}")
    assert response.status_code == 422 and response.json()["detail"].startswith("请求参数不正确")


def test_a_year_without_documents_answers_an_empty_report(login, clerk_a, e_bike_year):
    body = login(clerk_a).get("/api/v1/search/topics?year=1990").json()
    assert body["terms"] == [] and body["docs_this"] == 0 and body["too_little_data"]
