"""Issues (《社情民意专递》/专报): the list with a form to start one, and one issue's page — recipients
(主送/抄送), signed items added in order, and 印发 (numbered on publication)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods, require_POST

from zhengxie.accounts.permissions import Access
from zhengxie.core.http import paginate
from zhengxie.opinions import selectors, services
from zhengxie.opinions.forms import IssueForm, RecipientsForm
from zhengxie.opinions.models import Issue
from zhengxie.opinions.permissions import O_EDIT, O_VIEW
from zhengxie.opinions.views.common import int_or_none, refusal, serial_label, viewer
from zhengxie.opinions.workflow import ISSUE_PUBLISHED, ISSUE_WORKFLOW
from zhengxie.workflow.engine import TransitionError

PER_PAGE = 50


@login_required
@require_http_methods(["GET", "POST"])
def issues(request: HttpRequest) -> HttpResponse:
    access = viewer(request, O_VIEW, O_EDIT)
    editor = access.has(O_EDIT)
    form = IssueForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if not editor:
            access.require(O_EDIT)
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            try:
                issue = services.issue_create(access=access, series=d["series"], recipients_main=d["recipients_main"],
                                              recipients_copy=d["recipients_copy"])
            except services.OpinionError as exc:
                message, status = refusal(exc)
                form.add_error(None, message)
            else:
                messages.success(request, f"已新建{issue.label}，请编入已签发的信息。")
                return redirect("opinions:issue", pk=issue.pk)
    page = paginate(request, selectors.issues(access).prefetch_related("items"), per_page=PER_PAGE)
    for issue in page.object_list:
        issue.state_label = ISSUE_WORKFLOW.state_label(issue.state)  # type: ignore[attr-defined]
        issue.count = len(issue.items.all())  # type: ignore[attr-defined]
    return render(request, "opinions/issues.html", {
        "page": page, "form": form, "editor": editor,
        "waiting": selectors.issue_candidates(access).count() if editor else 0,
    }, status=status)


def _issue(access: Access, pk: int) -> Issue:
    issue = selectors.issue_get(access, pk)
    if issue is None:
        raise Http404("找不到该期刊。")
    return issue


def _exports(issue: Issue) -> list[tuple[str, str]]:
    """The issue's .docx and PDF (views/reports.py); a draft's are marked 草稿, for checking the layout."""
    links = []
    draft = "（草稿）" if issue.state != ISSUE_PUBLISHED else ""
    for name, label in (("issue_docx", f"下载 Word{draft}"), ("issue_pdf", f"下载 PDF{draft}")):
        try:
            links.append((reverse(f"opinions:{name}", args=[issue.pk]), label))
        except NoReverseMatch:
            pass
    return links


def _render(request: HttpRequest, access: Access, issue: Issue, *, error: str = "", status: int = 200,
            form: RecipientsForm | None = None) -> HttpResponse:
    items = [i.opinion for i in issue.items.all()]
    for o in items:
        o.serial_label = serial_label(o)  # type: ignore[attr-defined]
    editor = access.has(O_EDIT)
    draft = issue.state != ISSUE_PUBLISHED
    candidates = list(selectors.issue_candidates(access)) if editor and draft else []
    for o in candidates:
        o.serial_label = serial_label(o)  # type: ignore[attr-defined]
    form = form or RecipientsForm(initial={"recipients_main": "、".join(issue.recipients_main),
                                          "recipients_copy": "、".join(issue.recipients_copy)})
    return render(request, "opinions/issue.html", {
        "issue": issue, "items": items, "candidates": candidates, "editor": editor, "draft": draft,
        "state_label": ISSUE_WORKFLOW.state_label(issue.state), "form": form, "error": error,
        "exports": _exports(issue),
    }, status=status)


@login_required
def issue(request: HttpRequest, pk: int) -> HttpResponse:
    access = viewer(request, O_VIEW, O_EDIT)
    return _render(request, access, _issue(access, pk))


@login_required
@require_POST
def issue_compose(request: HttpRequest, pk: int) -> HttpResponse:
    """Save the issue's items in the order given (kept ones by their position numbers, then the added
    ones) and its recipients."""
    access = viewer(request, O_EDIT, message="只有社情民意编辑可以编排期刊。")
    issue = _issue(access, pk)
    form = RecipientsForm(request.POST)
    if not form.is_valid():
        return _render(request, access, issue, error="请修正下列标红的内容。", status=400, form=form)
    kept = []
    for pos, i in enumerate(issue.items.all()):
        if request.POST.get(f"remove-{i.opinion_id}"):
            continue
        order = int_or_none(request.POST.get(f"pos-{i.opinion_id}"))
        kept.append((order if order is not None else pos + 1, pos, i.opinion_id))
    ids = [pk_ for _, _, pk_ in sorted(kept)]
    added = [i for i in (int_or_none(v) for v in request.POST.getlist("add")) if i is not None]
    if len(added) != len(request.POST.getlist("add")):
        return _render(request, access, issue, error="所选信息有误，请刷新页面后重新勾选。", status=400, form=form)
    try:
        services.issue_update(access=access, issue_id=pk, opinion_ids=ids + [i for i in added if i not in ids],
                              recipients_main=form.cleaned_data["recipients_main"],
                              recipients_copy=form.cleaned_data["recipients_copy"],
                              version=int_or_none(request.POST.get("version")))
    except services.OpinionError as exc:
        message, status = refusal(exc)
        return _render(request, access, _issue(access, pk), error=message, status=status, form=form)
    messages.success(request, "已保存期刊的编排。")
    return redirect("opinions:issue", pk=pk)


@login_required
@require_POST
def issue_publish(request: HttpRequest, pk: int) -> HttpResponse:
    access = viewer(request, O_EDIT, message="只有社情民意编辑可以印发期刊。")
    _issue(access, pk)
    try:
        issue = services.issue_publish(access=access, issue_id=pk, version=int_or_none(request.POST.get("version")))
    except (TransitionError, services.OpinionError) as exc:
        message, status = refusal(exc)
        return _render(request, access, _issue(access, pk), error=message, status=status)
    messages.success(request, f"已印发{issue.label}，其中的信息均已刊发。")
    return redirect("opinions:issue", pk=pk)
