"""What each role may do with proposals; added to the one permission layer in AppConfig.ready()."""

from __future__ import annotations

from zhengxie.accounts.models import Role
from zhengxie.accounts.permissions import ROLE_PERMS

P_VIEW = "proposals.view"  # read proposals of the committee as the audience rules allow
P_SUBMIT = "proposals.submit"  # write, co-sign, submit, rate replies (members; staff for collective ones)
P_REVIEW = "proposals.review"  # the proposal office: register, assign, merge, return, close …
P_HANDLE = "proposals.handle"  # a handling unit's clerk: sign for, reply, send opinions
P_SUPERVISE = "proposals.supervise"  # leaders and the office: key proposals, 督办, 催办

GRANTS = {
    Role.MEMBER: {P_VIEW, P_SUBMIT},
    Role.PROPOSAL_STAFF: {P_VIEW, P_SUBMIT, P_REVIEW, P_SUPERVISE},
    Role.UNIT_HANDLER: {P_VIEW, P_HANDLE},
    Role.LEADER: {P_VIEW, P_SUPERVISE},
    Role.COMMITTEE_ADMIN: {P_VIEW, P_REVIEW},
    Role.OPINION_STAFF: {P_VIEW},
    Role.CONSULTATION_STAFF: {P_VIEW},
}


def install() -> None:
    for role, perms in GRANTS.items():
        ROLE_PERMS.setdefault(role, set()).update(perms)
