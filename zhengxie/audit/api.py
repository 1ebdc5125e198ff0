"""API for the audit trail: the committee's events, for those who may audit."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import BeforeValidator

from zhengxie.accounts.api import AUTH_ERRORS, ErrorOut, Page, PageQuery, Text, api_access, paginate
from zhengxie.audit.models import Event
from zhengxie.audit.selectors import EventFilter, committee_events
from zhengxie.audit.verbs import verb_label

router = Router(tags=["审计"])


class EventOut(Schema):
    id: int
    at: dt.datetime
    actor_id: int | None
    actor_name: str = Field(..., description="操作时的姓名；系统操作为“系统”")
    verb: str = Field(..., examples=["member.suspend"])
    verb_label: str = Field(..., examples=["暂停履职"])
    object_type: str = Field(..., examples=["members.member"])
    object_id: str
    object_repr: str
    payload: dict[str, Any] = Field(..., description="详情：变更字段为 {\"字段\": [旧值, 新值]}")
    ip: str | None

    @staticmethod
    def resolve_verb_label(obj: Event) -> str:
        return verb_label(obj.verb)


def _iso_date(value: object) -> object:
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("应为日期（YYYY-MM-DD）")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


class EventQuery(PageQuery):
    verb: Text = Field("", max_length=64, description="动作前缀，如 member 或 member.suspend")
    actor: Text = Field("", max_length=50, description="操作人姓名（包含）")
    object_type: Text = Field("", max_length=64, description="如 members.member")
    object_id: Text = Field("", max_length=64)
    date_from: IsoDate | None = Field(None, description="起始日期（含），YYYY-MM-DD")
    date_to: IsoDate | None = Field(None, description="截止日期（含），YYYY-MM-DD")


@router.get("/events", response={200: Page[EventOut], 400: ErrorOut, **AUTH_ERRORS},
            summary="本政协的审计事件", description="需要“查看审计日志”权限；按时间倒序。")
def event_list(request: HttpRequest, query: Query[EventQuery]) -> Any:
    f = EventFilter(verb=query.verb, actor=query.actor, object_type=query.object_type,
                    object_id=query.object_id, date_from=query.date_from, date_to=query.date_to)
    return paginate(committee_events(api_access(request), f), query)
