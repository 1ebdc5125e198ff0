"""A member writes a joint proposal on their phone, invites a colleague, who accepts, and then submits it.

The server is shared by the tests of a session: each run writes a proposal of its own (titled per viewport)
and leaves the other demo data as it found it. Screenshots of each step land in test-results/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from e2e.support import log_in, log_out, submit, visit

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parent.parent / "test-results"
VIEWPORT_NAME = {"desktop": "桌面", "phone": "手机"}


def _shot(page: Page, device: str, step: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"proposals-member-{device}-{step}.png"), full_page=True)


def _nav(page: Page, label: str) -> None:
    submit(page, page.get_by_role("navigation", name="主导航").get_by_role("link", name=label, exact=True))


def _card(page: Page, title: str):
    return page.locator("li.pitem", has=page.get_by_role("link", name=title, exact=True))


def test_a_member_writes_a_joint_proposal_a_colleague_cosigns_and_it_is_submitted(page, device):
    title = f"关于在老旧小区加装电梯的提案（{VIEWPORT_NAME[device]}）"

    # 张丽华 writes the proposal and asks 孙浩 to co-sign.
    log_in(page, "member")
    _nav(page, "提案")
    expect(page.get_by_role("heading", level=1)).to_have_text("我的提案")
    submit(page, page.get_by_role("link", name="写提案"))
    page.get_by_label("标题（必填）").fill(title)
    page.get_by_label("案由", exact=True).fill("我区有老旧小区住宅楼三百余栋，多为六层以下无电梯住宅，老年居民上下楼困难。")
    page.get_by_label("建议", exact=True).fill("1. 设立加装电梯专项补贴；2. 简化审批流程，推行一站式办理；3. 由街道牵头协调低层住户意见。")
    page.get_by_label("类别", exact=True).select_option(label="社会建设")
    page.get_by_role("radio", name="委员联名").check()
    expect(page.get_by_role("button", name="提交", exact=True)).to_be_hidden()  # a joint draft invites first
    expect(page.get_by_label("会议", exact=True)).not_to_have_value("")
    # The similar-proposals panel has answered for what was typed (demo data may or may not hold any).
    expect(page.locator("#similar-panel")).not_to_contain_text("填写标题和正文后", timeout=5_000)
    _shot(page, device, "1-write")
    submit(page, page.get_by_role("button", name="邀请联名"))

    expect(page.get_by_role("heading", level=1)).to_have_text("邀请联名")
    expect(page.get_by_role("status")).to_contain_text("草稿已保存")
    expect(page.get_by_role("checkbox", name=re.compile("张丽华"))).to_have_count(0)  # not oneself
    page.get_by_label("查找委员").fill("孙浩")
    submit(page, page.get_by_role("button", name="查找"))
    page.get_by_role("checkbox", name=re.compile("孙浩")).check()
    _shot(page, device, "2-invite")
    submit(page, page.get_by_role("button", name="发出邀请"))

    expect(page.get_by_role("status")).to_contain_text("已向 1 位委员发出联名邀请")
    card = _card(page, title)
    expect(card).to_contain_text("征集联名")
    expect(card).to_contain_text("待确认 1 人")
    expect(card.get_by_role("button", name="提交")).to_have_count(0)
    _shot(page, device, "3-cosigning")
    log_out(page)

    # 孙浩 finds the invitation among his to-dos and accepts it.
    log_in(page, "member2")
    submit(page, page.get_by_role("link", name=re.compile(r"件提案邀请您联名")))
    invitation = page.locator("#invitations li.pitem", has=page.get_by_role("link", name=title, exact=True))
    expect(invitation).to_contain_text("张丽华 邀请您联名")
    _shot(page, device, "4-invitation")
    submit(page, invitation.get_by_role("button", name="同意联名"))
    expect(page.get_by_role("status")).to_contain_text(f"您已同意联名提案《{title}》")
    expect(_card(page, title)).to_contain_text("联名")
    log_out(page)

    # 张丽华 submits it from her list.
    log_in(page, "member")
    _nav(page, "提案")
    card = _card(page, title)
    expect(card).to_contain_text("已联名 1 人")
    submit(page, card.get_by_role("button", name="提交"))
    expect(page.get_by_role("status")).to_contain_text(f"已提交：{title}")
    card = _card(page, title)
    expect(card).to_contain_text("待审查")
    _shot(page, device, "5-submitted")
    submit(page, card.get_by_role("link", name=title, exact=True))
    expect(page.get_by_role("heading", level=1)).to_contain_text("待审查")
    expect(page.locator("dl.facts")).to_contain_text("孙浩")


def test_a_title_over_the_limit_is_cut_by_the_field_and_the_form_keeps_the_text(page, device):
    log_in(page, "member2")
    visit(page, "/proposals/new/")
    page.get_by_label("标题（必填）").fill("关" * 120)
    expect(page.get_by_label("标题（必填）")).to_have_value("关" * 100)  # maxlength stops at 100 characters
    page.get_by_label("建议", exact=True).fill("草稿里的建议")
    page.get_by_label("标题（必填）").fill("")
    submit(page, page.get_by_role("button", name="保存草稿"), status=400)
    expect(page.get_by_role("alert")).to_contain_text("请修正")
    expect(page.locator("main")).to_contain_text("请填写标题。")
    expect(page.get_by_label("建议", exact=True)).to_have_value("草稿里的建议")
    _shot(page, device, "6-error")


def test_a_member_opens_a_reply_to_rate_and_an_empty_rating_is_refused(page, device):
    # The demo data gives 张丽华 replied proposals to rate; nothing is saved here, so other tests still find them.
    log_in(page, "member")
    _nav(page, "提案")
    to_rate = page.locator("#group-to_rate li.pitem").first
    title = to_rate.locator(".ptitle").inner_text()
    submit(page, to_rate.get_by_role("link", name="评价答复"))
    expect(page.get_by_role("heading", level=1)).to_have_text("评价答复")
    expect(page.get_by_role("heading", name="承办单位的答复")).to_be_visible()
    expect(page.get_by_role("group", name=re.compile("对办理工作"))).to_be_visible()
    expect(page.get_by_role("radio", name="基本满意")).to_have_count(2)
    _shot(page, device, "7-evaluate")
    page.get_by_label("意见和建议").fill("希望加快进度。")
    submit(page, page.get_by_role("button", name="提交评价"), status=400)
    expect(page.get_by_role("alert")).to_contain_text("请修正")
    expect(page.locator("main")).to_contain_text("请评价办理工作。")
    expect(page.get_by_label("意见和建议")).to_have_value("希望加快进度。")
    _nav(page, "提案")
    expect(page.locator("#group-to_rate")).to_contain_text(title)  # still waiting for a rating


def test_a_returned_proposal_opens_with_the_offices_advice_beside_the_text(page, device):
    # The demo data returns one of 张丽华's proposals; she only looks here, so it stays returned.
    log_in(page, "member")
    _nav(page, "提案")
    returned = page.locator("#group-returned li.pitem").first
    advice = returned.locator(".advice-quote").inner_text().removeprefix("修改意见：").strip()
    submit(page, returned.get_by_role("link", name="修改后重新提交"))
    expect(page.get_by_role("heading", level=1)).to_have_text("修改提案")
    aside = page.get_by_role("complementary", name="提案委员会的修改意见")
    expect(aside).to_contain_text(advice[:20])
    expect(page.get_by_role("button", name="重新提交")).to_be_visible()
    _shot(page, device, "8-returned")
    if device == "desktop":  # beside the text, not above or below it
        text_box, advice_box = page.get_by_label("标题（必填）").bounding_box(), aside.bounding_box()
        assert advice_box["x"] > text_box["x"] + text_box["width"]
