"""Public pages of proposals (no login): a committee's published proposals, search among them, one
proposal with its reply. And the proposal office's page deciding what is published (公开设置) and
which proposals are 优秀提案.

The public pages read only through `proposals.publication` selectors (published items, public fields)
and search with an anonymous `Access`, which the text index answers with public documents only.
They look the same whoever is logged in: what staff see here is what the public sees.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengxie.accounts.permissions import Access
from zhengxie.core.http import paginate
from zhengxie.proposals import publication
from zhengxie.proposals.indexing import KIND
from zhengxie.proposals.models import Category, Proposal
from zhengxie.proposals.permissions import P_REVIEW
from zhengxie.proposals.publication import PublicationError
from zhengxie.proposals.selectors import proposal_get
from zhengxie.proposals.workflow import PROPOSAL_WORKFLOW
from zhengxie.textindex.forms import MAX_QUERY_INPUT, PlainTextField
from zhengxie.textindex.selectors import SearchFilters, search

PER_PAGE = 20


class PublicSearchForm(forms.Form):
    q = PlainTextField(label="搜索公开提案", required=False, cut=MAX_QUERY_INPUT, strip=True,
                       widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off",
                                                     "placeholder": "标题或正文中的字词，如：充电设施",
                                                     "enterkeyhint": "search"}))
    category = forms.ChoiceField(label="类别", required=False, choices=[("", "全部类别"), *Category.choices])


class PublicationForm(forms.Form):
    is_public = forms.TypedChoiceField(
        label="是否公开", choices=[("1", "可公开"), ("0", "不公开")], coerce=lambda v: v == "1",
        widget=forms.RadioSelect, error_messages={"required": "请选择“可公开”或“不公开”。",
                                                  "invalid_choice": "请选择“可公开”或“不公开”。"})
    note = PlainTextField(label="理由或说明", required=False, cut=None, max_length=publication.NOTE_MAX,
                          widget=forms.Textarea(attrs={"rows": 3}),
                          help_text=f"不公开时必填（如：涉及个人隐私、内容敏感）；不超过 {publication.NOTE_MAX} 字。仅工作人员可见。",
                          error_messages={"max_length": "说明不能超过 %(limit_value)d 个字。"})


# --- public pages ---------------------------------------------------------------------------------------


def _page_number(raw: str | None) -> int:
    try:
        return max(1, int(str(raw or "1").strip()[:6]))
    except ValueError:
        return 1


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """/proposals/public/?committee=<code>: the committee's published proposals, newest first, or the
    results of a search among them. Without a committee: a list of committees to choose from."""
    code = request.GET.get("committee", "")
    if not code.strip():
        return render(request, "proposals/public_committees.html", {"committees": publication.public_committees()})
    committee = publication.public_committee(code)
    if committee is None:
        return render(request, "proposals/public_committees.html", {
            "committees": publication.public_committees(), "unknown": code[:40]}, status=404)

    form = PublicSearchForm(request.GET)
    form.is_valid()  # a bad value in one field (a stale category) drops that field only
    data = form.cleaned_data
    q, category = data.get("q") or "", data.get("category") or ""
    # 优秀提案 is a view of the list (a tab), not a search filter: the index does not hold the mark.
    excellent = not q and request.GET.get("excellent") == "1"
    query = QueryDict(mutable=True)
    query.update({k: v for k, v in (("committee", committee.code), ("q", q), ("category", category),
                                    ("excellent", "1" if excellent else "")) if v})
    context = {"committee": committee, "form": form, "q": q, "query": query.urlencode(), "excellent": excellent,
               "category": category, "ignored": [str(form.fields[name].label) for name in form.errors]}

    if q:
        result = search(publication.anonymous_access(committee), q, page=_page_number(request.GET.get("page")),
                        page_size=PER_PAGE, filters=SearchFilters(
                            kind=KIND, category=Category(category).label if category else ""))
        ids = [hit.doc.object_id for hit in result.hits]
        found = {p.pk: p for p in publication.with_public_rows(publication.published(committee).filter(pk__in=ids))}
        rows = publication.public_rows([found[i] for i in ids if i in found], committee)
        hits = {hit.doc.object_id: hit for hit in result.hits}
        for row in rows:
            row.hit = hits[row.proposal.pk]  # type: ignore[attr-defined]
        context.update(result=result, rows=rows, first_number=(result.page - 1) * result.page_size + 1)
        return render(request, "proposals/public_index.html", context)

    qs = publication.published(committee)
    if category:
        qs = qs.filter(category=category)
    if excellent:
        qs = qs.filter(is_excellent=True)
    page = paginate(request, publication.with_public_rows(qs), per_page=PER_PAGE)
    context.update(page=page, rows=publication.public_rows(page.object_list, committee),
                   first_number=page.start_index() or 1)
    return render(request, "proposals/public_index.html", context)


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One published proposal and, once replied, the reply letters. Anything else is 404."""
    p = publication.published_get(pk)
    if p is None:
        raise Http404("找不到该公开提案。")
    row = publication.public_rows([p], p.committee)[0]
    return render(request, "proposals/public_detail.html", {
        "p": p, "row": row, "committee": p.committee, "replies": publication.public_replies(p),
    })


# --- the proposal office --------------------------------------------------------------------------------


def _staff_proposal(request: HttpRequest, pk: int) -> tuple[Access, Proposal]:
    access: Access = request.access  # type: ignore[attr-defined]
    if access.committee is None or not access.has(P_REVIEW):
        raise PermissionDenied("只有提案委员会工作人员可以决定提案公开和评选优秀提案。")
    p = proposal_get(access, pk)
    if p is None:
        raise Http404("找不到该提案。")
    return access, p


def _raise_http(exc: PublicationError) -> None:
    if exc.status == 403:
        raise PermissionDenied(exc.message) from exc
    if exc.status == 404:
        raise Http404(exc.message) from exc


@login_required
@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """公开设置: the current decision and the form to change it; the 优秀提案 choice beside it."""
    access, p = _staff_proposal(request, pk)
    initial = {"is_public": "1" if p.is_public else "0", "note": p.public_note}
    form = PublicationForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            publication.publication_decide(access=access, proposal_id=p.pk, is_public=form.cleaned_data["is_public"],
                                           note=form.cleaned_data["note"])
        except PublicationError as exc:
            _raise_http(exc)
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已设为{'可公开' if form.cleaned_data['is_public'] else '不公开'}：{p.title}")
            return redirect("proposals:publication", pk=p.pk)
    return render(request, "proposals/public_publication.html", {
        "p": p, "form": form, "state_label": PROPOSAL_WORKFLOW.state_label(p.state),
        "shown": p.is_public and p.state in publication.PUBLISHABLE,
        "can_be_excellent": p.state in publication.PUBLISHABLE,
    }, status=400 if form.is_bound else 200)


@login_required
@require_POST
def excellent(request: HttpRequest, pk: int) -> HttpResponse:
    """Select or deselect a 优秀提案 (from the 公开设置 page)."""
    access, p = _staff_proposal(request, pk)
    value = request.POST.get("is_excellent", "")
    if value not in ("0", "1"):
        messages.error(request, "请选择“评为优秀提案”或“取消优秀提案”。")
        return redirect("proposals:publication", pk=p.pk)
    try:
        publication.excellent_mark(access=access, proposal_id=p.pk, is_excellent=value == "1")
    except PublicationError as exc:
        _raise_http(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{'已评为优秀提案' if value == '1' else '已取消优秀提案'}：{p.title}")
    return redirect(reverse("proposals:publication", args=[p.pk]) + "#excellent")
