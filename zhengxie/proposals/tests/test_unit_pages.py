"""The handling unit's pages: the inbox, signing for a proposal, asking for another unit, answering
(reply, assisting opinion, split parts) and reporting a B-grade commitment fulfilled."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from zhengxie.accounts.models import Role
from zhengxie.accounts.permissions import access_for
from zhengxie.attachments.models import Attachment
from zhengxie.attachments.tests import samples
from zhengxie.audit.models import Event
from zhengxie.deadlines.calendar import add_working_days
from zhengxie.notifications.models import Notification
from zhengxie.org.models import Unit
from zhengxie.proposals import services, unit_services
from zhengxie.proposals.models import Assignment, Proposal, Reply
from zhengxie.testing.factories import grant, make_user
from zhengxie.testing.queries import growth_report, queries_during
from zhengxie.workflow.engine import TransitionError

TEXT = {
    "title": "关于加强中小学课后服务的提案",
    "reason": "部分学校课后服务内容单一，家长接孩子难。",
    "suggestion": "1. 丰富课后服务内容；2. 延长服务时间至 18 时。",
    "category": "society",
}
INBOX = "/proposals/inbox/"
REPLY = {"text": "经研究，我局将在全区中小学推行课后服务“5+2”模式。", "grade": "B", "contact": "phone",
         "signed_by": "王明 局长"}


def acc(user, committee):
    return access_for(user, committee)


def _reply(**over):
    data = {**REPLY, "contact_date": timezone.localdate().isoformat()}
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def edu(committee_a):
    return Unit.objects.get(committee=committee_a, name="区教育局")  # unit_a's unit


@pytest.fixture
def health(committee_a):
    return Unit.objects.get(committee=committee_a, name="区卫生健康局")


@pytest.fixture
def health_clerk(committee_a, health):
    user = make_user("health_clerk", display_name="卫健局经办人")
    grant(user, committee_a, Role.UNIT_HANDLER, health)
    return user


def assigned(member, clerk, committee, units, mode="single", title=None):
    """A proposal submitted by `member`, registered and assigned by `clerk` to [(unit, role)]."""
    p = services.proposal_create(access=acc(member, committee), data={**TEXT, "title": title or TEXT["title"]})
    services.transition(access=acc(member, committee), proposal_id=p.pk, name="submit")
    services.transition(access=acc(clerk, committee), proposal_id=p.pk, name="register")
    return services.transition(access=acc(clerk, committee), proposal_id=p.pk, name="assign", payload={
        "mode": mode, "units": [{"unit_id": u.pk, "role": r} for u, r in units]})


def accept(user, committee, p):
    return unit_services.assignment_accept(access=acc(user, committee), proposal_id=p.pk)


@pytest.fixture
def single(member_a, clerk_a, committee_a, edu, unit_a):
    return assigned(member_a, clerk_a, committee_a, [(edu, "lead")])


@pytest.fixture
def handling(single, unit_a, committee_a):
    accept(unit_a, committee_a, single)
    return single


# --- the inbox ------------------------------------------------------------------------------------


def test_the_inbox_shows_only_the_units_own_proposals(
    client, member_a, clerk_a, committee_a, edu, health, unit_a, health_clerk
):
    assigned(member_a, clerk_a, committee_a, [(edu, "lead")], title="关于教育的提案")
    theirs = assigned(member_a, clerk_a, committee_a, [(health, "lead")], title="关于医院挂号难的提案")

    client.force_login(unit_a)
    page = client.get(INBOX).content.decode()

    assert "关于教育的提案" in page and "关于医院挂号难的提案" not in page
    assert client.get(f"/proposals/{theirs.pk}/answer/").status_code == 404
    assert client.get(f"/proposals/{theirs.pk}/reassign-request/").status_code == 404


def test_another_units_clerk_of_the_same_committee_sees_nothing_and_cannot_answer(
    client, single, health_clerk, committee_a
):
    client.force_login(health_clerk)
    assert single.title not in client.get(INBOX).content.decode()
    assert client.get(f"/proposals/{single.pk}/answer/").status_code == 404
    assert client.post(f"/proposals/{single.pk}/answer/", _reply()).status_code == 404
    assert not Reply.objects.exists()


def test_a_new_proposal_waits_to_be_signed_with_its_seven_working_day_window(client, single, unit_a, committee_a):
    window_end = add_working_days(committee_a, timezone.localdate(), 7).date

    client.force_login(unit_a)
    page = client.get(INBOX).content.decode()

    pending = _section(page, "pending")
    assert single.title in pending and "主办" in pending and single.number_label in pending
    assert f"签收截止</dt>" in pending and window_end.strftime("%Y-%m-%d") in pending
    assert f'action="/proposals/{single.pk}/transitions/accept/"' in pending
    assert f'name="next" value="{INBOX}"' in pending
    assert "申请调整" in pending


def test_a_member_or_the_proposal_office_cannot_open_the_unit_inbox(client, member_a, clerk_a):
    client.force_login(member_a)
    assert client.get(INBOX).status_code == 403
    client.force_login(clerk_a)
    assert client.get(INBOX).status_code == 403


def test_signing_from_the_inbox_moves_the_proposal_to_handling_and_returns_to_the_inbox(
    client, single, unit_a, committee_a
):
    client.force_login(unit_a)
    response = client.post(f"/proposals/{single.pk}/transitions/accept/", {"next": INBOX})

    assert response.status_code == 302 and response.url == INBOX
    assert Proposal.objects.get(pk=single.pk).state == "handling"
    assert Assignment.objects.get(proposal=single).status == "accepted"
    page = client.get(INBOX).content.decode()
    assert single.title in _section(page, "handling") and "已签收" in page


def test_an_assisting_unit_signs_for_its_share_after_the_lead_unit_signed_first(
    client, member_a, clerk_a, committee_a, edu, health, unit_a, health_clerk
):
    p = assigned(member_a, clerk_a, committee_a, [(edu, "lead"), (health, "assist")], mode="lead_assist")
    accept(unit_a, committee_a, p)

    client.force_login(health_clerk)
    pending = _section(client.get(INBOX).content.decode(), "pending")
    assert p.title in pending and f'action="{INBOX}"' in pending  # the workflow button is closed now
    response = client.post(INBOX, {"proposal": p.pk})

    assert response.status_code == 302
    assert Assignment.objects.get(proposal=p, unit=health).status == "accepted"
    assert Event.objects.filter(verb="proposal.accept", object_id=str(p.pk)).count() == 2
    client.post(INBOX, {"proposal": p.pk})  # a second click
    assert "已经签收" in client.get(INBOX).content.decode()


def test_every_signing_goes_through_the_accept_transition_with_one_event_naming_the_unit(
    member_a, clerk_a, committee_a, edu, health, unit_a, health_clerk
):
    p = assigned(member_a, clerk_a, committee_a, [(edu, "lead"), (health, "assist")], mode="lead_assist")
    version = p.version
    accept(unit_a, committee_a, p)
    accept(health_clerk, committee_a, p)  # the proposal is 办理中 already

    events = list(Event.objects.filter(verb="proposal.accept", object_id=str(p.pk)).order_by("id"))
    assert [(e.actor, e.payload["state"], e.payload["units"]) for e in events] == [
        (unit_a, ["assigned", "handling"], [[edu.pk, "lead"]]),
        (health_clerk, ["handling", "handling"], [[health.pk, "assist"]]),
    ]
    assert Proposal.objects.get(pk=p.pk).version == version + 2  # a transition, like any other


def test_signing_twice_is_refused_in_chinese_and_writes_no_second_event(handling, unit_a, committee_a):
    with pytest.raises(TransitionError, match="本单位已经签收") as err:
        accept(unit_a, committee_a, handling)
    assert err.value.status == 409
    assert Event.objects.filter(verb="proposal.accept", object_id=str(handling.pk)).count() == 1
    assert Assignment.objects.get(proposal=handling).status == "accepted"


def test_a_unit_that_asked_to_hand_the_proposal_back_cannot_sign_meanwhile(single, unit_a, committee_a):
    unit_services.assignment_request_reassign(access=acc(unit_a, committee_a), proposal_id=single.pk,
                                              reason="不属于本单位职责。")
    with pytest.raises(TransitionError, match="已申请调整"):
        accept(unit_a, committee_a, single)
    assert Proposal.objects.get(pk=single.pk).state == "assigned"
    assert not Event.objects.filter(verb="proposal.accept").exists()


def test_a_unit_with_no_share_cannot_sign(single, health_clerk, committee_a):
    with pytest.raises(TransitionError, match="没有交办给您的单位"):
        accept(health_clerk, committee_a, single)
    assert Proposal.objects.get(pk=single.pk).state == "assigned"


def test_an_assisting_unit_that_had_not_signed_signs_during_rehandling_and_the_redo_goes_on(
    client, member_a, clerk_a, committee_a, edu, health, unit_a, health_clerk
):
    p = assigned(member_a, clerk_a, committee_a, [(edu, "lead"), (health, "assist")], mode="lead_assist")
    accept(unit_a, committee_a, p)
    services.unit_answer(access=acc(unit_a, committee_a), proposal_id=p.pk, data=_reply())
    with pytest.raises(TransitionError, match="不能进行“签收”"):  # 已答复: nothing to sign for now
        accept(health_clerk, committee_a, p)
    services.evaluation_submit(access=acc(member_a, committee_a), proposal_id=p.pk, handling="dissatisfied",
                               result="dissatisfied")
    services.transition(access=acc(clerk_a, committee_a), proposal_id=p.pk, name="rehandle")

    client.force_login(health_clerk)
    pending = _section(client.get(INBOX).content.decode(), "pending")
    assert p.title in pending and f'action="{INBOX}"' in pending
    assert client.post(INBOX, {"proposal": p.pk}).status_code == 302

    assert Proposal.objects.get(pk=p.pk).state == "rehandling"
    assert Assignment.objects.get(proposal=p, unit=health).status == "accepted"
    event = Event.objects.get(verb="proposal.accept_rehandling", object_id=str(p.pk))
    assert event.actor == health_clerk and event.payload["state"] == ["rehandling", "rehandling"]
    with pytest.raises(TransitionError, match="本单位已经签收"):
        accept(health_clerk, committee_a, p)
    assert Event.objects.filter(verb__startswith="proposal.accept", object_id=str(p.pk)).count() == 2
    timeline = client.get(f"/proposals/{p.pk}/").content.decode().split('id="h-timeline"')[1]
    assert timeline.count("承办单位签收") == 2  # the lead's and the assisting unit's


@pytest.mark.django_db(transaction=True)
def test_two_clerks_of_one_unit_signing_at_once_sign_once(member_a, clerk_a, committee_a, edu, unit_a):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memorydb"):
        pytest.skip("row locks need a real database file or PostgreSQL")
    p = assigned(member_a, clerk_a, committee_a, [(edu, "lead")])
    colleague = make_user("edu_clerk_2", display_name="教育局经办人二")
    grant(colleague, committee_a, Role.UNIT_HANDLER, edu)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def sign(user):
        try:
            barrier.wait()
            accept(user, committee_a, p)
            outcomes.append("ok")
        except TransitionError as exc:
            outcomes.append(f"refused {exc.status}")
        finally:
            connection.close()

    threads = [threading.Thread(target=sign, args=(u,)) for u in (unit_a, colleague)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == ["ok", "refused 409"]
    assert Event.objects.filter(verb="proposal.accept", object_id=str(p.pk)).count() == 1
    assert Proposal.objects.get(pk=p.pk).state == "handling"


def test_handling_proposals_show_the_deadline_and_turn_red_when_close_or_overdue(client, handling, unit_a):
    client.force_login(unit_a)
    page = _section(client.get(INBOX).content.decode(), "handling")
    assert "还剩" in page and "due-urgent" not in page  # three months away

    Proposal.objects.filter(pk=handling.pk).update(due_date=timezone.localdate() - dt.timedelta(days=3))
    page = _section(client.get(INBOX).content.decode(), "handling")
    assert "已逾期 3 天" in page and "due-urgent" in page and "unit-item-urgent" in page

    Proposal.objects.filter(pk=handling.pk).update(due_date=timezone.localdate() + dt.timedelta(days=10))
    page = _section(client.get(INBOX).content.decode(), "handling")
    assert "还剩 10 天" in page and "due-urgent" in page


def test_the_inbox_lists_the_most_urgent_first(client, member_a, clerk_a, committee_a, edu, unit_a):
    later = assigned(member_a, clerk_a, committee_a, [(edu, "lead")], title="关于晚一点到期的提案")
    sooner = assigned(member_a, clerk_a, committee_a, [(edu, "lead")], title="关于马上到期的提案")
    for p in (later, sooner):
        accept(unit_a, committee_a, p)
    Proposal.objects.filter(pk=sooner.pk).update(due_date=timezone.localdate() + dt.timedelta(days=5))

    client.force_login(unit_a)
    page = _section(client.get(INBOX).content.decode(), "handling")
    assert page.index("关于马上到期的提案") < page.index("关于晚一点到期的提案")


def test_inbox_query_count_does_not_grow_with_rows(
    client, member_a, clerk_a, committee_a, edu, health, unit_a, health_clerk
):
    def make(n):
        for i in range(n):
            p = assigned(member_a, clerk_a, committee_a, [(edu, "lead"), (health, "assist")], mode="lead_assist",
                         title=f"关于第{i}件事的提案")
            if i % 3 == 1:
                accept(unit_a, committee_a, p)
            elif i % 3 == 2:
                accept(unit_a, committee_a, p)
                services.unit_answer(access=acc(health_clerk, committee_a), proposal_id=p.pk, data={"text": "意见"})
                services.unit_answer(access=acc(unit_a, committee_a), proposal_id=p.pk,
                                     data={"text": "答复", "grade": "B"})

    client.force_login(unit_a)
    make(3)
    _, few = queries_during(lambda: client.get(INBOX))
    make(9)
    response, many = queries_during(lambda: client.get(INBOX))
    assert response.status_code == 200 and response.content.decode().count('class="unit-item') == 12
    assert len(many) == len(few), growth_report(few, many)


def test_the_inbox_shows_the_latest_answered_and_the_rest_page_by_page(
    client, member_a, clerk_a, committee_a, edu, unit_a, unit_b
):
    """What is still to do stays on one screen: the inbox lists the ten latest answered proposals, the
    answered list has all of them (open B-grade commitments first), fifty to a page."""
    for i in range(unit_services.ANSWERED_SHOWN + 2):
        p = assigned(member_a, clerk_a, committee_a, [(edu, "lead")], title=f"关于第{i}件已答复事项的提案")
        accept(unit_a, committee_a, p)
        services.unit_answer(access=acc(unit_a, committee_a), proposal_id=p.pk,
                             data={"text": "答复", "grade": "B" if i == 0 else "A"})
    client.force_login(unit_a)
    inbox = _section(client.get(INBOX).content.decode(), "answered")
    assert inbox.count('class="unit-item') == unit_services.ANSWERED_SHOWN
    assert "关于第0件已答复事项的提案" in inbox  # the open B-grade commitment, oldest but first
    assert "/proposals/inbox/answered/" in inbox
    answered = client.get("/proposals/inbox/answered/").content.decode()
    assert answered.count('class="unit-item') == unit_services.ANSWERED_SHOWN + 2
    assert answered.index("关于第0件已答复事项的提案") < answered.index("关于第11件已答复事项的提案")
    assert "报告落实情况" in answered
    assert client.get("/proposals/inbox/answered/", {"page": "x"}).status_code == 200
    client.force_login(unit_b)  # another committee's unit clerk sees none of them
    assert "关于第" not in client.get("/proposals/inbox/answered/").content.decode()
    client.force_login(member_a)
    assert client.get("/proposals/inbox/answered/").status_code == 403


def test_the_unit_clerks_home_page_lists_what_to_sign_and_what_to_report(client, single, unit_a):
    client.force_login(unit_a)
    page = client.get("/").content.decode()
    assert "1 件交办提案待签收" in page and "/proposals/inbox/#pending" in page


# --- asking for another unit ----------------------------------------------------------------------


def test_a_reassign_request_inside_the_window_tells_the_proposal_office(client, single, unit_a, clerk_a):
    client.force_login(unit_a)
    assert "申请截止" in client.get(f"/proposals/{single.pk}/reassign-request/").content.decode()

    response = client.post(f"/proposals/{single.pk}/reassign-request/",
                           {"reason": "课后服务收费属于发改部门职责，建议交区发改局办理。"})

    assert response.status_code == 302 and response.url == INBOX
    a = Assignment.objects.get(proposal=single)
    assert a.status == "reassign_requested" and "发改" in a.reassign_reason
    event = Event.objects.get(verb="proposal.reassign_request", object_id=str(single.pk))
    assert event.payload["reason"].startswith("课后服务")
    note = Notification.objects.get(recipient=clerk_a, verb="proposal.reassign_request")
    assert note.url == reverse("proposals:assign", args=[single.pk]) and "区教育局" in note.title
    assert "已申请调整承办单位" in client.get(INBOX).content.decode()


def test_a_reassign_request_after_seven_working_days_is_refused_in_chinese(client, single, unit_a, clerk_a):
    Assignment.objects.filter(proposal=single).update(created_at=timezone.now() - dt.timedelta(days=30))
    client.force_login(unit_a)
    assert "不能再申请调整" in client.get(f"/proposals/{single.pk}/reassign-request/").content.decode()

    response = client.post(f"/proposals/{single.pk}/reassign-request/", {"reason": "不属于本单位职责。"})

    assert response.status_code == 400 and "超过 7 个工作日" in response.content.decode()
    assert Assignment.objects.get(proposal=single).status == "assigned"
    assert not Notification.objects.filter(recipient=clerk_a, verb="proposal.reassign_request").exists()


def test_a_reassign_request_needs_a_reason_and_is_made_only_once(client, single, unit_a):
    client.force_login(unit_a)
    response = client.post(f"/proposals/{single.pk}/reassign-request/", {"reason": "  "})
    assert response.status_code == 400 and "请填写申请调整的理由" in response.content.decode()
    assert Assignment.objects.get(proposal=single).status == "assigned"

    client.post(f"/proposals/{single.pk}/reassign-request/", {"reason": "不属于本单位职责。"})
    with pytest.raises(services.ProposalError, match="已经申请过"):
        unit_services.assignment_request_reassign(access=acc(unit_a, single.committee), proposal_id=single.pk,
                                                  reason="再说一次")
    assert Event.objects.filter(verb="proposal.reassign_request").count() == 1


# --- answering ------------------------------------------------------------------------------------


def test_the_lead_unit_replies_with_a_grade_and_a_letter_and_the_proposal_is_replied(
    client, handling, unit_a, member_a, committee_a
):
    client.force_login(unit_a)
    page = client.get(f"/proposals/{handling.pk}/answer/").content.decode()
    assert TEXT["suggestion"][:10] in page and "办理结果" in page and "签发领导" in page
    assert '"D"' not in page  # the committee has no D grade

    response = client.post(f"/proposals/{handling.pk}/answer/",
                           {**_reply(), "file": samples.upload("答复函.pdf", samples.pdf())})

    assert response.status_code == 302 and response.url == INBOX
    p = Proposal.objects.get(pk=handling.pk)
    assert p.state == "replied"
    reply = Reply.objects.get(proposal=p)
    assert (reply.grade, reply.contact, reply.signed_by, reply.is_opinion) == ("B", "phone", "王明 局长", False)
    assert reply.contact_date == timezone.localdate()
    attachment = Attachment.objects.get(object_type="proposals.reply", object_id=str(reply.pk))
    assert attachment.original_name == "答复函.pdf"
    assert Notification.objects.filter(recipient=member_a, verb="proposal.reply").exists()
    # The proposer may download the letter.
    member = Client()
    member.force_login(member_a)
    assert member.get(f"/api/v1/attachments/{attachment.pk}/download").status_code == 200


def test_a_reply_without_a_grade_or_text_is_refused_and_nothing_is_saved(client, handling, unit_a):
    client.force_login(unit_a)
    response = client.post(f"/proposals/{handling.pk}/answer/", _reply(grade=None))
    assert response.status_code == 400 and "请选择办理结果" in response.content.decode()

    response = client.post(f"/proposals/{handling.pk}/answer/", _reply(text="   "))
    assert response.status_code == 400 and "请填写答复内容" in response.content.decode()

    response = client.post(f"/proposals/{handling.pk}/answer/", _reply(grade="D"))
    assert response.status_code == 400 and "请选择办理结果" in response.content.decode()

    assert not Reply.objects.exists() and Proposal.objects.get(pk=handling.pk).state == "handling"


def test_grade_d_is_offered_only_when_the_committee_uses_it(client, handling, unit_a, committee_a):
    committee_a.settings = {"proposal_grade_d": True}
    committee_a.save()
    client.force_login(unit_a)
    assert 'value="D"' in client.get(f"/proposals/{handling.pk}/answer/").content.decode()
    assert client.post(f"/proposals/{handling.pk}/answer/", _reply(grade="D")).status_code == 302
    assert Reply.objects.get().grade == "D"


def test_a_contact_date_in_the_future_is_refused(client, handling, unit_a):
    client.force_login(unit_a)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.post(f"/proposals/{handling.pk}/answer/", _reply(contact_date=tomorrow))
    assert response.status_code == 400 and "沟通日期不能晚于今天" in response.content.decode()
    assert not Reply.objects.exists()


def test_a_file_that_is_not_a_document_is_refused_and_the_reply_is_not_saved(client, handling, unit_a):
    client.force_login(unit_a)
    response = client.post(f"/proposals/{handling.pk}/answer/",
                           {**_reply(), "file": samples.upload("答复函.pdf", b"MZ\x90\x00 not a pdf")})
    assert response.status_code == 400
    assert "PDF" in response.content.decode()
    assert not Reply.objects.exists() and not Attachment.objects.exists()
    assert Proposal.objects.get(pk=handling.pk).state == "handling"


def test_answering_before_signing_is_refused_with_the_reason(client, single, unit_a):
    client.force_login(unit_a)
    page = client.get(f"/proposals/{single.pk}/answer/").content.decode()
    assert "请先签收" in page and "提交答复" not in page

    response = client.post(f"/proposals/{single.pk}/answer/", _reply())
    assert response.status_code == 400 and "不能答复" in response.content.decode()
    assert not Reply.objects.exists()


def test_a_second_submission_of_the_same_reply_is_refused(client, handling, unit_a):
    client.force_login(unit_a)
    assert client.post(f"/proposals/{handling.pk}/answer/", _reply()).status_code == 302
    response = client.post(f"/proposals/{handling.pk}/answer/", _reply(text="再答复一次"))
    assert response.status_code == 400
    assert Reply.objects.count() == 1 and Reply.objects.get().text == REPLY["text"]


def test_an_assisting_units_opinion_reaches_the_lead_unit(
    client, member_a, clerk_a, committee_a, edu, health, unit_a, health_clerk
):
    p = assigned(member_a, clerk_a, committee_a, [(edu, "lead"), (health, "assist")], mode="lead_assist")
    accept(unit_a, committee_a, p)
    accept(health_clerk, committee_a, p)

    client.force_login(health_clerk)
    page = client.get(f"/proposals/{p.pk}/answer/").content.decode()
    assert "协办意见" in page and "办理结果" not in page and "签发领导" not in page
    response = client.post(f"/proposals/{p.pk}/answer/", {"text": "建议在社区卫生服务中心开设课后托管医务室。"})

    assert response.status_code == 302
    opinion = Reply.objects.get(proposal=p)
    assert opinion.is_opinion and opinion.grade == ""
    assert Proposal.objects.get(pk=p.pk).state == "handling"  # only the lead replies
    assert Event.objects.filter(verb="proposal.opinion", object_id=str(p.pk)).exists()
    client.force_login(unit_a)
    lead_page = client.get(f"/proposals/{p.pk}/answer/").content.decode()
    assert "已收到 1 / 1" in lead_page and "医务室" in lead_page and "区卫生健康局" in lead_page
    assert "已收到 1 / 1" in client.get(INBOX).content.decode()


def test_a_split_proposal_is_replied_only_after_every_split_unit_answered(
    client, member_a, clerk_a, committee_a, edu, health, unit_a, health_clerk
):
    p = assigned(member_a, clerk_a, committee_a, [(edu, "split"), (health, "split")], mode="split")
    accept(unit_a, committee_a, p)
    accept(health_clerk, committee_a, p)

    client.force_login(unit_a)
    response = client.post(f"/proposals/{p.pk}/answer/", _reply(grade="A"))
    assert response.status_code == 302 and "其他分办单位" in client.get(INBOX).content.decode()
    assert Proposal.objects.get(pk=p.pk).state == "handling"
    assert Assignment.objects.get(proposal=p, unit=edu).status == "answered"
    assert Event.objects.filter(verb="proposal.part_reply", object_id=str(p.pk)).exists()

    client.force_login(health_clerk)
    assert "区教育局：已答复" in client.get(f"/proposals/{p.pk}/answer/").content.decode()
    assert client.post(f"/proposals/{p.pk}/answer/", _reply(grade="C", text="医疗部分的答复。")).status_code == 302
    assert Proposal.objects.get(pk=p.pk).state == "replied"
    assert Reply.objects.filter(proposal=p, is_opinion=False).count() == 2


# --- B-grade commitments ----------------------------------------------------------------------------


def test_a_b_grade_commitment_is_reported_fulfilled_once_and_the_proposer_is_told(
    client, handling, unit_a, member_a
):
    client.force_login(unit_a)
    client.post(f"/proposals/{handling.pk}/answer/", _reply())
    reply = Reply.objects.get()
    answered = _section(client.get(INBOX).content.decode(), "answered")
    assert "尚未报告落实情况" in answered and "报告落实情况" in answered

    response = client.post(f"/proposals/{handling.pk}/answer/",
                           {"action": "fulfil", "reply": reply.pk, "note": "全区 32 所学校已全部推行。"})

    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.fulfilled_at is not None
    event = Event.objects.get(verb="proposal.fulfilled", object_id=str(handling.pk))
    assert event.payload == {"reply": reply.pk, "unit": reply.assignment.unit_id, "note": "全区 32 所学校已全部推行。"}
    assert Notification.objects.filter(recipient=member_a, verb="proposal.fulfilled").exists()
    page = client.get(f"/proposals/{handling.pk}/answer/").content.decode()
    assert "全区 32 所学校已全部推行" in page and 'name="action" value="fulfil"' not in page
    with pytest.raises(services.ProposalError, match="报告过"):
        unit_services.reply_report_fulfilled(access=acc(unit_a, handling.committee), reply_id=reply.pk, note="再报")


def test_only_b_grade_replies_of_ones_own_unit_take_a_fulfilment_report(
    client, handling, unit_a, health_clerk, committee_a
):
    client.force_login(unit_a)
    client.post(f"/proposals/{handling.pk}/answer/", _reply(grade="A"))
    reply = Reply.objects.get()
    response = client.post(f"/proposals/{handling.pk}/answer/", {"action": "fulfil", "reply": reply.pk, "note": "x"})
    assert response.status_code == 400 and "B 类" in response.content.decode()
    with pytest.raises(services.ProposalError) as err:
        unit_services.reply_report_fulfilled(access=acc(health_clerk, committee_a), reply_id=reply.pk, note="x")
    assert err.value.status == 404
    assert Reply.objects.get().fulfilled_at is None


# --- forms are protected ----------------------------------------------------------------------------


def test_posting_without_a_csrf_token_is_refused_in_chinese(db, handling, unit_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(unit_a)
    for url in (f"/proposals/{handling.pk}/answer/", f"/proposals/{handling.pk}/reassign-request/", INBOX):
        response = client.post(url, _reply())
        assert response.status_code == 403 and "页面已过期" in response.content.decode()
    assert not Reply.objects.exists()


def _section(page: str, key: str) -> str:
    match = re.search(rf'<section id="{key}".*?</section>', page, re.S)
    assert match, f"no section {key}"
    return match.group(0)
