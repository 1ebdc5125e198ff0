"""The standard department catalogue: a committee's unit finds its entry by name (region prefix and
short forms allowed), an unknown name finds none, and duties the committee wrote win over it."""

from __future__ import annotations

import pytest

from zhengxie.org import departments
from zhengxie.org.departments import duties_for, standard_department
from zhengxie.org.models import Unit

needs_catalogue = pytest.mark.skipif(
    not departments.DATA.exists(), reason="org/data/departments.json is not there yet (being written separately)"
)


@pytest.fixture
def no_catalogue(monkeypatch, tmp_path):
    """As in a deployment that deleted the data file to write every unit's duties itself."""
    monkeypatch.setattr(departments, "DATA", tmp_path / "missing.json")
    departments.catalogue.cache_clear()
    departments._names.cache_clear()
    yield
    departments.catalogue.cache_clear()
    departments._names.cache_clear()


def entry_name(unit_name: str) -> str | None:
    entry = standard_department(unit_name)
    return str(entry["name"]) if entry else None


@needs_catalogue
@pytest.mark.parametrize(
    "unit_name, standard",
    [
        ("区教育局", "教育局"),
        ("教育局", "教育局"),
        ("北京市朝阳区教育委员会", "教育局"),
        ("县教体局", "教育局"),
        ("市卫健委", "卫生健康局"),
        ("卫生健康委员会", "卫生健康局"),
        ("区卫生健康局", "卫生健康局"),
        ("住建局", "住房和城乡建设局"),
        ("区住房和城乡建设局", "住房和城乡建设局"),
        ("城市管理局", "城市管理局"),
        ("区城管局", "城市管理局"),
        ("区市场监管局", "市场监督管理局"),
        ("市场监督管理局", "市场监督管理局"),
        ("区总工会", "总工会"),
        ("国网某某县供电公司", "供电公司"),
        (" 区教育局 ", "教育局"),
    ],
)
def test_a_unit_name_finds_its_standard_department(unit_name, standard):
    assert entry_name(unit_name) == standard


@needs_catalogue
@pytest.mark.parametrize("unit_name", ["", "   ", "区档案馆", "某某科技有限公司", "区委宣传部", "区人民医院", "局", "委员会", None])
def test_a_name_that_is_no_standard_department_finds_nothing(unit_name):
    assert standard_department(unit_name) is None


@needs_catalogue
def test_every_name_and_alias_in_the_catalogue_finds_its_own_entry_with_or_without_a_region():
    """No alias is shadowed by a longer name of another department, and none is listed twice."""
    owner: dict[str, str] = {}
    for entry in departments.catalogue():
        assert entry["name"] and str(entry["duties"]).strip()
        for name in [entry["name"], *entry.get("aliases", [])]:
            assert owner.setdefault(name, entry["name"]) == entry["name"], f"{name} is listed under two departments"
            for region in ("", "甲区", "乙市", "丙县"):
                assert entry_name(region + name) == entry["name"], region + name


@needs_catalogue
def test_a_unit_without_duties_of_its_own_gets_the_catalogues(committee_a):
    unit = Unit.objects.get(committee=committee_a, name="区教育局")
    assert unit.duties == ""
    assert duties_for(unit) == standard_department("教育局")["duties"]
    assert "中小学" in duties_for(unit)


@needs_catalogue
def test_blank_duties_count_as_none(committee_a):
    unit = Unit.objects.create(committee=committee_a, name="区卫健委", duties="  \n ")
    assert duties_for(unit) == standard_department("卫生健康局")["duties"]


@needs_catalogue
def test_the_short_name_is_tried_when_the_full_name_is_no_department(committee_a):
    unit = Unit.objects.create(committee=committee_a, name="甲区社会事业发展服务中心", short_name="区卫健局")
    assert duties_for(unit) == standard_department("卫生健康局")["duties"]


def test_a_units_own_duties_override_the_catalogue(committee_a):
    Unit.objects.filter(committee=committee_a, name="区教育局").update(duties="负责本区语言文字工作。")
    unit = Unit.objects.get(committee=committee_a, name="区教育局")
    assert duties_for(unit) == "负责本区语言文字工作。"


def test_a_unit_no_department_matches_has_no_duties(committee_a):
    unit = Unit.objects.create(committee=committee_a, name="区档案馆")
    assert duties_for(unit) == ""


def test_without_the_data_file_only_a_units_own_duties_count(committee_a, no_catalogue):
    assert departments.catalogue() == []
    assert standard_department("区教育局") is None
    assert duties_for(Unit.objects.get(committee=committee_a, name="区教育局")) == ""
    own = Unit.objects.create(committee=committee_a, name="区消防救援大队", duties="负责火灾预防。")
    assert duties_for(own) == "负责火灾预防。"
