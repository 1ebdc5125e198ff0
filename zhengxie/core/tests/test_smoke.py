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
