"""Conditions on proposal transitions: each returns None when the transition may happen, else why not.

`Workflow.available()` calls guards with an empty payload to list what a user may do now, so a guard
that checks a payload field lets a missing field pass (the engine reports missing required fields).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from zhengxie.accounts.models import Role, User
from zhengxie.accounts.permissions import Access
from zhengxie.org.models import Unit
from zhengxie.proposals.models import (
    TITLE_MAX, Assignment, ConvertTarget, Evaluation, HandlingMode, Proposal, ProposerKind, RejectGround, Signer,
)
from zhengxie.proposals.permissions import P_REVIEW

Payload = Mapping[str, Any]
MERGE_LEAD_STATES = {"submitted", "registered", "assigned", "handling"}


def is_initiator(p: Proposal, access: Access, payload: Payload) -> str | None:
    if p.proposer_id == access.user.pk:
        return None
    if p.proposer_kind in ProposerKind.collective() and access.has(P_REVIEW):
        return None
    return "只有提案人本人可以进行此操作。"


def is_joint(p: Proposal, access: Access, payload: Payload) -> str | None:
    return None if p.proposer_kind == ProposerKind.JOINT else "只有委员联名提案需要邀请联名。"


def invitable(p: Proposal, ids: Iterable[Any]) -> QuerySet[User]:
    """The members among user ids `ids` who may be invited to co-sign `p` now: serving members of the
    committee other than the proposer, not already co-signing, waiting to answer or having declined
    (a lapsed invitation may be sent again)."""
    wanted = {int(i) for i in ids} - {p.proposer_id}
    return (User.objects.filter(pk__in=wanted, grants__committee_id=p.committee_id, grants__role=Role.MEMBER,
                                is_active=True)
            .exclude(pk__in=already_asked(p).values("user_id")).distinct().order_by("pk"))


def already_asked(p: Proposal) -> QuerySet[Signer]:
    """The co-signers of `p` not to be invited again: they co-sign, declined, or have yet to answer."""
    return Signer.objects.filter(proposal=p).filter(
        Q(status__in=[Signer.Status.ACCEPTED, Signer.Status.DECLINED])
        | Q(status=Signer.Status.INVITED, expires_at__gt=timezone.now()))


def invitees_valid(p: Proposal, access: Access, payload: Payload) -> str | None:
    ids = payload.get("user_ids")
    if ids is None:
        return None
    try:
        members = invitable(p, ids)
    except (TypeError, ValueError):
        return "请选择要邀请的委员。"
    if members.exists():
        return None
    if p.state == "cosigning":
        return "所选委员都已邀请过（已联名、待确认或已谢绝），请选择其他委员。"
    return "请至少邀请一位本会委员联名。"


def content_complete(p: Proposal, access: Access, payload: Payload) -> str | None:
    missing = [label for value, label in ((p.title, "标题"), (p.reason, "案由"), (p.suggestion, "建议"),
                                          (p.category, "类别")) if not str(value or "").strip()]
    if missing:
        return f"请先填写{'、'.join(missing)}。"
    if len(p.title) > TITLE_MAX:
        return f"标题不能超过 {TITLE_MAX} 个字。"
    return None


def joint_has_signer(p: Proposal, access: Access, payload: Payload) -> str | None:
    if p.proposer_kind != ProposerKind.JOINT:
        return None
    if Signer.objects.filter(proposal=p, status=Signer.Status.ACCEPTED).exists():
        return None
    return "联名提案至少需要一位委员确认联名后才能提交。"


def reject_ground_valid(p: Proposal, access: Access, payload: Payload) -> str | None:
    ground = payload.get("ground")
    if ground is None:
        return None
    if ground not in RejectGround.values:
        return "请选择不予立案的理由。"
    if ground == RejectGround.OTHER and not str(payload.get("reason") or "").strip():
        return "选择“其他原因”时请写明不予立案的理由。"
    return None


def merge_lead_valid(p: Proposal, access: Access, payload: Payload) -> str | None:
    lead_id = payload.get("lead_id")
    if lead_id is None:
        return None
    try:
        lead = Proposal.objects.get(pk=int(lead_id), committee_id=p.committee_id)
    except (Proposal.DoesNotExist, TypeError, ValueError):
        return "找不到要并入的提案。"
    if lead.pk == p.pk:
        return "不能并入提案本身。"
    if lead.state not in MERGE_LEAD_STATES:
        return "只能并入待审查、已立案或办理中的提案。"
    return None


def convert_target(payload: Payload) -> str:
    """Where `convert` sends the proposal: the units for reference unless the office chose otherwise."""
    return str(payload.get("target") or ConvertTarget.UNIT)


def convert_target_known(payload: Payload) -> str | None:
    """A payload check (400): the target is one of the list."""
    if convert_target(payload) in ConvertTarget.values:
        return None
    return "转办去向只能是" + "或".join(f"“{label}”" for label in ConvertTarget.labels) + "。"


# 社情民意 know members, informants, parties, lower committees and the public as sources; a proposal of a
# 人民团体, a sector, a member group or a special committee has no source there to be credited to.
OPINION_SOURCE_KINDS = {ProposerKind.INDIVIDUAL, ProposerKind.JOINT, ProposerKind.PARTY}


def convert_target_fits(p: Proposal, access: Access, payload: Payload) -> str | None:
    if convert_target(payload) != ConvertTarget.OPINION or p.proposer_kind in OPINION_SOURCE_KINDS:
        return None
    return (f"{p.get_proposer_kind_display()}提案在社情民意中没有对应的来源，不能转为社情民意信息；"
            "可选择“转有关单位参考”。")


def parse_units(p: Proposal, payload: Payload) -> tuple[str, list[tuple[Unit, str]], dt.date | None] | str:
    """(mode, [(unit, role)], due date) from an assignment payload, or the reason it is invalid."""
    mode = payload.get("mode") or HandlingMode.SINGLE
    if mode not in HandlingMode.values:
        return "请选择办理方式。"
    rows = payload.get("units")
    if not isinstance(rows, list) or not rows:
        return "请选择承办单位。"
    wanted: list[tuple[int, str]] = []
    for row in rows:
        try:
            unit_id, role = int(row["unit_id"]), str(row.get("role") or "")
        except (KeyError, TypeError, ValueError):
            return "承办单位填写有误。"
        wanted.append((unit_id, role))
    units = Unit.objects.filter(committee_id=p.committee_id, is_active=True).in_bulk([u for u, _ in wanted])
    if len(units) != len({u for u, _ in wanted}) or len(wanted) != len({u for u, _ in wanted}):
        return "承办单位不存在、已停用或重复。"
    roles = [r for _, r in wanted]
    if mode == HandlingMode.SINGLE and (len(wanted) != 1 or roles != [Assignment.Role.LEAD]):
        return "单办只能有一个主办单位。"
    if mode == HandlingMode.LEAD_ASSIST and (
        roles.count(Assignment.Role.LEAD) != 1 or set(roles) - {Assignment.Role.LEAD, Assignment.Role.ASSIST}
        or len(wanted) < 2
    ):
        return "主办+协办需要一个主办单位和至少一个协办单位。"
    if mode == HandlingMode.SPLIT and (len(wanted) < 2 or set(roles) != {Assignment.Role.SPLIT}):
        return "分办需要至少两个分办单位。"
    due = payload.get("due_date")
    if due:
        try:
            due = due if isinstance(due, dt.date) else dt.date.fromisoformat(str(due))
        except ValueError:
            return "办理期限的日期格式不对。"
        if due <= timezone.localdate():
            return "办理期限不能早于明天。"
    return mode, [(units[u], r) for u, r in wanted], due or None


def assignment_valid(p: Proposal, access: Access, payload: Payload) -> str | None:
    if "units" not in payload:
        return None
    parsed = parse_units(p, payload)
    return parsed if isinstance(parsed, str) else None


def _my_assignments(p: Proposal, access: Access, roles: set[str]):  # type: ignore[no-untyped-def]
    return Assignment.objects.filter(proposal=p, unit_id__in=access.unit_ids, role__in=roles).exclude(
        status=Assignment.Status.WITHDRAWN
    )


def holds_pending_assignment(p: Proposal, access: Access, payload: Payload) -> str | None:
    """签收: the clerk's unit holds a share of the proposal that waits to be signed for. Checked under the
    proposal's row lock, so a second click or a second clerk of the unit is refused, not applied twice."""
    statuses = set(_my_assignments(p, access, set(Assignment.Role.values)).values_list("status", flat=True))
    if Assignment.Status.ASSIGNED in statuses:
        return None
    if not statuses:
        return "该提案没有交办给您的单位。"
    if Assignment.Status.ACCEPTED in statuses:
        return "本单位已经签收了这件提案。"
    if Assignment.Status.REASSIGN_REQUESTED in statuses:
        return "本单位已申请调整承办单位，请等待提案委员会处理。"
    return "本单位已经答复，不需要再签收。"


def can_reply(p: Proposal, access: Access, payload: Payload) -> str | None:
    mine = _my_assignments(p, access, {Assignment.Role.LEAD, Assignment.Role.SPLIT})
    if not mine.exists():
        return "只有主办（或分办）单位可以答复提案；协办单位请向主办单位提交协办意见。"
    if "text" in payload:
        allowed = {"A", "B", "C"} | ({"D"} if (p.committee.settings or {}).get("proposal_grade_d") else set())
        if payload.get("grade") not in allowed:
            return "请选择办理结果（" + "/".join(sorted(allowed)) + "）。"
    if p.handling_mode == "split":
        others = Assignment.objects.filter(proposal=p, role=Assignment.Role.SPLIT).exclude(
            unit_id__in=access.unit_ids).exclude(status__in=[Assignment.Status.ANSWERED, Assignment.Status.WITHDRAWN])
        if others.exists():
            return "分办提案须在各分办单位都答复后才算答复完成；请先提交本单位的答复。"
    return None


def rehandle_allowed(p: Proposal, access: Access, payload: Payload) -> str | None:
    if p.rehandled:
        return "该提案已经重新办理过一次。"
    unhappy = Evaluation.objects.filter(proposal=p, round=1).filter(
        Q(handling=Evaluation.Rating.DISSATISFIED) | Q(result=Evaluation.Rating.DISSATISFIED))
    if not unhappy.exists():
        return "只有提案人对答复表示“不满意”时才能要求重新办理。"
    return None
