from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from zhengxie.core.http import paginate
from zhengxie.notifications.selectors import inbox
from zhengxie.notifications.services import notifications_mark_read


@login_required
def inbox_view(request):
    page = paginate(request, inbox(request.access), per_page=30) if request.committee else None
    return render(request, "notifications/inbox.html", {"page": page, "query": ""})


@login_required
@require_POST
def mark_all_read(request):
    if request.committee is not None:
        n = notifications_mark_read(user=request.user, committee=request.committee)
        messages.success(request, f"已将 {n} 条通知标为已读。")
    return redirect("notifications:inbox")
