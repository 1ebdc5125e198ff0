"""The permission matrix over pages: for each role, what it can and cannot see or do, in its own
committee and against another committee's objects.

The table below is the specification; the tests walk it. A cell is the HTTP status expected.
"""

from __future__ import annotations

import pytest

from zhengxie.accounts.models import Role
from zhengxie.audit.models import Event
from zhengxie.audit.services import audit_record
from zhengxie.members.models import Member
from zhengxie.org.models import Sector
from zhengxie.testing.factories import make_committee, make_member, make_persona

OK, REDIRECT, FORBIDDEN, NOT_FOUND = 200, 302, 403, 404

# page name → (method, url template)
PAGES = {
    "home": ("get", "/"),
    "member_list": ("get", "/members/"),
    "member_detail": ("get", "/members/{member}/"),
    "org": ("get", "/org/"),
    "audit": ("get", "/audit/"),
    "roster_import": ("get", "/members/import/"),
    "roster_export": ("get", "/members/export.xlsx"),
    "org_add": ("post", "/org/sectors/add/"),
    "member_suspend": ("post", "/members/{member}/transitions/suspend/"),
}

# role → page → status, on objects of the user's own committee.
MATRIX = {
    Role.MEMBER: dict(home=OK, member_list=OK, member_detail=OK, org=OK, audit=FORBIDDEN, roster_import=FORBIDDEN,
                      roster_export=FORBIDDEN, org_add=FORBIDDEN, member_suspend=REDIRECT),
    Role.PROPOSAL_STAFF: dict(home=OK, member_list=OK, member_detail=OK, org=OK, audit=FORBIDDEN,
                              roster_import=FORBIDDEN, roster_export=FORBIDDEN, org_add=FORBIDDEN,
                              member_suspend=REDIRECT),
    Role.OPINION_STAFF: dict(home=OK, member_list=OK, member_detail=OK, org=OK, audit=FORBIDDEN,
                             roster_import=FORBIDDEN, roster_export=FORBIDDEN, org_add=FORBIDDEN,
                             member_suspend=REDIRECT),
    Role.CONSULTATION_STAFF: dict(home=OK, member_list=OK, member_detail=OK, org=OK, audit=FORBIDDEN,
                                  roster_import=FORBIDDEN, roster_export=FORBIDDEN, org_add=FORBIDDEN,
                                  member_suspend=REDIRECT),
    Role.UNIT_HANDLER: dict(home=OK, member_list=FORBIDDEN, member_detail=NOT_FOUND, org=OK, audit=FORBIDDEN,
                            roster_import=FORBIDDEN, roster_export=FORBIDDEN, org_add=FORBIDDEN,
                            member_suspend=NOT_FOUND),
    Role.LEADER: dict(home=OK, member_list=OK, member_detail=OK, org=OK, audit=FORBIDDEN, roster_import=FORBIDDEN,
                      roster_export=FORBIDDEN, org_add=FORBIDDEN, member_suspend=REDIRECT),
    Role.COMMITTEE_ADMIN: dict(home=OK, member_list=OK, member_detail=OK, org=OK, audit=OK, roster_import=OK,
                               roster_export=OK, org_add=REDIRECT, member_suspend=REDIRECT),
}

# Which roles' suspend attempts actually change the member (the others are redirected with an error).
CAN_SUSPEND = {Role.COMMITTEE_ADMIN}
CAN_ADD_ORG = {Role.COMMITTEE_ADMIN}


@pytest.fixture
def two_committees(db):
    a = make_committee("ma", name="甲区政协")
    b = make_committee("mb", name="乙区政协")
    return a, b


def _request(client, page: str, member_id: int):
    method, url = PAGES[page]
    url = url.format(member=member_id)
    if method == "get":
        return client.get(url)
    return client.post(url, {"name": "新界别", "reason": "测试原因", "version": "0"})


@pytest.mark.parametrize("role", list(MATRIX))
@pytest.mark.parametrize("page", list(PAGES))
def test_role_has_exactly_the_access_the_matrix_gives_in_its_own_committee(client, two_committees, role, page):
    a, _ = two_committees
    user = make_persona(a, role, f"p_{role}")
    target = make_member(a, name="目标委员")
    client.force_login(user)
    response = _request(client, page, target.pk)
    assert response.status_code == MATRIX[role][page], (role, page, response.status_code)
    target.refresh_from_db()
    if page == "member_suspend":
        assert target.state == ("suspended" if role in CAN_SUSPEND else "active")
    if page == "org_add":
        assert Sector.objects.filter(committee=a, name="新界别").exists() == (role in CAN_ADD_ORG)


@pytest.mark.parametrize("role", list(MATRIX))
def test_no_role_can_read_or_change_another_committees_members(client, two_committees, role):
    a, b = two_committees
    user = make_persona(a, role, f"x_{role}")
    victim = make_member(b, name="乙区委员", phone="13700000001")
    client.force_login(user)
    assert client.get(f"/members/{victim.pk}/").status_code == NOT_FOUND
    response = client.post(f"/members/{victim.pk}/transitions/suspend/", {"reason": "越权", "version": "0"})
    assert response.status_code == NOT_FOUND
    victim.refresh_from_db()
    assert victim.state == "active"
    # Lists never show B's rows.
    if MATRIX[role]["member_list"] == OK:
        assert "乙区委员" not in client.get("/members/").content.decode()
        assert "13700000001" not in client.get("/members/?q=1370").content.decode()


@pytest.mark.parametrize("role", list(MATRIX))
def test_no_role_can_switch_into_a_committee_where_it_holds_no_role(client, two_committees, role):
    a, b = two_committees
    user = make_persona(a, role, f"s_{role}")
    make_member(b, name="乙区委员")
    client.force_login(user)
    client.post("/accounts/committee/", {"committee": b.pk})
    assert client.session.get("committee_id") != b.pk
    assert "乙区政协" not in client.get("/").content.decode().split("<main")[1]


def test_admin_of_a_adding_a_sector_changes_only_a(client, two_committees):
    a, b = two_committees
    admin = make_persona(a, Role.COMMITTEE_ADMIN, "admin_x")
    client.force_login(admin)
    client.post("/org/sectors/add/", {"name": "新的界别"})
    assert Sector.objects.filter(committee=a, name="新的界别").exists()
    assert not Sector.objects.filter(committee=b, name="新的界别").exists()


def test_admin_of_a_sees_only_a_in_the_audit_log(client, two_committees):
    a, b = two_committees
    admin = make_persona(a, Role.COMMITTEE_ADMIN, "admin_y")
    audit_record(actor=None, committee=b, verb="org.item_created", payload={"name": "乙区的秘密事件"})
    audit_record(actor=None, committee=a, verb="org.item_created", payload={"name": "甲区的事件"})
    client.force_login(admin)
    page = client.get("/audit/").content.decode()
    assert "甲区的事件" in page
    assert "乙区的秘密事件" not in page
    assert Event.objects.filter(committee=b).exists()


def test_filtering_members_by_another_committees_sector_is_refused_not_leaked(client, two_committees):
    a, b = two_committees
    clerk = make_persona(a, Role.PROPOSAL_STAFF, "clerk_z")
    make_member(b, name="乙区委员")
    b_sector = Sector.objects.filter(committee=b).first()
    client.force_login(clerk)
    page = client.get(f"/members/?sector={b_sector.pk}").content.decode()
    assert "乙区委员" not in page


def test_person_serving_two_committees_switches_between_them(client, two_committees):
    a, b = two_committees
    user = make_persona(a, Role.MEMBER, "twice")
    from zhengxie.testing.factories import grant

    grant(user, b, Role.MEMBER)
    b_member = make_member(b, name="只在乙区")
    client.force_login(user)
    assert client.get(f"/members/{b_member.pk}/").status_code == NOT_FOUND
    client.post("/accounts/committee/", {"committee": b.pk})
    assert client.get(f"/members/{b_member.pk}/").status_code == OK


def test_platform_admin_can_work_in_any_committee(client, two_committees, platform_admin):
    a, b = two_committees
    b_member = make_member(b, name="乙区委员")
    client.force_login(platform_admin)
    client.post("/accounts/committee/", {"committee": b.pk})
    assert client.get(f"/members/{b_member.pk}/").status_code == OK
    assert Member.objects.filter(committee=b).count() == 1
