"""签发人: the committee's administrator names which 社情民意 staff may sign (签发) items besides its leaders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from zhengxie.accounts.models import Role, User
from zhengxie.opinions import services
from zhengxie.opinions.models import SigningOfficer
from zhengxie.opinions.permissions import O_GRANT
from zhengxie.opinions.views.common import int_or_none, refusal, viewer


@login_required
@require_http_methods(["GET", "POST"])
def signers(request: HttpRequest) -> HttpResponse:
    access = viewer(request, O_GRANT, message="只有本会管理员可以指定签发人。")
    error, status = "", 200
    if request.method == "POST":
        user_id = int_or_none(request.POST.get("user_id"))
        action = request.POST.get("action")
        try:
            if user_id is None or action not in ("grant", "revoke"):
                raise services.OpinionError("请选择工作人员。")
            if action == "grant":
                officer = services.signing_officer_grant(access=access, user_id=user_id)
                messages.success(request, f"已指定{officer.user.display_name or officer.user.username}为签发人。")
            else:
                services.signing_officer_revoke(access=access, user_id=user_id)
                messages.success(request, "已取消签发人。")
        except services.OpinionError as exc:
            error, status = refusal(exc)
        else:
            return redirect("opinions:signers")
    current = list(SigningOfficer.objects.filter(committee=access.committee).select_related("user", "granted_by")
                   .order_by("created_at", "id"))
    staff = list(User.objects.filter(grants__committee=access.committee, grants__role=Role.OPINION_STAFF, is_active=True)
                 .exclude(pk__in=[o.user_id for o in current]).distinct().order_by("display_name", "id"))
    return render(request, "opinions/signers.html", {
        "current": current, "staff": staff, "error": error,
    }, status=status)
