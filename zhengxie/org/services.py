"""Writes to the organisation lists; each writes its audit event."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Max

from zhengxie.accounts.models import User
from zhengxie.audit.services import audit_record
from zhengxie.org.lists import LISTS
from zhengxie.org.models import Committee, NamedListItem, Session, Term


class OrgError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _clean_name(name: str) -> str:
    if "\x00" in (name or ""):
        raise OrgError("名称含有不可见的非法字符。")
    name = " ".join((name or "").split())
    if not name:
        raise OrgError("名称不能为空。")
    if len(name) > 100:
        raise OrgError("名称不能超过 100 个字。")
    return name


def org_item_create(*, actor: User, committee: Committee, kind: str, name: str) -> NamedListItem:
    """Add an entry (界别, 党派, 专委会, 工作室, 承办单位) to the committee's list, at the end."""
    if kind not in LISTS:
        raise OrgError("未知的列表。")
    model, label = LISTS[kind]
    name = _clean_name(name)
    try:
        with transaction.atomic():
            last = model.objects.filter(committee=committee).aggregate(m=Max("order"))["m"] or 0
            item = model.objects.create(committee=committee, name=name, order=last + 1)
            audit_record(actor=actor, committee=committee, verb="org.item_created", obj=item,
                         payload={"list": kind, "name": name})
    except IntegrityError:
        raise OrgError(f"{label}“{name}”已存在。") from None
    return item


def org_item_update(*, actor: User, committee: Committee, kind: str, item_id: int, name: str,
                    is_active: bool) -> NamedListItem:
    """Rename or (de)activate an entry of the committee's list."""
    if kind not in LISTS:
        raise OrgError("未知的列表。")
    model, label = LISTS[kind]
    name = _clean_name(name)
    try:
        with transaction.atomic():
            item = model.objects.select_for_update().filter(committee=committee, pk=item_id).first()
            if item is None:
                raise OrgError("该条目不存在。")
            changes = {}
            if item.name != name:
                changes["name"] = [item.name, name]
            if item.is_active != is_active:
                changes["is_active"] = [item.is_active, is_active]
            if changes:
                item.name, item.is_active = name, is_active
                item.save(update_fields=["name", "is_active"])
                audit_record(actor=actor, committee=committee, verb="org.item_updated", obj=item,
                             payload={"list": kind, **changes})
    except IntegrityError:
        raise OrgError(f"{label}“{name}”已存在。") from None
    return item


def session_create(*, actor: User, committee: Committee, term_number: int, term_start: dt.date | None,
                   number: int, start_date: dt.date, end_date: dt.date) -> Session:
    """Add a plenary session (e.g. 十一届六次会议); creates its term (第十一届) on first use.

    Names follow the usual pattern from the numbers, so proposal numbering (per session) reads right.
    """
    if not 1 <= term_number <= 99 or not 1 <= number <= 20:
        raise OrgError("届次或会次超出范围。")
    if end_date < start_date:
        raise OrgError("闭幕日期不能早于开幕日期。")
    try:
        with transaction.atomic():
            term = Term.objects.filter(committee=committee, number=term_number).first()
            if term is None:
                term = Term.objects.create(committee=committee, number=term_number,
                                           name=f"第{chinese_number(term_number)}届",
                                           start_date=term_start or start_date)
                audit_record(actor=actor, committee=committee, verb="org.item_created", obj=term,
                             payload={"list": "terms", "name": term.name})
            session = Session.objects.create(
                committee=committee, term=term, number=number, start_date=start_date, end_date=end_date,
                name=f"{chinese_number(term_number)}届{chinese_number(number)}次会议",
            )
            audit_record(actor=actor, committee=committee, verb="org.item_created", obj=session,
                         payload={"list": "sessions", "name": session.name,
                                  "start_date": start_date, "end_date": end_date})
    except IntegrityError:
        raise OrgError(f"第{term_number}届第{number}次会议已存在。") from None
    return session


def chinese_number(n: int) -> str:
    """1..99 in Chinese numerals as used in session names: 十一, 二十, 五."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")
