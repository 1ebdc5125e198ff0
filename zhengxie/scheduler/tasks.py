"""Housekeeping jobs the scheduler registers for itself (see apps.SchedulerConfig.ready)."""

from __future__ import annotations

import datetime as dt
from importlib import import_module

from django.conf import settings
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

TASK_RESULT_RETENTION = dt.timedelta(days=30)


@task()
def clear_expired_sessions() -> None:
    """Delete expired login sessions (what `manage.py clearsessions` does)."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()


@task()
def prune_task_results() -> int:
    """Delete finished (successful or failed) task results older than 30 days; return how many."""
    cutoff = timezone.now() - TASK_RESULT_RETENTION
    # The model rather than `prune_db_task_results`: that command refuses non-database backends (tests).
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lte=cutoff).delete()
    return deleted
