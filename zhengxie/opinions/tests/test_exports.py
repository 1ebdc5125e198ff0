"""The statistics spreadsheet and an issue as Word and PDF: they open, hold what the page shows, and go
only to those who may see the issue."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document
from docx.oxml.ns import qn

from zhengxie.core.pdf import chromium_path
from zhengxie.opinions import exports, services
from zhengxie.opinions.tests.conftest import acc, signed
from zhengxie.opinions.tests.test_stats import build_world

needs_chromium = pytest.mark.skipif(chromium_path() is None and not __import__("os").environ.get("CI"),
                                    reason="PDF export needs Debian's chromium and fonts-noto-cjk")


@pytest.fixture
def world(county, city, province, member_a, informant_a, editor_a, leader_a, city_editor, city_leader,
          province_editor):
    return build_world(county, city, province, member_a, informant_a, editor_a, leader_a, city_editor, city_leader,
                       province_editor)


def docx_paragraphs(content: bytes) -> list:
    return list(Document(io.BytesIO(content)).paragraphs)


def pdf_pages(content: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", content))


# --- statistics ------------------------------------------------------------------------------------


def test_the_statistics_spreadsheet_opens_and_holds_the_numbers(world, login, editor_a):
    response = login(editor_a).get(reverse("opinions:stats_xlsx"), {"year": timezone.localdate().year})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"] and "no-store" in response["Cache-Control"]
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["总体情况", "按信息来源", "按界别", "按党派", "按作者"]
    summary = {row[0].value: row[1] for row in wb["总体情况"].iter_rows(min_row=2) if row[0].value}
    assert summary["收到"].value == 7 and summary["采用"].value == 4 and summary["报送上级"].value == 3
    assert summary["被市级采用"].value == 1 and summary["获市级批示"].value == 1
    assert summary["采用率"].value == pytest.approx(4 / 7) and summary["采用率"].number_format == "0.0%"
    assert summary["印发期刊"].value == 1
    sources = {row[0].value: [c.value for c in row[1:]] for row in wb["按信息来源"].iter_rows(min_row=2)}
    header = [c.value for c in wb["按信息来源"][1]]
    assert sources["特邀信息员"][header.index("报送上级") - 1] == 1


def test_an_author_named_like_a_formula_stays_text_in_the_spreadsheet(world, login, editor_a, county):
    o = services.opinion_create(access=acc(editor_a, county), title="关于公式的建议", body="正文。", source_kind="party",
                                body_name="=HYPERLINK(\"x\")")
    services.opinion_transition(access=acc(editor_a, county), opinion_id=o.pk, name="submit")
    o.refresh_from_db()
    o.sector_name = "=1+1"
    o.save(update_fields=["sector_name"])
    wb = openpyxl.load_workbook(io.BytesIO(login(editor_a).get(reverse("opinions:stats_xlsx")).content))
    cell = next(row[0] for row in wb["按界别"].iter_rows(min_row=2) if row[0].value == "=1+1")
    assert cell.data_type == "s"


def test_members_may_not_download_the_statistics(login, member_a):
    assert login(member_a).get(reverse("opinions:stats_xlsx")).status_code == 403


# --- the issue as Word -----------------------------------------------------------------------------


def test_the_issue_as_word_has_the_masthead_the_items_and_the_recipients(world, login, editor_a):
    response = login(editor_a).get(reverse("opinions:issue_docx", args=[world.issue.pk]))
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    paragraphs = docx_paragraphs(response.content)
    texts = [p.text for p in paragraphs]
    assert texts[0] == "社情民意专递"
    head = paragraphs[0].runs[0]
    assert str(head.font.color.rgb) == "C00000" and head.font.bold
    assert f"{world.issue.year}年第1期" in texts
    day = timezone.localdate()
    assert f"甲区政协编\t{day.year}年{day.month}月{day.day}日" in texts
    single, piece = world.o["single"], world.o["piece"]
    for title in (single.shown_title, piece.shown_title):
        p = paragraphs[texts.index(title)]
        assert p.alignment == 1  # centred
    body = paragraphs[texts.index(single.shown_body.splitlines()[0])]
    assert body.paragraph_format.first_line_indent is not None
    assert texts.index(single.shown_title) < texts.index(piece.shown_title)
    assert f"（{single.author_name}）" in texts and "（根据多条信息综合整理）" in texts
    assert texts[-2:] == ["主送：区委，区政府。", "抄送：市政协。"]
    # The red rule under the committee line, and a page break before the second item.
    xml = Document(io.BytesIO(response.content)).element.xml
    assert 'w:color="C00000"' in xml and 'w:type="page"' in xml


def test_the_issue_names_east_asian_fonts(world):
    content = exports.issue_docx(world.issue, [i.opinion for i in world.issue.items.all()])
    paragraphs = docx_paragraphs(content)
    title = next(p for p in paragraphs if p.text == world.o["single"].shown_title)
    body = next(p for p in paragraphs if p.text == world.o["single"].shown_body.splitlines()[0])
    assert title.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "SimSun"
    assert body.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "FangSong"


def test_a_member_of_the_public_is_not_named_in_the_issue(county, editor_a, leader_a):
    o = services.opinion_submit_public(committee=county, name="李四", contact="13900000000", title="关于路灯的建议",
                                       body="某路段路灯损坏。")
    ed = acc(editor_a, county)
    services.opinion_transition(access=ed, opinion_id=o.pk, name="adopt")
    services.opinion_edit(access=ed, opinion_id=o.pk, title=o.title, body=o.body)
    services.opinion_transition(access=acc(leader_a, county), opinion_id=o.pk, name="sign")
    issue = services.issue_create(access=ed, series="special", recipients_main=["区政府"])
    services.issue_update(access=ed, issue_id=issue.pk, opinion_ids=[o.pk])
    o.refresh_from_db()
    texts = [p.text for p in docx_paragraphs(exports.issue_docx(issue, [o]))]
    assert "社情民意专报" in texts and "（社会公众反映）" in texts
    assert not any("李四" in t or "1390000" in t for t in texts)


def test_an_editor_may_download_a_draft_issue_marked_as_a_draft(member_a, editor_a, leader_a, county, login):
    o = signed(member_a, editor_a, leader_a, county)
    issue = services.issue_create(access=acc(editor_a, county), series="express", recipients_main=["区委"])
    services.issue_update(access=acc(editor_a, county), issue_id=issue.pk, opinion_ids=[o.pk])
    response = login(editor_a).get(reverse("opinions:issue_docx", args=[issue.pk]))
    assert response.status_code == 200
    texts = [p.text for p in docx_paragraphs(response.content)]
    assert "草稿（未印发）" in texts and f"opinions-express-draft-{issue.pk}.docx" in response["Content-Disposition"]
    assert "社情民意专递" in texts and not any("第" in t and "期" in t for t in texts[:3])  # no number yet
    # A member sees published issues only: a draft is not there for them.
    assert login(member_a).get(reverse("opinions:issue_docx", args=[issue.pk])).status_code == 404


def test_a_published_issue_is_for_this_committee_only(world, login, member_a, editor_b, city_editor):
    url = reverse("opinions:issue_docx", args=[world.issue.pk])
    assert login(member_a).get(url).status_code == 200
    assert login(editor_b).get(url).status_code == 404
    assert login(city_editor).get(url).status_code == 404
    assert login(editor_b).get(reverse("opinions:issue_pdf", args=[world.issue.pk])).status_code == 404


def test_the_issue_exports_need_a_login(world, client):
    response = client.get(reverse("opinions:issue_docx", args=[world.issue.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


# --- the issue as PDF ------------------------------------------------------------------------------


@needs_chromium
def test_the_issue_as_pdf_has_a_page_per_item(world, login, editor_a):
    response = login(editor_a).get(reverse("opinions:issue_pdf", args=[world.issue.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert pdf_pages(response.content) == 2  # two short items, each on its own page
    assert b"/ToUnicode" in response.content  # the embedded CJK glyphs map back to text (search, copy)


def test_the_print_page_has_the_same_words_as_the_word_file(world):
    html = exports.issue_html(world.issue, [i.opinion for i in world.issue.items.all()])
    for text in ("社情民意专递", f"{world.issue.year}年第1期", "甲区政协编", world.o["single"].shown_title,
                 "主送：区委，区政府。", "抄送：市政协。"):
        assert text in html
    assert "default-src 'none'" in html  # nothing is loaded while printing


def test_without_a_browser_the_pdf_link_says_so_and_offers_word(world, login, editor_a, monkeypatch):
    monkeypatch.setenv("ZHENGXIE_CHROMIUM", "/nonexistent/chromium")
    response = login(editor_a).get(reverse("opinions:issue_pdf", args=[world.issue.pk]))
    assert response.status_code == 503
    html = response.content.decode()
    assert "Word" in html and reverse("opinions:issue_docx", args=[world.issue.pk]) in html
