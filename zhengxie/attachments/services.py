"""Writes about attachments: upload (checked by content, stored under a fresh name) and attaching
an uploaded file to the domain row it belongs to. Each writes its audit event."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import models, transaction

from zhengxie.accounts.models import User
from zhengxie.accounts.permissions import Perm, access_for
from zhengxie.attachments.models import Attachment
from zhengxie.attachments.validation import CHUNK, AttachmentRejected, check_upload
from zhengxie.audit.services import audit_record, object_type_of
from zhengxie.org.models import Committee


class AttachmentError(AttachmentRejected):
    """An attachment operation that may not happen; `message` is Chinese."""


def _sha256(f: IO[bytes]) -> str:
    digest = hashlib.sha256()
    f.seek(0)
    while chunk := f.read(CHUNK):
        digest.update(chunk)
    f.seek(0)
    return digest.hexdigest()


def attachment_upload(*, actor: User, committee: Committee, uploaded_file: Any, ip: str | None = None) -> Attachment:
    """Store one uploaded file for `committee` after checking who sends it and what it really is.

    Anyone holding a role in the committee may upload (members attach files to proposals).
    The size is checked before the content is read; the type is decided by the content and must
    agree with the extension (see validation.py). Raises PermissionDenied, or AttachmentRejected
    with the reason in Chinese; nothing is stored then. The file lands at
    attachments/<committee code>/<yyyy>/<uuid><ext>; the sender's name is kept only as text.
    """
    access = access_for(actor, committee)
    if not access.roles and not actor.is_superuser:
        raise PermissionDenied("您在本政协没有任职，不能上传附件。")
    size = getattr(uploaded_file, "size", None) if uploaded_file is not None else None
    checked = check_upload(uploaded_file, name=getattr(uploaded_file, "name", None), size=size)
    sha256 = _sha256(uploaded_file)

    attachment = Attachment(committee=committee, uploaded_by=actor, original_name=checked.name,
                            kind=checked.kind, size=checked.size, sha256=sha256)
    # The file is written first (storage is not transactional); if the row cannot be saved the
    # file is removed again, so no orphan stays behind.
    content = uploaded_file if isinstance(uploaded_file, File) else File(uploaded_file)
    attachment.file.save("upload", content, save=False)
    try:
        with transaction.atomic():
            attachment.save()
            audit_record(actor=actor, committee=committee, verb="attachment.uploaded", obj=attachment, ip=ip,
                         payload={"name": checked.name, "kind": checked.kind, "size": checked.size,
                                  "sha256": sha256})
    except BaseException:
        attachment.file.delete(save=False)
        raise
    return attachment


def attachment_attach(*, actor: User, committee: Committee, attachment_ids: Iterable[int],
                      obj: models.Model) -> list[Attachment]:
    """Link uploaded attachments to the domain row `obj` (a proposal, a reply …) of `committee`.

    For domains: call it inside the service that creates or edits `obj`. Only the uploader (or
    the committee's staff) may attach a file, only files of the same committee, and only files
    not yet attached to something else. Raises AttachmentError; on error nothing changes.
    """
    ids = sorted({int(i) for i in attachment_ids})
    if getattr(obj, "committee_id", None) != committee.pk:
        raise AttachmentError("附件只能关联到本政协的事项。")
    staff = access_for(actor, committee).has(Perm.VIEW_PERSONAL)
    object_type, object_id = object_type_of(obj), str(obj.pk)
    with transaction.atomic():
        rows = list(Attachment.objects.select_for_update().filter(committee=committee, pk__in=ids).order_by("id"))
        if len(rows) != len(ids):
            raise AttachmentError("没有找到要关联的附件。")
        for row in rows:
            if row.uploaded_by_id != actor.pk and not staff:
                raise AttachmentError("只能关联自己上传的附件。")
            if row.object_type and (row.object_type, row.object_id) != (object_type, object_id):
                raise AttachmentError(f"附件“{row.original_name}”已关联到其他事项。")
        changed = [row for row in rows if not row.object_type]
        for row in changed:
            row.object_type, row.object_id = object_type, object_id
            row.save(update_fields=["object_type", "object_id"])
            audit_record(actor=actor, committee=committee, verb="attachment.attached", obj=row,
                         payload={"object_type": object_type, "object_id": object_id})
    return rows


def attachment_copy(*, actor: Any, source: models.Model, obj: models.Model) -> list[Attachment]:
    """Give `obj` the files attached to `source`: what travels with an item forwarded to the parent
    committee, or with a proposal turned into a 社情民意 item. Returns the new rows, in the source's order.

    Each file gets a row of its own, owned by `obj`'s committee (so that committee's access rules
    decide who reads it there, and its listings and audit trail hold it), naming the *same* stored
    file: no bytes are copied. That is safe because a stored file is never changed, and never deleted
    once a row is attached to something (only a failed upload removes its own fresh file); whoever
    adds a deletion must first check that no other row names the file. The uploader stays the
    person who uploaded it; `actor` (who forwarded or converted) is in the audit event.
    Call it inside the service that creates `obj`, in its transaction.
    """
    committee = getattr(obj, "committee", None)
    if committee is None:
        raise AttachmentError("附件只能关联到政协的事项。")
    source_type, source_id = object_type_of(source), str(source.pk)
    object_type, object_id = object_type_of(obj), str(obj.pk)
    rows = list(Attachment.objects.filter(committee_id=getattr(source, "committee_id", None), object_type=source_type,
                                          object_id=source_id).order_by("id"))
    copies = []
    with transaction.atomic():
        for row in rows:
            copy = Attachment(committee=committee, uploaded_by_id=row.uploaded_by_id, original_name=row.original_name,
                              kind=row.kind, size=row.size, sha256=row.sha256, object_type=object_type,
                              object_id=object_id)
            copy.file.name = row.file.name  # the same stored file, not a copy of its bytes
            copy.save()
            audit_record(actor=actor, committee=committee, verb="attachment.copied", obj=copy,
                         payload={"from": row.pk, "from_committee": row.committee_id, "object_type": object_type,
                                  "object_id": object_id})
            copies.append(copy)
    return copies
