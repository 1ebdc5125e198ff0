"""Similar items: reworded duplicates, partial copies with the copied passages marked, the same
problem in other words, and the same visibility rules as search. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re

import pytest

from zhengxie.accounts.permissions import access_for
from zhengxie.org.models import Unit
from zhengxie.textindex import selectors
from zhengxie.textindex.models import Audience
from zhengxie.textindex.tests import sample_texts as texts
from zhengxie.textindex.tests.conftest import KIND

COPIED = "去年以来，城区已发生多起因电动自行车充电引发的火灾"


def similar(access, title, body, **kwargs):
    return selectors.similar(access, title=title, body=body, **kwargs)


def by_title(items):
    return {s.doc.title: s for s in items}


def marked(passages):
    return [m for p in passages for m in re.findall(r"<mark>(.*?)</mark>", str(p))]


@pytest.fixture
def staff(clerk_a, committee_a):
    return access_for(clerk_a, committee_a)


@pytest.fixture
def unrelated(index_doc, committee_a):
    return [index_doc(committee_a, title, body) for title, body in texts.TOPICS if (title, body) != texts.EBIKE]


def test_a_reworded_duplicate_is_found_first_and_flagged(index_doc, committee_a, staff, unrelated):
    original = index_doc(committee_a, *texts.EBIKE)
    items = similar(staff, *texts.EBIKE_REWORDED, min_score=0.0)
    assert items[0].doc == original
    assert items[0].likely_duplicate and items[0].score >= selectors.DUPLICATE_THRESHOLD
    assert all(item.score < items[0].score for item in items[1:])
    assert "电动自行车" in items[0].shared_terms


def test_an_unrelated_document_scores_below_the_duplicate_and_below_the_default_threshold(index_doc, committee_a, staff, unrelated):
    index_doc(committee_a, *texts.EBIKE)
    scores = {s.doc.title: s.score for s in similar(staff, *texts.EBIKE_REWORDED, min_score=0.0, limit=20)}
    for doc in unrelated:
        assert scores.get(doc.title, 0.0) < scores[texts.EBIKE[0]]
    assert set(by_title(similar(staff, *texts.EBIKE_REWORDED))) == {texts.EBIKE[0]}


def test_an_identical_text_scores_one(index_doc, committee_a, staff):
    index_doc(committee_a, *texts.CLINIC)
    [item] = similar(staff, *texts.CLINIC)
    assert item.score == 1.0 and item.copy == 1.0 and item.likely_duplicate


def test_a_partial_copy_has_the_copied_passage_marked(index_doc, committee_a, staff, unrelated):
    body = "关于城市更新，我们调研了多个街道。" + COPIED + "。其余内容与老旧小区改造有关，涉及管线更新和外立面整治。"
    copy = index_doc(committee_a, "关于城市更新中消除安全隐患的建议", body)
    item = by_title(similar(staff, *texts.EBIKE))[copy.title]
    assert item.copy > 0.05 and item.passages
    assert COPIED in marked(item.passages)


def test_copied_passages_are_marked_in_place_after_characters_that_normalisation_expands(index_doc, committee_a, staff):
    """…… ㎡ ㈠ ℃ grow under NFKC; the marks must still wrap the copied words as written."""
    body = "……㈠建筑面积约三千㎡，室温三十℃……" * 3 + COPIED + "。另有……内容①②。"
    copy = index_doc(committee_a, "关于消除安全隐患的建议", body)
    item = by_title(similar(staff, *texts.EBIKE))[copy.title]
    assert marked(item.passages) == [COPIED]


def test_passages_are_escaped(index_doc, committee_a, staff):
    body = "<b>注意</b>" + COPIED + "<script>x</script>"
    copy = index_doc(committee_a, "关于安全的建议", body)
    [passage] = by_title(similar(staff, *texts.EBIKE))[copy.title].passages
    assert "<script>" not in passage and "&lt;b&gt;" in passage


def test_the_same_problem_in_other_words_is_found_by_its_subject(index_doc, committee_a, staff, unrelated):
    other_words = index_doc(committee_a, *texts.EBIKE_OTHER_WORDS)
    items = similar(staff, *texts.EBIKE)
    assert items and items[0].doc == other_words
    assert items[0].topic > items[0].copy  # it is the subject they share, not the wording
    shared = "".join(items[0].shared_terms)
    assert "电动自行车" in shared and "楼道" in shared and "充电" in shared


def test_the_document_being_edited_is_excluded_from_its_own_similar_items(index_doc, committee_a, staff):
    index_doc(committee_a, *texts.EBIKE, object_id=11)
    twin = index_doc(committee_a, *texts.EBIKE_REWORDED, object_id=12)
    items = similar(staff, *texts.EBIKE, exclude=(KIND, 11))
    assert [s.doc for s in items] == [twin]
    assert similar(staff, *texts.EBIKE, exclude=(KIND, 999)) != []  # an unknown exclude excludes nothing
    assert similar(staff, *texts.EBIKE, exclude=("otherkind", 11))[0].doc.object_id == 11


def test_the_kinds_argument_keeps_only_those_kinds(index_doc, committee_a, staff):
    index_doc(committee_a, *texts.EBIKE, kind="otherkind", object_id=1)
    index_doc(committee_a, *texts.EBIKE_REWORDED, object_id=2)
    assert [s.doc.object_id for s in similar(staff, *texts.EBIKE, kinds=[KIND])] == [2]
    assert similar(staff, *texts.EBIKE, kinds=["nosuchkind"]) == []


def test_results_are_at_most_limit_and_best_first(index_doc, committee_a, staff):
    for i in range(6):
        index_doc(committee_a, texts.EBIKE[0], texts.EBIKE[1][: 60 + 30 * i])
    items = similar(staff, *texts.EBIKE, limit=4)
    assert len(items) == 4
    assert [s.score for s in items] == sorted((s.score for s in items), reverse=True)


# --- who sees what ---------------------------------------------------------------------------------------


@pytest.fixture
def ebike_everywhere(index_doc, committee_a, committee_b):
    """The reworded duplicate indexed with every audience in committee A and in committee B."""
    edu_a = Unit.objects.get(committee=committee_a, name="区教育局").pk
    for audience in Audience.values:
        index_doc(committee_a, f"甲{audience} " + texts.EBIKE_REWORDED[0], texts.EBIKE_REWORDED[1], audience=audience)
        index_doc(committee_b, f"乙{audience} " + texts.EBIKE_REWORDED[0], texts.EBIKE_REWORDED[1], audience=audience)
    index_doc(committee_a, "甲教育局 " + texts.EBIKE_REWORDED[0], texts.EBIKE_REWORDED[1], unit_ids=(edu_a,))


def seen(access, **kwargs):
    return sorted(s.doc.title.split()[0] for s in similar(access, *texts.EBIKE, limit=20, **kwargs))


def test_a_member_does_not_see_staff_only_documents(ebike_everywhere, member_a, committee_a):
    assert seen(access_for(member_a, committee_a)) == ["甲members", "甲public"]


def test_the_clerk_sees_every_document_of_the_committee_and_none_of_another(ebike_everywhere, clerk_a, committee_a):
    assert seen(access_for(clerk_a, committee_a)) == ["甲members", "甲public", "甲staff", "甲教育局"]


def test_a_unit_clerk_sees_staff_documents_of_their_unit(ebike_everywhere, unit_a, committee_a):
    got = seen(access_for(unit_a, committee_a))
    assert "甲教育局" in got and "甲public" in got and "甲staff" not in got


def test_another_committees_documents_appear_only_when_public_and_asked_for(ebike_everywhere, clerk_a, member_a, committee_a):
    for persona in (clerk_a, member_a):
        access = access_for(persona, committee_a)
        assert not [t for t in seen(access) if t.startswith("乙")]
        assert [t for t in seen(access, whole_deployment=True) if t.startswith("乙")] == ["乙public"]


def test_someone_with_no_committee_gets_nothing(ebike_everywhere, member_a):
    assert similar(access_for(member_a, None), *texts.EBIKE) == []


# --- odd input -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("title, body", [("", ""), ("。。。", "！！！"), ("😀", "😀"), ("abc", "wifi 5g"), (None, None), ("的", "")])
def test_text_without_chinese_words_has_no_similar_items(index_doc, committee_a, staff, title, body):
    index_doc(committee_a, *texts.EBIKE)
    assert similar(staff, title, body) == []


def test_a_very_long_text_is_answered(index_doc, committee_a, staff):
    index_doc(committee_a, *texts.EBIKE)
    items = similar(staff, texts.EBIKE[0] * 50, texts.EBIKE[1] * 200)
    assert items and items[0].doc.title == texts.EBIKE[0]
