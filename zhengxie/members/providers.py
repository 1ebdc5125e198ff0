"""To-dos the member roster contributes to the home page."""

from __future__ import annotations

from django.urls import reverse

from zhengxie.accounts.permissions import Access, Perm
from zhengxie.members.models import Member
from zhengxie.notifications.todos import Todo, register_todo_provider


@register_todo_provider
def roster_gaps(access: Access) -> list[Todo]:
    """Staff who keep the roster see members they cannot reach or who cannot log in."""
    if not access.has(Perm.MANAGE_MEMBERS):
        return []
    active = Member.objects.filter(committee=access.committee, state="active")
    todos = []
    no_phone = active.filter(phone="").count()
    if no_phone:
        todos.append(Todo(title=f"{no_phone} 名在任委员缺少手机号", url=reverse("members:list") + "?state=active",
                          count=no_phone))
    if not active.exists():
        todos.append(Todo(title="尚未导入委员名册", url=reverse("members:import"), urgent=True))
    return todos
