"""Attachments: files people upload, owned by a committee, stored under a name nobody chose."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from zhengxie.attachments.validation import KINDS, STORED_EXTENSION
from zhengxie.org.models import CommitteeOwned


def stored_path(instance: Attachment, filename: str) -> str:
    """attachments/<committee code>/<yyyy>/<uuid><ext>: the sender's file name never reaches the disk.

    The extension comes from the detected kind, not from `filename`.
    """
    year = timezone.localdate().year
    return f"attachments/{instance.committee.code}/{year}/{uuid.uuid4().hex}{STORED_EXTENSION[instance.kind]}"


class Attachment(CommitteeOwned):
    """One uploaded file. `object_type`/`object_id` name the row it belongs to (a proposal, a reply …)
    once a domain attaches it; until then only the uploader and the committee's staff may read it."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField("文件", upload_to=stored_path, max_length=255)
    original_name = models.CharField("文件名", max_length=200)
    kind = models.CharField("类型", max_length=8, choices=[(k, label) for k, (label, _, _) in KINDS.items()])
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    object_type = models.CharField("所属对象类型", max_length=64, blank=True)
    object_id = models.CharField("所属对象编号", max_length=64, blank=True)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["committee", "object_type", "object_id"], name="attachment_owner"),
            models.Index(fields=["committee", "uploaded_by", "-created_at"], name="attachment_uploader"),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def content_type(self) -> str:
        return KINDS[self.kind][2]
