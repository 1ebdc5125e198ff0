from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from zhengxie.accounts.permissions import Perm
from zhengxie.core.http import client_ip, paginate
from zhengxie.members.forms import MemberFilterForm, MemberForm
from zhengxie.members.selectors import MemberFilter, member_directory, member_get, phone_for
from zhengxie.members.services import MemberError, member_create, member_update
from zhengxie.members.workflow import MEMBER_WORKFLOW
from zhengxie.workflow.engine import TransitionError, fire


@login_required
def member_list(request):
    access = request.access
    access.require(Perm.VIEW_DIRECTORY)
    form = MemberFilterForm(request.GET or None, committee=request.committee)
    # A bad value in one filter (a stale sector id, say) drops that filter only, not the search box.
    data: dict = {}
    if form.is_bound:
        form.is_valid()  # leaves the valid fields in cleaned_data
        data = form.cleaned_data
    f = MemberFilter(
        q=data.get("q") or "",
        sector=data["sector"].pk if data.get("sector") else None,
        party=data["party"].pk if data.get("party") else None,
        special_committee=data["special_committee"].pk if data.get("special_committee") else None,
        state=data.get("state") or "",
    )
    page = paginate(request, member_directory(access, f), per_page=50)
    for m in page.object_list:
        m.visible_phone = phone_for(access, m)
        m.state_label = MEMBER_WORKFLOW.state_label(m.state)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "members/member_list.html", {
        "form": form, "page": page, "query": query.urlencode(),
        "can_manage": access.has(Perm.MANAGE_MEMBERS),
    })


@login_required
def member_detail(request, member_id: int):
    access = request.access
    member = member_get(access, member_id)
    if member is None:
        raise Http404("没有找到该委员。")
    return render(request, "members/member_detail.html", {
        "member": member,
        "visible_phone": phone_for(access, member),
        "state_label": MEMBER_WORKFLOW.state_label(member.state),
        "transitions": MEMBER_WORKFLOW.available(member, access),
        "can_manage": access.has(Perm.MANAGE_MEMBERS),
    })


@login_required
@require_POST
def member_transition(request, member_id: int, name: str):
    access = request.access
    member = member_get(access, member_id)
    if member is None:
        raise Http404("没有找到该委员。")
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        fire(MEMBER_WORKFLOW, member, name, access=access, payload={"reason": request.POST.get("reason", "")[:500]},
             expected_version=version, ip=client_ip(request))
    except TransitionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已{MEMBER_WORKFLOW.get(name).label}。")
    return redirect("members:detail", member_id=member.pk)


@login_required
def member_new(request):
    access = request.access
    access.require(Perm.MANAGE_MEMBERS)
    form = MemberForm(request.POST or None, committee=request.committee)
    if request.method == "POST" and form.is_valid():
        try:
            member = member_create(actor=request.user, committee=request.committee, data=form.cleaned_data)
        except MemberError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已添加委员{member.name}。")
            return redirect("members:detail", member_id=member.pk)
    return render(request, "members/member_form.html", {"form": form, "member": None},
                  status=400 if form.errors else 200)


@login_required
def member_edit(request, member_id: int):
    access = request.access
    access.require(Perm.MANAGE_MEMBERS)
    member = member_get(access, member_id)
    if member is None:
        raise Http404("没有找到该委员。")
    form = MemberForm(request.POST or None, instance=member, committee=request.committee)
    if request.method == "POST" and form.is_valid():
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = None
        try:
            member_update(actor=request.user, committee=request.committee, member_id=member.pk,
                          data=form.cleaned_data, expected_version=version)
        except MemberError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已保存。")
            return redirect("members:detail", member_id=member.pk)
    return render(request, "members/member_form.html", {"form": form, "member": member},
                  status=400 if form.errors else 200)
