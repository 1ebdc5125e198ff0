from __future__ import annotations

import threading

import pytest
from django.db import connection

from zhengxie.accounts.models import Role
from zhengxie.accounts.permissions import access_for
from zhengxie.audit.models import Event
from zhengxie.members.models import Member
from zhengxie.members.workflow import MEMBER_WORKFLOW
from zhengxie.testing.factories import make_committee, make_member, make_persona
from zhengxie.workflow.engine import Transition, TransitionError, TransitionForbidden, Workflow, fire


def test_available_transitions_depend_on_state_and_role(admin_a, member_a, committee_a):
    target = make_member(committee_a)
    admin = access_for(admin_a, committee_a)
    member = access_for(member_a, committee_a)
    assert [t.name for t in MEMBER_WORKFLOW.available(target, admin)] == ["suspend", "leave"]
    assert MEMBER_WORKFLOW.available(target, member) == []


def test_firing_a_transition_changes_state_bumps_version_and_writes_an_audit_event(admin_a, committee_a):
    target = make_member(committee_a)
    updated = fire(MEMBER_WORKFLOW, target, "suspend", access=access_for(admin_a, committee_a),
                   payload={"reason": "长期不履职"})
    assert (updated.state, updated.version) == ("suspended", 1)
    event = Event.objects.get(verb="member.suspend")
    assert event.actor == admin_a and event.committee == committee_a
    assert event.object_id == str(target.pk)
    assert event.payload == {"state": ["active", "suspended"], "reason": "长期不履职"}


def test_illegal_transition_is_refused_in_chinese_and_changes_nothing(admin_a, committee_a):
    target = make_member(committee_a)
    with pytest.raises(TransitionError, match="不能进行“恢复履职”"):
        fire(MEMBER_WORKFLOW, target, "reinstate", access=access_for(admin_a, committee_a))
    target.refresh_from_db()
    assert (target.state, target.version) == ("active", 0)
    assert not Event.objects.filter(verb__startswith="member.").exists()


def test_unauthorized_transition_is_forbidden(member_a, committee_a):
    target = make_member(committee_a)
    with pytest.raises(TransitionForbidden):
        fire(MEMBER_WORKFLOW, target, "suspend", access=access_for(member_a, committee_a), payload={"reason": "x"})


def test_transition_on_another_committees_row_is_forbidden(admin_a, committee_a, committee_b):
    target = make_member(committee_b)
    with pytest.raises(TransitionForbidden):
        fire(MEMBER_WORKFLOW, target, "suspend", access=access_for(admin_a, committee_a), payload={"reason": "x"})


def test_missing_required_reason_is_refused(admin_a, committee_a):
    target = make_member(committee_a)
    with pytest.raises(TransitionError, match="请填写原因"):
        fire(MEMBER_WORKFLOW, target, "suspend", access=access_for(admin_a, committee_a), payload={"reason": "  "})


def test_stale_version_from_a_double_click_is_refused(admin_a, committee_a):
    target = make_member(committee_a)
    access = access_for(admin_a, committee_a)
    fire(MEMBER_WORKFLOW, target, "suspend", access=access, payload={"reason": "x"}, expected_version=0)
    with pytest.raises(TransitionError, match="已被他人处理"):
        fire(MEMBER_WORKFLOW, target, "suspend", access=access, payload={"reason": "x"}, expected_version=0)
    assert Event.objects.filter(verb="member.suspend").count() == 1


def test_second_of_two_sequential_identical_transitions_is_refused_even_without_version(admin_a, committee_a):
    target = make_member(committee_a)
    access = access_for(admin_a, committee_a)
    fire(MEMBER_WORKFLOW, target, "suspend", access=access, payload={"reason": "x"})
    with pytest.raises(TransitionError):
        fire(MEMBER_WORKFLOW, target, "suspend", access=access, payload={"reason": "x"})  # stale in-memory object


@pytest.mark.django_db(transaction=True)
def test_two_clerks_acting_at_once_apply_the_transition_once():
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memorydb"):
        pytest.skip("row locks need a real database file or PostgreSQL; covered on PostgreSQL in CI")
    c = make_committee("conc")
    admins = [make_persona(c, Role.COMMITTEE_ADMIN, f"conc{i}") for i in range(2)]
    target = make_member(c)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(user):
        try:
            barrier.wait()
            fire(MEMBER_WORKFLOW, Member.objects.get(pk=target.pk), "suspend", access=access_for(user, c),
                 payload={"reason": "并发"}, expected_version=0)
            outcomes.append("ok")
        except TransitionError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(u,)) for u in admins]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    target.refresh_from_db()
    assert target.version == 1
    assert Event.objects.filter(verb="member.suspend", object_id=str(target.pk)).count() == 1


def test_a_workflow_table_with_unknown_states_is_rejected_at_import_time():
    with pytest.raises(ValueError):
        Workflow(name="bad", model=Member, states={"a": "甲"},
                 transitions=[Transition("go", "走", sources={"a"}, target="nowhere", perm="x")])


def test_a_payload_check_refuses_bad_input_with_400_before_anything_changes(admin_a, committee_a):
    from zhengxie.accounts.permissions import Perm
    from zhengxie.workflow.engine import TransitionInvalid

    def kind_known(payload):
        return None if payload.get("kind", "short") in ("short", "long") else "请选择暂停的类型。"

    workflow = Workflow(name="member_check", model=Member, states={"active": "在任", "suspended": "暂停履职"},
                        transitions=[Transition("suspend", "暂停履职", sources={"active"}, target="suspended",
                                                perm=Perm.MANAGE_MEMBERS, checks=(kind_known,))])
    target = make_member(committee_a)
    with pytest.raises(TransitionInvalid, match="请选择暂停的类型") as refused:
        fire(workflow, target, "suspend", access=access_for(admin_a, committee_a), payload={"kind": "forever"})
    assert refused.value.status == 400
    target.refresh_from_db()
    assert (target.state, target.version) == ("active", 0) and not Event.objects.exists()
    assert fire(workflow, target, "suspend", access=access_for(admin_a, committee_a), payload={"kind": "long"}
                ).state == "suspended"
