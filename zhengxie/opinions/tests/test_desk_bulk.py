"""Bulk 采用（单篇） and 不予采用 from the editors' desk (and the API): every ticked item goes through the same
transition as its own button — row lock, version check, audit event each — and what cannot move is named
by title in one Chinese summary while the others still go through."""

from __future__ import annotations

import json
import re

from zhengxie.audit.models import Event
from zhengxie.opinions import services
from zhengxie.opinions.models import Opinion, Track
from zhengxie.opinions.tests.conftest import acc, submitted
from zhengxie.opinions.tests.test_api import Caller

DESK = "/opinions/desk/"
BULK = "/opinions/desk/bulk/"


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def items(member, committee, *titles: str) -> list[Opinion]:
    return [submitted(member, committee, title=t) for t in titles]


def ticked(*rows: Opinion, **extra) -> dict:
    """What the desk's bulk form posts: the ticked ids and the version each row was shown at."""
    return {"ids": [o.pk for o in rows], **{f"version-{o.pk}": o.version for o in rows}, "next": DESK, **extra}


def test_the_desk_offers_a_labelled_checkbox_per_row_and_the_bulk_bar(client, member_a, editor_a, committee_a):
    a, = items(member_a, committee_a, "关于加装电梯的建议")
    client.force_login(editor_a)
    html = client.get(DESK).content.decode()
    assert f'<label for="sel-{a.pk}" class="visually-hidden">选择《关于加装电梯的建议》</label>' in html
    assert f'name="version-{a.pk}" value="{a.version}" form="desk-bulk"' in html
    assert "采用（单篇）" in html and "所选信息不予采用，存档" in html and 'for="bulk-reason"' in html
    assert "采用（单篇）" not in client.get(DESK, {"tab": "adopted"}).content.decode()


def test_bulk_adoption_adopts_each_item_with_its_own_audit_event(client, member_a, editor_a, committee_a):
    rows = items(member_a, committee_a, "关于甲的建议", "关于乙的建议", "关于丙的建议")
    client.force_login(editor_a)
    response = client.post(BULK, ticked(*rows, action="adopt", next=f"{DESK}?tab=submitted&source_kind=member"),
                           follow=True)
    assert response.redirect_chain[0] == (f"{DESK}?tab=submitted&source_kind=member", 302)
    assert "已采用 3 条。" in text_of(response)
    for o in rows:
        o.refresh_from_db()
        assert o.state == "adopted" and o.adoption == "single" and o.version == rows[0].version
    assert Track.objects.filter(kind="adoption", adoption="single").count() == 3
    assert Event.objects.filter(verb="opinion.adopt").count() == 3


def test_items_moved_meanwhile_are_named_and_the_others_go_through(client, member_a, editor_a, committee_a):
    a, b, c = items(member_a, committee_a, "关于甲的建议", "关于乙的建议", "关于丙的建议")
    # While the clerk looks at the page, a colleague screens b out.
    services.opinion_transition(access=acc(editor_a, committee_a), opinion_id=b.pk, name="screen_out",
                                payload={"reason": "重复"})
    client.force_login(editor_a)
    response = client.post(BULK, ticked(a, b, c, action="adopt"), follow=True)
    body = text_of(response)
    assert "已采用 2 条；1 条未处理：《关于乙的建议》（该事项已被他人处理，请刷新页面后查看最新状态）。" in body
    assert [Opinion.objects.get(pk=o.pk).state for o in (a, b, c)] == ["adopted", "screened_out", "adopted"]
    assert Event.objects.filter(verb="opinion.adopt").count() == 2


def test_an_item_in_the_wrong_state_is_named_with_its_state(client, member_a, editor_a, committee_a):
    a, b = items(member_a, committee_a, "关于甲的建议", "关于乙的建议")
    services.opinion_transition(access=acc(editor_a, committee_a), opinion_id=b.pk, name="adopt")
    client.force_login(editor_a)
    # Without the versions (a hand-made post): the workflow still refuses by state.
    response = client.post(BULK, {"ids": [a.pk, b.pk], "action": "screen_out", "reason": "不属于社情民意"}, follow=True)
    body = text_of(response)
    assert "已不予采用 1 条；1 条未处理：《关于乙的建议》（当前状态为“已采用”，不能进行“不予采用”操作）。" in body
    a.refresh_from_db()
    assert a.state == "screened_out" and a.screened_reason == "不属于社情民意"


def test_bulk_screening_out_needs_one_reason_for_all(client, member_a, editor_a, committee_a):
    a, b = items(member_a, committee_a, "关于甲的建议", "关于乙的建议")
    client.force_login(editor_a)
    response = client.post(BULK, ticked(a, b, action="screen_out", reason="  "), follow=True)
    assert "请填写不予采用理由（对所选信息统一适用）。" in text_of(response)
    assert set(Opinion.objects.values_list("state", flat=True)) == {"submitted"}
    response = client.post(BULK, ticked(a, b, action="screen_out", reason="与已采用信息重复"), follow=True)
    assert "已不予采用 2 条。" in text_of(response)
    assert set(Opinion.objects.values_list("screened_reason", flat=True)) == {"与已采用信息重复"}
    assert Event.objects.filter(verb="opinion.screen_out").count() == 2


def test_the_selection_is_capped(client, member_a, editor_a, committee_a):
    a, = items(member_a, committee_a, "关于甲的建议")
    client.force_login(editor_a)
    ids = [a.pk] + list(range(10_000, 10_000 + services.BULK_MAX))
    response = client.post(BULK, {"ids": ids, "action": "adopt", "next": DESK}, follow=True)
    assert f"一次最多处理 {services.BULK_MAX} 条信息，请分批操作。" in text_of(response)
    assert Opinion.objects.get(pk=a.pk).state == "submitted"


def test_nothing_ticked_a_tampered_id_or_an_unknown_action_say_so(client, member_a, editor_a, committee_a):
    a, = items(member_a, committee_a, "关于甲的建议")
    client.force_login(editor_a)
    assert "请先勾选信息。" in text_of(client.post(BULK, {"action": "adopt"}, follow=True))
    assert "所选信息有误" in text_of(client.post(BULK, {"ids": [a.pk, "1 OR 1=1"], "action": "adopt"}, follow=True))
    assert "未知的批量操作。" in text_of(client.post(BULK, {"ids": [a.pk], "action": "publish"}, follow=True))
    assert Opinion.objects.get(pk=a.pk).state == "submitted"


def test_another_committees_item_is_not_touched_nor_named(client, member_a, editor_a, committee_a, member_b,
                                                          committee_b):
    a, = items(member_a, committee_a, "关于甲的建议")
    foreign, = items(member_b, committee_b, "关于乙区秘密的建议")
    client.force_login(editor_a)
    body = text_of(client.post(BULK, {"ids": [a.pk, foreign.pk], "action": "adopt"}, follow=True))
    assert f"已采用 1 条；1 条未处理：编号 {foreign.pk} 的信息（找不到该信息）。" in body
    assert "乙区秘密" not in body
    assert Opinion.objects.get(pk=foreign.pk).state == "submitted"


def test_only_editors_may_use_the_bulk_bar(client, member_a, leader_a, committee_a):
    a, = items(member_a, committee_a, "关于甲的建议")
    for user in (member_a, leader_a):
        client.force_login(user)
        assert client.post(BULK, {"ids": [a.pk], "action": "adopt"}).status_code == 403
    assert Opinion.objects.get(pk=a.pk).state == "submitted"
    client.logout()
    assert client.post(BULK, {"ids": [a.pk], "action": "adopt"}).status_code == 302  # to the login page
    assert client.get(BULK).status_code in (302, 405)


def test_combining_from_the_bulk_bar_opens_the_combining_page(client, member_a, editor_a, committee_a):
    a, b = items(member_a, committee_a, "关于甲的建议", "关于乙的建议")
    client.force_login(editor_a)
    response = client.post(BULK, ticked(a, b, action="combine"))
    assert response.status_code == 302
    assert response["Location"] == f"/opinions/combine/?ids={a.pk}&ids={b.pk}&next=%2Fopinions%2Fdesk%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200 and "关于甲的建议" in text_of(page) and "关于乙的建议" in text_of(page)


# --- the API ---------------------------------------------------------------------------------------------------


def test_the_api_adopts_in_bulk_and_lists_what_it_could_not(member_a, editor_a, committee_a):
    a, b = items(member_a, committee_a, "关于甲的建议", "关于乙的建议")
    services.opinion_transition(access=acc(editor_a, committee_a), opinion_id=b.pk, name="adopt")
    editor = Caller(editor_a, committee_a)
    response = editor.post("/bulk-transitions", {"ids": [a.pk, b.pk], "name": "adopt",
                                                  "versions": {str(a.pk): a.version}})
    assert response.status_code == 200, response.content
    data = response.json()
    assert [d["id"] for d in data["done"]] == [a.pk] and data["done"][0]["state"] == "adopted"
    assert data["refused"] == [{"id": b.pk, "title": "《关于乙的建议》",
                                "message": "当前状态为“已采用”，不能进行“采用”操作。"}]


def test_the_api_refuses_a_bulk_screen_out_without_a_reason_or_from_a_member(member_a, editor_a, committee_a):
    a, = items(member_a, committee_a, "关于甲的建议")
    response = Caller(editor_a, committee_a).post("/bulk-transitions", {"ids": [a.pk], "name": "screen_out"})
    assert response.status_code == 400 and "请填写不予采用理由" in json.dumps(response.json(), ensure_ascii=False)
    response = Caller(member_a, committee_a).post("/bulk-transitions", {"ids": [a.pk], "name": "adopt"})
    assert response.status_code == 403
    too_many = Caller(editor_a, committee_a).post("/bulk-transitions", {"ids": list(range(1, 102)), "name": "adopt"})
    assert too_many.status_code == 422
    assert Opinion.objects.get(pk=a.pk).state == "submitted"
