"""Reads of member profiles, always scoped by committee, with personal data masked for non-staff."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from zhengxie.accounts.permissions import Access, Perm
from zhengxie.members.models import Member


@dataclass
class MemberFilter:
    q: str = ""
    sector: int | None = None
    party: int | None = None
    special_committee: int | None = None
    state: str = ""


def mask_phone(phone: str) -> str:
    """138****5678: enough to recognise, not enough to call."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def phone_for(access: Access, member: Member) -> str:
    """The phone as this viewer may see it: full for staff and for the member themself, else masked."""
    if access.has(Perm.VIEW_PERSONAL) or (member.user_id is not None and member.user_id == access.user.pk):
        return member.phone
    return mask_phone(member.phone)


def member_directory(access: Access, f: MemberFilter | None = None) -> QuerySet[Member]:
    """The committee's members with their lists joined in (one query per page)."""
    access.require(Perm.VIEW_DIRECTORY)
    qs = Member.objects.filter(committee=access.committee).select_related(
        "sector", "party", "special_committee", "workstation"
    )
    f = f or MemberFilter()
    if f.q:
        q = f.q.strip()[:50]
        cond = Q(name__contains=q) | Q(employer_title__contains=q)
        if access.has(Perm.VIEW_PERSONAL) and q.isdigit():
            cond |= Q(phone__contains=q)
        qs = qs.filter(cond)
    if f.sector:
        qs = qs.filter(sector_id=f.sector)
    if f.party:
        qs = qs.filter(party_id=f.party)
    if f.special_committee:
        qs = qs.filter(special_committee_id=f.special_committee)
    if f.state:
        qs = qs.filter(state=f.state)
    return qs.order_by("id")


def member_get(access: Access, member_id: int) -> Member | None:
    """One member of the current committee, or None (also for members of other committees)."""
    if not access.has(Perm.VIEW_DIRECTORY):
        # Everyone may read their own profile, whatever their role.
        return (Member.objects.filter(committee=access.committee, pk=member_id, user=access.user)
                .select_related("sector", "party", "special_committee", "workstation").first())
    return member_directory(access).filter(pk=member_id).first()


def own_member_profile(access: Access) -> Member | None:
    if access.committee is None:
        return None
    return Member.objects.filter(committee=access.committee, user=access.user).first()
