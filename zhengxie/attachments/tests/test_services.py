"""The services and selectors domains call: uploading from code, attaching files to their rows, and
widening who may read a file through the row it belongs to."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from zhengxie.accounts.models import Role
from zhengxie.accounts.permissions import access_for
from zhengxie.attachments import selectors
from zhengxie.attachments.models import Attachment
from zhengxie.attachments.selectors import attachment_get, register_owner
from zhengxie.attachments.services import AttachmentError, attachment_attach, attachment_upload
from zhengxie.attachments.tests import samples
from zhengxie.attachments.validation import AttachmentRejected
from zhengxie.audit.models import Event
from zhengxie.members.models import Member
from zhengxie.testing.factories import grant, make_member, make_user


def upload(user, committee, name="附件.pdf", content=None) -> Attachment:
    return attachment_upload(actor=user, committee=committee,
                             uploaded_file=samples.upload(name, content or samples.pdf()))


@pytest.fixture
def owner_checks(monkeypatch):
    """A clean registry of owner checks for one test."""
    monkeypatch.setattr(selectors, "_OWNER_CHECKS", {})
    return selectors._OWNER_CHECKS


def test_upload_from_code_keeps_the_committee_and_the_uploader(member_a, committee_a):
    attachment = upload(member_a, committee_a)
    assert attachment.pk and attachment.committee == committee_a and attachment.uploaded_by == member_a
    assert attachment.file.open("rb").read().startswith(b"%PDF-")


def test_upload_into_a_committee_without_a_role_is_refused(member_a, committee_b):
    with pytest.raises(PermissionDenied):
        upload(member_a, committee_b)
    assert not Attachment.objects.exists()


def test_a_refused_upload_leaves_no_row_no_event_and_no_file(member_a, committee_a):
    with pytest.raises(AttachmentRejected):
        upload(member_a, committee_a, "x.pdf", samples.HTML)
    assert not Attachment.objects.exists()
    assert not Event.objects.filter(verb__startswith="attachment").exists()


def test_a_failing_database_write_removes_the_stored_file(member_a, committee_a, monkeypatch):
    from zhengxie.attachments import services

    storage = Attachment._meta.get_field("file").storage
    real_save, saved = storage.save, []

    def save(name, content, max_length=None):
        saved.append(real_save(name, content, max_length=max_length))
        return saved[-1]

    def database_down(**kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(storage, "save", save)
    monkeypatch.setattr(services, "audit_record", database_down)
    with pytest.raises(RuntimeError):
        upload(member_a, committee_a)
    assert not Attachment.objects.exists()
    assert len(saved) == 1 and not storage.exists(saved[0])


def test_the_uploader_attaches_files_to_a_row_of_the_same_committee(member_a, committee_a):
    row = make_member(committee_a)  # any committee-owned row will do
    first, second = upload(member_a, committee_a), upload(member_a, committee_a, "b.png", samples.png())
    attached = attachment_attach(actor=member_a, committee=committee_a, attachment_ids=[first.pk, second.pk], obj=row)
    assert {(a.object_type, a.object_id) for a in attached} == {("members.member", str(row.pk))}
    assert Event.objects.filter(verb="attachment.attached").count() == 2
    # Attaching again to the same row changes nothing and writes nothing.
    attachment_attach(actor=member_a, committee=committee_a, attachment_ids=[first.pk], obj=row)
    assert Event.objects.filter(verb="attachment.attached").count() == 2


def test_nobody_attaches_someone_elses_upload_or_a_file_of_another_committee(member_a, committee_a, member_b,
                                                                           committee_b):
    row = make_member(committee_a)
    theirs = upload(_another_member(committee_a), committee_a)
    with pytest.raises(AttachmentError):
        attachment_attach(actor=member_a, committee=committee_a, attachment_ids=[theirs.pk], obj=row)
    b_file = upload(member_b, committee_b)
    with pytest.raises(AttachmentError):
        attachment_attach(actor=member_a, committee=committee_a, attachment_ids=[b_file.pk], obj=row)
    b_row = make_member(committee_b)
    mine = upload(member_a, committee_a)
    with pytest.raises(AttachmentError):
        attachment_attach(actor=member_a, committee=committee_a, attachment_ids=[mine.pk], obj=b_row)
    assert not Attachment.objects.exclude(object_type="").exists()


def test_a_file_attached_to_one_row_cannot_be_moved_to_another(member_a, committee_a):
    mine = upload(member_a, committee_a)
    attachment_attach(actor=member_a, committee=committee_a, attachment_ids=[mine.pk], obj=make_member(committee_a))
    with pytest.raises(AttachmentError):
        attachment_attach(actor=member_a, committee=committee_a, attachment_ids=[mine.pk],
                          obj=make_member(committee_a))


def test_staff_may_attach_a_members_upload(member_a, clerk_a, committee_a):
    mine = upload(member_a, committee_a)
    attachment_attach(actor=clerk_a, committee=committee_a, attachment_ids=[mine.pk], obj=make_member(committee_a))


def test_a_domain_widens_reading_through_the_owning_row(member_a, leader_a, unit_a, committee_a, owner_checks):
    row = make_member(committee_a)
    mine = upload(member_a, committee_a)
    attachment_attach(actor=member_a, committee=committee_a, attachment_ids=[mine.pk], obj=row)
    leader, unit = access_for(leader_a, committee_a), access_for(unit_a, committee_a)
    assert attachment_get(leader, mine.pk) is None
    # The "domain" lets everyone with the directory permission see files on member rows.
    register_owner("members.member", lambda access, object_id: access.has("members.view_directory")
                   and Member.objects.filter(committee=access.committee, pk=int(object_id)).exists())
    assert attachment_get(leader, mine.pk) == mine
    assert attachment_get(unit, mine.pk) is None


def test_the_owner_check_is_never_asked_about_another_committees_file(member_a, committee_a, clerk_b, committee_b,
                                                                      owner_checks):
    mine = upload(member_a, committee_a)
    attachment_attach(actor=member_a, committee=committee_a, attachment_ids=[mine.pk], obj=make_member(committee_a))
    register_owner("members.member", lambda access, object_id: True)
    assert attachment_get(access_for(clerk_b, committee_b), mine.pk) is None


def _another_member(committee):
    user = make_user()
    grant(user, committee, Role.MEMBER)
    return user
