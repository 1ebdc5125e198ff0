"""Security headers on API answers too, not only on pages: CSP, nosniff, framing, referrer and opener
policy, on successes and on every kind of error, for session and bearer callers alike."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from zhengxie.accounts.services import api_token_issue
from zhengxie.attachments.tests import samples
from zhengxie.testing.factories import PASSWORD


def assert_security_headers(response, where: str) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    assert csp, f"{where}: no CSP"
    script_src = next((d for d in csp.split(";") if d.strip().startswith(("script-src", "default-src"))), "")
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in csp, where
    assert "frame-ancestors 'none'" in csp or "sandbox" in csp, where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("X-Frame-Options") == "DENY", where
    assert response.headers.get("Referrer-Policy") == "same-origin", where
    assert response.headers.get("Cross-Origin-Opener-Policy") == "same-origin", where


def bearer(user) -> dict[str, str]:
    key, _ = api_token_issue(user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.mark.parametrize("method,url,body,status", [
    ("get", "/api/v1/me", None, 200),
    ("get", "/api/v1/members", None, 200),
    ("get", "/api/v1/members/999999", None, 404),
    ("get", "/api/v1/members?page=0", None, 422),
    ("get", "/api/v1/members?committee=abc", None, 400),
    ("get", "/api/v1/audit/events", None, 200),
    ("get", "/api/v1/no-such-endpoint", None, 404),
    ("post", "/api/v1/org/sectors", {"name": ""}, 400),
    ("post", "/api/v1/org/sectors", [1, 2], 400),
    ("get", "/api/v1/openapi.json", None, 200),
])
def test_api_answers_carry_the_security_headers(admin_a, method, url, body, status):
    for label, client, extra in [("session", Client(), {}), ("bearer", Client(), bearer(admin_a))]:
        if label == "session":
            client.force_login(admin_a)
        if method == "get":
            response = client.get(url, **extra)
        else:
            response = client.post(url, json.dumps(body), content_type="application/json", **extra)
        assert response.status_code == status, (label, url, response.status_code)
        assert_security_headers(response, f"{label} {method} {url}")
        assert response["Content-Type"].startswith("application/json")


def test_anonymous_api_answers_and_the_token_endpoint_carry_them_too(db, admin_a):
    client = Client()
    assert_security_headers(client.get("/api/v1/me"), "401")

    for password, status in [(PASSWORD, 200), ("wrong-password-1", 401)]:
        response = client.post("/api/v1/auth/token", json.dumps({"username": "admin_a", "password": password}),
                               content_type="application/json")
        assert response.status_code == status
        assert_security_headers(response, f"token {status}")


def test_the_api_docs_page_runs_under_the_sites_csp(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert_security_headers(response, "docs")
    assert "<script>" not in response.content.decode()  # no inline script: the CSP would block it


def test_an_attachment_download_is_sandboxed_and_never_sniffed(login, member_a):
    client = login(member_a)
    body = client.post("/api/v1/attachments", {"file": samples.upload("图.png", samples.png())}).json()
    response = client.get(body["url"])
    assert response.status_code == 200
    assert_security_headers(response, "download")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")


def test_api_answers_with_personal_data_are_not_cached_for_a_session(login, clerk_a):
    assert "no-store" in login(clerk_a).get("/api/v1/members").headers.get("Cache-Control", "")


def test_api_answers_with_personal_data_are_not_cached_for_a_token_client(clerk_a):
    response = Client().get("/api/v1/members", **bearer(clerk_a))
    assert response.status_code == 200
    assert "no-store" in response.headers.get("Cache-Control", "")


def test_the_token_answer_is_never_cached(admin_a):
    response = Client().post("/api/v1/auth/token", json.dumps({"username": "admin_a", "password": PASSWORD}),
                             content_type="application/json")
    assert response.status_code == 200
    assert "no-store" in response.headers.get("Cache-Control", "")
