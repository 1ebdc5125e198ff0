"""Writes: deadlines (open, extend, meet, cancel) and the calendar's hand-entered days.

Each service checks its input, changes the rows and writes its audit event in one transaction. Who
may open or extend a deadline is the calling domain's decision (its own service checks that first);
these check only what holds for every deadline. Bad input raises `DeadlineError` with a message for
the user; a kind nobody registered is a programming error and raises `ValueError`.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from zhengxie.accounts.models import User
from zhengxie.audit.services import audit_record
from zhengxie.deadlines.models import CalendarDay, Deadline
from zhengxie.deadlines.registry import deadline_kind
from zhengxie.org.models import Committee

REASON_MAX = 500
NOTE_MAX = 100
# Hand-entered days outside these years are typing mistakes (20260 for 2026), not plans.
CALENDAR_YEARS = (1990, 2100)


class DeadlineError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _clean_text(text: str, *, field: str, limit: int, required: bool) -> str:
    if "\x00" in (text or ""):
        raise DeadlineError(f"{field}含有不可见的非法字符。")
    text = " ".join((text or "").split())
    if required and not text:
        raise DeadlineError(f"请填写{field}。")
    if len(text) > limit:
        raise DeadlineError(f"{field}不能超过 {limit} 个字。")
    return text


def _locked(deadline: Deadline) -> Deadline:
    return Deadline.objects.select_for_update().get(pk=deadline.pk)


def _refresh(target: Deadline, source: Deadline) -> Deadline:
    """Copy the saved row's fields into the caller's instance, so it does not hold stale values."""
    for field in ("due_date", "status", "met_at", "extensions", "reminders_sent"):
        setattr(target, field, getattr(source, field))
    return target


def _require_open(deadline: Deadline, action: str) -> None:
    if deadline.status != Deadline.Status.OPEN:
        raise DeadlineError(f"该期限{deadline.get_status_display()}，不能{action}。")


# --- deadlines -------------------------------------------------------------------------------------


def deadline_open(*, committee: Committee, subject_type: str, subject_id: int | str, kind: str,
                  due_date: dt.date, title: str, url: str, actor: User | None) -> Deadline:
    """Set a deadline of a registered `kind` on a domain's subject; reminders follow from the daily sweep.

    One subject has at most one open deadline of each kind: opening it again is refused.
    """
    if deadline_kind(kind) is None:
        raise ValueError(f"deadline kind {kind!r} is not registered (see zhengxie.deadlines.registry)")
    if not subject_type or subject_id in (None, ""):
        raise ValueError("a deadline needs the subject's type and id")
    if url and not (url.startswith("/") and not url.startswith("//")):
        raise ValueError("deadline links must be site-relative paths")
    if not isinstance(due_date, dt.date) or isinstance(due_date, dt.datetime):
        raise DeadlineError("期限必须是一个日期。")
    title = _clean_text(title, field="期限标题", limit=200, required=True)
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: PostgreSQL's transaction survives the IntegrityError
                deadline = Deadline.objects.create(
                    committee=committee, subject_type=subject_type, subject_id=str(subject_id), kind=kind,
                    title=title, url=url, due_date=due_date, original_due_date=due_date,
                )
        except IntegrityError:
            raise DeadlineError("该事项已有进行中的同类期限。") from None
        audit_record(actor=actor, committee=committee, verb="deadline.opened", obj=deadline, payload={
            "kind": kind, "subject_type": subject_type, "subject_id": str(subject_id), "due_date": due_date,
        })
    return deadline


def deadline_extend(*, deadline: Deadline, new_due: dt.date, reason: str, actor: User | None) -> Deadline:
    """Move an open deadline to a later date, with the reason on record; the original date is kept.

    The reminders start over for the new date. A kind may cap the total extension (e.g. six months
    for a proposal reply), counted from the original due date in calendar days.
    """
    reason = _clean_text(reason, field="延期理由", limit=REASON_MAX, required=True)
    if not isinstance(new_due, dt.date) or isinstance(new_due, dt.datetime):
        raise DeadlineError("请填写新的期限日期。")
    with transaction.atomic():
        row = _locked(deadline)
        _require_open(row, "延期")
        if new_due <= row.due_date:
            raise DeadlineError(f"新的期限必须晚于当前期限（{chinese_date(row.due_date)}）。")
        kind = deadline_kind(row.kind, deadline.committee)
        limit = kind.max_extension_days if kind is not None else None
        if limit is not None and (new_due - row.original_due_date).days > limit:
            latest = row.original_due_date + dt.timedelta(days=limit)
            raise DeadlineError(f"延期累计不能超过 {limit} 天，最晚可延至{chinese_date(latest)}。")
        previous = row.due_date
        row.extensions = [*row.extensions, {
            "from": previous.isoformat(), "to": new_due.isoformat(), "reason": reason,
            "by": actor.pk if actor is not None else None, "by_name": str(actor) if actor is not None else "系统",
            "at": timezone.now().isoformat(),
        }]
        row.due_date = new_due
        row.reminders_sent = []
        row.save(update_fields=["extensions", "due_date", "reminders_sent"])
        audit_record(actor=actor, committee=deadline.committee, verb="deadline.extended", obj=row, payload={
            "kind": row.kind, "due_date": [previous, new_due], "original_due_date": row.original_due_date,
            "reason": reason,
        })
    return _refresh(deadline, row)


def deadline_meet(*, deadline: Deadline, actor: User | None, at: dt.datetime | None = None) -> Deadline:
    """Record that what the deadline asked for was done (a reply sent, an item signed), on time or late."""
    at = at or timezone.now()
    with transaction.atomic():
        row = _locked(deadline)
        _require_open(row, "办结")
        row.status, row.met_at = Deadline.Status.MET, at
        row.save(update_fields=["status", "met_at"])
        met_on = timezone.localdate(at)
        # Statistics (on-time rate, days late per unit) read these from the audit trail.
        audit_record(actor=actor, committee=deadline.committee, verb="deadline.met", obj=row, payload={
            "kind": row.kind, "due_date": row.due_date, "met_on": met_on, "on_time": met_on <= row.due_date,
            "days_late": max(0, (met_on - row.due_date).days), "extended": bool(row.extensions),
        })
    return _refresh(deadline, row)


def deadline_cancel(*, deadline: Deadline, actor: User | None, reason: str = "") -> Deadline:
    """Drop a deadline that no longer applies (the proposal was reassigned, withdrawn…); no more reminders."""
    reason = _clean_text(reason, field="取消理由", limit=REASON_MAX, required=False)
    with transaction.atomic():
        row = _locked(deadline)
        _require_open(row, "取消")
        row.status = Deadline.Status.CANCELLED
        row.save(update_fields=["status"])
        audit_record(actor=actor, committee=deadline.committee, verb="deadline.cancelled", obj=row,
                     payload={"kind": row.kind, "due_date": row.due_date, "reason": reason})
    return _refresh(deadline, row)


# --- the calendar ----------------------------------------------------------------------------------


def calendar_day_add(*, committee: Committee | None, day: dt.date, is_workday: bool, note: str,
                     actor: User) -> CalendarDay:
    """Set one day as working (上班) or rest (放假) for `committee`, or for the whole platform when None.

    Only a platform admin may change the platform's calendar.
    """
    if committee is None and not actor.is_superuser:
        raise DeadlineError("只有平台管理员可以修改全平台的日历。")
    if not CALENDAR_YEARS[0] <= day.year <= CALENDAR_YEARS[1]:
        raise DeadlineError(f"日期须在 {CALENDAR_YEARS[0]} 年至 {CALENDAR_YEARS[1]} 年之间。")
    note = _clean_text(note, field="说明", limit=NOTE_MAX, required=False)
    scope = "本会" if committee is not None else "全平台"
    try:
        with transaction.atomic():
            row = CalendarDay.objects.create(committee=committee, date=day, is_workday=is_workday, note=note)
            audit_record(actor=actor, committee=committee, verb="calendar.day_added", obj=row, payload={
                "date": day, "is_workday": is_workday, "note": note, "scope": scope,
            })
    except IntegrityError:
        raise DeadlineError(f"{chinese_date(day)}已有{scope}的调整记录，请先删除原记录。") from None
    return row


def calendar_day_remove(*, calendar_day: CalendarDay, actor: User) -> None:
    """Delete a hand-entered day; the day falls back to the platform's row, the package or the weekday."""
    if calendar_day.committee_id is None and not actor.is_superuser:
        raise DeadlineError("只有平台管理员可以修改全平台的日历。")
    with transaction.atomic():
        deleted, _ = CalendarDay.objects.filter(pk=calendar_day.pk).delete()
        if not deleted:
            raise DeadlineError("该记录已被删除。")
        audit_record(actor=actor, committee=calendar_day.committee, verb="calendar.day_removed", obj=calendar_day,
                     payload={"date": calendar_day.date, "is_workday": calendar_day.is_workday,
                              "note": calendar_day.note,
                              "scope": "本会" if calendar_day.committee_id is not None else "全平台"})
