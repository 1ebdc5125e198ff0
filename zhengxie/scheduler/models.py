"""One row per periodic job: when its next slot is due, and what was last enqueued for it."""

from __future__ import annotations

from django.db import models


class PeriodicRun(models.Model):
    name = models.CharField("任务名", max_length=100, unique=True)
    # Claiming a slot moves this forward with a conditional UPDATE; see services.periodic_run_claim.
    next_run_at = models.DateTimeField("下次运行")
    last_enqueued_at = models.DateTimeField("上次排队", null=True, blank=True)
    last_task_id = models.CharField("上次任务编号", max_length=64, blank=True)

    class Meta:
        verbose_name = "定时任务"
        verbose_name_plural = "定时任务"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
