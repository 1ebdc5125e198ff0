"""The editors' pages: the desk (tabs, counts, search, paging, similar items, quick decisions), combining,
the item page (original beside the edited version with a diff, editing, signing, forwarding, tracking) and
the batch 批示 page. Every refusal shows a Chinese message, answers 4xx and changes nothing."""

from __future__ import annotations

import itertools
import re

import pytest

from zhengxie.opinions import services
from zhengxie.opinions.models import Opinion, Track
from zhengxie.opinions.tests.conftest import TEXT, acc, signed, submitted
from zhengxie.testing.factories import make_persona
from zhengxie.testing.queries import growth_report, queries_during

DESK = "/opinions/desk/"
_n = itertools.count(1)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def numbered(member, committee, **extra) -> Opinion:
    n = next(_n)
    return submitted(member, committee, title=f"关于第{n}个社区养老服务站运营的建议", **extra)


def adopted(member, editor, committee, **extra) -> Opinion:
    o = numbered(member, committee, **extra)
    return services.opinion_transition(access=acc(editor, committee), opinion_id=o.pk, name="adopt")


# --- who may open what ----------------------------------------------------------------------------------


EDITOR_PAGES = ["/opinions/desk/", "/opinions/instructions/", "/opinions/{pk}/revise/"]


@pytest.mark.parametrize("persona", ["member_a", "leader_a", "clerk_a", "unit_a"])
def test_only_editors_open_the_editors_pages(persona, request, client, member_a, committee_a):
    o = numbered(member_a, committee_a)
    client.force_login(request.getfixturevalue(persona))
    for url in EDITOR_PAGES:
        assert client.get(url.format(pk=o.pk)).status_code == 403, url


def test_another_committees_items_are_not_found(client, member_a, committee_a, editor_b):
    o = numbered(member_a, committee_a)
    client.force_login(editor_b)
    assert client.get(f"/opinions/{o.pk}/").status_code == 404
    assert client.get(f"/opinions/{o.pk}/revise/").status_code == 404
    assert client.get(f"{DESK}?similar={o.pk}").status_code == 404
    response = client.post(f"/opinions/{o.pk}/transitions/adopt/", {"adoption": "single"})
    assert response.status_code == 404
    assert Opinion.objects.get(pk=o.pk).state == "submitted"


# --- the desk -----------------------------------------------------------------------------------------------


def test_the_desk_shows_tabs_with_counts_and_the_submitted_items(client, member_a, editor_a, committee_a):
    a = numbered(member_a, committee_a)
    adopted(member_a, editor_a, committee_a)
    client.force_login(editor_a)
    body = text_of(client.get(DESK))
    assert "待处理 <span class=\"tab-count\">1</span>" in body
    assert "已采用待编辑 <span class=\"tab-count\">1</span>" in body
    assert a.title in body and "综合采用" in body and "查看相似信息" in body


def test_the_desk_filters_by_title_author_or_receipt_number(client, member_a, editor_a, committee_a):
    a = numbered(member_a, committee_a)
    b = submitted(member_a, committee_a, title="关于治理河道污染的建议")
    client.force_login(editor_a)
    body = text_of(client.get(DESK, {"q": "河道"}))
    assert b.title in body and a.title not in body
    assert "待处理 <span class=\"tab-count\">1</span>" in body
    body = text_of(client.get(DESK, {"q": str(a.serial)}))
    assert a.title in body


def test_the_desk_pages_by_fifty(client, member_a, editor_a, committee_a):
    for _ in range(51):
        numbered(member_a, committee_a)
    client.force_login(editor_a)
    first = client.get(DESK)
    assert len(first.context["page"].object_list) == 50
    assert "第 1 / 2 页，共 51 条" in text_of(first)
    assert len(client.get(DESK, {"page": 2}).context["page"].object_list) == 1


def test_the_desk_costs_the_same_queries_for_2_or_12_rows(client, county, city, member_a, editor_a, informant_a,
                                                          city_editor, leader_a):
    for _ in range(2):
        numbered(member_a, county)
    client.force_login(city_editor)
    # Rows forwarded from below show where they came from: the same query must fetch that.
    o = signed(member_a, editor_a, leader_a, county)
    services.opinion_forward(access=acc(editor_a, county), opinion_id=o.pk, committee_id=city.pk)
    _, few = queries_during(lambda: client.get(DESK))
    for _ in range(5):
        o = signed(informant_a, editor_a, leader_a, county)
        services.opinion_forward(access=acc(editor_a, county), opinion_id=o.pk, committee_id=city.pk)
    response, many = queries_during(lambda: client.get(DESK))
    assert response.status_code == 200 and len(response.context["page"].object_list) == 6
    assert "甲区政协报送" in text_of(response)
    assert len(many) == len(few), growth_report(few, many)
    client.force_login(editor_a)
    for _ in range(10):
        numbered(member_a, county)
    _, few = queries_during(lambda: client.get(DESK, {"tab": "signed"}))
    assert len(few) == len(queries_during(lambda: client.get(DESK))[1])


def test_similar_items_load_on_demand_for_a_row(client, member_a, editor_a, committee_a):
    a = submitted(member_a, committee_a, title="关于加强农村留守老人助餐服务的建议")
    submitted(member_a, committee_a, title="关于农村留守老人助餐服务的建议", body=TEXT["body"])
    client.force_login(editor_a)
    response = client.get(DESK, {"similar": a.pk})
    assert response.status_code == 200
    body = text_of(response)
    assert "关于农村留守老人助餐服务的建议" in body and "相似度" in body
    assert "<html" not in body  # a fragment
    assert client.get(DESK, {"similar": "x"}).status_code == 404


def test_adopting_from_the_desk_returns_to_the_desk(client, member_a, editor_a, committee_a):
    o = numbered(member_a, committee_a)
    client.force_login(editor_a)
    response = client.post(f"/opinions/{o.pk}/transitions/adopt/", {"adoption": "single", "version": o.version,
                                                                    "next": "/opinions/desk/?tab=submitted"})
    assert response.status_code == 302 and response["Location"] == "/opinions/desk/?tab=submitted"
    o.refresh_from_db()
    assert o.state == "adopted" and o.adoption == "single"
    assert Track.objects.filter(opinion=o, kind="adoption", level="county").exists()


def test_screening_out_needs_a_reason(client, member_a, editor_a, committee_a):
    o = numbered(member_a, committee_a)
    client.force_login(editor_a)
    response = client.post(f"/opinions/{o.pk}/transitions/screen_out/", {"version": o.version, "reason": " "})
    assert response.status_code == 409
    assert "请填写理由。" in text_of(response)
    assert Opinion.objects.get(pk=o.pk).state == "submitted"
    client.post(f"/opinions/{o.pk}/transitions/screen_out/", {"version": o.version, "reason": "与已采用信息重复"})
    o.refresh_from_db()
    assert o.state == "screened_out" and o.screened_reason == "与已采用信息重复"


def test_a_stale_desk_button_says_someone_else_handled_it(client, member_a, editor_a, committee_a):
    o = numbered(member_a, committee_a)
    services.opinion_transition(access=acc(editor_a, committee_a), opinion_id=o.pk, name="screen_out",
                                payload={"reason": "重复"})
    client.force_login(editor_a)
    response = client.post(f"/opinions/{o.pk}/transitions/adopt/", {"adoption": "single", "version": o.version})
    assert response.status_code == 409
    assert "该事项已被他人处理，请刷新页面后查看最新状态。" in text_of(response)
    assert Opinion.objects.get(pk=o.pk).state == "screened_out"


def test_an_unknown_transition_is_refused(client, member_a, editor_a, committee_a):
    o = numbered(member_a, committee_a)
    client.force_login(editor_a)
    assert client.post(f"/opinions/{o.pk}/transitions/publish/").status_code == 400
    assert Opinion.objects.get(pk=o.pk).state == "submitted"


# --- combining ----------------------------------------------------------------------------------------------


def test_two_items_are_combined_into_a_piece(client, member_a, informant_a, editor_a, committee_a):
    a, b = numbered(member_a, committee_a), numbered(informant_a, committee_a)
    client.force_login(editor_a)
    page = client.get("/opinions/combine/", {"ids": [a.pk, b.pk]})
    assert page.status_code == 200 and a.title in text_of(page) and b.title in text_of(page)
    assert page.context["form"].initial["body"].count(TEXT["body"]) == 2
    response = client.post("/opinions/combine/", {"ids": [a.pk, b.pk], "title": "关于社区养老服务站的综合建议",
                                                  "body": "综合正文"})
    piece = Opinion.objects.get(source_kind="combined")
    assert response.status_code == 302 and response["Location"] == f"/opinions/{piece.pk}/"
    a.refresh_from_db()
    assert a.state == "adopted" and a.adoption == "combined" and a.combined_into == piece


def test_combining_one_item_or_a_handled_one_is_refused(client, member_a, editor_a, committee_a):
    a, b = numbered(member_a, committee_a), numbered(member_a, committee_a)
    client.force_login(editor_a)
    response = client.get("/opinions/combine/", {"ids": [a.pk]}, follow=True)
    assert "至少两条" in text_of(response)
    services.opinion_transition(access=acc(editor_a, committee_a), opinion_id=b.pk, name="adopt")
    response = client.post("/opinions/combine/", {"ids": [a.pk, b.pk], "title": "综合", "body": "正文"})
    assert response.status_code == 409
    assert "只能综合待处理的信息" in text_of(response)
    assert not Opinion.objects.filter(source_kind="combined").exists()
    assert Opinion.objects.get(pk=a.pk).state == "submitted"


def test_another_committees_item_cannot_be_combined(client, member_a, editor_a, committee_a, member_b, committee_b):
    a, foreign = numbered(member_a, committee_a), numbered(member_b, committee_b)
    b = numbered(member_a, committee_a)
    client.force_login(editor_a)
    response = client.post("/opinions/combine/", {"ids": [a.pk, foreign.pk], "title": "综合", "body": "正文"})
    assert response.status_code == 403
    assert Opinion.objects.get(pk=foreign.pk).state == "submitted"
    assert not Opinion.objects.filter(source_kind="combined").exists()
    assert b.state == "submitted"


# --- the item page: diff, editing, signing -----------------------------------------------------------------


def test_the_item_page_shows_the_original_beside_the_edit_with_a_marked_diff(client, member_a, editor_a, committee_a):
    o = adopted(member_a, editor_a, committee_a, body="建议加大财政补贴，引入社会组织。")
    client.force_login(editor_a)
    response = client.post(f"/opinions/{o.pk}/revise/", {"title": o.title, "version": o.version,
                                                         "body": "建议区财政加大补贴，引入专业社会组织。"})
    assert response.status_code == 302
    body = text_of(client.get(f"/opinions/{o.pk}/"))
    assert "编辑稿与原稿对照" in body
    assert "<ins><span class=\"visually-hidden\">［新增：</span>区财政<span class=\"visually-hidden\">］</span></ins>" in body
    assert "专业" in body and "<del>" not in body.split("修改之处")[0]
    o.refresh_from_db()
    assert o.state == "edited" and o.body == "建议加大财政补贴，引入社会组织。"


def test_deleted_words_are_struck_and_labelled(client, member_a, editor_a, committee_a):
    o = adopted(member_a, editor_a, committee_a, body="建议立即加大财政补贴。")
    services.opinion_edit(access=acc(editor_a, committee_a), opinion_id=o.pk, title=o.title, body="建议加大财政补贴。")
    client.force_login(member_a)
    body = text_of(client.get(f"/opinions/{o.pk}/"))
    assert "<del><span class=\"visually-hidden\">［删去：</span>立即<span class=\"visually-hidden\">］</span></del>" in body


def test_editing_a_signed_item_is_refused(client, member_a, editor_a, leader_a, committee_a):
    o = signed(member_a, editor_a, leader_a, committee_a)
    client.force_login(editor_a)
    response = client.post(f"/opinions/{o.pk}/revise/", {"title": "改", "body": "改", "version": o.version})
    assert response.status_code == 409
    assert "签发后的文本就是刊发的文本" in text_of(response)
    o.refresh_from_db()
    assert o.edited_title != "改"


def test_a_blank_edit_is_refused_with_a_message(client, member_a, editor_a, committee_a):
    o = adopted(member_a, editor_a, committee_a)
    client.force_login(editor_a)
    response = client.post(f"/opinions/{o.pk}/revise/", {"title": o.title, "body": " ", "version": o.version})
    assert response.status_code == 400
    assert "请填写编辑后的正文。" in text_of(response)
    assert Opinion.objects.get(pk=o.pk).state == "adopted"


def test_a_stale_edit_is_refused(client, member_a, editor_a, committee_a):
    o = adopted(member_a, editor_a, committee_a)
    services.opinion_edit(access=acc(editor_a, committee_a), opinion_id=o.pk, title=o.title, body="第一位编辑的版本")
    client.force_login(editor_a)
    response = client.post(f"/opinions/{o.pk}/revise/", {"title": o.title, "body": "第二位", "version": o.version})
    assert response.status_code == 409 and "已被他人处理" in text_of(response)
    assert Opinion.objects.get(pk=o.pk).edited_body == "第一位编辑的版本"


def test_a_leader_signs_from_the_signing_list(client, member_a, editor_a, leader_a, committee_a):
    o = adopted(member_a, editor_a, committee_a)
    o = services.opinion_edit(access=acc(editor_a, committee_a), opinion_id=o.pk, title=o.title, body="编辑稿")
    client.force_login(leader_a)
    page = client.get("/opinions/sign/")
    assert o.title in text_of(page) and "退回编辑" in text_of(page)
    response = client.post(f"/opinions/{o.pk}/transitions/sign/", {"version": o.version, "next": "/opinions/sign/"})
    assert response.status_code == 302
    o.refresh_from_db()
    assert o.state == "signed" and o.signed_by == leader_a


def test_an_editor_not_authorised_cannot_sign(client, member_a, editor_a, committee_a):
    o = adopted(member_a, editor_a, committee_a)
    o = services.opinion_edit(access=acc(editor_a, committee_a), opinion_id=o.pk, title=o.title, body="编辑稿")
    client.force_login(editor_a)
    assert "尚未被授权签发" in text_of(client.get("/opinions/sign/"))
    response = client.post(f"/opinions/{o.pk}/transitions/sign/", {"version": o.version})
    assert response.status_code == 409
    assert "只有本会领导或经授权的签发人可以签发。" in text_of(response)
    assert Opinion.objects.get(pk=o.pk).state == "edited"


def test_sending_back_needs_an_opinion_and_returns_the_item_to_the_editors(client, member_a, editor_a, leader_a,
                                                                           committee_a):
    o = adopted(member_a, editor_a, committee_a)
    o = services.opinion_edit(access=acc(editor_a, committee_a), opinion_id=o.pk, title=o.title, body="编辑稿")
    client.force_login(leader_a)
    assert client.post(f"/opinions/{o.pk}/transitions/send_back/", {"version": o.version}).status_code == 409
    client.post(f"/opinions/{o.pk}/transitions/send_back/", {"version": o.version, "reason": "数据需核实"})
    o.refresh_from_db()
    assert o.state == "adopted" and o.send_back_reason == "数据需核实"


# --- personal data -------------------------------------------------------------------------------------------


def test_a_public_submitters_contact_is_shown_to_editors_only(client, member_a, editor_a, leader_a, committee_a):
    o = services.opinion_submit_public(committee=committee_a, name="王大妈", contact="13800001111", **TEXT)
    client.force_login(editor_a)
    body = text_of(client.get(f"/opinions/{o.pk}/"))
    assert "13800001111" in body and "仅编辑可见" in body
    client.force_login(leader_a)
    response = client.get(f"/opinions/{o.pk}/")
    assert response.status_code == 200 and "13800001111" not in text_of(response)


# --- forwarding and tracking ------------------------------------------------------------------------------


def test_an_editor_forwards_to_the_parent_and_the_chain_shows_it(client, county, city, member_a, editor_a, leader_a,
                                                                 city_editor):
    o = signed(member_a, editor_a, leader_a, county)
    client.force_login(editor_a)
    assert "报送丙市政协" in text_of(client.get(f"/opinions/{o.pk}/"))
    response = client.post(f"/opinions/{o.pk}/forward/", {"committee_id": city.pk, "version": o.version})
    assert response.status_code == 302
    copy = Opinion.objects.get(origin=o)
    assert copy.committee == city and copy.state == "submitted"
    body = text_of(client.get(f"/opinions/{o.pk}/"))
    assert "已报送上级政协" in body and "丙市政协" in body
    # Sent once only: a second press is refused.
    response = client.post(f"/opinions/{o.pk}/forward/", {"committee_id": city.pk})
    assert response.status_code == 409 and "不能重复报送" in text_of(response)
    assert Opinion.objects.filter(origin=o).count() == 1


def test_forwarding_past_the_parent_is_refused(client, county, city, province, member_a, editor_a, leader_a):
    o = signed(member_a, editor_a, leader_a, county)
    client.force_login(editor_a)
    response = client.post(f"/opinions/{o.pk}/forward/", {"committee_id": province.pk, "version": o.version})
    assert response.status_code == 400
    assert "只能报送上一级政协（丙市政协），不能报送丁省政协。" in text_of(response)
    assert not Opinion.objects.filter(origin=o).exists()


def test_an_instruction_is_recorded_at_a_reached_level_only(client, county, city, member_a, editor_a, leader_a):
    o = signed(member_a, editor_a, leader_a, county)
    client.force_login(editor_a)
    response = client.post(f"/opinions/{o.pk}/track/", {"kind": "instruction", "level": "city", "person": "李市长",
                                                        "text": "请研究。"})
    assert response.status_code == 409
    assert "这条信息没有报送到市级，不能登记市级领导的批示。" in text_of(response)
    assert not Track.objects.filter(kind="instruction").exists()
    response = client.post(f"/opinions/{o.pk}/track/", {"kind": "instruction", "level": "county", "person": "王区长",
                                                        "person_title": "区长", "text": "请民政局落实。",
                                                        "date": "2026-01-05"})
    assert response.status_code == 302
    assert "区长王区长" in text_of(client.get(f"/opinions/{o.pk}/"))


def test_a_referral_then_its_feedback_and_a_media_report(client, member_a, editor_a, leader_a, committee_a):
    o = signed(member_a, editor_a, leader_a, committee_a)
    client.force_login(editor_a)
    response = client.post(f"/opinions/{o.pk}/track/", {"kind": "feedback", "unit_name": "区民政局", "text": "已办"})
    assert response.status_code == 409 and "没有转送区民政局" in text_of(response)
    client.post(f"/opinions/{o.pk}/track/", {"kind": "referral", "unit_name": "区民政局"})
    client.post(f"/opinions/{o.pk}/track/", {"kind": "feedback", "unit_name": "区民政局", "text": "已增设助餐点 3 个"})
    response = client.post(f"/opinions/{o.pk}/track/", {"kind": "media", "outlet": "区融媒体中心",
                                                        "url": "javascript:alert(1)"})
    assert response.status_code == 400 and "链接应以 http:// 或 https:// 开头" in text_of(response)
    client.post(f"/opinions/{o.pk}/track/", {"kind": "media", "outlet": "区融媒体中心", "url": "https://example.cn/a"})
    assert sorted(Track.objects.filter(opinion=o).values_list("kind", flat=True)) == [
        "adoption", "feedback", "media", "referral"]
    body = text_of(client.get(f"/opinions/{o.pk}/"))
    assert "已增设助餐点 3 个" in body and "区融媒体中心" in body


def test_a_future_date_is_refused(client, member_a, editor_a, leader_a, committee_a):
    o = signed(member_a, editor_a, leader_a, committee_a)
    client.force_login(editor_a)
    response = client.post(f"/opinions/{o.pk}/track/", {"kind": "instruction", "level": "county", "person": "王",
                                                        "text": "阅", "date": "2999-01-01"})
    assert response.status_code == 400 and "批示日期不能晚于今天。" in text_of(response)


# --- batch 批示 ----------------------------------------------------------------------------------------------


def test_a_clerk_records_a_stack_of_instructions_at_once(client, member_a, editor_a, leader_a, committee_a):
    a, b = signed(member_a, editor_a, leader_a, committee_a), signed(member_a, editor_a, leader_a, committee_a)
    client.force_login(editor_a)
    page = client.get("/opinions/instructions/")
    assert page.status_code == 200 and a.title in text_of(page)
    data = {"rows": "5",
            "r0-opinion": a.pk, "r0-level": "county", "r0-person": "王区长", "r0-text": "请落实。",
            "r1-opinion": b.pk, "r1-level": "county", "r1-person": "刘书记", "r1-text": "阅。",
            "r2-level": "county"}  # the level's default, an otherwise blank row: skipped
    response = client.post("/opinions/instructions/", data)
    assert response.status_code == 302
    assert Track.objects.filter(kind="instruction").count() == 2


def test_one_bad_row_records_none_and_names_the_row(client, county, member_a, editor_a, leader_a):
    a = signed(member_a, editor_a, leader_a, county)
    client.force_login(editor_a)
    data = {"rows": "5", "r0-opinion": a.pk, "r0-level": "county", "r0-person": "王区长", "r0-text": "请落实。",
            "r1-opinion": a.pk, "r1-level": "city", "r1-person": "李市长", "r1-text": "阅。"}
    response = client.post("/opinions/instructions/", data)
    assert response.status_code == 409
    assert "第 2 条：这条信息没有报送到市级" in text_of(response)
    assert 'value="王区长"' in response.content.decode()  # what was typed stays
    assert not Track.objects.filter(kind="instruction").exists()


def test_an_item_of_another_committee_is_not_offered_nor_accepted(client, member_a, editor_a, leader_a, committee_a,
                                                                  member_b, editor_b, leader_b, committee_b):
    foreign = signed(member_b, editor_b, leader_b, committee_b, title="关于乙区河道治理的建议")
    signed(member_a, editor_a, leader_a, committee_a)
    client.force_login(editor_a)
    assert foreign.title not in text_of(client.get("/opinions/instructions/"))
    response = client.post("/opinions/instructions/", {"rows": "1", "r0-opinion": foreign.pk, "r0-level": "county",
                                                       "r0-person": "王", "r0-text": "阅"})
    assert response.status_code == 400 and "请选择信息。" in text_of(response)
    assert not Track.objects.filter(kind="instruction").exists()


def test_the_home_page_lists_the_editors_and_signers_to_dos(client, member_a, editor_a, leader_a, committee_a):
    numbered(member_a, committee_a)
    o = adopted(member_a, editor_a, committee_a)
    services.opinion_edit(access=acc(editor_a, committee_a), opinion_id=o.pk, title=o.title, body="编辑稿")
    client.force_login(editor_a)
    assert "待处理社情民意 1 条" in text_of(client.get("/"))
    client.force_login(leader_a)
    assert "待签发社情民意 1 条" in text_of(client.get("/"))
    other = make_persona(committee_a, "member", "m_other")
    client.force_login(other)
    assert "社情民意 1 条" not in text_of(client.get("/"))


# --- typing in items for others --------------------------------------------------------------------------


def test_an_editor_types_in_a_partys_item_and_submits_it(client, editor_a, committee_a):
    from zhengxie.org.models import Party

    party = Party.objects.filter(committee=committee_a).first() or Party.objects.create(committee=committee_a, name="民盟")
    client.force_login(editor_a)
    page = text_of(client.get("/opinions/new/"))
    assert "录入社情民意" in page and "代为录入" in page
    response = client.post("/opinions/new/", {**TEXT, "source_kind": "party", "body_name": "民盟云湖区委",
                                              "party": party.pk, "action": "save"})
    o = Opinion.objects.get(created_by=editor_a)
    assert response.status_code == 302 and o.state == "draft" and o.author is None
    assert o.body_name == "民盟云湖区委" and o.party == party
    assert "我录入的草稿" in text_of(client.get(DESK))
    client.post(f"/opinions/{o.pk}/draft/", {**TEXT, "version": o.version, "action": "submit"})
    o.refresh_from_db()
    assert o.state == "submitted" and o.source_kind == "party"


def test_typing_in_a_public_item_needs_the_submitters_name(client, editor_a, committee_a):
    client.force_login(editor_a)
    response = client.post("/opinions/new/", {**TEXT, "source_kind": "public", "action": "save"})
    assert response.status_code == 400 and "请填写反映人姓名。" in text_of(response)
    assert not Opinion.objects.exists()


def test_a_member_cannot_type_in_for_a_party(client, member_a, committee_a):
    client.force_login(member_a)
    assert "代为录入" not in text_of(client.get("/opinions/new/"))
    client.post("/opinions/new/", {**TEXT, "source_kind": "party", "body_name": "民盟", "action": "save"})
    assert Opinion.objects.get().source_kind == "member"  # the field is not the member's to set


# --- signing officers --------------------------------------------------------------------------------------


def test_the_admin_names_an_editor_who_then_signs(client, admin_a, member_a, editor_a, committee_a):
    o = adopted(member_a, editor_a, committee_a)
    o = services.opinion_edit(access=acc(editor_a, committee_a), opinion_id=o.pk, title=o.title, body="编辑稿")
    client.force_login(admin_a)
    page = text_of(client.get("/opinions/signers/"))
    assert "尚未指定" in page
    response = client.post("/opinions/signers/", {"user_id": editor_a.pk, "action": "grant"})
    assert response.status_code == 302
    response = client.post("/opinions/signers/", {"user_id": editor_a.pk, "action": "grant"})
    assert response.status_code == 409 and "已是签发人" in text_of(response)
    client.force_login(editor_a)
    client.post(f"/opinions/{o.pk}/transitions/sign/", {"version": o.version})
    assert Opinion.objects.get(pk=o.pk).state == "signed"
    client.force_login(admin_a)
    client.post("/opinions/signers/", {"user_id": editor_a.pk, "action": "revoke"})
    assert "尚未指定" in text_of(client.get("/opinions/signers/"))


def test_only_the_admin_names_signers_and_only_opinion_staff(client, admin_a, member_a, editor_a, committee_a):
    client.force_login(editor_a)
    assert client.get("/opinions/signers/").status_code == 403
    client.force_login(admin_a)
    response = client.post("/opinions/signers/", {"user_id": member_a.pk, "action": "grant"})
    assert response.status_code == 400 and "签发人须是本会的社情民意工作人员。" in text_of(response)


def test_the_item_page_costs_the_same_queries_however_long_its_chain(client, county, city, province, member_a,
                                                                     editor_a, leader_a, city_editor, city_leader,
                                                                     province_editor):
    short = signed(member_a, editor_a, leader_a, county, title="关于甲的建议")
    long = signed(member_a, editor_a, leader_a, county, title="关于乙的建议")
    copy = services.opinion_forward(access=acc(editor_a, county), opinion_id=long.pk, committee_id=city.pk)
    services.opinion_transition(access=acc(city_editor, city), opinion_id=copy.pk, name="adopt")
    services.opinion_edit(access=acc(city_editor, city), opinion_id=copy.pk, title=copy.title, body="市级编辑稿")
    services.opinion_transition(access=acc(city_leader, city), opinion_id=copy.pk, name="sign")
    up = services.opinion_forward(access=acc(city_editor, city), opinion_id=copy.pk, committee_id=province.pk)
    services.opinion_transition(access=acc(province_editor, province), opinion_id=up.pk, name="adopt")
    for level in ("county", "city"):
        services.instruction_record(access=acc(editor_a, county), opinion_id=long.pk, level=level, person="王",
                                    text="阅。")
    client.force_login(editor_a)
    _, few = queries_during(lambda: client.get(f"/opinions/{short.pk}/"))
    response, many = queries_during(lambda: client.get(f"/opinions/{long.pk}/"))
    assert response.status_code == 200
    body = text_of(response)
    assert "丙市政协" in body and "丁省政协" in body
    assert len(many) == len(few), growth_report(few, many)
