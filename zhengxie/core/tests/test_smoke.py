def test_login_page_is_served_in_chinese(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()
    assert "Content-Security-Policy" in response.headers


def test_each_persona_sees_their_own_home_page(login, clerk_a, unit_a, member_a, admin_a, leader_a):
    for user in [clerk_a, unit_a, member_a, admin_a, leader_a]:
        page = login(user).get("/").content.decode()
        assert user.display_name in page
        assert "我的待办" in page


def test_unit_clerk_home_names_their_unit(login, unit_a):
    page = login(unit_a).get("/").content.decode()
    assert "承办单位经办人（区教育局）" in page


def test_admin_of_an_empty_committee_is_asked_to_import_the_roster(login, admin_a, committee_a):
    from zhengxie.members.models import Member

    Member.objects.filter(committee=committee_a).delete()
    page = login(admin_a).get("/").content.decode()
    assert "尚未导入委员名册" in page


def test_member_home_links_to_their_own_profile(login, member_a):
    from zhengxie.members.models import Member

    me = Member.objects.get(user=member_a)
    assert f"/members/{me.pk}/" in login(member_a).get("/").content.decode()
