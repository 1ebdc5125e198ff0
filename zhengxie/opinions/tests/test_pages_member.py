"""The author's pages: writing an item (draft, submit, the soft limit), 我的社情民意 with the edited text beside
the original and what came of the item at every level."""

from __future__ import annotations

import re

import pytest

from zhengxie.opinions import services
from zhengxie.opinions.models import Opinion
from zhengxie.opinions.tests.conftest import TEXT, acc, photo, published, submitted
from zhengxie.testing.queries import growth_report, queries_during


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def errors_of(response) -> str:
    return " ".join(str(e) for e in response.context["form"].non_field_errors()) if response.context else ""


# --- writing ---------------------------------------------------------------------------------------------


def test_a_member_saves_a_draft_and_goes_on_writing_it(client, member_a, committee_a):
    client.force_login(member_a)
    page = client.get("/opinions/new/")
    assert page.status_code == 200
    body = text_of(page)
    assert "一事一报" in body and "data-soft-limit=\"1500\"" in body and "已有的相似信息" in body
    response = client.post("/opinions/new/", {"title": TEXT["title"], "body": "", "action": "save"})
    o = Opinion.objects.get(author=member_a)
    assert response.status_code == 302 and response["Location"] == f"/opinions/{o.pk}/draft/"
    assert o.state == "draft"
    response = client.post(f"/opinions/{o.pk}/draft/", {"title": TEXT["title"], "body": TEXT["body"],
                                                        "version": o.version, "action": "save"})
    assert response.status_code == 302
    o.refresh_from_db()
    assert o.body == TEXT["body"] and o.state == "draft"


def test_a_member_submits_and_gets_a_receipt_number(client, member_a, editor_a, committee_a):
    client.force_login(member_a)
    response = client.post("/opinions/new/", {**TEXT, "action": "submit"}, follow=True)
    o = Opinion.objects.get(author=member_a)
    assert o.state == "submitted" and o.serial == 1
    assert f"收文编号 {o.year}-0001" in text_of(response)
    assert response.redirect_chain[-1][0] == f"/opinions/{o.pk}/"


def test_an_informant_writes_items_too(client, informant_a, committee_a):
    client.force_login(informant_a)
    client.post("/opinions/new/", {**TEXT, "action": "submit"})
    assert Opinion.objects.get(author=informant_a).source_kind == "informant"


def test_submitting_without_a_body_keeps_the_draft_and_says_what_is_missing(client, member_a, committee_a):
    client.force_login(member_a)
    response = client.post("/opinions/new/", {"title": TEXT["title"], "body": "", "action": "submit"})
    assert response.status_code == 409
    assert "草稿已保存，但还不能提交：请填写正文。" in errors_of(response)
    assert Opinion.objects.get(author=member_a).state == "draft"


def test_a_blank_title_is_refused_with_a_message_and_nothing_saved(client, member_a, committee_a):
    client.force_login(member_a)
    response = client.post("/opinions/new/", {"title": "  ", "body": "x", "action": "save"})
    assert response.status_code == 400
    assert "请填写标题。" in text_of(response)
    assert not Opinion.objects.exists()


def test_a_long_body_is_warned_about_but_saved(client, member_a, committee_a):
    client.force_login(member_a)
    long = "情况" * 800  # 1,600 characters
    response = client.post("/opinions/new/", {"title": TEXT["title"], "body": long, "action": "save"}, follow=True)
    assert response.status_code == 200
    assert "正文 1600 字，社情民意一般不超过 1500 字" in text_of(response)
    assert Opinion.objects.get(author=member_a).body == long


def test_a_stale_draft_form_is_refused_and_the_newer_text_kept(client, member_a, committee_a):
    o = services.opinion_create(access=acc(member_a, committee_a), title=TEXT["title"], body="新的")
    services.opinion_update(access=acc(member_a, committee_a), opinion_id=o.pk, title=TEXT["title"], body="更新的")
    client.force_login(member_a)
    response = client.post(f"/opinions/{o.pk}/draft/", {"title": "旧标题", "body": "旧的", "version": o.version,
                                                        "action": "save"})
    assert response.status_code == 409
    assert "已被他人处理" in errors_of(response)
    o.refresh_from_db()
    assert o.body == "更新的"


def test_a_submitted_item_cannot_be_reopened_as_a_draft(client, member_a, committee_a):
    o = submitted(member_a, committee_a)
    client.force_login(member_a)
    response = client.post(f"/opinions/{o.pk}/draft/", {"title": "改", "body": "改", "action": "save"})
    assert response.status_code == 302 and response["Location"] == f"/opinions/{o.pk}/"
    o.refresh_from_db()
    assert o.title == TEXT["title"]


def test_someone_elses_draft_is_not_found(client, member_a, committee_a):
    from zhengxie.testing.factories import make_persona

    o = services.opinion_create(access=acc(member_a, committee_a), **TEXT)
    other = make_persona(committee_a, "member", "other_member")
    client.force_login(other)
    assert client.get(f"/opinions/{o.pk}/draft/").status_code == 404
    assert client.get(f"/opinions/{o.pk}/").status_code == 404


@pytest.mark.parametrize("persona", ["unit_a", "clerk_a"])
def test_people_without_the_right_cannot_write(persona, request, client, committee_a):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/opinions/new/").status_code == 403
    assert client.get("/opinions/mine/").status_code == 403


def test_the_public_cannot_reach_the_member_pages(client, committee_a):
    response = client.get("/opinions/new/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- 我的社情民意 -----------------------------------------------------------------------------------------


def test_my_items_show_the_edited_text_beside_my_original_with_a_marked_diff(client, member_a, editor_a, leader_a,
                                                                           committee_a):
    o = submitted(member_a, committee_a, body="建议加大财政补贴。")
    services.opinion_transition(access=acc(editor_a, committee_a), opinion_id=o.pk, name="adopt")
    services.opinion_edit(access=acc(editor_a, committee_a), opinion_id=o.pk, title=o.title,
                          body="建议区财政加大补贴。")
    client.force_login(member_a)
    body = text_of(client.get("/opinions/mine/"))
    assert "编辑对您的原稿作了修改" in body
    assert "建议加大财政补贴。" in body and "建议区财政加大补贴。" in body
    assert "<ins><span class=\"visually-hidden\">［新增：</span>区财政<span class=\"visually-hidden\">］</span></ins>" in body
    assert "已编辑待签发" in body


def test_my_items_show_what_came_of_them_at_every_level(client, county, city, member_a, editor_a, leader_a,
                                                        city_editor, city_leader):
    o = published(member_a, editor_a, leader_a, county)
    copy = services.opinion_forward(access=acc(editor_a, county), opinion_id=o.pk, committee_id=city.pk)
    services.opinion_transition(access=acc(city_editor, city), opinion_id=copy.pk, name="adopt")
    services.instruction_record(access=acc(city_editor, city), opinion_id=copy.pk, level="city", person="李市长",
                                person_title="副市长", text="请市民政局研究落实。")
    client.force_login(member_a)
    response = client.get("/opinions/mine/")
    body = text_of(response)
    assert "甲区政协" in body and "丙市政协" in body
    assert "《社情民意专递》" in body and "年第1期" in body
    assert "报送上级" in body and "单篇采用" in body
    assert "市级副市长李市长" in body and "请市民政局研究落实。" in body
    assert "获批示 1 次" in body


def test_my_items_cost_the_same_queries_for_one_or_six(client, county, city, member_a, editor_a, leader_a,
                                                       city_editor):
    def one_more():
        o = published(member_a, editor_a, leader_a, county)
        copy = services.opinion_forward(access=acc(editor_a, county), opinion_id=o.pk, committee_id=city.pk)
        services.opinion_transition(access=acc(city_editor, city), opinion_id=copy.pk, name="adopt")
        services.instruction_record(access=acc(city_editor, city), opinion_id=copy.pk, level="city", person="李",
                                    text="阅。")

    one_more()
    client.force_login(member_a)
    _, few = queries_during(lambda: client.get("/opinions/mine/"))
    for _ in range(5):
        one_more()
    submitted(member_a, county)
    response, many = queries_during(lambda: client.get("/opinions/mine/"))
    assert response.status_code == 200
    assert len(many) == len(few), growth_report(few, many)


def test_the_empty_record_says_how_to_start(client, member_a, committee_a):
    client.force_login(member_a)
    assert "您还没有报送社情民意信息" in text_of(client.get("/opinions/mine/"))


def test_the_navigation_leads_each_role_to_its_start(client, member_a, editor_a, leader_a, admin_a, committee_a):
    for user, where in ((member_a, "/opinions/mine/"), (editor_a, "/opinions/desk/"), (leader_a, "/opinions/sign/"),
                        (admin_a, "/opinions/issues/")):
        client.force_login(user)
        assert client.get("/opinions/")["Location"] == where
        assert 'href="/opinions/"' in client.get("/").content.decode()


def test_notices_lead_editors_to_the_item_and_authors_to_their_record(client, member_a, editor_a, committee_a):
    from zhengxie.notifications.models import Notification

    o = submitted(member_a, committee_a)
    assert Notification.objects.get(recipient=editor_a, verb="opinion.submit").url == f"/opinions/{o.pk}/"
    services.opinion_transition(access=acc(editor_a, committee_a), opinion_id=o.pk, name="adopt")
    notice = Notification.objects.get(recipient=member_a, verb="opinion.adopt")
    assert notice.url == "/opinions/mine/"
    client.force_login(member_a)
    assert client.get(notice.url).status_code == 200


# --- attachments ---------------------------------------------------------------------------------------------


def test_a_member_attaches_a_photo_which_the_editor_can_read(client, media, member_a, editor_a, committee_a):
    client.force_login(member_a)
    response = client.post("/opinions/new/", {**TEXT, "action": "submit", "files": [photo()]})
    o = Opinion.objects.get(author=member_a)
    assert response.status_code == 302 and o.state == "submitted"
    from zhengxie.attachments.models import Attachment

    f = Attachment.objects.get(object_type="opinions.opinion", object_id=str(o.pk))
    client.force_login(editor_a)
    page = text_of(client.get(f"/opinions/{o.pk}/"))
    assert "现场照片.png" in page
    assert client.get(f"/api/v1/attachments/{f.pk}/download").status_code == 200


def test_a_file_that_is_not_what_it_claims_is_refused_and_nothing_attached(client, media, member_a, committee_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zhengxie.attachments.models import Attachment

    client.force_login(member_a)
    fake = SimpleUploadedFile("材料.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    response = client.post("/opinions/new/", {**TEXT, "action": "submit", "files": [photo(), fake]})
    assert response.status_code == 400
    assert "附件“材料.pdf”未能上传" in errors_of(response)
    o = Opinion.objects.get(author=member_a)
    assert o.state == "draft"  # the text is kept as a draft; not submitted
    assert not Attachment.objects.exists()
    assert not [p for p in media.rglob("*") if p.is_file()]


def test_at_most_five_files(client, media, member_a, committee_a):
    client.force_login(member_a)
    response = client.post("/opinions/new/", {**TEXT, "action": "save", "files": [photo(f"{i}.png") for i in range(6)]})
    assert response.status_code == 400 and "每条信息最多 5 个附件" in errors_of(response)


def test_files_are_not_added_by_others_nor_after_submission(member_a, editor_a, committee_a, media):
    o = submitted(member_a, committee_a)
    with pytest.raises(services.OpinionError, match="提交后不能再添加附件"):
        services.opinion_files_add(access=acc(member_a, committee_a), opinion_id=o.pk, uploads=[photo()])
    draft = services.opinion_create(access=acc(member_a, committee_a), **TEXT)
    with pytest.raises(services.OpinionError, match="只有作者本人"):
        services.opinion_files_add(access=acc(editor_a, committee_a), opinion_id=draft.pk, uploads=[photo()])


# --- co-authors (联名) -----------------------------------------------------------------------------------------


def test_a_member_names_a_co_author_who_then_sees_the_item_in_their_record(client, member_a, informant_a,
                                                                          committee_a):
    from zhengxie.accounts.models import User

    User.objects.filter(pk=informant_a.pk).update(display_name="周信息")
    client.force_login(member_a)
    client.post("/opinions/new/", {**TEXT, "coauthors": "周信息", "action": "submit"})
    o = Opinion.objects.get(author=member_a)
    assert [c.user_id for c in o.coauthors.all()] == [informant_a.pk]
    client.force_login(informant_a)
    body = text_of(client.get("/opinions/mine/"))
    assert o.title in body and "联名" in body


def test_an_unknown_or_ambiguous_co_author_is_refused_and_nothing_saved(client, member_a, committee_a):
    from zhengxie.accounts.models import Role, User
    from zhengxie.testing.factories import make_persona

    for username in ("twin1", "twin2"):
        twin = make_persona(committee_a, Role.MEMBER, username)
        User.objects.filter(pk=twin.pk).update(display_name="李同名")
    client.force_login(member_a)
    response = client.post("/opinions/new/", {**TEXT, "coauthors": "王不存在", "action": "save"})
    assert response.status_code == 400 and "本会没有名为“王不存在”的委员或特邀信息员" in text_of(response)
    response = client.post("/opinions/new/", {**TEXT, "coauthors": "李同名", "action": "save"})
    assert response.status_code == 400 and "本会有 2 位名为“李同名”" in text_of(response)
    assert not Opinion.objects.exists()


def test_co_authors_can_be_changed_on_the_draft(client, member_a, informant_a, committee_a):
    from zhengxie.accounts.models import User

    User.objects.filter(pk=informant_a.pk).update(display_name="周信息")
    o = services.opinion_create(access=acc(member_a, committee_a), **TEXT, coauthor_ids=[informant_a.pk])
    client.force_login(member_a)
    assert 'value="周信息"' in client.get(f"/opinions/{o.pk}/draft/").content.decode()
    client.post(f"/opinions/{o.pk}/draft/", {**TEXT, "coauthors": "", "version": o.version, "action": "save"})
    assert not o.coauthors.exists()
