"""Writes to the organisation lists; each writes its audit event."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max

from zhengxie.accounts.models import User
from zhengxie.audit.services import audit_record
from zhengxie.org.lists import LISTS
from zhengxie.org.models import Committee, NamedListItem


class OrgError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _clean_name(name: str) -> str:
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
