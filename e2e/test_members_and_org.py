"""What the committee office does with members and lists, and what a member sees of other members.

The server is shared by the tests of a session, so each test leaves the demo data as it found it or adds
names and phones of its own (different on the desktop and the phone run).
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Locator, Page, expect

from e2e.support import submit

pytestmark = pytest.mark.e2e

MASKED_PHONE = re.compile(r"^\d{3}\*{4}\d{4}$")
ROSTER_HEADER = ["姓名", "性别", "民族", "出生年月", "界别", "党派", "工作单位及职务", "手机号", "专委会"]
# Phones and names no demo member has, one set per viewport so both runs can import into the same server.
RUN_TAG = {"desktop": ("1990001", "桌面"), "phone": ("1990002", "手机")}


def _nav(page: Page, label: str) -> None:
    submit(page, page.get_by_role("navigation", name="主导航").get_by_role("link", name=label, exact=True))


def _state_badge(page: Page) -> Locator:
    return page.get_by_role("heading", level=1).locator(".badge")


def test_admin_suspends_and_reinstates_a_member_from_the_detail_page(logged_in):
    page = logged_in("admin")
    _nav(page, "委员")
    page.get_by_label("状态").select_option(label="在任")
    submit(page, page.get_by_role("button", name="查询"))
    submit(page, page.locator("table tbody tr").first.get_by_role("link"))
    expect(_state_badge(page)).to_have_text("在任")

    page.get_by_label("暂停履职原因").fill("因病请假，暂停履职三个月")
    submit(page, page.get_by_role("button", name="暂停履职", exact=True))
    expect(page.get_by_role("status")).to_contain_text("已暂停履职。")
    expect(_state_badge(page)).to_have_text("暂停履职")
    expect(page.get_by_role("button", name="暂停履职", exact=True)).to_have_count(0)

    submit(page, page.get_by_role("button", name="恢复履职"))
    expect(page.get_by_role("status")).to_contain_text("已恢复履职。")
    expect(_state_badge(page)).to_have_text("在任")


def test_admin_adds_a_sector_on_the_organisation_page(logged_in, device):
    page = logged_in("admin")
    _nav(page, "组织机构")
    name = f"新兴产业界（{RUN_TAG[device][1]}）"
    sectors = page.locator("section", has=page.get_by_role("heading", name=re.compile(r"^界别（\d+）$")))
    before = sectors.get_by_role("listitem").count()

    sectors.get_by_label("新增界别").fill(name)
    submit(page, sectors.get_by_role("button", name="添加"))

    expect(page.get_by_role("status")).to_contain_text(f"已添加“{name}”。")
    expect(sectors.get_by_role("heading", level=2)).to_have_text(f"界别（{before + 1}）")
    expect(sectors.get_by_role("listitem").filter(has_text=name)).to_have_count(1)


def _roster(path: Path, rows: list[list[str]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(ROSTER_HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_admin_sees_a_row_by_row_report_for_a_bad_roster_then_imports_a_good_one(logged_in, device, tmp_path):
    prefix, tag = RUN_TAG[device]
    bad = _roster(tmp_path / "名册-有误.xlsx", [
        [f"导入样例{tag}甲", "男", "汉族", "1970.05", "火星界", "", "云湖区某公司经理", f"{prefix}0009", ""],
        [f"导入样例{tag}乙", "女", "汉族", "1981.10", "教育界", "", "云湖区第三小学教师", "1380013800", ""],
    ])
    good = _roster(tmp_path / "名册.xlsx", [
        [f"导入样例{tag}{n}", "女", "汉族", "1975.03", sector, "", "云湖区某单位职员", f"{prefix}000{i}", ""]
        for i, (n, sector) in enumerate((("一", "教育界"), ("二", "经济界"), ("三", "农业界")), start=1)
    ])
    page = logged_in("admin")
    _nav(page, "委员")
    submit(page, page.get_by_role("link", name="导入名册"))

    upload = page.get_by_label("委员名册文件（.xlsx）")
    upload.set_input_files(bad)
    submit(page, page.get_by_role("button", name="上传并导入"), status=400)
    expect(page.get_by_role("alert")).to_contain_text("文件有 2 处问题，未导入任何委员")
    report = page.locator("table.error-report tbody tr")
    expect(report).to_have_count(2)
    expect(report.nth(0).locator("td")).to_have_text(["第 2 行", "界别", "火星界", "界别“火星界”不在本会界别名单中"])
    expect(report.nth(1).locator("td")).to_have_text(
        ["第 3 行", "手机号", "1380013800", "手机号格式不正确，应为 11 位手机号码"])

    upload.set_input_files(good)
    submit(page, page.get_by_role("button", name="上传并导入"))
    expect(page.get_by_role("status")).to_contain_text("已导入 3 名委员")
    expect(page.get_by_role("heading", level=1)).to_have_text("委员名录")

    page.get_by_label("姓名或单位").fill(f"导入样例{tag}")
    submit(page, page.get_by_role("button", name="查询"))
    names = page.locator("table tbody tr td:first-child").all_text_contents()
    assert sorted(n.strip() for n in names) == sorted(f"导入样例{tag}{n}" for n in "一二三")


def test_member_searches_the_directory_and_sees_only_masked_phones(logged_in):
    page = logged_in("member")
    _nav(page, "委员")
    page.get_by_label("姓名或单位").fill("王")
    submit(page, page.get_by_role("button", name="查询"))

    rows = page.locator("table tbody tr")
    assert rows.count() > 0, "the search for 王 should find demo members"
    for row in rows.all():
        cells = [c.strip() for c in row.locator("td").all_text_contents()]
        name, employer, phone = cells[0], cells[3], cells[4]
        assert "王" in name + employer, f"{name} ({employer}) does not match the search"
        assert MASKED_PHONE.match(phone), f"a member sees {name}'s phone as {phone!r}, not like 138****5678"
    assert "王" in page.get_by_label("姓名或单位").input_value()
