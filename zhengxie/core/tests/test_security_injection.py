"""SQL-injection strings (and other hostile input) in every search, filter and paging parameter of the
pages and the API are harmless: the answer is 200 or a 4xx, never a 500, and never more rows than the
plain list — in particular never another committee's rows, and a text search that is accepted
matches nothing (no string below is the name of anything).

The same must hold on SQLite and PostgreSQL (which refuses NUL in text: it must be stopped before
the database, as a 4xx or an ignored filter).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

from zhengxie.accounts.models import ApiToken
from zhengxie.accounts.services import api_token_issue
from zhengxie.audit.models import Event
from zhengxie.audit.services import audit_record
from zhengxie.members.models import Member
from zhengxie.testing.factories import PASSWORD, make_member
from zhengxie.textindex.tests.conftest import index_doc, testdoc_source  # noqa: F401  (fixtures; the second autouse)

INJECTIONS = [
    "' OR '1'='1",
    "' OR 1=1 --",
    "1; DROP TABLE members_member",
    "1); DROP TABLE audit_event; --",
    "%' --",
    "%",
    "_",
    "\\",
    "\\' OR 1=1 #",
    '") OR ("1"="1',
    "' UNION SELECT username, password FROM accounts_user --",
    "1 AND (SELECT COUNT(*) FROM accounts_user) > 0",
    "'; SELECT pg_sleep(5); --",
    "\x00",
    "a\x00' OR '1'='1",
    "x" * 5000,
    "１３９' OR '１'='１",
    "委员' OR '政协'='政协",
    "😀' OR 1=1 --",
    "\u202e' OR 1=1",
    "-1",
    "0",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "2026-13-45",
    "[]",
    "{}",
]

A_NAMES = ["甲区委员一", "甲区委员二"]
B_NAME = "乙区不可见委员"
A_EVENT, B_EVENT = "甲区审计标记", "乙区审计标记"
# Searchable items: "检索标记" finds A's two; B's is never found from A. No text below shares a
# word with any hostile string (no Latin letters, no digits, no 委员/政协).
A_DOCS, B_DOC = ["甲区检索标记文档一：关于老旧小区加装电梯的建议", "甲区检索标记文档二：关于规范集中充电设施的建议"], \
    "乙区检索标记文档：关于背街小巷路灯照明的建议"
SEARCH_BASE = {"q": "检索标记"}


@pytest.fixture
def data(committee_a, committee_b, index_doc):
    for name in A_NAMES:
        make_member(committee_a, name=name)
    make_member(committee_b, name=B_NAME)
    for title in A_DOCS:
        index_doc(committee_a, title, "居民反映强烈，建议有关部门尽快研究解决。", audience="members")
    index_doc(committee_b, B_DOC, "居民反映强烈，建议有关部门尽快研究解决。", audience="members")
    # By the system (actor "系统"), so no actor name contains "_" or a digit a search could match.
    audit_record(actor=None, committee=committee_a, verb="member.updated", payload={"note": A_EVENT})
    audit_record(actor=None, committee=committee_b, verb="member.updated", payload={"note": B_EVENT})
    return committee_a


def text_filter(max_length: int) -> Callable[[str], bool]:
    """Whether a string is accepted as a text filter and so must match nothing (digits alone may
    match a phone number, which staff may search by)."""
    return lambda s: "\x00" not in s and 0 < len(s.strip()) <= max_length and not s.strip().lstrip("-").isdigit()


@dataclass(frozen=True)
class Param:
    surface: str  # "page" or "api"
    url: str
    name: str
    own_marker: list[str]  # rows of the caller's committee the plain list shows
    foreign_marker: str  # a row of the other committee: never shown
    accepted_matches_nothing: Callable[[str], bool] | None = None  # for text searches
    base: tuple[tuple[str, str], ...] = ()  # other parameters sent along (a search needs its words)


MEMBER_PAGE = ("page", "/members/", A_NAMES, B_NAME)
MEMBER_API = ("api", "/api/v1/members?page_size=100", A_NAMES, B_NAME)
AUDIT_PAGE = ("page", "/audit/", [A_EVENT], B_EVENT)
AUDIT_API = ("api", "/api/v1/audit/events?page_size=100", [A_EVENT], B_EVENT)
SEARCH_PAGE = ("page", "/search/", A_DOCS, B_DOC)
SEARCH_API = ("api", "/api/v1/search", A_DOCS, B_DOC)


def _params() -> list[Param]:
    params = []
    for surface, url, own, foreign in [MEMBER_PAGE, MEMBER_API]:
        params.append(Param(surface, url, "q", own, foreign, text_filter(50)))
        for name in ["sector", "party", "special_committee", "state", "page"]:
            params.append(Param(surface, url, name, own, foreign))
    params.append(Param("api", MEMBER_API[1], "page_size", A_NAMES, B_NAME))
    for surface, url, own, foreign in [AUDIT_PAGE, AUDIT_API]:
        for name, length in [("verb", 64), ("actor", 50), ("object_type", 64), ("object_id", 64)]:
            params.append(Param(surface, url, name, own, foreign, text_filter(length)))
        for name in ["date_from", "date_to", "page"]:
            params.append(Param(surface, url, name, own, foreign))
    params.append(Param("api", AUDIT_API[1], "page_size", [A_EVENT], B_EVENT))
    for surface, url, own, foreign in [SEARCH_PAGE, SEARCH_API]:
        # The page cuts a query to 200 characters and searches its first 64; the API refuses 1,000+.
        params.append(Param(surface, url, "q", own, foreign, text_filter(5000 if surface == "page" else 1000)))
        for name in ["kind", "session", "state", "category", "unit", "date_from", "date_to", "page"]:
            params.append(Param(surface, url, name, own, foreign, base=tuple(SEARCH_BASE.items())))
    params.append(Param("api", SEARCH_API[1], "page_size", A_DOCS, B_DOC, base=tuple(SEARCH_BASE.items())))
    for url in ["/api/v1/org/sectors", "/api/v1/notifications", "/api/v1/committees"]:
        for name in ["page", "page_size"]:
            params.append(Param("api", url, name, [], B_NAME))
    params.append(Param("api", "/api/v1/notifications", "unread", [], B_NAME))
    params.append(Param("page", "/notifications/", "page", [], B_NAME))
    return params


PARAMS = _params()


@pytest.fixture
def admin(client, admin_a):
    client.force_login(admin_a)
    return client


@pytest.mark.parametrize("param", PARAMS, ids=lambda p: f"{p.surface}:{p.url.split('?')[0]}:{p.name}")
def test_hostile_strings_in_a_search_or_filter_parameter_are_harmless(admin, data, param):
    members, events = Member.objects.count(), Event.objects.count()
    for value in INJECTIONS:
        response = admin.get(param.url, {**dict(param.base), param.name: value})
        assert response.status_code < 500, (param, value)
        assert response.status_code in {200, 400, 422}, (param, value, response.status_code)
        if response.status_code != 200:
            assert response["Content-Type"].startswith("application/json" if param.surface == "api" else "text/html")
            continue
        body = response.content.decode()
        assert param.foreign_marker not in body, (param, value)
        if param.accepted_matches_nothing and param.accepted_matches_nothing(value):
            for marker in param.own_marker:
                assert marker not in body, (param, value, "an accepted search matched rows")
        if param.surface == "api" and "count" in response.json():
            assert response.json()["count"] <= (len(param.own_marker) if param.own_marker else 1_000_000)
    # The tables are still there and nothing was written by a read.
    assert Member.objects.count() == members
    assert Event.objects.count() == events


@pytest.mark.parametrize("url", ["/members/", "/audit/", "/search/", "/api/v1/members", "/api/v1/audit/events",
                                 "/api/v1/search"])
def test_several_hostile_parameters_at_once_are_harmless(admin, data, url):
    names = ["q", "sector", "party", "special_committee", "state", "verb", "actor", "object_type", "object_id",
             "date_from", "date_to", "page", "page_size", "kind", "session", "category", "unit"]
    for value in INJECTIONS:
        response = admin.get(url, {name: value for name in names})
        assert response.status_code in {200, 400, 422}, (url, value)
        body = response.content.decode()
        assert B_NAME not in body and B_EVENT not in body and B_DOC not in body


@pytest.mark.parametrize("value", INJECTIONS)
def test_hostile_committee_selectors_are_refused_before_the_database(admin, data, value):
    # A header cannot carry NUL; without it the value may be empty, which means "my default committee".
    header = value.replace("\x00", "")
    for kwargs in [{"HTTP_X_COMMITTEE": header}, {"data": {"committee": value}}]:
        response = admin.get("/api/v1/members", **kwargs)
        expected = {200} if kwargs.get("HTTP_X_COMMITTEE", None) == "" else {400, 403}
        assert response.status_code in expected, (value, response.status_code)
        assert B_NAME not in response.content.decode()


@pytest.mark.parametrize("value", ["1' OR '1'='1", "1;DROP TABLE members_member", "1%00", "-1", "1e3", "%27"])
def test_hostile_ids_in_paths_are_404_or_422(admin, data, value):
    for url in [f"/members/{value}/", f"/api/v1/members/{value}", f"/api/v1/attachments/{value}",
                f"/org/sectors/{value}/", f"/api/v1/org/{value}"]:
        response = admin.get(url)
        assert response.status_code in {404, 405, 422}, (url, response.status_code)


@pytest.mark.parametrize("value", INJECTIONS)
def test_hostile_login_identifiers_log_nobody_in(client, data, value):
    response = client.post("/accounts/login/", {"identifier": value, "password": PASSWORD})
    assert response.status_code in {200, 429}
    assert "_auth_user_id" not in client.session
    token = Client().post("/api/v1/auth/token", {"username": value, "password": PASSWORD},
                          content_type="application/json")
    assert token.status_code in {401, 422, 429}
    assert not ApiToken.objects.exists()


def test_a_token_request_with_an_injected_password_gets_no_token(client, data):
    for password in ["' OR '1'='1", "' OR 1=1 --", "*", "%"]:
        response = client.post("/api/v1/auth/token", {"username": "admin_a", "password": password},
                               content_type="application/json")
        assert response.status_code in {401, 429}
    assert not ApiToken.objects.exists()


def test_a_bearer_token_made_of_sql_is_refused(client, data, admin_a):
    for key in ["zx_' OR '1'='1", "' OR 1=1 --", "zx_%", "zx_\\", "zx_" + "a" * 5000]:
        assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401
    key, _ = api_token_issue(user=admin_a)
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key[:-1]}%").status_code == 401
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


@pytest.mark.parametrize("url,fields", [
    ("/org/sectors/add/", {"name": "界别\x00"}),
    ("/org/sectors/{sector}/", {"name": "界别\x00", "is_active": "1"}),
    ("/members/{member}/transitions/suspend/", {"reason": "原因\x00", "version": "0"}),
])
def test_nul_characters_in_page_writes_are_refused_or_dropped_never_a_500(admin, data, url, fields):
    from zhengxie.org.models import Sector

    admin.raise_request_exception = False
    member = Member.objects.filter(committee=data).first()
    sector = Sector.objects.filter(committee=data).first()
    response = admin.post(url.format(sector=sector.pk, member=member.pk), fields)
    assert response.status_code < 500
    assert not any("\x00" in name for name in Sector.objects.values_list("name", flat=True))
    assert not any("\\u0000" in json.dumps(e.payload) or "\x00" in json.dumps(e.payload) for e in Event.objects.all())
