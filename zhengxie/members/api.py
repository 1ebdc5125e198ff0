"""API for member profiles (委员): the directory, one profile, and lifecycle transitions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Path, Query, Router
from pydantic import field_validator

from zhengxie.accounts.api import AUTH_ERRORS, MAX_ID, ErrorOut, Page, PageQuery, Text, api_access, paginate
from zhengxie.members.models import Member
from zhengxie.members.selectors import MemberFilter, member_directory, member_get, phone_for
from zhengxie.members.workflow import MEMBER_WORKFLOW
from zhengxie.org.api import NamedRef
from zhengxie.workflow.api import StatefulOut, transition_endpoint

router = Router(tags=["委员"])


class MemberOut(StatefulOut):
    id: int
    name: str
    gender: str
    ethnicity: str
    birth_month: dt.date | None
    sector: NamedRef
    party: NamedRef | None
    special_committee: NamedRef | None
    workstation: NamedRef | None
    title: str
    title_label: str
    is_standing: bool = Field(..., description="主席、副主席、秘书长或常委")
    employer_title: str
    phone: str = Field(..., description="工作人员和本人看到完整号码，其他人看到 138****5678")
    user_id: int | None

    @staticmethod
    def resolve_title_label(obj: Member) -> str:
        return obj.get_title_display()

    @staticmethod
    def resolve_phone(obj: Member, context: Any) -> str:
        return phone_for(api_access(context["request"]), obj)


class MemberQuery(PageQuery):
    q: Text = Field("", max_length=50, description="姓名或工作单位（工作人员还可按手机号）")
    sector: int | None = Field(None, ge=1, le=MAX_ID, description="界别 id")
    party: int | None = Field(None, ge=1, le=MAX_ID, description="党派 id")
    special_committee: int | None = Field(None, ge=1, le=MAX_ID, description="专委会 id")
    state: str = Field("", max_length=32, json_schema_extra={"enum": ["", *MEMBER_WORKFLOW.states]},
                       description="状态：" + "、".join(
        f"{code}（{label}）" for code, label in MEMBER_WORKFLOW.states.items()))

    @field_validator("state")
    @classmethod
    def _known_state(cls, value: str) -> str:
        if value and value not in MEMBER_WORKFLOW.states:
            raise ValueError("没有这个状态")
        return value


@router.get("", response={200: Page[MemberOut], 400: ErrorOut, **AUTH_ERRORS}, summary="委员名录")
def member_list(request: HttpRequest, query: Query[MemberQuery]) -> Any:
    access = api_access(request)
    f = MemberFilter(q=query.q, sector=query.sector, party=query.party,
                     special_committee=query.special_committee, state=query.state)
    return paginate(member_directory(access, f), query)


@router.get("/{id}", response={200: MemberOut, 400: ErrorOut, 404: ErrorOut, **AUTH_ERRORS}, summary="委员详情")
def member_detail(request: HttpRequest, id: int = Path(..., ge=1, le=MAX_ID)) -> Any:  # noqa: A002
    member = member_get(api_access(request), id)
    if member is None:
        raise Http404("没有找到该委员。")
    return member


transition_endpoint(router, MEMBER_WORKFLOW, get=member_get, out=MemberOut, not_found="没有找到该委员。")
