"""Routing suggestions (交办建议): which unit should lead on a new item. Duties decide while a
committee has no history; the units that handled similar items before take over as history grows,
and a clerk's reassignment counts at once. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest

from zhengxie.org.models import Unit
from zhengxie.textindex import selectors
from zhengxie.textindex.services import document_delete
from zhengxie.textindex.tests import sample_texts as texts
from zhengxie.textindex.tests.conftest import KIND

NEUTRAL = "负责本单位职责范围内的其他事项。"
FIRE_DUTIES = "负责火灾预防和扑救，开展消防安全检查，整治电动自行车违规停放、楼道堆物和飞线充电等火灾隐患，组织消防安全宣传。"
SCHOOL_DUTIES = "负责中小学和幼儿园的规划、招生、课程、师资和校园安全管理，指导学校课后服务和心理健康教育。"
HEALTH_DUTIES = "负责医疗机构管理，推进社区卫生服务中心建设和家庭医生签约服务，培养全科医生。"


def suggest(committee, title, body="", **kwargs):
    return selectors.suggest_units(committee, title=title, body=body, **kwargs)


def names(suggestions):
    return [s.unit.name for s in suggestions]


def units_of(committee):
    return {u.name: u for u in Unit.objects.filter(committee=committee)}


@pytest.fixture
def own_duties(committee_a):
    """Every unit of committee A with duties written by the committee (the catalogue plays no part)."""
    Unit.objects.filter(committee=committee_a).update(duties=NEUTRAL)
    Unit.objects.filter(committee=committee_a, name="区教育局").update(duties=SCHOOL_DUTIES)
    Unit.objects.filter(committee=committee_a, name="区卫生健康局").update(duties=HEALTH_DUTIES)
    Unit.objects.create(committee=committee_a, name="区消防救援大队", duties=FIRE_DUTIES, order=9)
    return units_of(committee_a)


@pytest.fixture
def neutral_duties(committee_a):
    """Duties that point nowhere: only history can decide."""
    Unit.objects.filter(committee=committee_a).update(duties=NEUTRAL)
    return units_of(committee_a)


def index_history(index_doc, committee, items, unit, first_id):
    return [index_doc(committee, t, b, object_id=first_id + i, unit_id=unit.pk) for i, (t, b) in enumerate(items)]


# --- duties, no history ----------------------------------------------------------------------------------


def test_with_no_history_the_unit_whose_duties_match_wins(own_duties, committee_a):
    assert names(suggest(committee_a, *texts.EBIKE))[0] == "区消防救援大队"
    assert names(suggest(committee_a, *texts.CLINIC))[0] == "区卫生健康局"
    assert names(suggest(committee_a, "关于加强中小学心理健康教育的建议", "每所学校配备专职心理教师。"))[0] == "区教育局"


def test_a_duties_match_gives_the_matching_words_as_its_reason(own_duties, committee_a):
    first = suggest(committee_a, *texts.EBIKE)[0]
    [reason] = first.reasons
    assert reason.startswith("职责相符：") and "电动自行车" in reason
    assert first.examples == []


def test_a_deactivated_unit_is_not_suggested_for_its_duties(own_duties, committee_a):
    Unit.objects.filter(name="区消防救援大队").update(is_active=False)
    assert "区消防救援大队" not in names(suggest(committee_a, *texts.EBIKE))


# --- history ---------------------------------------------------------------------------------------------


def test_the_unit_that_handled_similar_items_before_is_suggested_with_its_history_as_reason(
    index_doc, neutral_duties, committee_a
):
    education = neutral_duties["区教育局"]
    past = index_history(index_doc, committee_a, texts.SCHOOL_HISTORY, education, 100)
    index_doc(committee_a, *texts.ELEVATOR, unit_id=neutral_duties["区住房和城乡建设局"].pk)

    suggestions = suggest(committee_a, "关于丰富中小学课后服务的建议", "中小学课后服务课程单一，建议引入社会力量丰富课后服务。")

    assert suggestions[0].unit == education
    assert "往年" in suggestions[0].reasons[0] and "5 件" in suggestions[0].reasons[0]
    assert suggestions[0].examples and set(suggestions[0].examples) <= set(past)
    assert "课后服务" in suggestions[0].examples[0].title


def test_history_outweighs_duties_once_it_is_longer_than_the_prior(index_doc, own_duties, committee_a, monkeypatch):
    """Every electric-bike item went to 住建局: it now leads, though the fire brigade's duties match."""
    monkeypatch.setattr(selectors, "HISTORY_PRIOR", 10)
    housing = own_duties["区住房和城乡建设局"]
    ebike = [texts.EBIKE, texts.EBIKE_REWORDED, texts.EBIKE_OTHER_WORDS]
    items = [(f"{t}（{i}）", b) for i in range(10) for t, b in ebike]
    index_history(index_doc, committee_a, items, housing, 200)
    suggestions = suggest(committee_a, "关于治理电动自行车楼道充电的建议", "楼道内电动自行车充电容易引发火灾。")
    assert names(suggestions)[:2] == ["区住房和城乡建设局", "区消防救援大队"]


def test_a_reassignment_by_the_clerk_moves_the_next_suggestion(index_doc, neutral_duties, committee_a):
    education, housing = neutral_duties["区教育局"], neutral_duties["区住房和城乡建设局"]
    index_history(index_doc, committee_a, [texts.EBIKE, texts.EBIKE_OTHER_WORDS], education, 300)
    assert names(suggest(committee_a, *texts.EBIKE_REWORDED))[0] == "区教育局"

    index_history(index_doc, committee_a, [texts.EBIKE, texts.EBIKE_OTHER_WORDS], housing, 300)

    assert names(suggest(committee_a, *texts.EBIKE_REWORDED)) == ["区住房和城乡建设局"]


def test_a_unit_whose_items_were_all_moved_away_is_not_suggested_from_history(index_doc, neutral_duties, committee_a):
    """Adding and then subtracting weights leaves float dust (0.1 + 0.2 - 0.1 - 0.2 > 0): it must not count."""
    education, housing = neutral_duties["区教育局"], neutral_duties["区住房和城乡建设局"]
    items = [texts.EBIKE, texts.EBIKE_REWORDED, texts.EBIKE_OTHER_WORDS] * 3
    index_history(index_doc, committee_a, items, education, 400)
    index_history(index_doc, committee_a, items[::-1], housing, 400)  # reassigned, in another order
    suggestions = suggest(committee_a, *texts.EBIKE)
    assert names(suggestions) == ["区住房和城乡建设局"]
    assert all("0 件" not in reason for s in suggestions for reason in s.reasons)


def test_deleted_items_no_longer_count_as_history(index_doc, neutral_duties, committee_a):
    education = neutral_duties["区教育局"]
    index_history(index_doc, committee_a, texts.SCHOOL_HISTORY, education, 500)
    for i in range(len(texts.SCHOOL_HISTORY)):
        document_delete(kind=KIND, object_id=500 + i)
    assert suggest(committee_a, *texts.SCHOOL_HISTORY[0]) == []


def test_a_deactivated_unit_is_not_suggested_from_its_history(index_doc, neutral_duties, committee_a):
    education = neutral_duties["区教育局"]
    index_history(index_doc, committee_a, texts.SCHOOL_HISTORY, education, 600)
    Unit.objects.filter(pk=education.pk).update(is_active=False)
    assert "区教育局" not in names(suggest(committee_a, *texts.SCHOOL_HISTORY[0]))


def test_the_item_being_routed_is_not_its_own_example(index_doc, neutral_duties, committee_a):
    education = neutral_duties["区教育局"]
    index_history(index_doc, committee_a, texts.SCHOOL_HISTORY, education, 700)
    [first] = suggest(committee_a, *texts.SCHOOL_HISTORY[0], exclude=(KIND, 700), limit=1)
    assert first.examples and 700 not in [d.object_id for d in first.examples]


def test_another_committees_history_does_not_route_this_committees_items(index_doc, neutral_duties, committee_a, committee_b):
    Unit.objects.filter(committee=committee_b).update(duties=NEUTRAL)
    education_b = Unit.objects.get(committee=committee_b, name="区教育局")
    index_history(index_doc, committee_b, texts.SCHOOL_HISTORY, education_b, 800)
    assert suggest(committee_a, *texts.SCHOOL_HISTORY[0]) == []
    assert {s.unit.committee_id for s in suggest(committee_b, *texts.SCHOOL_HISTORY[0])} == {committee_b.pk}


# --- shape of the answer ---------------------------------------------------------------------------------


def test_confidences_are_between_zero_and_one_and_best_first(index_doc, own_duties, committee_a):
    index_history(index_doc, committee_a, texts.SCHOOL_HISTORY, own_duties["区教育局"], 900)
    index_history(index_doc, committee_a, [texts.EBIKE, texts.ELEVATOR], own_duties["区住房和城乡建设局"], 950)
    for title, body in [*texts.TOPICS, texts.EBIKE_OTHER_WORDS, *texts.SCHOOL_HISTORY]:
        suggestions = suggest(committee_a, title, body)
        confidences = [s.confidence for s in suggestions]
        assert all(0 < c <= 1 for c in confidences), (title, confidences)
        assert confidences == sorted(confidences, reverse=True)
        assert sum(confidences) <= 1 + 0.0005 * len(confidences)  # each rounded to 0.001
        assert len(suggestions) <= 3 and len({s.unit for s in suggestions}) == len(suggestions)
        assert all(s.reasons for s in suggestions)


def test_the_limit_caps_the_number_of_suggestions(own_duties, committee_a):
    assert len(suggest(committee_a, *texts.EBIKE, limit=1)) == 1


@pytest.mark.parametrize("title, body", [("", ""), (None, None), (" ", "\n"), ("。。。", "！！！"), ("😀", ""), ("abc", "5g wifi")])
def test_text_with_nothing_to_go_on_gets_no_suggestion(index_doc, own_duties, committee_a, title, body):
    index_history(index_doc, committee_a, texts.SCHOOL_HISTORY, own_duties["区教育局"], 1000)
    assert suggest(committee_a, title, body) == []


def test_a_committee_with_no_units_gets_no_suggestion(db):
    from zhengxie.org.models import Committee

    empty = Committee.objects.create(code="empty", name="空政协", short_name="空政协", region_name="空")
    assert suggest(empty, *texts.EBIKE) == []


def test_suggestions_cost_a_bounded_number_of_queries(index_doc, own_duties, committee_a, django_assert_max_num_queries):
    index_history(index_doc, committee_a, texts.SCHOOL_HISTORY, own_duties["区教育局"], 1100)
    suggest(committee_a, *texts.EBIKE)  # warms the duties cache and the frequency cache
    with django_assert_max_num_queries(5):
        suggest(committee_a, *texts.SCHOOL_HISTORY[0])


# --- the standard catalogue, when a unit has no duties of its own ------------------------------------------


def test_with_no_history_and_no_own_duties_the_catalogue_routes_by_unit_name(committee_a):
    from zhengxie.org import departments

    if not departments.DATA.exists():
        pytest.skip("org/data/departments.json is not there yet")
    assert names(suggest(committee_a, "关于加强中小学心理健康教育的建议", "每所学校配备专职心理教师，开设心理健康课程。"))[0] == "区教育局"
    assert names(suggest(committee_a, *texts.CLINIC))[0] == "区卫生健康局"
    assert names(suggest(committee_a, *texts.ELEVATOR))[0] == "区住房和城乡建设局"
