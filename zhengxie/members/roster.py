"""Member roster (委员名册) import and export as .xlsx: the way a committee office keeps its list of members.

Import is all or nothing. The file is checked (size, really an .xlsx, row count), every row is
parsed and then checked against this committee's own lists and members; any problem produces a
row-by-row report in Chinese (row numbers as Excel shows them) and nothing is written. A clean file
is written in one transaction with bulk inserts and a fixed number of reads, so a 2,000-row roster
imports in a second or two on SQLite (bench/roster_import.py measures it).

Each imported member gets a login account: an existing account with the same phone is linked (one
person serving two committees has one account), otherwise an account is created with an unusable
password (username = phone), and the account is granted the 委员 role in this committee so the
person can reach their profile once they have set a password.

Only new members are in scope: a phone that already belongs to a member of this committee is an
error, not an update.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import IntegrityError, transaction
from django.utils import timezone

from zhengxie.accounts.models import Role, RoleGrant, User
from zhengxie.audit.services import audit_record, audit_record_many, build_event
from zhengxie.members.models import Member
from zhengxie.members.workflow import ACTIVE, MEMBER_WORKFLOW
from zhengxie.org.models import Committee, NamedListItem, Party, Sector, SpecialCommittee

# The columns, in the order the export writes them. Import matches them by header text, any order.
NAME, GENDER, ETHNICITY, BIRTH, SECTOR, PARTY, EMPLOYER, PHONE, SPECIAL = (
    "姓名", "性别", "民族", "出生年月", "界别", "党派", "工作单位及职务", "手机号", "专委会",
)
COLUMNS: tuple[str, ...] = (NAME, GENDER, ETHNICITY, BIRTH, SECTOR, PARTY, EMPLOYER, PHONE, SPECIAL)
STATE_COLUMN = "状态"  # written by the export, ignored by the import
EXPORT_COLUMNS: tuple[str, ...] = (*COLUMNS, STATE_COLUMN)

# Headers offices commonly write for the same column.
HEADER_ALIASES: dict[str, str] = {
    "手机": PHONE,
    "手机号码": PHONE,
    "出生日期": BIRTH,
    "工作单位和职务": EMPLOYER,
    "专门委员会": SPECIAL,
}

# What the upload page tells the office about each column: (column, must be filled, how).
COLUMN_HELP: tuple[tuple[str, bool, str], ...] = (
    (NAME, True, "不超过 50 字"),
    (GENDER, False, "男 或 女，可留空"),
    (ETHNICITY, False, "如 汉族，可留空"),
    (BIRTH, False, "Excel 日期，或 1968.05、1968-05、1968年5月、196805、1968/5"),
    (SECTOR, True, "须与本会界别名称一致"),
    (PARTY, False, "须与本会党派名称一致，可留空"),
    (EMPLOYER, False, "不超过 200 字"),
    (PHONE, True, "11 位手机号码，同一文件内不得重复，且不得与本会已有委员重复"),
    (SPECIAL, False, "须与本会专门委员会名称一致，可留空"),
)

XLSX_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx
# A small .xlsx may unpack to a huge one (a "zip bomb"); a real roster unpacks to ~10× its size.
UNPACKED_RATIO_LIMIT = 20
# Columns beyond this are ignored; it bounds the work a sheet with stray far-right cells can cause.
MAX_COLUMNS = 60
# Blank rows tolerated on top of ROSTER_MAX_ROWS before the sheet counts as too long.
BLANK_ROW_SLACK = 1000
# The header may sit below a title row such as "某某区政协第十一届委员名册".
HEADER_SEARCH_ROWS = 10
PHONE_RE = re.compile(r"1[3-9]\d{9}")
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff·"
_CJK_GAP_RE = re.compile(rf"(?<=[{_CJK}]) (?=[{_CJK}])")
_WS_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class RosterError:
    """One problem found in the file: `row` as Excel numbers it (None for the file as a whole)."""

    row: int | None
    column: str
    value: str
    message: str


@dataclass
class RosterResult:
    """The outcome of an import: either `errors` (and nothing written) or the number `created`."""

    errors: list[RosterError] = field(default_factory=list)
    created: int = 0
    accounts_created: int = 0
    accounts_linked: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class RosterRow:
    """One parsed row, its list names not yet resolved against the committee."""

    row: int
    name: str
    gender: str
    ethnicity: str
    birth_month: dt.date | None
    sector: str
    party: str
    employer_title: str
    phone: str
    special_committee: str


class CellError(ValueError):
    """A cell that cannot be read; the message is shown to the office as is."""


class SheetUnreadable(Exception):
    """openpyxl failed part-way through the worksheet."""


# ---------------------------------------------------------------------------------------------
# Cell parsing (pure functions, no database)
# ---------------------------------------------------------------------------------------------


def clean_text(value: Any) -> str:
    """Text of a cell with every kind of whitespace (full-width, non-breaking…) collapsed and trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    return _WS_RE.sub(" ", str(value)).strip()


def clean_name(value: Any) -> str:
    """A person's name: spaces between Chinese characters are dropped, since offices pad two-character
    names ("王　芳") to line them up with three-character ones; a space in a Latin name stays."""
    return _CJK_GAP_RE.sub("", clean_text(value))


def list_key(value: Any) -> str:
    """The form of a header or list name used for matching: NFKC, no whitespace, no required-marker."""
    text = unicodedata.normalize("NFKC", clean_text(value))
    return _WS_RE.sub("", text).strip("*")


def display_value(value: Any) -> str:
    """A cell value as the error report shows it."""
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return clean_text(value)[:100]


_BIRTH_TEXT_RE = re.compile(
    r"(?P<y>\d{4})\s*(?:[./\-]|年)\s*(?P<m>\d{1,2})\s*月?"
    r"(?:\s*[./\-]?\s*(?P<d>\d{1,2})\s*日?)?"
)
_BIRTH_DIGITS_RE = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})?")
_BIRTH_FORMAT_HINT = "出生年月格式不正确，请填写如 1968.05、1968-05 或 1968年5月"


def parse_birth_month(value: Any, number_format: str | None = None) -> dt.date | None:
    """The 1st of the month a cell names, or None for a blank cell; raises CellError otherwise.

    Accepts real Excel dates and the ways offices type a month: 1968.05, 1968-05, 1968年5月, 196805,
    1968/5 (a full date is cut to its month). A number like 1968.1 is refused: Excel drops the trailing
    zero of 1968.10, so it could mean January or October, unless the cell's format shows two decimals.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime | dt.date):
        return _checked_month(value.year, value.month)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise CellError(_BIRTH_FORMAT_HINT)
    if isinstance(value, float) and not value.is_integer():
        decimals = re.fullmatch(r"0\.(0+)", (number_format or "").strip())
        if decimals and len(decimals.group(1)) >= 2:
            text = f"{value:.2f}"
        else:
            text = f"{value:.10g}"
            if re.fullmatch(r"\d{4}\.1", text):
                raise CellError(
                    f"出生年月 {text} 有歧义（1 月还是 10 月？），请写成 {text[:4]}.01 或 {text[:4]}.10，"
                    "或把单元格设为文本格式"
                )
    elif isinstance(value, float):
        text = str(int(value))
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
    match = _BIRTH_TEXT_RE.fullmatch(text) or _BIRTH_DIGITS_RE.fullmatch(text)
    if match is None:
        raise CellError(_BIRTH_FORMAT_HINT)
    year, month = int(match["y"]), int(match["m"])
    if match["d"] is not None:
        try:
            dt.date(year, month, int(match["d"]))
        except ValueError:
            raise CellError(_BIRTH_FORMAT_HINT) from None
    return _checked_month(year, month)


def _checked_month(year: int, month: int) -> dt.date:
    if not 1 <= month <= 12:
        raise CellError(_BIRTH_FORMAT_HINT)
    first = dt.date(year, month, 1)
    if year < 1900 or first > timezone.localdate():
        raise CellError("出生年月不在合理范围内")
    return first


def parse_phone(value: Any) -> str:
    """An 11-digit mainland mobile number from a text or number cell; raises CellError otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise CellError("手机号不能为空")
    if isinstance(value, bool):
        raise CellError("手机号格式不正确，应为 11 位手机号码")
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError("手机号格式不正确，应为 11 位手机号码")
        value = int(value)
    text = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", str(value)))
    for prefix in ("+86", "0086", "86"):
        if text.startswith(prefix) and len(text) == len(prefix) + 11:
            text = text[len(prefix):]
            break
    if not PHONE_RE.fullmatch(text):
        raise CellError("手机号格式不正确，应为 11 位手机号码")
    return text


def _canonical_header(value: Any) -> str:
    key = list_key(value)
    return HEADER_ALIASES.get(key, key)


# ---------------------------------------------------------------------------------------------
# Reading the file
# ---------------------------------------------------------------------------------------------


def _file_error(message: str, value: str = "") -> RosterError:
    return RosterError(row=None, column="", value=value, message=message)


def _read_bytes(fileobj: IO[bytes]) -> tuple[bytes | None, list[RosterError]]:
    limit = settings.ROSTER_MAX_BYTES
    size = getattr(fileobj, "size", None)
    too_big = _file_error(f"文件大小超过上限（{human_size(limit)}），请拆分后分批导入")
    if isinstance(size, int) and size > limit:
        return None, [too_big]
    if hasattr(fileobj, "seek"):
        fileobj.seek(0)
    data = fileobj.read(limit + 1)
    if len(data) > limit:
        return None, [too_big]
    if not data:
        return None, [_file_error("文件是空的，请选择填写好的委员名册 .xlsx 文件")]
    return data, []


def human_size(n: int) -> str:
    """5 MB, 200 KB …: a size as the upload page and messages state it."""
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):g} MB"
    if n >= 1024:
        return f"{n / 1024:g} KB"
    return f"{n} 字节"


def _open_workbook(data: bytes) -> tuple[Any, list[RosterError]]:
    not_xlsx = "文件不是 Excel .xlsx 格式，请在 Excel 中“另存为” Excel 工作簿（*.xlsx）后再导入"
    if data.startswith(OLE2_MAGIC):
        return None, [_file_error(
            "这是旧版 Excel（.xls）文件或设置了打开密码的文件。请在 Excel 中取消密码，"
            "并“另存为” Excel 工作簿（*.xlsx）后再导入"
        )]
    if not data.startswith(XLSX_MAGIC):
        return None, [_file_error(not_xlsx)]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None, [_file_error(not_xlsx)]
    if unpacked > UNPACKED_RATIO_LIMIT * settings.ROSTER_MAX_BYTES:
        return None, [_file_error("文件解压后过大，不像是一份委员名册，请检查后重新导出")]
    # openpyxl is imported here so that pages which never touch a roster do not pay for it.
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 -- openpyxl raises many kinds of error on a damaged or foreign file
        return None, [_file_error("无法读取该文件，请确认它是用 Excel 或 WPS 保存的 .xlsx 文件")]
    return workbook, []


def _rows(workbook: Any) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(Excel row number, cells) of the sheet the file opens on; cells have `.value` and `.number_format`."""
    sheet = workbook.active
    if not hasattr(sheet, "iter_rows"):  # a chart sheet is active
        sheet = workbook.worksheets[0]
    # The stored dimensions are often wrong in files written by other tools; reading past them is safe
    # because the caller stops after a bounded number of rows.
    sheet.reset_dimensions()
    cells_by_row = sheet.iter_rows(max_col=MAX_COLUMNS)
    number = 0
    while True:
        try:
            cells = next(cells_by_row)
        except StopIteration:
            return
        except Exception as exc:  # damaged XML inside a valid zip fails only when that row is reached
            raise SheetUnreadable from exc
        number += 1
        yield number, cells


def _is_blank(cells: Sequence[Any]) -> bool:
    return all(c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in cells)


def read_roster(fileobj: IO[bytes]) -> tuple[list[RosterRow], list[RosterError]]:
    """Parse an uploaded roster (no database access).

    Returns every non-blank row with the problems found in its cells; when the file as a whole is
    unusable (not an .xlsx, too big, no header, no rows …) the rows are empty and the errors say why.
    """
    data, errors = _read_bytes(fileobj)
    if data is None:
        return [], errors
    workbook, errors = _open_workbook(data)
    if workbook is None:
        return [], errors
    try:
        return _parse_sheet(_rows(workbook))
    except SheetUnreadable:
        return [], [_file_error("无法读取该文件的工作表内容，请在 Excel 中打开后重新保存为 .xlsx 再导入")]
    finally:
        workbook.close()


def _parse_sheet(rows: Iterator[tuple[int, tuple[Any, ...]]]) -> tuple[list[RosterRow], list[RosterError]]:
    header_row, columns, first_nonblank = None, {}, None
    for number, cells in rows:
        if not _is_blank(cells):
            first_nonblank = first_nonblank or (number, cells)
            if any(_canonical_header(c.value) == NAME for c in cells):
                header_row = number
                break
        if number >= HEADER_SEARCH_ROWS:
            break
    if first_nonblank is None:
        return [], [_file_error("表格中没有内容，请在第一行填写表头（姓名、界别、手机号……），从第二行起每行一位委员")]
    if header_row is None:
        header_row, header_cells = first_nonblank
    else:
        header_cells = cells

    errors: list[RosterError] = []
    for index, cell in enumerate(header_cells):
        key = _canonical_header(cell.value)
        if key in COLUMNS:
            if key in columns:
                errors.append(RosterError(row=header_row, column=key, value=display_value(cell.value),
                                          message=f"表头中“{key}”列出现了不止一次"))
            columns[key] = index
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        errors.append(RosterError(row=header_row, column="、".join(missing), value="",
                                  message=f"缺少必需的列：{'、'.join(missing)}（表头须包含：{'、'.join(COLUMNS)}）"))
    if errors:
        return [], errors

    max_rows = settings.ROSTER_MAX_ROWS
    physical_limit = header_row + max_rows + BLANK_ROW_SLACK
    too_many = _file_error(f"数据行数超过上限（{max_rows} 行），请删除多余的空行或拆分后分批导入")
    parsed: list[RosterRow] = []
    seen_phones: dict[str, int] = {}
    for number, cells in rows:
        if number > physical_limit:
            return [], [too_many]
        picked = {col: cells[i] for col, i in columns.items()}
        if _is_blank(list(picked.values())):
            continue
        if len(parsed) >= max_rows:
            return [], [too_many]
        row, row_errors = _parse_row(number, picked)
        if row.phone:
            first = seen_phones.setdefault(row.phone, number)
            if first != number:
                row_errors.append(RosterError(row=number, column=PHONE, value=row.phone,
                                              message=f"手机号与第 {first} 行重复"))
        errors.extend(row_errors)
        parsed.append(row)
    if not parsed:
        return [], [_file_error("表头下方没有委员数据，请从表头下一行起每行填写一位委员")]
    return parsed, errors


def _parse_row(number: int, cells: dict[str, Any]) -> tuple[RosterRow, list[RosterError]]:
    errors: list[RosterError] = []

    def fail(column: str, message: str) -> None:
        errors.append(RosterError(row=number, column=column, value=display_value(cells[column].value),
                                  message=message))

    def text(column: str, max_length: int, clean=clean_text) -> str:
        value = clean(cells[column].value)
        if len(value) > max_length:
            fail(column, f"{column}不能超过 {max_length} 个字")
        return value

    name = text(NAME, 50, clean_name)
    if not name:
        fail(NAME, "姓名不能为空")
    gender = unicodedata.normalize("NFKC", clean_text(cells[GENDER].value))
    if gender not in {"", Member.Gender.MALE, Member.Gender.FEMALE}:
        fail(GENDER, "性别只能填写“男”或“女”，也可留空")
    ethnicity = text(ETHNICITY, 20)
    birth_month = None
    try:
        birth_month = parse_birth_month(cells[BIRTH].value, cells[BIRTH].number_format)
    except CellError as exc:
        fail(BIRTH, str(exc))
    sector = clean_text(cells[SECTOR].value)
    if not sector:
        fail(SECTOR, "界别不能为空")
    employer_title = text(EMPLOYER, 200)
    phone = ""
    try:
        phone = parse_phone(cells[PHONE].value)
    except CellError as exc:
        fail(PHONE, str(exc))
    row = RosterRow(
        row=number, name=name, gender=gender, ethnicity=ethnicity, birth_month=birth_month, sector=sector,
        party=clean_text(cells[PARTY].value), employer_title=employer_title, phone=phone,
        special_committee=clean_text(cells[SPECIAL].value),
    )
    return row, errors


# ---------------------------------------------------------------------------------------------
# Checking against the committee, and writing
# ---------------------------------------------------------------------------------------------


def _chunks(values: Sequence[str], size: int = 900) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _lookup(model: type[NamedListItem], committee: Committee) -> dict[str, NamedListItem]:
    return {list_key(item.name): item for item in model.objects.filter(committee=committee)}


def _resolve(rows: Iterable[RosterRow], committee: Committee) -> tuple[list[Member], dict[str, dict[str, Any]],
                                                                       list[RosterError]]:
    """Members to create (without users yet), the existing accounts by phone, and every conflict found."""
    rows = list(rows)
    lists = {
        SECTOR: (_lookup(Sector, committee), "界别"),
        PARTY: (_lookup(Party, committee), "党派"),
        SPECIAL: (_lookup(SpecialCommittee, committee), "专委会"),
    }
    phones = [r.phone for r in rows if r.phone]
    taken: set[str] = set()
    accounts: dict[str, dict[str, Any]] = {}
    username_clash: set[str] = set()
    for chunk in _chunks(phones):
        taken.update(Member.objects.filter(committee=committee, phone__in=chunk).values_list("phone", flat=True))
        for account in User.objects.filter(phone__in=chunk).values("id", "display_name", "phone"):
            accounts[account["phone"]] = account
        # A new account is named after its phone; an unrelated account may already use that name.
        username_clash.update(User.objects.filter(username__in=chunk).exclude(phone__in=chunk)
                              .values_list("username", flat=True))
    already_members = {
        user_id: name
        for user_id, name in Member.objects.filter(
            committee=committee, user_id__in=[a["id"] for a in accounts.values()]
        ).values_list("user_id", "name")
    }

    errors: list[RosterError] = []
    members: list[Member] = []
    for r in rows:
        found: dict[str, NamedListItem | None] = {}
        for column, value in ((SECTOR, r.sector), (PARTY, r.party), (SPECIAL, r.special_committee)):
            if not value:
                found[column] = None
                continue
            items, label = lists[column]
            item = items.get(list_key(value))
            if item is None:
                errors.append(RosterError(row=r.row, column=column, value=value,
                                          message=f"{label}“{value}”不在本会{label}名单中"))
            elif not item.is_active:
                errors.append(RosterError(row=r.row, column=column, value=value,
                                          message=f"{label}“{value}”已停用"))
            found[column] = item
        account = accounts.get(r.phone)
        # A row whose phone could not be read ("") matches none of these; its error is already reported.
        if r.phone in taken:
            errors.append(RosterError(row=r.row, column=PHONE, value=r.phone, message="手机号已存在于本会委员名录"))
        elif account is not None and account["id"] in already_members:
            errors.append(RosterError(
                row=r.row, column=PHONE, value=r.phone,
                message=f"使用该手机号的账号已是本会委员“{already_members[account['id']]}”（名录中登记的手机号不同）",
            ))
        elif account is None and r.phone in username_clash:
            errors.append(RosterError(row=r.row, column=PHONE, value=r.phone,
                                      message="该手机号已被另一个账号用作用户名，请联系平台管理员处理"))
        members.append(Member(
            committee=committee, name=r.name, gender=r.gender, ethnicity=r.ethnicity, birth_month=r.birth_month,
            sector=found[SECTOR], party=found[PARTY], special_committee=found[SPECIAL],
            employer_title=r.employer_title, phone=r.phone, state=ACTIVE, title=Member.Title.MEMBER,
        ))
    return members, accounts, errors


AUDITED_FIELDS = ("name", "gender", "ethnicity", "birth_month", "sector", "party", "employer_title", "phone",
                  "special_committee", "title")


def _ids_by(model: type[Any], field_name: str, values: Sequence[str], **filters: Any) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(values):
        found.update(model.objects.filter(**filters, **{f"{field_name}__in": chunk})
                     .values_list(field_name, "id"))
    return found


def roster_import(*, actor: User | None, committee: Committee, fileobj: IO[bytes],
                  ip: str | None = None) -> RosterResult:
    """Import a roster .xlsx as new members of `committee`, all or nothing.

    Returns a result with `errors` (row by row, in Chinese) and nothing written, or with the number
    `created`. Writes one `member.roster_imported` event and one `member.created` event per member.
    The caller checks that `actor` holds Perm.MANAGE_MEMBERS in `committee`.
    """
    filename = str(getattr(fileobj, "name", "") or "")[:200]
    rows, errors = read_roster(fileobj)
    if not rows:
        return RosterResult(errors=errors)
    try:
        with transaction.atomic():
            # Serialise imports into one committee (PostgreSQL; SQLite's IMMEDIATE transactions already do),
            # so the duplicate checks below still hold when the rows are written.
            Committee.objects.select_for_update().filter(pk=committee.pk).first()
            # Cell errors and errors against the committee's lists go into one report, so the office
            # fixes the file once.
            members, accounts, list_errors = _resolve(rows, committee)
            errors += list_errors
            if errors:
                errors.sort(key=lambda e: (e.row or 0, COLUMNS.index(e.column) if e.column in COLUMNS else 0))
                return RosterResult(errors=errors)
            return _write(actor=actor, committee=committee, members=members, accounts=accounts,
                          filename=filename, ip=ip)
    except IntegrityError:
        # Someone else added one of these phones between our check and our insert (another committee's
        # import creating the same account, typically). Nothing was written; trying again gives a report.
        return RosterResult(errors=[_file_error("导入时与其他人的操作发生冲突，未导入任何委员，请重新上传")])


def _write(*, actor: User | None, committee: Committee, members: list[Member],
           accounts: dict[str, dict[str, Any]], filename: str, ip: str | None) -> RosterResult:
    now = timezone.now()
    # Accounts with an unusable password ("!" and random text, as set_unusable_password makes it):
    # hashing a real password with argon2 would cost ~50 ms a row, and Django's own random string
    # (one secrets.choice per character) is itself a noticeable share of a 2,000-row import.
    new_users = [
        User(username=m.phone, display_name=m.name, phone=m.phone,
             password=UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30), date_joined=now)
        for m in members if m.phone not in accounts
    ]
    User.objects.bulk_create(new_users, batch_size=500)
    user_ids = {phone: a["id"] for phone, a in accounts.items()}
    if any(u.pk is None for u in new_users):  # databases that cannot return ids from a bulk insert
        user_ids.update(_ids_by(User, "phone", [u.phone for u in new_users if u.phone]))
    else:
        user_ids.update({u.phone: u.pk for u in new_users if u.phone})
    for m in members:
        m.user_id = user_ids[m.phone]

    # The 委员 role is what lets the person reach this committee once they log in.
    all_user_ids = [m.user_id for m in members]
    has_role = set(RoleGrant.objects.filter(committee=committee, role=Role.MEMBER, unit__isnull=True,
                                            user_id__in=all_user_ids).values_list("user_id", flat=True))
    RoleGrant.objects.bulk_create(
        [RoleGrant(user_id=uid, committee=committee, role=Role.MEMBER) for uid in all_user_ids if uid not in has_role],
        batch_size=500,
    )

    Member.objects.bulk_create(members, batch_size=500)
    if any(m.pk is None for m in members):
        ids = _ids_by(Member, "phone", [m.phone for m in members], committee=committee)
        for m in members:
            m.pk = ids[m.phone]

    # The same payload shape as a member added by hand ({"field": [old, new]}), plus where it came from.
    events = [
        build_event(actor=actor, committee=committee, verb="member.created", obj=m, ip=ip, at=now, payload={
            **{f: [None, getattr(m, f)] for f in AUDITED_FIELDS if getattr(m, f) not in (None, "")},
            "source": "roster_import",
            "account": "linked" if m.phone in accounts else "created",
        })
        for m in members
    ]
    linked = sum(1 for m in members if m.phone in accounts)
    events.append(build_event(
        actor=actor, committee=committee, verb="member.roster_imported", ip=ip, at=now,
        payload={"count": len(members), "filename": filename, "accounts_created": len(new_users),
                 "accounts_linked": linked},
    ))
    audit_record_many(events)
    return RosterResult(created=len(members), accounts_created=len(new_users), accounts_linked=linked)


# ---------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------


def roster_export(*, actor: User | None, committee: Committee, ip: str | None = None) -> bytes:
    """The committee's members, in id order, as an .xlsx in the import's columns plus 状态.

    Phones are written in full, so the caller must have checked Perm.MANAGE_MEMBERS. Writes one
    `member.roster_exported` event. The file is a valid import into another committee.
    """
    import openpyxl
    from openpyxl.styles import Font

    members = (Member.objects.filter(committee=committee)
               .select_related("sector", "party", "special_committee").order_by("id"))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "委员名册"
    sheet.append(list(EXPORT_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    count = 0
    for m in members.iterator(chunk_size=1000):
        count += 1
        values = [
            m.name, m.gender, m.ethnicity, f"{m.birth_month:%Y.%m}" if m.birth_month else "",
            m.sector.name, m.party.name if m.party else "", m.employer_title, m.phone,
            m.special_committee.name if m.special_committee else "", MEMBER_WORKFLOW.state_label(m.state),
        ]
        sheet.append([v or None for v in values])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            # Everything is text: a phone stays 13812345678 (not 1.38E+10), 1968.10 keeps its zero, and
            # a name typed as "=…" is never run as a formula by whoever opens the file.
            if cell.value is not None:
                cell.data_type = "s"
            cell.number_format = "@"
    for letter, width in zip("ABCDEFGHIJ", (10, 6, 8, 10, 14, 10, 36, 14, 18, 10), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    audit_record(actor=actor, committee=committee, verb="member.roster_exported", ip=ip, payload={"count": count})
    return out.getvalue()
