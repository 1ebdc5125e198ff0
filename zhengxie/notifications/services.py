"""Sending notifications: always in-app; e-mail is added when the recipient has an address configured."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from zhengxie.accounts.models import User
from zhengxie.notifications.models import Notification
from zhengxie.org.models import Committee


def notify(*, committee: Committee, recipients: Iterable[User], verb: str, title: str, body: str = "",
           url: str = "") -> list[Notification]:
    """Put a notification in each recipient's inbox (once per recipient)."""
    if url and not (url.startswith("/") and not url.startswith("//")):
        # Links are built by our own code; anything else (javascript:, other hosts) is a bug or an attack.
        raise ValueError("notification links must be site-relative paths")
    seen: set[int] = set()
    rows = []
    for user in recipients:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(Notification(committee=committee, recipient=user, verb=verb, title=title, body=body, url=url))
    return Notification.objects.bulk_create(rows)


@transaction.atomic
def notifications_mark_read(*, user: User, committee: Committee, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications in this committee as read (all of them when `ids` is None)."""
    qs = Notification.objects.filter(recipient=user, committee=committee, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(id__in=list(ids))
    return qs.update(read_at=timezone.now())
