"""The daily reminder sweep: each open deadline's reminders, each sent once.

A deadline of a kind with ``remind_before=(5, 1), overdue_every=5`` passes through these stages:

=============  ====================================================================
``before-5``   5 or fewer working days are left before the due date
``before-1``   1 or fewer working days are left
``due``        the due date has come
``overdue-1``  5 working days past the due date; ``overdue-2`` at 10, and so on
=============  ====================================================================

A sweep sends only the latest stage a deadline has reached, and records it together with every
earlier one in `Deadline.reminders_sent`. So a second sweep on the same day sends nothing, and a
sweep that ran late (the worker was down over a holiday) sends one reminder telling how things stand
now, not the backlog. Extending a deadline clears the record: the new date gets its own reminders.

Counting uses the committee's working-day calendar; a count that crosses a year with unknown holidays
carries the calendar's warning in the message.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.utils import timezone

from zhengxie.deadlines.calendar import WorkCalendar, unknown_years_warning
from zhengxie.deadlines.models import Deadline
from zhengxie.deadlines.registry import DeadlineKind, deadline_kind, registered_kinds
from zhengxie.deadlines.services import chinese_date
from zhengxie.notifications.services import notify
from zhengxie.org.models import Committee

logger = logging.getLogger(__name__)

EMAIL_TIMEOUT_SECONDS = 10


def current_stage(*, due: dt.date, today: dt.date, calendar: WorkCalendar, kind: DeadlineKind) -> str | None:
    """The latest stage a deadline due on `due` has reached on `today` (None: no reminder yet)."""
    if today < due:
        left = calendar.working_days_between(today, due)
        reached = [b for b in kind.remind_before if left <= b]
        return f"before-{min(reached)}" if reached else None
    if kind.overdue_every:
        late = calendar.working_days_between(due, today)
        if late >= kind.overdue_every:
            return f"overdue-{late // kind.overdue_every}"
    return "due"


def stages_through(stage: str, kind: DeadlineKind) -> list[str]:
    """`stage` and every stage before it, in order."""
    stages = [f"before-{b}" for b in kind.remind_before]
    if stage.startswith("before-"):
        return stages[: stages.index(stage) + 1] if stage in stages else [stage]
    stages.append("due")
    if stage.startswith("overdue-"):
        stages += [f"overdue-{i}" for i in range(1, int(stage.removeprefix("overdue-")) + 1)]
    return stages


def reminder_message(*, deadline: Deadline, kind: DeadlineKind, today: dt.date,
                     calendar: WorkCalendar) -> tuple[str, str, str]:
    """(verb, title, body) of the reminder as things stand on `today`."""
    due = deadline.due_date
    if today < due:
        left = calendar.working_days_between(today, due)
        verb, title = "deadline.due_soon", f"{kind.label}期限提醒：{deadline.title}"
        body = f"办理期限为{chinese_date(due)}，还有 {left} 个工作日。"
    elif today == due:
        verb, title = "deadline.due", f"{kind.label}今日到期：{deadline.title}"
        body = f"办理期限为今天（{chinese_date(due)}），请按时办结。"
    else:
        late = calendar.working_days_between(due, today)
        verb, title = "deadline.overdue", f"{kind.label}已逾期：{deadline.title}"
        body = (f"办理期限为{chinese_date(due)}，已逾期 {late} 个工作日，请尽快办结。" if late
                else f"办理期限{chinese_date(due)}已过，请尽快办结。")
    first, last = sorted([today, due])
    unknown = calendar.unknown_years(first.year, last.year)
    if unknown:
        body += f"\n{unknown_years_warning(unknown)}。"
    return verb, title[:200], body


def _email(subject: str, body: str, addresses: list[str]) -> None:
    # A mail server that never answers must not hold the worker: Django waits forever unless told otherwise.
    connection = get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None) or EMAIL_TIMEOUT_SECONDS)
    for address in addresses:
        try:
            send_mail(subject, body, None, [address], connection=connection)
        except Exception:
            # The in-app reminder is already in the inbox; a mail server that is down must not undo it.
            logger.exception("deadlines: could not e-mail a reminder to %s", address)


def _send_one(*, pk: int, committee: Committee, kind: DeadlineKind, today: dt.date, calendar: WorkCalendar) -> bool:
    """Send the deadline's current stage unless it was sent already; True when someone was reminded."""
    with transaction.atomic():
        # Locked and re-read: a second sweep running at the same moment waits here, then finds it sent.
        row = Deadline.objects.select_for_update().filter(pk=pk, status=Deadline.Status.OPEN).first()
        if row is None:
            return False
        stage = current_stage(due=row.due_date, today=today, calendar=calendar, kind=kind)
        if stage is None or stage in row.reminders_sent:
            return False
        row.committee = committee
        users = [u for u in kind.recipients(row) if u.is_active]
        verb, title, body = reminder_message(deadline=row, kind=kind, today=today, calendar=calendar)
        notify(committee=committee, recipients=users, verb=verb, title=title, body=body, url=row.url)
        row.reminders_sent = list(dict.fromkeys([*row.reminders_sent, *stages_through(stage, kind)]))
        row.save(update_fields=["reminders_sent"])
        addresses = sorted({u.email for u in users if u.email}) if settings.EMAIL_HOST else []
        if addresses:
            mail_body = f"{body}\n\n请登录平台查看：{row.url}" if row.url else body
            transaction.on_commit(partial(_email, title, mail_body, addresses))
    if not users:
        logger.warning("deadlines: nobody to remind of deadline %s (%s, stage %s)", pk, kind.kind, stage)
    return bool(users)


def deadline_reminders_send(*, today: dt.date | None = None) -> int:
    """Send every due reminder of every open deadline; return how many reminders (deadline × stage) went out."""
    today = today or timezone.localdate()
    sent = 0
    missing_kinds: set[str] = set()
    committees = Committee.objects.filter(
        pk__in=Deadline.objects.filter(status=Deadline.Status.OPEN).values("committee_id")).order_by("id")
    for committee in committees:
        calendar = WorkCalendar(committee)
        kinds = {k.kind: deadline_kind(k.kind, committee) for k in registered_kinds()}
        reach = max((max(k.remind_before, default=0) for k in kinds.values() if k is not None), default=0)
        # Anything due later than `reach` working days from now has no reminder yet.
        horizon = calendar.add_working_days(today, reach).date
        candidates = (Deadline.objects.filter(committee=committee, status=Deadline.Status.OPEN, due_date__lte=horizon)
                      .order_by("due_date", "id"))
        for deadline in candidates:
            kind = kinds.get(deadline.kind)
            if kind is None:
                missing_kinds.add(deadline.kind)
                continue
            stage = current_stage(due=deadline.due_date, today=today, calendar=calendar, kind=kind)
            if stage is None or stage in deadline.reminders_sent:
                continue
            try:
                sent += _send_one(pk=deadline.pk, committee=committee, kind=kind, today=today, calendar=calendar)
            except Exception:
                # One domain's broken recipients() must not stop everyone else's reminders; retried tomorrow.
                logger.exception("deadlines: could not send the reminder of deadline %s", deadline.pk)
    for kind_name in sorted(missing_kinds):
        logger.warning("deadlines: open deadlines of unregistered kind %s get no reminders", kind_name)
    return sent
