from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from zhengxie.accounts.permissions import Perm
from zhengxie.org import selectors
from zhengxie.org.lists import LISTS
from zhengxie.org.forms import SessionForm
from zhengxie.org.services import OrgError, org_item_create, org_item_update, session_create


@login_required
def overview(request):
    request.access.require(Perm.VIEW_ORG)
    c = request.committee
    lists = [(kind, label, selectors.list_items(c, kind)) for kind, (_, label) in LISTS.items() if kind != "units"]
    return render(request, "org/overview.html", {
        "terms": selectors.terms_with_sessions(c),
        "lists": lists,
        "units": selectors.units_with_handler_counts(c),
        "can_manage": request.access.has(Perm.MANAGE_ORG),
        "ancestors": c.ancestors(),
        "children": c.children.order_by("id"),
        "session_form": SessionForm(),
    })


@login_required
@require_POST
def item_create(request, kind: str):
    request.access.require(Perm.MANAGE_ORG)
    if kind not in LISTS:
        raise Http404
    try:
        item = org_item_create(actor=request.user, committee=request.committee, kind=kind,
                               name=request.POST.get("name", ""))
    except OrgError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已添加“{item.name}”。")
    return redirect("org:overview")


@login_required
@require_POST
def item_update(request, kind: str, item_id: int):
    request.access.require(Perm.MANAGE_ORG)
    if kind not in LISTS:
        raise Http404
    try:
        item = org_item_update(actor=request.user, committee=request.committee, kind=kind, item_id=item_id,
                               name=request.POST.get("name", ""), is_active=request.POST.get("is_active") == "1")
    except OrgError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已保存“{item.name}”。")
    return redirect("org:overview")


@login_required
@require_POST
def session_add(request):
    request.access.require(Perm.MANAGE_ORG)
    form = SessionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, "；".join(errors))
        return redirect("org:overview")
    data = form.cleaned_data
    try:
        session = session_create(actor=request.user, committee=request.committee, term_number=data["term_number"],
                                 term_start=None, number=data["number"], start_date=data["start_date"],
                                 end_date=data["end_date"])
    except OrgError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已添加{session.name}。")
    return redirect("org:overview")
