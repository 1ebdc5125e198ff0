"""What happens when a proposal moves: run by `fire()` inside its transaction, after the state changed.

Each effect returns extra audit payload (or None). Notifications name the next person to act.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from django.utils import timezone

from zhengxie.accounts.models import Role, User
from zhengxie.accounts.permissions import Access
from zhengxie.notifications.services import notify
from zhengxie.org.models import Committee
from zhengxie.proposals.indexing import reindex
from zhengxie.proposals.models import (
    Assignment, ConvertTarget, Counter, Proposal, ProposerKind, Reply, RejectGround, Signer,
)
from zhengxie.workflow.engine import TransitionError

Payload = Mapping[str, Any]
INVITATION_DAYS = 7
REPLY_MONTHS = 3
REHANDLE_MONTHS = 1
DEADLINE_KIND = "proposal.reply"


def reply_reminder_users(deadline: Any) -> list[User]:
    """Who the deadline sweep reminds: the clerks of the units that owe the reply."""
    p = Proposal.objects.filter(pk=int(deadline.subject_id)).first()
    if p is None:
        return []
    units = list(Assignment.objects.filter(proposal=p, role__in=[Assignment.Role.LEAD, Assignment.Role.SPLIT])
                 .exclude(status__in=[Assignment.Status.WITHDRAWN, Assignment.Status.ANSWERED])
                 .values_list("unit_id", flat=True))
    return _unit_clerks(p.committee, units)


def _open_deadline(p: Proposal, due: dt.date, access: Access) -> None:
    from zhengxie.deadlines.services import deadline_open

    _close_deadline(p, access, cancel=True)
    deadline_open(committee=p.committee, subject_type="proposal", subject_id=p.pk, kind=DEADLINE_KIND,
                  due_date=due, title=p.title, url=_url(p), actor=access.user)


def _close_deadline(p: Proposal, access: Access, *, cancel: bool = False) -> None:
    from zhengxie.deadlines.selectors import for_subject
    from zhengxie.deadlines.services import deadline_cancel, deadline_meet

    for deadline in for_subject("proposal", p.pk).filter(kind=DEADLINE_KIND, status="open"):
        if cancel:
            deadline_cancel(deadline=deadline, actor=access.user, reason="重新交办")
        else:
            deadline_meet(deadline=deadline, actor=access.user)


def proposers(p: Proposal) -> list[User]:
    """The initiator, accepted co-signers and proposers of proposals merged into this one."""
    ids = [p.proposer_id]
    ids += list(Signer.objects.filter(proposal=p, status=Signer.Status.ACCEPTED).values_list("user_id", flat=True))
    for merged in Proposal.objects.filter(merged_into=p):
        ids.append(merged.proposer_id)
        ids += list(Signer.objects.filter(proposal=merged, status=Signer.Status.ACCEPTED).values_list("user_id", flat=True))
    return list(User.objects.filter(pk__in=set(ids)))


def _url(p: Proposal) -> str:
    return reverse("proposals:detail", args=[p.pk])


def _tell_proposers(p: Proposal, verb: str, title: str, body: str = "") -> None:
    notify(committee=p.committee, recipients=proposers(p), verb=verb, title=title, body=body, url=_url(p))


def _unit_clerks(committee: Committee, unit_ids: list[int]) -> list[User]:
    return list(User.objects.filter(
        grants__committee=committee, grants__role=Role.UNIT_HANDLER, grants__unit_id__in=unit_ids, is_active=True
    ).distinct())


def _label(p: Proposal) -> str:
    return f"《{p.title}》"


def invite_signers(p: Proposal, access: Access, payload: Payload) -> dict[str, Any]:
    """The first invitations (草稿 → 征集联名) and later ones while collecting: only members not yet asked
    (or whose invitation lapsed) are invited, so those who answered keep their answer."""
    from zhengxie.proposals.guards import invitable

    members = list(invitable(p, payload.get("user_ids") or []))
    now = timezone.now()
    expires = now + dt.timedelta(days=INVITATION_DAYS)
    for user in members:
        Signer.objects.update_or_create(
            proposal=p, user=user, defaults={"committee_id": p.committee_id, "status": Signer.Status.INVITED,
                                             "invited_at": now, "expires_at": expires, "responded_at": None})
    notify(committee=p.committee, recipients=members, verb="proposal.invite",
           title=f"{access.user.display_name or access.user.username} 邀请您联名提案{_label(p)}",
           body=f"请在 {timezone.localtime(expires):%Y-%m-%d} 前确认。", url=_url(p))
    return {"invited": sorted(u.pk for u in members)}


def submitted(p: Proposal, access: Access, payload: Payload) -> None:
    Signer.objects.filter(proposal=p, status=Signer.Status.INVITED).update(status=Signer.Status.EXPIRED)
    p.submitted_at = timezone.now()
    p.save(update_fields=["submitted_at"])
    reindex(p)


def _next_number(p: Proposal) -> int:
    counter, _ = Counter.objects.get_or_create(
        committee_id=p.committee_id, session_id=p.session_id, between_sessions=p.between_sessions)
    counter = Counter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def registered(p: Proposal, access: Access, payload: Payload) -> dict[str, Any]:
    p.number = _next_number(p)
    series = "平时提案" if p.between_sessions or p.session is None else p.session.name
    p.number_label = f"{series}第{p.number:04d}号"
    p.registered_at = timezone.now()
    p.save(update_fields=["number", "number_label", "registered_at"])
    reindex(p)
    _tell_proposers(p, "proposal.register", f"您的提案{_label(p)}已立案，案号 {p.number_label}")
    return {"number": p.number_label}


def rejected(p: Proposal, access: Access, payload: Payload) -> None:
    p.reject_ground = str(payload["ground"])
    p.reject_reason = str(payload.get("reason") or "")
    p.save(update_fields=["reject_ground", "reject_reason"])
    reindex(p)
    why = p.reject_reason or RejectGround(p.reject_ground).label
    _tell_proposers(p, "proposal.reject", f"您的提案{_label(p)}不予立案", f"理由：{why}")


def converted(p: Proposal, access: Access, payload: Payload) -> dict[str, Any]:
    """转为意见建议: for the units' reference, or (target `opinion`) as a 社情民意 item of this committee,
    made by the opinions app in this same transaction: if it cannot be made, the proposal stays 待审查."""
    from zhengxie.proposals.guards import convert_target

    target = convert_target(payload)
    p.convert_note = str(payload["note"])
    p.save(update_fields=["convert_note"])
    reindex(p)
    if target != ConvertTarget.OPINION:
        _tell_proposers(p, "proposal.convert", f"您的提案{_label(p)}已转为意见建议办理", p.convert_note)
        return {"target": target}
    item = _to_opinion(p, access)
    _tell_proposers(p, "proposal.convert", f"您的提案{_label(p)}已转为社情民意信息",
                    f"{p.convert_note}\n社情民意信息将由编辑部门处理，处理情况可在“我的社情民意”中查看。")
    return {"target": target, "opinion": item.pk}


def _to_opinion(p: Proposal, access: Access) -> Any:
    from zhengxie.opinions.services import OpinionError, opinion_from_proposal

    # The initiator is the author; the accepted co-signers and the proposers of proposals merged into
    # this one are co-authors.
    people = sorted(proposers(p), key=lambda u: (u.pk != p.proposer_id, u.pk))
    body_name = p.body_name if p.proposer_kind == ProposerKind.PARTY else ""
    try:
        return opinion_from_proposal(access=access, proposal=p, proposers=people, body_name=body_name)
    except OpinionError as exc:
        error = TransitionError(exc.message)
        error.status = exc.status
        raise error from None


def merged(p: Proposal, access: Access, payload: Payload) -> dict[str, Any]:
    lead = Proposal.objects.get(pk=int(payload["lead_id"]), committee_id=p.committee_id)
    p.merged_into = lead
    p.save(update_fields=["merged_into"])
    reindex(p)
    _tell_proposers(p, "proposal.merge", f"您的提案{_label(p)}已并入{_label(lead)}办理",
                    "您将作为该提案的提案人之一收到答复并参与评价。")
    return {"lead": lead.pk}


def returned(p: Proposal, access: Access, payload: Payload) -> None:
    p.return_advice = str(payload["advice"])
    p.save(update_fields=["return_advice"])
    reindex(p)
    _tell_proposers(p, "proposal.return", f"您的提案{_label(p)}被退回修改", p.return_advice)


def default_due_date(p: Proposal) -> dt.date:
    """The committee's reply period from today (default 3 months; settings may say working days)."""
    from zhengxie.deadlines.calendar import due_date

    cfg = p.committee.settings or {}
    amount = int(cfg.get("proposal_reply_amount", REPLY_MONTHS))
    unit = cfg.get("proposal_reply_unit", "months")
    return next_workday(p, due_date(p.committee, timezone.localdate(), amount, unit).date)


def next_workday(p: Proposal, day: dt.date) -> dt.date:
    """A deadline that falls on a rest day moves to the next working day (遇节假日顺延)."""
    from zhengxie.deadlines.calendar import is_workday

    for _ in range(30):  # the longest official holiday is 8 days; 30 is a safe bound
        if is_workday(p.committee, day):
            return day
        day += dt.timedelta(days=1)
    return day


def assigned(p: Proposal, access: Access, payload: Payload) -> dict[str, Any]:
    from zhengxie.proposals.guards import parse_units

    parsed = parse_units(p, payload)
    assert not isinstance(parsed, str)  # the guard ran first
    mode, units, due = parsed
    due = due or default_due_date(p)
    Assignment.objects.filter(proposal=p).exclude(status=Assignment.Status.WITHDRAWN).update(
        status=Assignment.Status.WITHDRAWN)
    for unit, role in units:
        Assignment.objects.create(committee_id=p.committee_id, proposal=p, unit=unit, role=role, due_date=due)
    p.handling_mode, p.due_date, p.assigned_at = mode, due, timezone.now()
    p.save(update_fields=["handling_mode", "due_date", "assigned_at"])
    _open_deadline(p, due, access)
    reindex(p)
    notify(committee=p.committee, recipients=_unit_clerks(p.committee, [u.pk for u, _ in units]),
           verb="proposal.assign", title=f"新交办提案{_label(p)}", body=f"办理期限 {due:%Y-%m-%d}，请在 7 个工作日内签收。",
           url=_url(p))
    return {"mode": mode, "units": [[u.pk, r] for u, r in units], "due_date": due.isoformat()}


def accepted(p: Proposal, access: Access, payload: Payload) -> dict[str, Any]:
    """签收: the clerk's unit's waiting share(s) are signed for; the event names the units and their roles."""
    waiting = Assignment.objects.filter(proposal=p, unit_id__in=access.unit_ids,
                                        status=Assignment.Status.ASSIGNED)
    units = [[unit_id, role] for unit_id, role in waiting.order_by("id").values_list("unit_id", "role")]
    waiting.update(status=Assignment.Status.ACCEPTED, accepted_at=timezone.now())
    return {"units": units}


def replied(p: Proposal, access: Access, payload: Payload) -> dict[str, Any]:
    assignment = Assignment.objects.filter(
        proposal=p, unit_id__in=access.unit_ids, role__in=[Assignment.Role.LEAD, Assignment.Role.SPLIT]
    ).exclude(status=Assignment.Status.WITHDRAWN).first()
    reply = reply_record(p, assignment, access, payload)  # type: ignore[arg-type]
    p.replied_at = timezone.now()
    p.save(update_fields=["replied_at"])
    _close_deadline(p, access)
    reindex(p)
    _tell_proposers(p, "proposal.reply", f"您的提案{_label(p)}已答复，请评价", "请在 15 个工作日内对办理工作和结果进行评价。")
    return {"reply": reply.pk}


def reply_record(p: Proposal, assignment: Assignment, access: Access, payload: Payload) -> Reply:
    reply = Reply.objects.create(
        committee_id=p.committee_id, proposal=p, assignment=assignment, round=2 if p.rehandled else 1,
        is_opinion=assignment.role == Assignment.Role.ASSIST, text=str(payload["text"]),
        grade=str(payload.get("grade") or ""), contact=str(payload.get("contact") or ""),
        contact_date=payload.get("contact_date") or None, signed_by=str(payload.get("signed_by") or ""),
        author=access.user,
    )
    assignment.status, assignment.answered_at = Assignment.Status.ANSWERED, timezone.now()
    assignment.save(update_fields=["status", "answered_at"])
    return reply


def rehandle(p: Proposal, access: Access, payload: Payload) -> None:
    from zhengxie.deadlines.calendar import due_date

    p.rehandled = True
    p.due_date = next_workday(p, due_date(p.committee, timezone.localdate(), REHANDLE_MONTHS, "months").date)
    p.save(update_fields=["rehandled", "due_date"])
    _open_deadline(p, p.due_date, access)
    lead = Assignment.objects.filter(proposal=p, role__in=[Assignment.Role.LEAD, Assignment.Role.SPLIT]).exclude(
        status=Assignment.Status.WITHDRAWN)
    lead.update(status=Assignment.Status.ACCEPTED)
    reindex(p)
    notify(committee=p.committee, recipients=_unit_clerks(p.committee, list(lead.values_list("unit_id", flat=True))),
           verb="proposal.rehandle", title=f"提案{_label(p)}须重新办理", body="提案人对答复不满意，请在一个月内重新办理并答复。",
           url=_url(p))
    _tell_proposers(p, "proposal.rehandle", f"您的提案{_label(p)}已交承办单位重新办理")


def closed(p: Proposal, access: Access, payload: Payload) -> None:
    p.closed_at = timezone.now()
    p.save(update_fields=["closed_at"])
    reindex(p)
