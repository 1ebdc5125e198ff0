"""Uploading, reading and downloading attachments through /api/v1/attachments, as the personas do."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from django.test import Client

from zhengxie.accounts.models import Role
from zhengxie.accounts.services import api_token_issue
from zhengxie.attachments.models import Attachment
from zhengxie.attachments.tests import samples
from zhengxie.attachments.validation import MISMATCH, NOT_ALLOWED, too_large_message
from zhengxie.audit.models import Event
from zhengxie.audit.verbs import verb_label
from zhengxie.testing.factories import grant, make_persona, make_user

URL = "/api/v1/attachments"


def post_file(client: Client, name: str, content: bytes, **extra):
    return client.post(URL, {"file": samples.upload(name, content)}, **extra)


def uploaded(client: Client, name: str = "调研报告.pdf", content: bytes | None = None) -> dict:
    response = post_file(client, name, samples.pdf() if content is None else content)
    assert response.status_code == 201, response.content
    return response.json()


# --- upload ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name,build,kind", [
    ("提案附件.pdf", samples.pdf, "pdf"), ("调研报告.doc", samples.doc, "doc"),
    ("调研报告.docx", samples.docx, "docx"), ("统计表.xls", samples.xls, "xls"),
    ("统计表.xlsx", samples.xlsx, "xlsx"), ("现场照片.jpg", samples.jpeg, "jpg"), ("截图.png", samples.png, "png"),
])
def test_a_member_uploads_each_accepted_kind(login, member_a, committee_a, name, build, kind):
    content = build()
    response = post_file(login(member_a), name, content, HTTP_X_COMMITTEE=str(committee_a.pk))
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == name
    assert body["kind"] == kind
    assert body["size"] == len(content)
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["url"] == f"/api/v1/attachments/{body['id']}/download"
    attachment = Attachment.objects.get(pk=body["id"])
    assert attachment.committee == committee_a
    assert attachment.uploaded_by == member_a
    assert attachment.object_type == "" and attachment.object_id == ""


def test_an_upload_writes_an_audit_event(login, clerk_a, committee_a):
    body = uploaded(login(clerk_a))
    event = Event.objects.get(verb="attachment.uploaded")
    assert event.committee == committee_a
    assert event.actor == clerk_a
    assert event.object_type == "attachments.attachment"
    assert event.object_id == str(body["id"])
    assert event.payload["sha256"] == body["sha256"]
    assert verb_label(event.verb) == "上传附件"


@pytest.mark.parametrize("name,content,message", [
    ("setup.exe", samples.exe(), NOT_ALLOWED),
    ("setup.pdf", samples.exe(), MISMATCH),
    ("report.pdf", samples.HTML, MISMATCH),
    ("logo.svg", samples.SVG, NOT_ALLOWED),
    ("archive.docx", samples.plain_zip(), MISMATCH),
    ("名册.xlsx", samples.lying_zip(), "文件解压后过大，不能上传。"),
    ("empty.pdf", b"", "文件是空的。"),
])
def test_refused_uploads_answer_400_in_chinese_and_store_nothing(login, member_a, name, content, message):
    response = post_file(login(member_a), name, content)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": message}
    assert not Attachment.objects.exists()
    assert not Event.objects.filter(verb="attachment.uploaded").exists()


def test_the_client_content_type_is_never_believed(login, member_a):
    client = login(member_a)
    response = client.post(URL, {"file": samples.upload("page.pdf", samples.HTML, "application/pdf")})
    assert response.status_code == 400
    body = uploaded(client, "real.pdf", samples.pdf())
    download = client.get(body["url"])
    assert download["Content-Type"] == "application/pdf"


def test_an_oversized_upload_is_refused_from_its_declared_length_before_parsing(login, member_a, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    content = samples.pdf() + b"%" + b"x" * (200 * 1024)
    response = post_file(login(member_a), "big.pdf", content)
    assert response.status_code == 400
    assert response.json() == {"detail": too_large_message(1024)}
    assert not Attachment.objects.exists()


def test_an_oversized_file_part_is_cut_off_while_streaming(login, member_a, settings):
    # The whole body is within the slack for multipart overhead, the file part is not.
    settings.ATTACHMENT_MAX_BYTES = 1024
    content = samples.pdf() + b"%" + b"x" * 2048
    response = post_file(login(member_a), "big.pdf", content)
    assert response.status_code == 400
    assert response.json() == {"detail": "文件超过 1 KB，不能上传。"}
    assert not Attachment.objects.exists()


def test_a_file_exactly_at_the_limit_is_accepted(login, member_a, settings):
    content = samples.pdf()
    settings.ATTACHMENT_MAX_BYTES = len(content)
    assert post_file(login(member_a), "exact.pdf", content).status_code == 201


def test_a_request_without_a_file_is_refused(login, member_a):
    response = login(member_a).post(URL, {"other": "x"})
    assert response.status_code == 422
    assert "file" in response.json()["detail"]


def test_a_malformed_multipart_body_is_a_400_not_a_500(login, member_a):
    response = login(member_a).post(URL, data=b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n",
                                    content_type="multipart/form-data")
    assert response.status_code in {400, 422}
    assert response["Content-Type"].startswith("application/json")


def test_anonymous_uploads_are_refused(client, db):
    response = post_file(client, "a.pdf", samples.pdf())
    assert response.status_code == 401
    assert not Attachment.objects.exists()


def test_an_account_without_any_role_cannot_upload(client, db):
    client.force_login(make_user("norole"))
    response = post_file(client, "a.pdf", samples.pdf())
    assert response.status_code == 403
    assert not Attachment.objects.exists()


def test_uploading_into_a_committee_where_one_holds_no_role_is_refused(login, member_a, committee_b):
    response = post_file(login(member_a), "a.pdf", samples.pdf(), HTTP_X_COMMITTEE=str(committee_b.pk))
    assert response.status_code == 403
    assert not Attachment.objects.exists()


def test_a_token_client_uploads_without_a_csrf_token(unit_a, committee_a):
    key, _ = api_token_issue(user=unit_a)
    response = post_file(Client(enforce_csrf_checks=True), "答复.pdf", samples.pdf(),
                         HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 201
    assert Attachment.objects.get().committee == committee_a


# --- storage ---------------------------------------------------------------------------------


STORED = re.compile(r"^attachments/aaa/\d{4}/[0-9a-f]{32}\.(pdf|doc|docx|xls|xlsx|jpg|png)$")


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "..\\..\\boot.ini.pdf", "/var/lib/zhengxie/secret_key.pdf",
                                  "报告.pdf", "a" * 300 + ".pdf", ".pdf"])
def test_files_are_stored_under_a_fresh_name_never_the_clients(login, member_a, name):
    body = uploaded(login(member_a), name)
    attachment = Attachment.objects.get(pk=body["id"])
    assert STORED.match(attachment.file.name), attachment.file.name
    assert "/" not in body["name"] and "\\" not in body["name"] and ".." not in body["name"]
    assert len(body["name"]) <= 200


def test_path_traversal_names_cannot_write_outside_the_media_folder(login, member_a, settings, tmp_path):
    media = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(media)}}}
    client = login(member_a)
    uploaded(client, "../../../etc/passwd.pdf")
    uploaded(client, "..%2F..%2Fescape.pdf")
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) == 2
    for path in files:
        assert media in path.parents
        assert re.fullmatch(r"[0-9a-f]{32}\.pdf", path.name)
        assert path.parent.parent.parent == media / "attachments"
    assert not (tmp_path / "etc").exists()
    assert Path(files[0]).read_bytes().startswith(b"%PDF-")


def test_the_same_name_twice_gives_two_files(login, member_a):
    client = login(member_a)
    first = Attachment.objects.get(pk=uploaded(client, "同名.pdf")["id"])
    second = Attachment.objects.get(pk=uploaded(client, "同名.pdf", samples.pdf("other"))["id"])
    assert first.file.name != second.file.name
    assert first.file.open("rb").read() != second.file.open("rb").read()


# --- reading and downloading -----------------------------------------------------------------


def test_the_uploader_downloads_the_file_as_an_attachment_with_its_name(login, member_a):
    client = login(member_a)
    content = samples.docx()
    body = uploaded(client, "关于加强社区养老服务的建议.docx", content)
    response = client.get(body["url"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="attachment-{body["id"]}.docx"' in disposition
    assert ("filename*=UTF-8''%E5%85%B3%E4%BA%8E%E5%8A%A0%E5%BC%BA%E7%A4%BE%E5%8C%BA%E5%85%BB%E8%80%81"
            "%E6%9C%8D%E5%8A%A1%E7%9A%84%E5%BB%BA%E8%AE%AE.docx") in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]


def test_metadata_answers_the_same_shape_as_the_upload(login, member_a):
    client = login(member_a)
    body = uploaded(client)
    detail = client.get(f"{URL}/{body['id']}")
    assert detail.status_code == 200
    assert detail.json() == body


@pytest.mark.parametrize("reader,allowed", [
    ("uploader", True), ("clerk_a", True), ("editor_a", True), ("consult_a", True), ("admin_a", True),
    ("platform_admin", True),
    ("other_member", False), ("unit_a", False), ("leader_a", False),
    ("clerk_b", False), ("admin_b", False), ("member_b", False),
])
def test_who_may_read_an_unattached_upload(request, member_a, committee_a, reader, allowed):
    uploader = Client()
    uploader.force_login(member_a)
    body = uploaded(uploader)
    if reader == "uploader":
        user = member_a
    elif reader == "other_member":
        user = make_persona(committee_a, Role.MEMBER, "member_a2")
    else:
        user = request.getfixturevalue(reader)
    client = Client()
    client.force_login(user)
    for url in [f"{URL}/{body['id']}", body["url"]]:
        response = client.get(url)
        assert response.status_code == (200 if allowed else 404), (reader, url)
        if not allowed:
            assert response.json() == {"detail": "没有找到该附件。"}


def test_another_committees_attachment_is_404_even_for_a_person_serving_both(login, member_a, committee_a, committee_b):
    body = uploaded(login(member_a))
    clerk = make_persona(committee_b, Role.PROPOSAL_STAFF, "clerk_both")
    grant(clerk, committee_a, Role.MEMBER)  # a member in A, staff in B
    client = Client()
    client.force_login(clerk)
    assert client.get(body["url"], HTTP_X_COMMITTEE=str(committee_b.pk)).status_code == 404
    # In A the same person is only a member, and this is not their upload.
    assert client.get(body["url"], HTTP_X_COMMITTEE=str(committee_a.pk)).status_code == 404


def test_unknown_and_absurd_ids_are_404_or_422(login, clerk_a):
    client = login(clerk_a)
    assert client.get(f"{URL}/999999").status_code == 404
    assert client.get(f"{URL}/999999/download").status_code == 404
    assert client.get(f"{URL}/0").status_code == 422
    assert client.get(f"{URL}/99999999999999999999999").status_code == 422


def test_the_openapi_document_describes_the_upload_as_multipart(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    upload = schema["paths"]["/api/v1/attachments"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert "get" in schema["paths"]["/api/v1/attachments/{id}"]
