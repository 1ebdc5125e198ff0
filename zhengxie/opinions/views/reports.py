"""社情民意统计 pages and the files: the statistics (.xlsx) and an issue as Word and PDF.

Every number on the statistics page links to `stats_list` with the same filters and the figure's name;
both pages call the same functions in `opinions.stats`, so the number and the list always agree. The
statistics are for the committee's editors and leaders (they list items not yet published, and public
submitters' items); an issue's files for whoever may open the issue (`selectors.issue_get`: the editors
also get drafts, marked 草稿; everyone else published issues only), and 404 for any other committee's.
"""

from __future__ import annotations

import functools

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from zhengxie.accounts.models import Role
from zhengxie.accounts.permissions import Access
from zhengxie.core.figures import cell_text
from zhengxie.core.http import DOCX_TYPE, PDF_TYPE, XLSX_TYPE, download, paginate
from zhengxie.core.pdf import PdfUnavailable
from zhengxie.opinions import exports, selectors
from zhengxie.opinions import stats as ostats
from zhengxie.opinions.models import Issue
from zhengxie.opinions.permissions import O_EDIT
from zhengxie.opinions.workflow import OPINION_WORKFLOW


def _stats_access(request: HttpRequest) -> Access:
    access: Access = request.access  # type: ignore[attr-defined]
    if access.committee is None or not (access.has(O_EDIT) or Role.LEADER in access.roles):
        raise PermissionDenied("只有本会社情民意工作人员和领导可以查看社情民意统计。")
    return access


@dataclass
class Cell:
    text: str
    url: str  # "" when there is nothing to list (a rate with no denominator)


# The author table on the page: the most active authors (a province has a thousand); the .xlsx has all.
AUTHORS_SHOWN = 50


@functools.lru_cache(maxsize=1)
def _list_path() -> str:
    return reverse("opinions:stats_list")


def _list_prefix(scope: ostats.Scope, extra: dict[str, str] | None = None) -> str:
    """The drill-down URL up to the figure key (keys are plain ASCII): built once per table row."""
    return _list_path() + "?" + urlencode({**scope.period_params(), **(extra or {})}) + "&figure="


def _cell(scope: ostats.Scope, col: ostats.Column, numbers: ostats.Numbers,
          extra: dict[str, str] | None = None, prefix: str | None = None) -> Cell:
    value = col.value(numbers)
    if value is None:
        return Cell(cell_text(col.kind, value), "")
    return Cell(cell_text(col.kind, value), (prefix or _list_prefix(scope, extra)) + col.figure)


def _cells_html(cells: list[Cell]) -> str:
    """A table row's number cells as HTML: a province's tables have a thousand and more cells, which the
    template language renders ten times slower than this."""
    return mark_safe("".join(
        f'<td class="num"><a href="{escape(c.url)}">{escape(c.text)}</a></td>' if c.url
        else f'<td class="num">{escape(c.text)}</td>' for c in cells))


def _row(scope: ostats.Scope, columns: list[ostats.Column], numbers: ostats.Numbers,
         extra: dict[str, str] | None = None) -> str:
    prefix = _list_prefix(scope, extra)
    return _cells_html([_cell(scope, c, numbers, prefix=prefix) for c in columns])


def _period(request: HttpRequest, access: Access) -> tuple[ostats.Scope, list[str]]:
    """The period asked for; opening the page without one gives this year (the year a committee reports
    on: a province's all-time figures are ten times the rows). 全部 (an empty year) gives all years."""
    assert access.committee is not None
    asked = {k: request.GET.get(k, "") for k in ostats.PERIOD_KEYS}
    if not any(k in request.GET for k in ostats.PERIOD_KEYS):
        asked["year"] = str(timezone.localdate().year)
    return ostats.scope_from_query(access.committee, asked)


@login_required
@require_GET
def stats(request: HttpRequest) -> HttpResponse:
    access = _stats_access(request)
    scope, errors = _period(request, access)
    report = ostats.stats_report(scope)
    cards = [{"label": c.label, "unit": c.unit, "cell": _cell(scope, c, report.total)} for c in report.cards]
    tables = [{
        "id": t.id, "title": t.title, "first": t.first, "columns": t.columns,
        "rows": [{"label": r.label, "cells": _row(scope, t.columns, r.numbers, {t.param: r.key})}
                 for r in (t.rows[:AUTHORS_SHOWN] if t.id == "author" else t.rows)],
        "hidden": len(t.rows) - AUTHORS_SHOWN if t.id == "author" and len(t.rows) > AUTHORS_SHOWN else 0,
        "total": _row(scope, t.columns, report.total),
    } for t in report.tables]
    this_year = timezone.localdate().year
    return render(request, "opinions/stats.html", {
        "cards": cards, "tables": tables, "errors": errors, "scope": scope,
        "years": list(range(this_year, this_year - 6, -1)), "scope_words": ostats.describe(scope),
        "query": urlencode(scope.period_params()), "definitions": ostats.definitions(),
    })


@login_required
@require_GET
def stats_xlsx(request: HttpRequest) -> HttpResponse:
    access = _stats_access(request)
    scope, _ = _period(request, access)
    content = exports.stats_xlsx(ostats.stats_report(scope), ostats.describe(scope))
    stamp = timezone.localdate().strftime("%Y%m%d")
    assert access.committee is not None
    return download(content, XLSX_TYPE, f"opinion-stats-{access.committee.code}-{stamp}.xlsx",
                    f"社情民意统计-{access.committee.short_name}-{stamp}.xlsx")


@login_required
@require_GET
def stats_list(request: HttpRequest) -> HttpResponse:
    access = _stats_access(request)
    assert access.committee is not None
    scope, errors = ostats.scope_from_query(access.committee, request.GET)
    key = request.GET.get("figure", "")
    figure = ostats.FIGURES.get(key)
    back = reverse("opinions:stats") + ("?" + urlencode(scope.period_params()) if scope.period_params() else "")
    if figure is None:
        return render(request, "opinions/stats_list.html", {
            "figure": None, "errors": ["没有这项统计，请从社情民意统计页点击数字进入。", *errors], "back": back,
        }, status=400)
    page = paginate(request, ostats.figure_rows(scope, key), per_page=50)
    for row in page.object_list:
        if figure.family == ostats.ITEM:
            row.state_label = OPINION_WORKFLOW.state_label(row.state)  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "opinions/stats_list.html", {
        "figure": figure, "family": figure.family, "page": page, "query": query.urlencode(), "errors": errors,
        "scope_words": ostats.describe(scope), "back": back,
    })


def _issue(request: HttpRequest, pk: int) -> tuple[Issue, list]:  # type: ignore[type-arg]
    access: Access = request.access  # type: ignore[attr-defined]
    issue = selectors.issue_get(access, pk) if access.committee is not None else None
    if issue is None:
        raise Http404("找不到该期刊。")
    return issue, [i.opinion for i in issue.items.all()]


def _issue_name(issue: Issue, ext: str) -> tuple[str, str]:
    if issue.number and issue.state == "published":
        return f"opinions-{issue.series}-{issue.year}-{issue.number}.{ext}", f"{issue.label}.{ext}"
    return f"opinions-{issue.series}-draft-{issue.pk}.{ext}", f"{issue.label}（草稿）.{ext}"


@login_required
@require_GET
def issue_docx(request: HttpRequest, pk: int) -> HttpResponse:
    issue, items = _issue(request, pk)
    return download(exports.issue_docx(issue, items), DOCX_TYPE, *_issue_name(issue, "docx"))


@login_required
@require_GET
def issue_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    issue, items = _issue(request, pk)
    try:
        content = exports.issue_pdf(issue, items)
    except PdfUnavailable as exc:
        return render(request, "opinions/export_unavailable.html", {"message": str(exc), "issue": issue},
                      status=503)
    return download(content, PDF_TYPE, *_issue_name(issue, "pdf"))
