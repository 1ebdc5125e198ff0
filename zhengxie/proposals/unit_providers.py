"""What the handling-unit side adds to the platform at start-up (imported from ProposalsConfig.ready()):

- the unit clerk's to-dos on the home page (their only way into the inbox besides notifications);
- who may download a file attached to a reply (whoever may see the proposal);
- the Chinese labels of the unit-side audit verbs.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from zhengxie.accounts.permissions import Access
from zhengxie.attachments.selectors import register_owner
from zhengxie.audit.verbs import register_verbs
from zhengxie.notifications.todos import Todo, register_todo_provider
from zhengxie.proposals.models import Assignment, Reply
from zhengxie.proposals.permissions import P_HANDLE
from zhengxie.proposals.selectors import visible
from zhengxie.proposals.unit_services import DONE_STATES, OPEN_STATES, URGENT_DAYS
from zhengxie.proposals.workflow import ASSIGNED, HANDLING

register_verbs({
    "proposal.reassign_request": "承办单位申请调整",
    "proposal.fulfilled": "承办单位报告 B 类答复已落实",
})


@register_todo_provider
def unit_inbox_todos(access: Access) -> list[Todo]:
    """A unit clerk sees what to sign for, what is (nearly) overdue, what is in hand, and B-grade promises
    still to report, each linking to the inbox (one query for the counts, one for the open promises)."""
    if not access.has(P_HANDLE) or not access.unit_ids or access.committee is None:
        return []
    mine = Assignment.objects.filter(committee=access.committee, unit_id__in=access.unit_ids).exclude(
        status=Assignment.Status.WITHDRAWN)
    soon = timezone.localdate() + dt.timedelta(days=URGENT_DAYS)
    working = Q(proposal__state__in=OPEN_STATES, status=Assignment.Status.ACCEPTED)
    counts = mine.aggregate(
        pending=Count("pk", filter=Q(proposal__state__in=(ASSIGNED, HANDLING),
                                     status=Assignment.Status.ASSIGNED)),
        due_soon=Count("pk", filter=working & Q(proposal__due_date__lte=soon)),
        working=Count("pk", filter=working),
    )
    promises = Reply.objects.filter(committee=access.committee, assignment__unit_id__in=access.unit_ids,
                                    assignment__proposal__state__in=DONE_STATES, grade=Reply.Grade.B,
                                    is_opinion=False, fulfilled_at__isnull=True).count()
    url = reverse("proposals:inbox")
    todos = []
    if counts["pending"]:
        todos.append(Todo(title=f"{counts['pending']} 件交办提案待签收（7 个工作日内）", url=url + "#pending",
                          count=counts["pending"], urgent=True))
    if counts["due_soon"]:
        todos.append(Todo(title=f"{counts['due_soon']} 件提案即将到期或已逾期，请尽快答复", url=url + "#handling",
                          count=counts["due_soon"], urgent=True))
    rest = counts["working"] - counts["due_soon"]
    if rest > 0:
        todos.append(Todo(title=f"{rest} 件提案办理中", url=url + "#handling", count=rest))
    if promises:
        todos.append(Todo(title=f"{promises} 件 B 类答复待报告落实情况", url=url + "#answered", count=promises))
    return todos


def _reply_visible(access: Access, object_id: str) -> bool:
    try:
        pk = int(object_id)
    except ValueError:
        return False
    replies = Reply.objects.filter(pk=pk, committee=access.committee)
    proposal_id = replies.values_list("proposal_id", flat=True).first()
    return proposal_id is not None and visible(access).filter(pk=proposal_id).exists()


register_owner("proposals.reply", _reply_visible)
