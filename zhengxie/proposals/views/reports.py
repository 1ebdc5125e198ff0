"""Statistics pages (提案统计) and the Word files: a unit's reply letter and the session's 提案及答复汇编.

Every number on the statistics page links to `stats_list` with the same filters and the figure's name;
both pages call the same functions in `proposals.stats`, so the number and the list always agree.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from zhengxie.accounts.permissions import Access, Perm
from zhengxie.core.figures import cell_text
from zhengxie.core.http import DOCX_TYPE, XLSX_TYPE, download, paginate
from zhengxie.org.models import Session
from zhengxie.proposals import exports
from zhengxie.proposals import stats as pstats
from zhengxie.proposals.effects import proposers
from zhengxie.proposals.models import Reply
from zhengxie.proposals.permissions import P_REVIEW
from zhengxie.proposals.workflow import PROPOSAL_WORKFLOW

PERIOD_KEYS = ("session", "from", "to")


def _stats_access(request: HttpRequest) -> Access:
    access: Access = request.access  # type: ignore[attr-defined]
    if access.committee is None or not (access.has(Perm.VIEW_STATISTICS) or access.has(P_REVIEW)):
        raise PermissionDenied("您没有查看提案统计的权限。")
    return access


@dataclass
class Cell:
    text: str
    url: str  # "" when there is nothing to list (a rate with no denominator)


def _list_url(scope: pstats.Scope, figure: str, extra: dict[str, str] | None = None) -> str:
    # Called for every cell of the page (some 850): the path is reversed once per script prefix.
    return _list_path(get_script_prefix()) + "?" + urlencode({**scope.period_params(), **(extra or {}),
                                                               "figure": figure})


@functools.lru_cache(maxsize=8)
def _list_path(prefix: str) -> str:
    return reverse("proposals:stats_list")


def _cell(scope: pstats.Scope, col: pstats.Column, numbers: pstats.Numbers,
          extra: dict[str, str] | None = None) -> Cell:
    value = col.value(numbers)
    return Cell(cell_text(col.kind, value), "" if value is None else _list_url(scope, col.figure, extra))


def _period(request: HttpRequest, access: Access) -> tuple[pstats.Scope, list[str]]:
    assert access.committee is not None
    return pstats.scope_from_query(access.committee, {k: request.GET.get(k, "") for k in PERIOD_KEYS})


@login_required
@require_GET
def stats(request: HttpRequest) -> HttpResponse:
    access = _stats_access(request)
    scope, errors = _period(request, access)
    report = pstats.stats_report(scope)
    cards = []
    for col in report.cards:
        cell = _cell(scope, col, report.total)
        unit = "" if col.kind == "rate" else ("天" if col.kind == "days" else pstats.FIGURES[col.key].unit)
        cards.append({"label": col.label, "unit": unit, "cell": cell})
    tables = [{
        "id": t.id, "title": t.title, "first": t.first, "columns": t.columns,
        "rows": [{"label": r.label, "cells": [_cell(scope, c, r.numbers, {t.param: r.key}) for c in t.columns]}
                 for r in t.rows],
        "total": [_cell(scope, c, report.total) for c in t.columns],
    } for t in report.tables]
    sessions = list(Session.objects.filter(committee=access.committee).order_by("-start_date", "-id"))
    compile_session = pstats.BETWEEN if scope.between else str(scope.session_id or (sessions[0].pk if sessions else ""))
    return render(request, "proposals/stats.html", {
        "cards": cards, "tables": tables, "errors": errors, "scope": scope, "sessions": sessions,
        "scope_words": pstats.describe(scope), "query": urlencode(scope.period_params()),
        "selected_session": scope.params().get("session", ""),
        "can_compile": access.has(P_REVIEW) and compile_session != "",
        "compile_query": urlencode({"session": compile_session}),
        "definitions": _definitions(report),
    })


def _definitions(report: pstats.Report) -> list[tuple[str, str]]:
    shown = {c.key for c in report.cards} | {c.key for t in report.tables for c in t.columns}
    out = [(f.label, f.help) for f in pstats.FIGURES.values() if f.help and f.key in shown]
    out += [(r.label, r.help) for r in pstats.RATES.values() if r.help and r.key in shown]
    out.append(("平均办理天数", "从交办到承办单位答复的自然日天数的平均值"))
    return out


@login_required
@require_GET
def stats_xlsx(request: HttpRequest) -> HttpResponse:
    access = _stats_access(request)
    scope, _ = _period(request, access)
    report = pstats.stats_report(scope)
    content = exports.stats_xlsx(report, pstats.describe(scope))
    stamp = timezone.localdate().strftime("%Y%m%d")
    assert access.committee is not None
    return download(content, XLSX_TYPE, f"proposal-stats-{access.committee.code}-{stamp}.xlsx",
                     f"提案统计-{access.committee.short_name}-{stamp}.xlsx")


@login_required
@require_GET
def stats_list(request: HttpRequest) -> HttpResponse:
    access = _stats_access(request)
    assert access.committee is not None
    scope, errors = pstats.scope_from_query(access.committee, request.GET)
    key = request.GET.get("figure", "")
    figure = pstats.FIGURES.get(key)
    back = reverse("proposals:stats") + ("?" + urlencode(scope.period_params()) if scope.period_params() else "")
    if figure is None:
        return render(request, "proposals/stats_list.html", {
            "figure": None, "errors": ["没有这项统计，请从提案统计页点击数字进入。", *errors], "back": back,
        }, status=400)
    page = paginate(request, pstats.figure_rows(scope, key), per_page=50)
    for row in page.object_list:
        if figure.family == pstats.PROPOSAL:
            row.state_label = PROPOSAL_WORKFLOW.state_label(row.state)  # type: ignore[attr-defined]
        elif figure.family == pstats.ASSIGNMENT:
            days = row.days.total_seconds() / 86400 if row.status == "answered" and row.days is not None else None
            row.days_text = "" if days is None else cell_text("days", days)  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "proposals/stats_list.html", {
        "figure": figure, "family": figure.family, "page": page, "query": query.urlencode(), "errors": errors,
        "scope_words": pstats.describe(scope), "back": back,
    })


@login_required
@require_GET
def reply_docx(request: HttpRequest, pk: int, reply_id: int) -> HttpResponse:
    """The reply letter: for the proposers, the proposal office and the unit that wrote it (404 for anyone
    else, so a letter's existence is not revealed)."""
    access: Access = request.access  # type: ignore[attr-defined]
    if access.committee is None:
        raise Http404("找不到该答复。")
    reply = (Reply.objects.filter(pk=reply_id, proposal_id=pk, committee=access.committee, is_opinion=False)
             .select_related("proposal__committee", "proposal__session", "assignment__unit", "author").first())
    if reply is None:
        raise Http404("找不到该答复。")
    people = proposers(reply.proposal)
    if not (access.has(P_REVIEW) or reply.assignment.unit_id in access.unit_ids
            or access.user.pk in {u.pk for u in people}):
        raise Http404("找不到该答复。")
    content = exports.reply_docx(reply, people)
    p = reply.proposal
    label = p.number_label or p.title[:30]
    return download(content, DOCX_TYPE, f"reply-{p.pk}-{reply.pk}.docx",
                     f"答复-{label}-{reply.assignment.unit.name}.docx")


@login_required
@require_GET
def compilation_docx(request: HttpRequest) -> HttpResponse:
    """提案及答复汇编 of `?session=<id>` (default: the latest session) or `?session=between` (平时提案)."""
    access: Access = request.access  # type: ignore[attr-defined]
    if access.committee is None or not access.has(P_REVIEW):
        raise PermissionDenied("只有提案委员会工作人员可以导出提案及答复汇编。")
    raw = request.GET.get("session", "").strip()
    between, session = raw == pstats.BETWEEN, None
    sessions = Session.objects.filter(committee=access.committee)
    if not between:
        session = (sessions.filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 12
                   else None if raw else sessions.order_by("-start_date", "-id").first())
        if session is None:
            messages.error(request, "所选会议不存在，无法导出汇编。")
            return redirect("proposals:stats")
    items = exports.compilation_proposals(access.committee, session=session, between=between)
    content = exports.compilation_docx(access.committee, session=session, between=between, proposals=items)
    series = "平时提案" if between else session.name  # type: ignore[union-attr]
    return download(content, DOCX_TYPE, f"proposals-{access.committee.code}-{raw or 'latest'}.docx",
                     f"提案及答复汇编-{series}.docx")
