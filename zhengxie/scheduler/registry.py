"""The periodic-job registry: where any app declares work that must happen on a schedule.

How to add a periodic job (a reminder sweep, a clean-up):

1. Write the work as a django-tasks task, at module level in your app's ``tasks.py``. It takes no
   arguments and works out for itself what is due (a reminder sweep queries for deadlines that
   fall due; it must be safe to run late or twice, e.g. by marking what it has already sent)::

       from django_tasks import task

       @task()
       def send_deadline_reminders() -> int:
           ...

2. Register it in your AppConfig.ready()::

       def ready(self) -> None:
           from datetime import timedelta
           from zhengxie.scheduler.registry import register_periodic
           from zhengxie.proposals.tasks import send_deadline_reminders

           register_periodic(name="proposals.deadline_reminders", every=timedelta(days=1),
                             offset=timedelta(hours=8), task=send_deadline_reminders)

   ``name`` is "<app label>.<what>"; it keys the job's row in the database, so do not rename it
   lightly (a renamed job starts afresh). Slots are ``local midnight + offset + k * every``: the example
   runs every day at 08:00 Asia/Shanghai; ``every=timedelta(hours=1)`` runs on the hour;
   ``every=timedelta(weeks=1), offset=timedelta(hours=9)`` runs on Mondays at 09:00.

3. Nothing else. ``manage.py run_scheduler`` (started by ``manage.py serve`` in development, its own
   service in production, see docs/operations.md) checks every 30 s and *enqueues* each job whose
   slot has come; ``manage.py db_worker`` runs it. Several schedulers, or a restart, never enqueue
   the same slot twice (see `zhengxie.scheduler.services`). A scheduler that was down catches up
   with one run, not one per missed slot. A job first seen by the scheduler waits for its next slot.
   Changing ``every`` or ``offset`` takes effect after the job's next run.
"""

from __future__ import annotations

import datetime as dt
import inspect
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django_tasks.base import Task

MIN_EVERY = dt.timedelta(minutes=1)


def slot_anchor() -> dt.datetime:
    """Slot zero: local midnight at the start of Monday 3 January 2000, as an absolute (UTC) instant.

    A Monday, so that weekly jobs fall on Monday plus `offset`.

    Slots are fixed instants so that every scheduler process computes the same ones. China keeps no
    daylight saving time; in a zone that does, daily jobs would shift by an hour in summer.
    """
    local_midnight = dt.datetime(2000, 1, 3, tzinfo=timezone.get_default_timezone())
    return local_midnight.astimezone(dt.timezone.utc)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: dt.timedelta
    task: Task[..., Any]
    offset: dt.timedelta = dt.timedelta(0)

    def next_slot_after(self, moment: dt.datetime) -> dt.datetime:
        """The first slot strictly later than `moment` (an aware datetime)."""
        base = slot_anchor() + self.offset
        slots_passed = (moment - base) // self.every
        return base + (slots_passed + 1) * self.every


_JOBS: dict[str, PeriodicJob] = {}


def register_periodic(
    *, name: str, every: dt.timedelta, task: Task[..., Any], offset: dt.timedelta = dt.timedelta(0)
) -> PeriodicJob:
    """Declare that `task` is enqueued at every slot `offset + k * every` after local midnight."""
    if not name or len(name) > 100:
        raise ImproperlyConfigured(f"Periodic job name must be 1–100 characters, got {name!r}")
    if not isinstance(task, Task):
        raise ImproperlyConfigured(f"Periodic job {name}: task must be a django-tasks @task, got {task!r}")
    if every < MIN_EVERY:
        raise ImproperlyConfigured(f"Periodic job {name}: every must be at least {MIN_EVERY}, got {every}")
    if not dt.timedelta(0) <= offset < every:
        raise ImproperlyConfigured(f"Periodic job {name}: offset must lie in [0, every), got {offset}")
    try:
        # The scheduler enqueues with no arguments; fail at start-up rather than in the worker.
        inspect.signature(task.func).bind(*(["context"] if task.takes_context else []))
    except TypeError as exc:
        raise ImproperlyConfigured(f"Periodic job {name}: its task must take no arguments") from exc

    job = PeriodicJob(name=name, every=every, task=task, offset=offset)
    existing = _JOBS.get(name)
    if existing is not None and existing != job:
        raise ImproperlyConfigured(f"Periodic job {name} is registered twice with different settings")
    _JOBS[name] = job
    return job


def registered_jobs() -> list[PeriodicJob]:
    """All registered jobs, by name."""
    return [_JOBS[name] for name in sorted(_JOBS)]
