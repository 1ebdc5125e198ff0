"""A registered test source and a factory that indexes documents into it.

Domains (proposals, 社情民意) register their own sources; these tests use a stand-in kind so the
kernel is tested without any domain. Staff of the stand-in are holders of VIEW_PERSONAL (the
proposal, opinion and consultation clerks and the committee admin).
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from zhengxie.accounts.permissions import Perm
from zhengxie.textindex import features, selectors
from zhengxie.textindex.registry import IndexEntry, Source, register_source, unregister_source
from zhengxie.textindex.services import document_upsert

KIND = "testdoc"
_ids = itertools.count(1)
REGISTERED: list[IndexEntry] = []  # what index_rebuild reads back


@pytest.fixture(autouse=True)
def testdoc_source():
    REGISTERED.clear()
    features.DOC_FREQ.reset()
    selectors._PROFILES.clear()
    source = register_source(
        Source(
            kind=KIND,
            label="测试文档",
            staff_perm=Perm.VIEW_PERSONAL,
            entries=lambda: list(REGISTERED),
            states={"open": "办理中", "done": "已办结"},
            categories=["经济建设", "社会建设"],
        )
    )
    yield source
    unregister_source(KIND)
    features.DOC_FREQ.reset()
    selectors._PROFILES.clear()


@pytest.fixture
def index_doc(db):
    """`index_doc(committee, title, body="", **fields)` indexes one document and returns it."""

    def _index(committee, title, body="", **fields):
        entry = IndexEntry(
            kind=fields.pop("kind", KIND),
            object_id=fields.pop("object_id", None) or next(_ids),
            committee_id=committee.pk,
            title=title,
            body=body,
            date=fields.pop("date", dt.date(2026, 3, 1)),
            url=fields.pop("url", ""),
            **fields,
        )
        REGISTERED[:] = [e for e in REGISTERED if (e.kind, e.object_id) != (entry.kind, entry.object_id)] + [entry]
        return document_upsert(entry=entry)

    return _index
