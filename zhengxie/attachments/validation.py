"""What an upload is, decided by its bytes: the checks every attachment passes before it is stored.

Accepted: PDF, Word (.doc, .docx), Excel (.xls, .xlsx), JPEG and PNG, and nothing else. The name's
extension only says what the sender claims; the content must prove it:

    pdf   starts with %PDF-
    doc   OLE2 compound file (D0 CF 11 E0 A1 B1 1A E1) holding a "WordDocument" stream
    xls   OLE2 compound file holding a "Workbook" (or Excel 5 "Book") stream
    docx  zip (PK 03 04) with [Content_Types].xml and a word/ part, no VBA macros
    xlsx  zip (PK 03 04) with [Content_Types].xml and an xl/ part, no VBA macros
    jpg   FF D8 FF
    png   89 50 4E 47 0D 0A 1A 0A followed by the IHDR chunk

and the extension must name the same kind. Anything else — an .exe renamed .pdf, HTML or SVG,
a plain zip called .docx, a file whose first kilobyte carries HTML that a browser might sniff (a
polyglot) — is refused with a message in Chinese. Zips are inspected through their central
directory only (nothing is unpacked); a total declared size far beyond the file's own limit is
refused as a zip bomb. Later readers of these files (text indexing, previews) must still bound
what they unpack, because a zip can lie about its sizes.
"""

from __future__ import annotations

import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings

# kind → (label, extensions, content type sent on download)
KINDS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "pdf": ("PDF", (".pdf",), "application/pdf"),
    "doc": ("Word 97-2003", (".doc",), "application/msword"),
    "docx": ("Word", (".docx",), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xls": ("Excel 97-2003", (".xls",), "application/vnd.ms-excel"),
    "xlsx": ("Excel", (".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "jpg": ("JPEG 图片", (".jpg", ".jpeg"), "image/jpeg"),
    "png": ("PNG 图片", (".png",), "image/png"),
}
KIND_BY_EXTENSION = {ext: kind for kind, (_, exts, _) in KINDS.items() for ext in exts}
# The extension a stored file gets (never the sender's spelling).
STORED_EXTENSION = {kind: exts[0] for kind, (_, exts, _) in KINDS.items()}

PDF_MAGIC = b"%PDF-"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# Stream names in an OLE2 directory are stored as UTF-16LE.
_WORD_STREAMS = ("WordDocument".encode("utf-16-le"),)
_EXCEL_STREAMS = ("Workbook".encode("utf-16-le"), "Book\x00".encode("utf-16-le"))

# Markup a browser's content sniffing (or a misconfigured proxy) could take for a web page.
_HTML_MARKERS = re.compile(rb"<\s*(?:html|head|body|script|iframe|svg|!doctype|meta|object|embed)\b", re.IGNORECASE)
SNIFF_BYTES = 1024

# Zip limits, checked on the central directory before anything is read: members and unpacked size.
MAX_ZIP_ENTRIES = 5000
UNPACKED_FACTOR = 10  # total declared size ≤ 10 × ATTACHMENT_MAX_BYTES

CHUNK = 64 * 1024
MAX_NAME_LENGTH = 200

# Messages, as the person uploading reads them.
NOT_ALLOWED = "只接受 PDF、Word、Excel、JPG、PNG 文件。"
MISMATCH = "文件内容与扩展名不符。"
EMPTY = "文件是空的。"
NO_FILE = "请选择要上传的文件。"
DAMAGED = "文件已损坏，无法识别其内容。"
ZIP_BOMB = "文件解压后过大，不能上传。"
MACROS = "不接受含宏的 Word 或 Excel 文件，请另存为不含宏的格式后再上传。"
HTML_INSIDE = "文件中含有网页代码，不能上传。"


class AttachmentRejected(Exception):
    """The upload is refused; `message` (Chinese) says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Checked:
    kind: str
    name: str  # the sanitised original name
    size: int


def max_bytes() -> int:
    return int(settings.ATTACHMENT_MAX_BYTES)


def human_size(n: int) -> str:
    if n >= 1024 * 1024 and n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MB"
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    return f"{max(1, n // 1024)} KB"


def too_large_message(limit: int | None = None) -> str:
    return f"文件超过 {human_size(limit or max_bytes())}，不能上传。"


def sanitise_name(raw: str | None) -> str:
    """The sender's file name made harmless for display and download, at most 200 characters.

    Only the last path component is kept (so "../../etc/passwd.pdf" is "passwd.pdf"), control and
    bidirectional-override characters are dropped (U+202E can make "fdp.exe" read as "exe.pdf"),
    characters Windows cannot save are replaced, and leading dots and trailing dots/spaces go
    (".pdf" becomes "附件.pdf").
    The name is never used on disk; this is what people see.
    """
    name = unicodedata.normalize("NFC", str(raw or ""))
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(
        "_" if ch in '<>:"|?*' else ch
        for ch in name
        if not unicodedata.category(ch).startswith("C") or ch == "\t"
    ).replace("\t", " ")
    name = " ".join(name.split()).rstrip(". ")
    dot = name.rfind(".")
    stem, ext = (name[:dot], name[dot:].lower()) if dot >= 0 and len(name) - dot <= 10 else (name, "")
    stem = stem.lstrip(". ") or "附件"
    return stem[: MAX_NAME_LENGTH - len(ext)].rstrip() + ext


def _read_head(f: IO[bytes], n: int) -> bytes:
    f.seek(0)
    head = f.read(n)
    f.seek(0)
    return head or b""


def _contains_any(f: IO[bytes], needles: tuple[bytes, ...]) -> bool:
    """Whether any needle occurs in the file, read in chunks (a needle may straddle two)."""
    overlap = max(len(n) for n in needles) - 1
    f.seek(0)
    tail = b""
    try:
        while chunk := f.read(CHUNK):
            window = tail + chunk
            if any(n in window for n in needles):
                return True
            tail = window[-overlap:]
        return False
    finally:
        f.seek(0)


def _ooxml_kind(f: IO[bytes]) -> str | None:
    """docx or xlsx from the zip's central directory; None for any other zip."""
    try:
        f.seek(0)
        with zipfile.ZipFile(f) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError):
        raise AttachmentRejected(DAMAGED) from None
    finally:
        f.seek(0)
    if len(infos) > MAX_ZIP_ENTRIES:
        raise AttachmentRejected(ZIP_BOMB)
    if sum(info.file_size for info in infos) > UNPACKED_FACTOR * max_bytes():
        raise AttachmentRejected(ZIP_BOMB)
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names:
        return None
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise AttachmentRejected(MACROS)
    has_word = any(n.startswith("word/") for n in names)
    has_excel = any(n.startswith("xl/") for n in names)
    if has_word == has_excel:  # neither (a .pptx, a plain package) or, oddly, both
        return None
    return "docx" if has_word else "xlsx"


def detect_kind(f: IO[bytes], *, claimed: str) -> str | None:
    """The kind the content proves, or None (or "ole2") when it is none of the accepted kinds.

    `claimed` (the kind the extension names) only chooses between the two OLE2 kinds, whose
    headers are identical; the stream inside must then agree.
    """
    head = _read_head(f, max(SNIFF_BYTES, 16))
    if head.startswith(PDF_MAGIC):
        return "pdf"
    if head.startswith(JPEG_MAGIC):
        return "jpg"
    if head.startswith(PNG_MAGIC) and head[12:16] == b"IHDR":
        return "png"
    if head.startswith(ZIP_MAGIC):
        return _ooxml_kind(f)
    if head.startswith(OLE2_MAGIC):
        if claimed == "doc":
            return "doc" if _contains_any(f, _WORD_STREAMS) else None
        if claimed == "xls":
            return "xls" if _contains_any(f, _EXCEL_STREAMS) else None
        return "ole2"  # an OLE2 file (.msi, an encrypted .docx …) under another extension
    return None


def check_upload(f: IO[bytes] | None, *, name: str | None, size: int | None) -> Checked:
    """Accept the upload or raise AttachmentRejected with the reason.

    `size` is what the upload handler counted; it is checked before a byte is read, so an
    oversized file costs nothing here.
    """
    if f is None:
        raise AttachmentRejected(NO_FILE)
    if size is None:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(0)
    if size <= 0:
        raise AttachmentRejected(EMPTY)
    if size > max_bytes():
        raise AttachmentRejected(too_large_message())
    clean = sanitise_name(name)
    claimed = KIND_BY_EXTENSION.get(os.path.splitext(clean)[1].lower())
    if claimed is None:
        raise AttachmentRejected(NOT_ALLOWED)
    kind = detect_kind(f, claimed=claimed)
    if kind != claimed:
        raise AttachmentRejected(MISMATCH)
    if _HTML_MARKERS.search(_read_head(f, SNIFF_BYTES)):
        raise AttachmentRejected(HTML_INSIDE)
    return Checked(kind=kind, name=clean, size=size)
