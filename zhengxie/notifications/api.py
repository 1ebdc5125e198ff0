"""API for the caller's own inbox in the current committee."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from zhengxie.accounts.api import AUTH_ERRORS, ErrorOut, Page, PageQuery, api_access, paginate
from zhengxie.notifications.models import Notification
from zhengxie.notifications.selectors import inbox
from zhengxie.notifications.services import notifications_mark_read

router = Router(tags=["通知"])


class NotificationOut(Schema):
    id: int
    verb: str
    title: str
    body: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None
    is_read: bool

    @staticmethod
    def resolve_is_read(obj: Notification) -> bool:
        return obj.read_at is not None


class NotificationQuery(PageQuery):
    unread: bool = Field(False, description="只看未读")


class MarkedOut(Schema):
    marked: int = Field(..., description="本次标为已读的条数")


@router.get("", response={200: Page[NotificationOut], 400: ErrorOut, **AUTH_ERRORS}, summary="我的通知（本政协）")
def notification_list(request: HttpRequest, query: Query[NotificationQuery]) -> Any:
    qs = inbox(api_access(request))
    if query.unread:
        qs = qs.filter(read_at__isnull=True)
    return paginate(qs.order_by("-created_at", "-id"), query)


@router.post("/read", response={200: MarkedOut, 400: ErrorOut, **AUTH_ERRORS}, summary="全部标为已读（本政协）")
def notification_read_all(request: HttpRequest) -> Any:
    access = api_access(request)
    marked = notifications_mark_read(user=access.user, committee=access.committee)  # type: ignore[arg-type]
    return {"marked": marked}
