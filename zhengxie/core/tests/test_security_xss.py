"""Stored (and reflected) XSS: Chinese text mixed with markup goes in through the real pages and API
and comes back escaped on every page that shows it, and as plain JSON from the API.

Free-text fields covered: member name, ethnicity and employer/title (form and roster import); the
names of every organisation list (page and API); a role's title and a new account's display name;
transition reasons (shown in the audit log); attachment file names; notification texts; plus the
values pages echo back (search boxes, filters, the login page's `next`).

On an HTML page the raw markup must never appear, and where the page shows the value its escaped
form must be there (so a page that silently dropped the value does not pass for a safe one). A JSON
answer must be `application/json` with nosniff and carry the value unchanged (JSON is not HTML).
"""

from __future__ import annotations

import io
import json
import re
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils.html import escape

from zhengxie.accounts.models import Role, User
from zhengxie.attachments.tests import samples
from zhengxie.members.models import Member
from zhengxie.notifications.services import notify
from zhengxie.org.lists import LISTS
from zhengxie.org.models import Party, Sector, SpecialCommittee, Unit, Workstation
from zhengxie.testing.factories import make_member
from zhengxie.textindex.tests.conftest import index_doc, testdoc_source  # noqa: F401  (fixtures; the second autouse)

PAYLOADS = [
    "张三<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>委员',
    "javascript:alert('政协')",
    "<svg/onload=alert(1)>",
    "{{7*7}}",
    "</textarea><script>",
    "李四' onmouseover='alert(1)",
    "王五<iframe src=//evil.example>",
]
# For fields of at most 20 characters (民族).
SHORT = {p: p if len(p) <= 20 else s for p, s in zip(PAYLOADS, [
    "<script>汉</script>", '"><img src=x>族', "javascript:alert(1)", "<svg/onload=alert()>", "{{7*7}}",
    "</textarea><script>", "汉' onclick='alert()", "<iframe src=//x>族"], strict=True)}

# Raw fragments that only a payload could have put on a page.
DANGEROUS = ["<script>", "<img src=x", "<svg/onload", "</textarea><script>", "' onmouseover='", "' onclick='",
             "<iframe src=", '"><img']
JS_URL = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def html_of(response) -> str:
    assert response.status_code < 500
    return response.content.decode()


def assert_safe_html(html: str, where: str) -> None:
    for fragment in DANGEROUS:
        assert fragment not in html, f"{where}: raw {fragment!r}"
    assert not JS_URL.search(html), f"{where}: javascript: URL in an attribute"


def assert_shown_escaped(html: str, value: str, where: str) -> None:
    """Safe, and the value is there in escaped form ("{{7*7}}" stays itself: no template evaluated it)."""
    assert_safe_html(html, where)
    assert escape(value) in html, f"{where}: {value!r} is not shown (escaped)"


def get_json(client: Client, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response["Content-Type"] == "application/json; charset=utf-8", url
    assert response["X-Content-Type-Options"] == "nosniff", url
    return response.json()


def contains(data: Any, value: str) -> bool:
    if isinstance(data, str):
        return value in data
    if isinstance(data, dict):
        return any(contains(v, value) for v in data.values())
    if isinstance(data, list):
        return any(contains(v, value) for v in data)
    return False


@pytest.fixture
def admin(client, admin_a):
    client.force_login(admin_a)
    return client


def pages_show(client: Client, value: str, urls: list[str]) -> None:
    for url in urls:
        assert_shown_escaped(html_of(client.get(url)), value, url)


# --- members ---------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_member_name_ethnicity_and_employer_come_back_escaped(admin, committee_a, member_a, payload):
    sector = Sector.objects.filter(committee=committee_a).first()
    response = admin.post("/members/new/", {"name": payload, "ethnicity": SHORT[payload], "employer_title": payload,
                                            "sector": sector.pk, "title": "member", "gender": "男"})
    assert response.status_code == 302, html_of(response)[:500]
    member = Member.objects.get(committee=committee_a, name=payload)
    assert (member.ethnicity, member.employer_title) == (SHORT[payload], payload)
    edited = payload + "（改）"
    admin.post(f"/members/{member.pk}/edit/", {"name": payload, "ethnicity": SHORT[payload], "sector": sector.pk,
                                               "employer_title": edited, "title": "member", "gender": "男",
                                               "version": member.version})
    assert Member.objects.get(pk=member.pk).employer_title == edited

    pages_show(admin, payload, ["/members/", f"/members/{member.pk}/", f"/members/{member.pk}/edit/",
                                "/audit/?verb=member", "/"])
    pages_show(admin, SHORT[payload], [f"/members/{member.pk}/", f"/members/{member.pk}/edit/"])
    pages_show(admin, edited, [f"/members/{member.pk}/", "/audit/?verb=member.updated"])
    # A plain member sees the directory and the profile too.
    viewer = Client()
    viewer.force_login(member_a)
    pages_show(viewer, payload, ["/members/", f"/members/{member.pk}/"])

    one = get_json(admin, f"/api/v1/members/{member.pk}")
    assert (one["name"], one["ethnicity"], one["employer_title"]) == (payload, SHORT[payload], edited)
    assert contains(get_json(admin, "/api/v1/members?page_size=100"), payload)
    assert contains(get_json(admin, "/api/v1/audit/events?verb=member"), payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_roster_file_with_markup_is_reported_and_listed_escaped(admin, committee_a, payload):
    import openpyxl

    def roster(sector: str) -> io.BytesIO:
        workbook = openpyxl.Workbook()
        workbook.active.append(["姓名", "性别", "民族", "出生年月", "界别", "党派", "工作单位及职务", "手机号", "专委会"])
        workbook.active.append([payload, "男", SHORT[payload], "1970.05", sector, "", payload, "13655550002", ""])
        out = io.BytesIO()
        workbook.save(out)
        out.seek(0)
        out.name = "名册.xlsx"
        return out

    bad_sector = "界别" + SHORT[payload]
    report = admin.post("/members/import/", {"file": roster(bad_sector)})
    assert report.status_code == 400
    assert_shown_escaped(html_of(report), bad_sector, "roster report")
    assert admin.post("/members/import/", {"file": roster("教育界")}).status_code == 302
    member = Member.objects.get(committee=committee_a, phone="13655550002")
    pages_show(admin, member.name, ["/members/", f"/members/{member.pk}/"])
    assert get_json(admin, f"/api/v1/members/{member.pk}")["employer_title"] == member.employer_title


# --- organisation lists ----------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_org_list_names_come_back_escaped_on_every_page_that_lists_them(admin, client, committee_a, payload):
    for kind in LISTS:
        assert admin.post(f"/org/{kind}/add/", {"name": payload}).status_code == 302
        response = admin.post(f"/api/v1/org/{kind}", json.dumps({"name": payload + "（接口）"}),
                              content_type="application/json")
        assert response.status_code == 201, response.content
        assert response.json()["name"] == payload + "（接口）"
        assert contains(get_json(admin, f"/api/v1/org/{kind}?page_size=100"), payload)
    for model in (Sector, Party, SpecialCommittee, Workstation, Unit):
        assert model.objects.filter(committee=committee_a, name=payload).exists()
    # Renaming goes through the page too.
    sector = Sector.objects.get(committee=committee_a, name=payload)
    renamed = payload + "界"
    admin.post(f"/org/sectors/{sector.pk}/", {"name": renamed, "is_active": "1"})

    pages_show(admin, payload, ["/org/", "/members/", "/members/new/", "/accounts/roles/", "/audit/?verb=org"])
    pages_show(admin, renamed, ["/org/", "/members/", "/audit/?verb=org.item_updated"])
    assert contains(get_json(admin, "/api/v1/audit/events?verb=org"), payload)

    # Where a list entry is shown as part of something else: a member's sector, a unit clerk's unit.
    member = make_member(committee_a, name="普通委员")
    Member.objects.filter(pk=member.pk).update(sector=sector, party=Party.objects.get(committee=committee_a,
                                                                                      name=payload))
    pages_show(admin, renamed, [f"/members/{member.pk}/"])
    unit = Unit.objects.get(committee=committee_a, name=payload)
    assert admin.post("/accounts/roles/", {"username": "xss_unit", "display_name": "经办人", "password": "Good-pass-2026",
                                           "role": Role.UNIT_HANDLER, "unit": unit.pk}).status_code == 302
    clerk = Client()
    clerk.force_login(User.objects.get(username="xss_unit"))
    pages_show(clerk, payload, ["/", "/org/"])


# --- accounts and roles ----------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_new_accounts_name_and_a_role_title_come_back_escaped(admin, committee_a, payload):
    response = admin.post("/accounts/roles/", {"username": "xss_person", "display_name": payload,
                                               "password": "Good-pass-2026", "role": Role.COMMITTEE_ADMIN,
                                               "title": payload})
    assert response.status_code == 302, html_of(response)[:300]
    person = User.objects.get(username="xss_person")
    assert person.display_name == payload
    pages_show(admin, payload, ["/accounts/roles/", "/audit/?verb=account"])

    # The person themself: the greeting, the header, and what they do under their name.
    own = Client()
    own.force_login(person)
    pages_show(own, payload, ["/", "/notifications/", "/accounts/password/"])
    assert get_json(own, "/api/v1/me")["user"]["display_name"] == payload
    own.post("/org/sectors/add/", {"name": "新设界别"})
    pages_show(admin, payload, ["/audit/?verb=org"])
    assert contains(get_json(admin, "/api/v1/audit/events?verb=org"), payload)


# --- transition reasons ----------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_transition_reasons_come_back_escaped_in_the_audit_log(admin, committee_a, payload):
    member = make_member(committee_a, name="待处理委员")
    admin.post(f"/members/{member.pk}/transitions/suspend/", {"reason": payload, "version": "0"})
    assert Member.objects.get(pk=member.pk).state == "suspended"
    admin.post(f"/members/{member.pk}/transitions/reinstate/", {"version": "1"})
    response = admin.post(f"/api/v1/members/{member.pk}/transitions/leave",
                          json.dumps({"reason": payload + "（接口）"}), content_type="application/json")
    assert response.status_code == 200
    pages_show(admin, payload, ["/audit/?verb=member", f"/audit/?object_id={member.pk}"])
    pages_show(admin, payload + "（接口）", ["/audit/?verb=member.leave"])
    assert_safe_html(html_of(admin.get(f"/members/{member.pk}/")), "member detail")
    events = get_json(admin, "/api/v1/audit/events?verb=member")
    assert contains(events, payload) and contains(events, payload + "（接口）")


# --- attachment names ------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_attachment_names_come_back_harmless(admin, committee_a, payload):
    response = admin.post("/api/v1/attachments", {"file": samples.upload(payload + ".pdf", samples.pdf())})
    assert response.status_code == 201
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    name = body["name"]
    assert "<" not in name and ">" not in name and '"' not in name and name.endswith(".pdf")
    assert get_json(admin, f"/api/v1/attachments/{body['id']}")["name"] == name
    pages_show(admin, name, ["/audit/?verb=attachment", "/"])
    assert contains(get_json(admin, "/api/v1/audit/events?verb=attachment"), name)
    download = admin.get(body["url"])
    disposition = download["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert disposition.endswith("filename*=UTF-8''" + quote(name, safe=""))
    assert download["Content-Type"] == "application/pdf"


# --- notifications ---------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_notification_texts_come_back_escaped(admin, admin_a, committee_a, payload):
    notify(committee=committee_a, recipients=[admin_a], verb="test", title=payload, body=payload + "正文", url="/")
    pages_show(admin, payload, ["/notifications/"])
    pages_show(admin, payload + "正文", ["/notifications/"])
    assert contains(get_json(admin, "/api/v1/notifications"), payload)


@pytest.mark.parametrize("url", ["javascript:alert('政协')", "//evil.example/", "https://evil.example/"])
def test_a_notification_link_is_never_a_javascript_or_foreign_url(admin, admin_a, committee_a, url):
    with pytest.raises(ValueError):
        notify(committee=committee_a, recipients=[admin_a], verb="test", title="链接", url=url)
    assert not JS_URL.search(html_of(admin.get("/notifications/")))


# --- indexed text (search results, similar items, routing examples) ----------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_indexed_titles_and_texts_come_back_escaped_with_only_our_own_marks(admin, admin_a, member_a, committee_a,
                                                                           index_doc, payload):
    title = f"{payload}关于校园安全的建议"
    body = f"校园安全隐患突出，{payload}，建议加强巡查和安全教育，完善校园周边治安防控。"
    index_doc(committee_a, title, body, audience="members", url="/proposals/1/", unit_id=Unit.objects.filter(
        committee=committee_a).first().pk)
    text = {"title": title, "body": body}
    viewer = Client()
    viewer.force_login(member_a)
    for client in (admin, viewer):
        results = html_of(client.get("/search/", {"q": "校园安全"}))
        assert_shown_escaped(results, payload, "search results")
        assert "<mark>校园安全</mark>" in results
        similar = html_of(client.post("/search/similar/", text))
        assert_shown_escaped(similar, payload, "similar items")
        assert "疑似重复" in similar  # the item is listed, not silently dropped
        panel = html_of(client.post("/search/similar/panel/", text, HTTP_HX_REQUEST="true"))
        assert_shown_escaped(panel, payload, "similar panel")
    routing = html_of(admin.post("/search/routing/panel/", text, HTTP_HX_REQUEST="true"))
    assert_shown_escaped(routing, payload, "routing panel")

    hit = get_json(admin, f"/api/v1/search?q={quote('校园安全')}")["items"][0]
    assert hit["title"] == title
    assert escape(payload) in hit["title_html"] and escape(payload) in hit["snippet_html"]
    assert_safe_html(hit["title_html"] + hit["snippet_html"], "search API html fields")
    response = admin.post("/api/v1/search/similar", json.dumps(text), content_type="application/json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    item = response.json()[0]
    assert item["title"] == title
    assert_safe_html(" ".join(item["passages_html"]), "similar API passages")


# --- values pages echo back ------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_search_and_filter_values_are_echoed_escaped(admin, payload):
    for url, shown in [(f"/members/?q={quote(payload)}", payload),
                       (f"/audit/?actor={quote(payload)}", payload),
                       (f"/search/?q={quote(payload)}", payload),
                       (f"/search/?q=校园&state={quote(payload)}", payload),
                       (f"/search/?q=校园&kind={quote(payload)}", payload)]:
        assert_shown_escaped(html_of(admin.get(url)), shown, url)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_login_pages_next_and_identifier_are_echoed_escaped(client, db, payload):
    page = html_of(client.get(f"/accounts/login/?next={quote(payload)}"))
    assert_shown_escaped(page, payload, "login next")
    failed = html_of(client.post(f"/accounts/login/?next={quote(payload)}",
                                 {"identifier": payload, "password": "wrong-pass-1"}))
    assert_shown_escaped(failed, payload, "login identifier")


def test_api_errors_are_json_never_html_even_for_markup_in_the_path(client, db):
    response = client.get("/api/v1/" + quote("<script>alert(1)</script>"))
    assert response.status_code in {401, 404}
    assert response["Content-Type"].startswith("application/json")
    assert "<script>" not in response.content.decode()
