"""The proposal office's and leaders' to-dos: what waits for review, for assignment, is overdue, or a unit
asked to change. Counted live (one query) each time the home page asks."""

from __future__ import annotations

from django.urls import reverse

from zhengxie.accounts.permissions import Access
from zhengxie.notifications.todos import Todo, register_todo_provider
from zhengxie.proposals.permissions import P_REVIEW, P_SUPERVISE
from zhengxie.proposals.queues import office_counts


@register_todo_provider
def proposal_office(access: Access) -> list[Todo]:
    review, supervise = access.has(P_REVIEW), access.has(P_SUPERVISE)
    if access.committee is None or not (review or supervise):
        return []
    n = office_counts(access)
    desk = reverse("proposals:desk")
    items: list[Todo] = []
    if review and n.submitted:
        items.append(Todo(title=f"待审查提案 {n.submitted} 件", url=f"{desk}?tab=submitted", count=n.submitted))
    if review and n.registered:
        items.append(Todo(title=f"待交办提案 {n.registered} 件", url=f"{desk}?tab=registered", count=n.registered))
    if review and n.reassign:
        items.append(Todo(title=f"承办单位申请调整 {n.reassign} 件", url=f"{desk}?tab=reassign", count=n.reassign,
                          urgent=True))
    if n.overdue:
        url = reverse("proposals:overdue") if review else reverse("proposals:leader")
        items.append(Todo(title=f"逾期未答复提案 {n.overdue} 件", url=url, count=n.overdue, urgent=True))
    return items
