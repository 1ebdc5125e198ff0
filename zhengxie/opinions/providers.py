"""To-dos 社情民意 gives on the home page: items waiting on the editors' desk, edited items waiting for the
signing officer, signed items waiting for an issue. Counted live (one query) each time."""

from __future__ import annotations

from django.urls import reverse

from zhengxie.accounts.permissions import Access
from zhengxie.notifications.todos import Todo, register_todo_provider
from zhengxie.opinions import selectors
from zhengxie.opinions.guards import is_signing_officer
from zhengxie.opinions.permissions import O_EDIT, O_SIGN
from zhengxie.opinions.workflow import ADOPTED, EDITED, SIGNED, SUBMITTED


@register_todo_provider
def opinion_todos(access: Access) -> list[Todo]:
    editor, signer = access.has(O_EDIT), access.has(O_SIGN)
    if access.committee is None or not (editor or signer):
        return []
    counts = selectors.desk_counts(access) if editor else {}
    items: list[Todo] = []
    desk = reverse("opinions:desk")
    if counts.get(SUBMITTED):
        items.append(Todo(title=f"待处理社情民意 {counts[SUBMITTED]} 条", url=f"{desk}?tab={SUBMITTED}",
                          count=counts[SUBMITTED]))
    if counts.get(ADOPTED):
        items.append(Todo(title=f"已采用待编辑社情民意 {counts[ADOPTED]} 条", url=f"{desk}?tab={ADOPTED}",
                          count=counts[ADOPTED]))
    if counts.get(SIGNED):
        items.append(Todo(title=f"已签发待编入期刊社情民意 {counts[SIGNED]} 条", url=reverse("opinions:issues"),
                          count=counts[SIGNED]))
    if signer and is_signing_officer(access, access.committee.pk):
        waiting = counts.get(EDITED, 0) if editor else selectors.signing_queue(access).count()
        if waiting:
            items.append(Todo(title=f"待签发社情民意 {waiting} 条", url=reverse("opinions:sign"), count=waiting,
                              urgent=True))
    return items
