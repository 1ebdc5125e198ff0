"""API for the committee's configurable lists: 界别, 党派, 专委会, 委员工作室, 承办单位."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError
from django.http import Http404, HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.errors import HttpError

from zhengxie.accounts.api import AUTH_ERRORS, ErrorOut, Page, PageQuery, Text, api_access, paginate
from zhengxie.accounts.permissions import Perm
from zhengxie.org.lists import LISTS
from zhengxie.org.selectors import list_items
from zhengxie.org.services import OrgError, org_item_create

router = Router(tags=["组织"])

KIND_DESCRIPTION = "列表：" + "、".join(f"`{kind}`（{label}）" for kind, (_, label) in LISTS.items())


class NamedRef(Schema):
    """A reference to a list entry, as other resources embed it (a member's 界别 …)."""

    id: int
    name: str


class OrgItemOut(Schema):
    id: int
    name: str
    order: int
    is_active: bool


class OrgItemIn(Schema):
    # Loose here on purpose: the service trims spaces and gives the precise message (≤ 100 字).
    name: Text = Field(..., max_length=1000, examples=["社会福利和社会保障界"],
                      # What the service accepts, so clients (and the fuzzer) know; it still says why not.
                      json_schema_extra={"maxLength": 100, "pattern": r"^[^\x00]*[^\s\x00][^\x00]*$"})


def _kind_or_404(kind: str) -> str:
    if kind not in LISTS:
        raise Http404("没有这个列表。")
    return kind


def _kind_path() -> Any:
    return Path(..., max_length=40, description=KIND_DESCRIPTION)


@router.get("/{kind}", response={200: Page[OrgItemOut], 404: ErrorOut, **AUTH_ERRORS},
            summary="本政协的某个列表", description=KIND_DESCRIPTION + "。未知的列表返回 404。")
def org_item_list(request: HttpRequest, query: Query[PageQuery], kind: str = _kind_path()) -> Any:
    access = api_access(request)
    access.require(Perm.VIEW_ORG)
    return paginate(list_items(access.committee, _kind_or_404(kind)), query)


@router.post("/{kind}",
             response={201: OrgItemOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut, **AUTH_ERRORS},
             summary="在列表末尾新增一项",
             description="需要“管理组织信息”权限。名称为空或过长返回 400，同名已存在返回 409。")
def org_item_add(request: HttpRequest, item: OrgItemIn, kind: str = _kind_path()) -> Any:
    access = api_access(request)
    access.require(Perm.MANAGE_ORG)
    try:
        created = org_item_create(actor=access.user, committee=access.committee,  # type: ignore[arg-type]
                                  kind=_kind_or_404(kind), name=item.name)
    except OrgError as exc:
        # The service reports a duplicate by re-raising the IntegrityError's context as OrgError.
        duplicate = isinstance(exc.__context__, IntegrityError)
        raise HttpError(409 if duplicate else 400, exc.message) from None
    return Status(201, created)
