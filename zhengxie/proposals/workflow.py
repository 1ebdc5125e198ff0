"""The proposal chain 提、立、办、督、评 as one transition table (../shared/domain.md §2).

Read it top to bottom: each row is who may move a proposal from which states to which, what must be
given, and what else must hold. Pages, API and admin all go through `workflow.engine.fire()`; the
effects (numbering, assignments, deadlines, notifications) live in `proposals.effects`.
"""

from __future__ import annotations

from zhengxie.proposals import effects, guards
from zhengxie.proposals.models import Proposal
from zhengxie.proposals.permissions import P_HANDLE, P_REVIEW, P_SUBMIT
from zhengxie.workflow.engine import Transition, Workflow, register

DRAFT, COSIGNING, SUBMITTED, RETURNED = "draft", "cosigning", "submitted", "returned"
REGISTERED, NOT_REGISTERED, CONVERTED, MERGED = "registered", "not_registered", "converted", "merged"
ASSIGNED, HANDLING, REPLIED, REHANDLING, CLOSED = "assigned", "handling", "replied", "rehandling", "closed"

STATES = {
    DRAFT: "草稿",
    COSIGNING: "征集联名",
    SUBMITTED: "待审查",
    RETURNED: "退回修改",
    REGISTERED: "已立案",
    NOT_REGISTERED: "不予立案",
    CONVERTED: "转为意见建议",
    MERGED: "已并案",
    ASSIGNED: "已交办",
    HANDLING: "办理中",
    REPLIED: "已答复",
    REHANDLING: "重新办理",
    CLOSED: "办结",
}
FINAL = {NOT_REGISTERED, CONVERTED, MERGED, CLOSED}

T = Transition
PROPOSAL_WORKFLOW = register(
    Workflow(
        name="proposal",
        model=Proposal,
        states=STATES,
        transitions=[
            # 提 — the proposer; more co-signers may be invited while the first ones are answering.
            T("invite", "邀请联名", sources={DRAFT, COSIGNING}, target=COSIGNING, perm=P_SUBMIT,
              guards=(guards.is_initiator, guards.is_joint, guards.content_complete, guards.invitees_valid),
              required=("user_ids",),
              effect=effects.invite_signers),
            T("submit", "提交", sources={DRAFT, COSIGNING, RETURNED}, target=SUBMITTED, perm=P_SUBMIT,
              guards=(guards.is_initiator, guards.content_complete, guards.joint_has_signer),
              effect=effects.submitted),
            # 立 — the proposal office
            T("register", "立案", sources={SUBMITTED}, target=REGISTERED, perm=P_REVIEW, effect=effects.registered),
            T("reject", "不予立案", sources={SUBMITTED}, target=NOT_REGISTERED, perm=P_REVIEW, required=("ground",),
              guards=(guards.reject_ground_valid,), effect=effects.rejected),
            # To the units for reference (意见建议, the default) or to the 社情民意 editors as an item (`target`).
            T("convert", "转为意见建议", sources={SUBMITTED}, target=CONVERTED, perm=P_REVIEW, required=("note",),
              checks=(guards.convert_target_known,), guards=(guards.convert_target_fits,), effect=effects.converted),
            T("merge", "并案", sources={SUBMITTED}, target=MERGED, perm=P_REVIEW, required=("lead_id",),
              guards=(guards.merge_lead_valid,), effect=effects.merged),
            T("return", "退回修改", sources={SUBMITTED}, target=RETURNED, perm=P_REVIEW, required=("advice",),
              effect=effects.returned),
            # 办 — assignment and the units
            T("assign", "交办", sources={REGISTERED}, target=ASSIGNED, perm=P_REVIEW, required=("units",),
              guards=(guards.assignment_valid,), effect=effects.assigned),
            T("reassign", "调整承办单位", sources={ASSIGNED, HANDLING}, target=ASSIGNED, perm=P_REVIEW,
              required=("units",), guards=(guards.assignment_valid,), effect=effects.assigned),
            # Each unit signs for its own share; the first one starts the handling. A unit that had not
            # signed when the proposal went back for 重新办理 (an assisting unit) signs without moving it
            # out of 重新办理: the same guard and effect, a row of its own because a row has one target.
            T("accept", "签收", sources={ASSIGNED, HANDLING}, target=HANDLING, perm=P_HANDLE,
              guards=(guards.holds_pending_assignment,), effect=effects.accepted),
            T("accept_rehandling", "签收", sources={REHANDLING}, target=REHANDLING, perm=P_HANDLE,
              guards=(guards.holds_pending_assignment,), effect=effects.accepted),
            T("reply", "答复", sources={HANDLING, REHANDLING}, target=REPLIED, perm=P_HANDLE,
              required=("text",), guards=(guards.can_reply,), effect=effects.replied),
            # 评 — after the reply
            T("rehandle", "重新办理", sources={REPLIED}, target=REHANDLING, perm=P_REVIEW,
              guards=(guards.rehandle_allowed,), effect=effects.rehandle),
            T("close", "办结", sources={REPLIED}, target=CLOSED, perm=P_REVIEW, effect=effects.closed),
        ],
        required_labels={
            "user_ids": "联名委员", "ground": "不予立案理由", "note": "转办说明", "lead_id": "并入的主提案",
            "advice": "修改意见", "units": "承办单位", "text": "答复内容",
        },
    )
)


def accept_transition(state: str) -> str:
    """The transition a unit signs for (签收) its share with while the proposal is in `state`."""
    return "accept_rehandling" if state == REHANDLING else "accept"

