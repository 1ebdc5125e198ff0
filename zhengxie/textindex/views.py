"""Pages of the text index: search, the similar-items tool, and the two htmx panels domain pages embed.

Visibility is the selectors' business (they never fetch what the user may not see); these views
only check that the user works in the committee at all (routing: that they are staff of a source),
read the form, and dress the selectors' answers with labels for the templates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengxie.accounts.permissions import Access
from zhengxie.org.models import Committee, Session, Unit
from zhengxie.textindex import registry, tokens
from zhengxie.textindex.forms import MAX_BODY, MAX_TITLE, SearchForm, SimilarForm, drop_control_characters
from zhengxie.textindex.models import Document
from zhengxie.textindex.selectors import (
    Hit,
    SearchFilters,
    SearchResult,
    SimilarItem,
    UnitSuggestion,
    search,
    similar,
    suggest_units,
)

PAGE_SIZE = 20
SIMILAR_LIMIT = 10  # the tool page; panels show fewer
PANEL_LIMIT = 5
ROUTING_LIMIT = 3
_FIELD_NAME = re.compile(r"^[\w.\-\[\]]{1,64}$")
_MAX_BODY_FIELDS = 10


# --- who may use what (shared with api.py) ------------------------------------------------------------


def require_committee_role(access: Access) -> None:
    """Anyone holding a role in the current committee may search (the selectors decide what they see)."""
    if access.committee is None or not (access.roles or access.user.is_superuser):
        raise PermissionDenied("您在本政协没有任职，不能使用检索。")


def staff_kinds(access: Access) -> set[str]:
    """The registered kinds `access` is staff of (sees every item of, in the committee)."""
    return {s.kind for s in registry.sources() if access.has(s.staff_perm)}


def require_routing(access: Access) -> set[str]:
    """Routing suggestions are for the staff who assign items: staff of at least one source."""
    require_committee_role(access)
    kinds = staff_kinds(access)
    if not kinds:
        raise PermissionDenied("只有提案、社情民意等事项的工作人员可以查看承办单位建议。")
    return kinds


def local_url(url: str) -> str:
    """`url` if it is a path on this site, else "" (a link is never javascript: or another site)."""
    url = (url or "").strip()
    return url if url.startswith("/") and not url.startswith(("//", "/\\")) else ""


def visible_examples(suggestion: UnitSuggestion, kinds: set[str]) -> list[Document]:
    """Example items of a suggestion, only of kinds the viewer is staff of (the selector does not
    filter them by audience: a proposal clerk must not read staff-only opinion titles this way)."""
    return [doc for doc in suggestion.examples if doc.kind in kinds]


# --- helpers ------------------------------------------------------------------------------------------


def _kind_label(kind: str) -> str:
    src = registry.source(kind)
    return src.label if src else kind


def _state_label(doc: Document) -> str:
    if doc.state_label:
        return doc.state_label
    src = registry.source(doc.kind)
    return src.states.get(doc.state, doc.state) if src else doc.state


def _page_number(raw: str | None) -> int:
    try:
        number = int(str(raw or "1").strip()[:6])
    except ValueError:
        return 1
    return max(1, number)


def _dress_hits(hits: Iterable[Hit], unit_names: Mapping[int, str]) -> None:
    for hit in hits:
        doc = hit.doc
        hit.kind_label = _kind_label(doc.kind)  # type: ignore[attr-defined]
        hit.state_text = _state_label(doc)  # type: ignore[attr-defined]
        hit.link = local_url(doc.url)  # type: ignore[attr-defined]
        if doc.unit_id:
            hit.unit_name = unit_names.get(doc.unit_id, "")  # type: ignore[attr-defined]
        else:
            hit.unit_name = "、".join(unit_names[u] for u in doc.unit_ids or [] if u in unit_names)  # type: ignore[attr-defined]


def _dress_similar(items: Iterable[SimilarItem], committee: Committee) -> None:
    items = list(items)
    foreign = {i.doc.committee_id for i in items} - {committee.pk}
    names = dict(Committee.objects.filter(id__in=foreign).values_list("id", "short_name")) if foreign else {}
    for item in items:
        item.kind_label = _kind_label(item.doc.kind)  # type: ignore[attr-defined]
        item.state_text = _state_label(item.doc)  # type: ignore[attr-defined]
        item.link = local_url(item.doc.url)  # type: ignore[attr-defined]
        item.percent = round(item.score * 100)  # type: ignore[attr-defined]
        item.topic_percent = round(item.topic * 100)  # type: ignore[attr-defined]
        item.copy_percent = round(item.copy * 100)  # type: ignore[attr-defined]
        item.committee_name = names.get(item.doc.committee_id, "")  # type: ignore[attr-defined]


def _dress_suggestions(suggestions: Iterable[UnitSuggestion], kinds: set[str]) -> None:
    for s in suggestions:
        s.percent = round(s.confidence * 100)  # type: ignore[attr-defined]
        s.visible_examples = [  # type: ignore[attr-defined]
            {"title": d.title, "link": local_url(d.url), "date": d.date, "kind_label": _kind_label(d.kind)}
            for d in visible_examples(s, kinds)
        ]


# --- the search page ----------------------------------------------------------------------------------


@login_required
@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    access: Access = request.access  # type: ignore[attr-defined]
    require_committee_role(access)
    committee = access.committee
    sessions = list(Session.objects.filter(committee=committee).order_by("-start_date", "-id"))
    units = list(Unit.objects.filter(committee=committee).order_by("order", "id"))
    form = SearchForm(request.GET or None, sessions=sessions, units=units)
    data = form.valid_data()
    result: SearchResult | None = None
    if "q" in request.GET:
        filters = SearchFilters(
            kind=str(data.get("kind") or ""),
            session_id=data.get("session"),  # type: ignore[arg-type]
            state=str(data.get("state") or ""),
            category=str(data.get("category") or ""),
            unit_id=data.get("unit"),  # type: ignore[arg-type]
            date_from=data.get("date_from"),  # type: ignore[arg-type]
            date_to=data.get("date_to"),  # type: ignore[arg-type]
        )
        result = search(access, str(data.get("q") or ""), filters=filters,
                        page=_page_number(request.GET.get("page")), page_size=PAGE_SIZE)
        _dress_hits(result.hits, {u.pk: u.name for u in units})
    ignored = [form.fields[name].label for name in form.errors if name in form.fields]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "textindex/search.html", {
        "form": form,
        "result": result,
        "first_number": (result.page - 1) * result.page_size + 1 if result else 1,
        # Nothing found for a usable query (an empty or unusable one has the selector's message instead).
        "none_found": bool(result and not result.total and tokens.query_tokens(result.query)),
        "ignored": ignored,
        "filters_open": form.filters_in_use() or bool(form.errors),
        "query": query.urlencode(),
        "is_staff": bool(staff_kinds(access)),
    })


# --- the similar-items tool ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def similar_page(request: HttpRequest) -> HttpResponse:
    """Paste a text, see what is already there (and, for staff, who should handle it).

    POST because a pasted text may be far longer than a URL may be; nothing is written.
    """
    access: Access = request.access  # type: ignore[attr-defined]
    require_committee_role(access)
    kinds = staff_kinds(access)
    form = SimilarForm(request.POST if request.method == "POST" else None)
    items: list[SimilarItem] | None = None
    suggestions: list[UnitSuggestion] | None = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        items = similar(access, title=data["title"], body=data["body"], kinds=data["kinds"] or None,
                        whole_deployment=data["whole_deployment"], limit=SIMILAR_LIMIT)
        _dress_similar(items, access.committee)  # type: ignore[arg-type]
        if kinds:
            suggestions = suggest_units(access.committee, title=data["title"], body=data["body"],  # type: ignore[arg-type]
                                        limit=ROUTING_LIMIT)
            _dress_suggestions(suggestions, kinds)
    return render(request, "textindex/similar.html", {
        "form": form, "items": items, "suggestions": suggestions, "can_route": bool(kinds),
        "whole_deployment": bool(form.is_bound and form.is_valid() and form.cleaned_data["whole_deployment"]),
    })


# --- htmx panels --------------------------------------------------------------------------------------


def _field_names(raw: str | None, default: str) -> list[str]:
    names = [n.strip() for n in (raw or default).split(",")]
    return [n for n in names if _FIELD_NAME.match(n)][:_MAX_BODY_FIELDS]


def _panel_text(post: Mapping[str, str]) -> tuple[str, str]:
    """The title and body a panel works on: the values of the form fields it was told to read."""
    title_fields = _field_names(post.get("title_field"), "title")[:1]
    title = post.get(title_fields[0], "") if title_fields else ""
    body = "\n".join(post.get(name, "") for name in _field_names(post.get("body_fields"), "body"))
    return drop_control_characters(title).strip()[:MAX_TITLE], drop_control_characters(body).strip()[:MAX_BODY]


def _panel_exclude(post: Mapping[str, str]) -> tuple[str, int] | None:
    kind, raw_id = (post.get("exclude_kind") or "").strip(), (post.get("exclude_id") or "").strip()
    if registry.source(kind) is None or not (raw_id.isascii() and raw_id.isdigit()) or len(raw_id) > 18:
        return None
    return kind, int(raw_id)


@login_required
@require_POST
def similar_panel(request: HttpRequest) -> HttpResponse:
    """HTML fragment for `_similar_panel.html`: items like the one being written."""
    access: Access = request.access  # type: ignore[attr-defined]
    require_committee_role(access)
    title, body = _panel_text(request.POST)
    items: list[SimilarItem] | None = None
    if title or body:
        kinds = [k for k in _field_names(request.POST.get("kinds"), "") if registry.source(k)]
        items = similar(access, title=title, body=body, kinds=kinds or None,
                        exclude=_panel_exclude(request.POST), limit=PANEL_LIMIT)
        _dress_similar(items, access.committee)  # type: ignore[arg-type]
    return render(request, "textindex/_similar_results.html", {"items": items, "compact": True})


@login_required
@require_POST
def routing_panel(request: HttpRequest) -> HttpResponse:
    """HTML fragment for `_routing_panel.html`: the likeliest lead units, for staff."""
    access: Access = request.access  # type: ignore[attr-defined]
    kinds = require_routing(access)
    title, body = _panel_text(request.POST)
    suggestions: list[UnitSuggestion] | None = None
    if title or body:
        suggestions = suggest_units(access.committee, title=title, body=body, limit=ROUTING_LIMIT,  # type: ignore[arg-type]
                                    exclude=_panel_exclude(request.POST))
        _dress_suggestions(suggestions, kinds)
    return render(request, "textindex/_routing_results.html", {"suggestions": suggestions, "compact": True})
