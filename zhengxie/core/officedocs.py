"""Word (.docx) files in the layout of Chinese official documents, for every module that sends one out
(a unit's reply letter, 提案及答复汇编, 《社情民意专递》 …).

GB/T 9704 page and margins, 仿宋 body at 三号 (16 pt) on a 28 pt line, 宋体 headings, a red
letterhead over a red rule. East Asian text needs its font named in `w:rFonts/@w:eastAsia`: Word
otherwise falls back to the theme's East Asian font, whatever `w:ascii` says.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.text.paragraph import Paragraph

BODY_FONT = "FangSong"  # 仿宋: the body of official documents
TITLE_FONT = "SimSun"  # 宋体 (offices use 方正小标宋 where installed; SimSun is everywhere)
RED = (0xC0, 0x00, 0x00)
CN_DIGITS = "〇一二三四五六七八九"


def chinese_date(day: dt.date) -> str:
    """二〇二六年三月十日: the date as official documents write it."""
    return f"{''.join(CN_DIGITS[int(c)] for c in str(day.year))}年{cn_number(day.month)}月{cn_number(day.day)}日"


def cn_number(n: int) -> str:
    """1–99 in Chinese numerals (三, 十二, 二十): months and days."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CN_DIGITS[ones]
    return f"{'' if tens == 1 else CN_DIGITS[tens]}十{CN_DIGITS[ones] if ones else ''}"


def set_font(element_rpr: Any, name: str) -> None:
    """Name `name` for every script of a run or style (East Asian included), overriding theme fonts."""
    from docx.oxml.ns import qn

    rfonts = element_rpr.get_or_add_rFonts()
    for attr in list(rfonts.attrib):
        if attr.endswith("Theme"):  # a theme font would win over the names below
            del rfonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), name)


def new_document() -> DocxDocument:
    """An A4 document with official margins and the Normal/Title/Heading styles set to CJK fonts."""
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
        set_font(style.element.get_or_add_rPr(), font)
    normal = doc.styles["Normal"].paragraph_format
    normal.line_spacing, normal.space_after = Pt(28), Pt(0)
    return doc


def para(doc: DocxDocument, text: str = "", *, font: str = BODY_FONT, size: float = 16, bold: bool = False,
         align: str = "left", indent: bool = False, color: tuple[int, int, int] | None = None,
         style: str | None = None) -> Paragraph:
    """One paragraph of one run; `indent` is the two-character first-line indent of body text."""
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
        set_font(run._element.get_or_add_rPr(), font)
    return p


def body_text(doc: DocxDocument, text: str) -> None:
    """Body text: one indented paragraph per line the author wrote."""
    for line in (text or "").splitlines():
        if line.strip():
            para(doc, line.strip(), indent=True, align="justify")


def rule(paragraph: Paragraph, color: str = "C00000", *, size: int = 12) -> None:
    """A line under the paragraph (red: the rule under a letterhead); `size` in eighths of a point."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", str(size)), ("w:space", "4"), ("w:color", color)):
        bottom.set(qn(key), value)
    borders.append(bottom)
    ppr.append(borders)


def page_break(doc: DocxDocument) -> None:
    from docx.enum.text import WD_BREAK

    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def save(doc: DocxDocument) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
