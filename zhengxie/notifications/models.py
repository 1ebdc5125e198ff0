"""In-app notifications. To-do lists (待办) are queries over domain rows, not copies; see todos.py."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from zhengxie.org.models import Committee


class Notification(models.Model):
    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    verb = models.CharField(max_length=64)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "committee", "read_at"], name="notif_inbox")]

    def __str__(self) -> str:
        return self.title
