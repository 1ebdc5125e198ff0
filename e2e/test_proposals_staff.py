"""The proposal office registers and assigns a proposal from its desk; a leader follows it as a key proposal.

The proposal is made through the pages: 张丽华 (member) writes and submits it; 刘晓燕 (clerk) finds it on
the desk, looks at the similar proposals, registers it, and assigns it to a lead unit taken from the routing
suggestion plus an assisting unit; she makes it a key proposal led by 赵志刚 (leader), who leaves a 督办 note
from his screen. The server is shared by the tests of a session: each run makes a proposal of its own, titled
per viewport. Screenshots of each step land in test-results/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from e2e.support import log_in, log_out, submit, visit

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parent.parent / "test-results"
VIEWPORT_NAME = {"desktop": "桌面", "phone": "手机"}


def _shot(page: Page, device: str, step: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"proposals-staff-{device}-{step}.png"), full_page=True)


def _shot_of(locator: Locator, device: str, step: str) -> None:
    """A close-up of one part of the page, readable at phone width."""
    SHOTS.mkdir(exist_ok=True)
    locator.screenshot(path=str(SHOTS / f"proposals-staff-{device}-{step}.png"))


def _item(page: Page, title: str) -> Locator:
    return page.locator("li.desk-item", has=page.get_by_role("link", name=title, exact=True))


def _submitted_by_the_member(page: Page, title: str) -> int:
    log_in(page, "member")
    visit(page, "/proposals/new/")
    page.get_by_label("标题（必填）").fill(title)
    page.get_by_label("案由", exact=True).fill(
        "我区部分中小学校园周边交通拥堵，上下学时段家长接送车辆占道停放，学生步行安全隐患突出。")
    page.get_by_label("建议", exact=True).fill(
        "1. 教育部门会同交警在学校周边设置护学岗和临时停车区；2. 推广错峰放学；3. 开通定制校车线路。")
    page.get_by_label("类别", exact=True).select_option(label="社会建设")
    submit(page, page.get_by_role("button", name="提交", exact=True))
    expect(page.get_by_role("status")).to_contain_text(title)
    pk = int(re.search(r"/proposals/(\d+)/$", page.url).group(1))  # type: ignore[union-attr]
    log_out(page)
    return pk


def test_the_clerk_registers_and_assigns_with_a_suggested_lead_and_an_assisting_unit(page, device):
    title = f"关于改善中小学校园周边交通安全的提案（{VIEWPORT_NAME[device]}）"
    pk = _submitted_by_the_member(page, title)

    # 刘晓燕 opens her desk from the to-do list: it starts on 待审查, newest first.
    log_in(page, "clerk")
    submit(page, page.get_by_role("link", name=re.compile(r"待审查提案 \d+ 件")))
    expect(page.get_by_role("heading", level=1)).to_have_text("提案审查交办")
    expect(page.get_by_role("link", name=re.compile("^待审查")).first).to_have_attribute("aria-current", "page")
    page.get_by_label("标题或案号").fill("校园周边交通安全")
    submit(page, page.get_by_role("button", name="筛选"))
    item = _item(page, title)
    expect(item).to_contain_text("张丽华")
    expect(item).to_contain_text(f"收文 {pk}")

    # She looks at the similar proposals (loaded when opened), then registers it.
    item.locator("summary", has_text="查看相似提案").click()
    expect(item.locator(".similar-body")).not_to_contain_text("正在查找", timeout=5_000)
    _shot(page, device, "1-desk")
    _shot_of(item, device, "1b-desk-item")
    submit(page, item.get_by_role("button", name=re.compile("^立案")))
    expect(page.get_by_role("status")).to_contain_text(f"已立案：{title}")
    assert "q=" in page.url  # back on the desk with her filter kept

    # On 已立案待交办 she opens 交办.
    submit(page, page.get_by_role("link", name=re.compile("^已立案待交办")))
    item = _item(page, title)
    expect(item).to_contain_text(re.compile(r"第\d{4}号"))
    submit(page, item.get_by_role("link", name=re.compile("^交办")))
    expect(page.get_by_role("heading", level=1)).to_have_text("交办提案")
    expect(page.get_by_label("办理期限（必填）")).to_have_value(re.compile(r"\d{4}-\d{2}-\d{2}"))

    # The routing panel suggests units; 采用 puts the first one in as the lead unit.
    adopt = page.locator("#routing-panel").get_by_role("button", name=re.compile("^采用 ")).first
    expect(adopt).to_be_visible(timeout=10_000)
    lead_name = adopt.inner_text().removeprefix("采用 ").strip()
    adopt.click()
    lead = page.get_by_label("主办单位")
    expect(lead.locator("option:checked")).to_have_text(lead_name)
    # 主办+协办: the assisting units appear; she ticks one that is not the lead.
    expect(page.get_by_role("group", name=re.compile("协办单位"))).to_be_hidden()
    page.get_by_role("radio", name="主办+协办").check()
    assisting = page.get_by_role("group", name=re.compile("协办单位"))
    expect(assisting).to_be_visible()
    expect(page.get_by_role("group", name=re.compile("分办单位"))).to_be_hidden()
    choice = assisting.locator("label.check").filter(has_not_text=lead_name).first
    assist_name = choice.inner_text().strip()
    choice.get_by_role("checkbox").check()
    _shot(page, device, "2-assign")
    _shot_of(page.locator("#assign-form"), device, "2b-assign-form")
    submit(page, page.get_by_role("button", name="交办", exact=True))

    status = page.get_by_role("status")
    expect(status).to_contain_text(f"已交办：{title}")
    expect(status).to_contain_text(f"主办 {lead_name}")
    expect(status).to_contain_text(f"协办 {assist_name}")
    submit(page, page.get_by_role("link", name=re.compile("^已交办")))
    expect(_item(page, title)).to_contain_text(f"主办 {lead_name}；协办 {assist_name}")
    _shot(page, device, "3-assigned")

    # A key proposal, with 赵志刚 leading its supervision.
    submit(page, _item(page, title).get_by_role("link", name=re.compile("^列为重点")))
    page.get_by_label("列为重点提案").check()
    page.get_by_label("领衔督办领导").select_option(label="赵志刚")
    submit(page, page.get_by_role("button", name="保存"))
    expect(page.get_by_role("status")).to_contain_text(f"已列为重点提案，领衔督办：赵志刚：{title}")
    log_out(page)

    # 赵志刚 sees it first on his screen and leaves a note in one step.
    log_in(page, "leader")
    submit(page, page.get_by_role("navigation", name="主导航").get_by_role("link", name="提案办理"))
    expect(page.get_by_role("heading", level=1)).to_have_text("重点督办")
    mine = page.locator("section", has=page.get_by_role("heading", name=re.compile("我领衔督办")))
    item = mine.locator("li.desk-item", has=page.get_by_role("link", name=title, exact=True))
    item.get_by_label(re.compile("^督办批注")).fill("请主办单位两周内报送护学岗设置方案。")
    _shot(page, device, "4-leader")
    _shot_of(item, device, "4b-leader-item")
    submit(page, item.get_by_role("button", name="督办"))
    expect(page.get_by_role("status")).to_contain_text(f"已记录督办批注：{title}")
    item = page.locator("li.desk-item", has=page.get_by_role("link", name=title, exact=True)).first
    expect(item).to_contain_text("最近督办")
    expect(item).to_contain_text("请主办单位两周内报送护学岗设置方案")
    visit(page, "/proposals/overdue/")
    expect(page.get_by_role("heading", level=1)).to_have_text("逾期提案")
    _shot(page, device, "5-overdue")
