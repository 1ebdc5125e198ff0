from __future__ import annotations

from django.db.models import QuerySet

from zhengxie.accounts.permissions import Access
from zhengxie.notifications.models import Notification


def inbox(access: Access) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=access.user, committee=access.committee)


def unread_count(access: Access) -> int:
    return inbox(access).filter(read_at__isnull=True).count()
