"""A county (committee_a, under a city under a province) and the people who act on its items.

`committee_a`/`committee_b` are the root conftest's county committees; here committee_a gets a city
and a province above it so that items can travel up. Personas of the upper levels are named by
level: `city_editor`, `city_leader`, `province_editor`.
"""

from __future__ import annotations

import pytest

from zhengxie.accounts.models import Role
from zhengxie.accounts.permissions import access_for
from zhengxie.opinions import services
from zhengxie.org.models import Committee
from zhengxie.testing.factories import make_committee, make_persona

TEXT = {
    "title": "关于加强农村留守老人助餐服务的建议",
    "body": "我区农村留守老人比例较高，部分行政村老年助餐点运营困难，建议加大财政补贴，引入社会组织运营。",
}


def acc(user, committee):
    return access_for(user, committee)


@pytest.fixture
def province(db):
    return make_committee("prov", name="丁省政协", level=Committee.Level.PROVINCE)


@pytest.fixture
def city(province):
    return make_committee("city", name="丙市政协", level=Committee.Level.CITY, parent=province)


@pytest.fixture
def county(committee_a, city):
    committee_a.parent = city
    committee_a.save(update_fields=["parent"])
    return committee_a


@pytest.fixture
def city_editor(city):
    return make_persona(city, Role.OPINION_STAFF, "city_editor")


@pytest.fixture
def city_leader(city):
    return make_persona(city, Role.LEADER, "city_leader")


@pytest.fixture
def province_editor(province):
    return make_persona(province, Role.OPINION_STAFF, "province_editor")


@pytest.fixture
def informant_a(committee_a):
    return make_persona(committee_a, Role.INFORMANT, "informant_a")


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded files land in a fresh folder of this test's."""
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    return tmp_path


def photo(name: str = "现场照片.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zhengxie.attachments.tests import samples

    return SimpleUploadedFile(name, samples.png(), content_type="image/png")


def submitted(user, committee, **text):
    o = services.opinion_create(access=acc(user, committee), **{**TEXT, **text})
    return services.opinion_transition(access=acc(user, committee), opinion_id=o.pk, name="submit")


def signed(member, editor, leader, committee, **text):
    """An item of `member` taken by `editor` through adoption and editing, and signed by `leader`."""
    o = submitted(member, committee, **text)
    services.opinion_transition(access=acc(editor, committee), opinion_id=o.pk, name="adopt")
    services.opinion_edit(access=acc(editor, committee), opinion_id=o.pk, title=o.title, body=o.body + "（编辑）")
    return services.opinion_transition(access=acc(leader, committee), opinion_id=o.pk, name="sign")


def published(member, editor, leader, committee, **text):
    o = signed(member, editor, leader, committee, **text)
    issue = services.issue_create(access=acc(editor, committee), series="express", recipients_main=["区委", "区政府"])
    services.issue_update(access=acc(editor, committee), issue_id=issue.pk, opinion_ids=[o.pk])
    services.issue_publish(access=acc(editor, committee), issue_id=issue.pk)
    o.refresh_from_db()
    return o
