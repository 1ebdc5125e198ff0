"""Writes to the text index. Domains call `document_upsert` inside their own transaction.

The index is derived data: these functions write no audit events (the domain's service that
changed the text already did) and `index_rebuild` can recreate everything from the domains.
"""

from __future__ import annotations

import heapq
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from django.db import connection, transaction

from zhengxie.textindex import backends, features, tokens
from zhengxie.textindex.models import Band, Document, TermStat, UnitTerm
from zhengxie.textindex.registry import IndexEntry, sources

BATCH = 500


def _scope_tokens(doc: Document) -> list[str]:
    st = backends.scope_token
    scope = [st("c", doc.committee_id), st("k", doc.kind), st("a", doc.audience)]
    if doc.session_id:
        scope.append(st("s", doc.session_id))
    if doc.state:
        scope.append(st("t", doc.state))
    if doc.category:
        scope.append(st("g", doc.category))
    units = {*(doc.unit_ids or []), *([doc.unit_id] if doc.unit_id else [])}
    scope.extend(st("u", u) for u in sorted(units))
    return scope


def _row(doc: Document, analysis: tokens.Analysis | None = None) -> backends.Row:
    a = analysis or tokens.Analysis(doc.title, doc.body)
    return backends.Row(doc_id=doc.pk, title=a.title_tokens, body=a.body_tokens, scope=_scope_tokens(doc))


# Beyond this a body is not indexed further (a tsvector holds at most 1 MB; nobody searches page 40
# of an attachment pasted into a proposal). The stored text keeps only this much too.
MAX_BODY_CHARS = 50_000


def _clean(text: str, limit: int) -> str:
    return (text or "").replace("\x00", "")[:limit]


def _apply(doc: Document, entry: IndexEntry) -> None:
    doc.committee_id = entry.committee_id
    doc.title = _clean(entry.title, 300)
    doc.body = _clean(entry.body, MAX_BODY_CHARS)
    doc.url = _clean(entry.url, 300)
    doc.audience = entry.audience
    doc.session_id = entry.session_id
    doc.state = _clean(entry.state, 32)
    doc.state_label = _clean(entry.state_label, 32)
    doc.category = _clean(entry.category, 50)
    doc.unit_id = entry.unit_id
    doc.unit_ids = sorted(set(entry.unit_ids))
    doc.date = entry.date


def _bands_insert(docs: Sequence[Document]) -> None:
    rows = [(key, d.pk, d.committee_id) for d in docs for key in features.band_keys(d.terms)]
    backends.copy_rows("textindex_band", ("key", "document_id", "committee_id"), rows)


# A unit's routing profile sums the strongest terms of the items it handled; the weak tail of 80
# salient terms adds rows to write and read but does not change which unit comes first.
UNIT_TERMS = 40


def _by_weight(item: tuple[str, float]) -> tuple[float, str]:
    return (-item[1], item[0])


def profile_terms(terms: dict[str, float]) -> Iterable[tuple[str, float]]:
    """The terms of a document that count towards its unit's routing profile (the strongest ones).

    Sorted here, not trusted to be stored in order: PostgreSQL's jsonb does not keep key order.
    """
    return heapq.nsmallest(UNIT_TERMS, terms.items(), key=_by_weight) if len(terms) > UNIT_TERMS else terms.items()


def _unit_terms_add(docs: Iterable[Document], sign: int) -> None:
    """Add (sign=1) or remove (sign=-1) documents' salient terms to their lead unit's routing profile."""
    weights: dict[tuple[int, int], dict[str, float]] = defaultdict(dict)
    counts: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    for d in docs:
        if not d.unit_id or not d.terms:
            continue
        unit = (d.committee_id, d.unit_id)
        w_acc, n_acc = weights[unit], counts[unit]
        for term, w in profile_terms(d.terms):
            w_acc[term] = w_acc.get(term, 0.0) + sign * w
            n_acc[term] = n_acc.get(term, 0) + sign
        n_acc[""] = n_acc.get("", 0) + sign  # the unit's item count
        w_acc.setdefault("", 0.0)
    if not weights:
        return
    rows = sorted((c, u, t, w, counts[(c, u)][t]) for (c, u), w_acc in weights.items() for t, w in w_acc.items())
    # The rows travel as one JSON parameter (json_each / jsonb_to_recordset on the server): tens of
    # thousands of values per batch, where placeholders would cost more to bind than to insert.
    if connection.vendor == "sqlite":
        source = (
            "SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 FROM json_each(%s) WHERE true"
        )
    else:
        source = (
            "SELECT x.c, x.u, x.t, x.w, x.n FROM jsonb_to_recordset(%s::jsonb)"
            " AS x(c integer, u integer, t text, w double precision, n integer)"
        )
    with connection.cursor() as cur:
        for i in range(0, len(rows), 20 * BATCH):
            chunk = rows[i : i + 20 * BATCH]
            if connection.vendor == "sqlite":
                payload = json.dumps(chunk, ensure_ascii=False)
            else:
                payload = json.dumps([{"c": c, "u": u, "t": t, "w": w, "n": n} for c, u, t, w, n in chunk],
                                     ensure_ascii=False)
            cur.execute(
                "INSERT INTO textindex_unitterm (committee_id, unit_id, term, weight, items) "
                + source
                + " ON CONFLICT (committee_id, term, unit_id) DO UPDATE SET"
                " weight = textindex_unitterm.weight + excluded.weight,"
                " items = textindex_unitterm.items + excluded.items",
                [payload],
            )


def _bands_delete(docs: Sequence[Document]) -> None:
    """Delete documents' bucket rows, found by the keys their stored terms give, within the document's
    committee: the index is (key, committee_id), and the commonest keys hold 100,000 rows and more
    across a province (deleting one document by key alone took over a second there)."""
    for d in docs:
        keys = features.band_keys(d.terms)
        if keys:
            Band.objects.filter(key__in=keys, committee_id=d.committee_id, document_id=d.pk).delete()


def _remove(docs: Sequence[Document]) -> None:
    backends.delete([_row(d) for d in docs])
    _bands_delete(docs)
    _unit_terms_add(docs, -1)


def _add(docs: Sequence[Document], analyses: Sequence[tokens.Analysis]) -> None:
    backends.insert([_row(d, a) for d, a in zip(docs, analyses)])
    _bands_insert(docs)
    _unit_terms_add(docs, 1)


@transaction.atomic
def document_upsert(*, entry: IndexEntry) -> Document:
    """Index (or re-index) one domain row; call it in the transaction that changed the row."""
    return documents_upsert_many(entries=[entry])[0]


@transaction.atomic
def documents_upsert_many(*, entries: Sequence[IndexEntry]) -> list[Document]:
    """Index many rows at once (rebuilds, imports); same result as one `document_upsert` each."""
    entries = list({(e.kind, e.object_id): e for e in entries}.values())
    existing = {
        (d.kind, d.object_id): d
        for kind in {e.kind for e in entries}
        for d in Document.objects.select_for_update().filter(
            kind=kind, object_id__in=[e.object_id for e in entries if e.kind == kind]
        )
    }
    if existing:
        _remove(list(existing.values()))
    docs, new, analyses = [], [], []
    for e in entries:
        doc = existing.get((e.kind, e.object_id)) or Document(kind=e.kind, object_id=e.object_id)
        _apply(doc, e)
        docs.append(doc)
        analyses.append(tokens.Analysis(doc.title, doc.body))
    weighted = [features.weigh(a.title_bigrams, a.body_bigrams) for a in analyses]
    features.DOC_FREQ.prime(t for counts in weighted for t in counts)
    for doc, counts in zip(docs, weighted):
        doc.terms = features.salient_from_counts(counts, features.DOC_FREQ)
        if doc.pk is None:
            new.append(doc)
    if new:
        Document.objects.bulk_create(new, batch_size=BATCH)
        if any(d.pk is None for d in new):  # older backends without RETURNING
            ids = dict(
                Document.objects.filter(
                    kind__in={d.kind for d in new}, object_id__in=[d.object_id for d in new]
                ).values_list("object_id", "id")
            )
            for d in new:
                d.pk = d.id = ids[d.object_id]
    changed = [d for d in docs if (d.kind, d.object_id) in existing]
    if changed:
        Document.objects.bulk_update(
            changed,
            ["committee", "title", "body", "url", "audience", "session", "state", "state_label",
             "category", "unit", "unit_ids", "date", "terms", "updated_at"],
            batch_size=BATCH,
        )
    _add(docs, analyses)
    return docs


@transaction.atomic
def document_delete(*, kind: str, object_id: int) -> bool:
    """Take a row out of the index (a deleted draft, say); True when it was indexed."""
    doc = Document.objects.select_for_update().filter(kind=kind, object_id=object_id).first()
    if doc is None:
        return False
    _remove([doc])
    doc.delete()
    return True


def termstats_refresh() -> int:
    """Recount document frequencies of bigrams over every document (the idf of salient terms).

    Terms seen in only one document are not stored (an unknown term counts as df 0); returns the
    number of documents counted.
    """
    df: Counter[str] = Counter()
    n = 0
    for title, body in Document.objects.values_list("title", "body").iterator(chunk_size=2000):
        df.update(features.term_counts(title, body).keys())
        n += 1
    with transaction.atomic():
        TermStat.objects.all().delete()
        TermStat.objects.bulk_create(
            [TermStat(term=t, df=c) for t, c in df.items() if c > 1 and len(t) <= 8] + [TermStat(term="", df=n)],
            batch_size=5000,
        )
    features.DOC_FREQ.reset()
    return n


def signatures_refresh(*, committee_id: int | None = None) -> int:
    """Recompute salient terms, LSH buckets and routing profiles with the current frequencies.

    Run after `termstats_refresh` (the nightly job does both): terms chosen while the deployment
    was young used rougher frequencies. The token index is untouched.
    """
    docs_qs = Document.objects.order_by("id")
    if committee_id is not None:
        docs_qs = docs_qs.filter(committee_id=committee_id)
    done, last = 0, 0
    while True:
        with transaction.atomic():
            docs = list(docs_qs.filter(id__gt=last).select_for_update()[:BATCH])
            if not docs:
                break
            _bands_delete(docs)
            _unit_terms_add(docs, -1)
            for d in docs:
                d.terms = features.salient_terms(d.title, d.body, features.DOC_FREQ)
            Document.objects.bulk_update(docs, ["terms"], batch_size=BATCH)
            _bands_insert(docs)
            _unit_terms_add(docs, 1)
        done += len(docs)
        last = docs[-1].pk
    UnitTerm.objects.filter(items__lte=0, term="").delete()
    return done


def index_refresh() -> int:
    """The nightly job: recount frequencies, then re-sign every document with them."""
    termstats_refresh()
    return signatures_refresh()


def index_rebuild(*, kinds: Sequence[str] | None = None, stdout=None) -> int:  # type: ignore[no-untyped-def]
    """Recreate the index from the registered sources: frequencies first, then every document."""
    chosen = [s for s in sources() if not kinds or s.kind in kinds]
    total = 0
    with transaction.atomic():
        if kinds:
            for s in chosen:
                docs = list(Document.objects.filter(kind=s.kind))
                for i in range(0, len(docs), BATCH):
                    _remove(docs[i : i + BATCH])
                Document.objects.filter(kind=s.kind).delete()
        else:
            backends.clear()
            Band.objects.all().delete()
            UnitTerm.objects.all().delete()
            Document.objects.all().delete()
        for s in chosen:
            batch: list[IndexEntry] = []
            for entry in s.entries():
                batch.append(entry)
                if len(batch) >= BATCH:
                    documents_upsert_many(entries=batch)
                    total += len(batch)
                    batch = []
            if batch:
                documents_upsert_many(entries=batch)
                total += len(batch)
            if stdout:
                stdout.write(f"{s.kind}: {total}\n")
    index_refresh()
    return total
