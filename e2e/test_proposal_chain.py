"""The whole proposal chain 提、立、办、督、评, through the pages, each person at their own screen.

张丽华 (member) writes a joint proposal and invites 孙浩 (member2), who accepts; she submits it. 刘晓燕 (clerk)
registers it on her desk and assigns it 主办+协办: the education bureau (周海涛, the demo `unit` account) leads,
the finance bureau assists. The finance bureau has no demo account, so this module gives it a clerk, 吴敏
(`chain_unit2`), in the server's database. 吴敏 signs and sends the bureau's opinion; 周海涛 signs, reads it and
replies with grade B. 张丽华 is not satisfied; 刘晓燕 orders 重新办理 from the detail page; 周海涛 replies again with
grade A; both proposers rate it 满意, so it closes (办结), and the statistics count it and list it.

Every person keeps a browser context of their own for the whole run (one login each), so the chain stays fast.
The server is shared by the tests of a session: each run makes a proposal of its own, titled per viewport.
Screenshots of the key steps land in test-results/.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from e2e import support
from e2e.conftest import _SERVER_LOG, DEVICES, ROOT, _child_env
from e2e.support import log_in, submit, visit

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parent.parent / "test-results"
VIEWPORT_NAME = {"desktop": "桌面", "phone": "手机"}

UNIT2 = "chain_unit2"
UNIT2_NAME = "吴敏"
LEAD_UNIT = "区教育局"  # 周海涛's unit in the demo data
ASSIST_UNIT = "区财政局"

_CREATE_UNIT2 = f"""
from zhengxie.accounts.models import Role, RoleGrant, User
from zhengxie.accounts.services import account_create, role_grant
from zhengxie.org.models import Unit
home = RoleGrant.objects.get(user__username="unit", role=Role.UNIT_HANDLER).committee
user = User.objects.filter(username={UNIT2!r}).first() or account_create(
    actor=None, username={UNIT2!r}, display_name={UNIT2_NAME!r}, password={support.DEMO_PASSWORD!r},
    committee=home)
role_grant(actor=None, user=user, committee=home, role=Role.UNIT_HANDLER,
           unit=Unit.objects.get(committee=home, name={ASSIST_UNIT!r}), title="办公室科员")
"""


@pytest.fixture(scope="module")
def assisting_clerk(request: pytest.FixtureRequest, server: str) -> str:
    """A clerk for the finance bureau, made in the server's own database the way e2e/conftest.py runs
    manage.py against it (same var dir, and on PostgreSQL the same scratch database)."""
    env = _child_env(request.config.stash[_SERVER_LOG].parent)
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith(("postgres://", "postgresql://", "pgsql://")):
        env["DATABASE_URL"] = urlunparse(urlparse(database_url)._replace(path=f"/zhengxie_e2e_{os.getpid()}"))
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", _CREATE_UNIT2], cwd=ROOT, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"could not create {UNIT2}:\n{done.stdout}\n{done.stderr}"
    return UNIT2


@pytest.fixture
def screen(browser: Browser, server: str, device: str) -> Iterator[Callable[[str], Page]]:
    """`screen("clerk")`: that person's own browser (same device as the test), logged in once."""
    contexts = []

    def _screen(username: str) -> Page:
        context = browser.new_context(base_url=server, locale="zh-CN", timezone_id="Asia/Shanghai",
                                      **DEVICES[device])
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        support.watch(page)
        if username == UNIT2:
            _log_in_unlisted(page, UNIT2, UNIT2_NAME)
        else:
            log_in(page, username)
        return page

    yield _screen
    for context in contexts:
        for p in context.pages:
            support.unwatch(p)
        context.close()


def _log_in_unlisted(page: Page, username: str, name: str) -> None:
    """`support.log_in` for an account that is not one of the seven demo personas."""
    visit(page, "/accounts/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码", exact=True).fill(support.DEMO_PASSWORD)
    submit(page, page.get_by_role("button", name="登录", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{name}，您好")


def _shot(page: Page, device: str, step: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"proposal-chain-{device}-{step}.png"), full_page=True)


def _status(page: Page) -> Locator:
    return page.get_by_role("status")


def _heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def _unit_item(page: Page, section: str, title: str) -> Locator:
    link = page.get_by_role("link", name=title, exact=True)
    return page.locator(f"section#{section} li.unit-item", has=link)


def _desk_item(page: Page, title: str) -> Locator:
    return page.locator("li.desk-item", has=page.get_by_role("link", name=title, exact=True))


def _mine_card(page: Page, title: str, group: str = "") -> Locator:
    scope = f"#group-{group} " if group else ""
    return page.locator(f"{scope}li.pitem", has=page.get_by_role("link", name=title, exact=True))


def _closed_count(page: Page, query: str = "") -> int:
    visit(page, "/proposals/stats/" + query)
    card = page.locator("li.stat-card", has=page.locator(".stat-label", has_text=re.compile("^办结$")))
    return int(card.locator(".stat-value").inner_text())


def _my_proposals(page: Page) -> None:
    submit(page, page.get_by_role("navigation", name="主导航").get_by_role("link", name="提案", exact=True))


def _rate(page: Page, title: str, handling: str, result: str, comment: str) -> None:
    _my_proposals(page)
    submit(page, _mine_card(page, title, "to_rate").get_by_role("link", name="评价答复"))
    expect(_heading(page)).to_have_text("评价答复")
    for group, rating in (("对办理工作", handling), ("对办理结果", result)):
        fieldset = page.get_by_role("group", name=re.compile(group))
        fieldset.get_by_role("radio", name=rating, exact=True).check()
    page.get_by_label("意见和建议").fill(comment)
    submit(page, page.get_by_role("button", name="提交评价"))
    expect(_status(page)).to_contain_text(f"提案《{title}》的评价已提交")


def _today(page: Page, days_ago: int = 0) -> str:
    """Today (or `days_ago` before) in Beijing time, as the server (TIME_ZONE Asia/Shanghai) and the browser
    context count days."""
    return page.evaluate(f"() => new Date(Date.now() - {days_ago} * 86400000).toLocaleDateString('sv-SE')")


def _reply(page: Page, grade: str, text: str) -> None:
    """周海涛 fills the reply form on the answer page and sends it."""
    page.get_by_label("答复内容（必填）").fill(text)
    page.get_by_role("radio", name=re.compile(f"^{grade} 类")).check()
    page.get_by_role("radio", name="电话").check()
    page.get_by_label("沟通日期（必填）").fill(_today(page))
    page.get_by_label("签发领导（必填）").fill("王明 局长")


def test_a_joint_proposal_goes_from_draft_through_a_redo_to_closed_and_is_counted(
        page, device, screen, assisting_clerk):
    title = f"关于推进县域义务教育优质均衡发展的提案（{VIEWPORT_NAME[device]}）"

    # 提 — 张丽华 writes a joint proposal and invites 孙浩.
    member = page
    log_in(member, "member")
    visit(member, "/proposals/new/")
    member.get_by_label("标题（必填）").fill(title)
    member.get_by_label("案由", exact=True).fill("城乡学校之间师资、设施差距仍然较大，乡村学校骨干教师流失明显。")
    member.get_by_label("建议", exact=True).fill("1. 推行县管校聘和教师轮岗交流；2. 城区优质学校与乡村学校结对办学；3. 设立乡村教师专项津贴。")
    member.get_by_label("类别", exact=True).select_option(label="社会建设")
    member.get_by_role("radio", name="委员联名").check()
    submit(member, member.get_by_role("button", name="邀请联名"))
    member.get_by_label("查找委员").fill("孙浩")
    submit(member, member.get_by_role("button", name="查找"))
    member.get_by_role("checkbox", name=re.compile("孙浩")).check()
    submit(member, member.get_by_role("button", name="发出邀请"))
    expect(_status(member)).to_contain_text("已向 1 位委员发出联名邀请")

    # 孙浩 accepts from his to-do list.
    member2 = screen("member2")
    submit(member2, member2.get_by_role("link", name=re.compile(r"件提案邀请您联名")))
    link = member2.get_by_role("link", name=title, exact=True)
    invitation = member2.locator("#invitations li.pitem", has=link)
    submit(member2, invitation.get_by_role("button", name="同意联名"))
    expect(_status(member2)).to_contain_text(f"您已同意联名提案《{title}》")

    # 张丽华 submits it.
    _my_proposals(member)
    card = _mine_card(member, title)
    expect(card).to_contain_text("已联名 1 人")
    submit(member, card.get_by_role("button", name="提交"))
    expect(_status(member)).to_contain_text(f"已提交：{title}")
    href = _mine_card(member, title).get_by_role("link", name=title, exact=True).get_attribute("href")
    pk = int(re.search(r"/proposals/(\d+)/$", href or "").group(1))  # type: ignore[union-attr]
    _shot(member, device, "1-submitted")

    # 立 — 刘晓燕 registers it on her desk (noting the 办结 count first) and assigns it 主办+协办.
    clerk = screen("clerk")
    closed_before = _closed_count(clerk)
    visit(clerk, "/proposals/desk/")
    clerk.get_by_label("标题或案号").fill("义务教育优质均衡")
    submit(clerk, clerk.get_by_role("button", name="筛选"))
    item = _desk_item(clerk, title)
    expect(item).to_contain_text(f"收文 {pk}")
    submit(clerk, item.get_by_role("button", name=re.compile("^立案")))
    expect(_status(clerk)).to_contain_text(f"已立案：{title}")
    submit(clerk, clerk.get_by_role("link", name=re.compile("^已立案待交办")))
    submit(clerk, _desk_item(clerk, title).get_by_role("link", name=re.compile("^交办")))
    expect(_heading(clerk)).to_have_text("交办提案")
    clerk.get_by_label("主办单位").select_option(label=LEAD_UNIT)
    clerk.get_by_role("radio", name="主办+协办").check()
    assisting = clerk.get_by_role("group", name=re.compile("协办单位"))
    assisting.get_by_role("checkbox", name=ASSIST_UNIT, exact=True).check()
    _shot(clerk, device, "2-assign")
    submit(clerk, clerk.get_by_role("button", name="交办", exact=True))
    expect(_status(clerk)).to_contain_text(f"已交办：{title}")
    expect(_status(clerk)).to_contain_text(f"主办 {LEAD_UNIT}")
    expect(_status(clerk)).to_contain_text(f"协办 {ASSIST_UNIT}")

    # 办 — 吴敏 of the finance bureau signs for it and sends the bureau's opinion to the lead unit.
    assist = screen(assisting_clerk)
    visit(assist, "/proposals/inbox/")
    submit(assist, _unit_item(assist, "pending", title).get_by_role("button", name="签收"))
    expect(_status(assist)).to_contain_text(f"已签收：{title}")
    submit(assist, _unit_item(assist, "handling", title).get_by_role("link", name="提交协办意见"))
    expect(_heading(assist)).to_have_text("协办意见")
    assist.get_by_label("协办意见（必填）").fill("我局将统筹安排乡村教师专项津贴资金，纳入下年度财政预算。")
    _shot(assist, device, "3-opinion")
    submit(assist, assist.get_by_role("button", name="提交协办意见"))
    expect(_status(assist)).to_contain_text(f"已将协办意见送主办单位：{title}")

    # 周海涛 signs, reads the opinion, and replies with grade B.
    unit = screen("unit")
    submit(unit, unit.get_by_role("link", name=re.compile(r"件交办提案待签收")))
    submit(unit, _unit_item(unit, "pending", title).get_by_role("button", name="签收"))
    expect(_status(unit)).to_contain_text(f"已签收：{title}")
    item = _unit_item(unit, "handling", title)
    expect(item).to_contain_text("已收到 1 / 1")
    submit(unit, item.get_by_role("link", name="答复"))
    opinions = unit.get_by_role("region", name=re.compile("协办单位意见"))
    expect(opinions).to_contain_text("已收到 1 / 1")
    expect(opinions).to_contain_text("纳入下年度财政预算")
    _reply(unit, "B", "经研究，我局已制定教师轮岗交流方案，计划于下学年起分批实施。")
    _shot(unit, device, "4-reply-b")
    submit(unit, unit.get_by_role("button", name="提交答复"))
    expect(_status(unit)).to_contain_text(f"已答复，提案人将收到答复并进行评价：{title}")

    # 评 — 张丽华 is not satisfied; the proposal waits (孙浩 has not rated, and a 不满意 may be redone).
    _rate(member, title, "不满意", "不满意", "答复只有计划，没有时间表，请重新办理。")
    visit(member, f"/proposals/{pk}/")
    expect(_heading(member)).to_contain_text("已答复")

    # 督 — 刘晓燕 orders 重新办理 from the detail page.
    visit(clerk, f"/proposals/{pk}/")
    expect(clerk.get_by_role("region", name="答复")).to_contain_text("B 正在解决或列入计划")
    submit(clerk, clerk.get_by_role("button", name="重新办理", exact=True))
    expect(_status(clerk)).to_contain_text(f"已重新办理：{title}")
    expect(_heading(clerk)).to_contain_text("重新办理")
    _shot(clerk, device, "5-rehandle")

    # 周海涛 sees the rating that sent it back and replies again, now with grade A.
    visit(unit, "/proposals/inbox/")
    submit(unit, _unit_item(unit, "rehandling", title).get_by_role("link", name="重新答复"))
    expect(_heading(unit)).to_have_text("重新答复提案")
    expect(unit.get_by_role("region", name="提案人对上次答复的评价")).to_contain_text("没有时间表")
    _reply(unit, "A", "我局已印发教师轮岗交流实施办法，本学期起全县 46 所学校全部实施，乡村教师津贴已纳入预算。")
    submit(unit, unit.get_by_role("button", name="提交答复"))
    expect(_status(unit)).to_contain_text(f"已答复，提案人将收到答复并进行评价：{title}")

    # Both proposers rate the second reply 满意; the last rating closes it.
    _rate(member, title, "满意", "满意", "")
    visit(member, f"/proposals/{pk}/")
    expect(_heading(member)).to_contain_text("已答复")  # 孙浩 has not rated yet
    _rate(member2, title, "满意", "满意", "落实有力。")
    visit(member2, f"/proposals/{pk}/")
    expect(_heading(member2)).to_contain_text("办结")
    replies = member2.get_by_role("region", name="答复")
    expect(replies).to_contain_text("重新办理")
    expect(replies).to_contain_text("A 已解决或采纳")
    _shot(member2, device, "6-closed")

    # The statistics count it: 办结 is one more, and today's 办结 list links to it.
    assert _closed_count(clerk) == closed_before + 1
    # From yesterday: a run that crosses midnight in Beijing submitted it the day before.
    clerk.get_by_label("收到日期自").fill(_today(clerk, days_ago=1))
    clerk.get_by_label("至", exact=True).fill(_today(clerk))
    submit(clerk, clerk.get_by_role("button", name="统计"))
    closed_card = clerk.locator("li.stat-card", has=clerk.locator(".stat-label", has_text=re.compile("^办结$")))
    submit(clerk, closed_card.get_by_role("link"))
    expect(_heading(clerk)).to_contain_text("办结")
    row = clerk.locator("tr", has=clerk.get_by_role("link", name=title, exact=True))
    expect(row).to_contain_text("办结")
    _shot(clerk, device, "7-stats-list")
    submit(clerk, row.get_by_role("link", name=title, exact=True))
    assert urlparse(clerk.url).path == f"/proposals/{pk}/"
    expect(_heading(clerk)).to_contain_text("办结")
