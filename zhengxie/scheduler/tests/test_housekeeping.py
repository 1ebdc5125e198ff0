from __future__ import annotations

import datetime as dt
from io import StringIO

from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from zhengxie.scheduler.models import PeriodicRun
from zhengxie.scheduler.tasks import clear_expired_sessions, prune_task_results


def make_session(key: str, *, expires_in: dt.timedelta) -> Session:
    return Session.objects.create(session_key=key, session_data="", expire_date=timezone.now() + expires_in)


def make_task_result(*, status: str, finished_days_ago: int | None) -> DBTaskResult:
    finished_at = None if finished_days_ago is None else timezone.now() - dt.timedelta(days=finished_days_ago)
    return DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}}, task_path="zhengxie.scheduler.tasks.prune_task_results",
        backend_name="default", run_after=get_date_max(), status=status, finished_at=finished_at,
    )


def test_clearing_sessions_deletes_expired_ones_and_keeps_live_ones(db):
    make_session("expired", expires_in=-dt.timedelta(minutes=1))
    make_session("live", expires_in=dt.timedelta(hours=1))

    result = clear_expired_sessions.enqueue()

    assert result.status == TaskResultStatus.SUCCESSFUL
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]


def test_pruning_deletes_finished_task_results_older_than_30_days_only(db):
    old_success = make_task_result(status=TaskResultStatus.SUCCESSFUL, finished_days_ago=31)
    old_failure = make_task_result(status=TaskResultStatus.FAILED, finished_days_ago=31)
    recent = make_task_result(status=TaskResultStatus.SUCCESSFUL, finished_days_ago=29)
    waiting = make_task_result(status=TaskResultStatus.READY, finished_days_ago=None)

    result = prune_task_results.enqueue()

    assert result.return_value == 2
    remaining = set(DBTaskResult.objects.values_list("id", flat=True))
    assert remaining == {recent.id, waiting.id}
    assert not remaining & {old_success.id, old_failure.id}


def test_run_scheduler_once_runs_the_due_housekeeping(db):
    make_session("expired", expires_in=-dt.timedelta(minutes=1))
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    for name in ["scheduler.clear_expired_sessions", "scheduler.prune_task_results"]:
        PeriodicRun.objects.create(name=name, next_run_at=an_hour_ago)
    out = StringIO()

    call_command("run_scheduler", "--once", stdout=out)

    assert "scheduler.clear_expired_sessions" in out.getvalue()
    assert "scheduler.prune_task_results" in out.getvalue()
    assert not Session.objects.exists()
    assert not PeriodicRun.objects.filter(next_run_at__lte=timezone.now()).exists()
