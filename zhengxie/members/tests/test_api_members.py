"""The member directory over the API, and the transition pattern every stateful resource follows."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhengxie.audit.models import Event
from zhengxie.members.models import Member
from zhengxie.org.models import Party, Sector, SpecialCommittee, Workstation
from zhengxie.testing.factories import make_member

pytestmark = pytest.mark.django_db


def fire(client, member: Member, name: str, **body):
    return client.post(f"/api/v1/members/{member.pk}/transitions/{name}", data=json.dumps(body),
                       content_type="application/json")


def profile_of(user) -> Member:
    return Member.objects.get(user=user)


def is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# --- reading ---------------------------------------------------------------------------------


def test_the_directory_lists_the_committees_members_with_state_and_lists_joined(login, clerk_a, member_a):
    body = login(clerk_a).get("/api/v1/members").json()
    assert body["count"] == 1 and body["page"] == 1 and body["page_size"] == 20
    item = body["items"][0]
    assert item["name"] == "member_a"
    assert item["state"] == "active" and item["state_label"] == "在任"
    assert item["sector"]["name"] == "中共"
    assert item["title_label"] == "委员"


def test_a_member_sees_other_members_phones_masked_but_their_own_in_full(login, member_a, committee_a):
    other = make_member(committee_a, phone="13912345678")
    phones = {m["id"]: m["phone"] for m in login(member_a).get("/api/v1/members").json()["items"]}
    assert phones[other.pk] == "139****5678"
    assert phones[profile_of(member_a).pk] == profile_of(member_a).phone


def test_a_proposal_clerk_sees_full_phones(login, clerk_a, committee_a):
    other = make_member(committee_a, phone="13912345678")
    client = login(clerk_a)
    assert client.get("/api/v1/members").json()["items"][0]["phone"] == "13912345678"
    assert client.get(f"/api/v1/members/{other.pk}").json()["phone"] == "13912345678"


def test_a_member_cannot_search_by_phone_digits_but_a_clerk_can(login, member_a, clerk_a, committee_a):
    make_member(committee_a, phone="13912345678")
    assert login(member_a).get("/api/v1/members?q=12345678").json()["count"] == 0
    assert login(clerk_a).get("/api/v1/members?q=12345678").json()["count"] == 1


def test_the_directory_filters_by_sector_party_special_committee_and_state(login, admin_a, committee_a):
    education = Sector.objects.get(committee=committee_a, name="教育界")
    minge = Party.objects.get(committee=committee_a, name="民革")
    economy = SpecialCommittee.objects.get(committee=committee_a, name="经济委员会")
    teacher = make_member(committee_a, name="王老师")
    Member.objects.filter(pk=teacher.pk).update(sector=education, party=minge, special_committee=economy)
    gone = make_member(committee_a, name="李某")
    Member.objects.filter(pk=gone.pk).update(state="left")
    client = login(admin_a)

    def names(query: str) -> list[str]:
        return [m["name"] for m in client.get(f"/api/v1/members?{query}").json()["items"]]

    assert names(f"sector={education.pk}") == ["王老师"]
    assert names(f"party={minge.pk}") == ["王老师"]
    assert names(f"special_committee={economy.pk}") == ["王老师"]
    assert names("state=left") == ["李某"]
    assert names("q=王") == ["王老师"]


def test_the_directory_is_paged(login, admin_a, committee_a):
    for _ in range(5):
        make_member(committee_a)
    client = login(admin_a)
    second = client.get("/api/v1/members?page=2&page_size=2").json()
    assert second["count"] == 5 and second["page"] == 2 and len(second["items"]) == 2
    beyond = client.get("/api/v1/members?page=9&page_size=2").json()
    assert beyond["items"] == [] and beyond["count"] == 5


def test_the_directory_costs_the_same_queries_for_5_or_50_members(login, clerk_a, committee_a):
    workstation = Workstation.objects.get(committee=committee_a)
    special = SpecialCommittee.objects.filter(committee=committee_a).first()

    def add(n: int) -> None:
        for _ in range(n):
            m = make_member(committee_a)
            Member.objects.filter(pk=m.pk).update(workstation=workstation, special_committee=special)

    client = login(clerk_a)
    add(5)
    with CaptureQueriesContext(connection) as five:
        assert len(client.get("/api/v1/members?page_size=100").json()["items"]) == 5
    add(45)
    with CaptureQueriesContext(connection) as fifty:
        assert len(client.get("/api/v1/members?page_size=100").json()["items"]) == 50
    assert len(fifty) == len(five)
    assert len(five) <= 10


def test_a_unit_clerk_may_not_read_the_directory(login, unit_a, member_a):
    response = login(unit_a).get("/api/v1/members")
    assert response.status_code == 403
    assert is_chinese(response.json()["detail"])


# --- other committees ------------------------------------------------------------------------


def test_an_admin_cannot_read_another_committees_member(login, admin_a, member_b):
    response = login(admin_a).get(f"/api/v1/members/{profile_of(member_b).pk}")
    assert response.status_code == 404
    assert response.json() == {"detail": "没有找到该委员。"}


def test_an_admin_cannot_transition_another_committees_member(login, admin_a, member_b):
    target = profile_of(member_b)
    response = fire(login(admin_a), target, "suspend", reason="试图越权")
    assert response.status_code == 404
    target.refresh_from_db()
    assert target.state == "active" and target.version == 0
    assert not Event.objects.filter(verb="member.suspend").exists()


def test_an_admin_cannot_list_another_committees_members_by_asking_for_it(login, admin_a, committee_b):
    response = login(admin_a).get("/api/v1/members", HTTP_X_COMMITTEE=str(committee_b.pk))
    assert response.status_code == 403


def test_the_directory_never_shows_another_committees_members(login, admin_a, member_a, member_b):
    names = [m["name"] for m in login(admin_a).get("/api/v1/members").json()["items"]]
    assert names == ["member_a"]


# --- transitions -----------------------------------------------------------------------------


def test_an_admin_suspends_a_member_and_the_answer_shows_the_new_state_and_choices(login, admin_a, member_a):
    target = profile_of(member_a)
    client = login(admin_a)
    before = client.get(f"/api/v1/members/{target.pk}").json()
    assert [t["name"] for t in before["available_transitions"]] == ["suspend", "leave"]
    assert before["available_transitions"][0] == {"name": "suspend", "label": "暂停履职", "target": "suspended",
                                                  "required": ["reason"]}

    response = fire(client, target, "suspend", reason="长期不参加活动", version=before["version"])
    assert response.status_code == 200
    after = response.json()
    assert after["state"] == "suspended" and after["state_label"] == "暂停履职"
    assert after["version"] == before["version"] + 1
    assert [t["name"] for t in after["available_transitions"]] == ["reinstate", "leave"]

    target.refresh_from_db()
    assert target.state == "suspended"
    event = Event.objects.get(verb="member.suspend")
    assert event.actor == admin_a and event.committee_id == target.committee_id
    assert event.object_id == str(target.pk)
    assert event.payload["reason"] == "长期不参加活动"
    assert event.payload["state"] == ["active", "suspended"]


def test_a_member_is_offered_no_transitions_and_may_not_fire_one(login, member_a, committee_a):
    other = make_member(committee_a)
    client = login(member_a)
    assert client.get(f"/api/v1/members/{other.pk}").json()["available_transitions"] == []
    response = fire(client, other, "suspend", reason="我不喜欢他")
    assert response.status_code == 403
    assert is_chinese(response.json()["detail"])
    other.refresh_from_db()
    assert other.state == "active"


def test_an_illegal_transition_is_refused_with_409_and_changes_nothing(login, admin_a, member_a):
    target = profile_of(member_a)
    response = fire(login(admin_a), target, "reinstate")
    assert response.status_code == 409
    assert response.json() == {"detail": "当前状态为“在任”，不能进行“恢复履职”操作。"}
    target.refresh_from_db()
    assert target.state == "active" and target.version == 0
    assert not Event.objects.filter(verb__startswith="member.").exists()


def test_a_transition_with_a_stale_version_is_refused_with_409(login, admin_a, member_a):
    target = profile_of(member_a)
    client = login(admin_a)
    assert fire(client, target, "suspend", reason="第一次", version=0).status_code == 200
    stale = fire(client, target, "reinstate", version=0)
    assert stale.status_code == 409
    assert "已被他人处理" in stale.json()["detail"]
    target.refresh_from_db()
    assert target.state == "suspended" and target.version == 1


def test_a_transition_missing_its_required_reason_is_refused_with_409(login, admin_a, member_a):
    response = fire(login(admin_a), profile_of(member_a), "suspend")
    assert response.status_code == 409
    assert response.json() == {"detail": "请填写原因。"}


def test_an_unknown_transition_name_is_404(login, admin_a, member_a):
    response = fire(login(admin_a), profile_of(member_a), "promote")
    assert response.status_code == 404
    assert "promote" in response.json()["detail"]


def test_a_transition_may_be_sent_without_a_body(login, admin_a, member_a):
    target = profile_of(member_a)
    client = login(admin_a)
    fire(client, target, "suspend", reason="暂停")
    response = client.post(f"/api/v1/members/{target.pk}/transitions/reinstate",
                           content_type="application/json")
    assert response.status_code == 200
    assert response.json()["state"] == "active"


def test_a_token_client_fires_transitions_too(admin_a, member_a):
    from django.test import Client

    from zhengxie.accounts.services import api_token_issue

    key, _ = api_token_issue(user=admin_a)
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {key}")
    response = fire(client, profile_of(member_a), "leave", reason="调离本区")
    assert response.status_code == 200
    assert response.json()["state"] == "left"


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("query", [
    "page=-1", "page=0", "page=abc", "page=99999999999999999999", "page_size=0", "page_size=101",
    "page_size=-5", "sector=abc", "sector=-1", "sector=99999999999999999999999", "party=1.5",
    "state=flying", "q=" + "长" * 5000, "q=%00",
])
def test_bad_directory_queries_get_a_4xx_in_chinese(login, admin_a, query):
    response = login(admin_a).get(f"/api/v1/members?{query}")
    assert 400 <= response.status_code < 500, query
    assert is_chinese(response.json()["detail"])


@pytest.mark.parametrize("path", [
    "/api/v1/members/abc", "/api/v1/members/0", "/api/v1/members/-3",
    "/api/v1/members/99999999999999999999999",
])
def test_bad_member_ids_get_a_4xx_in_chinese(login, admin_a, path):
    response = login(admin_a).get(path)
    assert 400 <= response.status_code < 500, path
    assert is_chinese(response.json()["detail"])


@pytest.mark.parametrize("body", [
    "{oops", "[1]", '"suspend"', "42", json.dumps({"reason": 5}), json.dumps({"version": "new"}),
    json.dumps({"version": -1}), json.dumps({"version": 2**70}), json.dumps({"reason": "很" * 100_000}),
    json.dumps({"reason": "a\x00b"}),
])
def test_bad_transition_bodies_get_a_4xx_and_change_nothing(login, admin_a, member_a, body):
    target = profile_of(member_a)
    response = login(admin_a).post(f"/api/v1/members/{target.pk}/transitions/suspend", data=body,
                                   content_type="application/json")
    assert 400 <= response.status_code < 500, body
    assert is_chinese(response.json()["detail"])
    target.refresh_from_db()
    assert target.state == "active"
