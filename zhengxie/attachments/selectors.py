"""Reads of attachments, always scoped by committee and by who may see the file.

Today a file is visible to the person who uploaded it and to the staff of the same committee
(holders of Perm.VIEW_PERSONAL). Once a domain attaches a file to its row (`attachment_attach`),
everyone who may see that row may see the file too: the domain registers, in its AppConfig.ready(),
a check for its object type:

    register_owner("proposals.proposal", lambda access, object_id: proposal_get(access, int(object_id)) is not None)

The kernel never imports the domain; it only asks the registered check. Another committee's
attachment is never visible, whatever the role (the committee filter comes first).
"""

from __future__ import annotations

from collections.abc import Callable

from zhengxie.accounts.permissions import Access, Perm
from zhengxie.attachments.models import Attachment

OwnerCheck = Callable[[Access, str], bool]
_OWNER_CHECKS: dict[str, OwnerCheck] = {}


def register_owner(object_type: str, may_view: OwnerCheck) -> None:
    """Let whoever may see the `object_type` row with a given id also see the files attached to it."""
    _OWNER_CHECKS[object_type] = may_view


def attachment_visible(access: Access, attachment: Attachment) -> bool:
    """May the user behind `access` read this attachment (metadata and content)?"""
    if access.committee is None or attachment.committee_id != access.committee.pk:
        return False
    if attachment.uploaded_by_id == access.user.pk or access.has(Perm.VIEW_PERSONAL):
        return True
    check = _OWNER_CHECKS.get(attachment.object_type) if attachment.object_type else None
    return bool(check and check(access, attachment.object_id))


def attachment_get(access: Access, attachment_id: int) -> Attachment | None:
    """One attachment of the current committee that the caller may see, or None (also for other
    committees' attachments and for ones the caller may not see, so existence is not revealed)."""
    if access.committee is None:
        return None
    attachment = Attachment.objects.filter(committee=access.committee, pk=attachment_id).first()
    if attachment is None or not attachment_visible(access, attachment):
        return None
    return attachment
