"""The member lifecycle as a transition table: 在任 ⇄ 暂停履职 → 已离任."""

from __future__ import annotations

from zhengxie.accounts.permissions import Perm
from zhengxie.members.models import Member
from zhengxie.workflow.engine import Transition, Workflow, register

ACTIVE, SUSPENDED, LEFT = "active", "suspended", "left"

MEMBER_WORKFLOW = register(
    Workflow(
        name="member",
        model=Member,
        states={ACTIVE: "在任", SUSPENDED: "暂停履职", LEFT: "已离任"},
        transitions=[
            Transition("suspend", "暂停履职", sources={ACTIVE}, target=SUSPENDED, perm=Perm.MANAGE_MEMBERS,
                       required=("reason",)),
            Transition("reinstate", "恢复履职", sources={SUSPENDED}, target=ACTIVE, perm=Perm.MANAGE_MEMBERS),
            Transition("leave", "离任", sources={ACTIVE, SUSPENDED}, target=LEFT, perm=Perm.MANAGE_MEMBERS,
                       required=("reason",)),
        ],
        required_labels={"reason": "原因"},
    )
)
