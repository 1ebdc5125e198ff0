"""Search and the similar-items tool in a real browser, on a desktop and a phone.

Every page goes through support.check_page (status, console/CSP, axe WCAG 2.1 AA, no sideways scrolling).
The demo registers no searchable kinds yet (proposals and 社情民意 come later), so these tests walk the
pages' states that need no data: the first visit, a search that finds nothing, ignored filters, the
hints for unusable queries, and the similar-items form.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from e2e.support import submit, visit

pytestmark = pytest.mark.e2e


def _h1(page: Page):
    return page.get_by_role("heading", level=1)


def test_a_member_searches_from_the_navigation_and_gets_a_polite_answer(logged_in):
    page = logged_in("member")
    submit(page, page.get_by_role("navigation", name="主导航").get_by_role("link", name="检索", exact=True))
    expect(_h1(page)).to_have_text("检索")
    page.get_by_label("搜索", exact=True).fill("老旧小区 加装电梯")
    submit(page, page.get_by_role("button", name="搜索", exact=True))
    expect(page.get_by_role("heading", name="检索结果")).to_be_visible()
    expect(page.get_by_label("搜索", exact=True)).to_have_value("老旧小区 加装电梯")


def test_filters_open_and_invalid_ones_are_ignored_with_a_note(logged_in):
    page = logged_in("clerk")
    visit(page, "/search/?q=校园&unit=abc&date_from=2026-13-45")
    expect(page.get_by_role("status").filter(has_text="已忽略")).to_contain_text("承办单位")
    expect(page.locator("details.search-filters")).to_have_attribute("open", "")
    expect(page.get_by_label("承办单位")).to_be_visible()
    submit(page, page.get_by_role("link", name="清除筛选条件"))
    expect(page.get_by_role("status").filter(has_text="已忽略")).to_have_count(0)


@pytest.mark.parametrize("query,hint", [("！？", "没有可以检索的文字"), ("校园周边" * 20, "搜索词过长")])
def test_an_unusable_query_gets_a_hint(logged_in, query, hint):
    page = logged_in("member")
    visit(page, "/search/")
    page.get_by_label("搜索", exact=True).fill(query)
    submit(page, page.get_by_role("button", name="搜索", exact=True))
    expect(page.get_by_role("status").filter(has_text=hint)).to_be_visible()


def test_a_clerk_pastes_a_text_into_the_similar_items_tool(logged_in):
    page = logged_in("clerk")
    visit(page, "/search/")
    submit(page, page.get_by_role("link", name="查找相似事项"))
    expect(_h1(page)).to_have_text("相似事项查找")
    submit(page, page.get_by_role("button", name="查找"))
    expect(page.get_by_role("alert")).to_contain_text("请填写标题或正文")
    page.get_by_label("标题").fill("关于老旧小区加装电梯的建议")
    page.get_by_label("正文").fill("我区老旧小区多为六层住宅，老年住户上下楼困难，建议简化加装电梯审批流程，提高财政补贴比例。")
    page.get_by_label("在全平台范围查找").check()
    submit(page, page.get_by_role("button", name="查找"))
    expect(page.locator("#similar-heading")).to_contain_text("相似事项")  # "（N）" follows when the demo has matches
    expect(page.get_by_label("在全平台范围查找")).to_be_checked()
