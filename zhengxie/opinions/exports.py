"""Files the 社情民意 office sends out: the statistics as .xlsx, and an issue (《社情民意专递》2026年第3期)
as a Word file and a PDF in the usual layout.

The issue layout: the series name as a red masthead, 第N期, the committee and the date above a red
rule; then each item (the title 关于…的建议 centred, the body in 仿宋 paragraphs with a two-character
first-line indent, who reported it); at the foot, between two rules, 主送 and 抄送. Each item after the
first starts on a new page, so a page never mixes two items' text. A draft issue (not yet 印发) is
marked 草稿 in red where the number would be: editors proof it before publishing.

Word and PDF share the words (`issue_parts`); the Word layout uses the shared official-document
helpers (`zhengxie.core.officedocs`), the PDF is the print-styled page `opinions/export_issue.html`
printed by Chromium (`zhengxie.core.pdf`, where the choice is explained).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils import timezone

from zhengxie.core.officedocs import (
    RED, TITLE_FONT, body_text, new_document, page_break, para, rule, save,
)
from zhengxie.core.pdf import html_to_pdf
from zhengxie.core.spreadsheets import Sheet, SummaryLine, report_xlsx
from zhengxie.opinions.models import Issue, Opinion, Series, SourceKind
from zhengxie.opinions.stats import Report

# ---------------------------------------------------------------------------------------------
# Statistics as .xlsx
# ---------------------------------------------------------------------------------------------


def stats_xlsx(report: Report, scope_words: list[str]) -> bytes:
    """The statistics page as a workbook: each headline figure a row of the first sheet, each breakdown
    table a sheet of its own."""
    summary = [SummaryLine(c.label, c.value(report.total), c.unit, c.kind) for c in report.cards]
    sheets = [Sheet(t.title, [t.first] + [c.label for c in t.columns],
                    [[r.label] + [c.value(r.numbers) for c in t.columns] for r in t.rows], [c.kind for c in t.columns])
              for t in report.tables]
    return report_xlsx("总体情况", summary, sheets, notes=[("统计范围", "、".join(scope_words) or "全部年度")])


# ---------------------------------------------------------------------------------------------
# An issue
# ---------------------------------------------------------------------------------------------


@dataclass
class Piece:
    title: str
    paragraphs: list[str]
    byline: str


@dataclass
class IssueParts:
    masthead: str  # 社情民意专递
    number: str  # 2026年第3期, or 草稿（未印发）
    draft: bool
    editor: str  # the committee that edits the series
    date: str  # 2026年3月10日
    items: list[Piece] = field(default_factory=list)
    main: str = ""  # 主送：…。
    copy: str = ""  # 抄送：…。


def byline(o: Opinion) -> str:
    """Who reported it, as issues print it: a member's or informant's name, the party or lower committee;
    a member of the public stays unnamed (their name is personal data for the editors)."""
    if o.source_kind in (SourceKind.PARTY, SourceKind.LOWER):
        return f"（{o.body_name or o.author_name}）"
    if o.source_kind == SourceKind.PUBLIC:
        return "（社会公众反映）"
    if o.source_kind == SourceKind.COMBINED:
        return "（根据多条信息综合整理）"
    return f"（{o.author_name}）" if o.author_name else ""


def _day(value: dt.datetime | None) -> dt.date:
    return timezone.localtime(value).date() if value else timezone.localdate()


def issue_parts(issue: Issue, items: list[Opinion]) -> IssueParts:
    draft = issue.state != "published" or not issue.number
    day = _day(issue.published_at)
    return IssueParts(
        masthead=Series(issue.series).label,
        number="草稿（未印发）" if draft else f"{issue.year}年第{issue.number}期",
        draft=draft,
        editor=f"{issue.committee.short_name or issue.committee.name}编",
        date=f"{day.year}年{day.month}月{day.day}日",
        items=[Piece(o.shown_title, [line.strip() for line in o.shown_body.splitlines() if line.strip()], byline(o))
               for o in items],
        main=f"主送：{'，'.join(issue.recipients_main)}。" if issue.recipients_main else "",
        copy=f"抄送：{'，'.join(issue.recipients_copy)}。" if issue.recipients_copy else "",
    )


def issue_docx(issue: Issue, items: list[Opinion]) -> bytes:
    """The issue as a Word file in the usual 《社情民意专递》 layout (see the module docstring)."""
    from docx.enum.text import WD_TAB_ALIGNMENT
    from docx.shared import Cm

    parts = issue_parts(issue, items)
    doc = new_document()
    para(doc, parts.masthead, font=TITLE_FONT, size=36, bold=True, align="center", color=RED)
    para(doc, parts.number, size=16, align="center", color=RED if parts.draft else None)
    line = para(doc, f"{parts.editor}\t{parts.date}")
    line.paragraph_format.tab_stops.add_tab_stop(Cm(15.6), WD_TAB_ALIGNMENT.RIGHT)
    rule(line, size=18)
    for n, piece in enumerate(parts.items):
        if n:
            page_break(doc)
        para(doc)
        para(doc, piece.title, font=TITLE_FONT, size=22, bold=True, align="center")
        para(doc)
        body_text(doc, "\n".join(piece.paragraphs))
        if piece.byline:
            para(doc, piece.byline, align="right")
    para(doc)
    foot = [text for text in (parts.main, parts.copy) if text]
    if foot:
        rule(para(doc), color="000000", size=8)
        for text in foot:
            rule(para(doc, text, size=14), color="000000", size=8)
    return save(doc)


def issue_html(issue: Issue, items: list[Opinion]) -> str:
    """The print-styled page the PDF is made from."""
    return render_to_string("opinions/export_issue.html", {"parts": issue_parts(issue, items)})


def issue_pdf(issue: Issue, items: list[Opinion]) -> bytes:
    """The issue as a PDF of the same layout (A4, printed by Chromium; raises `PdfUnavailable`)."""
    return html_to_pdf(issue_html(issue, items))
