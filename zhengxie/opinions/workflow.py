"""社情民意 as one transition table (../shared/domain.md §3), and the recorded actions beside it.

Read it top to bottom: each row is who may move an item from which states to which, what must be
given, and what else must hold. Pages, API and admin all go through `workflow.engine.fire()` (via
`opinions.services`); effects live in `opinions.effects`, guards in `opinions.guards`.

    draft ──submit──▶ submitted ──screen_out──▶ screened_out ──reconsider──▶ submitted
                          │ adopt (单篇采用 / 转送有关部门)
                          │ combine (综合采用: into a piece, which is itself an item in `adopted`)
                          ▼
                       adopted ──edit──▶ edited ──sign──▶ signed ──publish (with its issue)──▶ published
                                          ▲  │ send_back
                                          └──┘ (back to adopted)

Who: the author (member, 特邀信息员; an editor for items typed in for others) submits; the editors
(opinions.edit) screen, adopt, combine, edit and publish; the signing officer signs — a leader of the
committee, or an editor the committee authorised (`SigningOfficer`): `opinions.sign` is held by both
roles and the `signing_officer` guard narrows it.

Forwarding to the parent committee, sending to a department, its feedback, 批示 and media
publication change no state: they are the recorded actions of `ACTIONS`, run by the services with
the same row lock, version check and audit event.
"""

from __future__ import annotations

from dataclasses import dataclass

from zhengxie.opinions import effects, guards
from zhengxie.opinions.models import Issue, Opinion
from zhengxie.opinions.permissions import O_EDIT, O_SIGN, O_SUBMIT
from zhengxie.workflow.engine import Transition, Workflow, register

DRAFT, SUBMITTED, SCREENED_OUT, ADOPTED = "draft", "submitted", "screened_out", "adopted"
EDITED, SIGNED, PUBLISHED = "edited", "signed", "published"

STATES = {
    DRAFT: "草稿",
    SUBMITTED: "待处理",
    SCREENED_OUT: "未采用",
    ADOPTED: "已采用",
    EDITED: "已编辑待签发",
    SIGNED: "已签发",
    PUBLISHED: "已刊发",
}
# What came of an item can be recorded once it was adopted (a combined source included: its piece's
# fate is its own).
TAKEN_UP = {ADOPTED, EDITED, SIGNED, PUBLISHED}

T = Transition
OPINION_WORKFLOW = register(
    Workflow(
        name="opinion",
        model=Opinion,
        states=STATES,
        transitions=[
            T("submit", "提交", sources={DRAFT}, target=SUBMITTED, perm=O_SUBMIT,
              guards=(guards.is_author, guards.content_complete), effect=effects.submitted),
            # The editors' desk
            T("screen_out", "不予采用", sources={SUBMITTED}, target=SCREENED_OUT, perm=O_EDIT, required=("reason",),
              effect=effects.screened_out),
            T("reconsider", "重新审核", sources={SCREENED_OUT}, target=SUBMITTED, perm=O_EDIT,
              effect=effects.reconsidered),
            T("adopt", "采用", sources={SUBMITTED}, target=ADOPTED, perm=O_EDIT,
              guards=(guards.adoption_valid,), effect=effects.adopted),
            T("combine", "综合采用", sources={SUBMITTED}, target=ADOPTED, perm=O_EDIT, required=("piece_id",),
              guards=(guards.not_a_piece, guards.piece_valid), effect=effects.combined),
            T("edit", "编辑", sources={ADOPTED, EDITED}, target=EDITED, perm=O_EDIT, required=("title", "body"),
              guards=(guards.not_combined, guards.edit_text_valid), effect=effects.edited),
            # The signing officer
            T("sign", "签发", sources={EDITED}, target=SIGNED, perm=O_SIGN,
              guards=(guards.signing_officer,), effect=effects.signed),
            T("send_back", "退回编辑", sources={EDITED}, target=ADOPTED, perm=O_SIGN, required=("reason",),
              guards=(guards.signing_officer,), effect=effects.sent_back),
            # Fired for each item by the issue's `publish` below, never on its own.
            T("publish", "刊发", sources={SIGNED}, target=PUBLISHED, perm=O_EDIT,
              guards=(guards.in_published_issue,), effect=effects.published),
        ],
        required_labels={"reason": "理由", "piece_id": "综合稿", "title": "编辑后的标题", "body": "编辑后的正文"},
    )
)

ISSUE_DRAFT, ISSUE_PUBLISHED = "draft", "published"
ISSUE_WORKFLOW = register(
    Workflow(
        name="opinion_issue",
        model=Issue,
        states={ISSUE_DRAFT: "编排中", ISSUE_PUBLISHED: "已印发"},
        transitions=[
            # Numbered on publication, so abandoned drafts leave no gaps in a year's numbers.
            T("publish", "印发", sources={ISSUE_DRAFT}, target=ISSUE_PUBLISHED, perm=O_EDIT,
              guards=(guards.issue_has_items, guards.issue_items_signed, guards.issue_has_recipients),
              effect=effects.issue_published),
        ],
    )
)


@dataclass(frozen=True)
class Action:
    label: str
    states: frozenset[str]
    perm: str


# Recorded actions: no state changes, one row lock and audit event each (see `services`).
ACTIONS = {
    # Sent up once, to the parent committee only; a combined source goes up inside its piece.
    "forward": Action("报送上级政协", frozenset(TAKEN_UP), O_EDIT),
    "refer": Action("转送有关部门", frozenset(TAKEN_UP), O_EDIT),
    "feedback": Action("办理反馈", frozenset(TAKEN_UP), O_EDIT),
    # A leader's 批示 at a level the item reached (its own committee's, or one it was forwarded to).
    "instruction": Action("批示", frozenset(TAKEN_UP), O_EDIT),
    "media": Action("媒体刊发", frozenset(TAKEN_UP), O_EDIT),
}
