from __future__ import annotations

from zhengxie.accounts.models import Role, RoleGrant, User
from zhengxie.audit.models import Event
from zhengxie.org.models import Unit


def test_admin_creates_a_unit_clerk_account_for_a_unit_of_their_committee(client, admin_a, committee_a):
    unit = Unit.objects.get(committee=committee_a, name="区卫生健康局")
    client.force_login(admin_a)
    response = client.post("/accounts/roles/", {"username": "wsj_clerk", "display_name": "卫健局小李",
                                                "password": "Weijian-2026", "role": Role.UNIT_HANDLER,
                                                "unit": unit.pk, "title": "科员"})
    assert response.status_code == 302
    user = User.objects.get(username="wsj_clerk")
    assert user.check_password("Weijian-2026")
    assert RoleGrant.objects.get(user=user).unit == unit
    assert Event.objects.filter(verb="account.role_granted", committee=committee_a).exists()


def test_unit_handler_grant_without_a_unit_is_refused_with_a_message(client, admin_a):
    client.force_login(admin_a)
    response = client.post("/accounts/roles/", {"username": "x1", "display_name": "某人", "password": "Good-pass-2026",
                                                "role": Role.UNIT_HANDLER})
    assert response.status_code == 400
    assert "须选择所属单位" in response.content.decode()
    assert not User.objects.filter(username="x1").exists()


def test_admin_cannot_pick_a_unit_of_another_committee(client, admin_a, committee_b):
    b_unit = Unit.objects.filter(committee=committee_b).first()
    client.force_login(admin_a)
    response = client.post("/accounts/roles/", {"username": "x2", "display_name": "某人", "password": "Good-pass-2026",
                                                "role": Role.UNIT_HANDLER, "unit": b_unit.pk})
    assert response.status_code == 400
    assert not RoleGrant.objects.filter(unit=b_unit).exists()


def test_weak_initial_password_is_refused(client, admin_a):
    client.force_login(admin_a)
    response = client.post("/accounts/roles/", {"username": "x3", "display_name": "某人", "password": "123",
                                                "role": Role.MEMBER})
    assert response.status_code == 400
    assert not User.objects.filter(username="x3").exists()


def test_existing_account_from_another_committee_gets_a_second_role(client, admin_a, member_b, committee_a):
    client.force_login(admin_a)
    client.post("/accounts/roles/", {"username": "member_b", "role": Role.LEADER, "title": "副主席"})
    assert set(RoleGrant.objects.filter(user=member_b).values_list("committee_id", flat=True)) == {
        committee_a.pk, RoleGrant.objects.get(user=member_b, role=Role.MEMBER).committee_id}


def test_admin_revokes_a_role_of_their_committee_only(client, admin_a, clerk_a, clerk_b):
    client.force_login(admin_a)
    grant_a = RoleGrant.objects.get(user=clerk_a)
    grant_b = RoleGrant.objects.get(user=clerk_b)
    client.post(f"/accounts/roles/{grant_b.pk}/revoke/")
    assert RoleGrant.objects.filter(pk=grant_b.pk).exists()
    client.post(f"/accounts/roles/{grant_a.pk}/revoke/")
    assert not RoleGrant.objects.filter(pk=grant_a.pk).exists()
    assert Event.objects.filter(verb="account.role_revoked").count() == 1


def test_admin_cannot_revoke_their_own_admin_role(client, admin_a):
    client.force_login(admin_a)
    grant = RoleGrant.objects.get(user=admin_a)
    client.post(f"/accounts/roles/{grant.pk}/revoke/")
    assert RoleGrant.objects.filter(pk=grant.pk).exists()


def test_only_admins_manage_roles(client, clerk_a, leader_a):
    for user in [clerk_a, leader_a]:
        client.force_login(user)
        assert client.get("/accounts/roles/").status_code == 403
        assert client.post("/accounts/roles/", {"username": "x", "role": "member"}).status_code == 403


def test_new_unit_clerk_logs_in_and_sees_their_unit_on_the_home_page(client, admin_a, committee_a):
    unit = Unit.objects.get(committee=committee_a, name="区教育局")
    client.force_login(admin_a)
    client.post("/accounts/roles/", {"username": "13900001111", "display_name": "教育局小王",
                                     "password": "Jiaoyu-2026x", "role": Role.UNIT_HANDLER, "unit": unit.pk})
    client.logout()
    client.post("/accounts/login/", {"identifier": "13900001111", "password": "Jiaoyu-2026x"})
    page = client.get("/").content.decode()
    assert "教育局小王" in page and "承办单位经办人" in page
