"""The upload checks on their own: what a file is, decided by its bytes, and the name people see."""

from __future__ import annotations

import io

import pytest

from zhengxie.attachments.tests import samples
from zhengxie.attachments.validation import (
    DAMAGED,
    EMPTY,
    HTML_INSIDE,
    MACROS,
    MISMATCH,
    NO_FILE,
    NOT_ALLOWED,
    ZIP_BOMB,
    AttachmentRejected,
    check_upload,
    sanitise_name,
    too_large_message,
)


def check(name: str, content: bytes):
    return check_upload(io.BytesIO(content), name=name, size=len(content))


def refusal(name: str, content: bytes) -> str:
    with pytest.raises(AttachmentRejected) as caught:
        check(name, content)
    return caught.value.message


@pytest.mark.parametrize("name,build,kind", [
    ("提案附件.pdf", samples.pdf, "pdf"),
    ("调研报告.doc", samples.doc, "doc"),
    ("调研报告.docx", samples.docx, "docx"),
    ("统计表.xls", samples.xls, "xls"),
    ("统计表.xlsx", samples.xlsx, "xlsx"),
    ("现场照片.jpg", samples.jpeg, "jpg"),
    ("现场照片.JPEG", samples.jpeg, "jpg"),
    ("截图.png", samples.png, "png"),
    ("REPORT.PDF", samples.pdf, "pdf"),
])
def test_every_accepted_kind_passes_when_content_and_extension_agree(name, build, kind):
    assert check(name, build()).kind == kind


@pytest.mark.parametrize("name,content,message", [
    ("setup.exe", samples.exe(), NOT_ALLOWED),
    ("setup.pdf", samples.exe(), MISMATCH),  # a renamed .exe
    ("page.html", samples.HTML, NOT_ALLOWED),
    ("report.pdf", samples.HTML, MISMATCH),  # HTML named .pdf
    ("logo.svg", samples.SVG, NOT_ALLOWED),
    ("logo.png", samples.SVG, MISMATCH),
    ("script.js", samples.JS, NOT_ALLOWED),
    ("archive.zip", samples.plain_zip(), NOT_ALLOWED),
    ("archive.docx", samples.plain_zip(), MISMATCH),  # a zip named .docx
    ("slides.docx", samples.pptx(), MISMATCH),  # PowerPoint is not accepted
    ("macro.docx", samples.docm(), MACROS),
    ("word.xlsx", samples.docx(), MISMATCH),
    ("sheet.docx", samples.xlsx(), MISMATCH),
    ("word.xls", samples.doc(), MISMATCH),
    ("sheet.doc", samples.xls(), MISMATCH),
    ("setup.doc", samples.msi(), MISMATCH),  # OLE2, but neither Word nor Excel
    ("encrypted.docx", samples.doc(), MISMATCH),  # OLE2 content under an OOXML name
    ("photo.jpg", samples.png(), MISMATCH),
    ("photo.png", samples.jpeg(), MISMATCH),
    ("scan.jpg", samples.pdf(), MISMATCH),
    ("noextension", samples.pdf(), NOT_ALLOWED),
    ("report.pdf.exe", samples.pdf(), NOT_ALLOWED),
    ("broken.docx", b"PK\x03\x04" + b"\0" * 200, DAMAGED),
    ("empty.pdf", b"", EMPTY),
])
def test_impostors_are_refused_with_a_chinese_reason(name, content, message):
    assert refusal(name, content) == message


def test_a_file_that_is_html_first_and_pdf_later_is_refused():
    # PDF readers look for %PDF- anywhere in the first kilobyte; browsers see a web page.
    assert refusal("polyglot.pdf", samples.HTML + b"\n" + samples.pdf()) == MISMATCH


@pytest.mark.parametrize("name,build", [("polyglot.pdf", samples.pdf), ("polyglot.jpg", samples.jpeg),
                                        ("polyglot.png", samples.png)])
def test_a_real_file_carrying_html_in_its_first_kilobyte_is_refused(name, build):
    content = build()
    assert refusal(name, content[:20] + b"<html><script>alert(1)</script>" + content[20:]) == HTML_INSIDE


def test_a_zip_bomb_named_xlsx_is_refused_by_its_unpacked_size(settings):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024  # unpacked limit 10 MB
    bomb = samples.zip_bomb(32 * 1024 * 1024)
    assert len(bomb) < 100 * 1024
    assert refusal("名册.xlsx", bomb) == ZIP_BOMB


def test_a_zip_whose_directory_claims_gigabytes_is_refused_without_unpacking():
    assert refusal("名册.xlsx", samples.lying_zip()) == ZIP_BOMB


def test_the_size_is_checked_before_the_content(settings):
    settings.ATTACHMENT_MAX_BYTES = 100

    class Unreadable(io.BytesIO):
        def read(self, *args):  # pragma: no cover - must not be called
            raise AssertionError("read before the size check")

    with pytest.raises(AttachmentRejected) as caught:
        check_upload(Unreadable(b"x" * 101), name="big.pdf", size=101)
    assert caught.value.message == too_large_message(100)


def test_the_default_limit_is_20_mb_and_says_so(settings):
    assert settings.ATTACHMENT_MAX_BYTES == 20 * 1024 * 1024
    assert too_large_message() == "文件超过 20 MB，不能上传。"


def test_no_file_at_all_is_refused():
    with pytest.raises(AttachmentRejected) as caught:
        check_upload(None, name=None, size=None)
    assert caught.value.message == NO_FILE


@pytest.mark.parametrize("raw,clean", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\windows\\system32\\cmd.pdf", "cmd.pdf"),
    ("C:\\Users\\张三\\桌面\\提案.docx", "提案.docx"),
    ("/etc/passwd", "passwd"),
    ("..", "附件"),
    (".htaccess", "附件.htaccess"),
    (".pdf", "附件.pdf"),
    ("...pdf", "附件.pdf"),
    ("report.pdf.", "report.pdf"),
    ("fdp.\u202eexe.pdf", "fdp.exe.pdf"),  # right-to-left override removed
    ("a\r\nContent-Type: image.pdf", "aContent-Type_ image.pdf"),  # no header injection
    ("张三<b onmouseover=alert(1)>.pdf", "张三_b onmouseover=alert(1)_.pdf"),
    ("张三<script>alert(1)</script>.pdf", "script_.pdf"),  # "/" ends a path component
    ('"><img src=x onerror=alert(1)>委员.pdf', "___img src=x onerror=alert(1)_委员.pdf"),
    ("  多个   空格  .pdf", "多个 空格.pdf"),
    ("", "附件"),
    (None, "附件"),
])
def test_names_are_sanitised_for_display(raw, clean):
    assert sanitise_name(raw) == clean


def test_long_names_are_cut_to_200_characters_keeping_the_extension():
    name = sanitise_name("很" * 500 + ".docx")
    assert len(name) == 200
    assert name.endswith("很.docx")
