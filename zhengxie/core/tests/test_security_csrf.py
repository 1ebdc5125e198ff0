"""CSRF: every state-changing request from a browser session needs the token; API clients with a
bearer token do not.

Two layers:
- sweeps: every URL pattern of the site (pages) and every unsafe operation in the OpenAPI document
  (API) refuses a session POST without a token. A page or endpoint added later is covered without
  anyone remembering to add it here;
- cases: for each write that exists, the token-less POST changes nothing (checked in the database),
  and the same POST with the token does change it, so the refusal is not an accident of bad data.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLResolver, get_resolver

from zhengxie.accounts.models import LoginThrottle, Role, RoleGrant, User
from zhengxie.accounts.services import api_token_issue
from zhengxie.attachments.models import Attachment
from zhengxie.attachments.tests import samples
from zhengxie.members.models import Member
from zhengxie.notifications.models import Notification
from zhengxie.notifications.services import notify
from zhengxie.org.models import Sector
from zhengxie.testing.factories import PASSWORD, grant, make_member
from zhengxie.textindex.tests.conftest import testdoc_source  # noqa: F401  (autouse: the stand-in searchable kind)

# --- sweeps ----------------------------------------------------------------------------------

# Filled into URL patterns: any id works, since the CSRF check runs before the view.
_FILL = {"int": "1", "slug": "sectors", "str": "x", "path": "x", "uuid": "00000000-0000-0000-0000-000000000000"}
_SLUG_NAMES = {"name": "suspend", "kind": "sectors"}


def _site_routes(patterns=None, prefix: str = ""):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            yield from _site_routes(p.url_patterns, prefix + str(p.pattern))
        else:
            yield prefix + str(p.pattern)


def _concrete(route: str) -> str:
    def fill(match: re.Match) -> str:
        converter, name = match.group(1) or "str", match.group(2)
        return _SLUG_NAMES.get(name, _FILL.get(converter, "1"))

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)


PAGE_URLS = sorted({_concrete(r) for r in _site_routes()
                    if not r.startswith(("api/", "django-admin/")) and "(?P" not in r})


def is_csrf_refusal(response) -> bool:
    return response.status_code == 403 and b"CSRF" in response.content


@pytest.fixture
def browser(admin_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_a)
    return client


def test_the_sweep_found_the_pages_that_write():
    for url in ["/accounts/login/", "/accounts/logout/", "/accounts/committee/", "/accounts/roles/",
                "/accounts/roles/1/revoke/", "/org/sectors/add/", "/org/sectors/1/", "/members/new/",
                "/members/1/edit/", "/members/1/transitions/suspend/", "/members/import/", "/notifications/read/",
                # They write nothing, but take a POST (a pasted text is too long for a URL).
                "/search/similar/", "/search/similar/panel/", "/search/routing/panel/"]:
        assert url in PAGE_URLS


@pytest.mark.parametrize("url", PAGE_URLS)
def test_every_page_refuses_a_post_without_a_csrf_token(browser, url):
    assert is_csrf_refusal(browser.post(url, {"name": "x", "reason": "x"})), url


@pytest.mark.parametrize("url", PAGE_URLS)
def test_every_page_refuses_a_post_with_a_wrong_csrf_token(browser, url):
    browser.get("/")  # sets the CSRF cookie
    response = browser.post(url, {"csrfmiddlewaretoken": "x" * 32, "name": "x"})
    assert is_csrf_refusal(response), url


def _unsafe_api_operations() -> list[tuple[str, str]]:
    doc = Client().get("/api/v1/openapi.json").json()
    found = []
    for path, ops in doc["paths"].items():
        for method in ops:
            if method != "get" and path != "/api/v1/auth/token":
                url = path.replace("{id}", "1").replace("{name}", "suspend").replace("{kind}", "sectors")
                found.append((method, url))
    return found


@pytest.mark.django_db
def test_every_unsafe_api_operation_refuses_a_session_without_the_csrf_header(admin_a):
    operations = _unsafe_api_operations()
    assert ("post", "/api/v1/attachments") in operations and len(operations) >= 4
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_a)
    client.get("/")  # a CSRF cookie, but no header
    for method, url in operations:
        response = getattr(client, method)(url, data="{}", content_type="application/json")
        assert response.status_code == 403, (method, url, response.status_code)
        assert "CSRF" in response.json()["detail"], (method, url)


# --- cases -----------------------------------------------------------------------------------


def _roster() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["姓名", "性别", "民族", "出生年月", "界别", "党派", "工作单位及职务", "手机号", "专委会"])
    workbook.active.append(["名册新人", "女", "汉族", "1970.05", "教育界", "民盟", "某中学校长", "13655550001", ""])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class Write:
    name: str
    user: str | None  # persona fixture, None for an anonymous browser
    url: str  # formatted with the context
    data: Callable[[SimpleNamespace], dict[str, Any]]
    changed: Callable[[SimpleNamespace, Client], bool]
    setup: Callable[[SimpleNamespace], None] = lambda ctx: None


def _member(ctx) -> Member:
    return Member.objects.get(pk=ctx.member.pk)


def _set_suspended(ctx) -> None:
    Member.objects.filter(pk=ctx.member.pk).update(state="suspended")


def _second_committee(ctx) -> None:
    grant(ctx.admin, ctx.b, Role.MEMBER)


def _unread(ctx) -> None:
    notify(committee=ctx.a, recipients=[ctx.admin], verb="test", title="请阅")


MEMBER_DATA = {"name": "改过的名字", "gender": "女", "ethnicity": "汉族", "sector": "{sector}", "title": "member",
               "employer_title": "某单位", "phone": "", "version": "0"}

PAGE_WRITES = [
    Write("login", None, "/accounts/login/", lambda c: {"identifier": "admin_a", "password": PASSWORD},
          lambda c, client: "_auth_user_id" in client.session),
    Write("logout", "admin", "/accounts/logout/", lambda c: {},
          lambda c, client: "_auth_user_id" not in client.session),
    Write("committee switch", "admin", "/accounts/committee/", lambda c: {"committee": c.b.pk},
          lambda c, client: client.session.get("committee_id") == c.b.pk, setup=_second_committee),
    Write("password change", "admin", "/accounts/password/",
          lambda c: {"old_password": PASSWORD, "new_password1": "Another-pass-2026", "new_password2": "Another-pass-2026"},
          lambda c, client: User.objects.get(pk=c.admin.pk).check_password("Another-pass-2026")),
    Write("role grant", "admin", "/accounts/roles/",
          lambda c: {"username": "csrf_victim", "display_name": "新人", "password": "Good-pass-2026", "role": "member"},
          lambda c, client: User.objects.filter(username="csrf_victim").exists()),
    Write("role revoke", "admin", "/accounts/roles/{clerk_grant}/revoke/", lambda c: {},
          lambda c, client: not RoleGrant.objects.filter(pk=c.clerk_grant).exists()),
    Write("org add", "admin", "/org/sectors/add/", lambda c: {"name": "跨站新增界别"},
          lambda c, client: Sector.objects.filter(name="跨站新增界别").exists()),
    Write("org rename", "admin", "/org/sectors/{sector}/", lambda c: {"name": "跨站改名", "is_active": "1"},
          lambda c, client: Sector.objects.filter(name="跨站改名").exists()),
    Write("member new", "admin", "/members/new/", lambda c: {**MEMBER_DATA, "name": "跨站新增委员", "sector": c.sector},
          lambda c, client: Member.objects.filter(name="跨站新增委员").exists()),
    Write("member edit", "admin", "/members/{member_id}/edit/", lambda c: {**MEMBER_DATA, "sector": c.sector},
          lambda c, client: _member(c).name == "改过的名字"),
    Write("member suspend", "admin", "/members/{member_id}/transitions/suspend/",
          lambda c: {"reason": "跨站", "version": "0"}, lambda c, client: _member(c).state == "suspended"),
    Write("member reinstate", "admin", "/members/{member_id}/transitions/reinstate/", lambda c: {"version": "0"},
          lambda c, client: _member(c).state == "active", setup=_set_suspended),
    Write("member leave", "admin", "/members/{member_id}/transitions/leave/",
          lambda c: {"reason": "跨站", "version": "0"}, lambda c, client: _member(c).state == "left"),
    Write("roster import", "admin", "/members/import/",
          lambda c: {"file": samples.upload("名册.xlsx", _roster())},
          lambda c, client: Member.objects.filter(name="名册新人").exists()),
    Write("notifications read", "admin", "/notifications/read/", lambda c: {},
          lambda c, client: not Notification.objects.filter(read_at__isnull=True).exists(), setup=_unread),
]


@pytest.fixture
def ctx(committee_a, committee_b, admin_a, clerk_a):
    member = make_member(committee_a, name="原来的名字")
    return SimpleNamespace(a=committee_a, b=committee_b, admin=admin_a, member=member, member_id=member.pk,
                           sector=Sector.objects.filter(committee=committee_a).first().pk,
                           clerk_grant=RoleGrant.objects.get(user=clerk_a).pk)


def _browser_for(write: Write, ctx) -> Client:
    client = Client(enforce_csrf_checks=True)
    if write.user:
        client.force_login(ctx.admin)
    client.get("/accounts/login/" if write.user is None else "/")  # the CSRF cookie, as a real browser has it
    return client


@pytest.mark.parametrize("write", PAGE_WRITES, ids=lambda w: w.name)
def test_a_page_write_without_the_token_is_refused_and_changes_nothing(ctx, write):
    write.setup(ctx)
    client = _browser_for(write, ctx)
    throttles = LoginThrottle.objects.count()
    response = client.post(write.url.format(**vars(ctx)), write.data(ctx))
    assert is_csrf_refusal(response), (write.name, response.status_code)
    assert not write.changed(ctx, client), write.name
    assert LoginThrottle.objects.count() == throttles


@pytest.mark.parametrize("write", PAGE_WRITES, ids=lambda w: w.name)
def test_the_same_page_write_with_the_token_goes_through(ctx, write):
    """Control for the test above."""
    write.setup(ctx)
    client = _browser_for(write, ctx)
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(write.url.format(**vars(ctx)), {**write.data(ctx), "csrfmiddlewaretoken": token})
    assert response.status_code in {200, 302}, (write.name, response.status_code)
    assert write.changed(ctx, client), write.name


@pytest.mark.parametrize("url", ["/search/similar/panel/", "/search/routing/panel/"])
def test_the_htmx_panels_take_the_csrf_header_that_base_html_gives_every_htmx_request(ctx, url):
    """base.html sets hx-headers X-CSRFToken on <body>; a panel's POST carries that header, not a form field."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(ctx.admin)
    page = client.get("/").content.decode()
    token = re.search(r"hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'", page).group(1)
    data = {"title": "关于加强校园周边交通安全管理的建议"}
    assert client.post(url, data, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token).status_code == 200
    assert is_csrf_refusal(client.post(url, data, HTTP_HX_REQUEST="true"))


# --- the API: session needs the header, bearer needs nothing ---------------------------------


@dataclass(frozen=True)
class ApiWrite:
    name: str
    url: str
    send: Callable[[Client, str, dict[str, str]], Any]
    changed: Callable[[SimpleNamespace], bool]
    setup: Callable[[SimpleNamespace], None] = lambda ctx: None


def _json(body: dict[str, Any]):
    return lambda client, url, headers: client.post(url, json.dumps(body), content_type="application/json", **headers)


API_WRITES = [
    ApiWrite("org add", "/api/v1/org/sectors", _json({"name": "接口新增界别"}),
             lambda c: Sector.objects.filter(name="接口新增界别").exists()),
    ApiWrite("member suspend", "/api/v1/members/{member_id}/transitions/suspend", _json({"reason": "接口"}),
             lambda c: _member(c).state == "suspended"),
    ApiWrite("notifications read", "/api/v1/notifications/read", lambda client, url, h: client.post(url, **h),
             lambda c: not Notification.objects.filter(read_at__isnull=True).exists(), setup=_unread),
    ApiWrite("attachment upload", "/api/v1/attachments",
             lambda client, url, h: client.post(url, {"file": samples.upload("接口.pdf", samples.pdf())}, **h),
             lambda c: Attachment.objects.exists()),
]


@pytest.mark.parametrize("write", API_WRITES, ids=lambda w: w.name)
def test_an_api_write_with_a_session_but_no_csrf_header_is_refused_and_changes_nothing(ctx, write):
    write.setup(ctx)
    client = Client(enforce_csrf_checks=True)
    client.force_login(ctx.admin)
    client.get("/")
    for headers in [{}, {"HTTP_X_CSRFTOKEN": "wrong" * 8}]:
        response = write.send(client, write.url.format(**vars(ctx)), headers)
        assert response.status_code == 403, (write.name, response.status_code)
        assert "CSRF" in response.json()["detail"]
    assert not write.changed(ctx), write.name


@pytest.mark.parametrize("write", API_WRITES, ids=lambda w: w.name)
def test_an_api_write_with_a_session_and_the_csrf_header_goes_through(ctx, write):
    write.setup(ctx)
    client = Client(enforce_csrf_checks=True)
    client.force_login(ctx.admin)
    client.get("/")
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = write.send(client, write.url.format(**vars(ctx)), {"HTTP_X_CSRFTOKEN": token})
    assert response.status_code in {200, 201}, (write.name, response.status_code, response.content[:200])
    assert write.changed(ctx), write.name


@pytest.mark.parametrize("write", API_WRITES, ids=lambda w: w.name)
def test_an_api_write_with_a_bearer_token_needs_no_csrf_token(ctx, write):
    write.setup(ctx)
    key, _ = api_token_issue(user=ctx.admin)
    response = write.send(Client(enforce_csrf_checks=True), write.url.format(**vars(ctx)),
                          {"HTTP_AUTHORIZATION": f"Bearer {key}"})
    assert response.status_code in {200, 201}, (write.name, response.status_code, response.content[:200])
    assert write.changed(ctx), write.name


def test_a_bearer_token_does_not_lend_its_exemption_to_a_forged_session_request(ctx):
    """A bad bearer token is refused outright; it does not fall back to the (CSRF-less) session."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(ctx.admin)
    response = client.post("/api/v1/org/sectors", json.dumps({"name": "伪造令牌"}), content_type="application/json",
                           HTTP_AUTHORIZATION="Bearer zx_forged")
    assert response.status_code == 401
    assert not Sector.objects.filter(name="伪造令牌").exists()


def test_the_csrf_cookie_is_not_readable_across_sites(client, db):
    client.get("/accounts/login/")
    assert settings.CSRF_COOKIE_SAMESITE in {"Lax", "Strict"}
    assert settings.SESSION_COOKIE_SAMESITE in {"Lax", "Strict"}
