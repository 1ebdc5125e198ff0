"""The committee's lists over the API: read by everyone working there, extended by its admin."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhengxie.audit.models import Event
from zhengxie.org.lists import LISTS
from zhengxie.org.models import Sector, Unit

pytestmark = pytest.mark.django_db


def add(client, kind: str, name, **headers):
    return client.post(f"/api/v1/org/{kind}", data=json.dumps({"name": name}),
                       content_type="application/json", **headers)


def is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize("kind", list(LISTS))
def test_every_list_of_the_committee_can_be_read(login, member_a, committee_a, kind):
    model, _ = LISTS[kind]
    body = login(member_a).get(f"/api/v1/org/{kind}").json()
    rows = model.objects.filter(committee=committee_a).order_by("order", "id")
    expected = list(rows.values_list("name", flat=True))
    assert [i["name"] for i in body["items"]] == expected
    assert body["count"] == len(expected)


def test_a_unit_clerk_may_read_the_units(login, unit_a):
    assert login(unit_a).get("/api/v1/org/units").json()["count"] == 3


def test_lists_show_only_the_callers_committee(login, admin_a, committee_b):
    Sector.objects.create(committee=committee_b, name="只在乙区的界别")
    names = [i["name"] for i in login(admin_a).get("/api/v1/org/sectors?page_size=100").json()["items"]]
    assert "只在乙区的界别" not in names


def test_an_unknown_list_is_404(login, admin_a):
    response = login(admin_a).get("/api/v1/org/planets")
    assert response.status_code == 404
    assert response.json() == {"detail": "没有这个列表。"}


def test_an_admin_adds_a_unit_at_the_end_of_the_list(login, admin_a, committee_a):
    response = add(login(admin_a), "units", "  区 文化和旅游局 ")
    assert response.status_code == 201
    created = response.json()
    assert created["name"] == "区 文化和旅游局"
    assert created["is_active"] is True
    unit = Unit.objects.get(pk=created["id"])
    assert unit.committee == committee_a
    others = Unit.objects.filter(committee=committee_a).exclude(pk=unit.pk)
    assert unit.order == max(u.order for u in others) + 1
    assert Event.objects.filter(verb="org.item_created", object_id=str(unit.pk), actor=admin_a).exists()


def test_a_duplicate_name_is_a_409_with_the_services_message(login, admin_a):
    response = add(login(admin_a), "sectors", "教育界")
    assert response.status_code == 409
    assert response.json() == {"detail": "界别“教育界”已存在。"}


def test_a_blank_or_overlong_name_is_a_400_with_the_services_message(login, admin_a):
    client = login(admin_a)
    blank = add(client, "parties", "   ")
    assert blank.status_code == 400 and blank.json() == {"detail": "名称不能为空。"}
    long = add(client, "parties", "长" * 101)
    assert long.status_code == 400 and long.json() == {"detail": "名称不能超过 100 个字。"}


@pytest.mark.parametrize("body", [
    "{", "[]", json.dumps({"name": 7}), json.dumps({}),
    json.dumps({"name": "x" * 5000}), json.dumps({"name": "a\x00"}),
])
def test_bad_bodies_are_refused_with_a_4xx(login, admin_a, committee_a, body):
    before = Sector.objects.filter(committee=committee_a).count()
    response = login(admin_a).post("/api/v1/org/sectors", data=body, content_type="application/json")
    assert 400 <= response.status_code < 500
    assert is_chinese(response.json()["detail"])
    assert Sector.objects.filter(committee=committee_a).count() == before


@pytest.mark.parametrize("persona", ["member_a", "clerk_a", "leader_a", "unit_a"])
def test_only_the_committee_admin_may_add_to_the_lists(request, login, persona):
    response = add(login(request.getfixturevalue(persona)), "sectors", "新界别")
    assert response.status_code == 403
    assert not Sector.objects.filter(name="新界别").exists()


def test_an_admin_of_a_cannot_add_to_bs_lists(login, admin_a, committee_b):
    response = add(login(admin_a), "sectors", "新界别", HTTP_X_COMMITTEE=str(committee_b.pk))
    assert response.status_code == 403
    assert not Sector.objects.filter(name="新界别").exists()


def test_reading_a_list_costs_the_same_queries_for_few_or_many_items(login, admin_a, committee_a):
    client = login(admin_a)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/org/units?page_size=100")
    Unit.objects.bulk_create(Unit(committee=committee_a, name=f"单位{i}", order=10 + i) for i in range(40))
    with CaptureQueriesContext(connection) as many:
        assert client.get("/api/v1/org/units?page_size=100").json()["count"] == 43
    assert len(many) == len(few)
