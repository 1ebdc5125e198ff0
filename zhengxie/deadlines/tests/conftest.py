"""A stand-in kind of deadline, so the kernel is tested without any domain.

Its reminders go to the committee's proposal-office clerks (`clerk_a` in committee A).
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from zhengxie.accounts.models import Role, User
from zhengxie.deadlines.registry import DeadlineKind, register_deadline_kind, unregister_deadline_kind
from zhengxie.deadlines.services import deadline_open

KIND = "testcase.reply"
_subjects = itertools.count(1)


def clerks_of(deadline) -> list[User]:
    return list(User.objects.filter(grants__committee_id=deadline.committee_id,
                                    grants__role=Role.PROPOSAL_STAFF).distinct())


@pytest.fixture(autouse=True)
def testcase_kind():
    kind = register_deadline_kind(DeadlineKind(KIND, "测试答复", recipients=clerks_of, max_extension_days=183))
    yield kind
    unregister_deadline_kind(KIND)


@pytest.fixture
def open_deadline(db):
    """`open_deadline(committee, due, **fields)` opens a deadline of the stand-in kind on a fresh subject."""

    def _open(committee, due: dt.date, *, actor=None, kind: str = KIND, title: str = "关于加装电梯的提案", **extra):
        return deadline_open(committee=committee, subject_type=extra.pop("subject_type", "testcase"),
                             subject_id=extra.pop("subject_id", next(_subjects)), kind=kind, due_date=due,
                             title=title, url=extra.pop("url", "/testcases/1/"), actor=actor)

    return _open
