"""The audit trail over the API: the committee's events, for those who may audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from zhengxie.audit.models import Event
from zhengxie.audit.services import audit_record, build_event
from zhengxie.members.models import Member

pytestmark = pytest.mark.django_db


def is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture
def trail(admin_a, clerk_a, member_a, admin_b, committee_a, committee_b):
    """A few events in A (two actors, two verbs, one old) and one in B."""
    member = Member.objects.get(user=member_a)
    audit_record(actor=admin_a, committee=committee_a, verb="member.suspend", obj=member,
                 payload={"reason": "测试"})
    audit_record(actor=clerk_a, committee=committee_a, verb="member.updated", obj=member)
    old = build_event(actor=admin_a, committee=committee_a, verb="org.item_created",
                      at=timezone.now() - dt.timedelta(days=40))
    old.save()
    audit_record(actor=admin_b, committee=committee_b, verb="member.suspend")
    return member


def test_an_admin_reads_the_committees_events_newest_first(login, admin_a, trail):
    body = login(admin_a).get("/api/v1/audit/events").json()
    assert [e["verb"] for e in body["items"]] == ["member.updated", "member.suspend", "org.item_created"]
    suspend = body["items"][1]
    assert suspend["verb_label"] == "暂停履职"
    assert suspend["actor_name"] == "admin_a"
    assert suspend["object_type"] == "members.member" and suspend["object_id"] == str(trail.pk)
    assert suspend["payload"] == {"reason": "测试"}


def test_events_of_another_committee_are_never_shown(login, admin_a, trail, admin_b):
    actors = {e["actor_name"] for e in login(admin_a).get("/api/v1/audit/events").json()["items"]}
    assert "admin_b" not in actors


def test_events_filter_by_verb_actor_object_and_dates(login, admin_a, trail):
    client = login(admin_a)

    def verbs(query: str) -> list[str]:
        return [e["verb"] for e in client.get(f"/api/v1/audit/events?{query}").json()["items"]]

    today = timezone.localdate()
    assert verbs("verb=member") == ["member.updated", "member.suspend"]
    assert verbs("actor=clerk") == ["member.updated"]
    assert verbs(f"object_type=members.member&object_id={trail.pk}") == ["member.updated", "member.suspend"]
    assert verbs(f"date_to={today - dt.timedelta(days=30)}") == ["org.item_created"]
    assert verbs(f"date_from={today - dt.timedelta(days=1)}") == ["member.updated", "member.suspend"]


@pytest.mark.parametrize("persona", ["member_a", "clerk_a", "leader_a", "unit_a"])
def test_only_those_who_may_audit_read_the_trail(request, login, trail, persona):
    response = login(request.getfixturevalue(persona)).get("/api/v1/audit/events")
    assert response.status_code == 403
    assert is_chinese(response.json()["detail"])


@pytest.mark.parametrize("query", ["date_from=yesterday", "date_to=2025-02-30", "verb=" + "x" * 500, "page=0",
                                   "object_id=%00"])
def test_bad_filters_get_a_4xx_in_chinese(login, admin_a, query):
    response = login(admin_a).get(f"/api/v1/audit/events?{query}")
    assert 400 <= response.status_code < 500
    assert is_chinese(response.json()["detail"])


def test_the_trail_costs_the_same_queries_for_few_or_many_events(login, admin_a, committee_a):
    client = login(admin_a)
    for _ in range(3):
        audit_record(actor=admin_a, committee=committee_a, verb="member.updated")
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/audit/events?page_size=100")
    Event.objects.bulk_create(build_event(actor=admin_a, committee=committee_a, verb="member.updated")
                              for _ in range(60))
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/audit/events?page_size=100").json()["items"]) > 60
    assert len(many) == len(few)
