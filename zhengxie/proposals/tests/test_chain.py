"""The proposal chain through services and the workflow, as the people who use it act."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from zhengxie.accounts.models import Role
from zhengxie.accounts.permissions import access_for
from zhengxie.audit.models import Event
from zhengxie.deadlines.models import Deadline
from zhengxie.notifications.models import Notification
from zhengxie.org.models import Unit
from zhengxie.proposals import services
from zhengxie.proposals.models import Assignment, Proposal, Signer
from zhengxie.testing.factories import grant, make_persona
from zhengxie.textindex.models import Document
from zhengxie.workflow.engine import TransitionError, TransitionForbidden

TEXT = {
    "title": "关于加强电动自行车充电安全管理的提案",
    "reason": "近年来我区电动自行车保有量快速增长，居民楼道充电、飞线充电现象突出，火灾隐患大。",
    "suggestion": "1. 在小区增设集中充电设施；2. 加强楼道巡查，清理违规充电。",
    "category": "society",
}


def acc(user, committee):
    return access_for(user, committee)


@pytest.fixture
def units(committee_a):
    lead, _ = Unit.objects.get_or_create(committee=committee_a, name="区消防救援大队", defaults={"order": 90})
    assist, _ = Unit.objects.get_or_create(committee=committee_a, name="区住房和城乡建设局", defaults={"order": 91})
    return lead, assist


@pytest.fixture
def lead_clerk(committee_a, units):
    user = make_persona(committee_a, Role.MEMBER, "lead_clerk_tmp")
    user.grants.all().delete()
    grant(user, committee_a, Role.UNIT_HANDLER, units[0])
    return user


@pytest.fixture
def assist_clerk(committee_a, units):
    user = make_persona(committee_a, Role.MEMBER, "assist_clerk_tmp")
    user.grants.all().delete()
    grant(user, committee_a, Role.UNIT_HANDLER, units[1])
    return user


def submitted_proposal(member, committee, **extra):
    p = services.proposal_create(access=acc(member, committee), data={**TEXT, **extra})
    return services.transition(access=acc(member, committee), proposal_id=p.pk, name="submit")


def test_a_member_drafts_and_submits_a_proposal_and_the_office_sees_it_in_search(member_a, clerk_a, committee_a):
    p = services.proposal_create(access=acc(member_a, committee_a), data=TEXT)
    assert p.state == "draft" and not Document.objects.filter(kind="proposal", object_id=p.pk).exists()

    p = services.transition(access=acc(member_a, committee_a), proposal_id=p.pk, name="submit")

    assert p.state == "submitted" and p.submitted_at is not None
    doc = Document.objects.get(kind="proposal", object_id=p.pk)
    assert doc.audience == "staff" and doc.state == "submitted"


def test_a_title_over_100_characters_is_refused_and_nothing_is_saved(member_a, committee_a):
    with pytest.raises(services.ProposalError, match="100"):
        services.proposal_create(access=acc(member_a, committee_a), data={**TEXT, "title": "关" * 101})
    assert not Proposal.objects.exists()


def test_a_proposal_without_a_suggestion_cannot_be_submitted(member_a, committee_a):
    p = services.proposal_create(access=acc(member_a, committee_a), data={**TEXT, "suggestion": ""})
    with pytest.raises(TransitionError, match="建议"):
        services.transition(access=acc(member_a, committee_a), proposal_id=p.pk, name="submit")
    assert Proposal.objects.get(pk=p.pk).state == "draft"


def test_a_joint_proposal_needs_a_confirmed_cosigner_before_it_is_submitted(member_a, committee_a):
    other = make_persona(committee_a, Role.MEMBER, "cosigner_tmp")
    p = services.proposal_create(access=acc(member_a, committee_a), data={**TEXT, "proposer_kind": "joint"})
    services.transition(access=acc(member_a, committee_a), proposal_id=p.pk, name="invite",
                        payload={"user_ids": [other.pk]})
    with pytest.raises(TransitionError, match="联名"):
        services.transition(access=acc(member_a, committee_a), proposal_id=p.pk, name="submit")

    services.signer_respond(access=acc(other, committee_a), proposal_id=p.pk, accept=True)
    p = services.transition(access=acc(member_a, committee_a), proposal_id=p.pk, name="submit")

    assert p.state == "submitted"
    assert Notification.objects.filter(recipient=other, verb="proposal.invite").exists()


def test_an_expired_invitation_cannot_be_accepted(member_a, committee_a):
    other = make_persona(committee_a, Role.MEMBER, "late_tmp")
    p = services.proposal_create(access=acc(member_a, committee_a), data={**TEXT, "proposer_kind": "joint"})
    services.transition(access=acc(member_a, committee_a), proposal_id=p.pk, name="invite", payload={"user_ids": [other.pk]})
    Signer.objects.filter(proposal=p).update(expires_at=timezone.now() - dt.timedelta(minutes=1))

    with pytest.raises(services.ProposalError, match="过期"):
        services.signer_respond(access=acc(other, committee_a), proposal_id=p.pk, accept=True)
    assert Signer.objects.get(proposal=p).status == "invited"


def test_registering_numbers_proposals_per_session_without_gaps(member_a, clerk_a, committee_a):
    ids = [submitted_proposal(member_a, committee_a).pk for _ in range(3)]
    labels = [services.transition(access=acc(clerk_a, committee_a), proposal_id=i, name="register").number for i in ids]
    assert labels == [1, 2, 3]


def test_a_member_cannot_register_and_another_committees_clerk_cannot_see_it(member_a, clerk_b, committee_a, committee_b):
    p = submitted_proposal(member_a, committee_a)
    with pytest.raises(TransitionForbidden):
        services.transition(access=acc(member_a, committee_a), proposal_id=p.pk, name="register")
    with pytest.raises(services.ProposalError) as err:
        services.transition(access=acc(clerk_b, committee_b), proposal_id=p.pk, name="register")
    assert err.value.status == 404


def test_not_registering_needs_a_statutory_ground_or_a_written_reason(member_a, clerk_a, committee_a):
    p = submitted_proposal(member_a, committee_a)
    with pytest.raises(TransitionError):
        services.transition(access=acc(clerk_a, committee_a), proposal_id=p.pk, name="reject", payload={"ground": "other"})
    p = services.transition(access=acc(clerk_a, committee_a), proposal_id=p.pk, name="reject",
                            payload={"ground": "personal"})
    assert p.state == "not_registered" and p.reject_ground == "personal"


def test_the_second_of_two_clerks_registering_at_once_is_refused(member_a, clerk_a, committee_a):
    p = submitted_proposal(member_a, committee_a)
    version = p.version
    services.transition(access=acc(clerk_a, committee_a), proposal_id=p.pk, name="register", version=version)
    with pytest.raises(TransitionError):
        services.transition(access=acc(clerk_a, committee_a), proposal_id=p.pk, name="register", version=version)
    assert Proposal.objects.get(pk=p.pk).number == 1


def test_the_whole_chain_with_a_rehandling_after_a_dissatisfied_rating(
    member_a, clerk_a, committee_a, units, lead_clerk, assist_clerk
):
    lead, assist = units
    p = submitted_proposal(member_a, committee_a)
    clerk = acc(clerk_a, committee_a)
    services.transition(access=clerk, proposal_id=p.pk, name="register")
    services.transition(access=clerk, proposal_id=p.pk, name="assign", payload={
        "mode": "lead_assist", "units": [{"unit_id": lead.pk, "role": "lead"}, {"unit_id": assist.pk, "role": "assist"}]})
    assert Proposal.objects.get(pk=p.pk).due_date > timezone.localdate()
    deadline = Deadline.objects.get(subject_type="proposal", subject_id=str(p.pk), status="open")
    assert deadline.due_date == Proposal.objects.get(pk=p.pk).due_date

    services.transition(access=acc(lead_clerk, committee_a), proposal_id=p.pk, name="accept")
    services.unit_answer(access=acc(assist_clerk, committee_a), proposal_id=p.pk, data={"text": "同意增设充电设施。"})
    assert Proposal.objects.get(pk=p.pk).state == "handling"
    with pytest.raises(services.ProposalError, match="办理结果"):
        services.unit_answer(access=acc(lead_clerk, committee_a), proposal_id=p.pk, data={"text": "答复。"})
    services.unit_answer(access=acc(lead_clerk, committee_a), proposal_id=p.pk,
                         data={"text": "已在12个小区建设集中充电棚。", "grade": "B", "signed_by": "李局长"})
    assert Proposal.objects.get(pk=p.pk).state == "replied"

    assert Deadline.objects.get(pk=deadline.pk).status == "met"
    services.evaluation_submit(access=acc(member_a, committee_a), proposal_id=p.pk, handling="satisfied",
                               result="dissatisfied")
    assert Proposal.objects.get(pk=p.pk).state == "replied"  # waits for the office to decide
    services.transition(access=clerk, proposal_id=p.pk, name="rehandle")
    assert Deadline.objects.filter(subject_id=str(p.pk), status="open").count() == 1  # one month to redo
    services.unit_answer(access=acc(lead_clerk, committee_a), proposal_id=p.pk,
                         data={"text": "再次答复：年内全覆盖。", "grade": "A"})
    services.evaluation_submit(access=acc(member_a, committee_a), proposal_id=p.pk, handling="satisfied",
                               result="satisfied")

    p = Proposal.objects.get(pk=p.pk)
    assert p.state == "closed" and p.rehandled
    verbs = list(Event.objects.filter(object_id=str(p.pk), object_type="proposals.proposal").values_list("verb", flat=True))
    for verb in ("proposal.submit", "proposal.register", "proposal.assign", "proposal.accept", "proposal.opinion",
                 "proposal.reply", "proposal.evaluate", "proposal.rehandle", "proposal.close"):
        assert verb in verbs
    assert Document.objects.get(kind="proposal", object_id=p.pk).unit_id == lead.pk  # routing learns the lead


def replied_proposal(member, clerk, committee, lead_clerk, lead, **extra):
    p = submitted_proposal(member, committee, **extra)
    services.transition(access=acc(clerk, committee), proposal_id=p.pk, name="register")
    services.transition(access=acc(clerk, committee), proposal_id=p.pk, name="assign",
                        payload={"units": [{"unit_id": lead.pk, "role": "lead"}]})
    services.transition(access=acc(lead_clerk, committee), proposal_id=p.pk, name="accept")
    services.unit_answer(access=acc(lead_clerk, committee), proposal_id=p.pk,
                         data={"text": "已在12个小区建设集中充电棚。", "grade": "A"})
    return Proposal.objects.get(pk=p.pk)


def test_the_last_proposers_rating_closes_the_proposal_as_the_system_not_as_the_rater(
    client, member_a, clerk_a, committee_a, units, lead_clerk
):
    cosigner = make_persona(committee_a, Role.MEMBER, "cosigner_tmp")
    p = services.proposal_create(access=acc(member_a, committee_a), data={**TEXT, "proposer_kind": "joint"})
    services.transition(access=acc(member_a, committee_a), proposal_id=p.pk, name="invite",
                        payload={"user_ids": [cosigner.pk]})
    services.signer_respond(access=acc(cosigner, committee_a), proposal_id=p.pk, accept=True)
    services.transition(access=acc(member_a, committee_a), proposal_id=p.pk, name="submit")
    services.transition(access=acc(clerk_a, committee_a), proposal_id=p.pk, name="register")
    services.transition(access=acc(clerk_a, committee_a), proposal_id=p.pk, name="assign",
                        payload={"units": [{"unit_id": units[0].pk, "role": "lead"}]})
    services.transition(access=acc(lead_clerk, committee_a), proposal_id=p.pk, name="accept")
    services.unit_answer(access=acc(lead_clerk, committee_a), proposal_id=p.pk,
                         data={"text": "已答复。", "grade": "A"})

    services.evaluation_submit(access=acc(member_a, committee_a), proposal_id=p.pk, handling="satisfied",
                               result="satisfied")
    assert Proposal.objects.get(pk=p.pk).state == "replied"  # the co-signer has yet to rate
    services.evaluation_submit(access=acc(cosigner, committee_a), proposal_id=p.pk, handling="satisfied",
                               result="basically")

    assert Proposal.objects.get(pk=p.pk).state == "closed"
    ratings = Event.objects.filter(verb="proposal.evaluate", object_id=str(p.pk)).order_by("id")
    assert [e.actor for e in ratings] == [member_a, cosigner]
    close = Event.objects.get(verb="proposal.close", object_id=str(p.pk))
    assert close.actor is None and close.actor_name == "系统"
    assert close.payload == {"state": ["replied", "closed"], "auto": "all_rated", "round": 1}
    client.force_login(member_a)
    timeline = client.get(f"/proposals/{p.pk}/").content.decode().split('id="h-timeline"')[1]
    assert "系统 办结（全部提案人已评价）" in timeline and "cosigner_tmp 提案人评价" in timeline
    assert "cosigner_tmp 办结" not in timeline


def test_a_proposal_the_office_closes_by_hand_is_closed_under_the_clerks_name(
    member_a, clerk_a, committee_a, units, lead_clerk
):
    p = replied_proposal(member_a, clerk_a, committee_a, lead_clerk, units[0])
    services.transition(access=acc(clerk_a, committee_a), proposal_id=p.pk, name="close")
    close = Event.objects.get(verb="proposal.close", object_id=str(p.pk))
    assert close.actor == clerk_a and "auto" not in close.payload


def test_an_assisting_unit_cannot_send_the_reply(member_a, clerk_a, committee_a, units, lead_clerk, assist_clerk):
    lead, assist = units
    p = submitted_proposal(member_a, committee_a)
    clerk = acc(clerk_a, committee_a)
    services.transition(access=clerk, proposal_id=p.pk, name="register")
    services.transition(access=clerk, proposal_id=p.pk, name="assign", payload={
        "mode": "lead_assist", "units": [{"unit_id": lead.pk, "role": "lead"}, {"unit_id": assist.pk, "role": "assist"}]})
    services.transition(access=acc(lead_clerk, committee_a), proposal_id=p.pk, name="accept")
    with pytest.raises(TransitionError):
        services.transition(access=acc(assist_clerk, committee_a), proposal_id=p.pk, name="reply", payload={"text": "x"})
    assert Assignment.objects.filter(proposal=p, status="answered").count() == 0


def test_an_assignment_deadline_in_the_past_is_refused(member_a, clerk_a, committee_a, units):
    p = submitted_proposal(member_a, committee_a)
    clerk = acc(clerk_a, committee_a)
    services.transition(access=clerk, proposal_id=p.pk, name="register")
    with pytest.raises(TransitionError, match="期限"):
        services.transition(access=clerk, proposal_id=p.pk, name="assign", payload={
            "units": [{"unit_id": units[0].pk, "role": "lead"}], "due_date": "2020-01-01"})
    assert Proposal.objects.get(pk=p.pk).state == "registered"
