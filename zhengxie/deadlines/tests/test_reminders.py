"""The daily reminder sweep: before, on and after the due date, each stage once, in-app and by e-mail.

The stand-in kind reminds 5 and 1 working days before, on the day, and every 5 working days after.
The deadline below is due on Friday 14 November 2025, a month with no holidays.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.utils import timezone

from zhengxie.deadlines.models import Deadline
from zhengxie.deadlines.registry import DeadlineKind, register_deadline_kind, unregister_deadline_kind
from zhengxie.deadlines.reminders import deadline_reminders_send
from zhengxie.deadlines.services import deadline_cancel, deadline_extend, deadline_meet
from zhengxie.deadlines.tasks import send_deadline_reminders
from zhengxie.notifications.models import Notification
from zhengxie.scheduler.registry import registered_jobs

pytestmark = pytest.mark.django_db

D = dt.date
DUE = D(2025, 11, 14)


def inbox(user) -> list[tuple[str, str]]:
    return list(Notification.objects.filter(recipient=user).order_by("id").values_list("verb", "title"))


def test_each_stage_is_sent_exactly_once_however_often_the_sweep_runs(open_deadline, committee_a, clerk_a, member_a):
    deadline = open_deadline(committee_a, DUE, title="关于加装电梯的提案")
    expected = {
        D(2025, 11, 6): 0,  # 6 working days before: nothing yet
        D(2025, 11, 7): 1,  # 5 working days before: before-5
        D(2025, 11, 10): 0,
        D(2025, 11, 13): 1,  # before-1
        D(2025, 11, 14): 1,  # due
        D(2025, 11, 17): 0,
        D(2025, 11, 21): 1,  # 5 working days late: overdue-1
        D(2025, 11, 27): 0,
        D(2025, 11, 28): 1,  # overdue-2
    }
    for today, count in expected.items():
        assert deadline_reminders_send(today=today) == count, today
        assert deadline_reminders_send(today=today) == 0, f"second sweep on {today}"

    assert [verb for verb, _ in inbox(clerk_a)] == [
        "deadline.due_soon", "deadline.due_soon", "deadline.due", "deadline.overdue", "deadline.overdue"]
    assert inbox(clerk_a)[0][1] == "测试答复期限提醒：关于加装电梯的提案"
    assert inbox(member_a) == []
    deadline.refresh_from_db()
    assert deadline.reminders_sent == ["before-5", "before-1", "due", "overdue-1", "overdue-2"]
    bodies = list(Notification.objects.filter(recipient=clerk_a).order_by("id").values_list("body", flat=True))
    assert bodies[0] == "办理期限为2025年11月14日，还有 5 个工作日。"
    assert bodies[2] == "办理期限为今天（2025年11月14日），请按时办结。"
    assert bodies[3] == "办理期限为2025年11月14日，已逾期 5 个工作日，请尽快办结。"
    assert Notification.objects.filter(recipient=clerk_a, url="/testcases/1/").count() == 5


def test_a_late_sweep_sends_one_reminder_of_where_things_stand_not_the_backlog(open_deadline, committee_a, clerk_a):
    deadline = open_deadline(committee_a, DUE)
    assert deadline_reminders_send(today=D(2025, 11, 18)) == 1
    assert inbox(clerk_a)[0][0] == "deadline.overdue"
    assert Notification.objects.get(recipient=clerk_a).body.endswith("已逾期 2 个工作日，请尽快办结。")
    deadline.refresh_from_db()
    assert deadline.reminders_sent == ["before-5", "before-1", "due"]
    assert deadline_reminders_send(today=D(2025, 11, 19)) == 0


def test_met_and_cancelled_deadlines_get_no_reminders(open_deadline, committee_a, clerk_a):
    deadline_meet(deadline=open_deadline(committee_a, DUE), actor=clerk_a)
    deadline_cancel(deadline=open_deadline(committee_a, DUE), actor=clerk_a)
    still_open = open_deadline(committee_a, DUE)
    for today in [D(2025, 11, 7), D(2025, 11, 13), DUE, D(2025, 11, 21)]:
        deadline_reminders_send(today=today)
    assert Notification.objects.filter(recipient=clerk_a).count() == 4
    assert Deadline.objects.exclude(pk=still_open.pk).filter(reminders_sent=[]).count() == 2


def test_a_deadline_met_between_two_sweeps_gets_no_more_reminders(open_deadline, committee_a, clerk_a):
    deadline = open_deadline(committee_a, DUE)
    assert deadline_reminders_send(today=D(2025, 11, 7)) == 1
    deadline_meet(deadline=deadline, actor=clerk_a)
    assert deadline_reminders_send(today=DUE) == 0
    assert deadline_reminders_send(today=D(2025, 11, 21)) == 0


def test_an_extension_gives_the_new_date_its_own_reminders(open_deadline, committee_a, clerk_a):
    deadline = open_deadline(committee_a, DUE)
    assert deadline_reminders_send(today=DUE) == 1
    deadline_extend(deadline=deadline, new_due=D(2025, 12, 31), reason="需要联合调研", actor=clerk_a)
    assert deadline_reminders_send(today=DUE) == 0
    assert deadline_reminders_send(today=D(2025, 12, 24)) == 1  # 5 working days before 31 December
    assert Notification.objects.filter(recipient=clerk_a).order_by("id").last().body == "办理期限为2025年12月31日，还有 5 个工作日。"


def test_reminders_count_working_days_across_a_holiday(open_deadline, committee_a, clerk_a):
    open_deadline(committee_a, D(2025, 10, 9))  # the first working day after National Day
    assert deadline_reminders_send(today=D(2025, 9, 30)) == 1
    assert Notification.objects.get(recipient=clerk_a).body == "办理期限为2025年10月9日，还有 1 个工作日。"


def test_a_reminder_in_a_year_without_known_holidays_carries_the_warning(open_deadline, committee_a, clerk_a):
    open_deadline(committee_a, D(2035, 3, 30))
    assert deadline_reminders_send(today=D(2035, 3, 30)) == 1
    assert Notification.objects.get(recipient=clerk_a).body.endswith(
        "该期限落在尚未公布放假安排的年份（2035年），按周末计算，请管理员补录节假日。")


def test_reminders_go_by_email_too_when_a_mail_server_is_set(open_deadline, committee_a, clerk_a, settings,
                                                           mailoutbox, django_capture_on_commit_callbacks):
    clerk_a.email = "clerk@example.gov.cn"
    clerk_a.save()
    settings.EMAIL_HOST = "smtp.example.gov.cn"
    open_deadline(committee_a, DUE, title="关于加装电梯的提案")
    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_reminders_send(today=DUE) == 1
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["clerk@example.gov.cn"]
    assert mailoutbox[0].subject == "测试答复今日到期：关于加装电梯的提案"
    assert "/testcases/1/" in mailoutbox[0].body


def test_no_email_without_a_mail_server_or_an_address(open_deadline, committee_a, clerk_a, settings, mailoutbox,
                                                     django_capture_on_commit_callbacks):
    settings.EMAIL_HOST = ""
    clerk_a.email = "clerk@example.gov.cn"
    clerk_a.save()
    open_deadline(committee_a, DUE)
    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_reminders_send(today=DUE) == 1
    settings.EMAIL_HOST = "smtp.example.gov.cn"
    clerk_a.email = ""
    clerk_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_reminders_send(today=D(2025, 11, 21)) == 1
    assert mailoutbox == []
    assert Notification.objects.filter(recipient=clerk_a).count() == 2


def test_a_broken_recipients_function_does_not_stop_the_other_reminders(open_deadline, committee_a, clerk_a, caplog):
    def broken(deadline):
        raise RuntimeError("domain bug")

    register_deadline_kind(DeadlineKind("broken.kind", "坏的", recipients=broken))
    try:
        broken_one = open_deadline(committee_a, DUE, kind="broken.kind")
        open_deadline(committee_a, DUE)
        with caplog.at_level(logging.ERROR, logger="zhengxie.deadlines.reminders"):
            assert deadline_reminders_send(today=DUE) == 1
        broken_one.refresh_from_db()
        assert broken_one.reminders_sent == []  # tried again tomorrow
        assert "could not send" in caplog.text
    finally:
        unregister_deadline_kind("broken.kind")


def test_a_committee_may_remind_earlier(open_deadline, committee_a, clerk_a):
    committee_a.settings = {"deadlines": {"testcase.reply": {"remind_before": [10, 1]}}}
    committee_a.save()
    open_deadline(committee_a, DUE)
    assert deadline_reminders_send(today=D(2025, 10, 31)) == 1  # 10 working days before
    assert deadline_reminders_send(today=D(2025, 11, 7)) == 0  # no 5-day stage for this committee


def test_the_sweep_is_a_daily_job_at_eight_that_returns_how_many_it_sent(open_deadline, committee_a, clerk_a):
    job = next(j for j in registered_jobs() if j.name == "deadlines.reminders")
    assert job.every == dt.timedelta(days=1) and job.offset == dt.timedelta(hours=8)
    assert job.task is send_deadline_reminders
    open_deadline(committee_a, timezone.localdate())
    result = send_deadline_reminders.enqueue()
    assert result.return_value == 1
    assert send_deadline_reminders.enqueue().return_value == 0
