from __future__ import annotations

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks_db.models import DBTaskResult

from zhengxie.scheduler import registry
from zhengxie.scheduler.models import PeriodicRun
from zhengxie.scheduler.registry import PeriodicJob, register_periodic, registered_jobs
from zhengxie.scheduler.services import periodic_run_claim, scheduler_tick
from zhengxie.scheduler.tests import jobs

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOURLY = PeriodicJob(name="tests.hourly", every=dt.timedelta(hours=1), task=jobs.record_call)
OTHER_HOURLY = PeriodicJob(name="tests.other_hourly", every=dt.timedelta(hours=1),
                           task=jobs.record_other_call)


def at(hour: int, minute: int = 0, second: int = 0, *, day: int = 2) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, second, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def no_calls_yet():
    jobs.CALLS.clear()
    yield
    jobs.CALLS.clear()


@pytest.fixture
def empty_registry(monkeypatch):
    monkeypatch.setattr(registry, "_JOBS", {})


def test_a_job_seen_for_the_first_time_waits_for_its_next_slot(db):
    assert scheduler_tick(now=at(10, 20), jobs=[HOURLY]) == []
    assert jobs.CALLS == []
    assert PeriodicRun.objects.get(name="tests.hourly").next_run_at == at(11)


def test_a_job_that_is_not_yet_due_is_not_enqueued(db):
    PeriodicRun.objects.create(name="tests.hourly", next_run_at=at(11))
    assert scheduler_tick(now=at(10, 59, 59), jobs=[HOURLY]) == []
    assert jobs.CALLS == []
    assert PeriodicRun.objects.get(name="tests.hourly").next_run_at == at(11)


def test_a_due_job_is_enqueued_once_even_when_two_schedulers_tick_for_the_same_slot(db):
    PeriodicRun.objects.create(name="tests.hourly", next_run_at=at(11))
    now = at(11, 0, 5)

    first = scheduler_tick(now=now, jobs=[HOURLY])
    second = scheduler_tick(now=now, jobs=[HOURLY])

    assert (first, second) == (["tests.hourly"], [])
    assert jobs.CALLS == ["record_call"]
    run = PeriodicRun.objects.get(name="tests.hourly")
    assert run.next_run_at == at(12)
    assert run.last_enqueued_at == now
    assert run.last_task_id


def test_a_scheduler_that_read_the_slot_before_another_claimed_it_loses(db):
    PeriodicRun.objects.create(name="tests.hourly", next_run_at=at(11))
    # Both processes read next_run_at == 11:00 before either wrote.
    claims = [periodic_run_claim(name="tests.hourly", due_at=at(11), next_run_at=at(12), now=at(11, 0, 1))
              for _process in range(2)]
    assert claims == [True, False]


def test_the_next_slot_comes_one_interval_later(db):
    PeriodicRun.objects.create(name="tests.hourly", next_run_at=at(11))
    scheduler_tick(now=at(11), jobs=[HOURLY])
    assert scheduler_tick(now=at(11, 59, 59), jobs=[HOURLY]) == []
    assert scheduler_tick(now=at(12), jobs=[HOURLY]) == ["tests.hourly"]
    assert jobs.CALLS == ["record_call", "record_call"]
    assert PeriodicRun.objects.get(name="tests.hourly").next_run_at == at(13)


def test_a_scheduler_that_was_down_catches_up_with_one_run_not_one_per_missed_slot(db):
    PeriodicRun.objects.create(name="tests.hourly", next_run_at=at(11))
    assert scheduler_tick(now=at(15, 30), jobs=[HOURLY]) == ["tests.hourly"]
    assert jobs.CALLS == ["record_call"]
    assert PeriodicRun.objects.get(name="tests.hourly").next_run_at == at(16)


@pytest.mark.parametrize(
    ("every", "offset", "now", "expected"),
    [
        (dt.timedelta(hours=1), dt.timedelta(0), at(10, 20), at(11)),
        (dt.timedelta(hours=1), dt.timedelta(0), at(11), at(12)),  # strictly after
        (dt.timedelta(days=1), dt.timedelta(hours=3), at(2, 59), at(3)),
        (dt.timedelta(days=1), dt.timedelta(hours=3), at(10, 20), at(3, day=3)),
        (dt.timedelta(minutes=15), dt.timedelta(minutes=5), at(10, 20), at(10, 35)),
        (dt.timedelta(weeks=1), dt.timedelta(hours=9), at(10), at(9, day=9)),  # Mondays 09:00
    ],
)
def test_slots_are_local_midnight_plus_offset_plus_whole_intervals(every, offset, now, expected):
    job = PeriodicJob(name="tests.slots", every=every, task=jobs.record_call, offset=offset)
    assert job.next_slot_after(now) == expected
    assert job.next_slot_after(now.astimezone(dt.timezone.utc)) == expected


# A real transaction: the worker closes connections left inside one, as a test transaction would be.
@pytest.mark.django_db(transaction=True)
def test_with_the_database_backend_the_scheduler_only_enqueues_and_the_worker_runs():
    PeriodicRun.objects.create(name="tests.hourly", next_run_at=at(11))
    database_backend = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    with override_settings(TASKS=database_backend):
        assert scheduler_tick(now=at(11), jobs=[HOURLY]) == ["tests.hourly"]
        queued = DBTaskResult.objects.get()
        assert queued.task_path == "zhengxie.scheduler.tests.jobs.record_call"
        assert str(queued.id) == PeriodicRun.objects.get(name="tests.hourly").last_task_id
        assert jobs.CALLS == []

        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    assert jobs.CALLS == ["record_call"]


def test_a_job_that_cannot_be_enqueued_keeps_its_slot_and_does_not_stop_the_others(db, monkeypatch):
    PeriodicRun.objects.create(name="tests.hourly", next_run_at=at(11))
    PeriodicRun.objects.create(name="tests.other_hourly", next_run_at=at(11))
    original_enqueue = ImmediateBackend.enqueue

    def enqueue_failing_for_record_call(self, task, args, kwargs):
        if task.func is jobs.record_call.func:
            raise ConnectionError("queue unavailable")
        return original_enqueue(self, task, args, kwargs)

    monkeypatch.setattr(ImmediateBackend, "enqueue", enqueue_failing_for_record_call)
    assert scheduler_tick(now=at(11), jobs=[HOURLY, OTHER_HOURLY]) == ["tests.other_hourly"]
    assert PeriodicRun.objects.get(name="tests.hourly").next_run_at == at(11)  # retried next tick

    monkeypatch.setattr(ImmediateBackend, "enqueue", original_enqueue)
    assert scheduler_tick(now=at(11, 0, 30), jobs=[HOURLY, OTHER_HOURLY]) == ["tests.hourly"]
    assert jobs.CALLS == ["record_other_call", "record_call"]


def test_the_scheduler_registers_its_own_housekeeping_jobs():
    names = [job.name for job in registered_jobs()]
    assert "scheduler.clear_expired_sessions" in names
    assert "scheduler.prune_task_results" in names


def test_registering_the_same_job_twice_is_harmless_but_a_conflicting_one_is_refused(empty_registry):
    register_periodic(name="tests.hourly", every=dt.timedelta(hours=1), task=jobs.record_call)
    register_periodic(name="tests.hourly", every=dt.timedelta(hours=1), task=jobs.record_call)
    assert [job.name for job in registered_jobs()] == ["tests.hourly"]
    with pytest.raises(ImproperlyConfigured):
        register_periodic(name="tests.hourly", every=dt.timedelta(hours=2), task=jobs.record_call)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"every": dt.timedelta(seconds=10), "task": jobs.record_call},
        {"every": dt.timedelta(hours=1), "offset": dt.timedelta(hours=1), "task": jobs.record_call},
        {"every": dt.timedelta(hours=1), "task": jobs.needs_an_argument},
        {"every": dt.timedelta(hours=1), "task": lambda: None},
    ],
    ids=["too_often", "offset_not_below_every", "task_with_arguments", "not_a_task"],
)
def test_a_job_the_scheduler_could_not_run_is_refused_at_start_up(empty_registry, kwargs):
    with pytest.raises(ImproperlyConfigured):
        register_periodic(name="tests.bad", **kwargs)


def test_run_scheduler_once_on_a_fresh_database_only_schedules_the_jobs(db):
    out = StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    assert "enqueued: -" in out.getvalue()
    assert set(PeriodicRun.objects.values_list("name", flat=True)) >= {
        "scheduler.clear_expired_sessions", "scheduler.prune_task_results"}
