"""Writes on 社情民意: drafting, the desk, issues, forwarding and tracking.

State changes go through `workflow.engine.fire` (tables in `opinions.workflow`); the recorded actions
(forward, refer, feedback, 批示, media) lock the item, check `workflow.ACTIONS` and write their audit
event here. Each service checks, changes and audits in one transaction; errors are `OpinionError`
(or the engine's TransitionError) with a Chinese message, and leave nothing changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from zhengxie.accounts.models import Role, User
from zhengxie.accounts.permissions import Access
from zhengxie.attachments.services import attachment_copy
from zhengxie.audit.services import audit_record
from zhengxie.notifications.services import notify
from zhengxie.opinions import effects, selectors
from zhengxie.opinions.credit import KINDS, LEVEL_BITS, credit_add
from zhengxie.opinions.guards import text_problem
from zhengxie.opinions.indexing import reindex
from zhengxie.opinions.models import (
    BODY_HARD, BODY_SOFT, TITLE_MAX, Coauthor, Issue, IssueItem, Lineage, Opinion, Series, SigningOfficer,
    SourceKind, Track,
)
from zhengxie.opinions.permissions import O_EDIT, O_GRANT, O_SUBMIT
from zhengxie.opinions.workflow import (
    ACTIONS, ADOPTED, DRAFT, EDITED, ISSUE_PUBLISHED, ISSUE_WORKFLOW, OPINION_WORKFLOW, PUBLISHED, SIGNED, STATES,
    SUBMITTED,
)
from zhengxie.org.models import Committee, Party, Unit
from zhengxie.workflow.engine import TransitionError, fire

NAME_MAX = 100
RECIPIENTS_MAX = 30
ISSUE_ITEMS_MAX = 50


class OpinionError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


def warnings_for(title: str, body: str) -> list[str]:
    """Advice shown beside the text, never a refusal: the domain's ~1,500-字 guideline."""
    out = []
    if len((body or "").strip()) > BODY_SOFT:
        out.append(f"正文 {len(body.strip())} 字，社情民意一般不超过 {BODY_SOFT} 字，建议精简，一事一报。")
    return out


def _text(value: Any, limit: int, label: str) -> str:
    text = str(value or "").strip()
    if "\x00" in text:
        raise OpinionError("填写的内容含有不可见的非法字符，请删除后重试。")
    if len(text) > limit:
        raise OpinionError(f"{label}不能超过 {limit} 个字。")
    return text


def _check_text(title: Any, body: Any, *, draft: bool) -> tuple[str, str]:
    """A draft needs only a title; anything that goes further needs both, within the hard limit."""
    title_s, body_s = str(title or "").strip(), str(body or "").strip()
    problem = text_problem(title_s, body_s) if body_s or not draft else text_problem(title_s, "-")
    if problem:
        raise OpinionError(problem)
    return title_s, body_s


def _source_kind(access: Access, requested: str | None) -> str:
    """Whose item this is: one's own as a member or informant; an editor enters others' items."""
    own = [kind for role, kind in ((Role.MEMBER, SourceKind.MEMBER), (Role.INFORMANT, SourceKind.INFORMANT))
           if role in access.roles]
    allowed = set(own) | (SourceKind.by_staff() if access.has(O_EDIT) else set())
    kind = requested or (own[0] if own else None)
    if kind not in allowed:
        if kind in SourceKind.values and kind != SourceKind.COMBINED:
            raise OpinionError(f"您不能以“{SourceKind(kind).label}”的名义报送信息。", 403)
        raise OpinionError("请选择信息来源。")
    return kind  # type: ignore[return-value]


COAUTHORS_MAX = 10


def _set_coauthors(access: Access, o: Opinion, user_ids: Sequence[int]) -> list[int]:
    """Replace the co-authors of `o`: members and informants of this committee other than the author."""
    try:
        wanted = list(dict.fromkeys(int(i) for i in user_ids))
    except (TypeError, ValueError):
        raise OpinionError("请选择联名的委员或特邀信息员。") from None
    if wanted and o.author_id is None:
        raise OpinionError("只有委员或特邀信息员本人报送的信息可以联名。")
    if o.author_id in wanted:
        raise OpinionError("作者本人不必再列为联名人。")
    if len(wanted) > COAUTHORS_MAX:
        raise OpinionError(f"联名人最多 {COAUTHORS_MAX} 位。")
    users = {u.pk: u for u in User.objects.filter(
        pk__in=wanted, is_active=True, grants__committee=access.committee,
        grants__role__in=[Role.MEMBER, Role.INFORMANT]).distinct()}
    if len(users) != len(wanted):
        raise OpinionError("联名人须是本会的委员或特邀信息员。")
    Coauthor.objects.filter(opinion=o).delete()
    Coauthor.objects.bulk_create([Coauthor(committee=access.committee, opinion=o, user=users[i],
                                           name=users[i].display_name or users[i].username) for i in wanted])
    return wanted


@transaction.atomic
def opinion_create(*, access: Access, title: str, body: str = "", source_kind: str | None = None,
                   body_name: str = "", submitter_name: str = "", submitter_contact: str = "",
                   party_id: int | None = None, coauthor_ids: Sequence[int] = ()) -> Opinion:
    """Save a new draft: the user's own (member, 特邀信息员), or one an editor types in for a party, a lower
    committee or a member of the public (named in `body_name` / `submitter_*`)."""
    if not access.has(O_SUBMIT):
        raise OpinionError("您没有报送社情民意信息的权限。", 403)
    kind = _source_kind(access, source_kind)
    title, body = _check_text(title, body, draft=True)
    fields: dict[str, Any] = {
        "body_name": _text(body_name, NAME_MAX, "报送单位"),
        "submitter_name": _text(submitter_name, 50, "反映人姓名"),
        "submitter_contact": _text(submitter_contact, 100, "联系方式"),
    }
    if kind in SourceKind.by_staff():
        if kind == SourceKind.PUBLIC and not fields["submitter_name"]:
            raise OpinionError("请填写反映人姓名。")
        if kind in (SourceKind.PARTY, SourceKind.LOWER) and not fields["body_name"]:
            raise OpinionError("请填写报送单位名称。")
        author, author_name = None, fields["body_name"] or fields["submitter_name"]
    else:
        author, author_name = access.user, access.user.display_name or access.user.username
        fields.update(body_name="", submitter_name="", submitter_contact="")
    party = None
    if party_id is not None:
        party = Party.objects.filter(pk=party_id, committee=access.committee).first()
        if party is None:
            raise OpinionError("请选择本会的党派。")
    o = Opinion.objects.create(
        committee=access.committee, state=DRAFT, source_kind=kind, author=author, author_name=author_name[:200],
        created_by=access.user, title=title, body=body, party=party, party_name=party.name if party else "",
        **fields,
    )
    coauthors = _set_coauthors(access, o, coauthor_ids)
    audit_record(actor=access.user, committee=access.committee, verb="opinion.create", obj=o,
                 payload={"title": o.title, "source_kind": kind, "coauthors": coauthors})
    return o


@transaction.atomic
def opinion_update(*, access: Access, opinion_id: int, title: str, body: str, version: int | None = None,
                   coauthor_ids: Sequence[int] | None = None) -> Opinion:
    """Change a draft's text and co-authors (its author, or the editor who typed it in)."""
    o = _locked(access, opinion_id)
    if not (o.author_id == access.user.pk or (o.author_id is None and o.created_by_id == access.user.pk)):
        raise OpinionError("只有作者本人可以修改这条信息。", 403)
    if o.state != DRAFT:
        raise OpinionError("信息提交后不能再修改；编辑部门会在采用后编辑，修改后的文本您可以看到。", 409)
    _check_version(o, version)
    before = {"title": o.title, "body_length": len(o.body)}
    o.title, o.body = _check_text(title, body, draft=True)
    changed: dict[str, Any] = {"before": before, "title": o.title, "body_length": len(o.body)}
    if coauthor_ids is not None:
        changed["coauthors"] = _set_coauthors(access, o, coauthor_ids)
    o.version += 1
    o.save(update_fields=["title", "body", "version"])
    audit_record(actor=access.user, committee=access.committee, verb="opinion.update", obj=o, payload=changed)
    return o


FILES_MAX = 5


def opinion_files_add(*, access: Access, opinion_id: int, uploads: Sequence[Any], ip: str | None = None) -> list[Any]:
    """Attach files (photos, a scanned document …) to a draft, all or none: its author (or the editor who
    typed it in) only. The type is judged by content (attachments app); a refused file stores nothing."""
    from zhengxie.attachments.models import Attachment
    from zhengxie.attachments.services import attachment_attach, attachment_upload
    from zhengxie.attachments.validation import AttachmentRejected

    uploads = [u for u in uploads if u is not None]
    if not uploads:
        return []
    stored: list[Attachment] = []
    try:
        with transaction.atomic():
            o = _locked(access, opinion_id)
            if not (o.author_id == access.user.pk or (o.author_id is None and o.created_by_id == access.user.pk)):
                raise OpinionError("只有作者本人可以添加附件。", 403)
            if o.state != DRAFT:
                raise OpinionError("信息提交后不能再添加附件。", 409)
            have = Attachment.objects.filter(committee=access.committee, object_type="opinions.opinion",
                                             object_id=str(o.pk)).count()
            if have + len(uploads) > FILES_MAX:
                raise OpinionError(f"每条信息最多 {FILES_MAX} 个附件（已有 {have} 个）。")
            for upload in uploads:
                try:
                    stored.append(attachment_upload(actor=access.user, committee=access.committee,  # type: ignore[arg-type]
                                                    uploaded_file=upload, ip=ip))
                except AttachmentRejected as exc:
                    raise OpinionError(f"附件“{getattr(upload, 'name', '')}”未能上传：{exc.message}") from None
            attachment_attach(actor=access.user, committee=access.committee,  # type: ignore[arg-type]
                              attachment_ids=[a.pk for a in stored], obj=o)
    except BaseException:
        for a in stored:
            a.file.delete(save=False)
        raise
    return stored


def opinion_submit_public(*, committee: Committee, name: str, contact: str, title: str, body: str,
                          ip: str | None = None) -> Opinion:
    """社会征集: a member of the public submits through the public form (rate limits and the spam check
    are the form's business). The item goes straight to the editors; the submitter has no account."""
    with transaction.atomic():
        name_s, contact_s = _text(name, 50, "姓名"), _text(contact, 100, "联系方式")
        if not name_s or not contact_s:
            raise OpinionError("请留下姓名和联系方式，以便核实情况。")
        title_s, body_s = _check_text(title, body, draft=False)
        o = Opinion.objects.create(committee=committee, state=DRAFT, source_kind=SourceKind.PUBLIC,
                                   author_name=name_s, submitter_name=name_s, submitter_contact=contact_s,
                                   title=title_s, body=body_s)
        public = Access(user=AnonymousUser(), committee=committee, perms={O_SUBMIT})  # type: ignore[arg-type]
        return fire(OPINION_WORKFLOW, o, "submit", access=public, ip=ip)  # type: ignore[return-value]


# Where a proposal's text is cut if it is longer than an item may be; the whole stays on the proposal.
FROM_PROPOSAL_CUT = "……（篇幅所限，以下从略，全文见原提案）"


def body_from_proposal(reason: str, suggestion: str) -> str:
    """An item's text from a proposal's 案由 and 建议, each under its heading, within the hard limit."""
    body = f"案由：\n{str(reason or '').strip()}\n\n建议：\n{str(suggestion or '').strip()}"
    if len(body) > BODY_HARD:
        body = body[:BODY_HARD - len(FROM_PROPOSAL_CUT)].rstrip() + FROM_PROPOSAL_CUT
    return body


def opinion_from_proposal(*, access: Access, proposal: Any, proposers: Sequence[User],
                          body_name: str = "") -> Opinion:
    """转为社情民意信息: a submitted proposal becomes an item of the same committee, which arrives on the
    editors' desk as a member's submission does — numbered, with the author's sector and party then, the
    editors told — and points back at the proposal. Its files go with it.

    `proposers` in order: the first is the author, the others with accounts are co-authors. A party's
    proposal passes the party's name as `body_name` instead and has no author account (来源：党派).
    Called by the proposals workflow's `convert` effect inside its transaction, after the proposal moved
    to 转为意见建议: the authority is that transition's (the proposal office's), checked there; any error
    here undoes the transition too.
    """
    with transaction.atomic():
        if access.committee is None or proposal.committee_id != access.committee.pk:
            raise OpinionError("只能把本会的提案转为本会的社情民意信息。", 403)
        if proposal.state != "converted":  # the proposals workflow's 转为意见建议, being entered now
            raise OpinionError("只有正在转办的提案可以转为社情民意信息。", 409)
        if Opinion.objects.filter(source_proposal=proposal).exists():
            raise OpinionError("这件提案已经转为社情民意信息，不能重复转。", 409)
        title = str(proposal.title or "").strip()[:TITLE_MAX]
        body = body_from_proposal(proposal.reason, proposal.suggestion)
        problem = text_problem(title, body)
        if problem:
            raise OpinionError(problem)
        people = list(dict.fromkeys(u for u in proposers if u.is_active))
        body_name = _text(body_name, NAME_MAX, "报送单位")
        if body_name:
            kind, author, author_name, coauthors = SourceKind.PARTY, None, body_name, []
        elif people:
            author, coauthors = people[0], people[1:]
            kind, author_name = SourceKind.MEMBER, author.display_name or author.username
        else:
            raise OpinionError("这件提案没有可以署名的提案人，不能转为社情民意信息。", 409)
        # Born submitted, as a forwarded copy is: it arrives rather than being drafted (`effects.submitted`
        # stamps, numbers and announces it as a submission).
        o = Opinion.objects.create(
            committee=access.committee, state=SUBMITTED, source_kind=kind, author=author,
            author_name=author_name[:200], created_by=access.user if access.user.is_authenticated else None,
            body_name=body_name, title=title, body=body, source_proposal=proposal,
        )
        Coauthor.objects.bulk_create([Coauthor(committee=access.committee, opinion=o, user=u,
                                               name=(u.display_name or u.username)[:50]) for u in coauthors])
        received = effects.submitted(o, access, {})
        files = attachment_copy(actor=access.user, source=proposal, obj=o)
        audit_record(actor=access.user, committee=access.committee, verb="opinion.from_proposal", obj=o,
                     payload={"proposal": proposal.pk, "title": o.title, "source_kind": kind, **received,
                              "coauthors": [u.pk for u in coauthors], "files": [f.pk for f in files]})
        return o


def _locked(access: Access, opinion_id: int) -> Opinion:
    # `of=self`: lock the item only, not the committee row the join brings along.
    o = (Opinion.objects.select_for_update(of=("self",)).select_related("committee")
         .filter(pk=opinion_id, committee=access.committee).first())
    if o is None:
        raise OpinionError("找不到该信息。", 404)
    return o


def _check_version(o: Opinion | Issue, version: int | None) -> None:
    if version is not None and version != o.version:
        raise OpinionError("该事项已被他人处理，请刷新页面后查看最新状态。", 409)


def opinion_transition(*, access: Access, opinion_id: int, name: str, payload: Mapping[str, Any] | None = None,
                       version: int | None = None) -> Opinion:
    """Fire a workflow transition on an item of the user's committee (404 for others')."""
    o = Opinion.objects.filter(pk=opinion_id, committee=access.committee).first()
    if o is None:
        raise OpinionError("找不到该信息。", 404)
    return fire(OPINION_WORKFLOW, o, name, access=access, payload=dict(payload or {}),  # type: ignore[return-value]
                expected_version=version)


# The desk's bulk decisions: what each may carry, and how many items one request may move.
BULK_TRANSITIONS = {"adopt": {"adoption": "single"}, "screen_out": {}}
BULK_MAX = 100
REASON_MAX = 2000


@dataclass(frozen=True)
class Refused:
    """An item a bulk action could not move, and why (the workflow's or the service's message)."""

    id: int
    title: str
    message: str


@dataclass
class BulkOutcome:
    done: list[Opinion] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)


def opinion_transition_many(*, access: Access, opinion_ids: Sequence[int], name: str, reason: str = "",
                            versions: Mapping[int, int | None] | None = None) -> BulkOutcome:
    """采用（单篇） or 不予采用 (one reason for all) on several items of the desk at once.

    Each item goes through `fire()` on its own, exactly as the single button does (row lock, version
    check against `versions`, guards, audit event, notices), in its own transaction: an item someone
    else moved meanwhile, or one in the wrong state, is refused and reported while the others still go
    through. Refusals that concern the whole request (permission, too many, no reason) change nothing."""
    if not access.has(O_EDIT):
        raise OpinionError("您没有权限批量处理社情民意信息。", 403)
    if name not in BULK_TRANSITIONS:
        raise OpinionError("未知的批量操作。")
    try:
        ids = list(dict.fromkeys(int(i) for i in opinion_ids))
    except (TypeError, ValueError):
        raise OpinionError("所选信息有误，请刷新页面后重新勾选。") from None
    if not ids:
        raise OpinionError("请先勾选信息。")
    if len(ids) > BULK_MAX:
        raise OpinionError(f"一次最多处理 {BULK_MAX} 条信息，请分批操作。")
    payload = dict(BULK_TRANSITIONS[name])
    if name == "screen_out":
        reason = _text(reason, REASON_MAX, "不予采用理由")
        if not reason:
            raise OpinionError("请填写不予采用理由（对所选信息统一适用）。")
        payload["reason"] = reason
    versions = versions or {}
    found = selectors.desk_selection(access, ids)
    outcome = BulkOutcome()
    # Unknown ids (gone, a draft, another committee's): named by number only, never by another's title.
    outcome.refused += [Refused(pk, f"编号 {pk} 的信息", "找不到该信息。") for pk in ids
                        if pk not in {o.pk for o in found}]
    for o in found:
        try:
            outcome.done.append(fire(OPINION_WORKFLOW, o, name, access=access, payload=payload,  # type: ignore[arg-type]
                                     expected_version=versions.get(o.pk)))
        except (TransitionError, OpinionError) as exc:
            outcome.refused.append(Refused(o.pk, f"《{o.shown_title}》", exc.message))
    return outcome


def opinion_edit(*, access: Access, opinion_id: int, title: str, body: str, version: int | None = None) -> Opinion:
    """The editor's version beside the original (the original is never overwritten); the author is told
    and sees it. Refused once the item is signed: what was signed is what gets published."""
    o = Opinion.objects.filter(pk=opinion_id, committee=access.committee).first()
    if o is None:
        raise OpinionError("找不到该信息。", 404)
    if o.state in (SIGNED, PUBLISHED):
        raise OpinionError(f"这条信息{STATES[o.state]}，不能再修改：签发后的文本就是刊发的文本。", 409)
    return opinion_transition(access=access, opinion_id=o.pk, name="edit", payload={"title": title, "body": body},
                              version=version)


@transaction.atomic
def opinion_combine(*, access: Access, source_ids: Sequence[int], title: str, body: str) -> Opinion:
    """综合采用: several submitted items of this committee become one piece written by the editors. The
    piece is an item of its own (in 已采用, ready to edit); each source is adopted as 综合采用 and credited."""
    if not access.has(O_EDIT):
        raise OpinionError("您没有权限进行“综合采用”操作。", 403)
    try:
        ids = list(dict.fromkeys(int(i) for i in source_ids))
    except (TypeError, ValueError):
        raise OpinionError("请选择要综合的信息。") from None
    if len(ids) < 2:
        raise OpinionError("综合采用至少需要两条信息。")
    sources = list(Opinion.objects.filter(pk__in=ids).order_by("submitted_at", "pk"))
    if len(sources) != len(ids):
        raise OpinionError("所选信息中有的已不存在。", 404)
    foreign = [s for s in sources if s.committee_id != access.committee.pk]  # type: ignore[union-attr]
    if foreign:
        raise OpinionError("所选信息中有属于其他政协的，综合稿只能由本会的信息组成。", 403)
    not_ready = [s.shown_title for s in sources if s.state != SUBMITTED or s.source_kind == SourceKind.COMBINED]
    if not_ready:
        raise OpinionError(f"只能综合待处理的信息：{'、'.join(not_ready[:5])}。", 409)
    title_s, body_s = _check_text(title, body, draft=False)
    names = list(dict.fromkeys(s.author_name for s in sources if s.author_name))
    now = timezone.now()
    # The piece is born adopted, as a draft is born a draft: the editors' decision to combine is the
    # sources' `combine` transition below, each audited.
    piece = Opinion.objects.create(
        committee=access.committee, state=ADOPTED, source_kind=SourceKind.COMBINED, author_name="、".join(names)[:200],
        created_by=access.user, title=title_s, body=body_s, submitted_at=now, adopted_at=now,
        adoption="combined",
    )
    audit_record(actor=access.user, committee=access.committee, verb="opinion.piece", obj=piece,
                 payload={"sources": ids, "title": piece.title})
    for source in sources:
        fire(OPINION_WORKFLOW, source, "combine", access=access, payload={"piece_id": piece.pk})
    reindex(piece)
    return piece


# --- recorded actions: forward, refer, feedback, 批示, media ----------------------------------------------


def _act(access: Access, opinion_id: int, action: str, version: int | None = None) -> Opinion:
    spec = ACTIONS[action]
    if not access.has(spec.perm):
        raise OpinionError(f"您没有权限进行“{spec.label}”操作。", 403)
    o = _locked(access, opinion_id)
    _check_version(o, version)
    if o.state not in spec.states:
        raise OpinionError(f"当前状态为“{STATES.get(o.state, o.state)}”，不能进行“{spec.label}”操作。", 409)
    return o


def _date(value: Any, label: str) -> dt.date:
    if value in (None, ""):
        return timezone.localdate()
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    except ValueError:
        raise OpinionError(f"{label}的格式不对（应为 2026-03-01 这样的日期）。") from None
    if day > timezone.localdate():
        raise OpinionError(f"{label}不能晚于今天。")
    return day


@transaction.atomic
def opinion_forward(*, access: Access, opinion_id: int, committee_id: int, version: int | None = None) -> Opinion:
    """报送: send an item up to the parent committee, where it arrives on the editors' desk as a new item
    pointing back at this one. Returns that new item. Decisions up there are credited down the chain."""
    o = _act(access, opinion_id, "forward", version)
    parent = o.committee.parent
    if parent is None:
        raise OpinionError("本会没有上级政协，不能报送。", 409)
    if committee_id != parent.pk:
        target = Committee.objects.filter(pk=committee_id).values_list("short_name", flat=True).first()
        raise OpinionError(f"只能报送上一级政协（{parent.short_name}），不能报送{target or '该政协'}。")
    if o.combined_into_id:
        raise OpinionError("这条信息已综合到综合稿中，请报送综合稿。", 409)
    if Opinion.objects.filter(origin=o).exists():
        raise OpinionError(f"这条信息已报送{parent.short_name}，不能重复报送。", 409)
    copy = Opinion(
        committee=parent, state=SUBMITTED, source_kind=SourceKind.LOWER, author_name=o.author_name,
        created_by=access.user, body_name=o.committee.short_name, sector_name=o.sector_name, party_name=o.party_name,
        title=o.shown_title, body=o.shown_body, origin=o,
    )
    # It arrives rather than being drafted: submitted on arrival, numbered in the parent's receipt series.
    effects.receive(copy)
    copy.save()
    effects.link_up(o, copy)
    # The photos and documents go up with the text, as the parent committee's own rows.
    files = attachment_copy(actor=access.user, source=o, obj=copy)
    o.forwarded_at = timezone.now()
    o.version += 1
    o.save(update_fields=["forwarded_at", "version"])
    reindex(copy)
    audit_record(actor=access.user, committee=o.committee, verb="opinion.forward", obj=o,
                 payload={"to": parent.pk, "copy": copy.pk})
    audit_record(actor=access.user, committee=parent, verb="opinion.receive", obj=copy,
                 payload={"from": o.pk, "from_committee": o.committee_id, "files": [f.pk for f in files]})
    notify(committee=parent, recipients=effects.editors(parent), verb="opinion.receive",
                   title=f"{o.committee.short_name}报送社情民意信息《{copy.title}》", url=effects.url_of(copy))
    effects.tell_authors(o, "opinion.forward", f"您的信息《{o.shown_title}》已由{o.committee.short_name}报送{parent.short_name}")
    return copy


def _unit(access: Access, unit_id: Any, unit_name: Any) -> tuple[Unit | None, str]:
    if unit_id not in (None, ""):
        unit = Unit.objects.filter(pk=unit_id, committee=access.committee, is_active=True).first()
        if unit is None:
            raise OpinionError("请选择本会的部门。")
        return unit, unit.name
    name = _text(unit_name, NAME_MAX, "部门名称")
    if not name:
        raise OpinionError("请选择或填写部门。")
    return None, name


def _track(access: Access, o: Opinion, kind: str, **fields: Any) -> Track:
    t = Track.objects.create(committee_id=o.committee_id, opinion=o, kind=kind, recorded_by=access.user, **fields)
    credit_add(Opinion, Lineage, o.pk, kind, t.level)
    if kind in KINDS:  # what credit_add wrote, on the object saved below (no re-read)
        setattr(o, KINDS[kind], getattr(o, KINDS[kind]) | LEVEL_BITS[t.level])
    o.version += 1  # a second clerk working from the old page sees that something happened
    o.save(update_fields=["version"])
    audit_record(actor=access.user, committee=access.committee, verb=f"opinion.{kind}", obj=o,
                 payload={k: v for k, v in fields.items() if k != "unit"} | {"track": t.pk})
    return t


@transaction.atomic
def opinion_refer(*, access: Access, opinion_id: int, unit_id: int | None = None, unit_name: str = "",
                  text: str = "", date: Any = None, version: int | None = None) -> Track:
    """转送有关部门: send the item to a department for handling; its reply is recorded as feedback."""
    o = _act(access, opinion_id, "refer", version)
    unit, name = _unit(access, unit_id, unit_name)
    if Track.objects.filter(opinion=o, kind=Track.Kind.REFERRAL, unit_name=name).exists():
        raise OpinionError(f"这条信息已转送{name}。", 409)
    return _track(access, o, Track.Kind.REFERRAL, level=o.committee.level, unit=unit, unit_name=name,
                  text=_text(text, 2000, "转送说明"), date=_date(date, "转送日期"))


@transaction.atomic
def feedback_record(*, access: Access, opinion_id: int, text: str, unit_id: int | None = None, unit_name: str = "",
                    date: Any = None, version: int | None = None) -> Track:
    """办理反馈: a department's reply on an item that was sent to it."""
    o = _act(access, opinion_id, "feedback", version)
    unit, name = _unit(access, unit_id, unit_name)
    if not Track.objects.filter(opinion=o, kind=Track.Kind.REFERRAL, unit_name=name).exists():
        raise OpinionError(f"这条信息没有转送{name}，不能登记它的办理反馈。", 409)
    body = _text(text, 10_000, "反馈内容")
    if not body:
        raise OpinionError("请填写反馈内容。")
    t = _track(access, o, Track.Kind.FEEDBACK, level=o.committee.level, unit=unit, unit_name=name, text=body,
               date=_date(date, "反馈日期"))
    effects.tell_authors(o, "opinion.feedback", f"您的信息《{o.shown_title}》收到{name}的办理反馈")
    return t


def reached_levels(o: Opinion) -> set[str]:
    """The levels an item got to: its own committee's and every committee it went up to."""
    ups = Lineage.objects.filter(lower=o).values_list("upper__committee__level", flat=True)
    return {o.committee.level, *ups}


def _instruction(access: Access, o: Opinion, row: Mapping[str, Any]) -> Track:
    level = str(row.get("level") or "")
    if level not in Committee.Level.values:
        raise OpinionError("请选择批示领导的层级（全国、省级、市级或县级）。")
    if level not in reached_levels(o):
        raise OpinionError(f"这条信息没有报送到{Committee.Level(level).label}，不能登记{Committee.Level(level).label}领导的批示。",
                           409)
    person = _text(row.get("person"), 50, "批示领导")
    text = _text(row.get("text"), 5000, "批示内容")
    if not person or not text:
        raise OpinionError("请填写批示领导和批示内容。")
    t = _track(access, o, Track.Kind.INSTRUCTION, level=level, person=person,
               person_title=_text(row.get("person_title"), 100, "领导职务"), text=text,
               date=_date(row.get("date"), "批示日期"))
    effects.tell_authors(o, "opinion.instruction",
                         f"您的信息《{o.shown_title}》获{row.get('person_title') or ''}{person}批示")
    return t


@transaction.atomic
def instruction_record(*, access: Access, opinion_id: int, level: str, person: str, text: str,
                       person_title: str = "", date: Any = None, version: int | None = None) -> Track:
    """批示: a leader's instruction on an item, at a level the item reached."""
    o = _act(access, opinion_id, "instruction", version)
    return _instruction(access, o, {"level": level, "person": person, "person_title": person_title, "text": text,
                                    "date": date})


@transaction.atomic
def instructions_record_batch(*, access: Access, rows: Iterable[Mapping[str, Any]]) -> list[Track]:
    """A clerk's stack of 批示 entered at once: all rows are recorded, or none (the message names the row)."""
    out = []
    for i, row in enumerate(rows, start=1):
        try:
            o = _act(access, int(row.get("opinion_id") or 0), "instruction")
            out.append(_instruction(access, o, row))
        except OpinionError as exc:
            raise OpinionError(f"第 {i} 条：{exc.message}", exc.status) from None
        except (TypeError, ValueError):
            raise OpinionError(f"第 {i} 条：请选择信息。") from None
    if not out:
        raise OpinionError("请至少填写一条批示。")
    return out


@transaction.atomic
def media_record(*, access: Access, opinion_id: int, outlet: str, text: str = "", url: str = "", date: Any = None,
                 version: int | None = None) -> Track:
    """An item (or its substance) published by a newspaper, broadcaster or website."""
    o = _act(access, opinion_id, "media", version)
    outlet_s = _text(outlet, 100, "媒体名称")
    if not outlet_s:
        raise OpinionError("请填写媒体名称。")
    link = _text(url, 300, "链接")
    if link and not link.startswith(("http://", "https://")):
        raise OpinionError("链接应以 http:// 或 https:// 开头。")
    return _track(access, o, Track.Kind.MEDIA, level=o.committee.level, outlet=outlet_s,
                  text=_text(text, 2000, "说明"), url=link, date=_date(date, "刊发日期"))


# --- issues -------------------------------------------------------------------------------------------------


def _recipients(values: Any, label: str) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [v for v in values.replace("，", ",").replace("、", ",").split(",")]
    names = list(dict.fromkeys(_text(v, NAME_MAX, label) for v in values))
    names = [n for n in names if n]
    if len(names) > RECIPIENTS_MAX:
        raise OpinionError(f"{label}最多 {RECIPIENTS_MAX} 个单位。")
    return names


@transaction.atomic
def issue_create(*, access: Access, series: str, year: int | None = None, recipients_main: Any = None,
                 recipients_copy: Any = None) -> Issue:
    """Start composing an issue; it gets its number when it is published."""
    if not access.has(O_EDIT):
        raise OpinionError("您没有编发期刊的权限。", 403)
    if series not in Series.values:
        raise OpinionError("请选择刊物（社情民意专递或专报）。")
    this_year = timezone.localdate().year
    year = this_year if year is None else int(year)
    if not this_year - 1 <= year <= this_year:
        raise OpinionError("期刊年度只能是今年（或年初补发的上一年）。")
    issue = Issue.objects.create(committee=access.committee, state="draft", series=series, year=year,
                                 recipients_main=_recipients(recipients_main, "主送"),
                                 recipients_copy=_recipients(recipients_copy, "抄送"), created_by=access.user)
    audit_record(actor=access.user, committee=access.committee, verb="opinion_issue.create", obj=issue,
                 payload={"series": series, "year": year})
    return issue


def _locked_issue(access: Access, issue_id: int) -> Issue:
    issue = Issue.objects.select_for_update().filter(pk=issue_id, committee=access.committee).first()
    if issue is None:
        raise OpinionError("找不到该期刊。", 404)
    return issue


def _published_message(issue: Issue) -> str:
    when = timezone.localtime(issue.published_at).strftime("%Y-%m-%d") if issue.published_at else ""
    return f"{issue.label}已于 {when} 印发，不能重复印发或再修改。"


@transaction.atomic
def issue_update(*, access: Access, issue_id: int, opinion_ids: Sequence[int] | None = None,
                 recipients_main: Any = None, recipients_copy: Any = None, version: int | None = None) -> Issue:
    """Set an unpublished issue's items (in this order) and recipients (主送/抄送)."""
    if not access.has(O_EDIT):
        raise OpinionError("您没有编发期刊的权限。", 403)
    issue = _locked_issue(access, issue_id)
    if issue.state == ISSUE_PUBLISHED:
        raise OpinionError(_published_message(issue), 409)
    _check_version(issue, version)
    changed: dict[str, Any] = {}
    if recipients_main is not None:
        issue.recipients_main = changed["recipients_main"] = _recipients(recipients_main, "主送")
    if recipients_copy is not None:
        issue.recipients_copy = changed["recipients_copy"] = _recipients(recipients_copy, "抄送")
    if opinion_ids is not None:
        try:
            ids = [int(i) for i in opinion_ids]
        except (TypeError, ValueError):
            raise OpinionError("请选择要编入的信息。") from None
        if len(ids) != len(set(ids)) or len(ids) > ISSUE_ITEMS_MAX:
            raise OpinionError(f"每期最多编入 {ISSUE_ITEMS_MAX} 条信息，且不能重复。")
        items = Opinion.objects.filter(pk__in=ids, committee=access.committee).in_bulk()
        if len(items) != len(ids):
            raise OpinionError("所选信息中有的不属于本会或已不存在。", 404)
        bad = [o.shown_title for o in items.values()
               if o.state not in (ADOPTED, EDITED, SIGNED) or o.combined_into_id]
        if bad:
            raise OpinionError(f"只能编入已采用、尚未刊发的信息（综合采用的请编入综合稿）：{'、'.join(bad[:5])}。", 409)
        elsewhere = IssueItem.objects.filter(opinion_id__in=ids).exclude(issue=issue).select_related("issue")
        if elsewhere:
            raise OpinionError(f"《{elsewhere[0].opinion.shown_title}》已编入{elsewhere[0].issue.label}。", 409)
        IssueItem.objects.filter(issue=issue).delete()
        IssueItem.objects.bulk_create([IssueItem(committee=access.committee, issue=issue, opinion_id=i, position=n)
                                       for n, i in enumerate(ids, start=1)])
        changed["items"] = ids
    issue.version += 1
    issue.save()
    audit_record(actor=access.user, committee=access.committee, verb="opinion_issue.update", obj=issue, payload=changed)
    return issue


def issue_publish(*, access: Access, issue_id: int, version: int | None = None) -> Issue:
    """印发: number the issue (per committee, series and year, without gaps) and publish every item in it."""
    issue = Issue.objects.filter(pk=issue_id, committee=access.committee).first()
    if issue is None:
        raise OpinionError("找不到该期刊。", 404)
    if issue.state == ISSUE_PUBLISHED:
        raise OpinionError(_published_message(issue), 409)
    return fire(ISSUE_WORKFLOW, issue, "publish", access=access, expected_version=version)  # type: ignore[return-value]


# --- signing officers -------------------------------------------------------------------------------------


@transaction.atomic
def signing_officer_grant(*, access: Access, user_id: int) -> SigningOfficer:
    """Authorise an editor of this committee to sign (签发) items, as its leaders may."""
    if not access.has(O_GRANT):
        raise OpinionError("只有本会管理员可以指定签发人。", 403)
    user = User.objects.filter(pk=user_id, grants__committee=access.committee, grants__role=Role.OPINION_STAFF,
                               is_active=True).first()
    if user is None:
        raise OpinionError("签发人须是本会的社情民意工作人员。")
    officer, created = SigningOfficer.objects.get_or_create(committee=access.committee, user=user,
                                                            defaults={"granted_by": access.user})
    if not created:
        raise OpinionError(f"{user.display_name}已是签发人。", 409)
    audit_record(actor=access.user, committee=access.committee, verb="opinion.signer_grant", obj=user,
                 payload={"user": user.pk})
    return officer


@transaction.atomic
def signing_officer_revoke(*, access: Access, user_id: int) -> None:
    """Withdraw an editor's authority to sign."""
    if not access.has(O_GRANT):
        raise OpinionError("只有本会管理员可以取消签发人。", 403)
    deleted, _ = SigningOfficer.objects.filter(committee=access.committee, user_id=user_id).delete()
    if not deleted:
        raise OpinionError("该用户不是签发人。", 404)
    audit_record(actor=access.user, committee=access.committee, verb="opinion.signer_revoke", obj=None,
                 payload={"user": user_id})


__all__ = [
    "OpinionError", "warnings_for", "opinion_create", "opinion_from_proposal", "body_from_proposal",
    "opinion_files_add", "opinion_update", "opinion_submit_public", "opinion_transition", "opinion_transition_many",
    "opinion_edit", "opinion_combine", "opinion_forward", "opinion_refer", "feedback_record", "instruction_record",
    "instructions_record_batch", "media_record", "issue_create", "issue_update", "issue_publish",
    "signing_officer_grant", "signing_officer_revoke", "reached_levels",
]
