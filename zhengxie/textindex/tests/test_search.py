"""Search: ordering (title hits, then body hits, newest first), every filter, paging, who sees what,
the count cap, and input nobody should be able to break it with. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from zhengxie.accounts.permissions import Perm, access_for
from zhengxie.org.models import Session, Unit
from zhengxie.testing.factories import make_user
from zhengxie.textindex import selectors, tokens
from zhengxie.textindex.models import Audience
from zhengxie.textindex.registry import IndexEntry, Source, register_source, unregister_source
from zhengxie.textindex.selectors import SearchFilters, SearchResult
from zhengxie.textindex.services import document_delete, document_upsert
from zhengxie.textindex.tests.conftest import KIND

NOTE = "testnote"


def titles(result: SearchResult) -> list[str]:
    return [h.doc.title for h in result.hits]


def find(access, query, **filters) -> list[str]:
    return titles(selectors.search(access, query, filters=SearchFilters(**filters), page_size=100))


@pytest.fixture
def staff(clerk_a, committee_a):
    return access_for(clerk_a, committee_a)


@pytest.fixture
def note_source():
    """A second registered kind, for the kind filter."""
    register_source(Source(kind=NOTE, label="测试便笺", staff_perm=Perm.VIEW_PERSONAL, entries=list))
    yield NOTE
    unregister_source(NOTE)


# --- order -----------------------------------------------------------------------------------------------


def test_title_hits_come_before_body_hits_and_each_tier_is_newest_first(index_doc, committee_a, staff):
    index_doc(committee_a, "关于充电桩建设的建议（旧）", "内容。", date=dt.date(2023, 1, 1))
    index_doc(committee_a, "关于楼道安全的建议（旧）", "楼道充电隐患。", date=dt.date(2023, 6, 1))
    index_doc(committee_a, "关于充电桩建设的建议（新）", "内容。", date=dt.date(2025, 1, 1))
    index_doc(committee_a, "关于楼道安全的建议（新）", "楼道充电隐患。", date=dt.date(2025, 6, 1))
    index_doc(committee_a, "关于公园绿化的建议", "增加绿地。")

    result = selectors.search(staff, "充电")

    assert titles(result) == [
        "关于充电桩建设的建议（新）", "关于充电桩建设的建议（旧）", "关于楼道安全的建议（新）", "关于楼道安全的建议（旧）",
    ]
    assert [h.in_title for h in result.hits] == [True, True, False, False]
    assert result.total == 4 and not result.capped and result.message == ""


def test_a_title_hit_needs_every_query_word_in_the_title(index_doc, committee_a, staff):
    index_doc(committee_a, "关于电动自行车管理的建议", "楼道充电问题突出。")
    index_doc(committee_a, "关于电动自行车充电的建议", "楼道问题。", date=dt.date(2020, 1, 1))
    result = selectors.search(staff, "电动自行车 充电")
    assert titles(result) == ["关于电动自行车充电的建议", "关于电动自行车管理的建议"]
    assert [h.in_title for h in result.hits] == [True, False]


def test_matches_are_marked_in_the_title_and_the_snippet_and_everything_else_is_escaped(index_doc, committee_a, staff):
    index_doc(committee_a, "关于<b>充电</b>的建议", "前文<script>alert(1)</script>楼道充电隐患&后文。")
    hit = selectors.search(staff, "充电").hits[0]
    assert str(hit.title_html) == "关于&lt;b&gt;<mark>充电</mark>&lt;/b&gt;的建议"
    assert "<mark>充电</mark>" in hit.snippet_html
    assert "<script" not in hit.snippet_html and "</script" not in hit.snippet_html
    assert "&lt;/script&gt;" in hit.snippet_html and "&amp;后文" in hit.snippet_html


def test_the_snippet_shows_the_densest_run_of_matches(index_doc, committee_a, staff):
    body = "充电" + "无关内容。" * 60 + "楼道充电、集中充电、智能充电桩充电。" + "其他内容。" * 60
    index_doc(committee_a, "关于安全的建议", body)
    snippet = str(selectors.search(staff, "充电").hits[0].snippet_html)
    assert snippet.startswith("…") and snippet.endswith("…")
    assert snippet.count("<mark>充电</mark>") == 4


def test_a_snippet_of_a_long_body_full_of_matches_is_quick():
    """A search for 的 over long documents used to compare every pair of matches: seconds per hit."""
    import time

    body = "我区的电动自行车的数量的增长的很快的，" * 3000  # 57,000 characters, 15,000 matches
    started = time.monotonic()
    snippet = selectors.snippet(body, tokens.query_tokens("的"))
    assert time.monotonic() - started < 2.0
    assert "<mark>的</mark>" in snippet


def test_a_search_costs_the_same_few_queries_however_many_hits(index_doc, committee_a, staff, django_assert_max_num_queries):
    for i in range(25):
        index_doc(committee_a, f"关于充电设施第{i}号的建议", "楼道充电隐患。" if i % 2 else "内容。")
    with django_assert_max_num_queries(5):
        result = selectors.search(staff, "充电")
    assert len(result.hits) == 20


# --- filters ---------------------------------------------------------------------------------------------


@pytest.fixture
def filtered_corpus(index_doc, committee_a, note_source):
    """Eight documents all about 充电, each differing from `base` in one filter field."""
    term = Session.objects.get(committee=committee_a).term
    sessions = {
        "s5": Session.objects.get(committee=committee_a),
        "s4": Session.objects.create(committee=committee_a, term=term, number=4, name="十一届四次会议",
                                     start_date=dt.date(2025, 1, 6), end_date=dt.date(2025, 1, 10)),
    }
    units = {u.name: u for u in Unit.objects.filter(committee=committee_a)}
    base = dict(session_id=sessions["s5"].pk, state="open", category="社会建设", unit_id=units["区教育局"].pk,
                date=dt.date(2026, 3, 1))
    variants = {
        "base": {},
        "kind": {"kind": NOTE},
        "session": {"session_id": sessions["s4"].pk},
        "no_session": {"session_id": None},
        "state": {"state": "done"},
        "category": {"category": "经济建设"},
        "unit": {"unit_id": units["区卫生健康局"].pk},
        "also_unit": {"unit_id": units["区卫生健康局"].pk, "unit_ids": (units["区教育局"].pk,)},
        "early": {"date": dt.date(2025, 12, 31)},
        "late": {"date": dt.date(2026, 6, 1)},
    }
    for name, changes in variants.items():
        index_doc(committee_a, f"{name} 充电设施", "楼道充电。", **{**base, **changes})
    return sessions, units


def test_each_filter_narrows_the_results_to_the_documents_that_have_it(filtered_corpus, staff):
    sessions, units = filtered_corpus
    hits = lambda **f: sorted(t.split()[0] for t in find(staff, "充电", **f))  # noqa: E731
    everything = ["also_unit", "base", "category", "early", "kind", "late", "no_session", "session", "state", "unit"]
    assert hits() == everything
    assert hits(kind=KIND) == [n for n in everything if n != "kind"]
    assert hits(kind=NOTE) == ["kind"]
    assert hits(session_id=sessions["s4"].pk) == ["session"]
    assert not {"session", "no_session"} & set(hits(session_id=sessions["s5"].pk))
    assert hits(state="done") == ["state"]
    assert hits(category="经济建设") == ["category"]
    assert hits(unit_id=units["区卫生健康局"].pk) == ["also_unit", "unit"]
    assert hits(unit_id=units["区教育局"].pk) == [n for n in everything if n != "unit"]  # lead unit or concerned
    assert hits(unit_id=units["区住房和城乡建设局"].pk) == []
    assert hits(date_from=dt.date(2026, 3, 2)) == ["late"]
    assert hits(date_to=dt.date(2026, 2, 28)) == ["early"]
    in_range = [n for n in everything if n not in ("early", "late")]
    assert hits(date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 3, 1)) == in_range
    assert hits(date_from=dt.date(2026, 6, 2), date_to=dt.date(2026, 1, 1)) == []


def test_filters_combine(filtered_corpus, staff):
    sessions, units = filtered_corpus
    assert find(staff, "充电", state="done", category="经济建设") == []
    day = dt.date(2026, 3, 1)
    assert find(staff, "充电", state="done", kind=KIND, unit_id=units["区教育局"].pk,
                session_id=sessions["s5"].pk, date_from=day, date_to=day) == ["state 充电设施"]


def test_an_unknown_kind_or_state_finds_nothing_instead_of_everything(filtered_corpus, staff):
    assert find(staff, "充电", kind="nosuchkind") == []
    assert find(staff, "充电", state="nosuchstate") == []
    assert find(staff, "充电", category="不存在的类别") == []


# --- paging ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page_size", [1, 3, 4, 7, 20])
def test_paging_across_the_title_and_body_tiers_has_no_duplicates_and_no_gaps(index_doc, committee_a, staff, page_size):
    for i in range(7):
        index_doc(committee_a, f"电梯加装第{i}号", "内容。")
        index_doc(committee_a, f"其他事项第{i}号", "老旧小区电梯加装。")
    index_doc(committee_a, "其他事项第7号", "老旧小区电梯加装。")
    everything = find(staff, "电梯")
    assert len(everything) == 15 and everything[:7] == [f"电梯加装第{i}号" for i in reversed(range(7))]

    pages, page = [], 1
    while True:
        result = selectors.search(staff, "电梯", page=page, page_size=page_size)
        assert result.total == 15 and result.pages == -(-15 // page_size)
        if not result.hits:
            break
        pages.append(titles(result))
        page += 1
    assert [t for p in pages for t in p] == everything
    assert all(len(p) == page_size for p in pages[:-1])
    assert len(pages) == -(-15 // page_size)


def test_out_of_range_pages_are_clamped_not_errors(index_doc, committee_a, staff):
    index_doc(committee_a, "电梯", "")
    assert selectors.search(staff, "电梯", page=0).page == 1
    assert selectors.search(staff, "电梯", page=-5).page == 1
    assert selectors.search(staff, "电梯", page=10_000).page == selectors.MAX_PAGE
    assert selectors.search(staff, "电梯", page=2).hits == []
    assert selectors.search(staff, "电梯", page_size=0).page_size == 20
    assert selectors.search(staff, "电梯", page_size=10_000).page_size == 100


# --- count cap -------------------------------------------------------------------------------------------


def test_more_matches_than_the_cap_are_counted_as_the_cap_and_flagged(index_doc, committee_a, staff, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 4)
    for i in range(3):
        index_doc(committee_a, f"充电{i}", "")
        index_doc(committee_a, f"其他{i}", "充电")
    result = selectors.search(staff, "充电", page_size=2)
    assert result.total == 4 and result.capped and result.pages == 2
    assert len(selectors.search(staff, "充电", page_size=100).hits) == 6  # the cap limits counting, not paging


def test_exactly_the_cap_is_not_flagged(index_doc, committee_a, staff, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 4)
    for i in range(2):
        index_doc(committee_a, f"充电{i}", "")
        index_doc(committee_a, f"其他{i}", "充电")
    result = selectors.search(staff, "充电")
    assert result.total == 4 and not result.capped


# --- who sees what ---------------------------------------------------------------------------------------


@pytest.fixture
def audiences(index_doc, committee_a, committee_b):
    units = {u.name: u.pk for u in Unit.objects.filter(committee=committee_a)}
    index_doc(committee_a, "公开 充电", audience=Audience.PUBLIC)
    index_doc(committee_a, "委员 充电", audience=Audience.MEMBERS)
    index_doc(committee_a, "内部 充电", audience=Audience.STAFF)
    index_doc(committee_a, "教育局参办 充电", audience=Audience.STAFF, unit_ids=(units["区教育局"], units["区卫生健康局"]))
    index_doc(committee_a, "教育局主办 充电", audience=Audience.STAFF, unit_id=units["区教育局"])
    index_doc(committee_a, "卫健局主办 充电", audience=Audience.STAFF, unit_id=units["区卫生健康局"],
              unit_ids=(units["区卫生健康局"],))
    unit_b = Unit.objects.get(committee=committee_b, name="区教育局").pk
    for audience in Audience.values:
        index_doc(committee_b, f"乙区{audience} 充电", audience=audience, unit_id=unit_b, unit_ids=(unit_b,))


def test_a_member_sees_member_and_public_documents_only(audiences, member_a, committee_a):
    assert sorted(find(access_for(member_a, committee_a), "充电")) == ["公开 充电", "委员 充电"]


def test_a_leader_without_staff_permission_sees_what_members_see(audiences, leader_a, committee_a):
    assert sorted(find(access_for(leader_a, committee_a), "充电")) == ["公开 充电", "委员 充电"]


def test_the_proposal_clerk_sees_staff_documents_too(audiences, clerk_a, committee_a):
    assert len(find(access_for(clerk_a, committee_a), "充电")) == 6


def test_a_unit_clerk_sees_the_staff_documents_of_their_unit_and_no_other_units(audiences, unit_a, committee_a):
    seen = find(access_for(unit_a, committee_a), "充电")
    assert {"教育局参办 充电", "教育局主办 充电", "公开 充电"} <= set(seen)
    assert not {"内部 充电", "卫健局主办 充电"} & set(seen)


def test_someone_without_a_role_in_the_committee_sees_public_documents_only(audiences, committee_a):
    outsider = make_user("outsider")
    assert find(access_for(outsider, committee_a), "充电") == ["公开 充电"]


@pytest.mark.parametrize("persona", ["member_a", "clerk_a", "unit_a", "leader_a", "admin_a"])
def test_nobody_in_committee_a_sees_any_document_of_committee_b(audiences, committee_a, persona, request):
    access = access_for(request.getfixturevalue(persona), committee_a)
    assert not [t for t in find(access, "充电") if t.startswith("乙区")]
    assert find(access, "乙区") == []


def test_committee_b_staff_see_their_own_documents_only(audiences, clerk_b, committee_b):
    assert sorted(find(access_for(clerk_b, committee_b), "充电")) == sorted(f"乙区{a} 充电" for a in Audience.values)


def test_a_documents_own_words_cannot_pass_for_its_audience_committee_or_state(index_doc, committee_a, committee_b,
                                                                                 member_a, member_b, unit_a):
    """On PostgreSQL the filter tokens share the tsvector with the text: look-alike words must not count."""
    edu = Unit.objects.get(committee=committee_a, name="区教育局").pk
    fake = f"zapublic zamembers zc{committee_b.pk} zk{KIND} zu{edu} ztopen"
    index_doc(committee_a, "内部 充电 " + fake, fake, audience=Audience.STAFF)
    assert find(access_for(member_a, committee_a), "充电") == []
    assert find(access_for(unit_a, committee_a), "充电") == []
    assert find(access_for(member_b, committee_b), "充电") == []
    admin_b = make_user("admin_outside")
    assert find(access_for(admin_b, committee_b), "zapublic") == []


def test_a_state_filter_is_not_satisfied_by_a_word_in_the_text(index_doc, committee_a, staff):
    index_doc(committee_a, "充电 ztopen", "ztopen", state="done")
    assert find(staff, "充电", state="open") == []
    assert find(staff, "充电", state="done") == ["充电 ztopen"]


def test_a_user_without_a_committee_finds_nothing(index_doc, committee_a, member_a):
    index_doc(committee_a, "公开 充电", audience=Audience.PUBLIC)
    assert find(access_for(member_a, None), "充电") == []


# --- odd input -------------------------------------------------------------------------------------------

NOTHING_TO_SEARCH = ["", " ", "\t\n", "。。。！！", "😀😀", "\x00", None]

ODD_QUERIES = [
    "的",
    "关于加快老旧小区加装电梯的建议。" * 625,  # 10,000 characters
    "😀充电😀",
    "5G基站wifi覆盖",
    "ＡＢＣ",
    "'; DROP TABLE x; --",
    "' OR 1=1",
    "' OR '1'='1' --",
    "1; SELECT * FROM textindex_document",
    "电动 NEAR 充电",
    "NEAR(充电 电动, 2)",
    "充电*",
    "^充电",
    "充电 AND OR NOT",
    "AND",
    "NOT 充电",
    '"充电',
    '充电"',
    '""',
    "{title}: 充电",
    "{title body scope}: zc1",
    "title:充电",
    "col:充电",
    "scope:zapublic",
    "充电 & !电梯 | x:*",
    "'充电'",
    "充电:*",
    "!!充电",
    "(充电",
    "充电)",
    "充\x00电",
    "\\充电\\",
    "%_充电%",
    "ｚａｐｕｂｌｉｃ",
    "a" * 500,
    "充" * 500,
    "\U0010ffff充电\ufffe",
    "\ufaff\u9fff\u3400〇",
]


@pytest.fixture
def odd_corpus(index_doc, committee_a):
    index_doc(committee_a, "关于电动自行车楼道充电的建议", "5G基站与wifi覆盖；ABC；NEAR；title；col；关于加快老旧小区加装电梯的建议。")
    index_doc(committee_a, "关于加装电梯的建议", "的确需要。", audience=Audience.PUBLIC)


@pytest.mark.parametrize("query", NOTHING_TO_SEARCH, ids=repr)
def test_a_query_with_nothing_to_search_answers_empty_with_a_message(odd_corpus, staff, query):
    result = selectors.search(staff, query)
    assert isinstance(result, SearchResult)
    assert result.hits == [] and result.total == 0 and result.message


@pytest.mark.parametrize("query", ODD_QUERIES, ids=lambda q: repr(q[:30]))
def test_odd_queries_answer_a_result_without_raising(odd_corpus, staff, member_a, committee_a, query):
    for access in (staff, access_for(member_a, committee_a)):
        result = selectors.search(access, query)
        assert isinstance(result, SearchResult)
        assert result.total == len(result.hits)
        for hit in result.hits:
            str(hit.title_html), str(hit.snippet_html)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("充电*", 1), ("^充电", 1), ('"充电', 1), ("'充电'", 1), ("充电:*", 1), ("(充电", 1), ("充\x00电", 1),
        ("ＡＢＣ", 1), ("5G基站wifi覆盖", 1), ("电动 NEAR 充电", 1), ("{title}: 充电", 1), ("col:充电", 1),
        ("充电 AND OR NOT", 0), ("scope:zapublic", 0), ("' OR 1=1", 0), ("的", 2), ("电梯", 2),
    ],
)
def test_query_syntax_characters_are_plain_text(odd_corpus, staff, query, expected):
    """Operators are neither executed nor an error: only the words in them are searched for."""
    assert len(selectors.search(staff, query).hits) == expected


def test_a_query_copied_whole_from_a_long_title_finds_its_document(index_doc, committee_a, staff):
    title = "推广智慧校园、" * 8 + "smartcampus平台"
    index_doc(committee_a, title, "")
    result = selectors.search(staff, title)
    assert titles(result) == [title]
    assert "只按前" in result.message


def test_a_very_long_query_is_cut_and_says_so(odd_corpus, staff):
    result = selectors.search(staff, "关于加快老旧小区加装电梯的建议。" * 625)
    assert str(tokens.MAX_QUERY_CHARS) in result.message
    assert titles(result) == ["关于电动自行车楼道充电的建议"]  # its body holds the sentence repeated


# --- a copied passage always finds its document ------------------------------------------------------------

_any_cjk = st.characters(codec=None, categories=None, min_codepoint=0x3400, max_codepoint=0x9FFF)
_passage_alphabet = st.one_of(
    st.sampled_from(list("电动自行车充电楼道火灾小区")),
    _any_cjk,
    st.characters(min_codepoint=0xF900, max_codepoint=0xFAFF),  # compatibility ideographs, some unassigned
    st.sampled_from(list("〇，。 abcＡＢ12５-")),
)


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=_passage_alphabet, min_size=1, max_size=80), st.data())
@example("\ufaff\u9fff\u3400〇充电", None)
def test_a_passage_copied_from_a_title_or_body_finds_its_document(staff, committee_a, text, data):
    if data is None:
        start, end = 0, len(text)
    else:
        start = data.draw(st.integers(0, len(text) - 1))
        end = data.draw(st.integers(start + 1, len(text)))
    query = text[start:end]
    entry = IndexEntry(kind=KIND, object_id=424242, committee_id=committee_a.pk, title=text[:40],
                       body=text[40:] or text, date=dt.date(2026, 1, 1))
    doc = document_upsert(entry=entry)
    try:
        result = selectors.search(staff, query)
        wanted = set(tokens.query_tokens(query))
        if wanted and wanted <= set(tokens.index_tokens(entry.title + "\n" + entry.body)):
            assert doc.pk in [h.doc.pk for h in result.hits]
    finally:
        document_delete(kind=KIND, object_id=424242)


def test_a_run_together_query_also_finds_its_words_apart_after_the_exact_matches(clerk_a, committee_a, index_doc):
    from zhengxie.accounts.permissions import access_for
    from zhengxie.textindex.selectors import search

    apart = index_doc(committee_a, "关于规范电动自行车停放的提案", "小区充电设施不足，居民私拉电线。")
    exact = index_doc(committee_a, "关于解决电动自行车充电难的提案", "建议增设充电桩。")
    index_doc(committee_a, "关于老旧小区加装电梯的提案", "电梯审批慢。")

    result = search(access_for(clerk_a, committee_a), "电动自行车充电")

    assert [h.doc.pk for h in result.hits] == [exact.pk, apart.pk]
    assert result.total == 2 and result.relaxed


def test_a_short_query_is_never_relaxed(clerk_a, committee_a, index_doc):
    from zhengxie.accounts.permissions import access_for
    from zhengxie.textindex.selectors import search

    index_doc(committee_a, "关于校园安全的提案", "校车接送。")

    result = search(access_for(clerk_a, committee_a), "校园车")

    assert result.hits == [] and not result.relaxed
