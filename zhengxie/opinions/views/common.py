"""What the 社情民意 pages share: who the viewer is, finding an item they may see (and the proposal it came
from, if they may see that too), safe `next` links,
turning a service's refusal into a page with its Chinese message and status, and the server-side diff
of an item's original and edited text."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.urls import reverse

from zhengxie.accounts.permissions import Access
from zhengxie.opinions import selectors
from zhengxie.opinions.models import Opinion
from zhengxie.opinions.permissions import O_EDIT, O_SIGN, O_SUBMIT, O_VIEW
from zhengxie.opinions.services import OpinionError
from zhengxie.textindex.presentation import local_url
from zhengxie.workflow.engine import TransitionError, TransitionForbidden

NOT_FOUND = "找不到该信息。"


def viewer(request: HttpRequest, *perms: str, message: str = "您没有权限使用此页面。") -> Access:
    """The viewer's access in their current committee, if they hold any of `perms` there (else 403)."""
    access: Access = request.access  # type: ignore[attr-defined]
    if access.committee is None:
        raise PermissionDenied("请先选择政协。")
    if perms and not any(access.has(p) for p in perms):
        raise PermissionDenied(message)
    return access


def item_or_404(access: Access, pk: int) -> Opinion:
    o = selectors.opinion_get(access, pk)
    if o is None:
        raise Http404(NOT_FOUND)
    return o


def mark_source_proposals(access: Access, rows: list[Opinion]) -> list[Opinion]:
    """Set `source_proposal_open` on items made from a proposal: whether the viewer may open that proposal
    (the page links it only then). One query for the lot, none when no row came from a proposal."""
    from zhengxie.proposals.selectors import visible

    ids = {o.source_proposal_id for o in rows if o.source_proposal_id}
    open_ids = set(visible(access).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    for o in rows:
        o.source_proposal_open = o.source_proposal_id in open_ids  # type: ignore[attr-defined]
    return rows


def local(url: str | None) -> str:
    """`url` when it is a path on this site, else ""."""
    return local_url(url or "")


def int_or_none(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else None


def refusal(exc: Exception) -> tuple[str, int]:
    """A service's or the workflow's refusal as (Chinese message, HTTP status); 403 is raised."""
    if isinstance(exc, TransitionForbidden):
        raise PermissionDenied(exc.message) from exc
    if isinstance(exc, OpinionError):
        if exc.status == 403:
            raise PermissionDenied(exc.message) from exc
        if exc.status == 404:
            raise Http404(exc.message) from exc
        return exc.message, exc.status
    if isinstance(exc, TransitionError):
        return exc.message, exc.status
    raise exc


def home_url(access: Access) -> str:
    """Where 社情民意 starts for this viewer: the desk, my items, the signing list, or the issues."""
    if access.has(O_EDIT):
        return reverse("opinions:desk")
    if access.has(O_SUBMIT):
        return reverse("opinions:mine")
    if access.has(O_SIGN):
        return reverse("opinions:sign")
    if access.has(O_VIEW):
        return reverse("opinions:issues")
    return reverse("home")


def serial_label(o: Opinion) -> str:
    return f"{o.year}-{o.serial:04d}" if o.serial else ""


# --- the diff of the original and the edited text ----------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    op: str  # "same", "del" (only in the original), "ins" (only in the edited text)
    text: str


CHAR_DIFF_MAX = 4000  # longer texts are compared line by line (a character diff grows quadratically)


def text_diff(original: str, edited: str) -> list[Piece]:
    """Character by character (Chinese has no spaces between words), merged into runs; the template marks
    runs with <del>/<ins> and spoken labels, so the difference does not rest on colour alone."""
    if max(len(original), len(edited)) > CHAR_DIFF_MAX:
        a, b = original.splitlines(keepends=True), edited.splitlines(keepends=True)
    else:
        a, b = list(original), list(edited)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    out: list[Piece] = []
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag == "equal":
            out.append(Piece("same", "".join(a[a1:a2])))
        if tag in ("delete", "replace"):
            out.append(Piece("del", "".join(a[a1:a2])))
        if tag in ("insert", "replace"):
            out.append(Piece("ins", "".join(b[b1:b2])))
    return out
