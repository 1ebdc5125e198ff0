"""Reads about accounts and roles, always scoped by committee."""

from __future__ import annotations

from django.db.models import QuerySet

from zhengxie.accounts.models import RoleGrant, User
from zhengxie.org.models import Committee


def resolve_committee(user: User, requested_id: object) -> Committee | None:
    """The committee `user` works in: the requested one if they hold a role there, else their first."""
    if not user.is_authenticated:
        return None
    grants = RoleGrant.objects.filter(user=user)
    if requested_id not in (None, ""):
        try:
            requested = int(str(requested_id))
        except ValueError:
            requested = None
        if requested is not None:
            qs = Committee.objects.filter(id=requested)
            if not user.is_superuser:
                qs = qs.filter(id__in=grants.values("committee_id"))
            found = qs.first()
            if found is not None:
                return found
    first = grants.order_by("committee_id").values_list("committee_id", flat=True).first()
    if first is not None:
        return Committee.objects.get(id=first)
    if user.is_superuser:
        return Committee.objects.order_by("id").first()
    return None


def grants_in(committee: Committee) -> QuerySet[RoleGrant]:
    return RoleGrant.objects.filter(committee=committee).select_related("user", "unit")
