"""Files the proposal office sends out: the statistics as .xlsx, a unit's reply letter and the session's
提案及答复汇编 as Word (.docx) files, the formats committees and units exchange.

The letter follows the usual layout of an official letter (GB/T 9704 margins, 仿宋 body, 宋体 headings,
the issuing unit's name in red above a red rule). East Asian text needs its font named in
`w:rFonts/@w:eastAsia`: Word otherwise falls back to the theme's East Asian font.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from zhengxie.core.officedocs import (
    RED, TITLE_FONT, body_text, chinese_date, new_document, page_break, para, rule, save, set_font,
)
from zhengxie.core.spreadsheets import Sheet, SummaryLine, report_xlsx
from zhengxie.org.models import Committee, Session
from zhengxie.proposals.models import Assignment, Proposal, Reply, Signer
from zhengxie.proposals.stats import FAMILY_UNIT, FIGURES, MEMBER_KINDS, REGISTERED_STATES, Report

# ---------------------------------------------------------------------------------------------
# Statistics as .xlsx
# ---------------------------------------------------------------------------------------------


def stats_xlsx(report: Report, scope_words: list[str]) -> bytes:
    """The statistics page's tables, one sheet each: a header row, numbers as numbers, percentages as
    percentages (the cell holds 0.875, shown 87.5%)."""
    summary = []
    for col in report.cards:
        unit = FAMILY_UNIT[FIGURES[col.key].family] if col.kind == "count" else ("天" if col.kind == "days" else "")
        summary.append(SummaryLine(col.label, col.value(report.total), unit, col.kind))
    sheets = [Sheet(table.title, [table.first] + [c.label for c in table.columns],
                    [[row.label] + [c.value(row.numbers) for c in table.columns] for row in table.rows],
                    [c.kind for c in table.columns]) for table in report.tables]
    return report_xlsx("总体情况", summary, sheets, notes=[("统计范围", "、".join(scope_words) or "全部提案")])


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
    doc = new_document()
    para(doc, unit.name, font=TITLE_FONT, size=26, bold=True, align="center", color=RED)
    rule(para(doc, document_number(reply), align="center"))
    para(doc)
    para(doc, reply_title(p), font=TITLE_FONT, size=22, bold=True, align="center")
    para(doc)
    para(doc, salutation(p, ordered_proposers(p, proposers)))
    you = "贵单位" if p.body_name and p.proposer_kind not in MEMBER_KINDS else ("您们" if len(proposers) > 1 else "您")
    number = f"（{p.number_label}）" if p.number_label else ""
    para(doc, f"{you}提出的《{p.title}》{number}收悉，现答复如下：", indent=True)
    body_text(doc, reply.text)
    if reply.grade:
        para(doc, f"办理结果：{reply.grade} 类（{reply.get_grade_display()[2:]}）", indent=True)
    if reply.contact:
        day = reply.contact_date
        when = f"，{day.year}年{day.month}月{day.day}日" if isinstance(day, dt.date) else ""
        para(doc, f"办理前沟通：{reply.get_contact_display()}{when}", indent=True)
    para(doc, f"联系人：{_name(reply.author)}", indent=True)
    if reply.signed_by:
        para(doc, f"签发人：{reply.signed_by}", indent=True)
    para(doc)
    para(doc, unit.name, align="right")
    para(doc, chinese_date(timezone.localtime(reply.created_at).date()), align="right")
    para(doc)
    copies = [f"{p.committee.short_name}提案委员会"]
    copies += [a.unit.name for a in Assignment.objects.filter(proposal=p).exclude(
        status=Assignment.Status.WITHDRAWN).exclude(unit=unit).select_related("unit").order_by("id")]
    rule(para(doc, f"抄送：{'，'.join(copies)}。", size=14), color="000000")
    return save(doc)


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
    items = list(proposals)
    series = "平时提案" if between else (session.name if session else "")
    doc = new_document()
    for _ in range(4):
        para(doc)
    para(doc, committee.name, font=TITLE_FONT, size=22, bold=True, align="center")
    para(doc, series, font=TITLE_FONT, size=22, bold=True, align="center")
    para(doc, "提案及答复汇编", font=TITLE_FONT, size=36, bold=True, align="center", style="Title")
    for _ in range(6):
        para(doc)
    para(doc, f"{committee.short_name}提案委员会　编", align="center")
    para(doc, chinese_date(timezone.localdate()), align="center")
    page_break(doc)

    para(doc, "目　录", font=TITLE_FONT, size=22, bold=True, align="center")
    if not items:
        para(doc, "本次会议尚无立案提案。", align="center")
    for p in items:
        para(doc, f"{p.number_label}　{p.title}（{_byline(p)}）", size=14)
    for p in items:
        page_break(doc)
        heading = doc.add_heading(level=1)
        set_font(heading.add_run(p.number_label)._element.get_or_add_rPr(), TITLE_FONT)
        para(doc, p.title, font=TITLE_FONT, size=18, bold=True, align="center")
        para(doc, f"提案人：{_byline(p)}（{p.get_proposer_kind_display()}）")
        para(doc, f"类别：{p.get_category_display()}")
        para(doc, "案由", bold=True)
        body_text(doc, p.reason)
        para(doc, "建议", bold=True)
        body_text(doc, p.suggestion)
        for r in getattr(p, "formal_replies", []):
            grade = f"，办理结果：{r.grade} 类" if r.grade else ""
            again = "（重新办理）" if r.round > 1 else ""
            para(doc, f"{r.assignment.unit.name}答复{again}{grade}", bold=True)
            body_text(doc, r.text)
            para(doc, f"{r.assignment.unit.name}　{chinese_date(timezone.localtime(r.created_at).date())}",
                  align="right")
    return save(doc)
