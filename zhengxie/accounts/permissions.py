"""One permission layer for pages and API alike.

Roles are granted per committee; each role maps to a set of permissions below. A check is always
"may this user do X in committee C", so nothing is ever decided without a committee. Platform admins
(is_superuser) hold every permission in every committee.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied

from zhengxie.accounts.models import Role, RoleGrant, User
from zhengxie.org.models import Committee


class Perm:
    VIEW_ORG = "org.view"  # committee structure, sessions, lists, units
    MANAGE_ORG = "org.manage"  # edit sectors, parties, units, sessions …
    VIEW_DIRECTORY = "members.view_directory"  # member list with masked phones
    VIEW_PERSONAL = "members.view_personal"  # phones and other personal data
    MANAGE_MEMBERS = "members.manage"  # add, edit, import, export, suspend, reinstate
    VIEW_AUDIT = "audit.view"
    MANAGE_ACCOUNTS = "accounts.manage"
    VIEW_STATISTICS = "stats.view"  # statistics pages: counts, hot topics
    # Domain modules add their own strings (proposals.review, opinions.edit, …) to ROLE_PERMS.


_STAFF_COMMON = {Perm.VIEW_ORG, Perm.VIEW_DIRECTORY, Perm.VIEW_PERSONAL, Perm.VIEW_STATISTICS}

ROLE_PERMS: dict[str, set[str]] = {
    Role.MEMBER: {Perm.VIEW_ORG, Perm.VIEW_DIRECTORY},
    Role.PROPOSAL_STAFF: set(_STAFF_COMMON),
    Role.OPINION_STAFF: set(_STAFF_COMMON),
    Role.CONSULTATION_STAFF: set(_STAFF_COMMON),
    # A unit clerk sees the committee's structure, not its members; later modules give them
    # exactly the items assigned to their unit.
    Role.UNIT_HANDLER: {Perm.VIEW_ORG},
    Role.LEADER: {Perm.VIEW_ORG, Perm.VIEW_DIRECTORY, Perm.VIEW_STATISTICS},
    Role.COMMITTEE_ADMIN: _STAFF_COMMON
    | {Perm.MANAGE_ORG, Perm.MANAGE_MEMBERS, Perm.VIEW_AUDIT, Perm.MANAGE_ACCOUNTS},
}


def all_perms() -> set[str]:
    return set().union(*ROLE_PERMS.values())


@dataclass
class Access:
    """What one user may do in one committee: their roles there, the units they handle for, permissions."""

    user: User
    committee: Committee | None
    roles: set[str] = field(default_factory=set)
    unit_ids: set[int] = field(default_factory=set)
    perms: set[str] = field(default_factory=set)

    def has(self, perm: str) -> bool:
        return perm in self.perms

    def require(self, perm: str) -> None:
        if perm not in self.perms:
            raise PermissionDenied("您没有权限进行此操作。")


def access_for(user: User, committee: Committee | None) -> Access:
    """The roles, units and permissions `user` holds in `committee` (one query)."""
    if committee is None or not user.is_authenticated or not user.is_active:
        return Access(user=user, committee=committee)
    access = Access(user=user, committee=committee)
    for role, unit_id in RoleGrant.objects.filter(user=user, committee=committee).values_list("role", "unit_id"):
        access.roles.add(role)
        if unit_id:
            access.unit_ids.add(unit_id)
        access.perms |= ROLE_PERMS.get(role, set())
    if user.is_superuser:
        access.perms |= all_perms()
    return access


def committees_for(user: User) -> list[Committee]:
    """The committees a user may switch to: where they hold a role (all, for a platform admin)."""
    if not user.is_authenticated:
        return []
    if user.is_superuser:
        return list(Committee.objects.order_by("id"))
    return list(Committee.objects.filter(id__in=RoleGrant.objects.filter(user=user).values("committee_id")).order_by("id"))
