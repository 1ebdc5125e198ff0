"""Publication (公开) of proposals and their replies, and the yearly 优秀提案 selection.

The proposal office decides per proposal whether the proposal and its reply are public (可公开/不公开,
with a reason). Public pages need no login, so everything they read goes through the selectors below,
which see only published proposals that have been registered (立案) and show only what may be public:
names of proposers and the first proposer's sector, never phones, ids of people or internal notes.

The text index follows the decision: `reindex` gives a published proposal the audience "public",
which is the only audience an anonymous visitor (an `Access` with no roles and no permissions) can find.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Count, Prefetch, QuerySet

from zhengxie.accounts.models import User
from zhengxie.accounts.permissions import Access
from zhengxie.audit.services import audit_record, diff_fields
from zhengxie.audit.verbs import register_verbs
from zhengxie.members.models import Member
from zhengxie.org.models import Committee
from zhengxie.proposals.indexing import reindex
from zhengxie.proposals.models import Assignment, Proposal, ProposerKind, Reply, Signer
from zhengxie.proposals.permissions import P_REVIEW
from zhengxie.proposals.selectors import visible

NOTE_MAX = 200  # Proposal.public_note
# Registered or later: what a committee has accepted as a proposal (not drafts, not items under review,
# not those refused, converted or merged into another).
PUBLISHABLE = ("registered", "assigned", "handling", "replied", "rehandling", "closed")
REPLIED_STATES = ("replied", "rehandling", "closed")
# What a visitor reads as the state: the office's finer steps are its own business.
PUBLIC_STATE = {"registered": "已立案", "assigned": "办理中", "handling": "办理中", "rehandling": "办理中",
                "replied": "已答复", "closed": "已答复"}
# A decision can be taken from submission on; these end the proposal's life as a proposal.
_NEVER_PUBLIC = {"not_registered": "不予立案", "converted": "转为意见建议", "merged": "已并案"}

register_verbs({"proposal.publication": "公开设置", "proposal.excellent": "优秀提案"})


class PublicationError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


# --- services -----------------------------------------------------------------------------------------


def _locked(access: Access, proposal_id: int, refusal: str) -> Proposal:
    if access.committee is None or not access.has(P_REVIEW):
        raise PublicationError(refusal, 403)
    p = visible(access).select_for_update().filter(pk=proposal_id).first()
    if p is None:
        raise PublicationError("找不到该提案。", 404)
    return p


@transaction.atomic
def publication_decide(*, access: Access, proposal_id: int, is_public: bool, note: str = "") -> Proposal:
    """Decide whether a proposal and its reply are public (可公开) or not (不公开, with a reason).

    Audited as `proposal.publication`; the text index is updated in the same transaction, so a
    proposal leaves public search the moment it is made 不公开. Saving the same decision again
    changes nothing and records nothing.
    """
    p = _locked(access, proposal_id, "只有提案委员会可以决定提案是否公开。")
    note = " ".join((note or "").split())
    if "\x00" in note:
        raise PublicationError("填写的内容含有不可见的非法字符，请删除后重试。")
    if len(note) > NOTE_MAX:
        raise PublicationError(f"说明不能超过 {NOTE_MAX} 个字（现在 {len(note)} 个字）。")
    if not is_public and not note:
        raise PublicationError("不公开的提案请填写理由。")
    if is_public and p.state in _NEVER_PUBLIC:
        raise PublicationError(f"该提案{_NEVER_PUBLIC[p.state]}，不能公开。", 409)
    before = {"is_public": p.is_public, "public_note": p.public_note}
    after = {"is_public": is_public, "public_note": note}
    changes = diff_fields(before, after)
    if not changes:
        return p
    p.is_public, p.public_note = is_public, note
    p.save(update_fields=["is_public", "public_note"])
    audit_record(actor=access.user, committee=access.committee, verb="proposal.publication", obj=p, payload=changes)
    reindex(p)
    return p


@transaction.atomic
def excellent_mark(*, access: Access, proposal_id: int, is_excellent: bool) -> Proposal:
    """Select (or deselect) a registered proposal as 优秀提案 of its year; audited as `proposal.excellent`."""
    p = _locked(access, proposal_id, "只有提案委员会可以评选优秀提案。")
    if is_excellent and p.state not in PUBLISHABLE:
        raise PublicationError("只有已立案的提案可以评为优秀提案。", 409)
    if p.is_excellent == is_excellent:
        return p
    p.is_excellent = is_excellent
    p.save(update_fields=["is_excellent"])
    audit_record(actor=access.user, committee=access.committee, verb="proposal.excellent", obj=p,
                 payload={"is_excellent": [not is_excellent, is_excellent]})
    return p


# --- selectors for the public pages -------------------------------------------------------------------


def anonymous_access(committee: Committee) -> Access:
    """An anonymous visitor of `committee`: no roles, no units, no permissions. The text index
    (`textindex.selectors.visible_scope`) gives such an access public documents only."""
    return Access(user=AnonymousUser(), committee=committee)  # type: ignore[arg-type]


def public_committee(code: str) -> Committee | None:
    code = (code or "").strip()
    if not code or len(code) > 40:
        return None
    return Committee.objects.filter(code=code).first()


def public_committees() -> list[Committee]:
    """Every committee, each with `published`: how many proposals it has made public (two queries)."""
    counts = dict(Proposal.objects.filter(is_public=True, state__in=PUBLISHABLE).order_by().values("committee_id")
                  .annotate(n=Count("id")).values_list("committee_id", "n"))
    committees = list(Committee.objects.order_by("id"))
    for c in committees:
        c.published = counts.get(c.pk, 0)  # type: ignore[attr-defined]
    return committees


def published(committee: Committee) -> QuerySet[Proposal]:
    """The committee's published proposals: made public, registered or later. Newest first."""
    return (Proposal.objects.filter(committee=committee, is_public=True, state__in=PUBLISHABLE)
            .order_by("-registered_at", "-id"))


def with_public_rows(qs: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """What a public row shows, fetched in a fixed number of queries: the initiator, accepted
    co-signers, proposers of proposals merged into it, and the units handling it."""
    accepted = Signer.objects.filter(status=Signer.Status.ACCEPTED).select_related("user").order_by("invited_at", "id")
    return qs.select_related("proposer", "session").prefetch_related(
        Prefetch("signers", queryset=accepted, to_attr="public_signers"),
        Prefetch("merged", queryset=Proposal.objects.select_related("proposer").prefetch_related(
            Prefetch("signers", queryset=accepted, to_attr="public_signers")).order_by("id"), to_attr="public_merged"),
        Prefetch("assignments", queryset=Assignment.objects.exclude(status=Assignment.Status.WITHDRAWN)
                 .select_related("unit").order_by("unit__order", "unit_id"), to_attr="public_assignments"),
    )


@dataclass
class PublicRow:
    """One published proposal as the public sees it (nothing here identifies a person but a name)."""

    proposal: Proposal
    proposers: list[str] = field(default_factory=list)  # names; for a collective proposal the body's name
    sector: str = ""  # the first proposer's 界别 (individual and joint proposals)
    state_label: str = ""
    units: str = ""
    hit: Any = None  # the search hit (marked title, snippet) when the row comes from a search

    @property
    def proposer_text(self) -> str:
        return "、".join(self.proposers)


_ROLE_ORDER = {Assignment.Role.LEAD: 0, Assignment.Role.SPLIT: 1, Assignment.Role.ASSIST: 2}


def _units_text(p: Proposal) -> str:
    by_role: dict[str, list[str]] = {}
    for a in sorted(getattr(p, "public_assignments", []), key=lambda a: _ROLE_ORDER.get(a.role, 9)):
        by_role.setdefault(a.get_role_display(), []).append(a.unit.name)
    return "；".join(f"{role} {'、'.join(names)}" for role, names in by_role.items())


def public_rows(proposals: Iterable[Proposal], committee: Committee) -> list[PublicRow]:
    """Rows for proposals loaded with `with_public_rows`: names and sectors come from the members'
    profiles of the committee in one more query, whatever the number of rows."""
    proposals = list(proposals)
    people: dict[int, list[User]] = {}
    for p in proposals:
        users = [p.proposer] + [s.user for s in getattr(p, "public_signers", [])]
        for m in getattr(p, "public_merged", []):
            users += [m.proposer] + [s.user for s in getattr(m, "public_signers", [])]
        people[p.pk] = list({u.pk: u for u in users}.values())  # first mention first, each person once
    user_ids = {u.pk for users in people.values() for u in users}
    profiles = {m.user_id: m for m in Member.objects.filter(committee=committee, user_id__in=user_ids)
                .select_related("sector").only("user_id", "name", "sector__name")} if user_ids else {}
    rows = []
    for p in proposals:
        row = PublicRow(proposal=p, state_label=PUBLIC_STATE.get(p.state, ""), units=_units_text(p))
        if p.proposer_kind in ProposerKind.collective():
            row.proposers = [p.body_name] if p.body_name else []
        else:
            for u in people[p.pk]:
                profile = profiles.get(u.pk)
                row.proposers.append(profile.name if profile else (u.display_name or "委员"))
            first = profiles.get(p.proposer_id)
            row.sector = first.sector.name if first else ""
        rows.append(row)
    return rows


def published_get(pk: int) -> Proposal | None:
    """One published proposal of any committee (the page names its committee), or None."""
    return with_public_rows(Proposal.objects.filter(pk=pk, is_public=True, state__in=PUBLISHABLE)
                            ).select_related("committee").first()


def public_replies(p: Proposal) -> list[Reply]:
    """The reply letters of a published proposal once it is replied: the lead's (or each split unit's),
    oldest first. Assisting units' opinions to the lead unit are internal and never shown."""
    if p.state not in REPLIED_STATES:
        return []
    return list(Reply.objects.filter(proposal=p, is_opinion=False).select_related("assignment__unit")
                .only("id", "round", "text", "grade", "created_at", "proposal_id", "assignment__role",
                      "assignment__unit__name").order_by("created_at", "id"))


__all__ = ["PublicationError", "publication_decide", "excellent_mark", "anonymous_access", "public_committee",
           "public_committees", "published", "with_public_rows", "public_rows", "published_get", "public_replies",
           "PUBLISHABLE"]
