"""Hot topics page (热点分析): /search/topics/?year=2026, for holders of VIEW_STATISTICS.

The chart is an inline SVG drawn on the server (no JavaScript, no chart library): the geometry is
computed here so the template only places what it is given.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from zhengxie.accounts.permissions import Access, Perm
from zhengxie.textindex.topics import (
    MAX_YEAR,
    MIN_DOCS,
    MIN_YEAR,
    Example,
    TermTrend,
    TopicReport,
    hot_topics_for,
    topic_years,
)

TERMS_SHOWN = 15

# Chart geometry in viewBox units. 480 wide so that on a 390 px phone (about 360 px of content) text
# is drawn at 0.75 of its size: 16 → 12 px, still legible.
CHART_WIDTH = 480
LABEL_WIDTH = 132  # 8 characters at 16 units; longer terms are shortened in the chart only
BAR_X = 140
BAR_MAX = 290  # leaves room after the longest bar for its count
BAR_HEIGHT = 14
ROW_HEIGHT = 44
CHART_TOP = 40  # below the legend
LABEL_CHARS = 8


@dataclass(frozen=True)
class ChartRow:
    label: str  # the term, shortened to LABEL_CHARS (the table below has it in full)
    y: int  # top of the row
    this_width: float
    last_width: float

    @property
    def label_y(self) -> int:
        return self.y + BAR_HEIGHT + 5

    @property
    def this_y(self) -> int:
        return self.y

    @property
    def last_y(self) -> int:
        return self.y + BAR_HEIGHT + 2

    # Counts sit just after the end of their bar, on its baseline.
    @property
    def this_text_x(self) -> float:
        return BAR_X + self.this_width + 4

    @property
    def last_text_x(self) -> float:
        return BAR_X + self.last_width + 4

    @property
    def this_text_y(self) -> int:
        return self.this_y + BAR_HEIGHT - 2

    @property
    def last_text_y(self) -> int:
        return self.last_y + BAR_HEIGHT - 2


@dataclass(frozen=True)
class TermRow:
    trend: TermTrend
    search_url: str
    change: str
    chart: ChartRow

    @property
    def examples(self) -> list[Example]:
        return self.trend.examples


def change_label(change: int | None, last: int) -> str:
    if change is None:
        return "新出现" if last == 0 else ""
    return f"+{change}%" if change > 0 else f"{change}%"


def _year(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4):
        return None
    year = int(raw)
    return year if MIN_YEAR <= year <= MAX_YEAR else None


def _rows(report: TopicReport) -> list[TermRow]:
    top = max((max(t.this, t.last) for t in report.terms), default=0) or 1
    search = reverse("textindex:search")
    rows = []
    for i, trend in enumerate(report.terms):
        label = trend.term if len(trend.term) <= LABEL_CHARS else trend.term[: LABEL_CHARS - 1] + "…"
        query = {"q": trend.term, "date_from": f"{report.year}-01-01", "date_to": f"{report.year}-12-31"}
        rows.append(
            TermRow(
                trend=trend,
                search_url=f"{search}?{urlencode(query)}",
                change=change_label(trend.change, trend.last),
                chart=ChartRow(
                    label=label,
                    y=CHART_TOP + i * ROW_HEIGHT,
                    # A non-zero count always shows as a sliver, so 1 is not mistaken for 0.
                    this_width=round(max(trend.this * BAR_MAX / top, 2 if trend.this else 0), 1),
                    last_width=round(max(trend.last * BAR_MAX / top, 2 if trend.last else 0), 1),
                ),
            )
        )
    return rows


@login_required
def topics_page(request: HttpRequest) -> HttpResponse:
    access: Access = request.access  # type: ignore[attr-defined]
    access.require(Perm.VIEW_STATISTICS)
    committee = access.committee
    assert committee is not None  # holding a permission implies a committee
    years = topic_years(committee)
    default_year = years[0] if years else timezone.localdate().year
    raw_year = request.GET.get("year")
    year = _year(raw_year) or default_year
    report = hot_topics_for(access, year, limit=TERMS_SHOWN)
    rows = _rows(report)
    categories = [(c, change_label(c.change, c.last)) for c in report.categories]
    return render(
        request,
        "textindex/topics.html",
        {
            "report": report,
            "rows": rows,
            "categories": categories,
            "years": sorted({*years, year}, reverse=True),
            "bad_year": bool(raw_year) and _year(raw_year) is None,
            "too_few_docs": report.docs_this < MIN_DOCS,
            "min_docs": MIN_DOCS,
            "chart": {
                "width": CHART_WIDTH,
                "height": CHART_TOP + len(rows) * ROW_HEIGHT,
                "label_x": LABEL_WIDTH,
                "bar_x": BAR_X,
            },
            "chart_label": (
                f"{report.year}年与{report.last_year}年热点词文档数对比条形图，共 {len(rows)} 个词，"
                "红色为今年，灰色为去年，具体数字见下表。"
            ),
        },
    )
