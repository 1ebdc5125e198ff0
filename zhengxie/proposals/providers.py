"""To-dos proposals give a member on the home page: invitations to answer, returned proposals to revise,
replies to rate. Each links to the group on 我的提案 where it is done."""

from __future__ import annotations

from django.urls import reverse

from zhengxie.accounts.permissions import Access
from zhengxie.notifications.todos import Todo, register_todo_provider
from zhengxie.proposals.member_selectors import todo_counts
from zhengxie.proposals.permissions import P_SUBMIT


@register_todo_provider
def member_proposal_todos(access: Access) -> list[Todo]:
    if not access.has(P_SUBMIT):
        return []
    counts = todo_counts(access)
    mine = reverse("proposals:mine")
    todos = []
    if counts.invitations:
        todos.append(Todo(title=f"{counts.invitations} 件提案邀请您联名，请确认", url=f"{mine}#invitations",
                          count=counts.invitations, urgent=True))
    if counts.returned:
        todos.append(Todo(title=f"{counts.returned} 件提案被退回修改", url=f"{mine}#group-returned",
                          count=counts.returned, urgent=True))
    if counts.to_rate:
        todos.append(Todo(title=f"{counts.to_rate} 件提案已答复，请评价", url=f"{mine}#group-to_rate",
                          count=counts.to_rate))
    return todos
