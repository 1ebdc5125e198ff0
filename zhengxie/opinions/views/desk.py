"""The editors' pages (社情民意编辑): the desk by state with counts, search, filters (source, sector,
submission dates) and paging, similar items per row (htmx), quick 采用 / 不予采用 one by one or in bulk,
combining several items into one piece; the signing officer's list; and the batch 批示 page for a clerk
with a stack of them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengxie.accounts.permissions import Access
from zhengxie.core.http import paginate
from zhengxie.opinions import selectors, services
from zhengxie.opinions.forms import CombineForm, DeskFilterForm, InstructionRowForm
from zhengxie.opinions.models import Opinion
from zhengxie.opinions.permissions import O_EDIT, O_SIGN
from zhengxie.opinions.views.common import (
    int_or_none, item_or_404, local, mark_source_proposals, refusal, serial_label, viewer,
)
from zhengxie.opinions.workflow import ADOPTED, EDITED, PUBLISHED, SCREENED_OUT, SIGNED, STATES, SUBMITTED
from zhengxie.org.models import Committee

PER_PAGE = 50
EDITORS_ONLY = "只有社情民意编辑可以使用此页面。"
TABS = [
    (SUBMITTED, "待处理"), (ADOPTED, "已采用待编辑"), (EDITED, "待签发"), (SIGNED, "已签发待刊发"),
    (PUBLISHED, "已刊发"), (SCREENED_OUT, "未采用"),
]
TAB_LABELS = dict(TABS)
COMBINE_MAX = 20
BATCH_ROWS, BATCH_ROWS_MAX = 5, 30


def _dress(rows: list[Opinion]) -> list[Opinion]:
    for o in rows:
        o.state_label = STATES[o.state]  # type: ignore[attr-defined]
        o.serial_label = serial_label(o)  # type: ignore[attr-defined]
    return rows


# --- the desk ------------------------------------------------------------------------------------------


@login_required
@require_GET
def desk(request: HttpRequest) -> HttpResponse:
    access = viewer(request, O_EDIT, message=EDITORS_ONLY)
    if "similar" in request.GET:
        return _similar_fragment(request, access)
    form = DeskFilterForm(request.GET or None, sectors=selectors.desk_sectors(access))
    filters, params = form.desk_filter(), form.params()
    tab = request.GET.get("tab", "")
    tab = tab if tab in TAB_LABELS else SUBMITTED
    counts = selectors.desk_counts(access, filters=filters)
    # The tab's count is known from the counts above: no second COUNT over the same rows.
    page = paginate(request, selectors.desk_rows(access, state=tab, filters=filters), per_page=PER_PAGE,
                    count=counts.get(tab, 0))
    page.object_list = mark_source_proposals(access, _dress(list(page.object_list)))
    tabs = [{"value": v, "label": label, "count": counts.get(v, 0), "current": v == tab,
             "query": urlencode({"tab": v, **params})} for v, label in TABS]
    return render(request, "opinions/desk.html", {
        "form": form, "page": page, "tabs": tabs, "tab": tab, "tab_label": TAB_LABELS[tab], "q": params.get("q", ""),
        "filtered": bool(params),
        "more_filters": any(k in params for k in ("source_kind", "sector", "submitted_from", "submitted_to")),
        "problems": form.problems(), "query": urlencode({"tab": tab, **params}),
        "here": request.get_full_path(), "drafts": selectors.typed_drafts(access), "bulk_max": services.BULK_MAX,
    })


# --- bulk decisions -------------------------------------------------------------------------------------

BULK_VERBS = {"adopt": "采用", "screen_out": "不予采用"}
REFUSALS_SHOWN = 10


@login_required
@require_POST
def desk_bulk(request: HttpRequest) -> HttpResponse:
    """The desk's bulk bar: 采用（单篇） or 不予采用 (one reason for all) on the ticked items, each its own
    transition; or 综合采用, which opens the combining page with them. Back to the desk as it was."""
    access = viewer(request, O_EDIT, message=EDITORS_ONLY)
    back = local(request.POST.get("next")) or reverse("opinions:desk")
    action = request.POST.get("action", "")
    raw = request.POST.getlist("ids")[:services.BULK_MAX + 1]
    ids = [i for i in (int_or_none(v) for v in raw) if i is not None]
    if len(ids) != len(raw):
        messages.error(request, "所选信息有误，请刷新页面后重新勾选。")
        return redirect(back)
    if action == "combine":
        return redirect(reverse("opinions:combine") + "?" + urlencode([("ids", i) for i in ids] + [("next", back)]))
    if action not in BULK_VERBS:
        messages.error(request, "未知的批量操作。")
        return redirect(back)
    versions = {pk: int_or_none(request.POST.get(f"version-{pk}")) for pk in ids}
    try:
        outcome = services.opinion_transition_many(access=access, opinion_ids=ids, name=action,
                                                   reason=request.POST.get("reason", ""), versions=versions)
    except services.OpinionError as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
        return redirect(back)
    verb, refused = BULK_VERBS[action], outcome.refused
    if not refused:
        messages.success(request, f"已{verb} {len(outcome.done)} 条。")
    else:
        shown = "；".join(f"{r.title}（{r.message.rstrip('。')}）" for r in refused[:REFUSALS_SHOWN])
        more = f"；另有 {len(refused) - REFUSALS_SHOWN} 条" if len(refused) > REFUSALS_SHOWN else ""
        messages.warning(request, f"已{verb} {len(outcome.done)} 条；{len(refused)} 条未处理：{shown}{more}。")
    return redirect(back)


def _similar_fragment(request: HttpRequest, access: Access) -> HttpResponse:
    """The similar items of one on the desk (loaded when its disclosure opens)."""
    from zhengxie.textindex.presentation import dress_similar
    from zhengxie.textindex.views import PANEL_LIMIT

    pk = int_or_none(request.GET.get("similar"))
    if pk is None:
        raise Http404("找不到该信息。")
    o = item_or_404(access, pk)
    items = selectors.similar_items(access, o, limit=PANEL_LIMIT)
    dress_similar(items, access.committee)  # type: ignore[arg-type]
    return render(request, "opinions/desk_similar.html", {"o": o, "items": items, "compact": True})


# --- combining ------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def combine(request: HttpRequest) -> HttpResponse:
    """综合采用: the selected submitted items become one piece the editors write here."""
    access = viewer(request, O_EDIT, message=EDITORS_ONLY)
    source = request.POST if request.method == "POST" else request.GET
    raw = source.getlist("ids")
    ids = [i for i in (int_or_none(v) for v in raw) if i is not None]
    back = local(source.get("next")) or reverse("opinions:desk")
    if len(ids) != len(raw) or len(set(ids)) < 2 or len(ids) > COMBINE_MAX:
        messages.error(request, "综合采用请在待处理信息中勾选至少两条（最多 %d 条）。" % COMBINE_MAX)
        return redirect(back)
    sources = _dress(list(selectors.desk_rows(access, state=SUBMITTED).filter(pk__in=ids).order_by("submitted_at", "id")))
    initial = {"title": sources[0].title if sources else "",
               "body": "\n\n".join(s.body for s in sources)}
    form = CombineForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                piece = services.opinion_combine(access=access, source_ids=ids, title=form.cleaned_data["title"],
                                                 body=form.cleaned_data["body"])
            except services.OpinionError as exc:
                message, status = refusal(exc)
                form.add_error(None, message)
            else:
                messages.success(request, f"已将 {len(ids)} 条信息综合为《{piece.title}》，请编辑后送签。")
                return redirect("opinions:detail", pk=piece.pk)
    missing = len(set(ids)) - len(sources)
    return render(request, "opinions/combine.html", {
        "form": form, "sources": sources, "ids": ids, "next": back, "missing": missing,
    }, status=status)


# --- the signing officer ----------------------------------------------------------------------------------


@login_required
@require_GET
def sign(request: HttpRequest) -> HttpResponse:
    """Edited items waiting to be signed (签发) or sent back, oldest first."""
    access = viewer(request, O_SIGN, message="只有本会领导或经授权的签发人可以签发。")
    page = paginate(request, selectors.signing_queue(access), per_page=PER_PAGE)
    page.object_list = _dress(list(page.object_list))
    from zhengxie.opinions.guards import is_signing_officer

    return render(request, "opinions/sign.html", {
        "page": page, "may_sign": is_signing_officer(access, access.committee.pk),  # type: ignore[union-attr]
        "here": request.get_full_path(),
    })


# --- batch 批示 -------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def instructions(request: HttpRequest) -> HttpResponse:
    """A clerk's stack of 批示, several rows at once: all recorded or none (the message names the row)."""
    access = viewer(request, O_EDIT, message=EDITORS_ONLY)
    items = [(o.pk, f"{'收文 ' + serial_label(o) if o.serial else '综合稿'}《{o.shown_title}》")
             for o in selectors.trackable(access)]
    source = request.POST if request.method == "POST" else request.GET
    n = min(max(int_or_none(source.get("rows")) or BATCH_ROWS, 1), BATCH_ROWS_MAX)
    rows = [InstructionRowForm(request.POST if request.method == "POST" else None, prefix=f"r{i}", items=items,
                               initial={"level": access.committee.level})  # type: ignore[union-attr]
            for i in range(n)]
    error, status = "", 200
    if request.method == "POST":
        status = 400
        if all(r.is_valid() for r in rows):
            data = [_row(r.cleaned_data) for r in rows if not r.blank()]
            try:
                done = services.instructions_record_batch(access=access, rows=data)
            except services.OpinionError as exc:
                # A row naming an item that is gone is a bad row of this form, not a missing page.
                error, status = (exc.message, 400) if exc.status == 404 else refusal(exc)
            else:
                messages.success(request, f"已登记 {len(done)} 条批示。")
                return redirect("opinions:instructions")
        else:
            error = "请修正下列标红的内容。"
    return render(request, "opinions/instructions.html", {
        "rows": rows, "n": n, "more": min(n + BATCH_ROWS, BATCH_ROWS_MAX), "error": error, "has_items": bool(items),
        "levels": Committee.Level.choices,
    }, status=status)


def _row(d: dict[str, Any]) -> dict[str, Any]:
    return {"opinion_id": d.get("opinion") or 0, "level": d.get("level") or "", "person": d.get("person") or "",
            "person_title": d.get("person_title") or "", "text": d.get("text") or "", "date": d.get("date")}
