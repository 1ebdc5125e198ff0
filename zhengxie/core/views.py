from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from zhengxie.accounts.models import Role
from zhengxie.audit.selectors import recent_activity
from zhengxie.members.selectors import own_member_profile
from zhengxie.notifications.todos import todos_for
from zhengxie.org.models import Unit


@login_required
def home(request):
    """Each person's own start page: their roles here, their to-do list and recent activity."""
    access = request.access
    unit_names = "、".join(Unit.objects.filter(id__in=access.unit_ids).values_list("name", flat=True))
    role_labels = [
        f"{Role(r).label}（{unit_names}）" if r == Role.UNIT_HANDLER and unit_names else Role(r).label
        for r in sorted(access.roles)
    ]
    if request.user.is_superuser:
        role_labels.append("平台管理员")
    return render(request, "core/home.html", {
        "role_labels": role_labels,
        "todos": todos_for(access),
        "activity": recent_activity(access, limit=10),
        "no_committee": request.committee is None,
        "my_profile": own_member_profile(access),
    })


def healthz(request):
    """Liveness and database check for load balancers and `make run`'s wait loop."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})


def csrf_failure(request, reason: str = ""):
    """Django's CSRF refusal, in Chinese: usually a page left open past the session or a stale form."""
    return render(request, "403_csrf.html", status=403)
