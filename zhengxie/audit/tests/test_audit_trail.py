from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from zhengxie.audit.models import AppendOnlyError, Event
from zhengxie.audit.services import audit_record, diff_fields


def test_an_event_records_actor_committee_verb_object_and_payload(admin_a, committee_a):
    event = audit_record(actor=admin_a, committee=committee_a, verb="org.item_created", obj=committee_a,
                         payload={"name": "新界别"})
    event = Event.objects.get(pk=event.pk)
    assert event.actor == admin_a and event.actor_name == "admin_a"
    assert event.committee == committee_a
    assert event.object_type == "org.committee" and event.object_id == str(committee_a.pk)
    assert event.payload == {"name": "新界别"}
    assert event.at is not None


def test_events_cannot_be_changed_or_deleted_through_the_orm(admin_a, committee_a):
    event = audit_record(actor=admin_a, committee=committee_a, verb="x.y")
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.update(verb="z")


def test_the_database_refuses_updates_to_events_even_in_raw_sql(admin_a, committee_a):
    event = audit_record(actor=admin_a, committee=committee_a, verb="x.y")
    with pytest.raises(DatabaseError):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE audit_event SET verb = 'tampered' WHERE id = %s", [event.pk])
    assert Event.objects.get(pk=event.pk).verb == "x.y"


def test_diff_fields_lists_only_changed_values():
    assert diff_fields({"a": 1, "b": "x"}, {"a": 2, "b": "x"}) == {"a": [1, 2]}


def test_admin_filters_the_audit_log_by_verb_and_date(client, admin_a, committee_a):
    audit_record(actor=admin_a, committee=committee_a, verb="member.suspend", payload={"reason": "甲原因"})
    audit_record(actor=admin_a, committee=committee_a, verb="org.item_created", payload={"name": "乙名称"})
    client.force_login(admin_a)
    page = client.get("/audit/", {"verb": "member.suspend"}).content.decode()
    assert "甲原因" in page and "乙名称" not in page
    page = client.get("/audit/", {"date_from": "2000-01-01", "date_to": "2000-01-02"}).content.decode()
    assert "甲原因" not in page


def test_every_member_transition_on_the_page_writes_an_event(client, admin_a, committee_a):
    from zhengxie.testing.factories import make_member

    member = make_member(committee_a)
    client.force_login(admin_a)
    client.post(f"/members/{member.pk}/transitions/suspend/", {"reason": "外出学习", "version": 0})
    client.post(f"/members/{member.pk}/transitions/reinstate/", {"version": 1})
    verbs = list(Event.objects.filter(object_id=str(member.pk), object_type="members.member")
                 .order_by("id").values_list("verb", flat=True))
    assert verbs == ["member.suspend", "member.reinstate"]


def test_login_and_logout_are_audited(client, member_a):
    from zhengxie.testing.factories import PASSWORD

    client.post("/accounts/login/", {"identifier": "member_a", "password": PASSWORD})
    client.post("/accounts/logout/")
    assert set(Event.objects.filter(actor=member_a).values_list("verb", flat=True)) >= {"account.login",
                                                                                       "account.logout"}
