"""A proposal the proposal office turns into a 社情民意 item (转为社情民意信息): what the item carries, that it
lands on the editors' desk as a submission would, and that the two move together or not at all."""

from __future__ import annotations

import pytest

from zhengxie.accounts.models import Role
from zhengxie.accounts.permissions import access_for
from zhengxie.attachments.models import Attachment
from zhengxie.audit.models import Event
from zhengxie.members.models import Member
from zhengxie.notifications.models import Notification
from zhengxie.opinions import selectors
from zhengxie.opinions import services as opinion_services
from zhengxie.opinions.models import BODY_HARD, TITLE_MAX, Opinion
from zhengxie.opinions.tests.conftest import photo
from zhengxie.proposals import services
from zhengxie.proposals.models import Proposal
from zhengxie.testing.factories import make_persona
from zhengxie.workflow.engine import TransitionError, TransitionInvalid

TEXT = {
    "title": "关于规范老旧小区加装电梯费用分摊的提案",
    "reason": "老旧小区加装电梯意愿强烈，但高低层住户对费用分摊分歧较大，不少项目因此搁浅。",
    "suggestion": "1. 出台费用分摊指导标准；2. 社区搭建协商平台；3. 对困难家庭给予补贴。",
    "category": "society",
}


def acc(user, committee):
    return access_for(user, committee)


def submitted(member, committee, **extra) -> Proposal:
    p = services.proposal_create(access=acc(member, committee), data={**TEXT, **extra})
    return services.transition(access=acc(member, committee), proposal_id=p.pk, name="submit")


def joint(member, cosigner, committee) -> Proposal:
    p = services.proposal_create(access=acc(member, committee), data={**TEXT, "proposer_kind": "joint"})
    services.transition(access=acc(member, committee), proposal_id=p.pk, name="invite",
                        payload={"user_ids": [cosigner.pk]})
    services.signer_respond(access=acc(cosigner, committee), proposal_id=p.pk, accept=True)
    return services.transition(access=acc(member, committee), proposal_id=p.pk, name="submit")


def to_opinion(clerk, committee, p, **payload) -> Proposal:
    return services.transition(access=acc(clerk, committee), proposal_id=p.pk, name="convert",
                               payload={"note": "属于反映情况类，转社情民意信息", "target": "opinion", **payload},
                               version=p.version)


def test_a_joint_proposal_becomes_a_submitted_item_on_the_editors_desk(member_a, clerk_a, editor_a, committee_a):
    cosigner = make_persona(committee_a, Role.MEMBER, "cosigner_x")
    p = joint(member_a, cosigner, committee_a)

    p = to_opinion(clerk_a, committee_a, p)

    o = Opinion.objects.get(source_proposal=p)
    assert p.state == "converted" and p.convert_note == "属于反映情况类，转社情民意信息"
    assert (o.committee_id, o.state, o.source_kind) == (committee_a.pk, "submitted", "member")
    assert o.author_id == member_a.pk and o.created_by_id == clerk_a.pk
    assert [c.user_id for c in o.coauthors.all()] == [cosigner.pk]
    assert o.title == TEXT["title"]
    assert o.body == f"案由：\n{TEXT['reason']}\n\n建议：\n{TEXT['suggestion']}"
    # As a submission: a receipt number, the author's sector and party at the time, the editors told.
    assert o.serial == 1 and o.submitted_at is not None
    member = Member.objects.select_related("sector", "party").get(user=member_a, committee=committee_a)
    assert (o.sector_id, o.sector_name) == (member.sector_id, member.sector.name)
    assert o.party_name == (member.party.name if member.party else "")
    assert Notification.objects.filter(recipient=editor_a, verb="opinion.submit", url=f"/opinions/{o.pk}/").exists()
    assert Notification.objects.filter(recipient=member_a, verb="proposal.convert",
                                       title__contains="已转为社情民意信息").exists()
    event = Event.objects.get(verb="opinion.from_proposal")
    assert event.object_id == str(o.pk) and event.payload["proposal"] == p.pk
    assert event.payload["coauthors"] == [cosigner.pk] and event.payload["serial"].endswith("-0001")
    convert = Event.objects.get(verb="proposal.convert")
    assert convert.payload["target"] == "opinion" and convert.payload["opinion"] == o.pk
    # The author and the co-signer find it in their record; the editors on their desk.
    assert [c.item.pk for c in selectors.author_record(acc(member_a, committee_a))] == [o.pk]
    assert [c.item.pk for c in selectors.author_record(acc(cosigner, committee_a))] == [o.pk]
    assert [r.pk for r in selectors.desk_rows(acc(editor_a, committee_a), state="submitted")] == [o.pk]


def test_the_default_target_still_only_records_the_note(member_a, clerk_a, committee_a):
    p = submitted(member_a, committee_a)
    p = services.transition(access=acc(clerk_a, committee_a), proposal_id=p.pk, name="convert",
                            payload={"note": "转区住建局参考"})
    assert p.state == "converted" and not Opinion.objects.exists()
    assert Event.objects.get(verb="proposal.convert").payload["target"] == "unit"


def test_a_long_proposal_is_cut_to_what_an_item_may_hold_and_says_so(member_a, clerk_a, committee_a):
    p = submitted(member_a, committee_a, title="关" * 100, reason="情况" * 6000, suggestion="建议" * 100)
    to_opinion(clerk_a, committee_a, p)
    o = Opinion.objects.get(source_proposal=p)
    assert len(o.title) == TITLE_MAX
    assert len(o.body) == BODY_HARD and o.body.endswith(opinion_services.FROM_PROPOSAL_CUT)


def test_a_party_proposal_becomes_a_partys_item(clerk_a, committee_a):
    p = services.proposal_create(access=acc(clerk_a, committee_a),
                                 data={**TEXT, "proposer_kind": "party", "body_name": "民盟甲区基层委员会"})
    p = services.transition(access=acc(clerk_a, committee_a), proposal_id=p.pk, name="submit")
    to_opinion(clerk_a, committee_a, p)
    o = Opinion.objects.get(source_proposal=p)
    assert (o.source_kind, o.author_id, o.author_name, o.body_name) == ("party", None, "民盟甲区基层委员会",
                                                                       "民盟甲区基层委员会")


def test_a_sector_proposal_cannot_become_an_item_and_stays_submitted(clerk_a, committee_a):
    p = services.proposal_create(access=acc(clerk_a, committee_a),
                                 data={**TEXT, "proposer_kind": "sector", "body_name": "经济界"})
    p = services.transition(access=acc(clerk_a, committee_a), proposal_id=p.pk, name="submit")
    with pytest.raises(TransitionError, match="界别提案在社情民意中没有对应的来源"):
        to_opinion(clerk_a, committee_a, p)
    assert Proposal.objects.get(pk=p.pk).state == "submitted" and not Opinion.objects.exists()


def test_an_unknown_target_is_refused_as_bad_input_before_anything_changes(member_a, clerk_a, committee_a):
    p = submitted(member_a, committee_a)
    with pytest.raises(TransitionInvalid, match="转办去向只能是") as refused:
        to_opinion(clerk_a, committee_a, p, target="province")
    assert refused.value.status == 400
    assert Proposal.objects.get(pk=p.pk).state == "submitted" and not Opinion.objects.exists()
    assert not Event.objects.filter(verb="proposal.convert").exists()


def test_if_the_item_cannot_be_made_the_proposal_stays_submitted(member_a, clerk_a, committee_a, media,
                                                                  monkeypatch):
    p = submitted(member_a, committee_a)

    def broken(**kwargs):
        raise RuntimeError("storage unavailable")

    monkeypatch.setattr(opinion_services, "attachment_copy", broken)
    with pytest.raises(RuntimeError):
        to_opinion(clerk_a, committee_a, p)
    p.refresh_from_db()
    assert (p.state, p.convert_note, p.version) == ("submitted", "", 1)
    assert not Opinion.objects.exists() and not Event.objects.filter(verb__startswith="opinion.").exists()
    assert not Notification.objects.filter(verb__in=["opinion.submit", "proposal.convert"]).exists()


def test_a_double_click_converts_once(member_a, clerk_a, committee_a):
    p = submitted(member_a, committee_a)
    stale_version = p.version
    to_opinion(clerk_a, committee_a, p)
    with pytest.raises(TransitionError, match="已被他人处理"):
        services.transition(access=acc(clerk_a, committee_a), proposal_id=p.pk, name="convert",
                            payload={"note": "再点一次", "target": "opinion"}, version=stale_version)
    with pytest.raises(TransitionError, match="不能进行"):  # without a version: the state has moved on
        services.transition(access=acc(clerk_a, committee_a), proposal_id=p.pk, name="convert",
                            payload={"note": "再点一次", "target": "opinion"})
    assert Opinion.objects.filter(source_proposal=p).count() == 1
    assert Event.objects.filter(verb="proposal.convert").count() == 1


def test_the_service_is_not_a_way_around_the_proposal_workflow(member_a, clerk_a, committee_a, committee_b,
                                                               clerk_b):
    p = submitted(member_a, committee_a)
    with pytest.raises(opinion_services.OpinionError, match="只有正在转办的提案") as refused:
        opinion_services.opinion_from_proposal(access=acc(clerk_a, committee_a), proposal=p, proposers=[member_a])
    assert refused.value.status == 409
    with pytest.raises(opinion_services.OpinionError) as refused:
        opinion_services.opinion_from_proposal(access=acc(clerk_b, committee_b), proposal=p, proposers=[member_a])
    assert refused.value.status == 403
    assert not Opinion.objects.exists()


def test_the_proposals_files_go_with_the_item(member_a, clerk_a, editor_a, committee_a, media):
    from zhengxie.attachments.selectors import attachment_get
    from zhengxie.attachments.services import attachment_attach, attachment_upload

    p = submitted(member_a, committee_a)
    f = attachment_upload(actor=member_a, committee=committee_a, uploaded_file=photo("调研照片.png"))
    attachment_attach(actor=member_a, committee=committee_a, attachment_ids=[f.pk], obj=p)

    to_opinion(clerk_a, committee_a, p)

    o = Opinion.objects.get(source_proposal=p)
    carried = Attachment.objects.get(object_type="opinions.opinion", object_id=str(o.pk))
    assert (carried.committee_id, carried.original_name, carried.file.name) == (committee_a.pk, "调研照片.png",
                                                                                f.file.name)
    assert attachment_get(acc(editor_a, committee_a), carried.pk) is not None
    assert Attachment.objects.get(pk=f.pk).object_id == str(p.pk)  # the proposal keeps its own
    assert Event.objects.get(verb="opinion.from_proposal").payload["files"] == [carried.pk]
