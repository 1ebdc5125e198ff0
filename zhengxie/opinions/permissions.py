"""What each role may do with 社情民意; added to the one permission layer in AppConfig.ready().

Signing (签发) is held by leaders and by the editors; the `signing_officer` guard then narrows the
editors to those the committee authorised (`SigningOfficer`), so a county whose 信息科 chief signs can
say so without making them a leader, and the grant is a row with its own audit trail.
"""

from __future__ import annotations

from zhengxie.accounts.models import Role
from zhengxie.accounts.permissions import ROLE_PERMS, Perm

O_VIEW = "opinions.view"  # read the items the audience rules allow: own ones, published ones
O_SUBMIT = "opinions.submit"  # write and submit one's own items (members, informants; editors for others)
O_EDIT = "opinions.edit"  # the editors: screen, adopt, combine, edit, issues, forward, record what came of it
O_SIGN = "opinions.sign"  # sign (签发) an edited item; see the module docstring
O_GRANT = Perm.MANAGE_ACCOUNTS  # name the staff who may sign

GRANTS = {
    Role.MEMBER: {O_VIEW, O_SUBMIT},
    Role.INFORMANT: {O_VIEW, O_SUBMIT},
    Role.OPINION_STAFF: {O_VIEW, O_SUBMIT, O_EDIT, O_SIGN},
    Role.LEADER: {O_VIEW, O_SIGN},
    Role.COMMITTEE_ADMIN: {O_VIEW},
}


def install() -> None:
    for role, perms in GRANTS.items():
        ROLE_PERMS.setdefault(role, set()).update(perms)
