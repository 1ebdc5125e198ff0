"""What of a 社情民意 item the text index holds, and who may find it there.

The editors see every submitted item (the similar-items check at the desk needs them all); committee
members find published ones. Drafts stay the author's own business.
"""

from __future__ import annotations

from collections.abc import Iterator

from zhengxie.opinions.models import Opinion
from zhengxie.textindex.models import Audience
from zhengxie.textindex.registry import IndexEntry
from zhengxie.textindex.services import document_delete, document_upsert

KIND = "opinion"
_NOT_INDEXED = {"draft"}


def entry_for(o: Opinion) -> IndexEntry:
    from zhengxie.opinions.workflow import STATES

    return IndexEntry(
        kind=KIND, object_id=o.pk, committee_id=o.committee_id, title=o.shown_title, body=o.shown_body,
        url=f"/opinions/{o.pk}/",
        date=(o.submitted_at or o.created_at).date(),
        audience=Audience.MEMBERS if o.state == "published" else Audience.STAFF,
        state=o.state, state_label=STATES.get(o.state, o.state), category=o.get_source_kind_display(),
    )


def reindex(o: Opinion) -> None:
    """Bring the index up to date with `o` (inside the caller's transaction)."""
    if o.state in _NOT_INDEXED:
        document_delete(kind=KIND, object_id=o.pk)
    else:
        document_upsert(entry=entry_for(o))


def all_entries() -> Iterator[IndexEntry]:
    for o in Opinion.objects.exclude(state__in=_NOT_INDEXED).iterator(chunk_size=500):
        yield entry_for(o)
