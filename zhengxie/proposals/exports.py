"""Files the proposal office sends out: the statistics as .xlsx, a unit's reply letter and the session's
提案及答复汇编 as Word (.docx) files, the formats committees and units exchange.

The letter follows the usual layout of an official letter (GB/T 9704 margins, 仿宋 body, 宋体 headings,
the issuing unit's name in red above a red rule). East Asian text needs its font named in
`w:rFonts/@w:eastAsia`: Word otherwise falls back to the theme's East Asian font.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from zhengxie.org.models import Committee, Session
from zhengxie.proposals.models import Assignment, Proposal, Reply, Signer
from zhengxie.proposals.stats import FAMILY_UNIT, FIGURES, MEMBER_KINDS, REGISTERED_STATES, Report

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.text.paragraph import Paragraph

BODY_FONT = "FangSong"  # 仿宋: the body of official documents
TITLE_FONT = "SimSun"  # 宋体 (offices use 方正小标宋 where installed; SimSun is everywhere)
RED = (0xC0, 0x00, 0x00)
CN_DIGITS = "〇一二三四五六七八九"


# ---------------------------------------------------------------------------------------------
# Statistics as .xlsx
# ---------------------------------------------------------------------------------------------


def stats_xlsx(report: Report, scope_words: list[str]) -> bytes:
    """The statistics page's tables, one sheet each: a header row, numbers as numbers, percentages as
    percentages (the cell holds 0.875, shown 87.5%)."""
    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "总体情况"
    sheet.append(["指标", "数值", "单位"])
    for col in report.cards:
        value = col.value(report.total)
        unit = FAMILY_UNIT[FIGURES[col.key].family] if col.kind == "count" else ("天" if col.kind == "days" else "")
        sheet.append([col.label, value, unit])
        _format(sheet.cell(row=sheet.max_row, column=2), col.kind)
    sheet.append([])
    sheet.append(["统计范围", "、".join(scope_words) or "全部提案"])
    sheet.append(["生成时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")])
    _finish(sheet, Font, widths=(22, 14, 8))
    for table in report.tables:
        ws = wb.create_sheet(table.title[:31])
        ws.append([table.first] + [c.label for c in table.columns])
        for row in table.rows:
            ws.append([row.label] + [c.value(row.numbers) for c in table.columns])
            for i, col in enumerate(table.columns, start=2):
                _format(ws.cell(row=ws.max_row, column=i), col.kind)
        _finish(ws, Font, widths=(22,) + (12,) * len(table.columns))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _format(cell: Any, kind: str) -> None:
    if kind == "rate":
        cell.number_format = "0.0%"
    elif kind == "days":
        cell.number_format = "0.0"
    else:
        cell.number_format = "0"


def _finish(ws: Any, font: Any, widths: Iterable[int]) -> None:
    from openpyxl.utils import get_column_letter

    for cell in ws[1]:
        cell.font = font(bold=True)
    for row in ws.iter_rows():
        for cell in row:
            # A unit or sector named "=…" stays text, never a formula run by whoever opens the file.
            if isinstance(cell.value, str):
                cell.data_type = "s"
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "B2"


# ---------------------------------------------------------------------------------------------
# Word helpers
# ---------------------------------------------------------------------------------------------


def chinese_date(day: dt.date) -> str:
    """二〇二六年三月十日: the date as official documents write it."""
    return f"{''.join(CN_DIGITS[int(c)] for c in str(day.year))}年{_cn_number(day.month)}月{_cn_number(day.day)}日"


def _cn_number(n: int) -> str:
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CN_DIGITS[ones]
    return f"{'' if tens == 1 else CN_DIGITS[tens]}十{CN_DIGITS[ones] if ones else ''}"


def _set_font(element_rpr: Any, name: str) -> None:
    from docx.oxml.ns import qn

    rfonts = element_rpr.get_or_add_rFonts()
    for attr in list(rfonts.attrib):
        if attr.endswith("Theme"):  # a theme font would win over the names below
            del rfonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), name)


def _new_document() -> DocxDocument:
    from docx import Document
    from docx.shared import Cm, Pt, RGBColor

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    for style_name, font, size, bold in (("Normal", BODY_FONT, 16, False), ("Title", TITLE_FONT, 22, True),
                                         ("Heading 1", TITLE_FONT, 16, True), ("Heading 2", BODY_FONT, 16, True)):
        style = doc.styles[style_name]
        style.font.size, style.font.bold = Pt(size), bold
        style.font.color.rgb = RGBColor(0, 0, 0)
        _set_font(style.element.get_or_add_rPr(), font)
    normal = doc.styles["Normal"].paragraph_format
    normal.line_spacing, normal.space_after = Pt(28), Pt(0)
    return doc


def _para(doc: DocxDocument, text: str = "", *, font: str = BODY_FONT, size: float = 16, bold: bool = False,
          align: str = "left", indent: bool = False, color: tuple[int, int, int] | None = None,
          style: str | None = None) -> Paragraph:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    p = doc.add_paragraph(style=style)
    p.alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
                   "right": WD_ALIGN_PARAGRAPH.RIGHT, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}[align]
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)  # two characters
    if text:
        run = p.add_run(text)
        run.font.size, run.font.bold = Pt(size), bold
        if color:
            run.font.color.rgb = RGBColor(*color)
        _set_font(run._element.get_or_add_rPr(), font)
    return p


def _text(doc: DocxDocument, text: str) -> None:
    """Body text: one indented paragraph per line the author wrote."""
    for line in (text or "").splitlines():
        if line.strip():
            _para(doc, line.strip(), indent=True, align="justify")


def _rule(paragraph: Paragraph, color: str = "C00000") -> None:
    """A red line under the paragraph (the rule under a letterhead)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "4"), ("w:color", color)):
        bottom.set(qn(key), value)
    borders.append(bottom)
    ppr.append(borders)


def _save(doc: DocxDocument) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _name(user: Any) -> str:
    return user.display_name or user.username


# ---------------------------------------------------------------------------------------------
# The reply letter
# ---------------------------------------------------------------------------------------------


def reply_title(p: Proposal) -> str:
    """关于对政协十一届五次会议第0012号提案的答复, or by title where the proposal has no session number."""
    if p.number_label and p.session_id and not p.between_sessions:
        return f"关于对政协{p.number_label}提案的答复"
    title = p.title.strip()
    return f"关于对《{title}》的答复" if title.endswith("提案") else f"关于对《{title}》提案的答复"


def document_number(reply: Reply) -> str:
    """The letter's 文号: the unit's short name, 提复, the year and the proposal's number (the reply's
    own id where the proposal has none), e.g. 区教育局提复〔2026〕12号."""
    unit = reply.assignment.unit
    year = timezone.localtime(reply.created_at).year
    return f"{unit.short_name or unit.name}提复〔{year}〕{reply.proposal.number or reply.pk}号"


def salutation(p: Proposal, proposers: list[Any]) -> str:
    """张三、李四委员： for members; the body's name for a collective proposal (民盟某某区委：)."""
    if p.body_name and p.proposer_kind not in MEMBER_KINDS:
        return f"{p.body_name}："
    return f"{'、'.join(_name(u) for u in proposers)}委员："


def ordered_proposers(p: Proposal, users: Iterable[Any]) -> list[Any]:
    """The first proposer first, the others in the order they joined (by account id)."""
    return sorted(users, key=lambda u: (u.pk != p.proposer_id, u.pk))


def reply_docx(reply: Reply, proposers: list[Any]) -> bytes:
    """The reply letter of `reply` (a lead or split unit's formal reply) addressed to `proposers`."""
    p, unit = reply.proposal, reply.assignment.unit
    doc = _new_document()
    _para(doc, unit.name, font=TITLE_FONT, size=26, bold=True, align="center", color=RED)
    _rule(_para(doc, document_number(reply), align="center"))
    _para(doc)
    _para(doc, reply_title(p), font=TITLE_FONT, size=22, bold=True, align="center")
    _para(doc)
    _para(doc, salutation(p, ordered_proposers(p, proposers)))
    you = "贵单位" if p.body_name and p.proposer_kind not in MEMBER_KINDS else ("您们" if len(proposers) > 1 else "您")
    number = f"（{p.number_label}）" if p.number_label else ""
    _para(doc, f"{you}提出的《{p.title}》{number}收悉，现答复如下：", indent=True)
    _text(doc, reply.text)
    if reply.grade:
        _para(doc, f"办理结果：{reply.grade} 类（{reply.get_grade_display()[2:]}）", indent=True)
    if reply.contact:
        day = reply.contact_date
        when = f"，{day.year}年{day.month}月{day.day}日" if isinstance(day, dt.date) else ""
        _para(doc, f"办理前沟通：{reply.get_contact_display()}{when}", indent=True)
    _para(doc, f"联系人：{_name(reply.author)}", indent=True)
    if reply.signed_by:
        _para(doc, f"签发人：{reply.signed_by}", indent=True)
    _para(doc)
    _para(doc, unit.name, align="right")
    _para(doc, chinese_date(timezone.localtime(reply.created_at).date()), align="right")
    _para(doc)
    copies = [f"{p.committee.short_name}提案委员会"]
    copies += [a.unit.name for a in Assignment.objects.filter(proposal=p).exclude(
        status=Assignment.Status.WITHDRAWN).exclude(unit=unit).select_related("unit").order_by("id")]
    _rule(_para(doc, f"抄送：{'，'.join(copies)}。", size=14), color="000000")
    return _save(doc)


# ---------------------------------------------------------------------------------------------
# 提案及答复汇编
# ---------------------------------------------------------------------------------------------


def compilation_proposals(committee: Committee, *, session: Session | None, between: bool) -> QuerySet[Proposal]:
    """The registered proposals of a session (or the 平时提案) in number order, with their proposers and
    formal replies fetched in four queries in all."""
    accepted = Signer.objects.filter(status=Signer.Status.ACCEPTED).select_related("user").order_by("id")
    qs = Proposal.objects.filter(committee=committee, state__in=REGISTERED_STATES)
    qs = qs.filter(between_sessions=True) if between else qs.filter(session=session, between_sessions=False)
    return qs.select_related("proposer").prefetch_related(
        Prefetch("signers", queryset=accepted, to_attr="accepted_signers"),
        Prefetch("merged", queryset=Proposal.objects.select_related("proposer").prefetch_related(
            Prefetch("signers", queryset=accepted, to_attr="accepted_signers")).order_by("id"), to_attr="merged_items"),
        Prefetch("replies", queryset=Reply.objects.filter(is_opinion=False).select_related("assignment__unit")
                 .order_by("round", "created_at", "id"), to_attr="formal_replies"),
    ).order_by("number", "id")


def _proposers_of(p: Proposal) -> list[Any]:
    users = {p.proposer_id: p.proposer}
    for item in [p, *getattr(p, "merged_items", [])]:
        users.setdefault(item.proposer_id, item.proposer)
        for s in getattr(item, "accepted_signers", []):
            users.setdefault(s.user_id, s.user)
    return ordered_proposers(p, users.values())


def _byline(p: Proposal) -> str:
    if p.body_name and p.proposer_kind not in MEMBER_KINDS:
        return p.body_name
    return "、".join(_name(u) for u in _proposers_of(p))


def compilation_docx(committee: Committee, *, session: Session | None, between: bool,
                     proposals: Iterable[Proposal]) -> bytes:
    """提案及答复汇编: a cover, a contents list, then every registered proposal in number order with its
    proposer(s), text and replies."""
    from docx.enum.text import WD_BREAK

    items = list(proposals)
    series = "平时提案" if between else (session.name if session else "")
    doc = _new_document()
    for _ in range(4):
        _para(doc)
    _para(doc, committee.name, font=TITLE_FONT, size=22, bold=True, align="center")
    _para(doc, series, font=TITLE_FONT, size=22, bold=True, align="center")
    _para(doc, "提案及答复汇编", font=TITLE_FONT, size=36, bold=True, align="center", style="Title")
    for _ in range(6):
        _para(doc)
    _para(doc, f"{committee.short_name}提案委员会　编", align="center")
    _para(doc, chinese_date(timezone.localdate()), align="center")
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    _para(doc, "目　录", font=TITLE_FONT, size=22, bold=True, align="center")
    if not items:
        _para(doc, "本次会议尚无立案提案。", align="center")
    for p in items:
        _para(doc, f"{p.number_label}　{p.title}（{_byline(p)}）", size=14)
    for p in items:
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        heading = doc.add_heading(level=1)
        _set_font(heading.add_run(p.number_label)._element.get_or_add_rPr(), TITLE_FONT)
        _para(doc, p.title, font=TITLE_FONT, size=18, bold=True, align="center")
        _para(doc, f"提案人：{_byline(p)}（{p.get_proposer_kind_display()}）")
        _para(doc, f"类别：{p.get_category_display()}")
        _para(doc, "案由", bold=True)
        _text(doc, p.reason)
        _para(doc, "建议", bold=True)
        _text(doc, p.suggestion)
        for r in getattr(p, "formal_replies", []):
            grade = f"，办理结果：{r.grade} 类" if r.grade else ""
            again = "（重新办理）" if r.round > 1 else ""
            _para(doc, f"{r.assignment.unit.name}答复{again}{grade}", bold=True)
            _text(doc, r.text)
            _para(doc, f"{r.assignment.unit.name}　{chinese_date(timezone.localtime(r.created_at).date())}",
                  align="right")
    return _save(doc)
