"""The author's pages (委员, 特邀信息员; phone first): write an item, and 我的社情民意 — my items, the edited
text beside my original, and what came of each at every level it reached."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from zhengxie.accounts.permissions import Access
from zhengxie.core.http import client_ip
from zhengxie.opinions import selectors, services
from zhengxie.opinions.forms import OpinionForm
from zhengxie.opinions.models import Opinion, Track
from zhengxie.opinions.permissions import O_SUBMIT
from zhengxie.opinions.views.common import home_url, item_or_404, refusal, serial_label, text_diff, viewer
from zhengxie.opinions.workflow import DRAFT, OPINION_WORKFLOW, STATES
from zhengxie.org.models import Committee
from zhengxie.workflow.engine import TransitionError

NO_RIGHT = "只有委员、特邀信息员和社情民意工作人员可以报送社情民意信息。"


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """社情民意 in the main navigation: the desk for editors, my items for authors, and so on."""
    return redirect(home_url(viewer(request)))


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """我的社情民意: every item I wrote (or co-wrote) here, newest first, with its fate at every level."""
    access = viewer(request, O_SUBMIT, message=NO_RIGHT)
    credits = selectors.author_record(access)
    for credit in credits:
        _dress_credit(credit)
    return render(request, "opinions/mine.html", {
        "credits": credits, "drafts": sum(1 for c in credits if c.item.state == DRAFT),
    })


def _dress_credit(credit: selectors.Credit) -> None:
    """Labels for one row of 我的社情民意 (no queries: the selector fetched everything)."""
    o = credit.item
    o.state_label = STATES[o.state]  # type: ignore[attr-defined]
    o.serial_label = serial_label(o)  # type: ignore[attr-defined]
    o.edited = bool(o.edited_title or o.edited_body)  # type: ignore[attr-defined]
    if o.edited:
        o.title_diff = text_diff(o.title, o.shown_title)  # type: ignore[attr-defined]
        o.body_diff = text_diff(o.body, o.shown_body)  # type: ignore[attr-defined]
    levels = Committee.Level
    for node in credit.levels:
        n = node.opinion
        node.state_label = STATES[n.state]  # type: ignore[attr-defined]
        node.level_label = levels(n.committee.level).label  # type: ignore[attr-defined]
        item = getattr(n, "issue_item", None)
        node.issue_label = item.issue.label if item is not None and item.issue.number else ""  # type: ignore[attr-defined]
        node.how = "并入综合稿" if n.source_kind == "combined" else "报送上级"  # type: ignore[attr-defined]
        node.outcomes = [t for t in node.tracks if t.kind != Track.Kind.ADOPTION]  # type: ignore[attr-defined]
        node.adoption_label = n.get_adoption_display() if n.adoption else ""  # type: ignore[attr-defined]
    credit.instruction_count = len(credit.instructions)  # type: ignore[attr-defined]


def _coauthor_ids(access: Access, form: OpinionForm) -> list[int] | None:
    """The co-authors the form names, as user ids; None (with the form's error) when a name is unknown or
    shared by several people."""
    names = form.coauthor_names()
    found = selectors.people_named(access, names)
    for name in names:
        if not found.get(name):
            form.add_error("coauthors", f"本会没有名为“{name}”的委员或特邀信息员，请核对姓名。")
            return None
        if len(found[name]) > 1:
            form.add_error("coauthors", f"本会有 {len(found[name])} 位名为“{name}”的委员或特邀信息员，"
                                        "请社情民意编辑帮您添加。")
            return None
    return [found[n][0] for n in names]


def _render_form(request: HttpRequest, form: OpinionForm, o: Opinion | None, *, status: int = 200) -> HttpResponse:
    body = form["body"].value() or ""
    return render(request, "opinions/member_form.html", {
        "form": form, "o": o, "warnings": services.warnings_for("", str(body)),
        "files": selectors.attachments_of(o) if o else [], "files_max": services.FILES_MAX,
    }, status=status)


def _rebound(request: HttpRequest, o: Opinion, error: str) -> OpinionForm:
    data = request.POST.copy()
    data["version"] = str(o.version)
    form = OpinionForm(data)
    form.is_valid()
    form.add_error(None, error)
    return form


def _after_save(request: HttpRequest, access: Access, o: Opinion) -> HttpResponse:
    """Attach the chosen files, then stay on the draft or submit it, as the pressed button asks."""
    uploads = request.FILES.getlist("files")
    if uploads:
        try:
            services.opinion_files_add(access=access, opinion_id=o.pk, uploads=uploads, ip=client_ip(request))
        except services.OpinionError as exc:
            message, status = refusal(exc)
            return _render_form(request, _rebound(request, o, f"正文已保存为草稿，但{message}"), o, status=status)
    if request.POST.get("action") != "submit":
        messages.success(request, "草稿已保存，只有您自己能看到。写好后再提交。")
        return redirect("opinions:edit", pk=o.pk)
    try:
        o = services.opinion_transition(access=access, opinion_id=o.pk, name="submit", version=o.version)
    except (TransitionError, services.OpinionError) as exc:
        message, status = refusal(exc)
        return _render_form(request, _rebound(request, o, f"草稿已保存，但还不能提交：{message}"), o, status=status)
    messages.success(request, f"已提交《{o.title}》（收文编号 {serial_label(o)}），请等待社情民意编辑处理。")
    return redirect("opinions:detail", pk=o.pk)


@login_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    access = viewer(request, O_SUBMIT, message=NO_RIGHT)
    form = OpinionForm(request.POST or None, access=access)
    if request.method == "POST":
        if form.is_valid() and (coauthors := _coauthor_ids(access, form)) is not None:
            try:
                o = services.opinion_create(access=access, **form.service_data(), coauthor_ids=coauthors)
            except services.OpinionError as exc:
                message, status = refusal(exc)
                form.add_error(None, message)
                return _render_form(request, form, None, status=status)
            return _after_save(request, access, o)
        return _render_form(request, form, None, status=400)
    return _render_form(request, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Go on writing a draft (only its author)."""
    access = viewer(request, O_SUBMIT, message=NO_RIGHT)
    o = item_or_404(access, pk)
    if o.state != DRAFT:
        messages.info(request, f"这条信息当前状态为“{OPINION_WORKFLOW.state_label(o.state)}”，提交后不能再修改。")
        return redirect("opinions:detail", pk=o.pk)
    form = OpinionForm(request.POST or None, initial={
        "title": o.title, "body": o.body, "version": o.version,
        "coauthors": "、".join(c.name for c in o.coauthors.all())})
    if request.method == "POST":
        if form.is_valid() and (coauthors := _coauthor_ids(access, form)) is not None:
            try:
                o = services.opinion_update(access=access, opinion_id=o.pk, title=form.cleaned_data["title"],
                                            body=form.cleaned_data["body"], version=form.cleaned_data.get("version"),
                                            coauthor_ids=coauthors)
            except services.OpinionError as exc:
                message, status = refusal(exc)
                form.add_error(None, message)
                return _render_form(request, form, o, status=status)
            return _after_save(request, access, o)
        return _render_form(request, form, o, status=400)
    return _render_form(request, form, o)

