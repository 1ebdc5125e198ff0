"""Enqueueing due periodic jobs, safely from any number of scheduler processes.

A slot is claimed by moving `PeriodicRun.next_run_at` from the value we read to the next slot with a
conditional UPDATE. Only one process can match the old value: on PostgreSQL the second UPDATE waits for
the first one's row lock and then finds the value changed; on SQLite writers are serialized. The claim
and the enqueue share one transaction, so with the database task backend either both happen or neither.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from zhengxie.scheduler.models import PeriodicRun
from zhengxie.scheduler.registry import PeriodicJob, registered_jobs

logger = logging.getLogger(__name__)


def periodic_run_claim(*, name: str, due_at: dt.datetime, next_run_at: dt.datetime, now: dt.datetime) -> bool:
    """Move job `name` from slot `due_at` to `next_run_at`; True only for the one caller that did it."""
    claimed = PeriodicRun.objects.filter(name=name, next_run_at=due_at).update(
        next_run_at=next_run_at, last_enqueued_at=now
    )
    return claimed == 1


def periodic_job_enqueue_if_due(*, job: PeriodicJob, now: dt.datetime) -> bool:
    """Enqueue `job` if its slot has come and no other scheduler got there first."""
    run, created = PeriodicRun.objects.get_or_create(
        name=job.name, defaults={"next_run_at": job.next_slot_after(now)}
    )
    if created or run.next_run_at > now:
        return False
    with transaction.atomic():
        if not periodic_run_claim(name=job.name, due_at=run.next_run_at, next_run_at=job.next_slot_after(now),
                                  now=now):
            return False
        result = job.task.enqueue()
        PeriodicRun.objects.filter(name=job.name).update(last_task_id=str(result.id))
    logger.info("scheduler: enqueued %s (slot %s) as task %s",
                job.name, run.next_run_at.isoformat(), result.id)
    return True


def scheduler_tick(*, now: dt.datetime | None = None, jobs: Iterable[PeriodicJob] | None = None) -> list[str]:
    """One pass over the registered jobs (or `jobs`): enqueue those due at `now`; return their names."""
    now = now or timezone.now()
    enqueued = []
    for job in registered_jobs() if jobs is None else jobs:
        try:
            if periodic_job_enqueue_if_due(job=job, now=now):
                enqueued.append(job.name)
        except Exception:
            # One broken job (or a briefly locked database) must not starve the others; retried next tick.
            logger.exception("scheduler: could not enqueue %s", job.name)
    return enqueued
