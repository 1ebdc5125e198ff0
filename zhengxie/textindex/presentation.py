"""What the text index's pages and API share, and what domain pages embedding its panels reuse.

- who may use what: anyone with a role in the committee may search (the selectors decide what they
  see); routing suggestions are for staff of at least one registered source;
- `local_url`: a stored link, only when it is a path on this site;
- `dress_*`: the selectors' answers with the labels templates show (kind, state, percentages).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied

from zhengxie.accounts.permissions import Access
from zhengxie.org.models import Committee
from zhengxie.textindex import registry
from zhengxie.textindex.models import Document
from zhengxie.textindex.selectors import Hit, SimilarItem, UnitSuggestion


# --- who may use what ---------------------------------------------------------------------------------


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


# --- labels for templates and API answers ------------------------------------------------------------------------------------------


def kind_label(kind: str) -> str:
    src = registry.source(kind)
    return src.label if src else kind


def state_label(doc: Document) -> str:
    if doc.state_label:
        return doc.state_label
    src = registry.source(doc.kind)
    return src.states.get(doc.state, doc.state) if src else doc.state


def dress_hits(hits: Iterable[Hit], unit_names: Mapping[int, str]) -> None:
    for hit in hits:
        doc = hit.doc
        hit.kind_label = kind_label(doc.kind)  # type: ignore[attr-defined]
        hit.state_text = state_label(doc)  # type: ignore[attr-defined]
        hit.link = local_url(doc.url)  # type: ignore[attr-defined]
        if doc.unit_id:
            hit.unit_name = unit_names.get(doc.unit_id, "")  # type: ignore[attr-defined]
        else:
            hit.unit_name = "、".join(unit_names[u] for u in doc.unit_ids or [] if u in unit_names)  # type: ignore[attr-defined]


def dress_similar(items: Iterable[SimilarItem], committee: Committee) -> None:
    items = list(items)
    foreign = {i.doc.committee_id for i in items} - {committee.pk}
    names = dict(Committee.objects.filter(id__in=foreign).values_list("id", "short_name")) if foreign else {}
    for item in items:
        item.kind_label = kind_label(item.doc.kind)  # type: ignore[attr-defined]
        item.state_text = state_label(item.doc)  # type: ignore[attr-defined]
        item.link = local_url(item.doc.url)  # type: ignore[attr-defined]
        item.percent = round(item.score * 100)  # type: ignore[attr-defined]
        item.topic_percent = round(item.topic * 100)  # type: ignore[attr-defined]
        item.copy_percent = round(item.copy * 100)  # type: ignore[attr-defined]
        item.committee_name = names.get(item.doc.committee_id, "")  # type: ignore[attr-defined]


def dress_suggestions(suggestions: Iterable[UnitSuggestion]) -> None:
    for s in suggestions:
        s.percent = round(s.confidence * 100)  # type: ignore[attr-defined]
        s.visible_examples = [  # type: ignore[attr-defined]
            {"title": d.title, "link": local_url(d.url), "date": d.date, "kind_label": kind_label(d.kind)}
            for d in s.examples
        ]
