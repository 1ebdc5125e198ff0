"""API of the text index: full-text search, similar items, routing suggestions (/api/v1/search).

The same selectors as the pages, so a client sees exactly what the caller would see on /search/.
Odd input never fails the request: an unusable query answers an empty page with a `message`, an
unknown kind or state simply matches nothing; only what the schema forbids (a NUL, a page past
50, a query of over 1,000 characters) is a 422.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Body, Field, Query, Router, Schema
from pydantic import BeforeValidator

from zhengxie.accounts.api import AUTH_ERRORS, MAX_ID, Text, api_access
from zhengxie.accounts.permissions import Access
from zhengxie.textindex.selectors import COUNT_CAP, MAX_PAGE, SearchFilters, search, similar, suggest_units
from zhengxie.textindex.presentation import local_url, require_committee_role, require_routing

router = Router(tags=["检索"])

MAX_QUERY = 1000  # the selector searches the first 64 characters; beyond this the client is confused


def _iso_date(value: object) -> object:
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("应为日期（YYYY-MM-DD）")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


# JSON bodies: a number is not a string and a flag is not a number (pydantic would coerce "5" and 0),
# but 5.0 is an integer, as JSON Schema has it.
def _json_int(value: object) -> object:
    if isinstance(value, (bool, str)):
        raise ValueError("应为整数")
    return value


def _json_bool(value: object) -> object:
    if not isinstance(value, bool):
        raise ValueError("应为 true 或 false")
    return value


JsonInt = Annotated[int, BeforeValidator(_json_int)]
JsonBool = Annotated[bool, BeforeValidator(_json_bool)]
# Constraints before the validator: after it, OpenAPI would show them as "ge"/"le", not minimum/maximum.
ObjectId = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_json_int)]


def _access(request: HttpRequest) -> Access:
    access = api_access(request)
    require_committee_role(access)
    return access


# --- search -------------------------------------------------------------------------------------------


class SearchQuery(Schema):
    q: Text = Field("", max_length=MAX_QUERY,
                    description="检索词：标题或正文中的字词，全部出现才算命中；只按前 64 个字检索")
    kind: Text = Field("", max_length=32, description="事项类型，如 proposal（提案）；不填为全部类型")
    session: int | None = Field(None, ge=1, le=MAX_ID, description="会次（会议）id")
    state: Text = Field("", max_length=32, description="状态代码，如 handling")
    category: Text = Field("", max_length=50, description="类别名称")
    unit: int | None = Field(None, ge=1, le=MAX_ID, description="承办单位 id")
    date_from: IsoDate | None = Field(None, description="起始日期（含），YYYY-MM-DD")
    date_to: IsoDate | None = Field(None, description="截止日期（含），YYYY-MM-DD")
    page: int = Field(1, ge=1, le=MAX_PAGE, description=f"页码，从 1 开始，最多 {MAX_PAGE} 页（更多请缩小范围）")
    page_size: int = Field(20, ge=1, le=100, description="每页条数，最多 100")


class SearchItemOut(Schema):
    kind: str = Field(..., examples=["proposal"])
    object_id: int = Field(..., description="该类型事项自己的 id")
    title: str
    title_html: str = Field(..., description="标题，已转义为 HTML，命中的字词用 <mark> 标出")
    snippet_html: str = Field(..., description="正文中命中最集中的一段，已转义为 HTML，命中处用 <mark> 标出")
    url: str = Field(..., description="在本站查看该事项的路径；没有时为空")
    state: str
    state_label: str
    date: dt.date
    unit_id: int | None = Field(..., description="主办单位 id")
    in_title: bool = Field(..., description="检索词全部出现在标题中（这些结果排在前面）")


class SearchOut(Schema):
    items: list[SearchItemOut]
    count: int = Field(..., description=f"命中条数，最多数到 {COUNT_CAP}")
    capped: bool = Field(..., description=f"命中超过 {COUNT_CAP} 条（界面显示“1000 条以上，请缩小范围”）")
    page: int
    page_size: int
    message: str = Field(..., description="给用户的提示：检索词为空、过长或没有可检索的文字时不为空",
                         examples=["搜索词里没有可以检索的文字或数字。"])


@router.get("", response={200: SearchOut, **AUTH_ERRORS}, summary="全文检索",
            description="在本政协调用者有权查看的事项中检索：标题命中的排在前面，其余按时间倒序。"
                        "检索词按字和相邻两字切分，引号、AND/OR、* 等都只当作普通文字。")
def search_list(request: HttpRequest, query: Query[SearchQuery]) -> Any:
    access = _access(request)
    filters = SearchFilters(kind=query.kind, session_id=query.session, state=query.state, category=query.category,
                            unit_id=query.unit, date_from=query.date_from, date_to=query.date_to)
    result = search(access, query.q, filters=filters, page=query.page, page_size=query.page_size)
    items = [
        {
            "kind": h.doc.kind, "object_id": h.doc.object_id, "title": h.doc.title, "title_html": str(h.title_html),
            "snippet_html": str(h.snippet_html), "url": local_url(h.doc.url), "state": h.doc.state,
            "state_label": h.doc.state_label, "date": h.doc.date, "unit_id": h.doc.unit_id, "in_title": h.in_title,
        }
        for h in result.hits
    ]
    return {"items": items, "count": result.total, "capped": result.capped, "page": query.page,
            "page_size": query.page_size, "message": result.message}


# --- similar items ------------------------------------------------------------------------------------


class SimilarIn(Schema):
    title: Text = Field("", max_length=300, description="标题")
    body: Text = Field("", max_length=20000, description="正文")
    kinds: list[Annotated[Text, Field(max_length=32)]] | None = Field(
        None, max_length=20, description="只查这些类型；不填为全部类型")
    exclude_kind: Text | None = Field(None, max_length=32, description="排除的事项（正在编辑的这一件）的类型")
    exclude_object_id: ObjectId | None = Field(None, description="排除的事项的 id")
    whole_deployment: JsonBool = Field(False, description="在全平台范围查找（其他政协只列出公开的事项）")
    limit: JsonInt = Field(5, ge=1, le=20, description="最多返回几条")


class SimilarOut(Schema):
    kind: str
    object_id: int
    title: str
    url: str
    score: float = Field(..., description="相似度 0–1：主题相近度与文字重合度中较大的一个")
    topic: float = Field(..., description="主题相近度 0–1（关键词的余弦相似度）")
    copy_: float = Field(..., alias="copy", description="文字重合度 0–1（相同四字片段所占比例）")
    likely_duplicate: bool = Field(..., description="疑似重复")
    shared_terms: list[str] = Field(..., description="共同关键词")
    passages_html: list[str] = Field(..., description="对方正文中与本文表述相同的段落，已转义为 HTML，相同处用 <mark> 标出")


@router.post("/similar", response={200: list[SimilarOut], **AUTH_ERRORS}, by_alias=True,
             summary="查找相似事项",
             description="给出一段标题和正文，返回调用者有权查看的最相似的已有事项，相似度从高到低。"
                         "标题和正文都为空时返回空列表。")
def similar_list(request: HttpRequest, data: SimilarIn | None = Body(None)) -> Any:  # noqa: B008
    access = _access(request)
    data = data or SimilarIn()
    exclude = (data.exclude_kind, data.exclude_object_id) if data.exclude_kind and data.exclude_object_id else None
    if not (data.title.strip() or data.body.strip()):
        return []
    items = similar(access, title=data.title, body=data.body, kinds=data.kinds or None, exclude=exclude,
                    whole_deployment=data.whole_deployment, limit=data.limit)
    return [
        {
            "kind": i.doc.kind, "object_id": i.doc.object_id, "title": i.doc.title, "url": local_url(i.doc.url),
            "score": i.score, "topic": i.topic, "copy": i.copy, "likely_duplicate": i.likely_duplicate,
            "shared_terms": i.shared_terms, "passages_html": [str(p) for p in i.passages],
        }
        for i in items
    ]


# --- routing ------------------------------------------------------------------------------------------


class RoutingIn(Schema):
    title: Text = Field("", max_length=300, description="标题")
    body: Text = Field("", max_length=20000, description="正文")
    exclude_kind: Text | None = Field(None, max_length=32, description="正在分办的事项的类型（不作为它自己的例子）")
    exclude_object_id: ObjectId | None = Field(None, description="正在分办的事项的 id")
    limit: JsonInt = Field(3, ge=1, le=5, description="最多建议几个单位")


class ExampleOut(Schema):
    kind: str
    object_id: int
    title: str
    url: str


class RoutingOut(Schema):
    unit_id: int
    unit_name: str
    confidence: float = Field(..., description="置信度 0–1（各建议之和不超过 1）")
    reasons: list[str] = Field(..., description="建议的理由")
    examples: list[ExampleOut] = Field(..., description="该单位办理过的类似事项")


@router.post("/routing", response={200: list[RoutingOut], **AUTH_ERRORS}, summary="承办单位建议",
             description="根据本政协往年的办理记录和各单位职责，建议最可能的主办单位。"
                         "仅提案、社情民意等事项的工作人员可用（其他人 403）。")
def routing_list(request: HttpRequest, data: RoutingIn | None = Body(None)) -> Any:  # noqa: B008
    access = api_access(request)
    kinds = require_routing(access)
    data = data or RoutingIn()
    if not (data.title.strip() or data.body.strip()):
        return []
    exclude = (data.exclude_kind, data.exclude_object_id) if data.exclude_kind and data.exclude_object_id else None
    committee = access.committee
    assert committee is not None  # require_routing refused a caller without one
    suggestions = suggest_units(committee, title=data.title, body=data.body, limit=data.limit, exclude=exclude,
                                example_kinds=kinds)
    return [
        {
            "unit_id": s.unit.pk, "unit_name": s.unit.name, "confidence": s.confidence, "reasons": s.reasons,
            "examples": [{"kind": d.kind, "object_id": d.object_id, "title": d.title, "url": local_url(d.url)}
                         for d in s.examples],
        }
        for s in suggestions
    ]

