"""Tasks for the scheduler tests (tasks must live at module level). The immediate backend runs them inline."""

from __future__ import annotations

from django_tasks import task

CALLS: list[str] = []


@task()
def record_call() -> None:
    CALLS.append("record_call")


@task()
def record_other_call() -> None:
    CALLS.append("record_other_call")


@task()
def needs_an_argument(committee_id: int) -> None:
    CALLS.append(f"needs_an_argument {committee_id}")
