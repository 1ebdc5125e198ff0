"""Login lockout across both doors — the login page and POST /api/v1/auth/token — and by both
identifiers (username and phone number). The basics (lock after N failures, lock expiry, unknown
names lock too, 429 from the token endpoint) are in accounts/tests; these fill the gaps between them.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from zhengxie.accounts.models import ApiToken, LoginThrottle, Role
from zhengxie.audit.models import Event
from zhengxie.testing.factories import PASSWORD, grant, make_user

WRONG = "wrong-password-1"
PHONE = "13912340000"


@pytest.fixture
def person(committee_a):
    user = make_user("lock_me", display_name="被锁定的人", phone=PHONE)
    grant(user, committee_a, Role.MEMBER)
    return user


def page_login(identifier: str, password: str):
    client = Client()
    return client, client.post("/accounts/login/", {"identifier": identifier, "password": password})


def token(identifier: str, password: str):
    return Client().post("/api/v1/auth/token", json.dumps({"username": identifier, "password": password}),
                         content_type="application/json")


def fail_on_page(identifier: str, times: int) -> None:
    for _ in range(times):
        _, response = page_login(identifier, WRONG)
        assert response.status_code == 200


def fail_on_api(identifier: str, times: int) -> None:
    for _ in range(times):
        assert token(identifier, WRONG).status_code == 401


def assert_locked(identifier: str) -> None:
    client, response = page_login(identifier, PASSWORD)
    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    refused = token(identifier, PASSWORD)
    assert refused.status_code == 429
    assert "锁定" in refused.json()["detail"]


def test_failures_with_the_phone_number_lock_the_phone_number_on_both_doors(person, settings):
    fail_on_page(PHONE, settings.LOGIN_MAX_FAILURES)
    assert_locked(PHONE)
    assert not ApiToken.objects.filter(user=person).exists()
    assert Event.objects.filter(verb="account.locked", payload__identifier=PHONE).exists()


def test_failures_at_the_token_endpoint_lock_the_login_page_too(person, settings):
    fail_on_api("lock_me", settings.LOGIN_MAX_FAILURES)
    assert_locked("lock_me")


def test_failures_on_the_login_page_lock_the_token_endpoint_too(person, settings):
    fail_on_page("lock_me", settings.LOGIN_MAX_FAILURES)
    assert_locked("lock_me")
    assert not ApiToken.objects.filter(user=person).exists()


def test_failures_split_between_the_two_doors_add_up(person, settings):
    half = settings.LOGIN_MAX_FAILURES // 2
    fail_on_page(PHONE, half)
    fail_on_api(PHONE, settings.LOGIN_MAX_FAILURES - half)
    assert_locked(PHONE)


def test_case_and_spaces_do_not_buy_extra_attempts(person, settings):
    variants = ["lock_me", "LOCK_ME", " Lock_Me ", "lock_me  ", "LoCk_mE"]
    for i in range(settings.LOGIN_MAX_FAILURES):
        fail_on_page(variants[i % len(variants)], 1)
    assert_locked("lock_me")


def test_a_locked_account_gets_no_token_and_the_lock_does_not_reset_on_a_right_password(person, settings):
    fail_on_api(PHONE, settings.LOGIN_MAX_FAILURES)
    for _ in range(3):
        assert token(PHONE, PASSWORD).status_code == 429
    throttle = LoginThrottle.objects.get(identifier=PHONE)
    assert throttle.locked_until > timezone.now()
    assert not ApiToken.objects.exists()


def test_once_the_lock_expires_both_doors_open_again(person, settings):
    fail_on_page(PHONE, settings.LOGIN_MAX_FAILURES)
    LoginThrottle.objects.filter(identifier=PHONE).update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert token(PHONE, PASSWORD).status_code == 200
    client, response = page_login(PHONE, PASSWORD)
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_a_successful_login_clears_earlier_failures(person, settings):
    fail_on_page("lock_me", settings.LOGIN_MAX_FAILURES - 1)
    assert token("lock_me", PASSWORD).status_code == 200
    fail_on_api("lock_me", settings.LOGIN_MAX_FAILURES - 1)
    _, response = page_login("lock_me", PASSWORD)
    assert response.status_code == 302


def test_the_lockout_message_is_the_same_for_real_and_unknown_phone_numbers(person, settings):
    fail_on_api(PHONE, settings.LOGIN_MAX_FAILURES)
    fail_on_api("13900009999", settings.LOGIN_MAX_FAILURES)
    real, unknown = token(PHONE, PASSWORD), token("13900009999", PASSWORD)
    assert real.status_code == unknown.status_code == 429
    assert real.json() == unknown.json()


def test_wrong_passwords_get_the_same_answer_for_real_and_unknown_phone_numbers(person):
    assert token(PHONE, WRONG).json() == token("13900009999", WRONG).json()
    _, real = page_login(PHONE, WRONG)
    _, unknown = page_login("13900009999", WRONG)
    assert real.status_code == unknown.status_code == 200
    assert "用户名或密码不正确" in real.content.decode() and "用户名或密码不正确" in unknown.content.decode()
