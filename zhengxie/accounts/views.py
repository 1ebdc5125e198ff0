from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from zhengxie.accounts.forms import LoginForm, RoleGrantForm
from zhengxie.accounts.permissions import Perm
from zhengxie.accounts.middleware import SESSION_KEY
from zhengxie.accounts.selectors import grants_in, resolve_committee
from zhengxie.accounts.services import LoginError, account_create, login_check, role_grant, role_revoke
from zhengxie.audit.services import audit_record
from zhengxie.core.http import client_ip

DEMO_ACCOUNTS = [
    ("admin", "委员会管理员"),
    ("clerk", "提案委员会工作人员"),
    ("editor", "社情民意工作人员"),
    ("unit", "区教育局经办人"),
    ("leader", "副主席"),
    ("member", "委员"),
    ("member2", "委员"),
]


def login_view(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = login_check(identifier=form.cleaned_data["identifier"], password=form.cleaned_data["password"],
                               request=request, ip=client_ip(request))
        except LoginError as exc:
            form.add_error(None, exc.message)
            status = 429 if exc.locked else 200
        else:
            login(request, user)
            target = request.POST.get("next") or request.GET.get("next") or ""
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
                target = settings.LOGIN_REDIRECT_URL
            return redirect(target)
    return render(request, "accounts/login.html", {
        "form": form, "next": request.GET.get("next", ""),
        "demo_accounts": DEMO_ACCOUNTS if settings.DEMO_MODE else [],
    }, status=status)


@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        audit_record(actor=request.user, committee=None, verb="account.logout", obj=request.user,
                     ip=client_ip(request))
    logout(request)
    messages.success(request, "您已安全退出。")
    return redirect("accounts:login")


@login_required
@require_POST
def switch_committee(request):
    chosen = resolve_committee(request.user, request.POST.get("committee"))
    if chosen is None or str(chosen.pk) != str(request.POST.get("committee")):
        messages.error(request, "您在所选政协没有任何角色。")
    else:
        request.session[SESSION_KEY] = chosen.pk
        messages.success(request, f"已切换到{chosen.short_name}。")
    return redirect("home")


@login_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        audit_record(actor=user, committee=None, verb="account.password_changed", obj=user, ip=client_ip(request))
        messages.success(request, "密码已修改。")
        return redirect("home")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
def role_list(request):
    """Committee admins: who holds which role here, grant and revoke."""
    request.access.require(Perm.MANAGE_ACCOUNTS)
    committee = request.committee
    form = RoleGrantForm(request.POST or None, committee=committee)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = data["existing"]
        if user is None:
            ident = data["username"].strip()
            is_phone = ident.isdigit() and len(ident) == 11
            user = account_create(actor=request.user, username=ident, display_name=data["display_name"],
                                  password=data["password"], phone=ident if is_phone else None, committee=committee)
        role_grant(actor=request.user, user=user, committee=committee, role=data["role"], unit=data.get("unit"),
                   title=data.get("title") or "")
        messages.success(request, f"已授予{user}“{dict(form.fields['role'].choices)[data['role']]}”角色。")
        return redirect("accounts:roles")
    grants = grants_in(committee).order_by("role", "unit__order", "user__display_name")
    return render(request, "accounts/role_list.html", {"form": form, "grants": grants},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def role_revoke_view(request, grant_id: int):
    request.access.require(Perm.MANAGE_ACCOUNTS)
    try:
        role_revoke(actor=request.user, committee=request.committee, grant_id=grant_id)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已撤销角色。")
    return redirect("accounts:roles")
