"""The 社情民意 chain through services and the workflow, as the people who use it act:
member → editor → signing officer → issue → forward to the parent → the parent adopts → 批示 →
the original author's record shows it all."""

from __future__ import annotations

import pytest

from zhengxie.audit.models import Event
from zhengxie.notifications.models import Notification
from zhengxie.opinions import selectors, services
from zhengxie.opinions.models import Issue, Lineage, Opinion, Track
from zhengxie.opinions.tests.conftest import TEXT, acc, published, signed, submitted
from zhengxie.textindex.models import Document
from zhengxie.workflow.engine import TransitionError, TransitionForbidden


def test_a_member_submits_an_item_and_it_lands_numbered_on_the_editors_desk(member_a, editor_a, committee_a):
    o = services.opinion_create(access=acc(member_a, committee_a), **TEXT)
    assert o.state == "draft" and o.source_kind == "member" and o.author == member_a
    assert selectors.editor_queue(acc(editor_a, committee_a)) == []

    o = services.opinion_transition(access=acc(member_a, committee_a), opinion_id=o.pk, name="submit")

    assert o.state == "submitted" and o.serial == 1 and o.submitted_at is not None
    assert o.sector_name == "中共" and o.party_name == "中共"  # the member's lists at submission
    assert [x.pk for x in selectors.editor_queue(acc(editor_a, committee_a))] == [o.pk]
    assert Notification.objects.filter(recipient=editor_a, verb="opinion.submit").exists()
    assert Document.objects.get(kind="opinion", object_id=o.pk).audience == "staff"
    assert Event.objects.filter(verb="opinion.submit", object_id=str(o.pk)).count() == 1


def test_a_specially_invited_informant_submits_in_their_own_name(informant_a, committee_a):
    o = submitted(informant_a, committee_a)
    assert o.source_kind == "informant" and o.author == informant_a and o.state == "submitted"


def test_an_editor_enters_a_partys_item_and_a_members_name_cannot_be_borrowed(editor_a, member_a, committee_a):
    o = services.opinion_create(access=acc(editor_a, committee_a), source_kind="party", body_name="民盟甲区委", **TEXT)
    assert o.author is None and o.author_name == "民盟甲区委"
    services.opinion_transition(access=acc(editor_a, committee_a), opinion_id=o.pk, name="submit")
    with pytest.raises(services.OpinionError, match="党派"):
        services.opinion_create(access=acc(member_a, committee_a), source_kind="party", body_name="民盟", **TEXT)


def test_screening_out_keeps_the_item_on_file_with_its_reason_and_tells_the_author(member_a, editor_a, committee_a):
    o = submitted(member_a, committee_a)
    o = services.opinion_transition(access=acc(editor_a, committee_a), opinion_id=o.pk, name="screen_out",
                                    payload={"reason": "所反映问题已在办理中"})
    assert o.state == "screened_out" and o.screened_reason == "所反映问题已在办理中"
    assert Notification.objects.filter(recipient=member_a, verb="opinion.screen_out").exists()
    o = services.opinion_transition(access=acc(editor_a, committee_a), opinion_id=o.pk, name="reconsider")
    assert o.state == "submitted"


def test_the_author_sees_the_edited_text_beside_the_original(member_a, editor_a, committee_a):
    o = submitted(member_a, committee_a)
    services.opinion_transition(access=acc(editor_a, committee_a), opinion_id=o.pk, name="adopt")
    services.opinion_edit(access=acc(editor_a, committee_a), opinion_id=o.pk, title="关于完善农村老年助餐服务的建议",
                          body="建议财政对农村助餐点按就餐人次给予补贴。")

    mine = selectors.opinion_get(acc(member_a, committee_a), o.pk)
    assert mine.title == TEXT["title"] and mine.body == TEXT["body"]
    assert mine.edited_title == "关于完善农村老年助餐服务的建议" and mine.state == "edited"
    assert Notification.objects.filter(recipient=member_a, verb="opinion.edit").exists()
    assert Track.objects.get(opinion=o, kind="adoption").adoption == "single"


def test_only_a_leader_or_an_authorised_editor_signs(member_a, editor_a, leader_a, admin_a, committee_a):
    o = submitted(member_a, committee_a)
    services.opinion_transition(access=acc(editor_a, committee_a), opinion_id=o.pk, name="adopt")
    services.opinion_edit(access=acc(editor_a, committee_a), opinion_id=o.pk, title="标题", body="正文")
    with pytest.raises(TransitionError, match="签发人"):
        services.opinion_transition(access=acc(editor_a, committee_a), opinion_id=o.pk, name="sign")
    with pytest.raises(TransitionForbidden):
        services.opinion_transition(access=acc(member_a, committee_a), opinion_id=o.pk, name="sign")

    services.signing_officer_grant(access=acc(admin_a, committee_a), user_id=editor_a.pk)
    o = services.opinion_transition(access=acc(editor_a, committee_a), opinion_id=o.pk, name="sign")
    assert o.state == "signed" and o.signed_by == editor_a


def test_a_signing_officer_may_send_an_edited_item_back_to_the_editor(member_a, editor_a, leader_a, committee_a):
    o = submitted(member_a, committee_a)
    services.opinion_transition(access=acc(editor_a, committee_a), opinion_id=o.pk, name="adopt")
    services.opinion_edit(access=acc(editor_a, committee_a), opinion_id=o.pk, title="标题", body="正文")
    o = services.opinion_transition(access=acc(leader_a, committee_a), opinion_id=o.pk, name="send_back",
                                    payload={"reason": "数据请核实"})
    assert o.state == "adopted" and o.send_back_reason == "数据请核实"
    assert Notification.objects.filter(recipient=editor_a, verb="opinion.send_back").exists()


def test_publishing_an_issue_numbers_it_per_series_and_year_and_publishes_its_items(
        member_a, editor_a, leader_a, committee_a):
    first = published(member_a, editor_a, leader_a, committee_a)
    second = published(member_a, editor_a, leader_a, committee_a)
    special = signed(member_a, editor_a, leader_a, committee_a)
    issue = services.issue_create(access=acc(editor_a, committee_a), series="special", recipients_main=["区委"],
                                  recipients_copy="区人大、区政府")
    services.issue_update(access=acc(editor_a, committee_a), issue_id=issue.pk, opinion_ids=[special.pk])
    issue = services.issue_publish(access=acc(editor_a, committee_a), issue_id=issue.pk)

    numbers = list(Issue.objects.order_by("id").values_list("series", "number"))
    assert numbers == [("express", 1), ("express", 2), ("special", 1)]
    assert first.state == second.state == "published"
    assert issue.label.startswith("《社情民意专报》") and issue.label.endswith("年第1期")
    assert issue.recipients_copy == ["区人大", "区政府"]
    assert Notification.objects.filter(recipient=member_a, verb="opinion.publish").count() == 3
    assert Document.objects.get(kind="opinion", object_id=first.pk).audience == "members"


def test_an_item_is_published_only_with_its_issue(member_a, editor_a, leader_a, committee_a):
    o = signed(member_a, editor_a, leader_a, committee_a)
    with pytest.raises(TransitionError, match="期刊"):
        services.opinion_transition(access=acc(editor_a, committee_a), opinion_id=o.pk, name="publish")
    assert Opinion.objects.get(pk=o.pk).state == "signed"


def test_combining_items_into_one_piece_credits_every_source(member_a, member_b, editor_a, leader_a, committee_a,
                                                             informant_a):
    one, two = submitted(member_a, committee_a), submitted(informant_a, committee_a)
    piece = services.opinion_combine(access=acc(editor_a, committee_a), source_ids=[one.pk, two.pk],
                                     title="关于农村养老服务的综合建议", body="综合两条信息。")
    assert piece.state == "adopted" and piece.source_kind == "combined"
    assert set(Opinion.objects.filter(combined_into=piece).values_list("state", "adoption")) == {("adopted", "combined")}
    assert Notification.objects.filter(recipient=informant_a, verb="opinion.adopt").exists()
    services.opinion_edit(access=acc(editor_a, committee_a), opinion_id=piece.pk, title="关于农村养老服务的建议",
                          body="综合稿正文")
    assert Notification.objects.filter(recipient=member_a, verb="opinion.edit").exists()
    with pytest.raises(TransitionError, match="综合稿"):
        services.opinion_edit(access=acc(editor_a, committee_a), opinion_id=one.pk, title="x", body="y")


def test_the_whole_chain_up_two_levels_is_credited_back_to_the_author(
        county, city, province, member_a, editor_a, leader_a, city_editor, city_leader, province_editor):
    o = published(member_a, editor_a, leader_a, county)

    city_copy = services.opinion_forward(access=acc(editor_a, county), opinion_id=o.pk, committee_id=city.pk)
    assert city_copy.committee == city and city_copy.origin_id == o.pk and city_copy.state == "submitted"
    assert city_copy.body == o.edited_body and city_copy.body_name == county.short_name
    assert [x.pk for x in selectors.editor_queue(acc(city_editor, city))] == [city_copy.pk]
    assert Notification.objects.filter(recipient=city_editor, verb="opinion.receive").exists()

    city_item = city_copy
    services.opinion_transition(access=acc(city_editor, city), opinion_id=city_item.pk, name="adopt")
    services.instruction_record(access=acc(city_editor, city), opinion_id=city_item.pk, level="city",
                                person="王某某", person_title="市委副书记", text="请市民政局研究落实。")
    province_copy = services.opinion_forward(access=acc(city_editor, city), opinion_id=city_item.pk,
                                             committee_id=province.pk)
    services.opinion_transition(access=acc(province_editor, province), opinion_id=province_copy.pk, name="adopt")

    record = selectors.author_record(acc(member_a, county))
    assert len(record) == 1
    credit = record[0]
    assert [n.opinion.committee.level for n in credit.levels] == ["county", "city", "province"]
    assert credit.adopted_levels == ["county", "city", "province"]
    assert [(t.person, t.level) for t in credit.instructions] == [("王某某", "city")]
    assert Notification.objects.filter(recipient=member_a, verb="opinion.instruction", committee=county).exists()
    assert Notification.objects.filter(recipient=member_a, verb="opinion.adopt").count() == 3

    chain = selectors.lineage(acc(province_editor, province), province_copy.pk)
    assert [n.opinion.pk for n in chain.down] == [city_item.pk, o.pk]
    assert Lineage.objects.filter(upper=province_copy).count() == 2


def test_the_desk_shows_a_likely_duplicate_beside_a_new_item(member_a, editor_a, committee_a, informant_a):
    first = submitted(member_a, committee_a)
    second = submitted(informant_a, committee_a)
    similar = selectors.similar_items(acc(editor_a, committee_a), second)
    assert [s.doc.object_id for s in similar] == [first.pk]


def test_a_member_of_the_public_submits_without_an_account_and_only_editors_see_who(editor_a, committee_a):
    o = services.opinion_submit_public(committee=committee_a, name="李四", contact="lisi@example.com", **TEXT)
    assert o.state == "submitted" and o.source_kind == "public" and o.author is None
    event = Event.objects.get(verb="opinion.submit", object_id=str(o.pk))
    assert event.actor is None
    with pytest.raises(services.OpinionError, match="姓名和联系方式"):
        services.opinion_submit_public(committee=committee_a, name="", contact="", **TEXT)


def test_a_revoked_signing_officer_can_no_longer_sign(member_a, editor_a, admin_a, committee_a):
    services.signing_officer_grant(access=acc(admin_a, committee_a), user_id=editor_a.pk)
    services.signing_officer_revoke(access=acc(admin_a, committee_a), user_id=editor_a.pk)
    o = submitted(member_a, committee_a)
    services.opinion_transition(access=acc(editor_a, committee_a), opinion_id=o.pk, name="adopt")
    services.opinion_edit(access=acc(editor_a, committee_a), opinion_id=o.pk, title="标题", body="正文")
    with pytest.raises(TransitionError, match="签发人"):
        services.opinion_transition(access=acc(editor_a, committee_a), opinion_id=o.pk, name="sign")
    with pytest.raises(services.OpinionError, match="管理员"):
        services.signing_officer_grant(access=acc(editor_a, committee_a), user_id=editor_a.pk)


def test_co_authors_are_credited_and_told_at_every_level(county, city, member_a, informant_a, editor_a, leader_a,
                                                         city_editor, member_b):
    o = services.opinion_create(access=acc(member_a, county), coauthor_ids=[informant_a.pk], **TEXT)
    with pytest.raises(services.OpinionError, match="本会的委员或特邀信息员"):
        services.opinion_update(access=acc(member_a, county), opinion_id=o.pk, title=o.title, body=o.body,
                                coauthor_ids=[member_b.pk])
    services.opinion_transition(access=acc(member_a, county), opinion_id=o.pk, name="submit")
    services.opinion_transition(access=acc(editor_a, county), opinion_id=o.pk, name="adopt")
    copy = services.opinion_forward(access=acc(editor_a, county), opinion_id=o.pk, committee_id=city.pk)
    services.opinion_transition(access=acc(city_editor, city), opinion_id=copy.pk, name="adopt")

    assert Notification.objects.filter(recipient=informant_a, verb="opinion.adopt").count() == 2
    record = selectors.author_record(acc(informant_a, county))
    assert [c.item.pk for c in record] == [o.pk] and record[0].adopted_levels == ["county", "city"]
    assert selectors.opinion_get(acc(informant_a, county), o.pk) is not None
