"""Reads of proposals, always scoped to a committee and to what the user may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from zhengxie.accounts.permissions import Access
from zhengxie.proposals.models import Assignment, Proposal, Signer
from zhengxie.proposals.permissions import P_REVIEW, P_SUPERVISE, P_VIEW

_SHARED = {"registered", "assigned", "handling", "replied", "rehandling", "closed"}


def visible(access: Access) -> QuerySet[Proposal]:
    """Proposals `access` may open: the office and leaders all; a unit clerk those assigned to the unit;
    a member their own, those they were invited to co-sign, the leads theirs were merged into, and
    registered ones of the committee."""
    qs = Proposal.objects.filter(committee=access.committee)
    if access.has(P_REVIEW) or access.has(P_SUPERVISE):
        return qs.exclude(Q(state__in=["draft", "cosigning"]) & ~Q(proposer=access.user))
    if not access.has(P_VIEW):
        return qs.none()
    mine = Q(proposer=access.user) | Q(pk__in=Signer.objects.filter(user=access.user).values("proposal_id"))
    mine |= Q(pk__in=merged_leads(access, mine))
    units = Q(pk__in=Assignment.objects.filter(unit_id__in=access.unit_ids).exclude(
        status=Assignment.Status.WITHDRAWN).values("proposal_id"))
    if access.unit_ids and not (access.roles - {"unit_handler"}):
        return qs.filter(units)
    return qs.filter(mine | Q(state__in=_SHARED) | units)


def merged_leads(access: Access, own: Q) -> QuerySet[Proposal]:
    """Ids of the leads that proposals matching `own` were merged into (并案): a member follows and rates
    the lead as theirs, even before it is registered."""
    return Proposal.objects.filter(committee=access.committee, merged_into__isnull=False).filter(own).values(
        "merged_into_id")


def proposal_get(access: Access, pk: int) -> Proposal | None:
    return visible(access).select_related("session", "proposer", "merged_into", "supervising_leader").filter(pk=pk).first()
