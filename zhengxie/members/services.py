"""Writes to member profiles. Each checks, changes and writes its audit event in one transaction.

State changes (suspend, reinstate, leave) go through the workflow (members/workflow.py), not here.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from zhengxie.accounts.models import User
from zhengxie.audit.services import audit_record, diff_fields
from zhengxie.members.models import Member
from zhengxie.org.models import Committee

EDITABLE = ["name", "gender", "ethnicity", "birth_month", "sector", "party", "employer_title", "phone",
            "special_committee", "workstation", "title"]


class MemberError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _check_lists_belong_to(committee: Committee, data: dict[str, Any]) -> None:
    for field in ["sector", "party", "special_committee", "workstation"]:
        item = data.get(field)
        if item is not None and item.committee_id != committee.pk:
            raise MemberError("所选的界别、党派、专委会或工作室不属于本会。")


def member_create(*, actor: User, committee: Committee, data: dict[str, Any]) -> Member:
    """Add one member to the committee's roster (state 在任); links an existing account with the same phone."""
    _check_lists_belong_to(committee, data)
    fields = {k: data.get(k) for k in EDITABLE if k in data}
    phone = fields.get("phone") or ""
    try:
        with transaction.atomic():
            user = User.objects.filter(phone=phone).first() if phone else None
            member = Member.objects.create(committee=committee, user=user, state="active", **fields)
            audit_record(actor=actor, committee=committee, verb="member.created", obj=member,
                         payload={k: [None, v] for k, v in fields.items() if v not in (None, "")})
    except IntegrityError:
        raise MemberError("该手机号已被本会其他委员使用。") from None
    return member


def member_update(*, actor: User, committee: Committee, member_id: int, data: dict[str, Any],
                  expected_version: int | None = None) -> Member:
    """Change a member's profile; records the changed fields as {"field": [old, new]}."""
    _check_lists_belong_to(committee, data)
    try:
        with transaction.atomic():
            member = Member.objects.select_for_update().filter(committee=committee, pk=member_id).first()
            if member is None:
                raise MemberError("没有找到该委员。")
            if expected_version is not None and member.version != expected_version:
                raise MemberError("该委员信息已被他人修改，请刷新后重试。")
            before = {k: getattr(member, k) for k in EDITABLE}
            for k in EDITABLE:
                if k in data:
                    setattr(member, k, data[k])
            changes = diff_fields(before, {k: getattr(member, k) for k in EDITABLE})
            if changes:
                member.version += 1
                member.save()
                audit_record(actor=actor, committee=committee, verb="member.updated", obj=member, payload=changes)
    except IntegrityError:
        raise MemberError("该手机号已被本会其他委员使用。") from None
    return member
