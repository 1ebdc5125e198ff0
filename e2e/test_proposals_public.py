"""Public proposals in a real browser: the office publishes a proposal, an anonymous visitor finds and reads it.

The member drafts and submits and the clerk registers through the JSON API (the pages for those steps have
tests of their own); the clerk's 公开设置 page and every public page go through visit()/submit(), so each is
checked for status, console errors, WCAG 2.1 AA (axe) and sideways scrolling, on a desktop and on a phone.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from e2e.support import log_out, submit, visit

pytestmark = pytest.mark.e2e

DEMO_MEMBER_PHONE = "13900000006"  # 张丽华's phone in the demo: never on a public page
# One proposal per device run, with a word no other proposal has, so each run finds exactly its own.
SUBJECT = {"desktop": "共享工具屋", "phone": "共享雨伞站"}


def _api(page: Page, method: str, path: str, body: dict | None = None) -> dict:
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.fetch(f"/api/v1{path}", method=method, data=json.dumps(body or {}),
                                  headers={"X-CSRFToken": csrf, "Content-Type": "application/json"})
    assert response.ok, f"{method} {path} answered {response.status}: {response.text()}"
    return response.json()


def _registered_proposal(page: Page, logged_in, subject: str) -> tuple[int, str]:
    title = f"关于在城关街道试点{subject}的提案"
    logged_in("member")
    p = _api(page, "POST", "/proposals", {
        "title": title, "category": "society",
        "reason": f"居民家中闲置工具和雨具多，借用不便。试点{subject}可以方便群众、减少浪费。",
        "suggestion": f"由街道提供场地，社区志愿者管理，先在两个社区试点{subject}，总结经验后推广。",
    })
    _api(page, "POST", f"/proposals/{p['id']}/transitions/submit")
    log_out(page)
    logged_in("clerk")
    _api(page, "POST", f"/proposals/{p['id']}/transitions/register")
    return p["id"], title


def test_the_office_publishes_a_proposal_and_an_anonymous_visitor_finds_and_reads_it(page: Page, logged_in, device):
    subject = SUBJECT[device]
    pk, title = _registered_proposal(page, logged_in, subject)

    # The clerk: 公开设置 → 可公开.
    visit(page, f"/proposals/{pk}/publication/")
    expect(page.get_by_role("heading", level=1)).to_have_text("公开设置")
    page.get_by_label("可公开").check()
    submit(page, page.get_by_role("button", name="保存公开设置"))
    expect(page.get_by_role("status")).to_contain_text("已设为可公开")
    expect(page.get_by_role("link", name="已在公开页面刊登")).to_be_visible()
    log_out(page)

    # Anyone, without logging in: choose the committee, search, open the proposal.
    visit(page, "/proposals/public/")
    expect(page.get_by_role("heading", level=1)).to_have_text("公开提案")
    submit(page, page.locator(".public-committees a").first)
    expect(page.get_by_role("heading", level=1)).to_contain_text("公开提案")
    page.get_by_role("searchbox", name="搜索公开提案").fill(subject)
    submit(page, page.get_by_role("button", name="搜索", exact=True))
    results = page.get_by_role("region", name="检索结果")
    expect(results.get_by_role("listitem")).to_have_count(1)
    expect(results).to_contain_text("张丽华")
    submit(page, results.get_by_role("link", name=title))

    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    main = page.locator("main")
    expect(main).to_contain_text("张丽华")
    expect(main).to_contain_text("教育界")
    expect(main).to_contain_text("承办单位正在办理")
    assert DEMO_MEMBER_PHONE not in page.content()

    # Back to the list: the proposal is there without a search too.
    submit(page, page.get_by_role("link", name=re.compile("^返回")))
    expect(page.get_by_role("link", name=title)).to_be_visible()


def test_an_unpublished_proposal_is_not_found_by_an_anonymous_visitor(page: Page, logged_in, device):
    pk, _ = _registered_proposal(page, logged_in, SUBJECT[device] + "二")
    log_out(page)
    # The server runs with DEBUG on (as `make run`), so a raised 404 is Django's technical page: ask, don't visit.
    assert page.request.get(f"/proposals/public/{pk}/").status == 404
    visit(page, "/proposals/public/?committee=no-such-committee", status=404)
    expect(page.get_by_role("alert")).to_contain_text("没有找到代码为")
