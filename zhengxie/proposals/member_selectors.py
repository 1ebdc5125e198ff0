"""Reads for the member's own pages: my proposals by group, invitations waiting, whom I may invite.

"Mine" means every proposal the member answers for as a proposer: those they initiated, those they
accepted to co-sign, and the lead proposals theirs were merged into (domain.md §2: proposers of merged
items are co-proposers of the lead for replies and ratings). Each read is one query.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from zhengxie.accounts.models import Role
from zhengxie.accounts.permissions import Access
from zhengxie.members.models import Member
from zhengxie.proposals.guards import already_asked
from zhengxie.proposals.models import Evaluation, Proposal, Reply, Signer
from zhengxie.proposals.selectors import merged_leads
from zhengxie.proposals.workflow import (
    ASSIGNED, CLOSED, COSIGNING, CONVERTED, DRAFT, FINAL, HANDLING, MERGED, NOT_REGISTERED, REGISTERED,
    REHANDLING, REPLIED, RETURNED, STATES, SUBMITTED,
)

# The groups of the "my proposals" page, in the order a member works through them.
GROUPS: list[tuple[str, str]] = [
    ("to_rate", "待评价"),
    ("returned", "退回修改"),
    ("draft", "草稿"),
    ("cosigning", "征集联名"),
    ("submitted", "已提交"),
    ("handling", "办理中"),
    ("done", "已办结"),
]
_GROUP_OF_STATE = {
    DRAFT: "draft", COSIGNING: "cosigning", SUBMITTED: "submitted", REGISTERED: "submitted", RETURNED: "returned",
    ASSIGNED: "handling", HANDLING: "handling", REHANDLING: "handling", REPLIED: "handling",
    CLOSED: "done", NOT_REGISTERED: "done", CONVERTED: "done", MERGED: "done",
}
DONE_SHOWN = 50  # finished proposals listed (newest first); older ones are found through 检索
CANDIDATES_SHOWN = 50


def _accepted_by(access: Access) -> QuerySet[Signer]:
    return Signer.objects.filter(user=access.user, committee=access.committee, status=Signer.Status.ACCEPTED)


def mine_filter(access: Access) -> Q:
    """Proposals `access.user` answers for as one of the proposers (and the leads theirs were merged into).

    The ids are looked up first, each through its own index: one OR of subqueries over the whole table
    makes PostgreSQL walk every proposal of the deployment (400 ms at 500,000) to find a member's dozen.
    """
    own = set(Proposal.objects.filter(committee=access.committee, proposer=access.user).values_list("pk", flat=True))
    own.update(_accepted_by(access).values_list("proposal_id", flat=True))
    leads = {row["merged_into_id"] for row in merged_leads(access, Q(pk__in=own))}
    return Q(pk__in=sorted(own | leads))


def _count(qs: QuerySet) -> Coalesce:  # type: ignore[type-arg]
    return Coalesce(Subquery(qs.values("proposal_id").annotate(n=Count("pk")).values("n")[:1],
                             output_field=IntegerField()), Value(0))


def my_proposals(access: Access) -> QuerySet[Proposal]:
    """My proposals with what the list shows: my role, co-signer counts, the round I last rated."""
    signers = Signer.objects.filter(proposal_id=OuterRef("pk"))
    return (
        Proposal.objects.filter(committee=access.committee).filter(mine_filter(access))
        .select_related("merged_into")
        .annotate(
            accepted_n=_count(signers.filter(status=Signer.Status.ACCEPTED)),
            invited_n=_count(signers.filter(status=Signer.Status.INVITED)),
            rated_round=Subquery(Evaluation.objects.filter(proposal_id=OuterRef("pk"), user=access.user)
                                 .order_by("-round").values("round")[:1]),
            cosigned=Subquery(_accepted_by(access).filter(proposal_id=OuterRef("pk")).values("pk")[:1]),
        )
        .order_by("-id")
    )


def needs_my_rating(p: Proposal) -> bool:
    """A replied proposal the member has not yet rated in its current round (round 2 after 重新办理)."""
    return p.state == REPLIED and (getattr(p, "rated_round", None) or 0) < (2 if p.rehandled else 1)


@dataclass
class Group:
    key: str
    label: str
    items: list[Proposal] = field(default_factory=list)


def my_groups(access: Access) -> tuple[list[Group], bool]:
    """My proposals sorted into the page's groups (two queries: those still moving, the newest finished),
    and whether older finished ones were left out."""
    groups = {key: Group(key, label) for key, label in GROUPS}
    mine = my_proposals(access)
    for p in mine.exclude(state__in=FINAL):
        p.role_label = _role_label(p, access)  # type: ignore[attr-defined]
        p.state_label = STATES.get(p.state, p.state)  # type: ignore[attr-defined]
        groups["to_rate" if needs_my_rating(p) else _GROUP_OF_STATE.get(p.state, "handling")].items.append(p)
    done = list(mine.filter(state__in=FINAL)[: DONE_SHOWN + 1])
    for p in done[:DONE_SHOWN]:
        p.role_label = _role_label(p, access)  # type: ignore[attr-defined]
        p.state_label = STATES.get(p.state, p.state)  # type: ignore[attr-defined]
        groups["done"].items.append(p)
    return list(groups.values()), len(done) > DONE_SHOWN


def _role_label(p: Proposal, access: Access) -> str:
    if p.proposer_id == access.user.pk:
        return "领衔" if p.proposer_kind == "joint" else "提案人"
    return "联名" if getattr(p, "cosigned", None) else "并案"


def my_invitations(access: Access) -> QuerySet[Signer]:
    """Invitations to co-sign that wait for my answer and can still be answered."""
    return (
        Signer.objects.filter(committee=access.committee, user=access.user, status=Signer.Status.INVITED,
                              expires_at__gt=timezone.now(), proposal__state=COSIGNING)
        .select_related("proposal", "proposal__proposer")
        .order_by("expires_at", "pk")
    )


def cosigner_candidates(access: Access, q: str = "", proposal: Proposal | None = None) -> QuerySet[Member]:
    """Serving members of the committee with an account who may be invited to co-sign (not oneself, nor,
    for a proposal already collecting co-signers, those asked before and not lapsed)."""
    members = (
        Member.objects.filter(
            committee=access.committee, state="active", user__is_active=True,
            user__grants__committee=access.committee, user__grants__role=Role.MEMBER,
        )
        .exclude(user=access.user)
        .select_related("sector")
        .distinct()
        .order_by("name", "pk")
    )
    if proposal is not None:
        members = members.exclude(user_id__in=already_asked(proposal).values("user_id"))
    q = q.strip()
    if q:
        members = members.filter(Q(name__icontains=q) | Q(employer_title__icontains=q) | Q(sector__name__icontains=q))
    return members


def proposal_signers(p: Proposal) -> QuerySet[Signer]:
    """Everyone invited to co-sign `p` with their answer, in the order they were invited (one query)."""
    return Signer.objects.filter(proposal=p).select_related("user").order_by("invited_at", "pk")


def current_replies(p: Proposal) -> QuerySet[Reply]:
    """The reply letters (not assisting units' opinions) of the round the proposers are asked to rate."""
    return (Reply.objects.filter(proposal=p, is_opinion=False, round=2 if p.rehandled else 1)
            .select_related("assignment__unit").order_by("created_at", "pk"))


def my_evaluation(access: Access, p: Proposal) -> Evaluation | None:
    return Evaluation.objects.filter(proposal=p, user=access.user, round=2 if p.rehandled else 1).first()


@dataclass(frozen=True)
class TodoCounts:
    invitations: int
    returned: int
    to_rate: int


def todo_counts(access: Access) -> TodoCounts:
    """How many invitations, returned proposals and replies wait for the member (three small queries)."""
    mine = Proposal.objects.filter(committee=access.committee).filter(mine_filter(access))
    rated = Evaluation.objects.filter(proposal_id=OuterRef("pk"), user=access.user)
    to_rate = mine.filter(state=REPLIED).annotate(
        rated_round=Subquery(rated.order_by("-round").values("round")[:1])
    ).filter(Q(rated_round__isnull=True) | Q(rehandled=True, rated_round__lt=2)).count()
    return TodoCounts(
        invitations=my_invitations(access).count(),
        returned=mine.filter(state=RETURNED, proposer=access.user).count(),
        to_rate=to_rate,
    )
