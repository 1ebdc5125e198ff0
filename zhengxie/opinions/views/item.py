"""One item's page, for everyone who may open it: the original beside the edited version with a visible
diff, its chain up and down the levels with what happened at each, and the actions open to the viewer —
the desk's decisions, the editors' version, signing, forwarding to the parent committee and recording
what came of it (转送、反馈、批示、媒体).

Every action posts to its own small view, which calls one service; a refusal re-renders this page with
the service's Chinese message and a 4xx status, showing the item as it now is.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from zhengxie.accounts.permissions import Access
from zhengxie.opinions import selectors, services
from zhengxie.opinions.forms import EditForm
from zhengxie.opinions.models import Opinion, SourceKind, Track
from zhengxie.opinions.permissions import O_EDIT
from zhengxie.opinions.views.common import (
    int_or_none, item_or_404, local, mark_source_proposals, refusal, serial_label, text_diff, viewer,
)
from zhengxie.opinions.workflow import ACTIONS, ADOPTED, EDITED, OPINION_WORKFLOW, STATES, TAKEN_UP
from zhengxie.org.models import Committee, Unit
from zhengxie.workflow.engine import TransitionError

# Transitions a button on this page may fire, with the payload fields each may carry.
PAGE_TRANSITIONS = {
    "submit": (), "screen_out": ("reason",), "reconsider": (), "adopt": ("adoption",), "sign": (),
    "send_back": ("reason",),
}


def _context(access: Access, o: Opinion) -> dict[str, Any]:
    chain = selectors.lineage(access, o.pk)
    assert chain is not None  # `o` was visible a moment ago
    editor = access.has(O_EDIT)
    nodes = chain.nodes
    for node in nodes:
        n = node.opinion
        node.state_label = STATES[n.state]  # type: ignore[attr-defined]
        node.level_label = Committee.Level(n.committee.level).label  # type: ignore[attr-defined]
        item = getattr(n, "issue_item", None)
        node.issue_label = item.issue.label if item is not None and item.issue.number else ""  # type: ignore[attr-defined]
        # Another committee's row is its business: shown, never linked (the viewer cannot open it).
        node.linkable = n.committee_id == access.committee.pk  # type: ignore[attr-defined, union-attr]
    edited = bool(o.edited_title or o.edited_body)
    parent = o.committee.parent if editor else None
    forwarded = Opinion.objects.filter(origin=o).exists() if editor and parent else False
    taken_up = o.state in TAKEN_UP and not o.combined_into_id
    tracks = chain.nodes[len(chain.down)].tracks
    referred_units = list(dict.fromkeys(t.unit_name for t in tracks if t.kind == Track.Kind.REFERRAL))
    return {
        "o": o, "serial": serial_label(o), "state_label": STATES[o.state], "chain": nodes,
        "has_chain": len(nodes) > 1, "edited": edited,
        "title_diff": text_diff(o.title, o.shown_title) if edited else [],
        "body_diff": text_diff(o.body, o.shown_body) if edited else [],
        "warnings": services.warnings_for(o.shown_title, o.shown_body),
        "transitions": [t for t in OPINION_WORKFLOW.available(o, access) if t.name in PAGE_TRANSITIONS],
        "is_editor": editor, "personal": selectors.may_see_personal_data(access),
        "may_edit": editor and o.state in (ADOPTED, EDITED) and not o.combined_into_id,
        "is_draft_author": o.state == "draft" and (o.author_id == access.user.pk
                                                     or (o.author_id is None and o.created_by_id == access.user.pk)),
        "parent": parent if taken_up and not forwarded else None, "forwarded": forwarded,
        "may_track": editor and taken_up, "actions": ACTIONS,
        "levels": [(lv, Committee.Level(lv).label) for lv in Committee.Level.values
                   if lv in services.reached_levels(o)] if editor and taken_up else [],
        "units": list(Unit.objects.filter(committee=access.committee, is_active=True).order_by("order", "id"))
        if editor and taken_up else [],
        "referred_units": referred_units, "coauthors": [c.name for c in o.coauthors.all()],
        "source_public": o.source_kind == SourceKind.PUBLIC, "files": selectors.attachments_of(o),
        "source_proposal_open": mark_source_proposals(access, [o])[0].source_proposal_open,  # type: ignore[attr-defined]
    }


def _page(request: HttpRequest, access: Access, o: Opinion, *, error: str = "", status: int = 200) -> HttpResponse:
    context = _context(access, o)
    context["error"] = error
    return render(request, "opinions/detail.html", context, status=status)


def _refused(request: HttpRequest, access: Access, pk: int, exc: Exception) -> HttpResponse:
    """The page again, as the item now is, with why the action was refused."""
    message, status = refusal(exc)
    return _page(request, access, item_or_404(access, pk), error=message, status=status)


def _done(request: HttpRequest, pk: int, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect(local(request.POST.get("next")) or f"/opinions/{pk}/")


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = viewer(request)
    return _page(request, access, item_or_404(access, pk))


@login_required
@require_POST
def transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Fire one workflow transition from a button (the desk's, this page's, the signing list's)."""
    access = viewer(request)
    o = item_or_404(access, pk)
    if name not in PAGE_TRANSITIONS:
        return _page(request, access, o, error="未知的操作。", status=400)
    payload = {k: request.POST[k] for k in PAGE_TRANSITIONS[name] if request.POST.get(k, "").strip()}
    try:
        o = services.opinion_transition(access=access, opinion_id=pk, name=name, payload=payload,
                                        version=int_or_none(request.POST.get("version")))
    except (TransitionError, services.OpinionError) as exc:
        return _refused(request, access, pk, exc)
    label = OPINION_WORKFLOW.get(name).label  # type: ignore[union-attr]
    if name == "adopt" and o.adoption:
        label = o.get_adoption_display()
    return _done(request, pk, f"已{label}：《{o.shown_title}》")


@login_required
@require_http_methods(["GET", "POST"])
def revise(request: HttpRequest, pk: int) -> HttpResponse:
    """The editors' version of an adopted item, written beside the original."""
    access = viewer(request, O_EDIT, message="只有社情民意编辑可以编辑信息。")
    o = item_or_404(access, pk)
    form = EditForm(request.POST or None, initial={"title": o.shown_title, "body": o.shown_body,
                                                   "version": o.version})
    status = 200
    error = ""
    if o.state not in (ADOPTED, EDITED) or o.combined_into_id:
        error = ("这条信息已综合到综合稿中，请修改综合稿。" if o.combined_into_id else
                 f"这条信息当前状态为“{STATES[o.state]}”，不能编辑" + (
                     "：签发后的文本就是刊发的文本。" if o.state in ("signed", "published") else "（先采用再编辑）。"))
        status = 409
    elif request.method == "POST":
        if form.is_valid():
            try:
                o = services.opinion_edit(access=access, opinion_id=pk, title=form.cleaned_data["title"],
                                          body=form.cleaned_data["body"], version=form.cleaned_data.get("version"))
            except (TransitionError, services.OpinionError) as exc:
                message, status = refusal(exc)
                form.add_error(None, message)
            else:
                return _done(request, pk, f"已保存编辑稿：《{o.shown_title}》，待签发。")
        else:
            status = 400
    body = form["body"].value() or ""
    return render(request, "opinions/revise.html", {
        "o": o, "form": form, "error": error, "serial": serial_label(o), "state_label": STATES[o.state],
        "warnings": services.warnings_for("", str(body)),
    }, status=status)


@login_required
@require_POST
def forward(request: HttpRequest, pk: int) -> HttpResponse:
    """报送 the item to the parent committee."""
    access = viewer(request, O_EDIT, message="只有社情民意编辑可以报送上级。")
    try:
        copy = services.opinion_forward(access=access, opinion_id=pk,
                                        committee_id=int_or_none(request.POST.get("committee_id")) or 0,
                                        version=int_or_none(request.POST.get("version")))
    except services.OpinionError as exc:
        return _refused(request, access, pk, exc)
    return _done(request, pk, f"已报送{copy.committee.short_name}：《{copy.title}》，进入其待处理信息。")


TRACK_LABELS = {"referral": "转送", "feedback": "办理反馈", "instruction": "批示", "media": "媒体刊发"}


@login_required
@require_POST
def track(request: HttpRequest, pk: int) -> HttpResponse:
    """Record what came of the item: 转送有关部门, 办理反馈, 批示, 媒体刊发."""
    access = viewer(request, O_EDIT, message="只有社情民意编辑可以登记采用和反馈情况。")
    post = request.POST
    kind = post.get("kind", "")
    common = {"access": access, "opinion_id": pk, "version": int_or_none(post.get("version")),
              "date": post.get("date", "").strip() or None}
    unit = {"unit_id": int_or_none(post.get("unit_id")), "unit_name": post.get("unit_name", "")}
    try:
        if kind == "referral":
            services.opinion_refer(**common, **unit, text=post.get("text", ""))
        elif kind == "feedback":
            services.feedback_record(**common, **unit, text=post.get("text", ""))
        elif kind == "instruction":
            services.instruction_record(**common, level=post.get("level", ""), person=post.get("person", ""),
                                        person_title=post.get("person_title", ""), text=post.get("text", ""))
        elif kind == "media":
            services.media_record(**common, outlet=post.get("outlet", ""), text=post.get("text", ""),
                                  url=post.get("url", ""))
        else:
            raise services.OpinionError("请选择要登记的内容（转送、反馈、批示或媒体刊发）。")
    except services.OpinionError as exc:
        return _refused(request, access, pk, exc)
    return _done(request, pk, f"已登记{TRACK_LABELS[kind]}。")
