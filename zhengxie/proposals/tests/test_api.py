"""Proposals over the JSON API (/api/v1/proposals): the chain, who may see and do what, bad input."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from zhengxie.accounts.models import Role, User
from zhengxie.accounts.permissions import access_for
from zhengxie.accounts.services import api_token_issue
from zhengxie.audit.models import Event
from zhengxie.members.models import Member
from zhengxie.notifications.models import Notification
from zhengxie.org.models import Committee, Session, Unit
from zhengxie.proposals import services
from zhengxie.proposals.models import Assignment, Evaluation, Proposal, Reply, Signer, Supervision
from zhengxie.testing.factories import grant, make_persona, make_user
from zhengxie.testing.queries import growth_report, queries_during

pytestmark = pytest.mark.django_db

API = "/api/v1/proposals"
TEXT = {
    "title": "关于加强电动自行车充电安全管理的提案",
    "reason": "近年来我区电动自行车保有量快速增长，居民楼道充电、飞线充电现象突出，火灾隐患大。",
    "suggestion": "1. 在小区增设集中充电设施；2. 加强楼道巡查，清理违规充电。",
    "category": "society",
}


class Caller:
    """One persona talking JSON to the API with a bearer token (optionally in another committee)."""

    def __init__(self, user: User, committee: Committee | None = None):
        self.client = Client()
        key, _ = api_token_issue(user=user)
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
        if committee is not None:
            self.headers["HTTP_X_COMMITTEE"] = str(committee.pk)

    def get(self, path: str, **params: Any):
        return self.client.get(f"{API}{path}", params, **self.headers)

    def send(self, method: str, path: str, body: Any = None):
        call = getattr(self.client, method)
        return call(f"{API}{path}", json.dumps(body) if body is not None else "", content_type="application/json",
                    **self.headers)

    def post(self, path: str, body: Any = None):
        return self.send("post", path, body)

    def fire(self, p: Proposal | int, name: str, **body: Any):
        return self.post(f"/{getattr(p, 'pk', p)}/transitions/{name}", body)


def is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def ok(response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.content.decode()[:500])
    return response.json()


def refused(response, status: int) -> str:
    assert response.status_code == status, (response.status_code, response.content.decode()[:500])
    detail = response.json()["detail"]
    assert is_chinese(detail), detail
    return detail


def acc(user: User, committee: Committee):
    return access_for(user, committee)


# --- scenes ------------------------------------------------------------------------------------


@pytest.fixture
def units(committee_a, unit_a):
    """unit_a answers for 区教育局 (the lead below); a second clerk for 区卫生健康局 (assisting)."""
    lead = Unit.objects.get(committee=committee_a, name="区教育局")
    assist = Unit.objects.get(committee=committee_a, name="区卫生健康局")
    assist_clerk = make_user("health_clerk", display_name="卫健局经办人")
    grant(assist_clerk, committee_a, Role.UNIT_HANDLER, assist)
    return lead, assist, assist_clerk


def draft(member: User, committee: Committee, **extra: Any) -> Proposal:
    return services.proposal_create(access=acc(member, committee), data={**TEXT, **extra})


def submitted(member: User, committee: Committee, **extra: Any) -> Proposal:
    p = draft(member, committee, **extra)
    return services.transition(access=acc(member, committee), proposal_id=p.pk, name="submit")


def registered(member: User, clerk: User, committee: Committee, **extra: Any) -> Proposal:
    p = submitted(member, committee, **extra)
    return services.transition(access=acc(clerk, committee), proposal_id=p.pk, name="register")


def assigned(member: User, clerk: User, committee: Committee, lead: Unit, assist: Unit | None = None) -> Proposal:
    p = registered(member, clerk, committee)
    rows = [{"unit_id": lead.pk, "role": "lead"}] + ([{"unit_id": assist.pk, "role": "assist"}] if assist else [])
    return services.transition(access=acc(clerk, committee), proposal_id=p.pk, name="assign",
                               payload={"mode": "lead_assist" if assist else "single", "units": rows})


def handling(member, clerk, lead_clerk, committee, lead, assist=None) -> Proposal:
    p = assigned(member, clerk, committee, lead, assist)
    return services.transition(access=acc(lead_clerk, committee), proposal_id=p.pk, name="accept")


def replied(member, clerk, lead_clerk, committee, lead) -> Proposal:
    p = handling(member, clerk, lead_clerk, committee, lead)
    return services.unit_answer(access=acc(lead_clerk, committee), proposal_id=p.pk,
                                data={"text": "已在12个小区建设集中充电棚。", "grade": "B"})


def state_of(p: Proposal) -> tuple[str, int]:
    p = Proposal.objects.get(pk=p.pk)
    return p.state, p.version


# --- the chain ---------------------------------------------------------------------------------


def test_the_whole_chain_runs_through_the_api_with_a_rehandling_after_a_dissatisfied_rating(
    member_a, clerk_a, unit_a, committee_a, units
):
    lead, assist, assist_clerk = units
    member, clerk, lead_unit, assist_unit = Caller(member_a), Caller(clerk_a), Caller(unit_a), Caller(assist_clerk)

    session = Session.objects.get(committee=committee_a)
    created = ok(member.post("", {**TEXT, "session_id": session.pk}), 201)
    pid = created["id"]
    assert created["session"] == {"id": session.pk, "name": "十一届五次会议"}
    assert created["state"] == "draft" and created["state_label"] == "草稿" and created["version"] == 0
    assert [t["name"] for t in created["available_transitions"]] == ["submit"]
    assert created["proposers"] == ["member_a"]

    body = ok(member.fire(pid, "submit", version=0))
    assert body["state"] == "submitted" and body["state_label"] == "待审查"

    body = ok(clerk.fire(pid, "register", version=body["version"]))
    assert body["state"] == "registered" and body["number_label"] == "十一届五次会议第0001号"
    due = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    body = ok(clerk.fire(pid, "assign", mode="lead_assist", due_date=due, units=[
        {"unit_id": lead.pk, "role": "lead"}, {"unit_id": assist.pk, "role": "assist"}]))
    assert body["state"] == "assigned" and body["due_date"] == due
    assert [(a["unit"]["name"], a["role_label"], a["status"]) for a in body["assignments"]] == [
        ("区教育局", "主办", "assigned"), ("区卫生健康局", "协办", "assigned")]

    assert [t["name"] for t in ok(lead_unit.get(f"/{pid}"))["available_transitions"]] == ["accept"]
    body = ok(lead_unit.fire(pid, "accept"))
    assert body["state"] == "handling"
    ok(assist_unit.post(f"/{pid}/answer", {"text": "同意增设充电设施，卫健部门配合做好宣传。"}))
    body = ok(lead_unit.post(f"/{pid}/answer", {"text": "已在12个小区建设集中充电棚。", "grade": "B",
                                                 "contact": "phone", "contact_date": "2026-03-02",
                                                 "signed_by": "李局长"}))
    assert body["state"] == "replied"
    assert [(r["unit"]["name"], r["is_opinion"], r["grade"]) for r in body["replies"]] == [
        ("区卫生健康局", True, ""), ("区教育局", False, "B")]

    body = ok(member.post(f"/{pid}/evaluation", {"handling": "satisfied", "result": "dissatisfied",
                                                 "comment": "覆盖面不够。"}))
    assert body["state"] == "replied"  # the office decides whether to order a redo
    assert [(e["round"], e["result_label"]) for e in body["evaluations"]] == [(1, "不满意")]

    body = ok(clerk.fire(pid, "rehandle"))
    assert body["state"] == "rehandling"
    body = ok(lead_unit.post(f"/{pid}/answer", {"text": "再次答复：年内全覆盖。", "grade": "A"}))
    assert body["state"] == "replied" and [r["round"] for r in body["replies"]] == [1, 1, 2]
    body = ok(member.post(f"/{pid}/evaluation", {"handling": "satisfied", "result": "satisfied"}))

    assert body["state"] == "closed" and body["state_label"] == "办结"
    assert body["available_transitions"] == []
    verbs = set(Event.objects.filter(object_type="proposals.proposal", object_id=str(pid)).values_list("verb", flat=True))
    assert {"proposal.create", "proposal.submit", "proposal.register", "proposal.assign", "proposal.accept",
            "proposal.opinion", "proposal.reply", "proposal.evaluate", "proposal.rehandle", "proposal.close"} <= verbs


def test_a_joint_proposal_collects_a_cosigner_through_the_api_before_it_is_submitted(member_a, committee_a):
    cosigner = make_persona(committee_a, Role.MEMBER, "cosigner")
    member, other = Caller(member_a), Caller(cosigner)
    pid = ok(member.post("", {**TEXT, "proposer_kind": "joint"}), 201)["id"]

    refused(member.fire(pid, "submit"), 409)
    body = ok(member.fire(pid, "invite", user_ids=[cosigner.pk]))
    assert body["state"] == "cosigning"
    assert [(s["name"], s["status"]) for s in ok(other.get(f"/{pid}"))["signers"]] == [("cosigner", "invited")]

    body = ok(other.post(f"/{pid}/cosign", {"accept": True}))
    assert [s["status_label"] for s in body["signers"]] == ["已联名"]
    refused(other.post(f"/{pid}/cosign", {"accept": False}), 409)  # answered already
    assert ok(member.fire(pid, "submit"))["state"] == "submitted"
    assert ok(member.get(f"/{pid}"))["proposers"] == ["member_a", "cosigner"]


def test_a_member_edits_a_draft_with_its_version_and_a_stale_version_is_refused(member_a, committee_a):
    p = draft(member_a, committee_a)
    member = Caller(member_a)

    body = ok(member.send("patch", f"/{p.pk}", {"title": "关于规范电动自行车充电的提案", "version": 0}))
    assert body["title"] == "关于规范电动自行车充电的提案" and body["version"] == 1
    assert body["reason"] == TEXT["reason"]  # fields not sent are kept

    refused(member.send("patch", f"/{p.pk}", {"title": "被覆盖", "version": 0}), 409)
    assert Proposal.objects.get(pk=p.pk).title == "关于规范电动自行车充电的提案"


def test_a_submitted_proposal_can_no_longer_be_edited(member_a, committee_a):
    p = submitted(member_a, committee_a)
    refused(Caller(member_a).send("patch", f"/{p.pk}", {"title": "再改一下", "version": p.version}), 409)
    assert Proposal.objects.get(pk=p.pk).title == TEXT["title"]


def test_a_returned_proposal_is_edited_and_submitted_again_with_the_advice_shown(member_a, clerk_a, committee_a):
    p = submitted(member_a, committee_a)
    body = ok(Caller(clerk_a).fire(p, "return", advice="请补充具体的资金来源。"))
    assert body["state"] == "returned" and body["return_advice"] == "请补充具体的资金来源。"
    member = Caller(member_a)
    body = ok(member.send("patch", f"/{p.pk}", {"suggestion": "由区财政安排专项资金。", "version": body["version"]}))
    assert ok(member.fire(p, "submit", version=body["version"]))["state"] == "submitted"


def test_a_proposal_clerk_rejects_with_a_statutory_ground(member_a, clerk_a, committee_a):
    p = submitted(member_a, committee_a)
    clerk = Caller(clerk_a)
    refused(clerk.fire(p, "reject", ground="other"), 409)  # "other" needs a written reason
    body = ok(clerk.fire(p, "reject", ground="personal"))
    assert body["state"] == "not_registered" and body["reject_ground"] == "personal"
    assert Notification.objects.filter(recipient=member_a, verb="proposal.reject").exists()


def test_a_clerk_merges_a_duplicate_into_its_lead_and_its_proposer_joins_the_lead(
    member_a, clerk_a, committee_a
):
    other = make_persona(committee_a, Role.MEMBER, "second_member")
    lead, duplicate = submitted(member_a, committee_a), submitted(other, committee_a)
    body = ok(Caller(clerk_a).fire(duplicate, "merge", lead_id=lead.pk))
    assert body["state"] == "merged" and body["merged_into_id"] == lead.pk
    assert ok(Caller(clerk_a).get(f"/{lead.pk}"))["proposers"] == ["member_a", "second_member"]


# --- reading -----------------------------------------------------------------------------------


def test_the_detail_names_the_proposers_without_their_phone_numbers(member_a, clerk_a, committee_a):
    p = submitted(member_a, committee_a)
    body = ok(Caller(clerk_a).get(f"/{p.pk}"))
    assert body["proposers"] == ["member_a"]
    phone = Member.objects.get(user=member_a).phone
    assert phone and phone not in json.dumps(body)


def test_a_member_sees_only_their_own_rating_and_the_office_sees_every_rating(
    member_a, clerk_a, unit_a, committee_a, units
):
    lead = units[0]
    cosigner = make_persona(committee_a, Role.MEMBER, "cosigner")
    p = draft(member_a, committee_a, proposer_kind="joint")
    services.transition(access=acc(member_a, committee_a), proposal_id=p.pk, name="invite",
                        payload={"user_ids": [cosigner.pk]})
    services.signer_respond(access=acc(cosigner, committee_a), proposal_id=p.pk, accept=True)
    services.transition(access=acc(member_a, committee_a), proposal_id=p.pk, name="submit")
    services.transition(access=acc(clerk_a, committee_a), proposal_id=p.pk, name="register")
    services.transition(access=acc(clerk_a, committee_a), proposal_id=p.pk, name="assign",
                        payload={"units": [{"unit_id": lead.pk, "role": "lead"}]})
    services.transition(access=acc(unit_a, committee_a), proposal_id=p.pk, name="accept")
    services.unit_answer(access=acc(unit_a, committee_a), proposal_id=p.pk, data={"text": "答复。", "grade": "A"})
    ok(Caller(member_a).post(f"/{p.pk}/evaluation", {"handling": "satisfied", "result": "basically"}))
    ok(Caller(cosigner).post(f"/{p.pk}/evaluation", {"handling": "basically", "result": "satisfied",
                                                       "comment": "联名人的意见"}))

    mine = ok(Caller(member_a).get(f"/{p.pk}"))["evaluations"]
    assert [(e["name"], e["result"]) for e in mine] == [("member_a", "basically")]
    assert "联名人的意见" not in Caller(member_a).get(f"/{p.pk}").content.decode()
    everyone = ok(Caller(clerk_a).get(f"/{p.pk}"))["evaluations"]
    assert sorted(e["name"] for e in everyone) == ["cosigner", "member_a"]
    assert ok(Caller(unit_a).get(f"/{p.pk}"))["evaluations"] == []
    assert ok(Caller(clerk_a).get(f"/{p.pk}"))["state"] == "closed"


def test_the_list_filters_by_state_category_session_unit_key_mine_and_title(
    member_a, clerk_a, unit_a, committee_a, units
):
    lead = units[0]
    session = Session.objects.get(committee=committee_a)
    other = make_persona(committee_a, Role.MEMBER, "other_member")
    mine = registered(member_a, clerk_a, committee_a, session_id=session.pk)
    theirs = assigned(other, clerk_a, committee_a, lead)
    Proposal.objects.filter(pk=theirs.pk).update(title="关于校园周边交通安全的提案", category="culture", is_key=True)
    services.proposal_create(access=acc(member_a, committee_a), data={"title": "我的草稿"})
    clerk = Caller(clerk_a)

    def ids(**params: Any) -> list[int]:
        return [item["id"] for item in ok(clerk.get("", **params))["items"]]

    assert ids() == [theirs.pk, mine.pk]  # newest first; nobody else's draft
    assert ids(state="registered") == [mine.pk]
    assert ids(category="culture") == [theirs.pk]
    assert ids(session=session.pk) == [mine.pk]
    assert ids(unit=lead.pk) == [theirs.pk]
    assert ids(key="true") == [theirs.pk] and ids(key="false") == [mine.pk]
    assert ids(q="校园") == [theirs.pk]
    assert ids(q="五次会议第0001号") == [mine.pk]
    assert ids(mine="true") == []
    member_ids = [i["id"] for i in ok(Caller(member_a).get("", mine="true"))["items"]]
    assert len(member_ids) == 2 and mine.pk in member_ids  # the registered one and the draft
    item = ok(clerk.get("", state="assigned"))["items"][0]
    assert item["proposer_name"] == "other_member" and item["state_label"] == "已交办" and item["is_key"] is True


def test_the_list_is_paged(member_a, committee_a):
    for _ in range(5):
        draft(member_a, committee_a)
    body = ok(Caller(member_a).get("", page=2, page_size=2))
    assert body["count"] == 5 and body["page"] == 2 and len(body["items"]) == 2
    assert ok(Caller(member_a).get("", page=9, page_size=2))["items"] == []


def test_similar_items_list_a_near_duplicate_but_not_the_proposal_itself(member_a, clerk_a, committee_a):
    first = submitted(member_a, committee_a)
    second = submitted(member_a, committee_a, title="关于电动自行车充电安全管理的提案")
    body = ok(Caller(clerk_a).get(f"/{second.pk}/similar"))
    assert [item["object_id"] for item in body] == [first.pk]
    assert body[0]["kind"] == "proposal" and body[0]["likely_duplicate"] is True


def test_routing_suggestions_are_for_the_proposal_office_only(member_a, clerk_a, unit_a, committee_a):
    p = submitted(member_a, committee_a, title="关于加强中小学校园安全教育的提案",
                  reason="中小学生安全教育课时不足，学校安全管理存在薄弱环节。", suggestion="教育部门将安全教育纳入课程。")
    body = ok(Caller(clerk_a).get(f"/{p.pk}/routing"))
    assert 1 <= len(body) <= 3 and all(is_chinese(s["unit_name"]) for s in body)
    refused(Caller(member_a).get(f"/{p.pk}/routing"), 403)
    refused(Caller(unit_a).get(f"/{p.pk}/routing"), 403)


def test_a_leader_logs_an_urge_and_the_units_are_told(member_a, clerk_a, unit_a, leader_a, committee_a, units):
    p = assigned(member_a, clerk_a, committee_a, units[0])
    body = ok(Caller(leader_a).post(f"/{p.pk}/supervision", {"kind": "urge", "text": "请加快办理进度。"}), 201)
    assert body["kind_label"] == "催办" and body["author"] == "leader_a"
    assert Notification.objects.filter(recipient=unit_a, verb="proposal.urge").exists()
    refused(Caller(member_a).post(f"/{p.pk}/supervision", {"kind": "note", "text": "越权"}), 403)
    assert Supervision.objects.filter(proposal=p).count() == 1


# --- who may see and do what -------------------------------------------------------------------


def test_a_member_cannot_register_a_proposal(member_a, committee_a):
    p = submitted(member_a, committee_a)
    refused(Caller(member_a).fire(p, "register"), 403)
    assert state_of(p) == ("submitted", p.version)


def test_nobody_but_the_proposer_sees_a_draft(member_a, clerk_a, leader_a, unit_a, committee_a):
    p = draft(member_a, committee_a)
    other = make_persona(committee_a, Role.MEMBER, "other_member")
    assert ok(Caller(member_a).get(f"/{p.pk}"))["id"] == p.pk
    for user in (other, clerk_a, leader_a, unit_a):
        assert refused(Caller(user).get(f"/{p.pk}"), 404) == "没有找到该提案。"
        assert p.pk not in [i["id"] for i in ok(Caller(user).get(""))["items"]]
    refused(Caller(other).send("patch", f"/{p.pk}", {"title": "改掉", "version": 0}), 404)
    refused(Caller(other).fire(p, "submit"), 404)
    assert Proposal.objects.get(pk=p.pk).title == TEXT["title"]


def test_another_units_clerk_neither_sees_nor_handles_the_proposal(member_a, clerk_a, unit_a, committee_a, units):
    lead, assist, assist_clerk = units
    p = assigned(member_a, clerk_a, committee_a, assist)  # assigned to 区卫生健康局 only
    education = Caller(unit_a)
    refused(education.get(f"/{p.pk}"), 404)
    refused(education.fire(p, "accept"), 404)
    refused(education.post(f"/{p.pk}/answer", {"text": "越权答复", "grade": "A"}), 404)
    refused(education.get(f"/{p.pk}/similar"), 404)
    assert ok(education.get(""))["count"] == 0
    assert state_of(p)[0] == "assigned" and not Reply.objects.exists()
    assert ok(Caller(assist_clerk).get(f"/{p.pk}"))["id"] == p.pk  # control: its own unit does


def test_another_committee_sees_nothing_and_changes_nothing(member_a, clerk_a, clerk_b, member_b, committee_a,
                                                             committee_b):
    p = submitted(member_a, committee_a)
    before = state_of(p)
    for user in (clerk_b, member_b):
        b = Caller(user)
        refused(b.get(f"/{p.pk}"), 404)
        refused(b.fire(p, "register"), 404)
        refused(b.send("patch", f"/{p.pk}", {"title": "改掉", "version": p.version}), 404)
        refused(b.post(f"/{p.pk}/supervision", {"kind": "note", "text": "越权"}), {clerk_b: 404, member_b: 403}[user])
        assert ok(b.get(""))["count"] == 0
    # Naming committee A does not help someone who holds no role there.
    refused(Caller(clerk_b, committee_a).get(f"/{p.pk}"), 403)
    refused(Caller(clerk_b, committee_a).fire(p, "register"), 403)
    assert state_of(p) == before and not Event.objects.filter(committee=committee_b).exists()


def test_an_anonymous_caller_is_asked_to_log_in(member_a, committee_a):
    p = draft(member_a, committee_a)
    response = Client().get(f"{API}/{p.pk}")
    assert refused(response, 401) == "请先登录。"


def test_a_unit_clerk_cannot_draft_a_proposal(unit_a, committee_a):
    refused(Caller(unit_a).post("", TEXT), 403)
    assert not Proposal.objects.exists()


def test_only_the_office_enters_a_collective_proposal(member_a, clerk_a, committee_a):
    refused(Caller(member_a).post("", {**TEXT, "proposer_kind": "party", "body_name": "民盟甲区委"}), 403)
    refused(Caller(clerk_a).post("", {**TEXT, "proposer_kind": "party"}), 400)  # needs the body's name
    body = ok(Caller(clerk_a).post("", {**TEXT, "proposer_kind": "party", "body_name": "民盟甲区委"}), 201)
    assert body["body_name"] == "民盟甲区委" and body["proposer_kind_label"] == "党派"


# --- bad input ---------------------------------------------------------------------------------

# (what, who, proposal state needed, method, path, body, status). Each leaves the proposal as it was.
BAD_INPUT = [
    ("empty title", "member", None, "post", "", {**TEXT, "title": ""}, 422),
    ("blank title", "member", None, "post", "", {**TEXT, "title": "   "}, 422),
    ("101-character title", "member", None, "post", "", {**TEXT, "title": "关" * 101}, 422),
    ("title with a NUL", "member", None, "post", "", {**TEXT, "title": "关于\x00的提案"}, 422),
    ("unknown category", "member", None, "post", "", {**TEXT, "category": "sports"}, 422),
    ("a session of no committee", "member", None, "post", "", {**TEXT, "session_id": 999_999}, 400),
    ("an id past the largest", "member", "draft", "patch", "/{big}", {"title": "改", "version": 0}, 422),
    ("101-character title on edit", "member", "draft", "patch", "/{id}", {"title": "关" * 101, "version": 0}, 422),
    ("edit without a version", "member", "draft", "patch", "/{id}", {"title": "改"}, 422),
    ("edit with a stale version", "member", "draft", "patch", "/{id}", {"title": "改", "version": 7}, 409),
    ("rating outside the scale", "member", "replied", "post", "/{id}/evaluation",
     {"handling": "很满意", "result": "satisfied"}, 422),
    ("rating missing", "member", "replied", "post", "/{id}/evaluation", {"handling": "satisfied"}, 422),
    ("reply without a grade", "unit", "handling", "post", "/{id}/answer", {"text": "答复内容。"}, 400),
    ("reply with a grade outside the list", "unit", "handling", "post", "/{id}/answer",
     {"text": "答复内容。", "grade": "E"}, 422),
    ("reply transition without a grade", "unit", "handling", "post", "/{id}/transitions/reply",
     {"text": "答复内容。"}, 422),
    ("blank reply", "unit", "handling", "post", "/{id}/answer", {"text": "  ", "grade": "A"}, 422),
    ("deadline in the past", "clerk", "registered", "post", "/{id}/transitions/assign",
     {"units": [{"unit_id": "{unit}", "role": "lead"}], "due_date": "2020-01-01"}, 409),
    ("deadline not a date", "clerk", "registered", "post", "/{id}/transitions/assign",
     {"units": [{"unit_id": "{unit}", "role": "lead"}], "due_date": "明天"}, 422),
    ("assignment to an unknown unit", "clerk", "registered", "post", "/{id}/transitions/assign",
     {"units": [{"unit_id": 999_999, "role": "lead"}]}, 409),
    ("single mode with two units", "clerk", "registered", "post", "/{id}/transitions/assign",
     {"mode": "single", "units": [{"unit_id": "{unit}", "role": "lead"}, {"unit_id": "{unit2}", "role": "assist"}]},
     409),
    ("unknown transition name", "clerk", "submitted", "post", "/{id}/transitions/approve", {}, 404),
    ("transition with a stale version", "clerk", "submitted", "post", "/{id}/transitions/register",
     {"version": 99}, 409),
    ("transition from the wrong state", "clerk", "submitted", "post", "/{id}/transitions/assign",
     {"units": [{"unit_id": "{unit}", "role": "lead"}]}, 409),
    ("reject without a ground", "clerk", "submitted", "post", "/{id}/transitions/reject", {}, 409),
    ("reject with an unknown ground", "clerk", "submitted", "post", "/{id}/transitions/reject", {"ground": "x"}, 422),
    ("body that is not an object", "clerk", "submitted", "post", "/{id}/transitions/register", ["register"], 400),
    ("supervision of an unknown kind", "clerk", "submitted", "post", "/{id}/supervision",
     {"kind": "party", "text": "内容"}, 422),
    ("cosign with a string for a flag", "member", "draft", "post", "/{id}/cosign", {"accept": "yes"}, 422),
]


@pytest.mark.parametrize("what, who, state, method, path, body, status", BAD_INPUT, ids=[row[0] for row in BAD_INPUT])
def test_bad_input_is_refused_in_chinese_and_changes_nothing(
    what, who, state, method, path, body, status, member_a, clerk_a, unit_a, committee_a, units
):
    lead, assist, _ = units
    p = None
    if state == "draft":
        p = draft(member_a, committee_a)
    elif state == "submitted":
        p = submitted(member_a, committee_a)
    elif state == "registered":
        p = registered(member_a, clerk_a, committee_a)
    elif state == "handling":
        p = handling(member_a, clerk_a, unit_a, committee_a, lead)
    elif state == "replied":
        p = replied(member_a, clerk_a, unit_a, committee_a, lead)
    before = state_of(p) if p else None
    counts = (Proposal.objects.count(), Reply.objects.count(), Evaluation.objects.count(), Assignment.objects.count(),
              Supervision.objects.count(), Signer.objects.count())
    fmt = {"id": p.pk if p else 0, "big": 2**63, "unit": lead.pk, "unit2": assist.pk}
    if isinstance(body, dict):
        body = json.loads(json.dumps(body).replace('"{unit}"', str(lead.pk)).replace('"{unit2}"', str(assist.pk)))
    caller = Caller({"member": member_a, "clerk": clerk_a, "unit": unit_a}[who])

    response = caller.send(method, path.format(**fmt), body)

    refused(response, status)
    if status == 422:
        assert response.json()["detail"].startswith("请求参数不正确")
    assert (state_of(p) if p else None) == before
    assert counts == (Proposal.objects.count(), Reply.objects.count(), Evaluation.objects.count(),
                      Assignment.objects.count(), Supervision.objects.count(), Signer.objects.count())
    if p is not None:
        assert Proposal.objects.get(pk=p.pk).title == TEXT["title"]


def test_the_same_transition_fired_twice_succeeds_once(member_a, clerk_a, committee_a):
    p = submitted(member_a, committee_a)
    clerk = Caller(clerk_a)
    ok(clerk.fire(p, "register", version=p.version))
    assert "已被他人处理" in refused(clerk.fire(p, "register", version=p.version), 409)
    assert "当前状态" in refused(clerk.fire(p, "register"), 409)
    p = Proposal.objects.get(pk=p.pk)
    assert p.number == 1 and Event.objects.filter(verb="proposal.register").count() == 1


def test_a_proposer_rates_a_reply_only_once(member_a, clerk_a, unit_a, committee_a, units):
    p = replied(member_a, clerk_a, unit_a, committee_a, units[0])
    member = Caller(member_a)
    ok(member.post(f"/{p.pk}/evaluation", {"handling": "satisfied", "result": "dissatisfied"}))
    refused(member.post(f"/{p.pk}/evaluation", {"handling": "satisfied", "result": "satisfied"}), 409)
    assert Evaluation.objects.filter(proposal=p).count() == 1


def test_only_a_proposer_rates_the_reply(member_a, clerk_a, unit_a, committee_a, units):
    p = replied(member_a, clerk_a, unit_a, committee_a, units[0])
    other = make_persona(committee_a, Role.MEMBER, "other_member")
    refused(Caller(other).post(f"/{p.pk}/evaluation", {"handling": "satisfied", "result": "satisfied"}), 403)
    assert not Evaluation.objects.exists()


# --- cost --------------------------------------------------------------------------------------


def test_the_detail_costs_the_same_queries_for_few_or_many_related_rows(member_a, clerk_a, committee_a):
    """Co-signers, assignments, replies and ratings are fetched once each, however many there are."""
    p = submitted(member_a, committee_a)
    clerk = Caller(clerk_a)
    units = list(Unit.objects.filter(committee=committee_a))

    def grow(n: int) -> None:
        for _ in range(n):
            user = make_persona(committee_a, Role.MEMBER, f"signer{Signer.objects.count()}")
            Signer.objects.create(committee=committee_a, proposal=p, user=user, status=Signer.Status.ACCEPTED,
                                  expires_at=timezone.now())
            a = Assignment.objects.create(committee=committee_a, proposal=p, unit=units[len(units) % 3],
                                          role="assist")
            Reply.objects.create(committee=committee_a, proposal=p, assignment=a, text="意见", author=clerk_a,
                                 is_opinion=True)
            Evaluation.objects.create(committee=committee_a, proposal=p, user=user, round=1,
                                      handling="satisfied", result="satisfied")
            merged = submitted(user, committee_a)
            Proposal.objects.filter(pk=merged.pk).update(merged_into=p, state="merged")

    def fetch() -> dict[str, Any]:
        return ok(clerk.get(f"/{p.pk}"))

    grow(2)
    fetch()
    body, few = queries_during(fetch)
    assert len(body["signers"]) == 2 and len(body["replies"]) == 2 and len(body["proposers"]) == 3
    grow(8)
    body, many = queries_during(fetch)
    assert len(body["signers"]) == 10 and len(body["evaluations"]) == 10 and len(body["proposers"]) == 11
    assert len(many) == len(few), growth_report(few, many)


def test_the_list_costs_the_same_queries_for_3_or_30_proposals(member_a, clerk_a, committee_a):
    clerk = Caller(clerk_a)
    for _ in range(3):
        submitted(member_a, committee_a)
    ok(clerk.get("", page_size=100))
    body, few = queries_during(lambda: ok(clerk.get("", page_size=100)))
    for _ in range(27):
        submitted(member_a, committee_a)
    with CaptureQueriesContext(connection) as many:
        assert ok(clerk.get("", page_size=100))["count"] == 30
    assert len(many.captured_queries) == len(few), growth_report(few, [q["sql"] for q in many.captured_queries])


# --- the document ------------------------------------------------------------------------------


def test_every_proposal_operation_is_described_in_chinese(client):
    schema = client.get("/api/v1/openapi.json").json()
    operations = [op for path, ops in schema["paths"].items() if path.startswith(API) for op in ops.values()]
    assert len(operations) == 11
    for op in operations:
        assert is_chinese(op["summary"]), op["operationId"]
        assert op["tags"] == ["提案"]
        assert "404" in op["responses"] or op["operationId"].endswith(("list", "create"))
