"""The 社情民意 chain through the pages, each person at their own screen, on a desktop and a phone.

张丽华 (member) writes an item and submits it. 陈思远 (editor) adopts it on his desk and edits it; the item page
shows his version beside her original with the changes marked. 赵志刚 (leader) signs it from his signing list.
陈思远 composes an issue of 《社情民意专递》, publishes it (numbered on publication) and forwards the item to the
parent committee. The demo has one county only, so this module gives it a parent, 清源市政协, with an editor of
its own, 林若溪 (`opinion_city_editor`), made in the server's database. 林若溪 finds the item on her desk (sent up
from 云湖区政协), adopts it and records a 批示 of the city's 副市长. 张丽华's 我的社情民意 then shows the city's
adoption and the 批示. Every page is checked by axe; screenshots of the key steps land in test-results/.
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
CITY_EDITOR = "opinion_city_editor"
CITY_EDITOR_NAME = "林若溪"
CITY = "清源市政协"

_MAKE_CITY = f"""
from zhengxie.accounts.models import Role, RoleGrant, User
from zhengxie.accounts.services import account_create, role_grant
from zhengxie.org.models import Committee
county = RoleGrant.objects.get(user__username="editor", role=Role.OPINION_STAFF).committee
city, _ = Committee.objects.get_or_create(code="e2e-qingyuan-city", defaults=dict(
    name="中国人民政治协商会议清源市委员会", short_name={CITY!r}, region_name="清源市", level=Committee.Level.CITY))
county.parent = city
county.save(update_fields=["parent"])
user = User.objects.filter(username={CITY_EDITOR!r}).first() or account_create(
    actor=None, username={CITY_EDITOR!r}, display_name={CITY_EDITOR_NAME!r}, password={support.DEMO_PASSWORD!r},
    committee=city)
if not RoleGrant.objects.filter(user=user, committee=city, role=Role.OPINION_STAFF).exists():
    role_grant(actor=None, user=user, committee=city, role=Role.OPINION_STAFF, title="信息科科员")
"""


@pytest.fixture(scope="module")
def parent_city(request: pytest.FixtureRequest, server: str) -> str:
    """A parent committee for the demo county, and an editor there, made in the server's own database the way
    e2e/conftest.py runs manage.py against it (same var dir; on PostgreSQL the same scratch database)."""
    env = _child_env(request.config.stash[_SERVER_LOG].parent)
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith(("postgres://", "postgresql://", "pgsql://")):
        env["DATABASE_URL"] = urlunparse(urlparse(database_url)._replace(path=f"/zhengxie_e2e_{os.getpid()}"))
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", _MAKE_CITY], cwd=ROOT, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"could not make the parent city:\n{done.stdout}\n{done.stderr}"
    return CITY


def _log_in_unlisted(page: Page, username: str, name: str) -> None:
    visit(page, "/accounts/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码", exact=True).fill(support.DEMO_PASSWORD)
    submit(page, page.get_by_role("button", name="登录", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{name}，您好")


@pytest.fixture
def screen(browser: Browser, server: str, device: str) -> Iterator[Callable[[str], Page]]:
    """`screen("editor")`: that person's own browser (same device as the test), logged in once."""
    contexts = []

    def _screen(username: str) -> Page:
        context = browser.new_context(base_url=server, locale="zh-CN", timezone_id="Asia/Shanghai", **DEVICES[device])
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        support.watch(page)
        if username == CITY_EDITOR:
            _log_in_unlisted(page, CITY_EDITOR, CITY_EDITOR_NAME)
        else:
            log_in(page, username)
        return page

    yield _screen
    for context in contexts:
        for p in context.pages:
            support.unwatch(p)
        context.close()


def _shot(page: Page, device: str, step: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"opinions-{device}-{step}.png"), full_page=True)


def _shot_of(locator: Locator, device: str, step: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    locator.screenshot(path=str(SHOTS / f"opinions-{device}-{step}.png"))


def _status(page: Page) -> Locator:
    return page.get_by_role("status")


def _desk_item(page: Page, title: str) -> Locator:
    return page.locator("li.desk-item", has=page.get_by_role("link", name=title, exact=True))


def _nav(page: Page, label: str) -> None:
    submit(page, page.get_by_role("navigation", name="主导航").get_by_role("link", name=label, exact=True))


def test_an_item_goes_from_a_member_up_to_the_city_and_its_instruction_comes_back(screen, device, parent_city):
    title = f"关于在老旧小区加装电梯中统筹解决低层住户补偿的建议（{VIEWPORT_NAME[device]}）"
    original = ("我区老旧小区加装电梯推进较慢。主要原因是低层住户担心采光、噪声受影响，而补偿标准各小区自行协商，"
                "往往久拖不决。建议由区住建局牵头制定低层住户补偿指导标准，并设立协调专班，一梯一策化解矛盾。")
    edited = ("我区老旧小区加装电梯推进较慢，主要原因是低层住户担心采光、噪声受影响，而补偿标准由各小区自行协商，"
              "往往久拖不决。建议由区住建局牵头制定低层住户补偿指导标准，设立协调专班，一梯一策化解矛盾。")

    # 张丽华 writes on her phone or desktop: the count runs as she types; she submits.
    member = screen("member")
    _nav(member, "社情民意")
    expect(member.get_by_role("heading", level=1)).to_have_text("我的社情民意")
    submit(member, member.get_by_role("link", name="写社情民意"))
    member.get_by_label("标题（必填）").fill(title)
    member.get_by_label("正文", exact=True).fill(original)
    expect(member.locator(".char-count")).to_contain_text(f"已写 {len(original)} 字")
    expect(member.locator("#similar-panel")).not_to_contain_text("填写标题和正文后", timeout=10_000)
    _shot(member, device, "1-write")
    submit(member, member.get_by_role("button", name="提交", exact=True))
    expect(_status(member)).to_contain_text(f"已提交《{title}》")
    expect(member.get_by_role("heading", level=1)).to_contain_text("待处理")

    # 陈思远 adopts it from his desk (after a look at the similar items), then edits it.
    editor = screen("editor")
    _nav(editor, "社情民意")
    expect(editor.get_by_role("heading", level=1)).to_have_text("社情民意编辑工作台")
    editor.get_by_label("标题、作者或收文编号").fill("加装电梯")
    submit(editor, editor.get_by_role("button", name="筛选"))
    item = _desk_item(editor, title)
    expect(item).to_contain_text("张丽华")
    item.locator("summary", has_text="查看相似信息").click()
    expect(item.locator(".similar-body")).not_to_contain_text("正在查找", timeout=10_000)
    _shot(editor, device, "2-desk")
    _shot_of(item, device, "2b-desk-item")
    submit(editor, item.get_by_role("button", name=re.compile("^采用")))
    expect(_status(editor)).to_contain_text(f"已单篇采用：《{title}》")
    submit(editor, editor.get_by_role("link", name=re.compile("^已采用待编辑")))
    submit(editor, _desk_item(editor, title).get_by_role("link", name=re.compile("^编辑")))
    expect(editor.get_by_role("heading", level=1)).to_have_text("编辑信息")
    editor.get_by_label("编辑后的正文（必填）").fill(edited)
    _shot(editor, device, "3-revise")
    submit(editor, editor.get_by_role("button", name="保存编辑稿，送签发"))
    expect(_status(editor)).to_contain_text("已保存编辑稿")
    diff = editor.locator("section", has=editor.get_by_role("heading", name="编辑稿与原稿对照"))
    expect(diff.locator("ins").first).to_be_visible()
    expect(diff.locator("del").first).to_be_visible()
    _shot(editor, device, "4-diff")
    _shot_of(diff, device, "4b-diff")
    detail_url = urlparse(editor.url).path

    # 赵志刚 signs it from his list.
    leader = screen("leader")
    _nav(leader, "社情民意")
    expect(leader.get_by_role("heading", level=1)).to_have_text("待签发的社情民意")
    row = _desk_item(leader, title)
    _shot(leader, device, "5-sign")
    submit(leader, row.get_by_role("button", name="签发"))
    expect(_status(leader)).to_contain_text(f"已签发：《{title}》")

    # 陈思远 composes an issue with it and publishes it.
    submit(editor, editor.get_by_role("navigation", name="社情民意").get_by_role("link", name="期刊"))
    editor.get_by_label("主送", exact=True).fill("区委、区政府")
    editor.get_by_label("抄送", exact=True).fill("清源市政协")
    submit(editor, editor.get_by_role("button", name="新建"))
    expect(_status(editor)).to_contain_text("已新建《社情民意专递》")
    editor.get_by_role("checkbox", name=re.compile(re.escape(title))).check()
    submit(editor, editor.get_by_role("button", name="保存编排"))
    expect(editor.locator(".op-issue-items")).to_contain_text(title)
    _shot(editor, device, "6-issue")
    submit(editor, editor.get_by_role("button", name="印发本期"))
    expect(_status(editor)).to_contain_text(re.compile(r"已印发《社情民意专递》\d{4}年第\d+期"))
    issue_label = editor.get_by_role("heading", level=1).inner_text().split(" ")[0]

    # … and forwards the item to the city.
    visit(editor, detail_url)
    submit(editor, editor.get_by_role("button", name=f"报送{CITY}"))
    expect(_status(editor)).to_contain_text(f"已报送{CITY}")
    expect(editor.locator("section", has=editor.get_by_role("heading", name="各级情况"))).to_contain_text(CITY)

    # 林若溪 at the city finds it on her desk, adopts it and records the 副市长's 批示.
    city = screen(CITY_EDITOR)
    _nav(city, "社情民意")
    item = _desk_item(city, title)
    expect(item).to_contain_text("云湖区政协报送")
    _shot_of(item, device, "7-city-desk-item")
    submit(city, item.get_by_role("link", name=title, exact=True))
    submit(city, city.get_by_role("button", name="采用", exact=True))
    expect(_status(city)).to_contain_text(f"已单篇采用：《{title}》")
    city.locator("summary", has_text="登记批示").click()
    form = city.locator("form", has=city.get_by_role("heading", name="领导批示"))
    form.get_by_label("批示层级（必填）").select_option(label="市级")
    form.get_by_label("批示领导（必填）").fill("周明")
    form.get_by_label("领导职务").fill("副市长")
    form.get_by_label("批示内容（必填）").fill("请市住建局会同各区研究出台低层住户补偿指导意见。")
    submit(city, form.get_by_role("button", name="登记批示"))
    expect(_status(city)).to_contain_text("已登记批示")
    _shot(city, device, "8-city-item")

    # 张丽华's record shows all of it, down at the county where she wrote it.
    _nav(member, "社情民意")
    card = member.locator("li.op-credit", has=member.get_by_role("link", name=title, exact=True))
    expect(card).to_contain_text(issue_label)
    expect(card).to_contain_text(CITY)
    expect(card).to_contain_text("单篇采用")
    expect(card).to_contain_text("市级副市长周明")
    expect(card).to_contain_text("请市住建局会同各区研究出台低层住户补偿指导意见。")
    card.locator("summary", has_text="编辑对您的原稿作了修改").click()
    expect(card.locator("ins").first).to_be_visible()
    _shot(member, device, "9-mine")
    _shot_of(card, device, "9b-mine-card")


def test_the_public_writes_in_and_the_editor_combines_and_records_a_stack_of_instructions(page, device, parent_city):
    """A member of the public uses the form (no login); 陈思远 combines it with a member's item on the same
    matter, and enters 批示 from a stack on the batch page — a bad row first, refused with nothing recorded."""
    name = VIEWPORT_NAME[device]
    public_title = f"关于河滨公园夜间照明不足的建议（{name}）"
    visit(page, "/opinions/public/demo-county/")
    expect(page.get_by_role("heading", level=1)).to_have_text("向云湖区政协反映社情民意")
    page.get_by_label("姓名（必填）").fill("李阿姨")
    page.get_by_label("联系方式（必填）").fill("13700001234")
    page.get_by_label("标题（必填）").fill(public_title)
    page.get_by_label("正文（必填）").fill("河滨公园北段路灯损坏较多，晚上散步的老人孩子容易摔倒。建议尽快修复并增设照明。")
    _shot(page, device, "p1-public-form")
    page.wait_for_timeout(5_500)  # a person takes a few seconds; the form refuses bots that post at once
    submit(page, page.get_by_role("button", name="提交"))
    expect(page.get_by_role("heading", level=1)).to_have_text("已收到您反映的情况")
    expect(page.locator("main")).to_contain_text("收文编号")

    log_in(page, "member")
    member_title = f"关于河滨公园北段增设路灯的建议（{name}）"
    visit(page, "/opinions/new/")
    page.get_by_label("标题（必填）").fill(member_title)
    page.get_by_label("正文", exact=True).fill("河滨公园北段照明不足，夜间安全隐患突出，建议增设路灯。")
    submit(page, page.get_by_role("button", name="提交", exact=True))
    support.log_out(page)

    log_in(page, "editor")
    visit(page, "/opinions/desk/?q=" + "河滨公园")
    public_item = _desk_item(page, public_title)
    expect(public_item).to_contain_text("社会公众")
    public_item.get_by_role("checkbox").check()
    _desk_item(page, member_title).get_by_role("checkbox").check()
    expect(page.locator("[data-selected-count]")).to_have_text("已选 2 条")
    submit(page, page.get_by_role("button", name="综合采用", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("综合采用")
    page.get_by_label("综合稿标题（必填）").fill(f"关于改善河滨公园夜间照明的建议（{name}）")
    _shot(page, device, "p2-combine")
    submit(page, page.get_by_role("button", name="生成综合稿"))
    expect(page.get_by_role("status")).to_contain_text("已将 2 条信息综合为")
    expect(page.locator("dl.facts")).to_contain_text("李阿姨")  # the authors, credited
    piece_url = urlparse(page.url).path
    # The public submitter's contact is on the source's page, for the editors only.
    visit(page, "/opinions/desk/?tab=adopted&q=" + "夜间照明不足")
    submit(page, page.get_by_role("link", name=public_title, exact=True))
    expect(page.locator("dl.facts")).to_contain_text("13700001234")

    # A stack of 批示: a city-level one on an item never sent to the city is refused, nothing recorded.
    visit(page, "/opinions/instructions/")
    first = page.get_by_role("group", name="第 1 条")
    choice = first.get_by_label("信息").locator("option", has_text=f"关于改善河滨公园夜间照明的建议（{name}）")
    first.get_by_label("信息").select_option(value=choice.get_attribute("value"))
    first.get_by_label("批示层级").select_option(label="市级")
    first.get_by_label("批示领导", exact=True).fill("周明")
    first.get_by_label("批示内容").fill("请市城管局指导落实。")
    submit(page, page.get_by_role("button", name="全部登记"), status=409)
    expect(page.get_by_role("alert")).to_contain_text("第 1 条：这条信息没有报送到市级")
    _shot(page, device, "p3-batch-refused")
    first = page.get_by_role("group", name="第 1 条")
    first.get_by_label("批示层级").select_option(label="县（区）级")
    first.get_by_label("批示领导", exact=True).fill("王区长")
    submit(page, page.get_by_role("button", name="全部登记"))
    expect(page.get_by_role("status")).to_contain_text("已登记 1 条批示")
    visit(page, piece_url)
    expect(page.locator("section", has=page.get_by_role("heading", name="各级情况"))).to_contain_text("王区长")
    visit(page, "/opinions/issues/")
    _shot(page, device, "p4-issues")
