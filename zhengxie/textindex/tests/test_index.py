"""Writes to the text index: upsert, re-upsert, delete, rollback, rebuild, and the routing profile
that follows each document's lead unit exactly. Every check runs on SQLite (FTS5) and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from zhengxie.accounts.permissions import access_for
from zhengxie.org.models import Unit
from zhengxie.textindex import backends, features, selectors, services
from zhengxie.textindex.models import Band, Document, UnitTerm
from zhengxie.textindex.registry import IndexEntry
from zhengxie.textindex.tests import sample_texts as texts
from zhengxie.textindex.tests.conftest import KIND, REGISTERED


class Rollback(Exception):
    pass


def unit(committee, name):
    return Unit.objects.get(committee=committee, name=name)


def found(access, query):
    """Titles `access` finds for `query`, in result order."""
    return [h.doc.title for h in selectors.search(access, query, page_size=100).hits]


def raw_ids(committee, query):
    """Document ids the token index itself holds for `query` in `committee`, whatever the sources say."""
    from zhengxie.textindex import tokens

    scope = [[backends.scope_token("c", committee.pk)]]
    return backends.search_ids(tokens.query_tokens(query), scope, where="any", limit=1000)


def index_rowids():
    with connection.cursor() as cur:
        column = "rowid" if connection.vendor == "sqlite" else "doc_id"
        cur.execute(f"SELECT {column} FROM textindex_fts")
        return sorted(r[0] for r in cur.fetchall())


def profile():
    """The routing profile as stored: (committee, unit, term) → (weight, items), empty rows left out."""
    return {
        (u.committee_id, u.unit_id, u.term): (round(u.weight, 6), u.items)
        for u in UnitTerm.objects.all()
        if u.items or abs(u.weight) > 1e-9
    }


def expected_profile():
    """The routing profile as it should be: the sum of every indexed document's salient terms."""
    acc = defaultdict(lambda: [0.0, 0])
    for d in Document.objects.exclude(unit=None):
        if not d.terms:
            continue
        for term, w in services.profile_terms(d.terms):
            acc[(d.committee_id, d.unit_id, term)][0] += w
            acc[(d.committee_id, d.unit_id, term)][1] += 1
        acc[(d.committee_id, d.unit_id, "")][1] += 1
    return {k: (round(w, 6), n) for k, (w, n) in acc.items()}


def assert_index_consistent():
    """One token-index row per document, and the routing profile is the sum of the documents."""
    assert index_rowids() == sorted(Document.objects.values_list("id", flat=True))
    assert profile() == expected_profile()
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("INSERT INTO textindex_fts(textindex_fts, rank) VALUES ('integrity-check', 0)")


def bands():
    """Every LSH bucket as (key, kind, object_id): comparable across rebuilds, which renumber documents."""
    objects = {d: (k, o) for d, k, o in Document.objects.values_list("id", "kind", "object_id")}
    rows = Band.objects.values_list("key", "document_id")
    return sorted((key, *objects.get(doc_id, ("?", doc_id))) for key, doc_id in rows)


@pytest.fixture
def staff(clerk_a, committee_a):
    return access_for(clerk_a, committee_a)


# --- upsert, re-upsert, delete ---------------------------------------------------------------------------


def test_an_indexed_document_is_found_by_words_of_its_title_and_of_its_body(index_doc, committee_a, staff):
    index_doc(committee_a, *texts.EBIKE)
    assert found(staff, "电动自行车") == [texts.EBIKE[0]]
    assert found(staff, "智能充电桩") == [texts.EBIKE[0]]
    assert found(staff, "加装电梯") == []
    assert_index_consistent()


def test_reindexing_with_a_new_title_replaces_the_old_words(index_doc, committee_a, staff):
    doc = index_doc(committee_a, "关于整治占道经营的建议", "夜市摊贩占道经营，影响通行。", object_id=501)
    again = index_doc(committee_a, "关于规范夜间经济的建议", "夜市摊贩占道经营，影响通行。", object_id=501)
    assert again.pk == doc.pk and Document.objects.count() == 1
    assert found(staff, "整治") == []
    assert found(staff, "夜间经济") == ["关于规范夜间经济的建议"]
    assert found(staff, "占道经营") == ["关于规范夜间经济的建议"]
    assert raw_ids(committee_a, "整治") == []
    assert_index_consistent()


def test_reindexing_with_new_filter_fields_replaces_the_old_ones(index_doc, committee_a, staff):
    education = unit(committee_a, "区教育局")
    index_doc(committee_a, *texts.KINDERGARTEN, object_id=502, state="open", category="社会建设",
              unit_id=education.pk)
    index_doc(committee_a, *texts.KINDERGARTEN, object_id=502, state="done", category="经济建设")

    def hits(**filters):
        result = selectors.search(staff, "幼儿园", filters=selectors.SearchFilters(**filters))
        return [h.doc.object_id for h in result.hits]

    assert hits(state="open") == [] and hits(state="done") == [502]
    assert hits(category="社会建设") == [] and hits(category="经济建设") == [502]
    assert hits(unit_id=education.pk) == []
    assert_index_consistent()


def test_a_deleted_document_is_no_longer_found_and_leaves_nothing_behind(index_doc, committee_a, staff):
    health = unit(committee_a, "区卫生健康局")
    doc = index_doc(committee_a, *texts.CLINIC, unit_id=health.pk)
    kept = index_doc(committee_a, *texts.WASTE)
    assert Band.objects.filter(document_id=doc.pk).exists()
    assert services.document_delete(kind=KIND, object_id=doc.object_id) is True
    assert found(staff, "全科医生") == []
    assert raw_ids(committee_a, "全科医生") == []
    assert not Band.objects.filter(document_id=doc.pk).exists()
    assert not UnitTerm.objects.filter(unit_id=health.pk).exclude(items=0).exists()
    assert found(staff, "垃圾分类") == [kept.title]
    assert_index_consistent()


def test_deleting_a_document_that_was_never_indexed_answers_false(db):
    assert services.document_delete(kind=KIND, object_id=987654) is False


def test_the_same_object_id_in_two_kinds_is_two_documents(index_doc, committee_a, staff):
    index_doc(committee_a, "关于古树保护的建议", kind=KIND, object_id=7)
    index_doc(committee_a, "关于古树保护的答复", kind="otherdoc", object_id=7)
    assert Document.objects.count() == 2
    assert found(staff, "古树保护") == ["关于古树保护的建议"]  # otherdoc is no registered source
    assert len(raw_ids(committee_a, "古树保护")) == 2
    assert_index_consistent()


# --- transactions ------------------------------------------------------------------------------------------


def test_an_upsert_rolled_back_with_its_transaction_leaves_no_trace(index_doc, committee_a, staff):
    education, housing = unit(committee_a, "区教育局"), unit(committee_a, "区住房和城乡建设局")
    kept = index_doc(committee_a, *texts.SCHOOL_TRAFFIC, object_id=601, unit_id=education.pk)
    documents = lambda: list(Document.objects.values_list("id", "title", "unit_id", "terms"))  # noqa: E731
    before = (documents(), bands(), profile(), index_rowids())

    with pytest.raises(Rollback), transaction.atomic():
        index_doc(committee_a, *texts.ELEVATOR, object_id=602, unit_id=housing.pk)
        index_doc(committee_a, "关于校门口设置护学岗的建议", texts.SCHOOL_TRAFFIC[1], object_id=601, unit_id=housing.pk)
        assert found(staff, "加装电梯") == [texts.ELEVATOR[0]]  # visible inside the transaction
        raise Rollback

    after = (documents(), bands(), profile(), index_rowids())
    assert after == before
    assert found(staff, "加装电梯") == [] and raw_ids(committee_a, "加装电梯") == []
    assert found(staff, "护学岗") == [] and raw_ids(committee_a, "护学岗") == []
    assert found(staff, "交通拥堵") == [kept.title]
    assert not UnitTerm.objects.filter(unit_id=housing.pk).exists()
    assert_index_consistent()


def test_a_delete_rolled_back_with_its_transaction_keeps_the_document(index_doc, committee_a, staff):
    doc = index_doc(committee_a, *texts.OLD_TREES, unit_id=unit(committee_a, "区住房和城乡建设局").pk)
    before = (bands(), profile(), index_rowids())
    with pytest.raises(Rollback), transaction.atomic():
        services.document_delete(kind=KIND, object_id=doc.object_id)
        raise Rollback
    assert (bands(), profile(), index_rowids()) == before
    assert found(staff, "古树名木") == [doc.title]


# --- rebuild ---------------------------------------------------------------------------------------------


def _answers(committee, access):
    """What search, similar items and routing answer on a fixed set of questions."""
    queries = ["电动自行车", "充电", "电梯", "学校", "医生", "建议", "zz"]
    search = {
        q: [(h.doc.kind, h.doc.object_id, h.in_title, str(h.title_html), str(h.snippet_html))
            for h in selectors.search(access, q, page_size=100).hits]
        for q in queries
    }
    similar = [
        [(s.doc.object_id, s.score, s.topic, s.copy, s.shared_terms, [str(p) for p in s.passages])
         for s in selectors.similar(access, title=t, body=b, limit=10, min_score=0.01)]
        for t, b in [texts.EBIKE_REWORDED, texts.EBIKE_OTHER_WORDS, ("校园周边", "学校门口接送车辆拥堵")]
    ]
    routing = [
        [(s.unit.name, s.confidence, s.reasons, [d.object_id for d in s.examples])
         for s in selectors.suggest_units(committee, title=t, body=b)]
        for t, b in [texts.EBIKE_REWORDED, ("关于加强中小学课后服务的建议", "丰富中小学课后服务课程")]
    ]
    return search, similar, routing


def _index_corpus(index_doc, committee):
    units = {u.name: u.pk for u in Unit.objects.filter(committee=committee)}
    plan = [
        (texts.EBIKE, "区住房和城乡建设局"), (texts.ELEVATOR, "区住房和城乡建设局"),
        (texts.SCHOOL_TRAFFIC, "区教育局"), (texts.CLINIC, "区卫生健康局"), (texts.KINDERGARTEN, "区教育局"),
        (texts.OLD_TREES, None), (texts.WASTE, None), (texts.EBIKE_OTHER_WORDS, None),
        *[(t, "区教育局") for t in texts.SCHOOL_HISTORY],
    ]
    for i, ((title, body), name) in enumerate(plan):
        index_doc(committee, title, body, date=dt.date(2024, 1, 1) + dt.timedelta(days=30 * i),
                  unit_id=units.get(name), state="done", category="社会建设")


def test_the_rebuild_command_reproduces_search_similar_and_routing_answers(index_doc, committee_a, staff):
    _index_corpus(index_doc, committee_a)
    services.index_refresh()
    before = _answers(committee_a, staff)
    old_ids = set(Document.objects.values_list("id", flat=True))

    out = io.StringIO()
    call_command("textindex_rebuild", stdout=out)

    assert "已重建 13 篇文档的索引" in out.getvalue()
    assert not old_ids & set(Document.objects.values_list("id", flat=True))  # really rebuilt
    assert _answers(committee_a, staff) == before
    assert_index_consistent()


def test_rebuilding_one_kind_reproduces_its_answers_and_keeps_other_kinds(index_doc, committee_a, staff):
    _index_corpus(index_doc, committee_a)
    other = index_doc(committee_a, "关于电动自行车的答复", "已建设充电桩。", kind="otherdoc", object_id=1)
    REGISTERED.remove(next(e for e in REGISTERED if e.kind == "otherdoc"))
    services.index_refresh()
    before = _answers(committee_a, staff)

    call_command("textindex_rebuild", "--kind", KIND, stdout=io.StringIO())

    assert _answers(committee_a, staff) == before
    assert Document.objects.filter(pk=other.pk).exists()
    assert other.pk in raw_ids(committee_a, "答复")
    assert_index_consistent()


def test_rebuilding_drops_documents_their_source_no_longer_has(index_doc, committee_a, staff):
    index_doc(committee_a, *texts.WASTE, object_id=801)
    index_doc(committee_a, *texts.OLD_TREES, object_id=802)
    REGISTERED[:] = [e for e in REGISTERED if e.object_id != 801]
    call_command("textindex_rebuild", stdout=io.StringIO())
    assert found(staff, "垃圾分类") == [] and raw_ids(committee_a, "垃圾分类") == []
    assert found(staff, "古树名木") == [texts.OLD_TREES[0]]
    assert_index_consistent()


def test_the_rebuild_command_refuses_an_unknown_kind_and_changes_nothing(index_doc, committee_a, staff):
    index_doc(committee_a, *texts.WASTE)
    before = (index_rowids(), bands(), profile())
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("textindex_rebuild", "--kind", "unknown", stdout=io.StringIO(), stderr=err)
    assert exit_.value.code != 0
    assert "未知的类型：unknown" in err.getvalue() and KIND in err.getvalue()
    assert (index_rowids(), bands(), profile()) == before


def test_the_refresh_only_command_keeps_the_routing_profile_the_sum_of_its_documents(index_doc, committee_a):
    _index_corpus(index_doc, committee_a)
    for i in range(10):  # past 20 documents, frequencies start to count
        index_doc(committee_a, f"关于第{i}项公共服务的建议", "建议加强公共服务。")
    terms_before = dict(Document.objects.values_list("object_id", "terms"))
    out = io.StringIO()
    call_command("textindex_rebuild", "--refresh-only", stdout=out)
    assert "已重算 23 篇文档的特征" in out.getvalue()
    assert dict(Document.objects.values_list("object_id", "terms")) != terms_before  # idf now counts
    assert_index_consistent()


# --- many at once ------------------------------------------------------------------------------------------


def _entries(committee, units):
    plan = [
        (texts.EBIKE, units[2]), (texts.ELEVATOR, units[2]), (texts.SCHOOL_TRAFFIC, units[0]),
        (texts.CLINIC, units[1]), (texts.KINDERGARTEN, units[0]), (texts.OLD_TREES, None),
    ]
    return [
        IndexEntry(kind=KIND, object_id=900 + i, committee_id=committee.pk, title=t, body=b,
                   date=dt.date(2025, 1, 1 + i), unit_id=u, unit_ids=(u,) if u else (), state="open")
        for i, ((t, b), u) in enumerate(plan)
    ]


def _state(committee, access):
    fields = ("kind", "object_id", "title", "body", "unit_id", "unit_ids", "terms", "state")
    docs = sorted(Document.objects.values_list(*fields))
    unit_profile = {(u, t): v for (_, u, t), v in profile().items()}
    return docs, bands(), unit_profile, _answers(committee, access)


def test_upserting_many_at_once_equals_upserting_one_by_one(db, committee_a, staff):
    units = list(Unit.objects.filter(committee=committee_a).order_by("order").values_list("pk", flat=True))
    entries = _entries(committee_a, units)
    reassigned = IndexEntry(**{**entries[0].__dict__, "unit_id": units[0], "state": "done"})
    with pytest.raises(Rollback), transaction.atomic():
        for e in entries:
            services.document_upsert(entry=e)
        # and once more with changes, as a re-upsert
        services.document_upsert(entry=reassigned)
        one_by_one = _state(committee_a, staff)
        raise Rollback
    assert not Document.objects.exists() and not UnitTerm.objects.exclude(items=0).exists()

    services.documents_upsert_many(entries=entries)
    services.documents_upsert_many(entries=[reassigned])
    assert _state(committee_a, staff) == one_by_one
    assert_index_consistent()


def test_upserting_the_same_object_twice_in_one_batch_keeps_the_last(db, committee_a, staff):
    first = IndexEntry(kind=KIND, object_id=1, committee_id=committee_a.pk, title="旧标题电梯", body="",
                       date=dt.date(2025, 1, 1))
    last = IndexEntry(**{**first.__dict__, "title": "新标题充电"})
    services.documents_upsert_many(entries=[first, last])
    assert found(staff, "电梯") == [] and found(staff, "充电") == ["新标题充电"]
    assert_index_consistent()


# --- the routing profile follows the lead unit -----------------------------------------------------------


def test_unit_terms_move_exactly_when_a_documents_lead_unit_changes(index_doc, committee_a):
    education, housing = unit(committee_a, "区教育局"), unit(committee_a, "区住房和城乡建设局")
    doc = index_doc(committee_a, *texts.EBIKE, object_id=701, unit_id=education.pk)
    assert UnitTerm.objects.get(unit_id=education.pk, term="").items == 1
    stored = UnitTerm.objects.filter(unit_id=education.pk).exclude(term="").values_list("term", "weight")
    assert {t: round(w, 6) for t, w in stored} == {t: round(w, 6) for t, w in services.profile_terms(doc.terms)}

    index_doc(committee_a, *texts.EBIKE, object_id=701, unit_id=housing.pk)  # the clerk reassigns it

    left = UnitTerm.objects.filter(unit_id=education.pk).values_list("term", "weight", "items")
    for term, weight, items in left:
        assert items == 0 and weight == pytest.approx(0, abs=1e-9), term
    assert UnitTerm.objects.get(unit_id=housing.pk, term="").items == 1
    assert_index_consistent()


def test_routing_follows_the_clerks_reassignment_at_once(index_doc, committee_a):
    education, housing = unit(committee_a, "区教育局"), unit(committee_a, "区住房和城乡建设局")
    Unit.objects.filter(committee=committee_a).update(duties="")  # history alone decides
    Unit.objects.filter(pk__in=[education.pk, housing.pk]).update(duties="负责本单位职责范围内的其他事项。")
    for i, (title, body) in enumerate([texts.EBIKE, texts.EBIKE_OTHER_WORDS]):
        index_doc(committee_a, title, body, object_id=710 + i, unit_id=education.pk)
    ask = dict(title=texts.EBIKE_REWORDED[0], body=texts.EBIKE_REWORDED[1])
    assert selectors.suggest_units(committee_a, **ask)[0].unit == education

    for i, (title, body) in enumerate([texts.EBIKE, texts.EBIKE_OTHER_WORDS]):
        index_doc(committee_a, title, body, object_id=710 + i, unit_id=housing.pk)

    suggestions = selectors.suggest_units(committee_a, **ask)
    assert [s.unit for s in suggestions] == [housing]
    assert "往年" in suggestions[0].reasons[0]
    assert_index_consistent()


def test_a_sequence_of_upserts_reassignments_and_deletes_keeps_the_profile_exact(index_doc, committee_a):
    units = list(Unit.objects.filter(committee=committee_a).values_list("pk", flat=True))
    all_texts = [*texts.TOPICS, texts.EBIKE_REWORDED, texts.EBIKE_OTHER_WORDS, *texts.SCHOOL_HISTORY]
    for step in range(40):
        title, body = all_texts[(step * 7) % len(all_texts)]
        object_id = 1000 + step % 9
        if step % 5 == 4:
            services.document_delete(kind=KIND, object_id=object_id)
        else:
            lead = units[step % 4] if step % 4 < 3 else None
            index_doc(committee_a, title, body, object_id=object_id, unit_id=lead)
    assert_index_consistent()
    services.index_refresh()
    assert_index_consistent()
    assert features.DOC_FREQ.corpus_size == Document.objects.count()
