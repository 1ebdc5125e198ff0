"""Every demo role logs in through the form, walks its navigation, and logs out; on a desktop and a phone.

Each page reached goes through support.check_page: HTTP status, console (CSP) errors, axe-core WCAG 2.1 AA,
and no sideways scrolling.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from e2e.support import PERSONAS, log_out, main_nav, submit, visit

pytestmark = pytest.mark.e2e

COMMITTEE = "中国人民政治协商会议清源市云湖区委员会"
# The <h1> each navigation entry leads to.
NAV_HEADINGS = {
    "委员": "委员名录",
    "提案": "我的提案",
    "提案办理": re.compile(r"^(提案审查交办|重点督办)$"),  # the office's desk; a leader's 重点督办 screen
    # 社情民意 starts where the role works: the editors' desk, my items, the signing list, the issues.
    "社情民意": re.compile(r"^(社情民意编辑工作台|我的社情民意|待签发的社情民意|社情民意期刊)$"),
    "组织机构": COMMITTEE,
    "审计日志": "审计日志",
    "账号与角色": "账号与角色",
    "检索": "检索",
    "通知": "通知",
}
# Who may write proposals lands on 我的提案; the others (units, leaders, admins, editors) on the 提案 hub.
WRITES_PROPOSALS = {"clerk", "member", "member2"}
OWN_PHONES = {"leader": "13900000005", "member": "13900000006", "member2": "13900000007"}


def _h1(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def _follow_nav(page: Page, label: str) -> None:
    submit(page, page.get_by_role("navigation", name="主导航").get_by_role("link", name=label, exact=True))


@pytest.mark.parametrize("username", list(PERSONAS))
def test_each_demo_role_logs_in_walks_its_navigation_and_logs_out(logged_in, username):
    page = logged_in(username)
    persona = PERSONAS[username]
    expect(page.locator(".userbox")).to_contain_text(persona.name)
    assert main_nav(page) == list(persona.nav)
    # Pages the home page links to, visited after the walk (each page once keeps the run short).
    password_url = page.get_by_role("link", name="修改密码").get_attribute("href")
    assert password_url
    profile = page.get_by_role("link", name="我的委员信息")
    profile_url = profile.get_attribute("href") if username in OWN_PHONES else None
    if username not in OWN_PHONES:
        expect(profile).to_have_count(0)

    for label in persona.nav[1:]:
        _follow_nav(page, label)
        heading = "提案" if label == "提案" and username not in WRITES_PROPOSALS else NAV_HEADINGS[label]
        expect(_h1(page)).to_have_text(heading)
        if label != "委员":
            continue
        extra = [page.get_by_role("link", name=n).get_attribute("href") for n in ("新增委员", "导入名册")
                 if username == "admin"]
        submit(page, page.locator("table tbody tr").first.get_by_role("link"))
        expect(_h1(page).locator(".badge")).to_be_visible()
        if username == "admin":
            submit(page, page.get_by_role("link", name="修改信息"))
            expect(_h1(page)).to_contain_text("的信息")
            for url, heading in zip(extra, ("新增委员", "导入委员名册")):
                visit(page, url)
                expect(_h1(page)).to_have_text(heading)
        else:
            expect(page.get_by_role("link", name="修改信息")).to_have_count(0)
            expect(page.get_by_role("button", name="暂停履职")).to_have_count(0)

    if profile_url:
        visit(page, profile_url)
        expect(_h1(page)).to_contain_text(persona.name)
        expect(page.locator("dl.facts")).to_contain_text(OWN_PHONES[username])  # their own phone, unmasked
    visit(page, password_url)
    expect(_h1(page)).to_have_text("修改密码")

    log_out(page)


def test_a_wrong_password_is_refused_with_a_chinese_message(page):
    visit(page, "/accounts/login/")
    page.get_by_label("用户名或手机号").fill("member2")
    page.get_by_label("密码", exact=True).fill("not-the-password")
    submit(page, page.get_by_role("button", name="登录", exact=True))
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码不正确")
    assert page.url.endswith("/accounts/login/")
    expect(page.get_by_role("navigation", name="主导航")).to_have_count(0)


def test_a_member_who_opens_staff_pages_gets_the_chinese_403_page(logged_in):
    page = logged_in("member")
    assert "审计日志" not in main_nav(page)
    for path in ("/audit/", "/accounts/roles/", "/members/import/"):
        visit(page, path, status=403)
        expect(page).to_have_title("无权访问 · 云湖区政协")
        expect(_h1(page)).to_have_text("您没有权限进行此操作。")
        expect(page.get_by_role("link", name="返回首页")).to_be_visible()


def test_tab_from_the_top_reaches_the_skip_link_first_and_it_moves_focus_to_main(logged_in):
    page = logged_in("clerk")
    visit(page, "/members/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到主要内容")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, "the focused skip link must be on screen"
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('main') !== null"), (
        "the next Tab after the skip link must land inside the main content"
    )
