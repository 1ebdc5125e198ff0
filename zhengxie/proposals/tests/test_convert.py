"""转为意见建议 with its choice of target, on the pages and over the API: a proposal turned into a 社情民意
item links to it and back, for whoever may open the other side."""

from __future__ import annotations

import re

import pytest

from zhengxie.accounts.permissions import access_for
from zhengxie.audit.models import Event
from zhengxie.opinions.models import Opinion
from zhengxie.proposals import services
from zhengxie.proposals.models import Proposal
from zhengxie.proposals.tests.test_api import Caller

pytestmark = pytest.mark.django_db

DESK = "/proposals/desk/"
TEXT = {
    "title": "关于在社区推广“长者食堂”的提案",
    "reason": "我区独居老人增多，就餐难问题突出，现有助餐点覆盖不足。",
    "suggestion": "1. 每个街道至少建成一处长者食堂；2. 对运营给予补贴。",
    "category": "society",
}


def acc(user, committee):
    return access_for(user, committee)


def submitted(user, committee, **extra) -> Proposal:
    p = services.proposal_create(access=acc(user, committee), data={**TEXT, **extra})
    return services.transition(access=acc(user, committee), proposal_id=p.pk, name="submit")


def page_text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- pages ---------------------------------------------------------------------------------------------------


def test_the_desk_offers_the_target_as_labelled_radios_defaulting_to_the_units(client, member_a, clerk_a,
                                                                               committee_a):
    p = submitted(member_a, committee_a)
    sector = submitted(clerk_a, committee_a, proposer_kind="sector", body_name="经济界")
    client.force_login(clerk_a)

    html = client.get(DESK, {"actions": p.pk}, HTTP_HX_REQUEST="true").content.decode()
    assert "<legend>转办去向</legend>" in html
    assert (f'<label class="check" for="target-unit-{p.pk}"><input type="radio" id="target-unit-{p.pk}" '
            f'name="target" value="unit" checked>') in html
    assert f'id="target-opinion-{p.pk}" name="target" value="opinion"' in html and "转为社情民意信息" in html
    # A sector's proposal has no 社情民意 source to be credited to: only the units are offered.
    html = client.get(DESK, {"actions": sector.pk}, HTTP_HX_REQUEST="true").content.decode()
    assert 'value="unit" checked' in html and 'value="opinion"' not in html
    # The proposal page has the same choice.
    assert 'id="target-opinion-convert"' in client.get(f"/proposals/{p.pk}/").content.decode()


def test_the_office_converts_from_the_desk_and_each_side_links_the_other_for_who_may_open_it(
        client, member_a, clerk_a, editor_a, committee_a):
    p = submitted(member_a, committee_a)
    client.force_login(clerk_a)
    response = client.post(f"/proposals/{p.pk}/transitions/convert/", {
        "target": "opinion", "note": "属于反映社情民意的内容", "version": p.version, "next": f"{DESK}?tab=submitted"},
        follow=True)
    o = Opinion.objects.get(source_proposal=p)
    assert f"已转为社情民意信息：{p.title}" in messages_of(response)
    assert Proposal.objects.get(pk=p.pk).state == "converted" and o.state == "submitted"

    # The office sees where it went, but cannot open the editors' item: named, not linked.
    page = page_text(client.get(f"/proposals/{p.pk}/"))
    assert "已转为社情民意信息" in page and f"《{o.title}》（收文编号 {o.year}-0001）" in page
    assert f'href="/opinions/{o.pk}/"' not in page
    # The proposer may open both: each page links the other.
    client.force_login(member_a)
    assert f'href="/opinions/{o.pk}/"' in client.get(f"/proposals/{p.pk}/").content.decode()
    page = page_text(client.get(f"/opinions/{o.pk}/"))
    assert f'由提案（收文号 {p.pk}）<a href="/proposals/{p.pk}/">《{p.title}》</a>转来' in page
    # The editors see where it came from on the item and on the desk, without a link to a proposal
    # they may not open.
    client.force_login(editor_a)
    for page in (page_text(client.get(f"/opinions/{o.pk}/")), page_text(client.get("/opinions/desk/"))):
        assert f"由提案（收文号 {p.pk}）《{p.title}》转来" in page
        assert f'href="/proposals/{p.pk}/"' not in page


def test_the_desk_learns_which_source_proposals_it_may_link_in_one_query(client, member_a, clerk_a, editor_a,
                                                                        committee_a):
    from zhengxie.testing.queries import growth_report, queries_during

    def convert_one():
        p = submitted(member_a, committee_a)
        services.transition(access=acc(clerk_a, committee_a), proposal_id=p.pk, name="convert",
                            payload={"note": "转社情民意", "target": "opinion"})

    convert_one()
    client.force_login(editor_a)
    _, few = queries_during(lambda: client.get("/opinions/desk/"))
    for _ in range(4):
        convert_one()
    response, many = queries_during(lambda: client.get("/opinions/desk/"))
    assert page_text(response).count("由提案（收文号") == 5
    assert len(many) == len(few), growth_report(few, many)


def test_an_unknown_target_on_the_page_is_refused_and_nothing_changes(client, member_a, clerk_a, committee_a):
    p = submitted(member_a, committee_a)
    client.force_login(clerk_a)
    response = client.post(f"/proposals/{p.pk}/transitions/convert/",
                           {"target": "province", "note": "转上级", "version": p.version}, follow=True)
    assert any("转办去向只能是" in m for m in messages_of(response))
    assert Proposal.objects.get(pk=p.pk).state == "submitted" and not Opinion.objects.exists()


# --- API -----------------------------------------------------------------------------------------------------


def test_the_api_converts_to_an_item_whose_api_names_the_proposal(member_a, clerk_a, editor_a, committee_a):
    p = submitted(member_a, committee_a)
    clerk = Caller(clerk_a)
    response = clerk.fire(p, "convert", note="转社情民意信息", target="opinion", version=p.version)
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "converted"
    o = Opinion.objects.get(source_proposal=p)

    editor = Caller(editor_a)
    body = editor.client.get(f"/api/v1/opinions/{o.pk}", **editor.headers).json()
    assert body["source_proposal_id"] == p.pk and body["state"] == "submitted"
    assert body["author_name"] == (member_a.display_name or member_a.username)


def test_the_api_refuses_an_unknown_target_with_400_and_changes_nothing(member_a, clerk_a, committee_a):
    p = submitted(member_a, committee_a)
    response = Caller(clerk_a).fire(p, "convert", note="转上级政协", target="province")
    assert response.status_code == 400
    assert "转办去向只能是“转有关单位参考（意见建议）”或“转为社情民意信息”" in response.json()["detail"]
    p.refresh_from_db()
    assert p.state == "submitted" and p.convert_note == "" and not Opinion.objects.exists()
    assert not Event.objects.filter(verb="proposal.convert").exists()


def test_the_api_still_converts_for_reference_by_default(member_a, clerk_a, committee_a):
    p = submitted(member_a, committee_a)
    response = Caller(clerk_a).fire(p, "convert", note="转区民政局参考")
    assert response.status_code == 200 and response.json()["convert_note"] == "转区民政局参考"
    assert not Opinion.objects.exists()
