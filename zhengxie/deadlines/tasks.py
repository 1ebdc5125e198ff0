"""The deadline jobs the scheduler runs (registered in apps.DeadlinesConfig.ready)."""

from __future__ import annotations

from django_tasks import task

from zhengxie.deadlines.reminders import deadline_reminders_send


@task()
def send_deadline_reminders() -> int:
    """Daily at 08:00: every reminder that has come due, each sent once; returns how many were sent."""
    return deadline_reminders_send()
