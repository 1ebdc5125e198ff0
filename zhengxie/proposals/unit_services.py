"""What a handling unit (承办单位) does with the proposals assigned to it, beyond the workflow buttons.

Reads (scoped to the committee and to the clerk's own units):
- `unit_inbox`: the unit's proposals in four groups (待签收, 办理中, 重新办理, 已答复), each sorted by what
  falls due first, with the dates a clerk must not miss (the 7-working-day window to sign or ask for
  another unit, the reply deadline);
- `unit_assignment` / `answer_page`: the unit's share of one proposal and what the answer page shows.

Writes (each checks, changes and audits in one transaction; errors are `ProposalError` in Chinese, or the
workflow's `TransitionError` where a transition is fired):
- `assignment_accept`: sign for (签收) a proposal the unit was given (fires the workflow's `accept`);
- `assignment_request_reassign`: within the window, tell the proposal office it is not this unit's matter;
- `reply_submit`: `services.unit_answer` plus the reply letter's file, all or nothing;
- `reply_report_fulfilled`: a B-grade commitment (正在解决或列入计划) has been carried out (落实).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Case, F, OuterRef, Q, QuerySet, Subquery, When
from django.urls import reverse
from django.utils import timezone

from zhengxie.accounts.models import Role, User
from zhengxie.accounts.permissions import Access
from zhengxie.attachments.models import Attachment
from zhengxie.attachments.services import attachment_attach, attachment_upload
from zhengxie.audit.models import Event
from zhengxie.audit.services import audit_record
from zhengxie.deadlines.calendar import WorkCalendar, add_working_days, unknown_years_warning
from zhengxie.notifications.services import notify
from zhengxie.proposals import effects, services
from zhengxie.proposals.models import Assignment, Evaluation, Proposal, Reply
from zhengxie.proposals.permissions import P_HANDLE
from zhengxie.proposals.services import ProposalError
from zhengxie.proposals.workflow import (
    ASSIGNED, CLOSED, HANDLING, PROPOSAL_WORKFLOW, REHANDLING, REPLIED, accept_transition,
)

# A unit signs for a proposal, or asks for it to go elsewhere, within 7 working days of the assignment.
SIGN_WINDOW_WORKING_DAYS = 7
# A reply due within this many days (or overdue) is shown in red.
URGENT_DAYS = 10
# The signing window is flagged when this many working days or fewer are left.
SIGN_URGENT_WORKING_DAYS = 2
# Answered proposals are history: the inbox shows the latest ones (and every open B-grade commitment).
ANSWERED_SHOWN = 10  # on the inbox; all of them page by page on the answered list
REASON_MAX = 2000
NOTE_MAX = 2000

OPEN_STATES = (ASSIGNED, HANDLING, REHANDLING)
DONE_STATES = (REPLIED, CLOSED)
FINAL_ROLES = (Assignment.Role.LEAD, Assignment.Role.SPLIT)


# --- helpers ---------------------------------------------------------------------------------------


def _text(value: Any, label: str, limit: int) -> str:
    text = str(value or "").strip()
    if "\x00" in text:
        raise ProposalError("填写的内容含有不可见的非法字符，请删除后重试。")
    if not text:
        raise ProposalError(f"请填写{label}。")
    if len(text) > limit:
        raise ProposalError(f"{label}不能超过 {limit} 个字（现在 {len(text)} 个字）。")
    return text


def assigned_on(a: Assignment) -> dt.date:
    return timezone.localdate(a.created_at)


def sign_window_end(committee: Any, a: Assignment, calendar: WorkCalendar | None = None) -> dt.date:
    """The last day the unit may sign for or ask to hand back assignment `a`: 7 working days after it."""
    if calendar is None:
        return add_working_days(committee, assigned_on(a), SIGN_WINDOW_WORKING_DAYS).date
    return calendar.add_working_days(assigned_on(a), SIGN_WINDOW_WORKING_DAYS).date


def _my_assignment(access: Access, proposal: Proposal, *, lock: bool = False) -> Assignment | None:
    qs = (Assignment.objects.select_related("unit").filter(proposal=proposal, unit_id__in=access.unit_ids)
          .exclude(status=Assignment.Status.WITHDRAWN).order_by("id"))
    if lock:
        qs = qs.select_for_update()
    return qs.first()


def _proposal(access: Access, proposal_id: int, *, lock: bool = False) -> Proposal:
    if not access.has(P_HANDLE) or not access.unit_ids:
        raise ProposalError("只有承办单位经办人可以办理交办的提案。", 403)
    qs = Proposal.objects.filter(pk=proposal_id, committee=access.committee)
    if lock:
        qs = qs.select_for_update()
    p = qs.first()
    if p is None:
        raise ProposalError("找不到该提案。", 404)
    return p


def proposal_staff(committee: Any) -> list[User]:
    """The proposal office (提案委 staff) of `committee`: who decides on a unit's request to hand back."""
    return list(User.objects.filter(grants__committee=committee, grants__role=Role.PROPOSAL_STAFF,
                                    is_active=True).distinct())


# --- reads -----------------------------------------------------------------------------------------


_ROLE_LABELS = dict(Assignment.Role.choices)


@dataclass
class InboxItem:
    """One proposal as the unit's inbox shows it, with the dates that matter for this unit."""

    assignment: Assignment
    proposal: Proposal
    group: str  # pending | handling | rehandling | answered
    window_end: dt.date | None = None  # last day to sign or ask for another unit
    window_left: int | None = None  # working days left in that window (negative: past it)
    due: dt.date | None = None  # the reply (or opinion) deadline
    days_left: int | None = None  # calendar days to the deadline (negative: overdue)
    urgent: bool = False
    can_request_reassign: bool = False
    accept_via_transition: bool = False  # the proposal is still 已交办: signing moves it to 办理中
    others_total: int = 0  # lead: assisting units; split: the other split units
    others_answered: int = 0
    open_b_reply_id: int | None = None  # a B-grade reply whose fulfilment is not reported yet

    @property
    def role_label(self) -> str:
        return _ROLE_LABELS.get(self.assignment.role, self.assignment.role)

    @property
    def is_lead(self) -> bool:
        return self.assignment.role == Assignment.Role.LEAD

    @property
    def is_assist(self) -> bool:
        return self.assignment.role == Assignment.Role.ASSIST

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0

    @property
    def due_urgent(self) -> bool:
        """Shown in red: the deadline has passed or is at most 10 days away."""
        return self.days_left is not None and self.days_left <= URGENT_DAYS

    @property
    def window_urgent(self) -> bool:
        return self.window_left is not None and self.window_left <= SIGN_URGENT_WORKING_DAYS

    @property
    def window_passed(self) -> bool:
        return self.window_left is not None and self.window_left < 0


@dataclass
class Inbox:
    pending: list[InboxItem] = field(default_factory=list)
    handling: list[InboxItem] = field(default_factory=list)
    rehandling: list[InboxItem] = field(default_factory=list)
    answered: list[InboxItem] = field(default_factory=list)
    answered_more: bool = False  # older answered proposals exist beyond those listed
    calendar_warning: str = ""
    today: dt.date = field(default_factory=timezone.localdate)

    @property
    def empty(self) -> bool:
        return not (self.pending or self.handling or self.rehandling or self.answered)

    @property
    def groups(self) -> list[tuple[str, str, list[InboxItem]]]:
        return [("pending", "待签收", self.pending), ("handling", "办理中", self.handling),
                ("rehandling", "重新办理", self.rehandling), ("answered", "已答复", self.answered)]


def _open_b_reply() -> Subquery:
    return Subquery(Reply.objects.filter(assignment=OuterRef("pk"), grade=Reply.Grade.B, is_opinion=False,
                                         fulfilled_at__isnull=True).order_by("-id").values("id")[:1])


def _unit_rows(access: Access) -> QuerySet[Assignment]:
    return (Assignment.objects.filter(committee=access.committee, unit_id__in=access.unit_ids)
            .exclude(status=Assignment.Status.WITHDRAWN)
            .select_related("proposal", "unit")
            .annotate(open_b_reply=_open_b_reply()))


def unit_answered(access: Access) -> QuerySet[Assignment]:
    """The unit's answered proposals (or those its lead unit answered), open B-grade commitments first
    (the unit still owes a fulfilment report on them), then the latest answered."""
    if access.committee is None or not access.unit_ids:
        return Assignment.objects.none()
    is_open = Q(proposal__state__in=OPEN_STATES) & ~Q(status=Assignment.Status.ANSWERED)
    return (_unit_rows(access).filter(~is_open, proposal__state__in=OPEN_STATES + DONE_STATES)
            .order_by(Case(When(open_b_reply__isnull=False, then=0), default=1),
                      F("answered_at").desc(nulls_last=True), F("proposal__replied_at").desc(nulls_last=True),
                      "-id"))


def answered_items(rows: Any) -> list[InboxItem]:
    return [InboxItem(assignment=a, proposal=a.proposal, group="answered",
                      open_b_reply_id=a.open_b_reply) for a in rows]  # type: ignore[attr-defined]


def unit_inbox(access: Access) -> Inbox:
    """The proposals assigned to the clerk's units (not withdrawn), grouped and sorted by urgency.

    A constant number of queries however many rows: the assignments with their proposals (open ones, then
    the latest answered ones), the other units' progress on the same proposals, and the working-day
    calendar (one query per range of years it needs).
    """
    inbox = Inbox()
    if access.committee is None or not access.unit_ids:
        return inbox
    today = inbox.today
    base = _unit_rows(access)
    is_open = Q(proposal__state__in=OPEN_STATES) & ~Q(status=Assignment.Status.ANSWERED)
    open_rows = list(base.filter(is_open).order_by("id"))
    answered_rows = list(unit_answered(access)[:ANSWERED_SHOWN + 1])
    inbox.answered_more = len(answered_rows) > ANSWERED_SHOWN
    answered_rows = answered_rows[:ANSWERED_SHOWN]

    # How far the other units have got: a lead sees its assisting units' opinions, a split unit the others.
    watch = {a.proposal_id for a in open_rows if a.role in FINAL_ROLES}
    progress: dict[int, list[str]] = {}
    if watch:
        others = (Assignment.objects.filter(proposal_id__in=watch, role__in=[Assignment.Role.ASSIST,
                                                                              Assignment.Role.SPLIT])
                  .exclude(unit_id__in=access.unit_ids).exclude(status=Assignment.Status.WITHDRAWN)
                  .values_list("proposal_id", "status"))
        for proposal_id, status in others:
            progress.setdefault(proposal_id, []).append(status)

    calendar = WorkCalendar(access.committee)
    unknown: set[int] = set()
    for a in open_rows:
        p = a.proposal
        item = InboxItem(assignment=a, proposal=p, group="handling")
        if a.status in (Assignment.Status.ASSIGNED, Assignment.Status.REASSIGN_REQUESTED):
            item.group = "pending"
        elif p.state == REHANDLING and a.role in FINAL_ROLES:
            item.group = "rehandling"
        # The proposal's date is the one the office extends and a redo (重新办理) resets.
        item.due = p.due_date or a.due_date
        if item.due is not None:
            item.days_left = (item.due - today).days
            item.urgent = item.days_left <= URGENT_DAYS
        if p.state in (ASSIGNED, HANDLING) and a.status != Assignment.Status.ANSWERED:
            window = calendar.add_working_days(assigned_on(a), SIGN_WINDOW_WORKING_DAYS)
            unknown.update(window.unknown_years)
            item.window_end = window.date
            item.window_left = calendar.working_days_between(today, window.date)
            item.can_request_reassign = (a.status != Assignment.Status.REASSIGN_REQUESTED
                                         and today <= window.date)
            if item.group == "pending" and a.status == Assignment.Status.ASSIGNED:
                item.urgent = item.urgent or item.window_left <= SIGN_URGENT_WORKING_DAYS
        item.accept_via_transition = p.state == ASSIGNED and a.status == Assignment.Status.ASSIGNED
        statuses = progress.get(p.pk, [])
        item.others_total = len(statuses)
        item.others_answered = statuses.count(Assignment.Status.ANSWERED)
        getattr(inbox, item.group).append(item)
    inbox.answered = answered_items(answered_rows)

    far = dt.date.max
    inbox.pending.sort(key=lambda i: (i.assignment.status == Assignment.Status.REASSIGN_REQUESTED,
                                      i.window_end or far, i.due or far, i.proposal.pk))
    inbox.handling.sort(key=lambda i: (i.due or far, i.proposal.pk))
    inbox.rehandling.sort(key=lambda i: (i.due or far, i.proposal.pk))
    inbox.calendar_warning = unknown_years_warning(sorted(unknown))
    return inbox


def unit_assignment(access: Access, proposal_id: int) -> Assignment | None:
    """The clerk's unit's (not withdrawn) share of a proposal of this committee, with it; else None."""
    if access.committee is None or not access.unit_ids or not access.has(P_HANDLE):
        return None
    return (Assignment.objects.select_related("proposal", "proposal__session", "proposal__proposer", "unit")
            .filter(proposal_id=proposal_id, proposal__committee=access.committee,
                    unit_id__in=access.unit_ids)
            .exclude(status=Assignment.Status.WITHDRAWN).order_by("id").first())


@dataclass
class AnswerPage:
    """What the answer page shows the unit besides the form."""

    assignment: Assignment
    proposal: Proposal
    proposers: list[User]
    own_replies: list[Reply]  # this unit's replies (or opinion), oldest first
    opinions: list[Reply]  # lead: the assisting units' opinions received
    others: list[Assignment]  # lead: assisting units; split: the other split units
    can_answer: bool
    why_not: str  # why the form is not offered ("" when it is)
    open_b_reply: Reply | None  # a B-grade reply of this unit whose fulfilment is not reported yet
    fulfilment_notes: dict[int, str]  # reply id -> the note reported with its fulfilment
    window_end: dt.date | None
    can_request_reassign: bool
    evaluations: list[Evaluation] = field(default_factory=list)  # why a redo was ordered (重新办理)


def answer_page(access: Access, a: Assignment) -> AnswerPage:
    p = a.proposal
    current_round = 2 if p.rehandled else 1
    own = list(Reply.objects.filter(assignment=a).order_by("created_at", "id"))
    others: list[Assignment] = []
    opinions: list[Reply] = []
    if a.role in FINAL_ROLES:
        wanted = Assignment.Role.ASSIST if a.role == Assignment.Role.LEAD else Assignment.Role.SPLIT
        others = list(Assignment.objects.select_related("unit").filter(proposal=p, role=wanted)
                      .exclude(pk=a.pk).exclude(status=Assignment.Status.WITHDRAWN)
                      .order_by("unit__order", "id"))
    if a.role == Assignment.Role.LEAD:
        opinions = list(Reply.objects.select_related("assignment__unit").filter(proposal=p, is_opinion=True)
                        .exclude(assignment__status=Assignment.Status.WITHDRAWN).order_by("created_at", "id"))
    answered_now = a.status == Assignment.Status.ANSWERED or any(r.round == current_round for r in own)
    why_not = ""
    if answered_now:
        pass  # the page shows what the unit sent
    elif p.state == ASSIGNED:
        why_not = "请先签收该提案，签收后即可答复。"
    elif p.state not in (HANDLING, REHANDLING):
        why_not = f"提案当前状态为“{PROPOSAL_WORKFLOW.state_label(p.state)}”，不能再答复。"
    elif a.status == Assignment.Status.REASSIGN_REQUESTED:
        why_not = "本单位已申请调整承办单位，请等待提案委员会处理。"
    can_answer = not answered_now and not why_not
    open_b = next((r for r in reversed(own) if r.grade == Reply.Grade.B and not r.is_opinion
                   and r.fulfilled_at is None), None)
    notes: dict[int, str] = {}
    if any(r.fulfilled_at for r in own):
        for payload in Event.objects.filter(committee=access.committee, verb="proposal.fulfilled",
                                             object_type="proposals.proposal", object_id=str(p.pk)
                                             ).values_list("payload", flat=True):
            payload = payload or {}
            if isinstance(payload.get("reply"), int):
                notes[payload["reply"]] = str(payload.get("note", ""))
    window_end = None
    can_reassign = False
    may_move = (Assignment.Status.ASSIGNED, Assignment.Status.ACCEPTED)
    if p.state in (ASSIGNED, HANDLING) and a.status in may_move:
        window_end = sign_window_end(access.committee, a)
        can_reassign = timezone.localdate() <= window_end
    evaluations: list[Evaluation] = []
    if p.state == REHANDLING and a.role in FINAL_ROLES:
        evaluations = list(Evaluation.objects.filter(proposal=p, round=1).order_by("created_at", "id"))
    return AnswerPage(assignment=a, proposal=p, proposers=effects.proposers(p), own_replies=own,
                      opinions=opinions, others=others, can_answer=can_answer, why_not=why_not, open_b_reply=open_b,
                      fulfilment_notes=notes, window_end=window_end, can_request_reassign=can_reassign,
                      evaluations=evaluations)


def reply_attachments(replies: list[Reply]) -> dict[int, list[Attachment]]:
    """The files attached to each of `replies` (one query)."""
    if not replies:
        return {}
    out: dict[int, list[Attachment]] = {}
    rows = Attachment.objects.filter(committee_id=replies[0].committee_id, object_type="proposals.reply",
                                     object_id__in=[str(r.pk) for r in replies]).order_by("id")
    for row in rows:
        out.setdefault(int(row.object_id), []).append(row)
    return out


# --- writes ----------------------------------------------------------------------------------------


@transaction.atomic
def assignment_accept(*, access: Access, proposal_id: int) -> Assignment:
    """The clerk signs for (签收) the unit's share of a proposal: the workflow's `accept` (the first
    signature moves it to 办理中; later units sign while it is 办理中), or `accept_rehandling` for a
    unit that had not signed when it went back for 重新办理.

    The transition's guard refuses a unit without a share waiting to be signed for, so a second click
    or a second clerk is a `TransitionError` (409) and writes no second event.
    """
    p = _proposal(access, proposal_id)
    services.transition(access=access, proposal_id=p.pk, name=accept_transition(p.state))
    signed = (Assignment.objects.select_related("unit", "proposal")
              .filter(proposal=p, unit_id__in=access.unit_ids, status=Assignment.Status.ACCEPTED)
              .order_by("-accepted_at", "-id").first())
    assert signed is not None  # the transition has just signed for it
    return signed


@transaction.atomic
def assignment_request_reassign(*, access: Access, proposal_id: int, reason: str) -> Assignment:
    """Within 7 working days of the assignment, the unit tells the proposal office the proposal is not its
    matter and why; the office is notified and decides (`reassign`). Refused after the window."""
    p = _proposal(access, proposal_id, lock=True)
    a = _my_assignment(access, p, lock=True)
    if a is None:
        raise ProposalError("该提案没有交办给您的单位。", 404)
    reason = _text(reason, "申请调整的理由", REASON_MAX)
    if a.status == Assignment.Status.REASSIGN_REQUESTED:
        raise ProposalError("本单位已经申请过调整，请等待提案委员会处理。", 409)
    if a.status == Assignment.Status.ANSWERED:
        raise ProposalError("本单位已经答复，不能再申请调整承办单位。", 409)
    if p.state not in (ASSIGNED, HANDLING):
        raise ProposalError(f"提案当前状态为“{PROPOSAL_WORKFLOW.state_label(p.state)}”，不能申请调整。", 409)
    end = sign_window_end(access.committee, a)
    if timezone.localdate() > end:
        raise ProposalError(
            f"交办已超过 {SIGN_WINDOW_WORKING_DAYS} 个工作日（申请调整的截止日为 {end:%Y-%m-%d}），不能再申请调整；"
            "如确有困难，请直接与提案委员会联系。", 409)
    a.status, a.reassign_reason = Assignment.Status.REASSIGN_REQUESTED, reason
    a.save(update_fields=["status", "reassign_reason"])
    audit_record(actor=access.user, committee=access.committee, verb="proposal.reassign_request", obj=p,
                 payload={"unit": a.unit_id, "unit_name": a.unit.name, "role": a.role, "reason": reason})
    notify(committee=access.committee, recipients=proposal_staff(access.committee),
           verb="proposal.reassign_request", title=f"{a.unit.name}申请调整提案{effects._label(p)}的承办单位", body=f"理由：{reason}",
           url=reverse("proposals:assign", args=[p.pk]))
    return a


def reply_submit(*, access: Access, proposal_id: int, data: dict[str, Any], upload: Any = None,
                 ip: str | None = None) -> Reply:
    """The unit's answer (`services.unit_answer`) with the reply letter's file, all or nothing.

    The answer is recorded first, so a refused answer never stores a file; a refused file (type, size)
    undoes the answer. The stored file is removed again if anything fails after it was written.
    """
    attachment: Attachment | None = None
    try:
        with transaction.atomic():
            p = services.unit_answer(access=access, proposal_id=proposal_id, data=data)
            mine = Assignment.objects.filter(proposal=p, unit_id__in=access.unit_ids).exclude(
                status=Assignment.Status.WITHDRAWN).order_by("id").first()
            reply = Reply.objects.filter(proposal=p, assignment=mine).order_by("-id").first()
            assert reply is not None  # unit_answer has just written it
            if upload is not None:
                attachment = attachment_upload(actor=access.user, uploaded_file=upload, ip=ip,
                                               committee=access.committee)  # type: ignore[arg-type]
                attachment_attach(actor=access.user, committee=access.committee,  # type: ignore[arg-type]
                                  attachment_ids=[attachment.pk], obj=reply)
    except BaseException:
        if attachment is not None:
            attachment.file.delete(save=False)
        raise
    return reply


@transaction.atomic
def reply_report_fulfilled(*, access: Access, reply_id: int, note: str) -> Reply:
    """The unit reports that what a B-grade reply promised (正在解决或列入计划) has been done (已落实).

    Sets `Reply.fulfilled_at`, keeps the note in the audit trail and tells the proposers.
    """
    if not access.has(P_HANDLE) or not access.unit_ids:
        raise ProposalError("只有承办单位经办人可以报告落实情况。", 403)
    reply = (Reply.objects.select_for_update().select_related("proposal", "assignment")
             .filter(pk=reply_id, committee=access.committee, assignment__unit_id__in=access.unit_ids)
             .first())
    if reply is None:
        raise ProposalError("找不到本单位的这份答复。", 404)
    note = _text(note, "落实情况", NOTE_MAX)
    if reply.is_opinion or reply.grade != Reply.Grade.B:
        raise ProposalError("只有办理结果为 B 类（正在解决或列入计划）的答复需要报告落实情况。", 409)
    if reply.fulfilled_at is not None:
        raise ProposalError(f"已于 {timezone.localtime(reply.fulfilled_at):%Y-%m-%d} 报告过落实情况。", 409)
    reply.fulfilled_at = timezone.now()
    reply.save(update_fields=["fulfilled_at"])
    # On the proposal, so its timeline shows it; the note is kept only here.
    audit_record(actor=access.user, committee=access.committee, verb="proposal.fulfilled", obj=reply.proposal,
                 payload={"reply": reply.pk, "unit": reply.assignment.unit_id, "note": note})
    p = reply.proposal
    notify(committee=access.committee, recipients=effects.proposers(p), verb="proposal.fulfilled",
           title=f"提案{effects._label(p)}答复中承诺的事项已落实", body=note, url=reverse("proposals:detail", args=[p.pk]))
    return reply
