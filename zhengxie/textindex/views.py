"""Pages of the text index: search, the similar-items tool, and the two htmx panels domain pages embed.

Visibility is the selectors' business (they never fetch what the user may not see); these views
only check that the user works in the committee at all (routing: that they are staff of a source),
read the form, and dress the selectors' answers with labels for the templates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengxie.accounts.permissions import Access
from zhengxie.org.models import Session, Unit
from zhengxie.textindex import registry, tokens
from zhengxie.textindex.forms import MAX_BODY, MAX_TITLE, SearchForm, SimilarForm, drop_control_characters
from zhengxie.textindex.presentation import (
    dress_hits,
    dress_similar,
    dress_suggestions,
    require_committee_role,
    require_routing,
    staff_kinds,
)
from zhengxie.textindex.selectors import (
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


def _page_number(raw: str | None) -> int:
    try:
        number = int(str(raw or "1").strip()[:6])
    except ValueError:
        return 1
    return max(1, number)


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
        dress_hits(result.hits, {u.pk: u.name for u in units})
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
        dress_similar(items, access.committee)  # type: ignore[arg-type]
        if kinds:
            suggestions = suggest_units(access.committee, title=data["title"], body=data["body"],  # type: ignore[arg-type]
                                        limit=ROUTING_LIMIT, example_kinds=kinds)
            dress_suggestions(suggestions)
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
        dress_similar(items, access.committee)  # type: ignore[arg-type]
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
                                    exclude=_panel_exclude(request.POST), example_kinds=kinds)
        dress_suggestions(suggestions)
    return render(request, "textindex/_routing_results.html", {"suggestions": suggestions, "compact": True})
