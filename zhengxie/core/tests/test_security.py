from __future__ import annotations

import pytest
from django.test import Client

from zhengxie.testing.factories import make_member

XSS = '<script>alert("委员")</script><img src=x onerror=alert(1)>张三'


def test_every_page_sends_csp_and_security_headers(client, member_a):
    client.force_login(member_a)
    for url in ["/", "/members/", "/accounts/login/"]:
        response = client.get(url, follow=True)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_with_personal_data_are_not_cached(client, clerk_a):
    client.force_login(clerk_a)
    assert client.get("/members/").headers["Cache-Control"] == "no-store"


def test_session_cookie_is_httponly(client, member_a):
    from zhengxie.testing.factories import PASSWORD

    response = client.post("/accounts/login/", {"identifier": "member_a", "password": PASSWORD})
    assert response.cookies["sessionid"]["httponly"]


def test_stored_markup_in_a_member_name_comes_back_escaped(client, clerk_a, committee_a):
    member = make_member(committee_a, name=XSS[:50])
    client.force_login(clerk_a)
    for url in ["/members/", f"/members/{member.pk}/"]:
        page = client.get(url).content.decode()
        assert "<script>alert" not in page
        assert "&lt;script&gt;" in page


def test_org_list_names_with_markup_are_escaped(client, admin_a):
    client.force_login(admin_a)
    client.post("/org/sectors/add/", {"name": XSS})
    page = client.get("/org/").content.decode()
    assert "<img src=x" not in page
    assert "&lt;img src=x" in page


@pytest.mark.parametrize("q", ["' OR 1=1 --", '"; DROP TABLE members_member; --', "%", "_", "\\", "１３９", "😀" * 20,
                               "x" * 10000])
def test_sql_injection_and_odd_strings_in_member_search_are_harmless(client, clerk_a, committee_a, q):
    make_member(committee_a, name="王五")
    client.force_login(clerk_a)
    response = client.get("/members/", {"q": q})
    assert response.status_code == 200
    assert "王五" in client.get("/members/").content.decode()


@pytest.mark.parametrize("params", [{"sector": "abc"}, {"sector": "-1"}, {"page": "9999"}, {"page": "x"},
                                    {"state": "<b>"}, {"party": "1' OR '1'='1"}])
def test_bad_filter_values_never_crash_the_member_list(client, clerk_a, params):
    client.force_login(clerk_a)
    assert client.get("/members/", params).status_code == 200


@pytest.mark.parametrize("params", [{"date_from": "2026-13-45"}, {"verb": "' OR 1=1"}, {"page": "-1"}])
def test_bad_filter_values_never_crash_the_audit_log(client, admin_a, params):
    client.force_login(admin_a)
    assert client.get("/audit/", params).status_code == 200


def test_state_changing_posts_need_a_csrf_token(db, admin_a, committee_a):
    member = make_member(committee_a)
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_a)
    assert client.post(f"/members/{member.pk}/transitions/suspend/", {"reason": "x"}).status_code == 403
    assert client.post("/org/sectors/add/", {"name": "x"}).status_code == 403
    member.refresh_from_db()
    assert member.state == "active"


def test_members_see_masked_phones_and_staff_see_full_ones(client, member_a, clerk_a, committee_a):
    other = make_member(committee_a, name="李四", phone="13812345678")
    client.force_login(member_a)
    page = client.get(f"/members/{other.pk}/").content.decode()
    assert "138****5678" in page and "13812345678" not in page
    assert "13812345678" not in client.get("/members/").content.decode()
    client.force_login(clerk_a)
    assert "13812345678" in client.get(f"/members/{other.pk}/").content.decode()


def test_a_member_sees_their_own_phone_in_full(client, member_a, committee_a):
    from zhengxie.members.models import Member

    me = Member.objects.get(user=member_a)
    client.force_login(member_a)
    assert me.phone in client.get(f"/members/{me.pk}/").content.decode()


def test_members_cannot_search_by_phone(client, member_a, committee_a):
    make_member(committee_a, name="赵六", phone="13611112222")
    client.force_login(member_a)
    assert "赵六" not in client.get("/members/", {"q": "1361111"}).content.decode()


def test_healthz_reports_the_database(client, db):
    assert client.get("/healthz").json()["status"] == "ok"


def test_not_found_page_is_in_chinese(client, member_a):
    client.force_login(member_a)
    response = client.get("/members/999999/")
    assert response.status_code == 404
    assert "没有找到" in response.content.decode()
