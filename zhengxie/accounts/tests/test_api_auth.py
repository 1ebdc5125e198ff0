"""The API's front door: tokens, sessions with CSRF, the committee a request works in, the schema."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django.utils.crypto import get_random_string

from zhengxie.accounts.models import ApiToken, Role
from zhengxie.accounts.services import api_token_issue
from zhengxie.audit.models import Event
from zhengxie.testing.factories import PASSWORD, grant, make_user

pytestmark = pytest.mark.django_db


def ask_token(client: Client, username: str, password: str):
    return client.post("/api/v1/auth/token", data=json.dumps({"username": username, "password": password}),
                       content_type="application/json")


def bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# --- tokens ----------------------------------------------------------------------------------


def test_a_client_exchanges_username_and_password_for_a_token_and_uses_it(client, admin_a):
    response = ask_token(client, "admin_a", PASSWORD)
    assert response.status_code == 200
    body = response.json()
    assert body["token"].startswith("zx_")
    assert dt.datetime.fromisoformat(body["expires_at"]) > timezone.now() + dt.timedelta(days=1)
    assert Event.objects.filter(verb="account.token_issued", actor=admin_a).exists()

    me = Client().get("/api/v1/me", **bearer(body["token"]))
    assert me.status_code == 200
    assert me.json()["user"]["username"] == "admin_a"


def test_a_token_can_be_asked_for_with_the_phone_number(client, committee_a):
    user = make_user("phone_user", phone="13812345678")
    grant(user, committee_a, Role.MEMBER)
    response = ask_token(client, "13812345678", PASSWORD)
    assert response.status_code == 200


def test_a_wrong_password_is_refused_with_401_in_chinese(client, admin_a):
    response = ask_token(client, "admin_a", "not-the-password")
    assert response.status_code == 401
    assert response.json() == {"detail": "用户名或密码不正确。"}


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(client, db):
    response = ask_token(client, "nobody_here", "whatever-1")
    assert response.status_code == 401
    assert response.json() == {"detail": "用户名或密码不正确。"}


def test_after_too_many_failures_even_the_right_password_is_refused_with_429(client, admin_a):
    for _ in range(settings.LOGIN_MAX_FAILURES):
        assert ask_token(client, "admin_a", "not-the-password").status_code == 401
    response = ask_token(client, "admin_a", PASSWORD)
    assert response.status_code == 429
    assert "锁定" in response.json()["detail"]
    assert not ApiToken.objects.filter(user=admin_a).exists()


def test_the_token_endpoint_needs_no_csrf_token(admin_a):
    response = ask_token(Client(enforce_csrf_checks=True), "admin_a", PASSWORD)
    assert response.status_code == 200


def test_an_expired_token_is_refused(admin_a):
    key, token = api_token_issue(user=admin_a)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = Client().get("/api/v1/me", **bearer(key))
    assert response.status_code == 401
    assert is_chinese(response.json()["detail"])


def test_a_revoked_token_is_refused(admin_a):
    key, token = api_token_issue(user=admin_a)
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert Client().get("/api/v1/me", **bearer(key)).status_code == 401


def test_a_made_up_token_is_refused(db):
    assert Client().get("/api/v1/me", **bearer("zx_made-up")).status_code == 401


def test_a_deactivated_users_token_stops_working(admin_a):
    key, _ = api_token_issue(user=admin_a)
    admin_a.is_active = False
    admin_a.save()
    assert Client().get("/api/v1/me", **bearer(key)).status_code == 401


def test_without_token_or_session_the_api_asks_to_log_in(client, db):
    response = client.get("/api/v1/members")
    assert response.status_code == 401
    assert response.json() == {"detail": "请先登录。"}
    assert response["WWW-Authenticate"].startswith("Bearer")


# --- sessions and CSRF -----------------------------------------------------------------------


def test_the_browser_session_may_read_without_a_csrf_token(admin_a):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_a)
    assert browser.get("/api/v1/me").status_code == 200


def test_the_browser_session_must_send_the_csrf_token_to_change_anything(admin_a):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_a)
    refused = browser.post("/api/v1/notifications/read")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]

    secret = get_random_string(32)
    browser.cookies[settings.CSRF_COOKIE_NAME] = secret
    accepted = browser.post("/api/v1/notifications/read", HTTP_X_CSRFTOKEN=secret)
    assert accepted.status_code == 200


def test_a_token_client_never_needs_a_csrf_token(admin_a):
    key, _ = api_token_issue(user=admin_a)
    response = Client(enforce_csrf_checks=True).post("/api/v1/notifications/read", **bearer(key))
    assert response.status_code == 200


# --- the committee a request works in --------------------------------------------------------


def test_me_reports_the_user_the_committee_roles_permissions_and_choices(login, admin_a, committee_a):
    body = login(admin_a).get("/api/v1/me").json()
    assert body["user"] == {"id": admin_a.pk, "username": "admin_a", "display_name": "admin_a"}
    assert body["committee"]["id"] == committee_a.pk
    assert body["roles"] == [{"code": "committee_admin", "label": "委员会管理员"}]
    assert "members.manage" in body["permissions"]
    assert [c["id"] for c in body["committees"]] == [committee_a.pk]


def test_a_person_serving_two_committees_picks_one_with_the_header(login, committee_a, committee_b):
    person = make_user("two_hats")
    grant(person, committee_a, Role.MEMBER)
    grant(person, committee_b, Role.COMMITTEE_ADMIN)
    client = login(person)

    default = client.get("/api/v1/me").json()
    assert default["committee"]["id"] == committee_a.pk
    assert [r["code"] for r in default["roles"]] == ["member"]

    in_b = client.get("/api/v1/me", HTTP_X_COMMITTEE=str(committee_b.pk)).json()
    assert in_b["committee"]["id"] == committee_b.pk
    assert [r["code"] for r in in_b["roles"]] == ["committee_admin"]

    by_query = client.get(f"/api/v1/me?committee={committee_b.pk}").json()
    assert by_query["committee"]["id"] == committee_b.pk

    listed = client.get("/api/v1/committees").json()
    assert [c["code"] for c in listed["items"]] == ["aaa", "bbb"]
    assert listed["count"] == 2


def test_asking_for_a_committee_without_a_role_there_is_refused(login, admin_a, committee_b):
    client = login(admin_a)
    by_header = client.get("/api/v1/me", HTTP_X_COMMITTEE=str(committee_b.pk))
    assert by_header.status_code == 403
    assert is_chinese(by_header.json()["detail"])
    assert client.get(f"/api/v1/members?committee={committee_b.pk}").status_code == 403
    assert client.get("/api/v1/members", HTTP_X_COMMITTEE="999999").status_code == 403


def test_a_committee_id_that_is_not_a_number_is_a_bad_request(login, admin_a):
    client = login(admin_a)
    for value in ["abc", "-1", "1.5", "9" * 40, "²", "١"]:
        response = client.get("/api/v1/me", HTTP_X_COMMITTEE=value)
        assert response.status_code == 400, value
        assert is_chinese(response.json()["detail"])


def test_a_platform_admin_may_work_in_any_committee(login, platform_admin, committee_a, committee_b):
    body = login(platform_admin).get("/api/v1/me", HTTP_X_COMMITTEE=str(committee_b.pk)).json()
    assert body["committee"]["id"] == committee_b.pk
    assert "audit.view" in body["permissions"]


def test_an_account_without_any_role_can_log_in_but_not_read_committee_data(db):
    loner = make_user("loner")
    client = Client()
    client.force_login(loner)
    me = client.get("/api/v1/me").json()
    assert me["committee"] is None and me["committees"] == []
    response = client.get("/api/v1/members")
    assert response.status_code == 403
    assert is_chinese(response.json()["detail"])


# --- the schema and the docs -----------------------------------------------------------------


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_the_openapi_document_is_valid_and_lists_every_endpoint(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["title"] and doc["info"]["version"] == "1"
    expected = {
        ("post", "/api/v1/auth/token"), ("get", "/api/v1/me"), ("get", "/api/v1/committees"),
        ("get", "/api/v1/org/{kind}"), ("post", "/api/v1/org/{kind}"),
        ("get", "/api/v1/members"), ("get", "/api/v1/members/{id}"),
        ("post", "/api/v1/members/{id}/transitions/{name}"),
        ("get", "/api/v1/audit/events"),
        ("get", "/api/v1/notifications"), ("post", "/api/v1/notifications/read"),
    }
    listed = {(method, path) for path, ops in doc["paths"].items() for method in ops}
    assert expected <= listed
    # Every reference points at a schema that exists, and every operation documents its answers.
    schemas = doc["components"]["schemas"]
    for ref in _refs(doc):
        assert ref.startswith("#/components/schemas/") and ref.split("/")[-1] in schemas, ref
    operation_ids = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            operation_ids.append(op["operationId"])
            ok = op["responses"].get("200") or op["responses"].get("201")
            assert ok and "application/json" in ok["content"], (method, path)
            if (method, path) != ("post", "/api/v1/auth/token"):
                assert op.get("security"), (method, path)
                assert {"401", "403", "422"} <= set(op["responses"]), (method, path)
                assert "X-Committee" in [p["name"] for p in op["parameters"]], (method, path)
    assert len(operation_ids) == len(set(operation_ids))
    assert {"BearerAuth", "SessionAuth"} <= set(doc["components"]["securitySchemes"])
    member = schemas["MemberOut"]["properties"]
    assert {"state", "state_label", "version", "available_transitions"} <= set(member)


def test_the_docs_page_is_served_with_its_own_scripts(client, db):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in html
    assert "cdn.jsdelivr" not in html  # the CSP allows scripts from this site only
    script = client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert client.get("/api/v1/docs/assets/settings.py").status_code == 404


def test_an_unknown_api_path_answers_404_in_json(client, db):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"detail": "没有这个接口。"}


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("body, content_type", [
    ("{not json", "application/json"),
    ("[1, 2]", "application/json"),
    ('"admin_a"', "application/json"),
    ("username=admin_a&password=x", "application/x-www-form-urlencoded"),
    (json.dumps({"username": 5, "password": []}), "application/json"),
    (json.dumps({"username": "", "password": ""}), "application/json"),
    (json.dumps({"username": "a" * 100_000, "password": "x"}), "application/json"),
    (json.dumps({"username": "admin_a", "password": "x" * 10_000}), "application/json"),
    (json.dumps({"username": "admin\x00", "password": "x"}), "application/json"),
    (b"\xff\xfe\x00garbage", "application/json"),
])
def test_bad_token_requests_get_a_4xx_in_chinese_never_a_500(client, admin_a, body, content_type):
    response = client.post("/api/v1/auth/token", data=body, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert is_chinese(response.json()["detail"])


def test_a_validation_error_keeps_the_details_but_never_echoes_the_input(client, db):
    response = ask_token(client, "admin_a", "p" * 200)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"].startswith("请求参数不正确") and "password" in body["detail"]
    assert body["errors"][0]["loc"][-1] == "password"
    assert "p" * 200 not in response.content.decode()


def test_a_body_larger_than_allowed_is_a_400_in_json(client, admin_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post("/api/v1/auth/token", data=json.dumps({"username": "x" * 2000, "password": "y"}),
                           content_type="application/json")
    assert response.status_code == 400
    assert is_chinese(response.json()["detail"])
