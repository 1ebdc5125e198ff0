"""Deadlines on any subject a domain registers, and the calendar corrections they are counted with."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q

from zhengxie.org.models import Committee, CommitteeOwned


class CalendarDay(models.Model):
    """One day whose working/rest status an admin has set by hand.

    Needed for years the chinese_calendar package does not cover yet (the State Council announces the
    next year's holidays in the autumn; the package follows weeks later) and for local arrangements.
    A row with no committee applies to the whole platform; a committee's own row wins over it.
    """

    committee = models.ForeignKey(Committee, verbose_name="所属政协", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    date = models.DateField("日期")
    is_workday = models.BooleanField("上班")
    note = models.CharField("说明", max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "节假日调整"
        verbose_name_plural = "节假日调整"
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["committee", "date"], condition=Q(committee__isnull=False),
                                    name="uniq_calendar_day_committee"),
            # NULLs never collide in a unique index, so the platform's rows need their own constraint.
            models.UniqueConstraint(fields=["date"], condition=Q(committee__isnull=True),
                                    name="uniq_calendar_day_platform"),
        ]
        indexes = [models.Index(fields=["date"], name="calendar_day_date")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {'上班' if self.is_workday else '放假'}"


class Deadline(CommitteeOwned):
    """A date by which something must be done, on a subject the kernel knows only by type and id."""

    class Status(models.TextChoices):
        OPEN = "open", "进行中"
        MET = "met", "已办结"
        CANCELLED = "cancelled", "已取消"

    subject_type = models.CharField("事项类型", max_length=40)  # "proposal"
    subject_id = models.CharField("事项编号", max_length=64)
    kind = models.CharField("期限类型", max_length=64)  # "proposal.reply", registered in registry.py
    title = models.CharField("标题", max_length=200)  # what reminders call it
    url = models.CharField("链接", max_length=300, blank=True)  # site-relative, where reminders point
    due_date = models.DateField("期限")
    original_due_date = models.DateField("原定期限")
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.OPEN)
    met_at = models.DateTimeField("办结时间", null=True, blank=True)
    # [{"from": "2026-03-01", "to": "2026-06-01", "reason": "…", "by": 12, "by_name": "张三", "at": "…"}]
    extensions = models.JSONField("延期记录", default=list, blank=True)
    # Stage keys already sent for the current due date ("before-5", "due", "overdue-1"…); cleared on extension.
    reminders_sent = models.JSONField("已发提醒", default=list, blank=True)
    created_at = models.DateTimeField("设定时间", auto_now_add=True)

    class Meta:
        verbose_name = "期限"
        verbose_name_plural = "期限"
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["committee", "status", "due_date"], name="deadline_committee_due"),
            models.Index(fields=["subject_type", "subject_id"], name="deadline_subject"),
        ]
        constraints = [
            # Opening the same deadline twice (a retried request, a double click) must not double the reminders.
            models.UniqueConstraint(fields=["subject_type", "subject_id", "kind"], condition=Q(status="open"),
                                    name="uniq_open_deadline_per_subject_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.due_date:%Y-%m-%d}）"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def is_overdue(self, today: dt.date) -> bool:
        return self.is_open and self.due_date < today

    @property
    def days_extended(self) -> int:
        """Calendar days the due date has moved since the deadline was set."""
        return (self.due_date - self.original_due_date).days
