"""What of a proposal the text index holds, and who may find it there."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse

from zhengxie.proposals.models import Assignment, Proposal
from zhengxie.textindex.models import Audience
from zhengxie.textindex.registry import IndexEntry
from zhengxie.textindex.services import document_delete, document_upsert

KIND = "proposal"
_NOT_INDEXED = {"draft", "cosigning"}  # unfinished drafts are the proposer's own business
_STAFF_ONLY = {"submitted", "returned", "not_registered", "converted", "merged"}


def entry_for(p: Proposal) -> IndexEntry:
    from zhengxie.proposals.workflow import STATES

    assignments = [a for a in p.assignments.all() if a.status != Assignment.Status.WITHDRAWN]
    lead = next((a.unit_id for a in assignments if a.role in (Assignment.Role.LEAD, Assignment.Role.SPLIT)), None)
    audience = Audience.STAFF if p.state in _STAFF_ONLY else Audience.PUBLIC if p.is_public else Audience.MEMBERS
    return IndexEntry(
        kind=KIND, object_id=p.pk, committee_id=p.committee_id, title=p.title,
        body=f"{p.reason}\n{p.suggestion}", date=(p.submitted_at or p.created_at).date(),
        url=reverse("proposals:detail", args=[p.pk]), audience=audience, session_id=p.session_id,
        state=p.state, state_label=STATES.get(p.state, p.state), category=p.get_category_display(),
        unit_id=lead, unit_ids=tuple(a.unit_id for a in assignments),
    )


def reindex(p: Proposal) -> None:
    """Bring the index up to date with `p` (inside the caller's transaction)."""
    if p.state in _NOT_INDEXED:
        document_delete(kind=KIND, object_id=p.pk)
    else:
        document_upsert(entry=entry_for(p))


def all_entries() -> Iterator[IndexEntry]:
    for p in Proposal.objects.exclude(state__in=_NOT_INDEXED).prefetch_related("assignments").iterator(chunk_size=500):
        yield entry_for(p)
