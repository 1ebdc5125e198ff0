"""Opening, extending, meeting and cancelling deadlines, and the lists of open, overdue and soon-due ones."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured

from zhengxie.audit.models import Event
from zhengxie.deadlines.models import Deadline
from zhengxie.deadlines.registry import DeadlineKind, deadline_kind, register_deadline_kind
from zhengxie.deadlines.selectors import due_soon, for_subject, overdue
from zhengxie.deadlines.services import (
    DeadlineError,
    deadline_cancel,
    deadline_extend,
    deadline_meet,
)
from zhengxie.deadlines.tests.conftest import KIND, clerks_of

pytestmark = pytest.mark.django_db

D = dt.date


def test_opening_a_deadline_keeps_the_original_date_and_is_audited(open_deadline, committee_a, clerk_a):
    deadline = open_deadline(committee_a, D(2026, 3, 31), actor=clerk_a, subject_id=42)
    assert deadline.status == "open" and deadline.original_due_date == D(2026, 3, 31)
    assert deadline.subject_id == "42" and deadline.extensions == [] and deadline.reminders_sent == []
    event = Event.objects.get(verb="deadline.opened", object_id=str(deadline.pk))
    assert event.actor == clerk_a and event.committee == committee_a
    assert event.payload == {"kind": KIND, "subject_type": "testcase", "subject_id": "42", "due_date": "2026-03-31"}


def test_a_subject_has_one_open_deadline_of_a_kind_at_a_time(open_deadline, committee_a, clerk_a):
    first = open_deadline(committee_a, D(2026, 3, 31), subject_id=7)
    with pytest.raises(DeadlineError, match="已有进行中的同类期限"):
        open_deadline(committee_a, D(2026, 4, 30), subject_id=7)
    deadline_meet(deadline=first, actor=clerk_a)
    again = open_deadline(committee_a, D(2026, 4, 30), subject_id=7)  # e.g. a redo after an unsatisfied rating
    assert again.pk != first.pk


def test_a_kind_nobody_registered_is_a_programming_error(open_deadline, committee_a):
    with pytest.raises(ValueError, match="not registered"):
        open_deadline(committee_a, D(2026, 3, 31), kind="nobody.registered")


def test_an_off_site_link_or_a_blank_title_is_refused(open_deadline, committee_a):
    with pytest.raises(ValueError):
        open_deadline(committee_a, D(2026, 3, 31), url="https://evil.example/")
    with pytest.raises(DeadlineError, match="请填写期限标题"):
        open_deadline(committee_a, D(2026, 3, 31), title="   ")


def test_registering_a_kind_twice_differently_fails_loudly():
    with pytest.raises(ImproperlyConfigured):
        register_deadline_kind(DeadlineKind(KIND, "别的名字", recipients=clerks_of))
    with pytest.raises(ImproperlyConfigured):
        register_deadline_kind(DeadlineKind("other.kind", "其他", recipients=clerks_of, remind_before=(0,)))


# --- extensions ------------------------------------------------------------------------------------


def test_an_extension_requires_a_reason(open_deadline, committee_a, clerk_a):
    deadline = open_deadline(committee_a, D(2026, 3, 31))
    with pytest.raises(DeadlineError, match="请填写延期理由"):
        deadline_extend(deadline=deadline, new_due=D(2026, 4, 30), reason="  ", actor=clerk_a)
    assert Deadline.objects.get(pk=deadline.pk).due_date == D(2026, 3, 31)


@pytest.mark.parametrize("new_due", [D(2026, 3, 31), D(2026, 3, 1)])
def test_an_extension_must_move_the_date_later(open_deadline, committee_a, clerk_a, new_due):
    deadline = open_deadline(committee_a, D(2026, 3, 31))
    with pytest.raises(DeadlineError, match="新的期限必须晚于当前期限（2026年3月31日）"):
        deadline_extend(deadline=deadline, new_due=new_due, reason="需要调研", actor=clerk_a)
    assert not Event.objects.filter(verb="deadline.extended").exists()


def test_an_extension_is_audited_keeps_the_original_date_and_restarts_the_reminders(open_deadline, committee_a,
                                                                                   clerk_a):
    deadline = open_deadline(committee_a, D(2026, 3, 31))
    Deadline.objects.filter(pk=deadline.pk).update(reminders_sent=["before-5", "before-1"])
    deadline_extend(deadline=deadline, new_due=D(2026, 5, 29), reason="涉及多个部门，需联合调研", actor=clerk_a)
    deadline_extend(deadline=deadline, new_due=D(2026, 6, 30), reason="等待省级批复", actor=clerk_a)

    assert deadline.due_date == D(2026, 6, 30)  # the caller's instance is current
    row = Deadline.objects.get(pk=deadline.pk)
    assert row.due_date == D(2026, 6, 30) and row.original_due_date == D(2026, 3, 31)
    assert row.reminders_sent == []
    assert [(e["from"], e["to"], e["reason"], e["by"]) for e in row.extensions] == [
        ("2026-03-31", "2026-05-29", "涉及多个部门，需联合调研", clerk_a.pk),
        ("2026-05-29", "2026-06-30", "等待省级批复", clerk_a.pk),
    ]
    events = Event.objects.filter(verb="deadline.extended", object_id=str(deadline.pk)).order_by("id")
    assert [e.payload["due_date"] for e in events] == [["2026-03-31", "2026-05-29"], ["2026-05-29", "2026-06-30"]]
    assert events[0].payload["reason"] == "涉及多个部门，需联合调研" and events[0].actor == clerk_a
    assert events[1].payload["original_due_date"] == "2026-03-31"


def test_a_kind_caps_the_total_extension_from_the_original_date(open_deadline, committee_a, clerk_a):
    deadline = open_deadline(committee_a, D(2026, 3, 31))  # the stand-in kind allows 183 days
    deadline_extend(deadline=deadline, new_due=D(2026, 9, 30), reason="第一次延期", actor=clerk_a)  # 183 days
    with pytest.raises(DeadlineError, match="延期累计不能超过 183 天，最晚可延至2026年9月30日"):
        deadline_extend(deadline=deadline, new_due=D(2026, 10, 1), reason="第二次延期", actor=clerk_a)


def test_a_committee_may_set_its_own_extension_cap(open_deadline, committee_a, clerk_a):
    committee_a.settings = {"deadlines": {KIND: {"max_extension_days": 30}}}
    committee_a.save()
    deadline = open_deadline(committee_a, D(2026, 3, 31))
    with pytest.raises(DeadlineError, match="不能超过 30 天"):
        deadline_extend(deadline=deadline, new_due=D(2026, 5, 31), reason="需要调研", actor=clerk_a)


def test_a_malformed_committee_setting_falls_back_to_the_registered_kind(committee_a, testcase_kind):
    committee_a.settings = {"deadlines": {KIND: {"remind_before": [0, "x"], "overdue_every": -1}}}
    assert deadline_kind(KIND, committee_a) == testcase_kind


def test_a_met_or_cancelled_deadline_cannot_be_extended_met_or_cancelled(open_deadline, committee_a, clerk_a):
    met = deadline_meet(deadline=open_deadline(committee_a, D(2026, 3, 31)), actor=clerk_a)
    cancelled = deadline_cancel(deadline=open_deadline(committee_a, D(2026, 3, 31)), actor=clerk_a, reason="已撤案")
    with pytest.raises(DeadlineError, match="该期限已办结，不能延期"):
        deadline_extend(deadline=met, new_due=D(2026, 4, 30), reason="需要调研", actor=clerk_a)
    with pytest.raises(DeadlineError, match="该期限已取消，不能办结"):
        deadline_meet(deadline=cancelled, actor=clerk_a)
    with pytest.raises(DeadlineError, match="该期限已办结，不能取消"):
        deadline_cancel(deadline=met, actor=clerk_a)


def test_meeting_a_deadline_records_whether_it_was_on_time_by_beijing_date(open_deadline, committee_a, clerk_a):
    late_evening = open_deadline(committee_a, D(2026, 3, 31))
    next_morning = open_deadline(committee_a, D(2026, 3, 31))
    days_later = open_deadline(committee_a, D(2026, 3, 31))
    deadline_meet(deadline=late_evening, actor=clerk_a, at=dt.datetime(2026, 3, 31, 15, 0, tzinfo=dt.UTC))  # 23:00
    deadline_meet(deadline=next_morning, actor=clerk_a, at=dt.datetime(2026, 3, 31, 23, 0, tzinfo=dt.UTC))  # 07:00
    deadline_meet(deadline=days_later, actor=clerk_a, at=dt.datetime(2026, 4, 3, 9, 0, tzinfo=dt.UTC))
    payloads = {e.object_id: e.payload for e in Event.objects.filter(verb="deadline.met")}
    assert payloads[str(late_evening.pk)]["on_time"] is True
    assert payloads[str(next_morning.pk)]["on_time"] is False and payloads[str(next_morning.pk)]["days_late"] == 1
    assert payloads[str(days_later.pk)]["days_late"] == 3 and payloads[str(days_later.pk)]["met_on"] == "2026-04-03"
    assert days_later.status == "met" and Deadline.objects.get(pk=days_later.pk).met_at is not None


def test_cancelling_is_audited_with_its_reason(open_deadline, committee_a, clerk_a):
    deadline = open_deadline(committee_a, D(2026, 3, 31))
    deadline_cancel(deadline=deadline, actor=clerk_a, reason="提案已撤回")
    event = Event.objects.get(verb="deadline.cancelled", object_id=str(deadline.pk))
    assert event.payload["reason"] == "提案已撤回" and deadline.status == "cancelled"


# --- selectors -------------------------------------------------------------------------------------


def test_overdue_lists_open_deadlines_past_their_date_in_the_committee_only(open_deadline, committee_a, committee_b,
                                                                             clerk_a, django_assert_num_queries):
    today = D(2026, 4, 10)
    long_ago = open_deadline(committee_a, D(2026, 3, 1), title="早已逾期")
    recently = open_deadline(committee_a, D(2026, 4, 9), title="刚逾期")
    open_deadline(committee_a, D(2026, 4, 10), title="今天到期")
    deadline_meet(deadline=open_deadline(committee_a, D(2026, 3, 2)), actor=clerk_a)
    deadline_cancel(deadline=open_deadline(committee_a, D(2026, 3, 3)), actor=clerk_a)
    open_deadline(committee_b, D(2026, 3, 1), title="乙区的")
    Deadline.objects.create(committee=committee_a, subject_type="x", subject_id="1", kind="other.kind", title="别类",
                            due_date=D(2026, 3, 1), original_due_date=D(2026, 3, 1))
    with django_assert_num_queries(1):
        assert list(overdue(committee_a, kinds=[KIND], today=today)) == [long_ago, recently]
    assert len(overdue(committee_a, today=today)) == 3


def test_due_soon_counts_working_days_across_a_holiday(open_deadline, committee_a, django_assert_num_queries):
    today = D(2025, 9, 30)  # the next working day is 9 October
    tomorrow_at_work = open_deadline(committee_a, D(2025, 10, 9))
    in_the_holiday = open_deadline(committee_a, D(2025, 10, 5))
    open_deadline(committee_a, D(2025, 10, 10))
    open_deadline(committee_a, D(2025, 9, 29))  # overdue, not "soon"
    with django_assert_num_queries(2):  # the calendar's corrections, then the deadlines
        assert list(due_soon(committee_a, 1, today=today)) == [in_the_holiday, tomorrow_at_work]


def test_for_subject_lists_every_deadline_of_a_subject_in_one_query(open_deadline, committee_a, clerk_a,
                                                                    django_assert_num_queries):
    first = open_deadline(committee_a, D(2026, 3, 31), subject_id=9)
    deadline_meet(deadline=first, actor=clerk_a)
    second = open_deadline(committee_a, D(2026, 5, 31), subject_id=9)
    open_deadline(committee_a, D(2026, 5, 31), subject_id=10)
    with django_assert_num_queries(1):
        assert list(for_subject("testcase", 9)) == [first, second]
