"""/api/v1/search/topics: the hot topics report (热点分析) as JSON, for holders of VIEW_STATISTICS."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from zhengxie.accounts.api import AUTH_ERRORS, api_access
from zhengxie.accounts.permissions import Perm
from zhengxie.textindex.topics import MAX_TERMS, MAX_YEAR, MIN_YEAR, TopicReport, hot_topics_for, topic_years

router = Router(tags=["检索"])


class TopicQuery(Schema):
    year: int | None = Field(None, ge=MIN_YEAR, le=MAX_YEAR, description="年份；不填为有文档的最近一年")
    limit: int = Field(15, ge=1, le=MAX_TERMS, description=f"最多返回几个热点词，1–{MAX_TERMS}")


# Not "ExampleOut": api.py has one (routing examples), and OpenAPI components are keyed by class
# name, the last registered winning, so this answer was documented with the other's fields.
class TopicExampleOut(Schema):
    title: str
    url: str = Field(..., description="可能为空")


class TermOut(Schema):
    term: str
    this: int = Field(..., description="今年标题含该词的文档件数")
    last: int = Field(..., description="去年标题含该词的文档件数")
    change: int | None = Field(..., description="比去年增减的百分比；去年没有时为 null")
    growth: float = Field(..., description="排序依据：今年件数 − 去年件数 × 今年总件数 ÷ 去年总件数")
    examples: list[TopicExampleOut] = Field(..., description="今年含该词的文档（最多 3 件，只含调用者可以查看的）")


class CategoryOut(Schema):
    name: str
    this: int
    last: int
    change: int | None


class TopicReportOut(Schema):
    year: int
    last_year: int
    docs_this: int = Field(..., description="今年的文档总件数")
    docs_last: int = Field(..., description="去年的文档总件数")
    too_little_data: bool = Field(..., description="文档太少或没有增长的词，terms 为空")
    terms: list[TermOut]
    categories: list[CategoryOut]
    years: list[int] = Field(..., description="有文档的年份，从近到远")


def _out(report: TopicReport, years: list[int]) -> dict[str, Any]:
    return {
        "year": report.year,
        "last_year": report.last_year,
        "docs_this": report.docs_this,
        "docs_last": report.docs_last,
        "too_little_data": report.too_little_data,
        "terms": [
            {
                "term": t.term,
                "this": t.this,
                "last": t.last,
                "change": t.change,
                "growth": t.growth,
                "examples": [{"title": e.title, "url": e.url} for e in t.examples],
            }
            for t in report.terms
        ],
        "categories": [{"name": c.name, "this": c.this, "last": c.last, "change": c.change} for c in report.categories],
        "years": years,
    }


@router.get(
    "",
    response={200: TopicReportOut, **AUTH_ERRORS},
    summary="热点分析：今年比去年增长最多的词语和类别",
    description="词语取自标题（提案、社情民意等），按增长量排序：今年件数减去按总量折算的去年件数。需要查看统计的权限。",
)
def topics(request: HttpRequest, query: Query[TopicQuery]) -> Any:
    access = api_access(request)
    access.require(Perm.VIEW_STATISTICS)
    assert access.committee is not None  # api_access refuses a caller without one
    years = topic_years(access.committee)
    year = query.year or (years[0] if years else timezone.localdate().year)
    return _out(hot_topics_for(access, year, limit=query.limit), years)
