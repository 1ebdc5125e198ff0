"""The statistics spreadsheet and the Word files: they open, hold the right words, and reach only
the people they are for."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document
from docx.oxml.ns import qn

from zhengxie.accounts.models import Role
from zhengxie.org.models import Unit
from zhengxie.proposals import exports
from zhengxie.proposals.models import Reply
from zhengxie.proposals.tests.test_stats import build_world, health_clerk, other_member  # noqa: F401 (fixtures)
from zhengxie.testing.factories import grant, make_persona
from zhengxie.testing.queries import growth_report, queries_during


@pytest.fixture
def world(committee_a, member_a, other_member, clerk_a, unit_a, health_clerk):  # noqa: F811
    return build_world(committee_a, member_a, other_member, clerk_a, unit_a, health_clerk)


def docx_text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    return "\n".join(p.text for p in doc.paragraphs)


def letter_url(p, reply):
    return reverse("proposals:reply_docx", args=[p.pk, reply.pk])


def formal_reply(p, **filters):
    return Reply.objects.filter(proposal=p, is_opinion=False, **filters).order_by("-round", "-id").first()


# --- Chinese dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("day, words", [
    (dt.date(2026, 3, 10), "二〇二六年三月十日"),
    (dt.date(2025, 12, 31), "二〇二五年十二月三十一日"),
    (dt.date(2030, 1, 1), "二〇三〇年一月一日"),
    (dt.date(2026, 11, 20), "二〇二六年十一月二十日"),
    (dt.date(2026, 10, 15), "二〇二六年十月十五日"),
])
def test_dates_are_written_the_way_official_documents_write_them(day, words):
    assert exports.chinese_date(day) == words


# --- the spreadsheet -------------------------------------------------------------------------------


def test_the_statistics_spreadsheet_opens_and_holds_the_numbers(world, login, clerk_a):
    response = login(clerk_a).get(reverse("proposals:stats_xlsx"), {"session": world.session.pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "attachment" in response["Content-Disposition"]

    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["总体情况", "按承办单位", "按提案类别", "按提案者类型", "按第一提案人界别", "按第一提案人党派"]
    summary = {row[0].value: row[1] for row in wb["总体情况"].iter_rows(min_row=2) if row[0].value}
    assert summary["收到"].value == 13 and summary["立案"].value == 9
    assert summary["立案率"].value == pytest.approx(9 / 13) and summary["立案率"].number_format == "0.0%"
    assert summary["满意率"].value == pytest.approx(0.75)
    units = wb["按承办单位"]
    header = [c.value for c in units[1]]
    assert header[:3] == ["承办单位", "交办单位次", "单位已答复"]
    rows = {r[0].value: r for r in units.iter_rows(min_row=2)}
    on_time = rows["区教育局"][header.index("按期答复率")]
    assert on_time.value == pytest.approx(0.5) and on_time.number_format == "0.0%"
    assert isinstance(rows["区教育局"][header.index("交办单位次")].value, int)


def test_a_unit_named_like_a_formula_stays_text_in_the_spreadsheet(world, committee_a, clerk_a, login):
    Unit.objects.filter(pk=world.edu.pk).update(name="=HYPERLINK(\"x\")")
    response = login(clerk_a).get(reverse("proposals:stats_xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["按承办单位"]
    cell = next(r[0] for r in sheet.iter_rows(min_row=2) if str(r[0].value).startswith("="))
    assert cell.data_type == "s"


# --- the reply letter ------------------------------------------------------------------------------


def test_the_reply_letter_has_the_official_layout(world, login, member_a):
    p = world.p["replied_a"]
    reply = formal_reply(p)
    response = login(member_a).get(letter_url(p, reply))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")

    text = docx_text(response.content)
    lines = [line for line in text.splitlines() if line]
    assert lines[0] == "区教育局"
    assert lines[1] == f"区教育局提复〔{timezone.localdate().year}〕{p.number}号"
    assert lines[2] == f"关于对政协十一届五次会议第{p.number:04d}号提案的答复"
    assert lines[3] == "member_a委员："
    assert "答复replied_a。" in text
    assert "办理结果：A 类（已解决或采纳）" in text
    assert "办理前沟通：面商，2026年2月20日" in text
    assert "签发人：李局长" in text
    assert exports.chinese_date(timezone.localdate()) in text
    assert "抄送：甲区政协提案委员会。" in text


def test_the_letter_names_east_asian_fonts(world, login, member_a):
    p = world.p["replied_a"]
    content = login(member_a).get(letter_url(p, formal_reply(p))).content
    doc = Document(io.BytesIO(content))
    fonts = {r._element.rPr.rFonts.get(qn("w:eastAsia")) for para in doc.paragraphs for r in para.runs}
    assert fonts <= {"SimSun", "FangSong"} and "FangSong" in fonts


def test_a_joint_proposal_letter_greets_every_proposer_and_copies_the_other_unit(world, login, unit_a):
    p = world.p["joint"]
    reply = formal_reply(p, assignment__unit=world.edu)
    text = docx_text(login(unit_a).get(letter_url(p, reply)).content)
    assert "other_member_tmp、member_a委员：" in text
    assert "办理结果：B 类" in text
    assert "抄送：甲区政协提案委员会，区卫生健康局。" in text


def test_a_proposal_without_a_session_number_is_named_by_its_title(world):
    p = world.p["between"]
    assert exports.reply_title(p) == f"关于对《{p.title}》的答复"
    p.title = "关于加快老旧小区改造"
    assert exports.reply_title(p) == "关于对《关于加快老旧小区改造》提案的答复"


def test_a_collective_proposal_letter_is_addressed_to_the_body(world):
    assert exports.salutation(world.p["collective"], []) == "民盟甲区基层委员会："


def test_the_proposal_office_and_the_replying_unit_may_download_the_letter(world, login, clerk_a, unit_a):
    p = world.p["replied_a"]
    url = letter_url(p, formal_reply(p))
    assert login(clerk_a).get(url).status_code == 200
    assert login(unit_a).get(url).status_code == 200


def test_another_units_clerk_gets_404_for_a_reply_letter(world, login, committee_a):
    housing = Unit.objects.get(committee=committee_a, name="区住房和城乡建设局")
    stranger = make_persona(committee_a, Role.MEMBER, "housing_clerk_tmp")
    stranger.grants.all().delete()
    grant(stranger, committee_a, Role.UNIT_HANDLER, housing)
    p = world.p["replied_a"]
    assert login(stranger).get(letter_url(p, formal_reply(p))).status_code == 404


def test_other_people_get_404_for_a_reply_letter(
    world, login, committee_a, leader_a, clerk_b, health_clerk,  # noqa: F811
):
    p = world.p["replied_a"]
    url = letter_url(p, formal_reply(p))
    bystander = make_persona(committee_a, Role.MEMBER, "bystander_tmp")
    for user in (bystander, leader_a, clerk_b, health_clerk):
        assert login(user).get(url).status_code == 404, user
    # a reply id under another proposal's number
    assert login(bystander).get(letter_url(world.p["closed_b"], formal_reply(p))).status_code == 404


def test_an_assisting_units_opinion_is_not_a_letter(world, login, clerk_a, committee_a, member_a):
    from zhengxie.proposals.models import Assignment

    p = world.p["handling"]
    opinion = Reply.objects.create(committee=committee_a, proposal=p, assignment=Assignment.objects.get(proposal=p),
                                   is_opinion=True, text="协办意见", author=clerk_a)
    assert login(clerk_a).get(letter_url(p, opinion)).status_code == 404


# --- the compilation -------------------------------------------------------------------------------


def test_the_compilation_lists_every_registered_proposal_in_number_order_with_its_replies(world, login, clerk_a):
    response = login(clerk_a).get(reverse("proposals:compilation_docx"), {"session": world.session.pk})
    assert response.status_code == 200
    text = docx_text(response.content)

    assert "提案及答复汇编" in text and "十一届五次会议" in text and "目　录" in text
    assert exports.chinese_date(timezone.localdate()) in text
    registered = sorted((p for p in world.p.values() if p.number and not p.between_sessions), key=lambda p: p.number)
    assert len(registered) == 9
    positions = [text.index(f"{p.number_label}\n") for p in registered]  # the headings, after the contents
    assert positions == sorted(positions)
    for p in registered:
        assert f"{p.number_label}　{p.title}" in text  # in the contents
    assert world.p["pending"].title not in text and world.p["merged"].title not in text
    assert world.p["between"].title not in text
    assert "答复redone。" in text and "（重新办理），办理结果：A 类" in text
    assert "区卫生健康局答复，办理结果：C 类" in text
    assert "民盟甲区基层委员会（党派）" in text
    assert "other_member_tmp、member_a（委员联名）" in text


def test_the_compilation_of_the_between_sessions_proposals(world, login, clerk_a):
    response = login(clerk_a).get(reverse("proposals:compilation_docx"), {"session": "between"})
    text = docx_text(response.content)
    assert "平时提案" in text and world.p["between"].title in text and world.p["joint"].title not in text


def test_only_the_proposal_office_may_download_the_compilation(world, login, member_a, leader_a, unit_a):
    url = reverse("proposals:compilation_docx")
    for user in (member_a, leader_a, unit_a):
        assert login(user).get(url).status_code == 403


def test_a_bad_session_for_the_compilation_says_so_in_chinese(login, clerk_a, committee_b):
    from zhengxie.org.models import Session

    client = login(clerk_a)
    foreign = Session.objects.get(committee=committee_b).pk
    response = client.get(reverse("proposals:compilation_docx"), {"session": foreign}, follow=True)
    assert "所选会议不存在" in response.content.decode()


def test_the_compilation_runs_the_same_queries_however_many_proposals(
    login, clerk_a, committee_a, member_a, other_member, unit_a, health_clerk,  # noqa: F811
):
    client = login(clerk_a)
    url = reverse("proposals:compilation_docx")
    build_world(committee_a, member_a, other_member, clerk_a, unit_a, health_clerk, tag="一")
    _, few = queries_during(lambda: client.get(url))
    build_world(committee_a, member_a, other_member, clerk_a, unit_a, health_clerk, tag="二")
    _, many = queries_during(lambda: client.get(url))
    assert len(many) == len(few), growth_report(few, many)
