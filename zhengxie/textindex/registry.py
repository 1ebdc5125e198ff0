"""How a domain makes its text searchable: register a source, then index on every write.

In the domain's AppConfig.ready()::

    from zhengxie.textindex.registry import Source, register_source

    register_source(Source(
        kind="proposal", label="提案", staff_perm=Perm.REVIEW_PROPOSALS,
        entries=proposal_index_entries,          # every IndexEntry, for manage.py textindex_rebuild
        states=dict(PROPOSAL_WORKFLOW.states),   # for the state filter
        categories=["经济建设", …],
    ))

and in each service that changes indexed text or filter fields, inside its transaction::

    textindex.services.document_upsert(entry=IndexEntry(kind="proposal", object_id=p.pk, …))

so the index is current when the transaction commits (and rolls back with it). Routing learns from
`IndexEntry.unit_id`: set it when a clerk assigns the lead unit and the choice feeds back at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from zhengxie.textindex.models import Audience


@dataclass(frozen=True)
class IndexEntry:
    kind: str
    object_id: int
    committee_id: int
    title: str
    body: str
    date: dt.date
    url: str = ""
    audience: str = Audience.STAFF
    session_id: int | None = None
    state: str = ""
    state_label: str = ""
    category: str = ""
    unit_id: int | None = None  # the lead unit that handled it: what routing learns from
    unit_ids: tuple[int, ...] = ()  # every unit it concerns: their clerks may find it


@dataclass(frozen=True)
class Source:
    kind: str
    label: str
    # Holders of this permission in a committee see every document of this kind there; others see
    # what its audience allows (committee members: members + public; unit clerks: their units').
    staff_perm: str
    entries: Callable[[], Iterable[IndexEntry]]
    states: dict[str, str] = field(default_factory=dict)
    categories: list[str] = field(default_factory=list)


_SOURCES: dict[str, Source] = {}


def register_source(source: Source) -> Source:
    _SOURCES[source.kind] = source
    return source


def unregister_source(kind: str) -> None:
    _SOURCES.pop(kind, None)


def sources() -> list[Source]:
    return list(_SOURCES.values())


def source(kind: str) -> Source | None:
    return _SOURCES.get(kind)
