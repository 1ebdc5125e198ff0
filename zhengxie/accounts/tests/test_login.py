from __future__ import annotations

import pytest
from django.test import Client

from zhengxie.accounts.models import LoginThrottle
from zhengxie.audit.models import Event
from zhengxie.testing.factories import PASSWORD, make_user


def _login(client, identifier, password=PASSWORD):
    return client.post("/accounts/login/", {"identifier": identifier, "password": password})


def test_member_logs_in_with_username(client, member_a):
    response = _login(client, "member_a")
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_member_logs_in_with_phone_number(client, db):
    make_user("withphone", phone="13912345678")
    assert _login(client, "13912345678").status_code == 302


def test_wrong_password_shows_a_chinese_message_and_records_the_failure(client, member_a):
    response = _login(client, "member_a", "wrong-password-1")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert Event.objects.filter(verb="account.login_failed").exists()


def test_account_is_locked_after_repeated_failures_even_with_the_right_password(client, member_a, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        _login(client, "member_a", "wrong-password-1")
    response = _login(client, "member_a")
    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    assert Event.objects.filter(verb="account.locked").exists()


def test_lockout_also_applies_to_unknown_usernames_so_it_reveals_nothing(client, db, settings):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        _login(client, "nobody", "wrong-password-1")
    assert LoginThrottle.objects.get(identifier="nobody").locked_until is not None


def test_lock_expires_after_the_lockout_period(client, member_a, settings):
    import datetime as dt

    from django.utils import timezone

    for _ in range(settings.LOGIN_MAX_FAILURES):
        _login(client, "member_a", "wrong-password-1")
    LoginThrottle.objects.filter(identifier="member_a").update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert _login(client, "member_a").status_code == 302


def test_inactive_account_cannot_log_in(client, member_a):
    member_a.is_active = False
    member_a.save()
    assert _login(client, "member_a").status_code == 200


def test_open_redirect_after_login_is_refused(client, member_a):
    response = client.post("/accounts/login/?next=https://evil.example/", {"identifier": "member_a",
                                                                          "password": PASSWORD,
                                                                          "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_login_form_requires_csrf_token(db, member_a):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"identifier": "member_a", "password": PASSWORD})
    assert response.status_code == 403


def test_pages_need_login(client, db):
    for url in ["/", "/members/", "/org/", "/audit/", "/notifications/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_demo_accounts_are_listed_only_in_demo_mode(client, db, settings):
    settings.DEMO_MODE = False
    assert "zhengxie-demo" not in client.get("/accounts/login/").content.decode()
    settings.DEMO_MODE = True
    assert "zhengxie-demo" in client.get("/accounts/login/").content.decode()


def test_logout_needs_post_and_ends_the_session(client, member_a):
    client.force_login(member_a)
    assert client.get("/accounts/logout/").status_code == 405
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_session_expires_after_idle_period(settings):
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600


def test_activity_slides_the_session_expiry_but_not_on_every_request(client, member_a, settings):
    from django.contrib.sessions.models import Session

    client.force_login(member_a)
    client.get("/")
    key = client.session.session_key
    first = Session.objects.get(session_key=key).expire_date
    client.get("/")  # within the refresh interval: no write
    assert Session.objects.get(session_key=key).expire_date == first
    settings.SESSION_REFRESH_SECONDS = 0
    client.get("/")
    assert Session.objects.get(session_key=key).expire_date > first


@pytest.mark.parametrize("password,ok", [
    ("short1", False), ("1234567890123", False), ("onlyletterslong", False), ("zhengxie-demo", True),
    ("Strong-pass-2026", True),
])
def test_password_rules(password, ok, db):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:
        validate_password(password)
        assert ok
    except ValidationError:
        assert not ok


def test_passwords_are_hashed_with_argon2(db):
    user = make_user("hashme")
    user.set_password("Strong-pass-2026")
    assert user.password.startswith("argon2")
