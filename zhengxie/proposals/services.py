"""Writes on proposals that are not state transitions (those go through `workflow.engine.fire`).

Each service checks, changes and audits in one transaction; errors are `ProposalError` with a Chinese
message (HTTP 400/409 in the API, a form error on pages).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from zhengxie.accounts.models import Role, User
from zhengxie.accounts.permissions import Access
from zhengxie.audit.services import audit_record, diff_fields
from zhengxie.org.models import Session
from zhengxie.proposals import effects
from zhengxie.proposals.indexing import reindex
from zhengxie.proposals.models import (
    TITLE_MAX, Assignment, Category, Evaluation, Proposal, ProposerKind, Signer, Supervision,
)
from zhengxie.proposals.permissions import P_HANDLE, P_REVIEW, P_SUBMIT, P_SUPERVISE
from zhengxie.proposals.workflow import CLOSED, DRAFT, PROPOSAL_WORKFLOW, REPLIED, RETURNED
from zhengxie.workflow.engine import fire

# Why the platform closed a proposal by itself (the `auto` of the close event's payload).
AUTO_CLOSE_ALL_RATED = "all_rated"
AUTO_REASONS = {AUTO_CLOSE_ALL_RATED: "全部提案人已评价"}

EDITABLE = ("title", "reason", "suggestion", "category", "proposer_kind", "body_name", "session_id", "between_sessions")
MAX_TEXT = 20_000


class ProposalError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


def _clean(data: dict[str, Any], access: Access) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in EDITABLE:
        if key not in data:
            continue
        value = data[key]
        if isinstance(value, str):
            if "\x00" in value:
                raise ProposalError("填写的内容含有不可见的非法字符，请删除后重试。")
            value = value.strip()
        out[key] = value
    if len(out.get("title", "")) > TITLE_MAX:
        raise ProposalError(f"标题不能超过 {TITLE_MAX} 个字（现在 {len(out['title'])} 个字）。")
    for key in ("reason", "suggestion"):
        if len(out.get(key, "")) > MAX_TEXT:
            raise ProposalError(f"{'案由' if key == 'reason' else '建议'}不能超过 {MAX_TEXT} 个字。")
    if out.get("session_id") not in (None, ""):
        try:
            out["session_id"] = int(out["session_id"])
        except (TypeError, ValueError):
            raise ProposalError("请选择本会的会议。") from None
        if not Session.objects.filter(pk=out["session_id"], committee=access.committee).exists():
            raise ProposalError("请选择本会的会议。")
    elif "session_id" in out:
        out["session_id"] = None
    if out.get("category") and out["category"] not in Category.values:
        raise ProposalError("请选择提案类别。")
    kind = out.get("proposer_kind")
    if kind and kind not in ProposerKind.values:
        raise ProposalError("请选择提案者类型。")
    if kind in ProposerKind.collective() and not access.has(P_REVIEW):
        raise ProposalError("集体提案由提案工作人员录入。", 403)
    if kind in ProposerKind.collective() and not out.get("body_name"):
        raise ProposalError("集体提案请填写提案单位名称。")
    return out


@transaction.atomic
def proposal_create(*, access: Access, data: dict[str, Any]) -> Proposal:
    """Save a new draft for the user behind `access` (nothing is required yet but a title)."""
    if not access.has(P_SUBMIT):
        raise ProposalError("您没有提交提案的权限。", 403)
    fields = _clean(data, access)
    if not fields.get("title"):
        raise ProposalError("请填写标题。")
    p = Proposal.objects.create(committee=access.committee, proposer=access.user, state=DRAFT,
                                reason=fields.pop("reason", ""), suggestion=fields.pop("suggestion", ""), **fields)
    audit_record(actor=access.user, committee=access.committee, verb="proposal.create", obj=p,
                 payload={"title": p.title})
    return p


@transaction.atomic
def proposal_update(*, access: Access, proposal_id: int, data: dict[str, Any], version: int | None = None) -> Proposal:
    """Edit a draft or a returned proposal (the proposer only); refused if someone changed it meanwhile."""
    p = Proposal.objects.select_for_update().filter(pk=proposal_id, committee=access.committee).first()
    if p is None:
        raise ProposalError("找不到该提案。", 404)
    if p.proposer_id != access.user.pk and not (p.proposer_kind in ProposerKind.collective() and access.has(P_REVIEW)):
        raise ProposalError("只有提案人本人可以修改提案。", 403)
    if p.state not in (DRAFT, RETURNED):
        raise ProposalError("提案提交后不能再修改；如需修改，请联系提案委员会退回。", 409)
    if version is not None and version != p.version:
        raise ProposalError("该提案已在别处修改，请刷新页面后再改。", 409)
    fields = _clean(data, access)
    before = {k: getattr(p, k) for k in fields}
    for key, value in fields.items():
        setattr(p, key, value)
    if not p.title:
        raise ProposalError("请填写标题。")
    p.version += 1
    p.save()
    reindex(p)
    audit_record(actor=access.user, committee=access.committee, verb="proposal.update", obj=p,
                 payload=diff_fields(before, fields))
    return p


@transaction.atomic
def signer_respond(*, access: Access, proposal_id: int, accept: bool) -> Signer:
    """A co-signer accepts (联名) or declines an invitation before it expires."""
    signer = Signer.objects.select_for_update().select_related("proposal").filter(
        proposal_id=proposal_id, user=access.user, committee=access.committee).first()
    if signer is None:
        raise ProposalError("您没有收到这件提案的联名邀请。", 404)
    if signer.status != Signer.Status.INVITED:
        raise ProposalError(f"这份邀请{signer.get_status_display()}，不能再回复。", 409)
    if signer.expires_at <= timezone.now() or signer.proposal.state != "cosigning":
        raise ProposalError("联名邀请已过期。", 409)  # the row is marked 已过期 when the proposal is submitted
    signer.status = Signer.Status.ACCEPTED if accept else Signer.Status.DECLINED
    signer.responded_at = timezone.now()
    signer.save(update_fields=["status", "responded_at"])
    audit_record(actor=access.user, committee=access.committee, verb="proposal.cosign" if accept else "proposal.decline",
                 obj=signer.proposal, payload={"signer": access.user.pk})
    return signer


def transition(*, access: Access, proposal_id: int, name: str, payload: dict[str, Any] | None = None,
               version: int | None = None) -> Proposal:
    """Fire a workflow transition on a proposal of the user's committee (404 for others')."""
    p = Proposal.objects.filter(pk=proposal_id, committee=access.committee).first()
    if p is None:
        raise ProposalError("找不到该提案。", 404)
    return fire(PROPOSAL_WORKFLOW, p, name, access=access, payload=payload or {}, expected_version=version)  # type: ignore[return-value]


@transaction.atomic
def unit_answer(*, access: Access, proposal_id: int, data: dict[str, Any]) -> Proposal:
    """A unit's written answer: the reply of the lead (or last split) unit fires `reply`; a split
    unit's part or an assisting unit's opinion to the lead is recorded on its own."""
    p = Proposal.objects.select_for_update().filter(pk=proposal_id, committee=access.committee).first()
    if p is None:
        raise ProposalError("找不到该提案。", 404)
    if not access.has(P_HANDLE):
        raise ProposalError("只有承办单位可以答复提案。", 403)
    if p.state not in ("handling", "rehandling"):
        raise ProposalError(f"当前状态为“{PROPOSAL_WORKFLOW.state_label(p.state)}”，不能答复。", 409)
    text = str(data.get("text") or "").strip()
    if not text:
        raise ProposalError("请填写答复内容。")
    mine = Assignment.objects.filter(proposal=p, unit_id__in=access.unit_ids).exclude(
        status=Assignment.Status.WITHDRAWN).first()
    if mine is None:
        raise ProposalError("该提案没有交办给您的单位。", 403)
    if mine.status == Assignment.Status.ANSWERED:
        raise ProposalError("本单位已经答复过了。", 409)
    is_final = mine.role == Assignment.Role.LEAD or (
        mine.role == Assignment.Role.SPLIT and not Assignment.objects.filter(proposal=p, role=Assignment.Role.SPLIT)
        .exclude(pk=mine.pk).exclude(status__in=[Assignment.Status.ANSWERED, Assignment.Status.WITHDRAWN]).exists())
    if mine.role != Assignment.Role.ASSIST:
        grade = str(data.get("grade") or "")
        allowed = {"A", "B", "C"} | ({"D"} if p.committee.settings.get("proposal_grade_d") else set())
        if grade not in allowed:
            raise ProposalError("请选择办理结果（A/B/C" + ("/D" if "D" in allowed else "") + "）。")
    payload = {k: str(v) for k, v in data.items() if k in ("text", "grade", "contact", "contact_date", "signed_by") and v}
    if is_final:
        return fire(PROPOSAL_WORKFLOW, p, "reply", access=access, payload=payload)  # type: ignore[return-value]
    reply = effects.reply_record(p, mine, access, payload)
    audit_record(actor=access.user, committee=access.committee,
                 verb="proposal.opinion" if mine.role == Assignment.Role.ASSIST else "proposal.part_reply",
                 obj=p, payload={"reply": reply.pk, "unit": mine.unit_id})
    return p


def _system(access: Access) -> Access:
    """The platform itself, with the proposal office's authority, for an automatic step a member's action
    triggers: its audit event has no actor (shown as 系统), so the step is not put down to that member."""
    return Access(user=AnonymousUser(), committee=access.committee, perms={P_REVIEW})  # type: ignore[arg-type]


@transaction.atomic
def evaluation_submit(*, access: Access, proposal_id: int, handling: str, result: str, comment: str = "") -> Evaluation:
    """A proposer rates the reply; when every proposer has rated and nobody is dissatisfied, it closes."""
    p = Proposal.objects.select_for_update().filter(pk=proposal_id, committee=access.committee).first()
    if p is None:
        raise ProposalError("找不到该提案。", 404)
    if p.state != REPLIED:
        raise ProposalError("提案答复后才能评价。", 409)
    if access.user.pk not in {u.pk for u in effects.proposers(p)}:
        raise ProposalError("只有提案人可以评价答复。", 403)
    ratings = set(Evaluation.Rating.values)
    if handling not in ratings or result not in ratings:
        raise ProposalError("请在“满意、基本满意、不满意”中选择。")
    rnd = 2 if p.rehandled else 1
    if Evaluation.objects.filter(proposal=p, round=rnd, user=access.user).exists():
        raise ProposalError("您已经评价过这次答复了。", 409)
    ev = Evaluation.objects.create(committee=access.committee, proposal=p, round=rnd, user=access.user,
                                   handling=handling, result=result, comment=(comment or "")[:2000])
    audit_record(actor=access.user, committee=access.committee, verb="proposal.evaluate", obj=p,
                 payload={"round": rnd, "handling": handling, "result": result})
    rated = set(Evaluation.objects.filter(proposal=p, round=rnd).values_list("user_id", flat=True))
    unhappy = Evaluation.objects.filter(proposal=p, round=rnd).filter(
        Q(handling=Evaluation.Rating.DISSATISFIED) | Q(result=Evaluation.Rating.DISSATISFIED)).exists()
    if rated >= {u.pk for u in effects.proposers(p)} and (not unhappy or p.rehandled):
        fire(PROPOSAL_WORKFLOW, p, "close", access=_system(access),
             payload={"auto": AUTO_CLOSE_ALL_RATED, "round": rnd})
    return ev


@transaction.atomic
def supervision_add(*, access: Access, proposal_id: int, kind: str, text: str) -> Supervision:
    """Log a 督办 activity or send a 催办 to the units handling the proposal."""
    if not access.has(P_SUPERVISE):
        raise ProposalError("您没有督办权限。", 403)
    p = Proposal.objects.filter(pk=proposal_id, committee=access.committee).first()
    if p is None:
        raise ProposalError("找不到该提案。", 404)
    if kind not in Supervision.Kind.values or not (text or "").strip():
        raise ProposalError("请选择督办类型并填写内容。")
    s = Supervision.objects.create(committee=access.committee, proposal=p, kind=kind, text=text.strip()[:5000],
                                   author=access.user)
    audit_record(actor=access.user, committee=access.committee, verb=f"proposal.supervise.{kind}", obj=p,
                 payload={"text": s.text[:200]})
    if kind == Supervision.Kind.URGE:
        units = list(Assignment.objects.filter(proposal=p).exclude(status=Assignment.Status.WITHDRAWN)
                     .values_list("unit_id", flat=True))
        effects.notify(committee=p.committee, recipients=effects._unit_clerks(p.committee, units), verb="proposal.urge",
                       title=f"催办：提案{effects._label(p)}", body=s.text, url=effects._url(p))
    return s


@transaction.atomic
def key_mark(*, access: Access, proposal_id: int, is_key: bool, leader_id: int | None = None) -> Proposal:
    """Mark (or unmark) a key proposal with its 领衔督办 leader."""
    if not access.has(P_REVIEW):
        raise ProposalError("只有提案委员会可以确定重点提案。", 403)
    p = Proposal.objects.select_for_update().filter(pk=proposal_id, committee=access.committee).first()
    if p is None:
        raise ProposalError("找不到该提案。", 404)
    leader = None
    if leader_id is not None:
        leader = User.objects.filter(pk=leader_id, grants__committee=access.committee, grants__role=Role.LEADER).first()
        if leader is None:
            raise ProposalError("请选择本会的领导作为领衔督办人。")
    before = {"is_key": p.is_key, "supervising_leader": p.supervising_leader_id}
    p.is_key, p.supervising_leader = is_key, leader if is_key else None
    p.save(update_fields=["is_key", "supervising_leader"])
    audit_record(actor=access.user, committee=access.committee, verb="proposal.key", obj=p,
                 payload=diff_fields(before, {"is_key": p.is_key, "supervising_leader": p.supervising_leader_id}))
    reindex(p)
    return p


__all__ = ["ProposalError", "proposal_create", "proposal_update", "signer_respond", "transition", "unit_answer",
           "evaluation_submit", "supervision_add", "key_mark", "CLOSED"]
