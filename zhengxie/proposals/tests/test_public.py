"""Publication: the office decides what is public; anyone, without logging in, reads and searches it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from zhengxie.accounts.models import Role
from zhengxie.accounts.permissions import access_for
from zhengxie.audit.models import Event
from zhengxie.members.models import Member
from zhengxie.org.models import Sector, Unit
from zhengxie.proposals import publication, services
from zhengxie.proposals.models import Proposal
from zhengxie.testing.factories import grant, make_committee, make_persona, make_user
from zhengxie.testing.queries import growth_report, queries_during
from zhengxie.textindex import backends
from zhengxie.textindex.models import Audience, Document
from zhengxie.textindex.registry import sources
from zhengxie.textindex.selectors import can_see, search, visible_scope

TEXT = {
    "title": "关于加强电动自行车充电安全管理的提案",
    "reason": "近年来我区电动自行车保有量快速增长，居民楼道充电、飞线充电现象突出，火灾隐患大。",
    "suggestion": "在小区增设集中充电设施，加强楼道巡查，清理违规充电。",
    "category": "society",
}
PHONE = "13912345678"


def acc(user, committee):
    return access_for(user, committee)


def submitted(member, committee, **extra):
    p = services.proposal_create(access=acc(member, committee), data={**TEXT, **extra})
    return services.transition(access=acc(member, committee), proposal_id=p.pk, name="submit")


def registered(member, clerk, committee, **extra):
    p = submitted(member, committee, **extra)
    return services.transition(access=acc(clerk, committee), proposal_id=p.pk, name="register")


def publish(clerk, committee, p, note=""):
    return publication.publication_decide(access=acc(clerk, committee), proposal_id=p.pk, is_public=True, note=note)


def public_url(committee, **params):
    from urllib.parse import urlencode

    return reverse("proposals:public_index") + "?" + urlencode({"committee": committee.code, **params})


@pytest.fixture
def phone_of_member_a(member_a, committee_a):
    """member_a's phone on their profile and account: it must never reach a public page."""
    Member.objects.filter(user=member_a).update(phone=PHONE)
    member_a.phone = PHONE
    member_a.save(update_fields=["phone"])
    return PHONE


@pytest.fixture
def replied(member_a, clerk_a, unit_a, committee_a):
    """A registered proposal handled by 区教育局 (lead) and 区卫生健康局 (assist), now replied."""
    p = registered(member_a, clerk_a, committee_a)
    lead = Unit.objects.get(committee=committee_a, name="区教育局")
    assist = Unit.objects.get(committee=committee_a, name="区卫生健康局")
    assist_clerk = make_user("assist_clerk_pub")
    grant(assist_clerk, committee_a, Role.UNIT_HANDLER, assist)
    clerk = acc(clerk_a, committee_a)
    services.transition(access=clerk, proposal_id=p.pk, name="assign", payload={
        "mode": "lead_assist", "units": [{"unit_id": lead.pk, "role": "lead"}, {"unit_id": assist.pk, "role": "assist"}]})
    services.transition(access=acc(unit_a, committee_a), proposal_id=p.pk, name="accept")
    services.unit_answer(access=acc(assist_clerk, committee_a), proposal_id=p.pk,
                         data={"text": "协办意见：内部参考，建议主办单位统筹。"})
    services.unit_answer(access=acc(unit_a, committee_a), proposal_id=p.pk,
                         data={"text": "已在12个小区建设集中充电棚，年内全覆盖。", "grade": "A", "signed_by": "李局长",
                               "contact": "phone"})
    services.supervision_add(access=clerk, proposal_id=p.pk, kind="note", text="督办批注：内部掌握，暂不外传。")
    p = Proposal.objects.get(pk=p.pk)
    assert p.state == "replied"
    return p


# --- reading without logging in --------------------------------------------------------------------------


def test_an_anonymous_visitor_reads_a_published_proposal_and_its_reply(client, replied, clerk_a, committee_a,
                                                                       phone_of_member_a):
    publish(clerk_a, committee_a, replied, note="审查意见：内部备注不对外")

    response = client.get(reverse("proposals:public_detail", args=[replied.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert TEXT["title"] in html and "火灾隐患大" in html and "集中充电设施" in html
    assert "已在12个小区建设集中充电棚" in html and "A 已解决或采纳" in html and "区教育局的答复" in html
    assert "member_a" in html and "界别" in html and "中共" in html  # name and first proposer's sector
    assert replied.number_label in html


def test_the_public_page_shows_no_phones_ids_or_internal_notes(client, replied, clerk_a, member_a, committee_a,
                                                               phone_of_member_a):
    publish(clerk_a, committee_a, replied, note="审查意见：内部备注不对外")
    services.evaluation_submit(access=acc(member_a, committee_a), proposal_id=replied.pk, handling="satisfied",
                               result="basically", comment="评价意见：仅供内部")

    html = client.get(reverse("proposals:public_detail", args=[replied.pk])).content.decode()
    html += client.get(public_url(committee_a)).content.decode()

    assert phone_of_member_a not in html
    for internal in ("内部备注不对外", "协办意见", "督办批注", "评价意见", "李局长", "电话"):
        assert internal not in html, internal
    assert reverse("proposals:detail", args=[replied.pk]) not in html  # no door into the staff pages
    assert f"/members/{Member.objects.get(user=member_a).pk}/" not in html
    assert "/members/" not in html and "/accounts/" not in html.replace('href="/accounts/login/"', "")


def test_an_unpublished_proposal_is_not_found_by_anonymous_visitors(client, member_a, clerk_a, committee_a):
    private = registered(member_a, clerk_a, committee_a)
    under_review = submitted(member_a, committee_a, title="关于审查中提案的提案")
    publish(clerk_a, committee_a, under_review)  # decided early: shown once registered, not before
    refused = submitted(member_a, committee_a, title="关于不予立案提案的提案")
    services.transition(access=acc(clerk_a, committee_a), proposal_id=refused.pk, name="reject",
                        payload={"ground": "empty"})
    Proposal.objects.filter(pk=refused.pk).update(is_public=True)  # even if the flag were set somehow

    for p in (private, under_review, refused):
        assert client.get(reverse("proposals:public_detail", args=[p.pk])).status_code == 404
    assert client.get(reverse("proposals:public_detail", args=[999999])).status_code == 404
    listing = client.get(public_url(committee_a)).content.decode()
    assert "暂无公开的提案" in listing


def test_the_public_list_shows_published_items_with_names_and_sector(client, member_a, clerk_a, committee_a,
                                                                     phone_of_member_a):
    shown = registered(member_a, clerk_a, committee_a, title="关于公开的提案")
    publish(clerk_a, committee_a, shown)
    registered(member_a, clerk_a, committee_a, title="关于不公开的提案")
    collective = services.proposal_create(access=acc(clerk_a, committee_a), data={
        **TEXT, "title": "关于集体提案的提案", "proposer_kind": "party", "body_name": "民盟某某区委"})
    services.transition(access=acc(clerk_a, committee_a), proposal_id=collective.pk, name="submit")
    services.transition(access=acc(clerk_a, committee_a), proposal_id=collective.pk, name="register")
    publish(clerk_a, committee_a, collective)

    response = client.get(public_url(committee_a))

    html = response.content.decode()
    assert response.status_code == 200
    assert "关于公开的提案" in html and "关于集体提案的提案" in html and "关于不公开的提案" not in html
    assert "民盟某某区委" in html and "clerk_a" not in html  # a collective proposal carries the body's name
    assert "提案者：member_a" in html and "界别：中共" in html
    assert phone_of_member_a not in html


def test_a_joint_proposal_names_its_cosigners_and_the_first_proposers_sector(client, member_a, clerk_a, committee_a):
    other = make_persona(committee_a, Role.MEMBER, "cosigner_pub")
    Member.objects.filter(user=other).update(sector=Sector.objects.get(committee=committee_a, name="教育界"))
    p = services.proposal_create(access=acc(member_a, committee_a), data={**TEXT, "proposer_kind": "joint"})
    services.transition(access=acc(member_a, committee_a), proposal_id=p.pk, name="invite",
                        payload={"user_ids": [other.pk]})
    services.signer_respond(access=acc(other, committee_a), proposal_id=p.pk, accept=True)
    services.transition(access=acc(member_a, committee_a), proposal_id=p.pk, name="submit")
    services.transition(access=acc(clerk_a, committee_a), proposal_id=p.pk, name="register")
    publish(clerk_a, committee_a, p)

    html = client.get(reverse("proposals:public_detail", args=[p.pk])).content.decode()

    assert "member_a、cosigner_pub" in html
    assert "中共" in html and "教育界" not in html  # the sector shown is the first proposer's


def test_without_a_committee_the_visitor_chooses_one_and_an_unknown_code_says_so(client, committee_a, committee_b,
                                                                                 member_a, clerk_a):
    publish(clerk_a, committee_a, registered(member_a, clerk_a, committee_a))

    chooser = client.get(reverse("proposals:public_index"))
    assert chooser.status_code == 200
    html = chooser.content.decode()
    assert "甲区政协" in html and "乙区政协" in html and "已公开 1 件" in html
    assert f"?committee={committee_a.code}" in html

    unknown = client.get(reverse("proposals:public_index") + "?committee=nowhere<script>")
    assert unknown.status_code == 404
    assert "没有找到代码为" in unknown.content.decode() and "<script>" not in unknown.content.decode()


def test_bad_page_numbers_and_categories_do_not_break_the_public_list(client, member_a, clerk_a, committee_a):
    publish(clerk_a, committee_a, registered(member_a, clerk_a, committee_a))

    for params in ({"page": "abc"}, {"page": "99999"}, {"category": "bogus"}, {"q": "充电", "page": "-3"},
                   {"q": "\x00充电"}, {"q": "！？"}, {"excellent": "yes"}):
        response = client.get(public_url(committee_a, **params))
        assert response.status_code == 200, params
    assert "已忽略：类别" in client.get(public_url(committee_a, category="bogus")).content.decode()


def test_the_category_filter_and_the_excellent_tab_narrow_the_list(client, member_a, clerk_a, committee_a):
    society = registered(member_a, clerk_a, committee_a, title="关于社会建设的提案")
    economy = registered(member_a, clerk_a, committee_a, title="关于经济建设的提案", category="economy")
    for p in (society, economy):
        publish(clerk_a, committee_a, p)
    publication.excellent_mark(access=acc(clerk_a, committee_a), proposal_id=economy.pk, is_excellent=True)

    by_category = client.get(public_url(committee_a, category="society")).content.decode()
    assert "关于社会建设的提案" in by_category and "关于经济建设的提案" not in by_category
    excellent = client.get(public_url(committee_a, excellent="1")).content.decode()
    assert "关于经济建设的提案" in excellent and "关于社会建设的提案" not in excellent and "优秀提案" in excellent


# --- search ---------------------------------------------------------------------------------------------


def test_search_finds_only_published_items_of_the_chosen_committee(client, member_a, clerk_a, committee_a,
                                                                   member_b, clerk_b, committee_b):
    shown = registered(member_a, clerk_a, committee_a, title="关于公开的充电桩建设的提案")
    publish(clerk_a, committee_a, shown)
    registered(member_a, clerk_a, committee_a, title="关于未公开的充电桩维护的提案")
    submitted(member_a, committee_a, title="关于审查中的充电桩收费的提案")
    elsewhere = registered(member_b, clerk_b, committee_b, title="关于乙区充电桩布局的提案")
    publish(clerk_b, committee_b, elsewhere)

    response = client.get(public_url(committee_a, q="充电桩"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<mark>充电桩</mark>" in html and "公开的" in html
    assert "未公开的" not in html and "审查中的" not in html and "乙区" not in html
    assert "共 1 条" in html


def test_search_of_an_unpublished_word_finds_nothing(client, member_a, clerk_a, committee_a):
    registered(member_a, clerk_a, committee_a, title="关于保密事项的提案")
    html = client.get(public_url(committee_a, q="保密事项")).content.decode()
    assert "没有找到相关的公开提案" in html and "关于保密事项的提案" not in html


def test_an_access_with_no_roles_and_no_permissions_sees_only_public_documents(member_a, clerk_a, committee_a):
    public = registered(member_a, clerk_a, committee_a, title="关于公开的充电提案")
    publish(clerk_a, committee_a, public)
    members_only = registered(member_a, clerk_a, committee_a, title="关于委员可见的充电提案")
    staff_only = submitted(member_a, committee_a, title="关于仅工作人员可见的充电提案")
    anonymous = publication.anonymous_access(committee_a)
    assert not anonymous.roles and not anonymous.perms and not anonymous.unit_ids

    st = backends.scope_token
    assert visible_scope(anonymous) == [[st("c", committee_a.pk), st("k", s.kind), st("a", Audience.PUBLIC)]
                                        for s in sources()]
    docs = {d.object_id: d for d in Document.objects.filter(kind="proposal")}
    assert docs[public.pk].audience == Audience.PUBLIC and can_see(anonymous, docs[public.pk])
    assert docs[members_only.pk].audience == Audience.MEMBERS and not can_see(anonymous, docs[members_only.pk])
    assert docs[staff_only.pk].audience == Audience.STAFF and not can_see(anonymous, docs[staff_only.pk])
    found = {hit.doc.object_id for hit in search(anonymous, "充电").hits}
    assert found == {public.pk}
    assert {hit.doc.object_id for hit in search(acc(clerk_a, committee_a), "充电").hits} >= {
        public.pk, members_only.pk, staff_only.pk}  # the same words are there for staff


# --- the office decides ---------------------------------------------------------------------------------


def test_the_office_makes_a_proposal_public_and_the_decision_is_audited_and_indexed(login, clerk_a, member_a,
                                                                                    committee_a):
    p = registered(member_a, clerk_a, committee_a)
    client = login(clerk_a)
    page = client.get(reverse("proposals:publication", args=[p.pk]))
    assert page.status_code == 200 and "公开设置" in page.content.decode() and "不公开" in page.content.decode()

    response = client.post(reverse("proposals:publication", args=[p.pk]), {"is_public": "1", "note": ""})

    assert response.status_code == 302
    p.refresh_from_db()
    assert p.is_public
    event = Event.objects.get(verb="proposal.publication", object_id=str(p.pk))
    assert event.actor_id == clerk_a.pk and event.payload["is_public"] == [False, True]
    assert Document.objects.get(kind="proposal", object_id=p.pk).audience == Audience.PUBLIC
    assert Client().get(reverse("proposals:public_detail", args=[p.pk])).status_code == 200
    assert "已在公开页面刊登" in client.get(reverse("proposals:publication", args=[p.pk])).content.decode()


def test_making_a_proposal_not_public_needs_a_reason_and_takes_it_off_the_public_pages(login, clerk_a, member_a,
                                                                                      committee_a):
    p = registered(member_a, clerk_a, committee_a)
    publish(clerk_a, committee_a, p)
    client = login(clerk_a)
    url = reverse("proposals:publication", args=[p.pk])

    refused = client.post(url, {"is_public": "0", "note": "  "})
    assert refused.status_code == 400 and "不公开的提案请填写理由" in refused.content.decode()
    assert Proposal.objects.get(pk=p.pk).is_public

    assert client.post(url, {"is_public": "0", "note": "涉及个人隐私"}).status_code == 302
    p.refresh_from_db()
    assert not p.is_public and p.public_note == "涉及个人隐私"
    assert Document.objects.get(kind="proposal", object_id=p.pk).audience == Audience.MEMBERS
    assert Client().get(reverse("proposals:public_detail", args=[p.pk])).status_code == 404
    assert Event.objects.filter(verb="proposal.publication", object_id=str(p.pk)).count() == 2


@pytest.mark.parametrize("data,message", [
    ({"note": "x"}, "请选择“可公开”或“不公开”"),
    ({"is_public": "maybe"}, "请选择“可公开”或“不公开”"),
    ({"is_public": "0", "note": "长" * 201}, "不能超过 200 个字"),
])
def test_bad_publication_input_gets_a_chinese_message_and_changes_nothing(login, clerk_a, member_a, committee_a,
                                                                          data, message):
    p = registered(member_a, clerk_a, committee_a)
    response = login(clerk_a).post(reverse("proposals:publication", args=[p.pk]), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Proposal.objects.get(pk=p.pk).is_public
    assert not Event.objects.filter(verb="proposal.publication").exists()


def test_saving_the_same_decision_again_records_nothing(clerk_a, member_a, committee_a):
    p = registered(member_a, clerk_a, committee_a)
    publish(clerk_a, committee_a, p)
    publish(clerk_a, committee_a, p)
    assert Event.objects.filter(verb="proposal.publication", object_id=str(p.pk)).count() == 1


def test_a_proposal_refused_registration_cannot_be_made_public(clerk_a, member_a, committee_a):
    p = submitted(member_a, committee_a)
    services.transition(access=acc(clerk_a, committee_a), proposal_id=p.pk, name="reject", payload={"ground": "empty"})
    with pytest.raises(publication.PublicationError, match="不予立案") as exc:
        publish(clerk_a, committee_a, p)
    assert exc.value.status == 409 and not Proposal.objects.get(pk=p.pk).is_public


def test_a_member_may_not_decide_publication_or_excellence(login, member_a, clerk_a, committee_a):
    p = registered(member_a, clerk_a, committee_a)
    client = login(member_a)
    assert client.get(reverse("proposals:publication", args=[p.pk])).status_code == 403
    assert client.post(reverse("proposals:publication", args=[p.pk]), {"is_public": "1"}).status_code == 403
    assert client.post(reverse("proposals:excellent", args=[p.pk]), {"is_excellent": "1"}).status_code == 403
    p.refresh_from_db()
    assert not p.is_public and not p.is_excellent
    with pytest.raises(publication.PublicationError) as exc:
        publication.publication_decide(access=acc(member_a, committee_a), proposal_id=p.pk, is_public=True)
    assert exc.value.status == 403


def test_another_committees_clerk_gets_not_found(login, clerk_b, member_a, clerk_a, committee_a, committee_b):
    p = registered(member_a, clerk_a, committee_a)
    client = login(clerk_b)
    assert client.get(reverse("proposals:publication", args=[p.pk])).status_code == 404
    assert client.post(reverse("proposals:publication", args=[p.pk]), {"is_public": "1"}).status_code == 404
    assert client.post(reverse("proposals:excellent", args=[p.pk]), {"is_excellent": "1"}).status_code == 404
    assert not Proposal.objects.get(pk=p.pk).is_public


def test_anonymous_visitors_are_sent_to_log_in_for_the_office_pages(client, member_a, clerk_a, committee_a):
    p = registered(member_a, clerk_a, committee_a)
    for url in (reverse("proposals:publication", args=[p.pk]), reverse("proposals:excellent", args=[p.pk])):
        response = client.post(url, {"is_public": "1", "is_excellent": "1"})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    p.refresh_from_db()
    assert not p.is_public and not p.is_excellent


def test_a_publication_post_without_the_csrf_token_is_refused(db, clerk_a, member_a, committee_a):
    p = registered(member_a, clerk_a, committee_a)
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk_a)
    assert client.post(reverse("proposals:publication", args=[p.pk]), {"is_public": "1"}).status_code == 403
    assert client.post(reverse("proposals:excellent", args=[p.pk]), {"is_excellent": "1"}).status_code == 403
    p.refresh_from_db()
    assert not p.is_public and not p.is_excellent


def test_the_office_selects_an_excellent_proposal_and_it_is_audited(login, clerk_a, member_a, committee_a):
    p = registered(member_a, clerk_a, committee_a)
    publish(clerk_a, committee_a, p)
    client = login(clerk_a)

    response = client.post(reverse("proposals:excellent", args=[p.pk]), {"is_excellent": "1"})

    assert response.status_code == 302 and response["Location"].endswith("#excellent")
    assert Proposal.objects.get(pk=p.pk).is_excellent
    assert Event.objects.filter(verb="proposal.excellent", object_id=str(p.pk), actor=clerk_a).exists()
    assert "优秀提案" in Client().get(reverse("proposals:public_detail", args=[p.pk])).content.decode()
    client.post(reverse("proposals:excellent", args=[p.pk]), {"is_excellent": "0"})
    assert not Proposal.objects.get(pk=p.pk).is_excellent
    assert Event.objects.filter(verb="proposal.excellent", object_id=str(p.pk)).count() == 2
    assert client.get(reverse("proposals:excellent", args=[p.pk])).status_code == 405


def test_only_a_registered_proposal_can_be_excellent(login, clerk_a, member_a, committee_a):
    p = submitted(member_a, committee_a)
    client = login(clerk_a)
    response = client.post(reverse("proposals:excellent", args=[p.pk]), {"is_excellent": "1"}, follow=True)
    assert "只有已立案的提案可以评为优秀提案" in response.content.decode()
    bad = client.post(reverse("proposals:excellent", args=[p.pk]), {"is_excellent": "yes"}, follow=True)
    assert "请选择" in bad.content.decode()
    assert not Proposal.objects.get(pk=p.pk).is_excellent
    assert not Event.objects.filter(verb="proposal.excellent").exists()


# --- query counts ---------------------------------------------------------------------------------------


def _joint_published(member, clerk, committee, n):
    other = make_persona(committee, Role.MEMBER, f"cosigner_q{n}")
    p = services.proposal_create(access=acc(member, committee), data={**TEXT, "title": f"关于充电第{n}件的提案",
                                                                      "proposer_kind": "joint"})
    services.transition(access=acc(member, committee), proposal_id=p.pk, name="invite", payload={"user_ids": [other.pk]})
    services.signer_respond(access=acc(other, committee), proposal_id=p.pk, accept=True)
    services.transition(access=acc(member, committee), proposal_id=p.pk, name="submit")
    services.transition(access=acc(clerk, committee), proposal_id=p.pk, name="register")
    publish(clerk, committee, p)
    return p


@pytest.mark.parametrize("params", [{}, {"q": "充电"}, {"excellent": "1"}])
def test_the_public_list_query_count_does_not_grow_with_rows(client, member_a, clerk_a, unit_a, committee_a, params):
    first = _joint_published(member_a, clerk_a, committee_a, 0)
    publication.excellent_mark(access=acc(clerk_a, committee_a), proposal_id=first.pk, is_excellent=True)
    url = public_url(committee_a, **params)
    response, few = queries_during(lambda: client.get(url))
    assert response.status_code == 200
    lead = Unit.objects.get(committee=committee_a, name="区教育局")
    for n in range(1, 5):
        p = _joint_published(member_a, clerk_a, committee_a, n)
        services.transition(access=acc(clerk_a, committee_a), proposal_id=p.pk, name="assign", payload={
            "mode": "single", "units": [{"unit_id": lead.pk, "role": "lead"}]})
        publication.excellent_mark(access=acc(clerk_a, committee_a), proposal_id=p.pk, is_excellent=True)
    response, many = queries_during(lambda: client.get(url))
    assert response.content.decode().count('class="result"') == 5
    assert len(many) == len(few), growth_report(few, many)


def test_the_committee_chooser_query_count_does_not_grow_with_committees(client, committee_a):
    _, few = queries_during(lambda: client.get(reverse("proposals:public_index")))
    for i in range(3):
        make_committee(f"more{i}", name=f"丙{i}区政协")
    _, many = queries_during(lambda: client.get(reverse("proposals:public_index")))
    assert len(many) == len(few), growth_report(few, many)
