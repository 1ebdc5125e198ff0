from __future__ import annotations

from django.urls import reverse

from zhengxie.accounts.permissions import Access
from zhengxie.notifications.selectors import unread_count
from zhengxie.notifications.todos import Todo, register_todo_provider


@register_todo_provider
def unread_notifications(access: Access) -> list[Todo]:
    n = unread_count(access)
    return [Todo(title=f"未读通知 {n} 条", url=reverse("notifications:inbox"), count=n)] if n else []
