"""Roster (委员名册) import and export: all-or-nothing imports with a row-by-row report, exports that re-import."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from urllib.parse import unquote

import openpyxl
import pytest
from django.contrib.auth.hashers import is_password_usable
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from zhengxie.accounts.models import Role, RoleGrant, User
from zhengxie.audit.models import Event
from zhengxie.members import roster
from zhengxie.members.models import Member
from zhengxie.members.roster import (
    COLUMNS,
    CellError,
    parse_birth_month,
    parse_phone,
    roster_export,
    roster_import,
)
from zhengxie.members.roster_views import XLSX_TYPE
from zhengxie.org.models import Sector
from zhengxie.testing.factories import make_committee, make_member, make_user

HEADER = list(COLUMNS)


def person(i: int = 1, **changes) -> dict:
    """A good roster row; `changes` override single columns."""
    row = {
        "姓名": f"王芳{i}", "性别": "女", "民族": "汉族", "出生年月": "1968.05", "界别": "经济界", "党派": "民建",
        "工作单位及职务": "某某公司董事长", "手机号": f"137{i:08d}", "专委会": "经济委员会",
    }
    row.update(changes)
    return row


def xlsx(rows, *, header=None, name: str = "名册.xlsx", before=()) -> io.BytesIO:
    """An .xlsx in memory: optional rows `before` the header, the header, then `rows` (dicts or lists)."""
    header = header or HEADER
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for line in before:
        sheet.append(line)
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(h) for h in header] if isinstance(row, dict) else row)
    buf = io.BytesIO()
    workbook.save(buf)
    buf.seek(0)
    buf.name = name
    return buf


def counts(committee) -> tuple[int, int, int]:
    return Member.objects.filter(committee=committee).count(), User.objects.count(), Event.objects.count()


def only_error(result):
    assert result.created == 0
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


# --- a good file -------------------------------------------------------------------------------


def test_a_good_roster_imports_every_row_with_its_lists_and_audit_events(admin_a, committee_a):
    rows = [person(1), person(2, 党派="", 专委会="", 性别="男", 出生年月=dt.datetime(1975, 11, 3)), person(3)]

    result = roster_import(actor=admin_a, committee=committee_a, fileobj=xlsx(rows, name="十一届名册.xlsx"))

    assert result.errors == []
    assert result.created == 3
    members = list(Member.objects.filter(committee=committee_a, phone__startswith="137").order_by("id"))
    assert [m.name for m in members] == ["王芳1", "王芳2", "王芳3"]
    first, second = members[0], members[1]
    assert (first.gender, first.ethnicity, first.birth_month) == ("女", "汉族", dt.date(1968, 5, 1))
    assert (first.sector.name, first.party.name, first.special_committee.name) == ("经济界", "民建", "经济委员会")
    assert first.employer_title == "某某公司董事长"
    assert (first.state, first.title) == ("active", Member.Title.MEMBER)
    assert (second.party, second.special_committee, second.birth_month) == (None, None, dt.date(1975, 11, 1))
    created = Event.objects.filter(committee=committee_a, verb="member.created")
    assert sorted(created.values_list("object_id", flat=True)) == sorted(str(m.pk) for m in members)
    assert all(e.actor_id == admin_a.pk for e in created)
    payload = created.get(object_id=str(first.pk)).payload
    assert payload["sector"] == [None, "经济界"]
    assert payload["birth_month"] == [None, "1968-05-01"]
    assert (payload["source"], payload["account"]) == ("roster_import", "created")
    summary = Event.objects.get(committee=committee_a, verb="member.roster_imported")
    assert summary.payload["count"] == 3
    assert summary.payload["filename"] == "十一届名册.xlsx"


def test_headers_are_matched_by_text_in_any_order_and_spaces_are_tolerated(admin_a, committee_a):
    header = ["手机号", "专委会", "  界　别 ", "姓　名", "性别", "民族", "出生年月", "党 派", "工作单位及职务", "备注"]
    row = ["13700000001", "提案委员会", "教育界\u3000", "李　明", " 男 ", "回族", "1970年3月", "民盟", "某中学 校长", "无"]

    result = roster_import(actor=admin_a, committee=committee_a, fileobj=xlsx([row], header=header))

    assert result.errors == []
    m = Member.objects.get(committee=committee_a, phone="13700000001")
    assert (m.name, m.gender, m.ethnicity, m.sector.name, m.party.name) == ("李明", "男", "回族", "教育界", "民盟")
    assert (m.special_committee.name, m.employer_title, m.birth_month) == ("提案委员会", "某中学 校长", dt.date(1970, 3, 1))


def test_a_title_row_above_the_header_and_blank_rows_are_skipped_and_row_numbers_stay_excels(admin_a, committee_a):
    rows = [person(1), [None] * 9, person(2, 界别="农业界")]

    result = roster_import(actor=admin_a, committee=committee_a,
                           fileobj=xlsx(rows, before=[["某某区政协第十一届委员名册"], []]))

    # Title on row 1, blank row 2, header row 3, data rows 4 and 6.
    error = only_error(result)
    assert (error.row, error.column, error.value) == (6, "界别", "农业界")


@pytest.mark.parametrize("value, expected", [
    (dt.datetime(1968, 5, 17), dt.date(1968, 5, 1)),
    (dt.date(1968, 5, 17), dt.date(1968, 5, 1)),
    ("1968.05", dt.date(1968, 5, 1)),
    ("1968.5", dt.date(1968, 5, 1)),
    ("1968.1", dt.date(1968, 1, 1)),  # typed as text, the office's way of writing January
    ("1968-05", dt.date(1968, 5, 1)),
    ("1968年5月", dt.date(1968, 5, 1)),
    ("1968 年 05 月", dt.date(1968, 5, 1)),
    ("196805", dt.date(1968, 5, 1)),
    ("1968/5", dt.date(1968, 5, 1)),
    ("1968/05/17", dt.date(1968, 5, 1)),
    ("1968年5月17日", dt.date(1968, 5, 1)),
    ("１９６８．０５", dt.date(1968, 5, 1)),
    (196805, dt.date(1968, 5, 1)),
    (1968.05, dt.date(1968, 5, 1)),
    (1968.12, dt.date(1968, 12, 1)),
    (None, None),
    ("  ", None),
])
def test_birth_month_accepts_excel_dates_and_the_ways_offices_type_it(value, expected):
    assert parse_birth_month(value) == expected


@pytest.mark.parametrize("value", ["1968", "68.05", "1968.13", "1968-00", "五月", "1968/2/30", "1850.01", "2999.01",
                                   True, 1968.1])
def test_birth_month_refuses_what_is_not_a_month(value):
    with pytest.raises(CellError):
        parse_birth_month(value)


def test_a_number_like_1968_point_1_is_ambiguous_unless_the_cell_shows_two_decimals():
    with pytest.raises(CellError, match="有歧义"):
        parse_birth_month(1968.1, "General")
    assert parse_birth_month(1968.1, "0.00") == dt.date(1968, 10, 1)


@pytest.mark.parametrize("value", [13812345678, 13812345678.0, "13812345678", " 138 1234 5678 ", "138-1234-5678",
                                   "+8613812345678", "１３８１２３４５６７８"])
def test_phone_is_read_from_text_or_excel_numbers(value):
    assert parse_phone(value) == "13812345678"


@pytest.mark.parametrize("value", ["1381234567", "23812345678", "12812345678", "138123456789", "电话", 1.5e10 + 0.5])
def test_phone_refuses_what_is_not_a_mainland_mobile(value):
    with pytest.raises(CellError):
        parse_phone(value)


def test_excel_number_and_date_cells_import(admin_a, committee_a):
    rows = [person(1, 手机号=13700000001, 出生年月=dt.datetime(1966, 2, 1)), person(2, 手机号=13700000002.0)]

    result = roster_import(actor=admin_a, committee=committee_a, fileobj=xlsx(rows))

    assert result.created == 2
    assert Member.objects.get(phone="13700000001").birth_month == dt.date(1966, 2, 1)
    assert Member.objects.filter(committee=committee_a, phone="13700000002").exists()


# --- bad rows ----------------------------------------------------------------------------------

BAD_ROWS = [
    ({"界别": "农业界"}, "界别", "农业界", "界别“农业界”不在本会界别名单中"),
    ({"界别": ""}, "界别", "", "界别不能为空"),
    ({"党派": "共和党"}, "党派", "共和党", "党派“共和党”不在本会党派名单中"),
    ({"专委会": "外事委员会"}, "专委会", "外事委员会", "专委会“外事委员会”不在本会专委会名单中"),
    ({"出生年月": "六八年五月"}, "出生年月", "六八年五月", "出生年月格式不正确，请填写如 1968.05、1968-05 或 1968年5月"),
    ({"出生年月": "1968.13"}, "出生年月", "1968.13", "出生年月格式不正确，请填写如 1968.05、1968-05 或 1968年5月"),
    ({"手机号": "1380013800"}, "手机号", "1380013800", "手机号格式不正确，应为 11 位手机号码"),
    ({"手机号": ""}, "手机号", "", "手机号不能为空"),
    ({"姓名": ""}, "姓名", "", "姓名不能为空"),
    ({"姓名": "名" * 51}, "姓名", "名" * 51, "姓名不能超过 50 个字"),
    ({"性别": "未知"}, "性别", "未知", "性别只能填写“男”或“女”，也可留空"),
    ({"民族": "族" * 21}, "民族", "族" * 21, "民族不能超过 20 个字"),
    ({"工作单位及职务": "职" * 201}, "工作单位及职务", "职" * 100, "工作单位及职务不能超过 200 个字"),
]


@pytest.mark.parametrize("changes, column, value, message", BAD_ROWS, ids=[m for *_, m in BAD_ROWS])
def test_each_kind_of_bad_row_is_reported_in_chinese_with_its_row_and_nothing_is_imported(
    admin_a, committee_a, changes, column, value, message
):
    before = counts(committee_a)
    rows = [person(1), person(2), person(3, **changes), person(4)]

    result = roster_import(actor=admin_a, committee=committee_a, fileobj=xlsx(rows))

    error = only_error(result)
    assert (error.row, error.column, error.value, error.message) == (4, column, value, message)
    assert counts(committee_a) == before


def test_a_phone_repeated_in_the_file_names_the_row_it_repeats(admin_a, committee_a):
    before = counts(committee_a)
    rows = [person(1), person(2), person(3, 手机号="137 0000 0001")]

    result = roster_import(actor=admin_a, committee=committee_a, fileobj=xlsx(rows))

    error = only_error(result)
    assert (error.row, error.column, error.value, error.message) == (4, "手机号", "13700000001", "手机号与第 2 行重复")
    assert counts(committee_a) == before


def test_a_phone_already_in_this_committees_roster_is_an_error(admin_a, committee_a):
    make_member(committee_a, phone="13700000002")
    before = counts(committee_a)

    result = roster_import(actor=admin_a, committee=committee_a, fileobj=xlsx([person(1), person(2)]))

    error = only_error(result)
    assert (error.row, error.column, error.message) == (3, "手机号", "手机号已存在于本会委员名录")
    assert counts(committee_a) == before


def test_every_problem_of_the_file_is_reported_at_once_in_row_order(admin_a, committee_a):
    rows = [person(1, 界别="农业界", 手机号="123"), person(2), person(3, 性别="M", 党派="共和党")]

    result = roster_import(actor=admin_a, committee=committee_a, fileobj=xlsx(rows))

    assert [(e.row, e.column) for e in result.errors] == [(2, "界别"), (2, "手机号"), (4, "性别"), (4, "党派")]


def test_an_inactive_sector_is_refused(admin_a, committee_a):
    Sector.objects.filter(committee=committee_a, name="经济界").update(is_active=False)

    error = only_error(roster_import(actor=admin_a, committee=committee_a, fileobj=xlsx([person(1)])))

    assert error.message == "界别“经济界”已停用"


def test_a_missing_column_is_reported_and_nothing_is_imported(admin_a, committee_a):
    header = [h for h in HEADER if h not in {"界别", "手机号"}]
    before = counts(committee_a)

    error = only_error(roster_import(actor=admin_a, committee=committee_a, fileobj=xlsx([person(1)], header=header)))

    assert error.row == 1
    assert error.message.startswith("缺少必需的列：界别、手机号")
    assert counts(committee_a) == before


def test_a_header_without_rows_is_reported_as_empty(admin_a, committee_a):
    error = only_error(roster_import(actor=admin_a, committee=committee_a, fileobj=xlsx([])))

    assert error.row is None
    assert "没有委员数据" in error.message


def test_a_blank_workbook_is_reported_as_empty(admin_a, committee_a):
    buf = io.BytesIO()
    openpyxl.Workbook().save(buf)
    buf.seek(0)

    error = only_error(roster_import(actor=admin_a, committee=committee_a, fileobj=buf))

    assert "表格中没有内容" in error.message


def test_a_zero_byte_file_is_reported_as_empty(admin_a, committee_a):
    error = only_error(roster_import(actor=admin_a, committee=committee_a, fileobj=io.BytesIO(b"")))

    assert error.message.startswith("文件是空的")


def _zip_without_workbook() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "not a workbook")
    return buf.getvalue()


def _xlsx_with_damaged_sheet() -> bytes:
    good = zipfile.ZipFile(xlsx([person(i) for i in range(1, 50)]))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for info in good.infolist():
            data = good.read(info)
            z.writestr(info, data[: len(data) // 2] if info.filename == "xl/worksheets/sheet1.xml" else data)
    return buf.getvalue()


@pytest.mark.parametrize("content, expected", [
    ("姓名,界别,手机号\n王芳,经济界,13700000001\n".encode(), "文件不是 Excel .xlsx 格式"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "旧版 Excel（.xls）"),
    (_zip_without_workbook(), "无法读取该文件"),
    (b"PK\x03\x04 but truncated", "文件不是 Excel .xlsx 格式"),
    (_xlsx_with_damaged_sheet(), "无法读取该文件的工作表内容"),
], ids=["renamed-csv", "xls", "other-zip", "broken-zip", "damaged-sheet"])
def test_a_file_that_is_not_an_xlsx_is_refused_with_a_clear_message(admin_a, committee_a, content, expected):
    before = counts(committee_a)
    fileobj = io.BytesIO(content)
    fileobj.name = "名册.xlsx"

    error = only_error(roster_import(actor=admin_a, committee=committee_a, fileobj=fileobj))

    assert expected in error.message
    assert counts(committee_a) == before


def test_an_oversized_file_is_refused(admin_a, committee_a, settings):
    fileobj = xlsx([person(i) for i in range(1, 200)])
    settings.ROSTER_MAX_BYTES = len(fileobj.getvalue()) - 1

    error = only_error(roster_import(actor=admin_a, committee=committee_a, fileobj=fileobj))

    assert error.message.startswith("文件大小超过上限")
    assert not Member.objects.filter(committee=committee_a, phone__startswith="137").exists()


def test_more_rows_than_the_limit_is_refused(admin_a, committee_a, settings):
    settings.ROSTER_MAX_ROWS = 3

    error = only_error(roster_import(actor=admin_a, committee=committee_a,
                                     fileobj=xlsx([person(i) for i in range(1, 5)])))

    assert error.message.startswith("数据行数超过上限（3 行）")
    assert roster_import(actor=admin_a, committee=committee_a,
                         fileobj=xlsx([person(i) for i in range(1, 4)])).created == 3


def test_a_stray_cell_far_below_the_data_is_refused_rather_than_read_for_ever(admin_a, committee_a, settings):
    settings.ROSTER_MAX_ROWS = 3
    fileobj = xlsx([person(1)])
    workbook = openpyxl.load_workbook(fileobj)
    workbook.active.cell(row=1_000_000, column=1, value="备注")
    fileobj = io.BytesIO()
    workbook.save(fileobj)
    fileobj.seek(0)

    error = only_error(roster_import(actor=admin_a, committee=committee_a, fileobj=fileobj))

    assert error.message.startswith("数据行数超过上限")


def test_a_failure_while_writing_leaves_nothing_behind(admin_a, committee_a, monkeypatch):
    before = counts(committee_a)

    def broken(events):
        raise RuntimeError("disk full")

    monkeypatch.setattr(roster, "audit_record_many", broken)
    with pytest.raises(RuntimeError):
        roster_import(actor=admin_a, committee=committee_a, fileobj=xlsx([person(1), person(2)]))

    assert counts(committee_a) == before
    assert not RoleGrant.objects.filter(committee=committee_a, user__phone__startswith="137").exists()


def test_a_phone_taken_by_someone_else_meanwhile_gives_a_report_not_a_crash(admin_a, committee_a, monkeypatch):
    resolve = roster._resolve

    def resolve_then_race(rows, committee):
        found = resolve(rows, committee)
        # Another committee's import created the account for this phone after our check.
        User.objects.create(username="other", display_name="别人", phone="13700000002")
        return found

    monkeypatch.setattr(roster, "_resolve", resolve_then_race)

    error = only_error(roster_import(actor=admin_a, committee=committee_a, fileobj=xlsx([person(1), person(2)])))

    assert "冲突" in error.message
    assert not Member.objects.filter(committee=committee_a, phone__startswith="137").exists()


# --- accounts ----------------------------------------------------------------------------------


def test_new_members_get_an_account_without_a_usable_password_and_the_member_role(admin_a, committee_a):
    roster_import(actor=admin_a, committee=committee_a, fileobj=xlsx([person(1)]))

    member = Member.objects.get(committee=committee_a, phone="13700000001")
    account = member.user
    assert (account.username, account.display_name, account.phone) == ("13700000001", "王芳1", "13700000001")
    assert account.password.startswith("!")
    assert not is_password_usable(account.password)
    assert RoleGrant.objects.filter(user=account, committee=committee_a, role=Role.MEMBER).exists()


def test_a_person_who_already_has_an_account_is_linked_not_duplicated(admin_a, committee_a):
    existing = make_user("zhangsan", display_name="张三", phone="13700000002")
    users_before = User.objects.count()

    result = roster_import(actor=admin_a, committee=committee_a, fileobj=xlsx([person(1), person(2, 姓名="张三")]))

    assert (result.created, result.accounts_created, result.accounts_linked) == (2, 1, 1)
    assert User.objects.count() == users_before + 1
    assert Member.objects.get(committee=committee_a, phone="13700000002").user == existing
    assert RoleGrant.objects.filter(user=existing, committee=committee_a, role=Role.MEMBER).exists()
    payloads = {e.object_repr: e.payload["account"] for e in Event.objects.filter(verb="member.created")}
    assert payloads == {"王芳1": "created", "张三": "linked"}


def test_a_member_of_another_committee_is_linked_to_the_same_account(admin_a, admin_b, committee_a, committee_b):
    roster_import(actor=admin_a, committee=committee_a, fileobj=xlsx([person(1)]))

    result = roster_import(actor=admin_b, committee=committee_b, fileobj=xlsx([person(1)]))

    assert result.created == 1
    in_a = Member.objects.get(committee=committee_a, phone="13700000001")
    in_b = Member.objects.get(committee=committee_b, phone="13700000001")
    assert in_a.user_id == in_b.user_id
    assert User.objects.filter(phone="13700000001").count() == 1


def test_an_account_that_is_already_a_member_here_under_another_phone_is_an_error(admin_a, committee_a):
    account = make_user("lisi", display_name="李四", phone="13700000001")
    make_member(committee_a, user=account, name="李四", phone="13999999999")

    error = only_error(roster_import(actor=admin_a, committee=committee_a, fileobj=xlsx([person(1)])))

    assert (error.row, error.column) == (2, "手机号")
    assert "已是本会委员“李四”" in error.message


def test_a_phone_used_as_another_accounts_username_is_an_error(admin_a, committee_a):
    make_user("13700000001", display_name="别人")

    error = only_error(roster_import(actor=admin_a, committee=committee_a, fileobj=xlsx([person(1)])))

    assert error.message == "该手机号已被另一个账号用作用户名，请联系平台管理员处理"


# --- committees are separate -------------------------------------------------------------------


def test_an_admin_of_b_cannot_use_a_sector_only_a_has(admin_b, committee_a, committee_b):
    Sector.objects.create(committee=committee_a, name="农业界")
    before = counts(committee_b)

    error = only_error(roster_import(actor=admin_b, committee=committee_b, fileobj=xlsx([person(1, 界别="农业界")])))

    assert (error.column, error.message) == ("界别", "界别“农业界”不在本会界别名单中")
    assert counts(committee_b) == before


def test_an_import_into_b_creates_members_only_in_b_with_bs_lists(admin_b, committee_a, committee_b):
    a_members = Member.objects.filter(committee=committee_a).count()

    result = roster_import(actor=admin_b, committee=committee_b, fileobj=xlsx([person(1), person(2)]))

    assert result.created == 2
    assert Member.objects.filter(committee=committee_a).count() == a_members
    imported = Member.objects.filter(committee=committee_b, phone__startswith="137")
    assert imported.count() == 2
    assert {m.sector.committee_id for m in imported} == {committee_b.pk}
    assert {m.party.committee_id for m in imported} == {committee_b.pk}
    assert set(Event.objects.filter(verb__startswith="member.").values_list("committee_id", flat=True)) == {
        committee_b.pk}


# --- export ------------------------------------------------------------------------------------


def read_back(content: bytes) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return list(sheet.iter_rows(values_only=True))


def test_export_lists_all_members_in_id_order_with_full_phones_and_writes_an_audit_event(admin_a, committee_a):
    roster_import(actor=admin_a, committee=committee_a, fileobj=xlsx([person(1), person(2, 党派="")]))
    ids = list(Member.objects.filter(committee=committee_a).order_by("id").values_list("name", "phone"))

    rows = read_back(roster_export(actor=admin_a, committee=committee_a))

    assert rows[0] == (*COLUMNS, "状态")
    assert [(r[0], r[7]) for r in rows[1:]] == ids
    assert rows[-2] == ("王芳1", "女", "汉族", "1968.05", "经济界", "民建", "某某公司董事长", "13700000001",
                        "经济委员会", "在任")
    assert rows[-1][5] is None
    event = Event.objects.get(committee=committee_a, verb="member.roster_exported")
    assert event.payload == {"count": len(ids)}


def test_export_never_writes_a_formula(admin_a, committee_a):
    make_member(committee_a, name="=HYPERLINK(\"http://x\")", phone="13700000009")

    workbook = openpyxl.load_workbook(io.BytesIO(roster_export(actor=admin_a, committee=committee_a)))

    cell = next(c for c in workbook.active["A"] if c.value and str(c.value).startswith("="))
    assert cell.data_type == "s"


def test_export_then_reimport_into_a_fresh_committee_round_trips(admin_a, committee_a):
    rows = [person(1), person(2, 党派="", 专委会="", 性别="", 出生年月="1970.10"), person(3, 出生年月="")]
    roster_import(actor=admin_a, committee=committee_a, fileobj=xlsx(rows))
    fresh = make_committee("ccc", name="丙区政协")
    users_before = User.objects.count()
    exported = io.BytesIO(roster_export(actor=admin_a, committee=committee_a))

    result = roster_import(actor=admin_a, committee=fresh, fileobj=exported)

    assert result.errors == []

    def fields(committee):
        return list(Member.objects.filter(committee=committee).order_by("id").values_list(
            "name", "gender", "ethnicity", "birth_month", "sector__name", "party__name", "employer_title", "phone",
            "special_committee__name", "state", "user_id"))

    assert fields(fresh) == fields(committee_a)
    assert User.objects.count() == users_before  # the same people, linked to their accounts


# --- scale -------------------------------------------------------------------------------------


def test_two_thousand_rows_import_correctly(admin_a, committee_a):
    sectors = ["中共", "民革", "民盟", "经济界", "教育界", "医药卫生界"]
    rows = [person(i, 界别=sectors[i % 6], 出生年月=f"19{50 + i % 40}.{1 + i % 12:02d}") for i in range(1, 2001)]

    result = roster_import(actor=admin_a, committee=committee_a, fileobj=xlsx(rows))

    assert (result.errors, result.created) == ([], 2000)
    imported = Member.objects.filter(committee=committee_a, phone__startswith="137")
    assert imported.count() == 2000
    assert imported.filter(user__isnull=True).count() == 0
    assert imported.get(phone="13700001999").birth_month == dt.date(1989, 8, 1)
    assert imported.filter(sector__name="教育界").count() == 333
    assert Event.objects.filter(committee=committee_a, verb="member.created").count() == 2000
    assert RoleGrant.objects.filter(committee=committee_a, role=Role.MEMBER, user__phone__startswith="137").count() == 2000


def test_the_number_of_queries_does_not_grow_with_the_number_of_rows(admin_a, committee_a, committee_b, admin_b):
    with CaptureQueriesContext(connection) as small:
        roster_import(actor=admin_a, committee=committee_a, fileobj=xlsx([person(i) for i in range(1, 4)]))
    with CaptureQueriesContext(connection) as large:
        roster_import(actor=admin_b, committee=committee_b, fileobj=xlsx([person(i) for i in range(101, 301)]))

    def reads(ctx):
        return [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith("INSERT")]

    # Inserts come in batches (SQLite takes at most 999 parameters a statement); reads never grow.
    assert len(reads(large)) == len(reads(small))


# --- pages -------------------------------------------------------------------------------------


def upload(client, fileobj):
    return client.post(reverse("members:import"), {"file": fileobj})


def test_the_upload_page_explains_the_columns_and_offers_the_roster_as_a_template(login, admin_a):
    response = login(admin_a).get(reverse("members:import"))

    page = response.content.decode()
    assert response.status_code == 200
    for column in COLUMNS:
        assert f'<th scope="row">{column}</th>' in page
    assert reverse("members:export") in page
    assert 'enctype="multipart/form-data"' in page
    assert '<label for="id_file">' in page


def test_uploading_a_good_file_redirects_to_the_list_saying_how_many_were_imported(login, admin_a, committee_a):
    client = login(admin_a)

    response = upload(client, xlsx([person(1), person(2)]))

    assert response.status_code == 302
    assert response.url == reverse("members:list")
    assert "已导入 2 名委员" in client.get(response.url).content.decode()
    assert Event.objects.get(verb="member.roster_imported").payload["filename"] == "名册.xlsx"


def test_uploading_a_bad_file_answers_400_with_the_report_and_imports_nothing(login, admin_a, committee_a):
    before = counts(committee_a)

    response = upload(login(admin_a), xlsx([person(1), person(2, 界别="农业界")]))

    page = response.content.decode()
    assert response.status_code == 400
    assert 'role="alert"' in page
    assert "文件有 1 处问题，未导入任何委员" in page
    assert "<td>第 3 行</td>" in page
    assert "界别“农业界”不在本会界别名单中" in page
    assert counts(committee_a) == before


def test_uploading_a_text_file_renamed_to_xlsx_answers_400_with_a_clear_message(login, admin_a):
    fileobj = io.BytesIO("王芳,经济界".encode())
    fileobj.name = "名册.xlsx"

    response = upload(login(admin_a), fileobj)

    assert response.status_code == 400
    assert "文件不是 Excel .xlsx 格式" in response.content.decode()


def test_posting_without_a_file_asks_for_one(login, admin_a):
    response = login(admin_a).post(reverse("members:import"), {})

    assert response.status_code == 400
    assert "请选择要导入的 .xlsx 文件" in response.content.decode()


@pytest.mark.parametrize("persona", ["member_a", "clerk_a", "leader_a"])
def test_people_who_do_not_manage_members_get_403_on_import_and_export(login, request, persona, committee_a):
    client = login(request.getfixturevalue(persona))
    before = counts(committee_a)

    assert client.get(reverse("members:import")).status_code == 403
    assert upload(client, xlsx([person(1)])).status_code == 403
    assert client.get(reverse("members:export")).status_code == 403
    assert counts(committee_a) == before


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(reverse("members:export"))

    assert response.status_code == 302
    assert reverse("accounts:login") in response.url


def test_export_is_an_attachment_named_after_the_committee_and_the_date(login, admin_a, member_a):
    response = login(admin_a).get(reverse("members:export"))

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == f"委员名册-aaa-{timezone.localdate():%Y%m%d}.xlsx"
    assert "no-store" in response["Cache-Control"]
    rows = read_back(response.content)
    assert rows[0][0] == "姓名"
    assert any(r[0] == "member_a" for r in rows[1:])


def test_an_admin_of_b_exports_only_bs_members(login, admin_b, member_a, member_b):
    rows = read_back(login(admin_b).get(reverse("members:export")).content)

    assert [r[0] for r in rows[1:]] == ["member_b"]
