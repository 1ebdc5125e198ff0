"""The append-only audit trail.

Every change anywhere writes one Event: who (actor), where (committee), what happened (verb),
to what (object type, id and a readable label), the details (payload: changed fields as
{"field": [old, new]} plus whatever the verb needs) and when. Duty records (履职档案) and statistics
are computed from these rows later, so verbs are stable dotted names (`member.created`,
`proposal.registered`) and payloads are plain JSON.

Rows are never updated (a database trigger refuses UPDATE) and never deleted through the ORM.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from zhengxie.org.models import Committee


class AppendOnlyError(Exception):
    pass


class EventQuerySet(models.QuerySet):
    def delete(self):
        raise AppendOnlyError("审计事件只可追加，不可删除。")

    def update(self, **kwargs):
        raise AppendOnlyError("审计事件只可追加，不可修改。")


class Event(models.Model):
    at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    # The actor's name at the time, so the record still reads right after a rename.
    actor_name = models.CharField("操作人姓名", max_length=50, blank=True)
    committee = models.ForeignKey(
        Committee, verbose_name="所属政协", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verb = models.CharField("动作", max_length=64)
    object_type = models.CharField("对象类型", max_length=64, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    payload = models.JSONField("详情", default=dict, blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["committee", "-at"], name="audit_committee_at"),
            models.Index(fields=["committee", "verb", "-at"], name="audit_committee_verb_at"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["actor", "-at"], name="audit_actor_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.verb} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("审计事件只可追加，不可修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("审计事件只可追加，不可删除。")
