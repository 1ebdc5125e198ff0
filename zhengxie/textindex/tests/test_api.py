"""/api/v1/search: full-text search, similar items and routing suggestions over the API."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from zhengxie.accounts.services import api_token_issue
from zhengxie.org.models import Session, Unit
from zhengxie.textindex.tests.conftest import KIND

pytestmark = pytest.mark.django_db

SCHOOL_TITLE = "关于加强校园周边交通安全管理的建议"
SCHOOL_BODY = ("每天上下学时段，城关小学和实验中学门口车辆乱停乱放，接送家长的电动自行车占用人行道，"
               "学生过马路存在较大安全隐患。建议在校门口增设护学岗，划定临时停车区，高峰时段实行交通管制。")
ELEVATOR_TITLE = "关于老旧小区加装电梯的建议"
ELEVATOR_BODY = ("我区上世纪九十年代建成的老旧小区多为六层住宅，老年住户上下楼困难。建议简化加装电梯审批流程，"
                 "提高财政补贴比例。部分小区靠近校园周边，施工时应避开上下学时段。")
REWRITTEN = ("上下学高峰时段，小学门口家长电动自行车乱停乱放，学生过马路存在较大安全隐患。"
             "建议在校门口增设护学岗，划定临时停车区，高峰时段实行交通管制。")


@pytest.fixture
def corpus(committee_a, committee_b, index_doc):
    education = Unit.objects.get(committee=committee_a, name="区教育局")
    session = Session.objects.get(committee=committee_a)
    return {
        "school": index_doc(committee_a, SCHOOL_TITLE, SCHOOL_BODY, audience="members", url="/proposals/1/",
                            state="open", state_label="办理中", unit_id=education.pk, session_id=session.pk,
                            date=dt.date(2025, 1, 15)),
        "elevator": index_doc(committee_a, ELEVATOR_TITLE, ELEVATOR_BODY, audience="staff", url="/proposals/2/",
                              state="done", state_label="已办结", date=dt.date(2026, 2, 1)),
        "other": index_doc(committee_b, "乙区关于校园周边交通安全的建议", SCHOOL_BODY, audience="members"),
    }


def get(client: Client, **params):
    return client.get("/api/v1/search", params)


def post(client: Client, path: str, body: object):
    return client.post(f"/api/v1/search{path}", json.dumps(body), content_type="application/json")


def is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# --- search -------------------------------------------------------------------------------------------


def test_search_answers_a_page_of_marked_hits_title_hits_first(login, clerk_a, corpus):
    body = get(login(clerk_a), q="校园周边").json()
    assert body["count"] == 2 and body["capped"] is False and body["message"] == ""
    assert (body["page"], body["page_size"]) == (1, 20)
    first, second = body["items"]
    assert first["title"] == SCHOOL_TITLE and first["in_title"] is True
    assert first["title_html"] == "关于加强<mark>校园周边</mark>交通安全管理的建议"
    assert first["url"] == "/proposals/1/" and first["kind"] == KIND
    assert (first["state"], first["state_label"], first["date"]) == ("open", "办理中", "2025-01-15")
    assert first["unit_id"] == Unit.objects.get(name="区教育局", committee=corpus["school"].committee).pk
    assert second["title"] == ELEVATOR_TITLE and second["in_title"] is False
    assert "<mark>校园周边</mark>" in second["snippet_html"]


def test_search_filters_by_session_state_kind_and_unit(login, clerk_a, committee_a, corpus):
    client = login(clerk_a)
    session = Session.objects.get(committee=committee_a)
    education = Unit.objects.get(committee=committee_a, name="区教育局")
    assert [i["title"] for i in get(client, q="校园周边", session=session.pk).json()["items"]] == [SCHOOL_TITLE]
    assert [i["title"] for i in get(client, q="校园周边", state="done").json()["items"]] == [ELEVATOR_TITLE]
    assert [i["title"] for i in get(client, q="校园周边", unit=education.pk).json()["items"]] == [SCHOOL_TITLE]
    assert get(client, q="校园周边", kind=KIND).json()["count"] == 2
    assert get(client, q="校园周边", kind="no_such_kind").json()["count"] == 0


def test_search_pages_through_the_results(login, clerk_a, committee_a, index_doc):
    for i in range(7):
        index_doc(committee_a, f"关于第{i + 1}号路口信号灯配时优化的建议", "早晚高峰信号灯配时不合理。")
    client = login(clerk_a)
    pages = [get(client, q="信号灯", page=n, page_size=3).json() for n in (1, 2, 3, 4)]
    assert [len(p["items"]) for p in pages] == [3, 3, 1, 0]
    assert all(p["count"] == 7 for p in pages)
    titles = [i["title"] for p in pages for i in p["items"]]
    assert len(set(titles)) == 7


def test_a_member_finds_members_items_and_a_clerk_also_staff_only_ones(login, member_a, clerk_a, corpus):
    assert [i["title"] for i in get(login(member_a), q="校园周边").json()["items"]] == [SCHOOL_TITLE]
    assert get(login(clerk_a), q="校园周边").json()["count"] == 2


def test_another_committees_items_are_never_found_and_naming_it_is_refused(member_a, corpus, committee_b):
    key, _ = api_token_issue(user=member_a)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert all("乙区" not in i["title"] for i in get(client, q="校园周边").json()["items"])
    refused = client.get("/api/v1/search", {"q": "乙区"}, HTTP_X_COMMITTEE=str(committee_b.pk))
    assert refused.status_code == 403 and is_chinese(refused.json()["detail"])


def test_search_needs_a_login(client, corpus):
    assert client.get("/api/v1/search", {"q": "校园"}).status_code == 401


@pytest.mark.parametrize("q,message", [
    ("", "请输入要搜索的文字。"),
    ("😀🎉", "搜索词里没有可以检索的文字或数字。"),
    ("！？", "搜索词里没有可以检索的文字或数字。"),
    ("校园" * 40, "搜索词过长，只按前 64 个字搜索。"),
])
def test_an_unusable_query_answers_an_empty_page_with_a_chinese_message(login, member_a, corpus, q, message):
    response = get(login(member_a), q=q)
    assert response.status_code == 200
    assert response.json()["message"] == message


@pytest.mark.parametrize("q", [
    '" NEAR( * ^ AND OR', '"校园" OR "电梯"', "校园 NOT 电梯", "title:校园", "{scope}: zc1", "zc1", "zapublic",
    "' OR '1'='1", "1; DROP TABLE textindex_document; --", "%", "_", "\\", "*", "(", ")", "^", ":", "NEAR/3",
    "😀' OR 1=1 --", "\u202e' OR 1=1", "ＡＢＣ１２３",
])
def test_query_syntax_and_sql_in_the_query_are_just_text(login, clerk_a, corpus, q):
    response = get(login(clerk_a), q=q)
    assert response.status_code == 200
    assert response.json()["count"] == 0  # none of these is the text of anything indexed


@pytest.mark.parametrize("params", [
    {"q": "校" * 10_000}, {"q": "校园\x00"}, {"page": "0"}, {"page": "51"}, {"page": "-1"}, {"page": "abc"},
    {"page_size": "0"}, {"page_size": "101"}, {"session": "abc"}, {"session": "0"},
    {"unit": "99999999999999999999999"}, {"unit": "1e309"}, {"date_from": "2026-13-45"}, {"date_to": "昨天"},
    {"date_from": "20260101"}, {"state": "x" * 33}, {"kind": "\x00"},
])
def test_out_of_range_or_malformed_parameters_are_a_422_in_chinese(login, clerk_a, corpus, params):
    response = get(login(clerk_a), **{"q": "校园", **params})
    assert response.status_code == 422, (params, response.status_code)
    assert response.json()["detail"].startswith("请求参数不正确")


# --- similar items ------------------------------------------------------------------------------------


def test_similar_lists_items_like_the_text_with_scores_and_shared_wording(login, clerk_a, corpus):
    response = post(login(clerk_a), "/similar", {"title": "关于校门口交通秩序的建议", "body": REWRITTEN})
    assert response.status_code == 200
    first = response.json()[0]
    assert first["title"] == SCHOOL_TITLE and first["url"] == "/proposals/1/"
    assert 0 < first["score"] <= 1 and first["score"] == max(first["topic"], first["copy"])
    assert first["likely_duplicate"] is True
    assert first["shared_terms"] and all(is_chinese(t) for t in first["shared_terms"])
    assert first["passages_html"] and "<mark>" in first["passages_html"][0]


def test_similar_respects_limit_kinds_and_the_excluded_item(login, clerk_a, corpus):
    client = login(clerk_a)
    text = {"title": SCHOOL_TITLE, "body": SCHOOL_BODY}
    assert len(post(client, "/similar", {**text, "limit": 1}).json()) == 1
    assert post(client, "/similar", {**text, "kinds": ["no_such_kind"]}).json() == []
    school = corpus["school"]
    excluded = post(client, "/similar", {**text, "exclude_kind": KIND, "exclude_object_id": school.object_id}).json()
    assert all(i["object_id"] != school.object_id for i in excluded)


def test_similar_shows_a_member_only_what_they_may_see(login, member_a, corpus):
    items = post(login(member_a), "/similar", {"title": ELEVATOR_TITLE, "body": ELEVATOR_BODY}).json()
    assert all(i["title"] != ELEVATOR_TITLE for i in items)


def test_similar_across_the_deployment_never_shows_another_committees_non_public_items(login, clerk_a, corpus):
    items = post(login(clerk_a), "/similar", {"title": SCHOOL_TITLE, "body": SCHOOL_BODY,
                                              "whole_deployment": True}).json()
    assert all("乙区" not in i["title"] for i in items)


def test_similar_escapes_markup_in_the_passages(login, clerk_a, committee_a, index_doc):
    body = "<script>alert(1)</script>" + SCHOOL_BODY
    index_doc(committee_a, "含有标记的建议", body, audience="members")
    items = post(login(clerk_a), "/similar", {"title": "", "body": body}).json()
    passages = " ".join(p for i in items for p in i["passages_html"])
    assert "<script>" not in passages


@pytest.mark.parametrize("body", [
    {}, {"title": "", "body": ""}, {"title": "   "}, {"title": "😀" * 300, "body": "🎉" * 5000},
    {"title": '" NEAR( * ^ AND OR', "body": "' OR '1'='1; DROP TABLE textindex_band; --"},
    {"body": "交通安全" * 2500}, {"kinds": []}, {"exclude_kind": KIND}, {"exclude_object_id": 1},
])
def test_odd_but_valid_similar_requests_answer_200(login, clerk_a, corpus, body):
    response = post(login(clerk_a), "/similar", body)
    assert response.status_code == 200 and isinstance(response.json(), list)


@pytest.mark.parametrize("body", [
    {"title": "校" * 301}, {"body": "交" * 20_001}, {"title": "校园\x00"}, {"limit": 0}, {"limit": 21},
    {"exclude_object_id": 0}, {"kinds": "proposal"}, {"whole_deployment": "maybe"}, {"title": 12},
])
def test_malformed_similar_requests_are_a_422_in_chinese(login, clerk_a, corpus, body):
    response = post(login(clerk_a), "/similar", body)
    assert response.status_code == 422, body
    assert response.json()["detail"].startswith("请求参数不正确")


def test_a_json_body_that_is_not_an_object_is_refused(login, clerk_a, corpus):
    response = login(clerk_a).post("/api/v1/search/similar", "[1, 2]", content_type="application/json")
    assert response.status_code in {400, 422} and is_chinese(response.json()["detail"])


# --- routing ------------------------------------------------------------------------------------------


def test_routing_suggests_units_with_confidence_reasons_and_examples(login, clerk_a, corpus):
    response = post(login(clerk_a), "/routing", {"title": "关于校门口交通秩序的建议", "body": REWRITTEN})
    assert response.status_code == 200
    suggestions = response.json()
    assert 1 <= len(suggestions) <= 3
    assert sum(s["confidence"] for s in suggestions) <= 1.005  # three values each rounded to 0.001
    education = next(s for s in suggestions if s["unit_name"] == "区教育局")
    assert any("往年事项由该单位主办" in r for r in education["reasons"])
    assert education["examples"][0] == {"kind": KIND, "object_id": corpus["school"].object_id,
                                        "title": SCHOOL_TITLE, "url": "/proposals/1/"}


def test_routing_answers_at_most_limit_units(login, clerk_a, corpus):
    assert len(post(login(clerk_a), "/routing", {"title": SCHOOL_TITLE, "body": SCHOOL_BODY, "limit": 1}).json()) == 1


@pytest.mark.parametrize("persona", ["member_a", "unit_a", "leader_a"])
def test_routing_is_refused_to_everyone_but_staff(request, login, corpus, persona):
    response = post(login(request.getfixturevalue(persona)), "/routing", {"title": SCHOOL_TITLE})
    assert response.status_code == 403 and is_chinese(response.json()["detail"])


@pytest.mark.parametrize("body,status", [
    ({}, 200), ({"title": "", "body": "   "}, 200), ({"title": "😀" * 300}, 200),
    ({"title": '" NEAR( * ^ AND OR'}, 200), ({"limit": 0}, 422), ({"limit": 6}, 422),
    ({"body": "\x00"}, 422), ({"title": "校" * 301}, 422),
])
def test_routing_answers_odd_input_sensibly(login, clerk_a, corpus, body, status):
    response = post(login(clerk_a), "/routing", body)
    assert response.status_code == status, body
    if status == 200:
        assert isinstance(response.json(), list)
    else:
        assert is_chinese(response.json()["detail"])


def test_a_bearer_token_works_without_a_csrf_token(clerk_a, corpus):
    key, _ = api_token_issue(user=clerk_a)
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert post(client, "/similar", {"title": SCHOOL_TITLE, "body": SCHOOL_BODY}).status_code == 200
    assert post(client, "/routing", {"title": SCHOOL_TITLE, "body": SCHOOL_BODY}).status_code == 200


def test_every_search_operation_is_documented_in_chinese(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path, method in [("/api/v1/search", "get"), ("/api/v1/search/similar", "post"),
                         ("/api/v1/search/routing", "post")]:
        operation = paths[path][method]
        assert is_chinese(operation["summary"]) and is_chinese(operation["description"])
        assert operation["tags"] == ["检索"]
