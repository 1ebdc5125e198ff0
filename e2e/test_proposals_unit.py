"""A handling unit's clerk signs for a proposal and replies to it, on a phone as on a desktop.

The proposal is made through the pages, as the people who do it would: 张丽华 (member) writes and submits
it, 刘晓燕 (proposal office) registers it and assigns it to the education bureau, whose clerk 周海涛 (unit)
then works it from his inbox. The server is shared by the tests of a session: each run makes a proposal of
its own, titled per viewport. Screenshots of the unit's steps land in test-results/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from e2e.support import log_in, log_out, submit, visit
from zhengxie.attachments.tests.samples import pdf

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parent.parent / "test-results"
VIEWPORT_NAME = {"desktop": "桌面", "phone": "手机"}


def _shot(page: Page, device: str, step: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"proposals-unit-{device}-{step}.png"), full_page=True)


def _item(page: Page, section: str, title: str) -> Locator:
    link = page.get_by_role("link", name=title, exact=True)
    return page.locator(f"section#{section} li.unit-item", has=link)


def _assigned_to_the_education_bureau(page: Page, title: str) -> int:
    """张丽华 submits a proposal, 刘晓燕 registers it and assigns it to the bureau alone; returns its id."""
    log_in(page, "member")
    visit(page, "/proposals/new/")
    page.get_by_label("标题（必填）").fill(title)
    page.get_by_label("案由", exact=True).fill("部分中小学课后服务内容单一，家长下班晚，接孩子难。")
    page.get_by_label("建议", exact=True).fill("1. 丰富课后服务内容；2. 将课后服务时间延长至 18 时。")
    page.get_by_label("类别", exact=True).select_option(label="社会建设")
    submit(page, page.get_by_role("button", name="提交", exact=True))
    expect(page.get_by_role("status")).to_contain_text(title)
    pk = int(re.search(r"/proposals/(\d+)/$", page.url).group(1))  # type: ignore[union-attr]
    log_out(page)

    log_in(page, "clerk")
    visit(page, f"/proposals/{pk}/")
    submit(page, page.get_by_role("button", name="立案", exact=True))
    visit(page, f"/proposals/{pk}/assign/")
    bureau = page.locator("select[name=lead] option", has_text="教育局").first
    page.get_by_label("主办单位").select_option(value=bureau.get_attribute("value"))
    submit(page, page.get_by_role("button", name="交办", exact=True))
    expect(page.get_by_role("status")).to_contain_text(title)
    log_out(page)
    return pk


def test_the_unit_clerk_signs_for_a_proposal_and_replies_with_a_letter(page, device, tmp_path):
    title = f"关于延长中小学课后服务时间的提案（{VIEWPORT_NAME[device]}）"
    pk = _assigned_to_the_education_bureau(page, title)

    # 周海涛 finds it among his to-dos and signs for it.
    log_in(page, "unit")
    submit(page, page.get_by_role("link", name=re.compile(r"件交办提案待签收")))
    expect(page.get_by_role("heading", level=1)).to_have_text("交办提案")
    item = _item(page, "pending", title)
    expect(item).to_contain_text("主办")
    expect(item).to_contain_text(re.compile(r"签收截止\s*\d{4}-\d{2}-\d{2}（还剩 \d+ 个工作日）"))
    _shot(page, device, "1-inbox")

    # He looks at asking for another unit, finds a reason is needed, and thinks better of it.
    submit(page, item.get_by_role("link", name="申请调整"))
    expect(page.get_by_role("heading", level=1)).to_have_text("申请调整承办单位")
    expect(page.locator("main")).to_contain_text(re.compile(r"申请截止：\d{4}-\d{2}-\d{2}"))
    submit(page, page.get_by_role("button", name="提交调整申请"), status=400)
    expect(page.get_by_role("alert")).to_contain_text("请填写申请调整的理由")
    _shot(page, device, "1b-reassign")
    submit(page, page.get_by_role("link", name="取消"))
    item = _item(page, "pending", title)
    submit(page, item.get_by_role("button", name="签收"))
    expect(page.get_by_role("status")).to_contain_text(f"已签收：{title}")
    item = _item(page, "handling", title)
    expect(item).to_contain_text(re.compile(r"办理期限\s*\d{4}-\d{2}-\d{2}（还剩 \d+ 天）"))
    _shot(page, device, "2-signed")

    # He answers: letter text, grade B, the phone call with the proposer, the signing leader, the letter file.
    submit(page, item.get_by_role("link", name="答复"))
    expect(page.get_by_role("heading", level=1)).to_have_text("答复提案")
    expect(page.locator("details.unit-text")).to_contain_text("将课后服务时间延长至 18 时")
    letter = tmp_path / "答复函.pdf"
    letter.write_bytes(pdf("reply"))
    page.get_by_label("答复内容（必填）").fill("经研究，我局将于下学期起在全区中小学推行课后服务“5+2”模式，服务时间延长至 18 时。")
    submit(page, page.get_by_role("button", name="提交答复"), status=400)  # no grade yet
    expect(page.get_by_role("alert")).to_contain_text("请修正")
    expect(page.locator("fieldset", has_text="办理结果")).to_contain_text("请选择办理结果")
    expect(page.get_by_label("答复内容（必填）")).to_have_value(re.compile("5\\+2"))
    _shot(page, device, "3-missing-grade")
    page.get_by_role("radio", name=re.compile("^B 类")).check()
    page.get_by_role("radio", name="电话").check()
    page.get_by_label("沟通日期（必填）").fill(page.evaluate("() => new Date().toLocaleDateString('sv-SE')"))
    page.get_by_label("签发领导（必填）").fill("王明 局长")
    page.get_by_label("答复函文件（可选）").set_input_files(str(letter))
    _shot(page, device, "4-reply")
    submit(page, page.get_by_role("button", name="提交答复"))

    expect(page.get_by_role("status")).to_contain_text(f"已答复，提案人将收到答复并进行评价：{title}")
    item = _item(page, "answered", title)
    expect(item).to_contain_text("B 类答复，尚未报告落实情况")
    _shot(page, device, "5-answered")

    # Later the promise is kept: he reports it fulfilled.
    submit(page, item.get_by_role("link", name="报告落实情况"))
    expect(page.get_by_role("link", name="答复函.pdf")).to_be_visible()
    page.get_by_label("落实情况（必填）").fill("全区 32 所中小学已全部推行课后服务“5+2”模式。")
    submit(page, page.get_by_role("button", name="报告已落实"))
    expect(page.get_by_role("status")).to_contain_text("已报告落实情况")
    expect(page.locator("main")).to_contain_text("全区 32 所中小学已全部推行")
    _shot(page, device, "6-fulfilled")
    assert f"/proposals/{pk}/answer/" in page.url
