"""The member's proposal pages as a member uses them: write, save, submit, invite, co-sign, rate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from zhengxie.accounts.models import Role
from zhengxie.accounts.permissions import access_for
from zhengxie.audit.models import Event
from zhengxie.notifications.models import Notification
from zhengxie.org.models import Session, Unit
from zhengxie.proposals import services
from zhengxie.proposals.models import Evaluation, Proposal, Signer
from zhengxie.testing.factories import make_member, make_persona
from zhengxie.testing.queries import growth_report, queries_during
from zhengxie.workflow.engine import TransitionError

TEXT = {
    "title": "关于加强电动自行车充电安全管理的提案",
    "reason": "近年来我区电动自行车保有量快速增长，居民楼道充电、飞线充电现象突出，火灾隐患大。",
    "suggestion": "1. 在小区增设集中充电设施；2. 加强楼道巡查，清理违规充电。",
    "category": "society",
}


def acc(user, committee):
    return access_for(user, committee)


def form_data(committee, **over):
    data = {**TEXT, "proposer_kind": "individual",
            "session": Session.objects.filter(committee=committee).first().pk, "action": "save"}
    data.update(over)
    return data


def draft(member, committee, **extra):
    return services.proposal_create(access=acc(member, committee), data={**TEXT, **extra})


def submitted(member, committee, **extra):
    p = draft(member, committee, **extra)
    return services.transition(access=acc(member, committee), proposal_id=p.pk, name="submit")


@pytest.fixture
def member2_a(committee_a):
    return make_persona(committee_a, Role.MEMBER, "member2_a")


def joint_with_invitation(member, invitee, committee):
    p = draft(member, committee, proposer_kind="joint")
    return services.transition(access=acc(member, committee), proposal_id=p.pk, name="invite",
                               payload={"user_ids": [invitee.pk]})


def replied(member, clerk, unit_clerk, committee):
    """A proposal of `member` answered by the committee's first unit (the one `unit_clerk` works for)."""
    p = submitted(member, committee)
    services.transition(access=acc(clerk, committee), proposal_id=p.pk, name="register")
    unit = Unit.objects.filter(committee=committee).order_by("order").first()
    services.transition(access=acc(clerk, committee), proposal_id=p.pk, name="assign",
                        payload={"units": [{"unit_id": unit.pk, "role": "lead"}]})
    services.transition(access=acc(unit_clerk, committee), proposal_id=p.pk, name="accept")
    services.unit_answer(access=acc(unit_clerk, committee), proposal_id=p.pk,
                         data={"text": "已在12个小区建设集中充电棚。", "grade": "B", "signed_by": "李局长"})
    return Proposal.objects.get(pk=p.pk)


# ---------------------------------------------------------------------------------------------
# 我的提案


def test_a_new_member_sees_an_empty_list_and_a_button_to_write_one(client, member_a):
    client.force_login(member_a)
    page = client.get("/proposals/").content.decode()
    assert "<h1>我的提案</h1>" in page and "写提案" in page and "您还没有提案" in page
    assert 'href="/proposals/"' in page  # the 提案 link in the main navigation


def test_my_proposals_are_grouped_by_where_they_stand(client, member_a, clerk_a, committee_a):
    draft(member_a, committee_a, title="草稿中的提案")
    submitted(member_a, committee_a, title="刚提交的提案")
    back = submitted(member_a, committee_a, title="被退回的提案")
    services.transition(access=acc(clerk_a, committee_a), proposal_id=back.pk, name="return",
                        payload={"advice": "请补充具体的建议措施。"})
    client.force_login(member_a)
    page = client.get("/proposals/").content.decode()
    draft_at, submitted_at, returned_at = (page.index(f'id="group-{k}"') for k in ("draft", "submitted", "returned"))
    assert page.index("草稿中的提案") > draft_at
    assert submitted_at < page.index("刚提交的提案")
    assert returned_at < page.index("被退回的提案") < draft_at  # what needs doing comes first
    assert "请补充具体的建议措施。" in page and "修改后重新提交" in page


def test_a_unit_clerk_sees_the_proposals_page_without_a_write_button(client, unit_a):
    client.force_login(unit_a)
    page = client.get("/proposals/").content.decode()
    assert "<h1>提案</h1>" in page and "写提案" not in page and "本单位承办的提案" in page


def test_a_member_of_another_committee_does_not_see_our_proposals(client, member_a, member_b, committee_a):
    draft(member_a, committee_a, title="甲区委员的草稿")
    client.force_login(member_b)  # the middleware puts them in committee B, their only one
    page = client.get("/proposals/").content.decode()
    assert "您还没有提案" in page and "甲区委员的草稿" not in page


def test_the_list_needs_the_same_queries_however_many_proposals_and_invitations(
    client, member_a, member2_a, clerk_a, committee_a
):
    client.force_login(member_a)

    def make_one_of_each(n):
        for i in range(n):
            draft(member_a, committee_a, title=f"草稿{n}-{i}")
            submitted(member_a, committee_a, title=f"已提交{n}-{i}")
            joint_with_invitation(member_a, member2_a, committee_a)
            joint_with_invitation(member2_a, member_a, committee_a)  # an invitation for me
            back = submitted(member_a, committee_a)
            services.transition(access=acc(clerk_a, committee_a), proposal_id=back.pk, name="return",
                                payload={"advice": "请修改。"})
            bad = submitted(member_a, committee_a)
            services.transition(access=acc(clerk_a, committee_a), proposal_id=bad.pk, name="reject",
                                payload={"ground": "personal"})

    make_one_of_each(1)
    _, few = queries_during(lambda: client.get("/proposals/"))
    make_one_of_each(4)
    response, many = queries_during(lambda: client.get("/proposals/"))
    assert response.status_code == 200
    assert len(many) == len(few), growth_report(few, many)
    assert response.content.decode().count('class="pitem card"') == 5 * 6


# ---------------------------------------------------------------------------------------------
# 写提案


def test_the_form_offers_the_current_session_and_both_member_kinds_only(client, member_a, committee_a):
    client.force_login(member_a)
    page = client.get("/proposals/new/").content.decode()
    assert "十一届五次会议" in page and 'value="joint"' in page
    assert 'value="party"' not in page and "提案单位" not in page
    assert 'id="similar-panel"' in page and 'hx-post="/search/similar/panel/"' in page


def test_a_member_saves_a_draft_and_keeps_writing(client, member_a, committee_a):
    client.force_login(member_a)
    response = client.post("/proposals/new/", form_data(committee_a, suggestion=""))
    p = Proposal.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/proposals/{p.pk}/edit/"
    assert p.state == "draft" and p.proposer == member_a and p.session.name == "十一届五次会议"
    page = client.get(response["Location"]).content.decode()
    assert "草稿已保存" in page and TEXT["reason"] in page


def test_a_member_submits_a_proposal_from_the_form(client, member_a, committee_a):
    client.force_login(member_a)
    response = client.post("/proposals/new/", form_data(committee_a, action="submit"))
    p = Proposal.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/proposals/{p.pk}/"
    assert p.state == "submitted" and p.submitted_at is not None
    assert "已提交提案" in client.get(response["Location"]).content.decode()


def test_submitting_without_a_suggestion_saves_the_draft_and_says_what_is_missing(client, member_a, committee_a):
    client.force_login(member_a)
    response = client.post("/proposals/new/", form_data(committee_a, suggestion="", action="submit"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "还不能提交" in page and "请先填写建议" in page and TEXT["reason"] in page
    p = Proposal.objects.get()
    assert p.state == "draft"
    assert f'action="/proposals/{p.pk}/edit/"' in page and f'name="version" value="{p.version}"' in page


def test_a_title_of_101_characters_is_refused_with_the_text_kept(client, member_a, committee_a):
    client.force_login(member_a)
    response = client.post("/proposals/new/", form_data(committee_a, title="关" * 101))
    assert response.status_code == 400
    page = response.content.decode()
    assert "100" in page and "关" * 101 in page and TEXT["suggestion"] in page
    assert not Proposal.objects.exists()


def test_a_line_break_typed_into_the_title_box_is_dropped(client, member_a, committee_a):
    client.force_login(member_a)
    client.post("/proposals/new/", form_data(committee_a, title="关于加强电动自行车\r\n充电安全管理的提案"))
    assert Proposal.objects.get().title == "关于加强电动自行车充电安全管理的提案"


def test_a_member_cannot_file_a_collective_proposal(client, member_a, committee_a):
    client.force_login(member_a)
    response = client.post("/proposals/new/", form_data(committee_a, proposer_kind="party", body_name="民盟区委"))
    assert response.status_code == 400
    assert "集体提案由提案委员会工作人员录入" in response.content.decode()
    assert not Proposal.objects.exists()


def test_the_proposal_office_enters_a_collective_proposal_in_the_bodys_name(client, clerk_a, committee_a):
    client.force_login(clerk_a)
    response = client.post("/proposals/new/", form_data(committee_a, proposer_kind="party", body_name=""))
    assert response.status_code == 400 and "提案单位名称" in response.content.decode()
    response = client.post("/proposals/new/", form_data(committee_a, proposer_kind="party", body_name="民盟区委",
                                                        action="submit"))
    p = Proposal.objects.get()
    assert response.status_code == 302 and p.body_name == "民盟区委" and p.state == "submitted"


def test_a_nul_character_in_the_text_is_refused_in_chinese(client, member_a, committee_a):
    client.force_login(member_a)
    response = client.post("/proposals/new/", form_data(committee_a, reason="有\x00字符"))
    assert response.status_code == 400 and "空字符" in response.content.decode()
    assert not Proposal.objects.exists()


def test_a_session_of_another_committee_is_not_a_valid_choice(client, member_a, committee_a, committee_b):
    client.force_login(member_a)
    other = Session.objects.filter(committee=committee_b).first()
    response = client.post("/proposals/new/", form_data(committee_a, session=other.pk))
    assert response.status_code == 400
    assert not Proposal.objects.exists()


# ---------------------------------------------------------------------------------------------
# 修改提案


def test_editing_with_a_stale_version_is_refused_and_the_new_text_is_kept(client, member_a, committee_a):
    p = draft(member_a, committee_a)
    client.force_login(member_a)
    stale = p.version
    services.proposal_update(access=acc(member_a, committee_a), proposal_id=p.pk, data={"title": "在手机上改过的标题"})
    response = client.post(f"/proposals/{p.pk}/edit/", form_data(committee_a, title="在电脑上改的标题", version=stale))
    assert response.status_code == 400
    page = response.content.decode()
    assert "已在别处修改" in page and "在电脑上改的标题" in page
    assert Proposal.objects.get(pk=p.pk).title == "在手机上改过的标题"


def test_a_returned_proposal_shows_the_advice_beside_the_text_and_is_resubmitted(
    client, member_a, clerk_a, committee_a
):
    p = submitted(member_a, committee_a)
    services.transition(access=acc(clerk_a, committee_a), proposal_id=p.pk, name="return",
                        payload={"advice": "建议部分过于笼统，请写明具体措施。"})
    client.force_login(member_a)
    page = client.get(f"/proposals/{p.pk}/edit/").content.decode()
    assert "提案委员会的修改意见" in page and "请写明具体措施" in page and "重新提交" in page
    version = Proposal.objects.get(pk=p.pk).version
    response = client.post(f"/proposals/{p.pk}/edit/", form_data(
        committee_a, suggestion="1. 年内新建充电棚50处；2. 每月巡查一次。", action="submit", version=version))
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.state == "submitted" and p.suggestion.startswith("1. 年内新建")


def test_a_submitted_proposal_can_no_longer_be_edited(client, member_a, committee_a):
    p = submitted(member_a, committee_a)
    client.force_login(member_a)
    response = client.get(f"/proposals/{p.pk}/edit/")
    assert response.status_code == 302 and response["Location"] == f"/proposals/{p.pk}/"
    response = client.post(f"/proposals/{p.pk}/edit/", form_data(committee_a, title="改", version=p.version))
    assert response.status_code == 302 and Proposal.objects.get(pk=p.pk).title == TEXT["title"]


def test_another_member_cannot_edit_my_proposal(client, member_a, member2_a, clerk_a, committee_a):
    mine = draft(member_a, committee_a)
    registered = submitted(member_a, committee_a)
    services.transition(access=acc(clerk_a, committee_a), proposal_id=registered.pk, name="register")
    client.force_login(member2_a)
    assert client.get(f"/proposals/{mine.pk}/edit/").status_code == 404  # a draft is the proposer's own
    assert client.get(f"/proposals/{registered.pk}/edit/").status_code == 403
    assert client.post(f"/proposals/{registered.pk}/edit/", form_data(committee_a)).status_code == 403


def test_another_committees_member_gets_404_on_every_member_page(client, member_a, member_b, clerk_a, unit_a,
                                                                 committee_a):
    p = replied(member_a, clerk_a, unit_a, committee_a)
    client.force_login(member_b)
    for path in ("edit", "invite", "evaluate"):
        assert client.get(f"/proposals/{p.pk}/{path}/").status_code == 404, path
    assert client.post(f"/proposals/{p.pk}/cosign/", {"accept": "1"}).status_code == 404
    assert client.post(f"/proposals/{p.pk}/evaluate/", {"handling": "satisfied", "result": "satisfied"}).status_code == 404
    assert not Evaluation.objects.exists()


# ---------------------------------------------------------------------------------------------
# 联名


def test_a_joint_proposal_goes_to_inviting_instead_of_submitting(client, member_a, committee_a):
    client.force_login(member_a)
    page = client.get("/proposals/new/").content.decode()
    assert "邀请联名" in page and "action-submit" in page
    response = client.post("/proposals/new/", form_data(committee_a, proposer_kind="joint", action="submit"))
    p = Proposal.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/proposals/{p.pk}/invite/"
    assert p.state == "draft"


def test_inviting_before_the_text_is_complete_says_what_is_missing(client, member_a, committee_a):
    client.force_login(member_a)
    response = client.post("/proposals/new/", form_data(committee_a, proposer_kind="joint", reason="",
                                                        action="invite"))
    assert response.status_code == 400
    assert "邀请联名前请填写案由" in response.content.decode()
    assert Proposal.objects.get().state == "draft"


def test_invite_lists_the_committees_members_but_not_oneself(client, member_a, member2_a, member_b, committee_a):
    make_member(committee_a, name="没有账号的委员")
    p = draft(member_a, committee_a, proposer_kind="joint")
    client.force_login(member_a)
    page = client.get(f"/proposals/{p.pk}/invite/").content.decode()
    assert "member2_a" in page and f'value="{member2_a.pk}"' in page
    assert f'value="{member_a.pk}"' not in page and "member_b" not in page and "没有账号的委员" not in page
    page = client.get(f"/proposals/{p.pk}/invite/", {"q": "不存在的人"}).content.decode()
    assert "没有找到" in page


def test_search_keeps_the_members_already_ticked(client, member_a, member2_a, committee_a):
    third = make_persona(committee_a, Role.MEMBER, "third_a")
    p = draft(member_a, committee_a, proposer_kind="joint")
    client.force_login(member_a)
    page = client.post(f"/proposals/{p.pk}/invite/", {"q": "third", "user_ids": [member2_a.pk], "do": "search",
                                                      "version": p.version}).content.decode()
    assert "已选择（1 位）" in page and f'value="{member2_a.pk}" checked' in page and f'value="{third.pk}"' in page
    assert Proposal.objects.get(pk=p.pk).state == "draft"


def test_sending_no_invitation_or_one_to_an_outsider_is_refused(client, member_a, member_b, committee_a):
    p = draft(member_a, committee_a, proposer_kind="joint")
    client.force_login(member_a)
    response = client.post(f"/proposals/{p.pk}/invite/", {"do": "send", "version": p.version})
    assert response.status_code == 400 and "请至少选择一位委员" in response.content.decode()
    response = client.post(f"/proposals/{p.pk}/invite/", {"do": "send", "user_ids": [member_b.pk, "x"],
                                                          "version": p.version})
    assert response.status_code == 400
    assert Proposal.objects.get(pk=p.pk).state == "draft" and not Signer.objects.exists()


def test_a_member_invites_another_who_accepts_and_then_the_proposal_is_submitted(
    client, member_a, member2_a, committee_a
):
    p = draft(member_a, committee_a, proposer_kind="joint")
    client.force_login(member_a)
    response = client.post(f"/proposals/{p.pk}/invite/", {"do": "send", "user_ids": [member2_a.pk],
                                                          "version": p.version})
    assert response.status_code == 302 and response["Location"] == "/proposals/#group-cosigning"
    assert Proposal.objects.get(pk=p.pk).state == "cosigning"
    page = client.get("/proposals/").content.decode()
    assert "已联名 0 人 · 待确认 1 人" in page and f"/proposals/{p.pk}/transitions/submit/" not in page

    other = Client()
    other.force_login(member2_a)
    page = other.get("/proposals/").content.decode()
    assert "邀请您联名（1）" in page and "同意联名" in page
    response = other.post(f"/proposals/{p.pk}/cosign/", {"accept": "1", "next": "/proposals/"})
    assert response.status_code == 302 and response["Location"] == "/proposals/"
    page = other.get("/proposals/").content.decode()
    assert "您已同意联名" in page and "邀请您联名" not in page and "联名</span>" in page

    page = client.get("/proposals/").content.decode()
    assert "已联名 1 人" in page and f"/proposals/{p.pk}/transitions/submit/" in page
    p.refresh_from_db()
    response = client.post(f"/proposals/{p.pk}/transitions/submit/", {"version": p.version, "next": "/proposals/"})
    assert response.status_code == 302
    assert Proposal.objects.get(pk=p.pk).state == "submitted"


def test_declining_an_invitation_and_answering_twice(client, member_a, member2_a, committee_a):
    p = joint_with_invitation(member_a, member2_a, committee_a)
    client.force_login(member2_a)
    client.post(f"/proposals/{p.pk}/cosign/", {"accept": "0"})
    assert Signer.objects.get(proposal=p).status == "declined"
    response = client.post(f"/proposals/{p.pk}/cosign/", {"accept": "1"}, follow=True)
    assert "已谢绝，不能再回复" in response.content.decode()
    assert Signer.objects.get(proposal=p).status == "declined"


def test_answering_an_invitation_never_redirects_to_another_site(client, member_a, member2_a, committee_a):
    p = joint_with_invitation(member_a, member2_a, committee_a)
    client.force_login(member2_a)
    response = client.post(f"/proposals/{p.pk}/cosign/", {"accept": "1", "next": "/\\evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/proposals/"


def test_an_expired_invitation_is_answered_with_a_message_and_left_unchanged(client, member_a, member2_a, committee_a):
    p = joint_with_invitation(member_a, member2_a, committee_a)
    Signer.objects.filter(proposal=p).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    client.force_login(member2_a)
    assert "邀请您联名" not in client.get("/proposals/").content.decode()
    response = client.post(f"/proposals/{p.pk}/cosign/", {"accept": "1"}, follow=True)
    assert "联名邀请已过期" in response.content.decode()
    assert Signer.objects.get(proposal=p).status == "invited"


def test_a_member_who_was_not_invited_cannot_cosign(client, member_a, member2_a, committee_a):
    third = make_persona(committee_a, Role.MEMBER, "third_a")
    p = joint_with_invitation(member_a, member2_a, committee_a)
    client.force_login(third)
    assert client.post(f"/proposals/{p.pk}/cosign/", {"accept": "1"}).status_code == 404
    assert client.get(f"/proposals/{p.pk}/cosign/").status_code == 405


def test_the_invite_page_needs_the_same_queries_however_many_members(client, member_a, committee_a):
    p = draft(member_a, committee_a, proposer_kind="joint")
    client.force_login(member_a)
    for i in range(2):
        make_persona(committee_a, Role.MEMBER, f"few{i}")
    _, few = queries_during(lambda: client.get(f"/proposals/{p.pk}/invite/"))
    for i in range(20):
        make_persona(committee_a, Role.MEMBER, f"many{i}")
    response, many = queries_during(lambda: client.get(f"/proposals/{p.pk}/invite/"))
    assert response.content.decode().count('name="user_ids"') == 22
    assert len(many) == len(few), growth_report(few, many)


def test_the_proposer_invites_more_cosigners_while_the_first_ones_are_answering(
    client, member_a, member2_a, committee_a
):
    third = make_persona(committee_a, Role.MEMBER, "third_a")
    p = joint_with_invitation(member_a, member2_a, committee_a)
    services.signer_respond(access=acc(member2_a, committee_a), proposal_id=p.pk, accept=True)
    client.force_login(member_a)

    detail = client.get(f"/proposals/{p.pk}/").content.decode()
    assert f'href="/proposals/{p.pk}/invite/"' in detail  # the 邀请联名 button of the proposal page
    page = client.get(f"/proposals/{p.pk}/invite/").content.decode()
    assert "继续邀请联名" in page and "已邀请（1 位）" in page and "已联名" in page
    assert f'value="{member2_a.pk}"' not in page and f'value="{third.pk}"' in page  # asked once is enough
    p.refresh_from_db()
    response = client.post(f"/proposals/{p.pk}/invite/", {"do": "send", "user_ids": [third.pk],
                                                          "version": p.version})

    assert response.status_code == 302
    assert Proposal.objects.get(pk=p.pk).state == "cosigning"
    assert dict(Signer.objects.filter(proposal=p).values_list("user_id", "status")) == {
        member2_a.pk: "accepted", third.pk: "invited"}
    assert Notification.objects.filter(recipient=third, verb="proposal.invite").count() == 1
    assert Notification.objects.filter(recipient=member2_a, verb="proposal.invite").count() == 1  # not again
    events = Event.objects.filter(verb="proposal.invite", object_id=str(p.pk)).order_by("id")
    assert [e.payload["invited"] for e in events] == [[member2_a.pk], [third.pk]]
    assert events.last().actor == member_a


def test_inviting_only_members_already_asked_is_refused_and_changes_nothing(member_a, member2_a, committee_a):
    p = joint_with_invitation(member_a, member2_a, committee_a)
    services.signer_respond(access=acc(member2_a, committee_a), proposal_id=p.pk, accept=False)
    with pytest.raises(TransitionError, match="都已邀请过"):
        services.transition(access=acc(member_a, committee_a), proposal_id=p.pk, name="invite",
                            payload={"user_ids": [member2_a.pk]})
    assert Signer.objects.get(proposal=p).status == "declined"
    assert Event.objects.filter(verb="proposal.invite", object_id=str(p.pk)).count() == 1


def test_a_lapsed_invitation_can_be_sent_again_with_a_new_week_to_answer(member_a, member2_a, committee_a):
    p = joint_with_invitation(member_a, member2_a, committee_a)
    Signer.objects.filter(proposal=p).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    services.transition(access=acc(member_a, committee_a), proposal_id=p.pk, name="invite",
                        payload={"user_ids": [member2_a.pk]})
    signer = Signer.objects.get(proposal=p)
    assert signer.status == "invited" and signer.expires_at > timezone.now() + dt.timedelta(days=6)
    services.signer_respond(access=acc(member2_a, committee_a), proposal_id=p.pk, accept=True)


def test_only_the_proposer_invites_more_and_only_before_submitting(client, member_a, member2_a, committee_a):
    third = make_persona(committee_a, Role.MEMBER, "third_a")
    p = joint_with_invitation(member_a, member2_a, committee_a)
    services.signer_respond(access=acc(member2_a, committee_a), proposal_id=p.pk, accept=True)
    with pytest.raises(TransitionError, match="只有提案人本人"):
        services.transition(access=acc(member2_a, committee_a), proposal_id=p.pk, name="invite",
                            payload={"user_ids": [third.pk]})
    services.transition(access=acc(member_a, committee_a), proposal_id=p.pk, name="submit")
    with pytest.raises(TransitionError, match="不能进行“邀请联名”"):
        services.transition(access=acc(member_a, committee_a), proposal_id=p.pk, name="invite",
                            payload={"user_ids": [third.pk]})
    client.force_login(member_a)
    response = client.get(f"/proposals/{p.pk}/invite/")
    assert response.status_code == 302 and response["Location"] == f"/proposals/{p.pk}/"
    assert not Signer.objects.filter(user=third).exists()


# ---------------------------------------------------------------------------------------------
# 评价


def test_a_proposer_rates_the_reply_once(client, member_a, clerk_a, unit_a, committee_a):
    p = replied(member_a, clerk_a, unit_a, committee_a)
    client.force_login(member_a)
    page = client.get("/proposals/").content.decode()
    assert 'id="group-to_rate"' in page and f"/proposals/{p.pk}/evaluate/" in page
    page = client.get(f"/proposals/{p.pk}/evaluate/").content.decode()
    assert "已在12个小区建设集中充电棚。" in page and "B 正在解决或列入计划" in page and "李局长" in page
    response = client.post(f"/proposals/{p.pk}/evaluate/", {"handling": "satisfied", "result": "basically",
                                                             "comment": "沟通及时。"})
    assert response.status_code == 302
    ev = Evaluation.objects.get()
    assert (ev.user, ev.handling, ev.result, ev.comment) == (member_a, "satisfied", "basically", "沟通及时。")
    assert Proposal.objects.get(pk=p.pk).state == "closed"  # the only proposer rated, nobody unhappy

    response = client.post(f"/proposals/{p.pk}/evaluate/", {"handling": "dissatisfied", "result": "dissatisfied"})
    assert response.status_code == 409 and "不能重复评价" in response.content.decode()
    assert Evaluation.objects.count() == 1 and Evaluation.objects.get().handling == "satisfied"


def test_a_rating_outside_the_scale_is_refused_and_nothing_saved(client, member_a, clerk_a, unit_a, committee_a):
    p = replied(member_a, clerk_a, unit_a, committee_a)
    client.force_login(member_a)
    response = client.post(f"/proposals/{p.pk}/evaluate/", {"handling": "excellent", "result": "satisfied",
                                                             "comment": "保留的意见"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "请在“满意、基本满意、不满意”中选择" in page and "保留的意见" in page
    assert not Evaluation.objects.exists()


def test_someone_who_is_not_a_proposer_cannot_rate(client, member_a, member2_a, clerk_a, unit_a, committee_a):
    p = replied(member_a, clerk_a, unit_a, committee_a)
    client.force_login(member2_a)
    assert client.get(f"/proposals/{p.pk}/evaluate/").status_code == 403
    response = client.post(f"/proposals/{p.pk}/evaluate/", {"handling": "satisfied", "result": "satisfied"})
    assert response.status_code == 403 and "只有提案人可以评价答复" in response.content.decode()
    assert not Evaluation.objects.exists()


def test_a_proposal_not_yet_replied_cannot_be_rated(client, member_a, committee_a):
    p = submitted(member_a, committee_a)
    client.force_login(member_a)
    response = client.post(f"/proposals/{p.pk}/evaluate/", {"handling": "satisfied", "result": "satisfied"})
    assert response.status_code == 302 and response["Location"] == f"/proposals/{p.pk}/"
    assert not Evaluation.objects.exists()


def test_a_cosigner_is_a_proposer_and_rates_too(client, member_a, member2_a, clerk_a, unit_a, committee_a):
    p = joint_with_invitation(member_a, member2_a, committee_a)
    services.signer_respond(access=acc(member2_a, committee_a), proposal_id=p.pk, accept=True)
    services.transition(access=acc(member_a, committee_a), proposal_id=p.pk, name="submit")
    services.transition(access=acc(clerk_a, committee_a), proposal_id=p.pk, name="register")
    unit = Unit.objects.filter(committee=committee_a).order_by("order").first()
    services.transition(access=acc(clerk_a, committee_a), proposal_id=p.pk, name="assign",
                        payload={"units": [{"unit_id": unit.pk, "role": "lead"}]})
    services.transition(access=acc(unit_a, committee_a), proposal_id=p.pk, name="accept")
    services.unit_answer(access=acc(unit_a, committee_a), proposal_id=p.pk, data={"text": "已办理。", "grade": "A"})
    client.force_login(member2_a)
    assert f"/proposals/{p.pk}/evaluate/" in client.get("/proposals/").content.decode()
    response = client.post(f"/proposals/{p.pk}/evaluate/", {"handling": "satisfied", "result": "satisfied"})
    assert response.status_code == 302 and Evaluation.objects.get().user == member2_a
    assert Proposal.objects.get(pk=p.pk).state == "replied"  # the initiator has not rated yet


# ---------------------------------------------------------------------------------------------
# 待办 and CSRF


def test_the_home_page_lists_the_members_proposal_todos(client, member_a, member2_a, clerk_a, unit_a, committee_a):
    joint_with_invitation(member2_a, member_a, committee_a)
    back = submitted(member_a, committee_a)
    services.transition(access=acc(clerk_a, committee_a), proposal_id=back.pk, name="return", payload={"advice": "改"})
    replied(member_a, clerk_a, unit_a, committee_a)
    client.force_login(member_a)
    page = client.get("/").content.decode()
    assert "1 件提案邀请您联名，请确认" in page and "/proposals/#invitations" in page
    assert "1 件提案被退回修改" in page and "1 件提案已答复，请评价" in page
    client.force_login(unit_a)
    assert "件提案邀请您联名" not in client.get("/").content.decode()


@pytest.mark.parametrize("path, data", [
    ("/proposals/new/", {"title": "x", "proposer_kind": "individual"}),
    ("/proposals/{pk}/edit/", {"title": "x", "proposer_kind": "individual"}),
    ("/proposals/{pk}/invite/", {"do": "send", "user_ids": ["1"]}),
    ("/proposals/{pk}/cosign/", {"accept": "1"}),
    ("/proposals/{pk}/evaluate/", {"handling": "satisfied", "result": "satisfied"}),
])
def test_every_post_needs_the_csrf_token(member_a, committee_a, path, data):
    p = draft(member_a, committee_a, proposer_kind="joint")
    client = Client(enforce_csrf_checks=True)
    client.force_login(member_a)
    response = client.post(path.format(pk=p.pk), data)
    assert response.status_code == 403 and "页面已过期" in response.content.decode()
    assert Proposal.objects.count() == 1 and Proposal.objects.get().title == TEXT["title"]


def test_a_member_opens_the_lead_their_proposal_was_merged_into_before_it_is_registered(
        client, member_a, member2_a, clerk_a, committee_a):
    lead = submitted(member2_a, committee_a, title="关于规范电动自行车集中充电的提案")
    mine = submitted(member_a, committee_a)
    services.transition(access=acc(clerk_a, committee_a), proposal_id=mine.pk, name="merge",
                        payload={"lead_id": lead.pk})
    client.force_login(member_a)
    listed = client.get("/proposals/")
    assert f"/proposals/{lead.pk}/" in listed.content.decode()
    page = client.get(f"/proposals/{lead.pk}/")
    assert page.status_code == 200 and "关于规范电动自行车集中充电的提案" in page.content.decode()
    client.force_login(make_persona(committee_a, Role.MEMBER, "member3_a"))  # not a proposer of either
    assert client.get(f"/proposals/{lead.pk}/").status_code == 404
