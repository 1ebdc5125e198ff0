"""Conditions on 社情民意 transitions: each returns None when the transition may happen, else why not.

`Workflow.available()` calls guards with an empty payload to list what a user may do now, so a guard
that checks a payload field lets a missing field pass (the engine reports missing required fields).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zhengxie.accounts.models import Role
from zhengxie.accounts.permissions import Access
from zhengxie.opinions.models import BODY_HARD, TITLE_MAX, Adoption, Issue, IssueItem, Opinion, SigningOfficer, SourceKind

Payload = Mapping[str, Any]


def text_problem(title: Any, body: Any, *, what: str = "") -> str | None:
    """Why this title and body cannot be saved (None when they can): blank, too long, NUL characters."""
    title, body = str(title or "").strip(), str(body or "").strip()
    if "\x00" in title or "\x00" in body:
        return "填写的内容含有不可见的非法字符，请删除后重试。"
    if not title:
        return f"请填写{what}标题。"
    if len(title) > TITLE_MAX:
        return f"{what}标题不能超过 {TITLE_MAX} 个字（现在 {len(title)} 个字）。"
    if not body:
        return f"请填写{what}正文。"
    if len(body) > BODY_HARD:
        return f"{what}正文不能超过 {BODY_HARD} 个字（现在 {len(body)} 个字）；社情民意一般不超过 1500 字，请精简。"
    return None


def is_author(o: Opinion, access: Access, payload: Payload) -> str | None:
    if o.author_id is not None and o.author_id == access.user.pk:
        return None
    # Items an editor typed in for a party, a lower committee or a member of the public.
    if o.author_id is None and o.created_by_id is not None and o.created_by_id == access.user.pk:
        return None
    # The public form submits as nobody in particular (see services.opinion_submit_public).
    if o.source_kind == SourceKind.PUBLIC and o.created_by_id is None and not access.user.is_authenticated:
        return None
    return "只有作者本人可以提交这条信息。"


def content_complete(o: Opinion, access: Access, payload: Payload) -> str | None:
    return text_problem(o.title, o.body)


def adoption_valid(o: Opinion, access: Access, payload: Payload) -> str | None:
    kind = payload.get("adoption")
    if kind is None or kind in (Adoption.SINGLE, Adoption.REFERRED):
        return None
    if kind == Adoption.COMBINED:
        return "综合采用请选择几条信息一起综合。"
    return "请选择采用方式（单篇采用或转送有关部门）。"


def not_a_piece(o: Opinion, access: Access, payload: Payload) -> str | None:
    return "综合稿本身不能再综合，请直接编辑。" if o.source_kind == SourceKind.COMBINED else None


def piece_valid(o: Opinion, access: Access, payload: Payload) -> str | None:
    piece_id = payload.get("piece_id")
    if piece_id is None:
        return None
    try:
        piece = Opinion.objects.get(pk=int(piece_id))
    except (Opinion.DoesNotExist, TypeError, ValueError):
        return "找不到综合稿。"
    if piece.committee_id != o.committee_id:
        return "综合稿与所选信息不属于同一政协，不能综合。"
    if piece.source_kind != SourceKind.COMBINED or piece.state not in ("adopted", "edited"):
        return "只能并入尚未签发的综合稿。"
    return None


def not_combined(o: Opinion, access: Access, payload: Payload) -> str | None:
    return "这条信息已综合到综合稿中，请修改综合稿。" if o.combined_into_id else None


def edit_text_valid(o: Opinion, access: Access, payload: Payload) -> str | None:
    if "title" not in payload and "body" not in payload:
        return None
    return text_problem(payload.get("title"), payload.get("body"), what="编辑后的")


def is_signing_officer(access: Access, committee_id: int) -> bool:
    if Role.LEADER in access.roles or access.user.is_superuser:
        return True
    return SigningOfficer.objects.filter(committee_id=committee_id, user_id=access.user.pk).exists()


def signing_officer(o: Opinion, access: Access, payload: Payload) -> str | None:
    if is_signing_officer(access, o.committee_id):
        return None
    return "只有本会领导或经授权的签发人可以签发。"


def in_published_issue(o: Opinion, access: Access, payload: Payload) -> str | None:
    """Items are published by publishing the issue they are in (the issue's effect fires this)."""
    item = IssueItem.objects.filter(opinion=o).select_related("issue").first()
    if item is None or item.issue.state != "published":
        return "信息随期刊一起刊发：请把它编入一期《社情民意》并印发该期。"
    return None


# --- issues -------------------------------------------------------------------------------------------


def issue_has_items(issue: Issue, access: Access, payload: Payload) -> str | None:
    return None if issue.items.exists() else "这一期还没有编入信息，不能印发。"


def issue_items_signed(issue: Issue, access: Access, payload: Payload) -> str | None:
    unsigned = [i.opinion.shown_title for i in issue.items.select_related("opinion") if i.opinion.state != "signed"]
    if unsigned:
        return f"以下信息尚未签发，不能印发：{'、'.join(unsigned[:5])}{'等' if len(unsigned) > 5 else ''}。"
    return None


def issue_has_recipients(issue: Issue, access: Access, payload: Payload) -> str | None:
    return None if issue.recipients_main else "请填写主送单位。"
