"""Issues through the pages: create one, add signed items in order, set recipients, publish (numbered on
publication), and the issue page; then the public form with its rate limit and spam guard."""

from __future__ import annotations

import re
import time

import pytest
from django.core import signing

from zhengxie.accounts.models import LoginThrottle
from zhengxie.opinions import services
from zhengxie.opinions.forms import SPAM_SALT
from zhengxie.opinions.models import Issue, IssueItem, Opinion
from zhengxie.opinions.tests.conftest import TEXT, acc, signed
from zhengxie.opinions.views import public as public_views


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def new_issue(client, **extra) -> Issue:
    response = client.post("/opinions/issues/", {"series": "express", "recipients_main": "区委、区政府",
                                                 "recipients_copy": "", **extra})
    assert response.status_code == 302, text_of(response)
    return Issue.objects.order_by("-id").first()  # type: ignore[return-value]


# --- issues ------------------------------------------------------------------------------------------------


def test_an_editor_composes_and_publishes_an_issue(client, member_a, editor_a, leader_a, committee_a):
    a = signed(member_a, editor_a, leader_a, committee_a, title="关于甲的建议")
    b = signed(member_a, editor_a, leader_a, committee_a, title="关于乙的建议")
    client.force_login(editor_a)
    page = client.get("/opinions/issues/")
    assert "有 2 条已签发的信息等待编入期刊" in text_of(page)
    issue = new_issue(client)
    assert issue.recipients_main == ["区委", "区政府"] and issue.number is None
    page = text_of(client.get(f"/opinions/issues/{issue.pk}/"))
    assert "可编入的信息（已签发，2 条）" in page and "（待印发）" in page
    # b first, then a (added in the order listed: by signing time), then reordered by position numbers.
    client.post(f"/opinions/issues/{issue.pk}/compose/", {"add": [a.pk, b.pk], "recipients_main": "区委、区政府",
                                                          "recipients_copy": "市政协", "version": issue.version})
    issue.refresh_from_db()
    assert [i.opinion_id for i in IssueItem.objects.filter(issue=issue)] == [a.pk, b.pk]
    client.post(f"/opinions/issues/{issue.pk}/compose/", {f"pos-{a.pk}": 2, f"pos-{b.pk}": 1,
                                                          "recipients_main": "区委、区政府", "recipients_copy": "市政协",
                                                          "version": issue.version})
    assert [i.opinion_id for i in IssueItem.objects.filter(issue=issue)] == [b.pk, a.pk]
    issue.refresh_from_db()
    response = client.post(f"/opinions/issues/{issue.pk}/publish/", {"version": issue.version}, follow=True)
    issue.refresh_from_db()
    assert issue.state == "published" and issue.number == 1
    year = issue.year
    assert f"已印发《社情民意专递》{year}年第1期" in text_of(response)
    assert set(Opinion.objects.filter(pk__in=[a.pk, b.pk]).values_list("state", flat=True)) == {"published"}


def test_publishing_twice_is_refused_and_the_number_stays(client, member_a, editor_a, leader_a, committee_a):
    a = signed(member_a, editor_a, leader_a, committee_a)
    client.force_login(editor_a)
    issue = new_issue(client)
    services.issue_update(access=acc(editor_a, committee_a), issue_id=issue.pk, opinion_ids=[a.pk])
    client.post(f"/opinions/issues/{issue.pk}/publish/")
    response = client.post(f"/opinions/issues/{issue.pk}/publish/")
    assert response.status_code == 409
    assert "不能重复印发或再修改" in text_of(response)
    issue.refresh_from_db()
    assert issue.number == 1
    response = client.post(f"/opinions/issues/{issue.pk}/compose/", {f"remove-{a.pk}": "1", "recipients_main": "区委"})
    assert response.status_code == 409
    assert IssueItem.objects.filter(issue=issue).count() == 1


def test_an_empty_issue_or_one_without_recipients_is_not_published(client, member_a, editor_a, leader_a, committee_a):
    client.force_login(editor_a)
    issue = new_issue(client, recipients_main="")
    response = client.post(f"/opinions/issues/{issue.pk}/publish/")
    assert response.status_code == 409 and "这一期还没有编入信息，不能印发。" in text_of(response)
    a = signed(member_a, editor_a, leader_a, committee_a)
    services.issue_update(access=acc(editor_a, committee_a), issue_id=issue.pk, opinion_ids=[a.pk])
    response = client.post(f"/opinions/issues/{issue.pk}/publish/")
    assert response.status_code == 409 and "请填写主送单位。" in text_of(response)
    issue.refresh_from_db()
    assert issue.state == "draft" and issue.number is None


def test_an_unsigned_item_cannot_be_added(client, member_a, editor_a, committee_a):
    from zhengxie.opinions.tests.conftest import submitted

    o = submitted(member_a, committee_a)
    client.force_login(editor_a)
    issue = new_issue(client)
    response = client.post(f"/opinions/issues/{issue.pk}/compose/", {"add": [o.pk], "recipients_main": "区委"})
    assert response.status_code == 409 and "只能编入已采用、尚未刊发的信息" in text_of(response)
    assert not IssueItem.objects.exists()
    response = client.post(f"/opinions/issues/{issue.pk}/compose/", {"add": ["x"], "recipients_main": "区委"})
    assert response.status_code == 400


def test_a_stale_compose_is_refused(client, member_a, editor_a, leader_a, committee_a):
    a = signed(member_a, editor_a, leader_a, committee_a)
    client.force_login(editor_a)
    issue = new_issue(client)
    services.issue_update(access=acc(editor_a, committee_a), issue_id=issue.pk, recipients_main=["区委"])
    response = client.post(f"/opinions/issues/{issue.pk}/compose/", {"add": [a.pk], "recipients_main": "区委",
                                                                     "version": issue.version})
    assert response.status_code == 409 and "已被他人处理" in text_of(response)
    assert not IssueItem.objects.exists()


def test_a_bad_series_is_refused(client, editor_a, committee_a):
    client.force_login(editor_a)
    response = client.post("/opinions/issues/", {"series": "weekly", "recipients_main": "区委"})
    assert response.status_code == 400 and "请选择刊物。" in text_of(response)
    assert not Issue.objects.exists()


def test_members_see_published_issues_only_and_cannot_create(client, member_a, editor_a, leader_a, committee_a):
    a = signed(member_a, editor_a, leader_a, committee_a)
    draft = services.issue_create(access=acc(editor_a, committee_a), series="special", recipients_main=["区委"])
    done = services.issue_create(access=acc(editor_a, committee_a), series="express", recipients_main=["区委"])
    services.issue_update(access=acc(editor_a, committee_a), issue_id=done.pk, opinion_ids=[a.pk])
    services.issue_publish(access=acc(editor_a, committee_a), issue_id=done.pk)
    client.force_login(member_a)
    body = text_of(client.get("/opinions/issues/"))
    assert "年第1期" in body and "社情民意专报" not in body
    assert client.get(f"/opinions/issues/{draft.pk}/").status_code == 404
    page = text_of(client.get(f"/opinions/issues/{done.pk}/"))
    assert a.shown_title in page and "印发本期" not in page
    assert client.post("/opinions/issues/", {"series": "express", "recipients_main": "区委"}).status_code == 403


def test_another_committees_issue_is_not_found(client, editor_a, editor_b, committee_b):
    issue = services.issue_create(access=acc(editor_b, committee_b), series="express")
    client.force_login(editor_a)
    assert client.get(f"/opinions/issues/{issue.pk}/").status_code == 404
    assert client.post(f"/opinions/issues/{issue.pk}/publish/").status_code == 404


# --- the public form ----------------------------------------------------------------------------------------


def stamp(seconds_ago: int = 60) -> str:
    return signing.dumps(int(time.time()) - seconds_ago, salt=SPAM_SALT)


def public_data(**extra):
    return {"name": "王大妈", "contact": "13800001111", **TEXT, "website": "", "started": stamp(), **extra}


def test_anyone_submits_through_the_public_form(client, committee_a, editor_a):
    url = f"/opinions/public/{committee_a.code}/"
    page = client.get(url)
    assert page.status_code == 200 and "向甲区政协反映社情民意" in text_of(page)
    response = client.post(url, public_data(), follow=True)
    o = Opinion.objects.get()
    assert o.state == "submitted" and o.source_kind == "public" and o.submitter_contact == "13800001111"
    assert f"收文编号：<strong>{o.year}-0001</strong>" in text_of(response)
    client.force_login(editor_a)
    assert o.title in text_of(client.get("/opinions/desk/"))


@pytest.mark.parametrize("data, message", [
    ({"website": "http://spam.example"}, "提交未成功"),
    ({"started": "forged"}, "页面已过期"),
    ({"started": None}, "提交太快了"),
    ({"contact": ""}, "请填写联系方式。"),
    ({"body": "x" * 10_001}, "正文不能超过 10000 个字"),
])
def test_spam_and_bad_input_are_refused_with_a_message(data, message, client, committee_a):
    if "started" in data and data["started"] is None:
        data = {"started": stamp(0)}
    response = client.post(f"/opinions/public/{committee_a.code}/", public_data(**data))
    assert response.status_code == 400
    assert message in text_of(response)
    assert not Opinion.objects.exists()


def test_the_public_form_is_rate_limited_per_address(client, committee_a, monkeypatch):
    monkeypatch.setattr(public_views, "PER_IP", 2)
    url = f"/opinions/public/{committee_a.code}/"
    for _ in range(2):
        assert client.post(url, public_data()).status_code == 302
    response = client.post(url, public_data())
    assert response.status_code == 429 and "提交过于频繁，请 60 分钟后再试。" in text_of(response)
    assert Opinion.objects.count() == 2
    # Another address is not held up; the throttle is the login throttle's table.
    assert client.post(url, public_data(), REMOTE_ADDR="10.0.0.9").status_code == 302
    assert LoginThrottle.objects.filter(identifier__startswith="opinions.public:").count() == 2


def test_an_unknown_committee_has_no_form(client, db):
    assert client.get("/opinions/public/nowhere/").status_code == 404


def test_the_issue_page_links_its_word_and_pdf_files(client, member_a, editor_a, leader_a, committee_a):
    a = signed(member_a, editor_a, leader_a, committee_a)
    issue = services.issue_create(access=acc(editor_a, committee_a), series="express", recipients_main=["区委"])
    client.force_login(editor_a)
    assert "下载 Word（草稿）" in text_of(client.get(f"/opinions/issues/{issue.pk}/"))
    services.issue_update(access=acc(editor_a, committee_a), issue_id=issue.pk, opinion_ids=[a.pk])
    services.issue_publish(access=acc(editor_a, committee_a), issue_id=issue.pk)
    body = text_of(client.get(f"/opinions/issues/{issue.pk}/"))
    assert f'href="/opinions/issues/{issue.pk}.docx"' in body and f'href="/opinions/issues/{issue.pk}.pdf"' in body
    assert client.get(f"/opinions/issues/{issue.pk}.docx").status_code == 200


def test_posts_caught_by_the_spam_guard_count_against_the_address(client, committee_a, monkeypatch):
    monkeypatch.setattr(public_views, "PER_IP", 2)
    url = f"/opinions/public/{committee_a.code}/"
    for _ in range(2):
        assert client.post(url, public_data(website="http://spam.example")).status_code == 400
    response = client.post(url, public_data())
    assert response.status_code == 429
    assert not Opinion.objects.exists()


def test_typing_mistakes_do_not_count(client, committee_a, monkeypatch):
    monkeypatch.setattr(public_views, "PER_IP", 2)
    url = f"/opinions/public/{committee_a.code}/"
    for _ in range(3):
        assert client.post(url, public_data(contact="")).status_code == 400
    assert client.post(url, public_data()).status_code == 302


def test_the_issue_list_and_the_signing_list_cost_the_same_queries_for_more_rows(client, member_a, editor_a,
                                                                                 leader_a, committee_a):
    from zhengxie.testing.queries import growth_report, queries_during

    def more(n):
        for _ in range(n):
            a = signed(member_a, editor_a, leader_a, committee_a)
            issue = services.issue_create(access=acc(editor_a, committee_a), series="express", recipients_main=["区委"])
            services.issue_update(access=acc(editor_a, committee_a), issue_id=issue.pk, opinion_ids=[a.pk])
            o = services.opinion_create(access=acc(member_a, committee_a), **TEXT)
            o = services.opinion_transition(access=acc(member_a, committee_a), opinion_id=o.pk, name="submit")
            services.opinion_transition(access=acc(editor_a, committee_a), opinion_id=o.pk, name="adopt")
            services.opinion_edit(access=acc(editor_a, committee_a), opinion_id=o.pk, title=o.title, body="编辑稿")

    more(1)
    for user, url in ((editor_a, "/opinions/issues/"), (leader_a, "/opinions/sign/")):
        client.force_login(user)
        _, few = queries_during(lambda: client.get(url))
        more(4)
        response, many = queries_during(lambda: client.get(url))
        assert response.status_code == 200
        assert len(many) == len(few), growth_report(few, many)
