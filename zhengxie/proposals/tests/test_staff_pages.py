"""The proposal office's desk, assignment, key proposals, 督办, overdue lists and the leader's screen."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from django.test import Client
from django.utils import timezone

from zhengxie.accounts.models import Role
from zhengxie.accounts.permissions import access_for
from zhengxie.notifications.models import Notification
from zhengxie.notifications.todos import todos_for
from zhengxie.org.models import Session, Term, Unit
from zhengxie.proposals import services
from zhengxie.proposals.models import Assignment, Proposal, Supervision
from zhengxie.proposals.views import staff as staff_views
from zhengxie.testing.factories import make_persona
from zhengxie.testing.queries import growth_report, queries_during

DESK = "/proposals/desk/"
_n = itertools.count(1)


def text(title: str | None = None, **extra):
    n = next(_n)
    return {
        "title": title or f"关于改善第{n}号小区停车难问题的提案",
        "reason": f"第{n}号小区车位紧张，居民夜间停车困难，占用消防通道的情况时有发生。",
        "suggestion": "1. 挖潜增设停车泊位；2. 推行错时共享停车；3. 加强消防通道管理。",
        "category": "society",
        **extra,
    }


def acc(user, committee):
    return access_for(user, committee)


def submitted(member, committee, **extra) -> Proposal:
    p = services.proposal_create(access=acc(member, committee), data=text(**extra))
    return services.transition(access=acc(member, committee), proposal_id=p.pk, name="submit")


def registered(member, clerk, committee, **extra) -> Proposal:
    p = submitted(member, committee, **extra)
    return services.transition(access=acc(clerk, committee), proposal_id=p.pk, name="register")


def units_of(committee) -> list[Unit]:
    return list(Unit.objects.filter(committee=committee).order_by("order", "id"))


def future(days: int = 60) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def assigned(member, clerk, committee, *, unit=None, due: str | None = None, **extra) -> Proposal:
    p = registered(member, clerk, committee, **extra)
    unit = unit or units_of(committee)[0]
    return services.transition(access=acc(clerk, committee), proposal_id=p.pk, name="assign", payload={
        "mode": "single", "units": [{"unit_id": unit.pk, "role": "lead"}], "due_date": due or future()})


def make_overdue(p: Proposal, days: int) -> None:
    day = timezone.localdate() - dt.timedelta(days=days)
    Proposal.objects.filter(pk=p.pk).update(due_date=day)


def page_text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- who may open what ----------------------------------------------------------------------------------


STAFF_PAGES = ["/proposals/desk/", "/proposals/desk/assign/?ids={pk}", "/proposals/{pk}/assign/",
               "/proposals/{pk}/key/", "/proposals/{pk}/supervise/", "/proposals/overdue/", "/proposals/leader/"]


@pytest.mark.parametrize("persona", ["member_a", "unit_a"])
def test_members_and_unit_clerks_are_refused_every_office_page(persona, request, client, member_a, clerk_a,
                                                                committee_a):
    p = registered(member_a, clerk_a, committee_a)
    client.force_login(request.getfixturevalue(persona))
    for url in STAFF_PAGES:
        response = client.get(url.format(pk=p.pk))
        assert response.status_code == 403, url
        assert "没有权限" in response.content.decode() or "只有" in response.content.decode()


def test_a_leader_supervises_but_does_not_review(client, leader_a, member_a, clerk_a, committee_a):
    p = registered(member_a, clerk_a, committee_a)
    client.force_login(leader_a)
    assert client.get("/proposals/leader/").status_code == 200
    assert client.get("/proposals/overdue/").status_code == 200
    assert client.get(f"/proposals/{p.pk}/supervise/").status_code == 200
    assert client.get(DESK).status_code == 403
    assert client.get(f"/proposals/{p.pk}/assign/").status_code == 403
    assert client.get(f"/proposals/{p.pk}/key/").status_code == 403


def test_a_committee_admin_reviews_but_has_no_leader_screen(client, admin_a, committee_a):
    client.force_login(admin_a)
    assert client.get(DESK).status_code == 200
    assert client.get("/proposals/overdue/").status_code == 200
    assert client.get("/proposals/leader/").status_code == 403


def test_another_committees_proposals_are_not_found_from_the_office_pages(client, member_a, clerk_a, committee_a,
                                                                         clerk_b, leader_b, committee_b):
    p = registered(member_a, clerk_a, committee_a)
    client.force_login(clerk_b)
    for url in ("/proposals/{pk}/assign/", "/proposals/{pk}/key/", "/proposals/{pk}/supervise/"):
        assert client.get(url.format(pk=p.pk)).status_code == 404, url
    response = client.post(f"/proposals/{p.pk}/assign/", {"mode": "single", "lead": units_of(committee_b)[0].pk,
                                                           "due_date": future()})
    assert response.status_code == 404
    assert p.title not in client.get(DESK, {"tab": "all"}).content.decode()
    response = client.post(DESK, {"action": "register", "ids": [p.pk]}, follow=True)
    assert "找不到该提案" in page_text(response)
    client.force_login(leader_b)
    assert client.post(f"/proposals/{p.pk}/supervise/", {"kind": "note", "text": "x"}).status_code == 404
    assert not Supervision.objects.exists()


def test_the_nav_shows_the_office_link_to_staff_and_leaders_only(client, clerk_a, leader_a, member_a, committee_a):
    client.force_login(clerk_a)
    assert 'href="/proposals/desk/"' in client.get("/").content.decode()
    client.force_login(leader_a)
    assert 'href="/proposals/leader/">提案办理' in client.get("/").content.decode()
    client.force_login(member_a)
    assert "提案办理" not in client.get("/").content.decode()


# --- the desk -------------------------------------------------------------------------------------------


def test_the_desk_opens_on_submitted_proposals_newest_first(client, member_a, clerk_a, committee_a):
    old = submitted(member_a, committee_a, title="关于旧提案的提案")
    Proposal.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - dt.timedelta(days=2))
    new = submitted(member_a, committee_a, title="关于新提案的提案")
    done = registered(member_a, clerk_a, committee_a, title="关于已立案提案的提案")
    client.force_login(clerk_a)
    html = page_text(client.get(DESK))
    assert html.index(new.title) < html.index(old.title)
    assert done.title not in html
    assert "待审查 <span class=\"tab-count\">2</span>" in html
    assert "已立案待交办 <span class=\"tab-count\">1</span>" in html
    # one line per item: number, proposer, category, date, state
    assert "member_a" in html and "社会建设" in html and "待审查" in html
    assert f"收文 {new.pk}" in html
    html = page_text(client.get(DESK, {"order": "old"}))
    assert html.index(old.title) < html.index(new.title)


def test_the_desk_filters_by_tab_session_category_key_and_title(client, member_a, clerk_a, committee_a):
    session = Session.objects.get(committee=committee_a)
    other_session = Session.objects.create(committee=committee_a, term=Term.objects.get(committee=committee_a),
                                           number=4, name="十一届四次会议", start_date=dt.date(2025, 1, 10),
                                           end_date=dt.date(2025, 1, 14))
    a = submitted(member_a, committee_a, title="关于学校午餐的提案", session_id=session.pk, category="culture")
    b = submitted(member_a, committee_a, title="关于河道治理的提案", session_id=other_session.pk, category="ecology")
    c = registered(member_a, clerk_a, committee_a, title="关于老旧小区加装电梯的提案")
    between = submitted(member_a, committee_a, title="关于平时提案的提案", between_sessions=True)
    services.key_mark(access=acc(clerk_a, committee_a), proposal_id=c.pk, is_key=True)
    client.force_login(clerk_a)

    def titles(**params):
        html = client.get(DESK, params).content.decode()
        return {p.title for p in (a, b, c, between) if p.title in html}

    assert titles(session=session.pk) == {a.title}
    assert titles(session="between") == {between.title}
    assert titles(category="ecology") == {b.title}
    assert titles(q="午餐") == {a.title}
    assert titles(tab="registered") == {c.title}
    assert titles(tab="all", key_only="on") == {c.title}
    assert titles(tab="all", q=c.number_label[-6:]) == {c.title}
    assert titles(tab="all") == {a.title, b.title, c.title, between.title}
    assert titles(tab="nonsense") == {a.title, b.title, between.title}  # an unknown tab is the default one


def test_a_stale_filter_value_drops_only_that_filter(client, member_a, clerk_a, committee_a):
    a = submitted(member_a, committee_a, title="关于学校午餐的提案")
    b = submitted(member_a, committee_a, title="关于河道治理的提案")
    client.force_login(clerk_a)
    response = client.get(DESK, {"q": "午餐", "session": "999999", "category": "<script>", "page": "x"})
    assert response.status_code == 200
    html = response.content.decode()
    assert a.title in html and b.title not in html


def test_the_desk_is_paginated_and_keeps_the_filters_in_page_links(client, member_a, clerk_a, committee_a,
                                                                   monkeypatch):
    monkeypatch.setattr(staff_views, "PER_PAGE", 2)
    made = [submitted(member_a, committee_a, title=f"关于分页测试第{i}件的提案") for i in range(5)]
    client.force_login(clerk_a)
    first = page_text(client.get(DESK, {"q": "分页测试"}))
    assert "第 1 / 3 页，共 5 条" in first
    assert "q=%E5%88%86%E9%A1%B5%E6%B5%8B%E8%AF%95&amp;page=2" in first
    last = page_text(client.get(DESK, {"q": "分页测试", "page": 3}))
    assert made[0].title in last and made[4].title not in last


def test_a_quick_action_comes_back_to_the_desk_with_its_filters(client, member_a, clerk_a, committee_a):
    p = submitted(member_a, committee_a)
    client.force_login(clerk_a)
    here = f"{DESK}?tab=submitted&q=%E5%81%9C%E8%BD%A6"
    response = client.post(f"/proposals/{p.pk}/transitions/return/", {"version": p.version, "next": here,
                                                                      "advice": "请补充具体的停车位数据。"})
    assert response.status_code == 302 and response["Location"] == here
    assert Proposal.objects.get(pk=p.pk).state == "returned"


def test_bulk_register_numbers_the_selection_1_to_n_in_submission_order(client, member_a, clerk_a, committee_a):
    made = [submitted(member_a, committee_a) for _ in range(4)]
    client.force_login(clerk_a)
    response = client.post(DESK, {"action": "register", "ids": [p.pk for p in reversed(made)],
                                  "next": f"{DESK}?tab=submitted"}, follow=True)
    assert response.redirect_chain[-1][0] == f"{DESK}?tab=submitted"
    numbers = [Proposal.objects.get(pk=p.pk).number for p in made]
    assert numbers == [1, 2, 3, 4]
    assert all(Proposal.objects.get(pk=p.pk).state == "registered" for p in made)
    assert any("已立案 4 件" in m for m in messages_of(response))


def test_bulk_register_reports_what_failed_and_why_and_registers_the_rest(client, member_a, clerk_a, committee_a):
    ok = submitted(member_a, committee_a)
    done = registered(member_a, clerk_a, committee_a)
    client.force_login(clerk_a)
    response = client.post(DESK, {"action": "register", "ids": [ok.pk, done.pk, 99999999]}, follow=True)
    msgs = " ".join(messages_of(response))
    assert "已立案 1 件" in msgs
    assert "2 件未能立案" in msgs and f"《{done.title}》：当前状态为“已立案”" in msgs and "找不到该提案" in msgs
    assert Proposal.objects.get(pk=ok.pk).state == "registered"


@pytest.mark.parametrize("ids", [["1 OR 1=1"], ["-3"], [], ["１"]])
def test_bulk_register_with_bad_or_no_ids_changes_nothing(client, member_a, clerk_a, committee_a, ids):
    p = submitted(member_a, committee_a)
    client.force_login(clerk_a)
    response = client.post(DESK, {"action": "register", "ids": ids}, follow=True)
    assert response.status_code == 200
    assert messages_of(response) and Proposal.objects.get(pk=p.pk).state == "submitted"


def test_registering_twice_from_the_same_page_is_refused_the_second_time(client, member_a, clerk_a, committee_a):
    p = submitted(member_a, committee_a)
    client.force_login(clerk_a)
    form = {"version": p.version, "next": DESK}
    client.post(f"/proposals/{p.pk}/transitions/register/", form)
    response = client.post(f"/proposals/{p.pk}/transitions/register/", form, follow=True)
    assert any("已被他人处理" in m for m in messages_of(response))
    p.refresh_from_db()
    assert p.number == 1 and p.state == "registered"


def test_similar_proposals_load_on_the_desk_with_a_merge_button(client, member_a, clerk_a, committee_a):
    lead = submitted(member_a, committee_a, title="关于加强电动自行车充电安全管理的提案",
                     reason="居民楼道充电、飞线充电现象突出，火灾隐患大，电动自行车充电设施不足。",
                     suggestion="在小区增设集中充电设施，加强楼道巡查，清理违规充电。")
    dup = submitted(member_a, committee_a, title="关于电动自行车充电安全管理的提案",
                    reason="居民楼道充电、飞线充电现象突出，火灾隐患大，电动自行车充电设施不足。",
                    suggestion="在小区增设集中充电设施，加强楼道巡查，清理违规充电。")
    client.force_login(clerk_a)
    desk_html = client.get(DESK).content.decode()
    assert f"?similar={dup.pk}" in desk_html and "查看相似提案" in desk_html
    fragment = client.get(DESK, {"similar": dup.pk, "next": f"{DESK}?tab=submitted"}, HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert lead.title in html and "<html" not in html
    assert f'name="lead_id" value="{lead.pk}"' in html
    response = client.post(f"/proposals/{dup.pk}/transitions/merge/",
                           {"lead_id": lead.pk, "version": dup.version, "next": f"{DESK}?tab=submitted"})
    assert response.status_code == 302
    assert Proposal.objects.get(pk=dup.pk).merged_into_id == lead.pk
    assert client.get(DESK, {"similar": "abc"}).status_code == 404


def test_the_rarer_review_forms_load_on_demand_for_one_row(client, member_a, clerk_a, clerk_b, committee_a):
    """The desk carries only 立案 per row; 退回/不予立案/并案/转 come as a fragment when "其他处理" opens."""
    p = submitted(member_a, committee_a)
    client.force_login(clerk_a)
    desk_html = client.get(DESK).content.decode()
    assert f"?actions={p.pk}" in desk_html and 'name="advice"' not in desk_html
    assert f'href="/proposals/{p.pk}/"' in desk_html  # without script: the proposal page has the same forms
    html = client.get(DESK, {"actions": p.pk, "next": f"{DESK}?tab=submitted"}, HTTP_HX_REQUEST="true"
                      ).content.decode()
    assert "<html" not in html
    for name in ("return", "reject", "merge", "convert"):
        assert f"/proposals/{p.pk}/transitions/{name}/" in html
    assert 'name="next" value="/proposals/desk/?tab=submitted"' in html
    response = client.post(f"/proposals/{p.pk}/transitions/return/",
                           {"advice": "请补充调研数据", "version": p.version, "next": DESK})
    assert response.status_code == 302 and Proposal.objects.get(pk=p.pk).state == "returned"
    html = client.get(DESK, {"actions": p.pk}).content.decode()
    assert "已不在“待审查”" in html and "/transitions/" not in html
    assert client.get(DESK, {"actions": "abc"}).status_code == 404
    assert "evil.example" not in client.get(DESK, {"actions": p.pk, "next": "//evil.example/"}).content.decode()
    client.force_login(clerk_b)  # another committee's clerk: not found, not shown
    assert client.get(DESK, {"actions": p.pk}).status_code == 404


# --- assigning ------------------------------------------------------------------------------------------


def assign_form(**over):
    data = {"mode": "single", "due_date": future()}
    data.update(over)
    return data


def test_the_assign_page_offers_the_default_deadline_and_the_routing_panel(client, member_a, clerk_a, committee_a):
    p = registered(member_a, clerk_a, committee_a)
    client.force_login(clerk_a)
    response = client.get(f"/proposals/{p.pk}/assign/")
    html = response.content.decode()
    default = response.context["default_due"]
    assert default > timezone.localdate()
    assert f'value="{default:%Y-%m-%d}"' in html and "默认为交办之日起3个月" in html
    assert "/textindex/routing/panel/" in html or "routing/panel" in html
    assert f'"exclude_id": "{p.pk}"' in html
    for u in units_of(committee_a):
        assert u.name in html


def test_assigning_one_unit_alone(client, member_a, clerk_a, unit_a, committee_a):
    p = registered(member_a, clerk_a, committee_a)
    edu = units_of(committee_a)[0]
    client.force_login(clerk_a)
    response = client.post(f"/proposals/{p.pk}/assign/", assign_form(lead=edu.pk, version=p.version,
                                                                     next=f"{DESK}?tab=registered"))
    assert response.status_code == 302 and response["Location"] == f"{DESK}?tab=registered"
    p.refresh_from_db()
    assert p.state == "assigned" and p.handling_mode == "single"
    assert [(a.unit_id, a.role) for a in p.assignments.all()] == [(edu.pk, "lead")]
    assert Notification.objects.filter(recipient=unit_a, verb="proposal.assign").exists()


def test_assigning_a_lead_with_assisting_units(client, member_a, clerk_a, committee_a):
    p = registered(member_a, clerk_a, committee_a)
    edu, health, housing = units_of(committee_a)
    client.force_login(clerk_a)
    response = client.post(f"/proposals/{p.pk}/assign/", assign_form(mode="lead_assist", lead=health.pk,
                                                                     assist=[edu.pk, housing.pk]))
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.handling_mode == "lead_assist"
    assert sorted((a.unit_id, a.role) for a in p.assignments.all()) == sorted(
        [(health.pk, "lead"), (edu.pk, "assist"), (housing.pk, "assist")])


def test_assigning_split_between_units(client, member_a, clerk_a, committee_a):
    p = registered(member_a, clerk_a, committee_a)
    edu, health, _ = units_of(committee_a)
    client.force_login(clerk_a)
    due = future(30)
    response = client.post(f"/proposals/{p.pk}/assign/", assign_form(mode="split", split=[edu.pk, health.pk],
                                                                     due_date=due))
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.handling_mode == "split" and p.due_date.isoformat() == due
    assert sorted(a.role for a in p.assignments.all()) == ["split", "split"]


@pytest.mark.parametrize("over, message", [
    ({"mode": "single"}, "单办请选择一个主办单位"),
    ({"mode": "single", "lead": 0, "assist": [1]}, "单办只有一个主办单位"),
    ({"mode": "lead_assist", "lead": 0}, "请至少选择一个协办单位"),
    ({"mode": "lead_assist", "lead": 0, "assist": [0]}, "已是主办单位，不能同时协办"),
    ({"mode": "lead_assist", "assist": [1]}, "主办+协办请选择一个主办单位"),
    ({"mode": "split", "split": [0]}, "分办请至少选择两个单位"),
    ({"mode": "split", "lead": 0, "split": [1, 2]}, "没有主办、协办之分"),
    ({"mode": "nonsense", "lead": 0}, "选择一个有效的选项"),
    ({"mode": "single", "lead": 999999}, "所选主办单位不存在或已停用"),
    ({"mode": "single", "lead": 0, "due_date": "2025-02-30"}, "办理期限的日期格式不对"),
    ({"mode": "single", "lead": 0, "due_date": ""}, "请填写办理期限"),
])
def test_an_assignment_that_does_not_fit_its_mode_is_refused_in_chinese(client, member_a, clerk_a, committee_a,
                                                                         over, message):
    p = registered(member_a, clerk_a, committee_a)
    units = units_of(committee_a)
    data = assign_form(**over)
    for name in ("lead",):
        if isinstance(data.get(name), int) and data[name] < len(units):
            data[name] = units[data[name]].pk
    for name in ("assist", "split"):
        if name in data:
            data[name] = [units[i].pk for i in data[name]]
    client.force_login(clerk_a)
    response = client.post(f"/proposals/{p.pk}/assign/", data)
    assert response.status_code == 400
    assert message in page_text(response)
    p.refresh_from_db()
    assert p.state == "registered" and not p.assignments.exists()


def test_an_inactive_unit_cannot_be_chosen(client, member_a, clerk_a, committee_a):
    p = registered(member_a, clerk_a, committee_a)
    gone = units_of(committee_a)[2]
    Unit.objects.filter(pk=gone.pk).update(is_active=False)
    client.force_login(clerk_a)
    assert gone.name not in client.get(f"/proposals/{p.pk}/assign/").content.decode()
    response = client.post(f"/proposals/{p.pk}/assign/", assign_form(lead=gone.pk))
    assert response.status_code == 400 and Proposal.objects.get(pk=p.pk).state == "registered"


@pytest.mark.parametrize("days", [0, -1, -400])
def test_a_deadline_today_or_in_the_past_is_refused(client, member_a, clerk_a, committee_a, days):
    p = registered(member_a, clerk_a, committee_a)
    client.force_login(clerk_a)
    due = (timezone.localdate() + dt.timedelta(days=days)).isoformat()
    response = client.post(f"/proposals/{p.pk}/assign/", assign_form(lead=units_of(committee_a)[0].pk, due_date=due))
    assert response.status_code == 400 and "办理期限不能早于明天" in page_text(response)
    assert Proposal.objects.get(pk=p.pk).state == "registered"


def test_submitting_the_same_assignment_form_twice_is_refused_the_second_time(client, member_a, clerk_a,
                                                                              committee_a):
    p = registered(member_a, clerk_a, committee_a)
    edu, health, _ = units_of(committee_a)
    client.force_login(clerk_a)
    first = client.post(f"/proposals/{p.pk}/assign/", assign_form(lead=edu.pk, version=p.version))
    assert first.status_code == 302
    second = client.post(f"/proposals/{p.pk}/assign/", assign_form(lead=health.pk, version=p.version))
    assert second.status_code == 400 and "已被他人处理" in page_text(second)
    assert [a.unit_id for a in Assignment.objects.filter(proposal=p).exclude(status="withdrawn")] == [edu.pk]


def test_an_assigned_proposal_is_reassigned_and_the_old_units_withdrawn(client, member_a, clerk_a, committee_a):
    p = assigned(member_a, clerk_a, committee_a)
    edu, health, _ = units_of(committee_a)
    Assignment.objects.filter(proposal=p).update(status="reassign_requested", reassign_reason="不属于本单位职责")
    client.force_login(clerk_a)
    page = page_text(client.get(f"/proposals/{p.pk}/assign/"))
    assert "调整承办单位" in page and "不属于本单位职责" in page
    assert f'<option value="{edu.pk}" selected>' in page
    response = client.post(f"/proposals/{p.pk}/assign/", assign_form(lead=health.pk, version=p.version))
    assert response.status_code == 302
    live = Assignment.objects.filter(proposal=p).exclude(status="withdrawn")
    assert [a.unit_id for a in live] == [health.pk]
    assert Assignment.objects.get(proposal=p, unit=edu).status == "withdrawn"


def test_a_proposal_that_is_not_ready_cannot_be_assigned(client, member_a, clerk_a, committee_a):
    p = submitted(member_a, committee_a)
    client.force_login(clerk_a)
    assert "不能交办" in client.get(f"/proposals/{p.pk}/assign/").content.decode()
    response = client.post(f"/proposals/{p.pk}/assign/", assign_form(lead=units_of(committee_a)[0].pk))
    assert response.status_code == 409 and Proposal.objects.get(pk=p.pk).state == "submitted"


def test_bulk_assign_gives_the_same_units_and_deadline_to_every_selected_proposal(client, member_a, clerk_a,
                                                                                   committee_a):
    ready = [registered(member_a, clerk_a, committee_a) for _ in range(3)]
    waiting = submitted(member_a, committee_a)
    edu, health, _ = units_of(committee_a)
    client.force_login(clerk_a)
    ids = [p.pk for p in ready] + [waiting.pk]
    page = page_text(client.get("/proposals/desk/assign/", {"ids": ids}))
    assert "批量交办（3 件）" in page and "另有 1 件" in page
    due = future(45)
    response = client.post("/proposals/desk/assign/", {"ids": ids, "mode": "lead_assist", "lead": edu.pk,
                                                        "assist": [health.pk], "due_date": due}, follow=True)
    msgs = " ".join(messages_of(response))
    assert "已交办 3 件" in msgs and "1 件未能交办" in msgs
    for p in ready:
        p.refresh_from_db()
        assert p.state == "assigned" and p.due_date.isoformat() == due
        assert sorted(a.role for a in p.assignments.all()) == ["assist", "lead"]
    assert Proposal.objects.get(pk=waiting.pk).state == "submitted"


def test_bulk_assign_with_an_invalid_combination_assigns_nothing(client, member_a, clerk_a, committee_a):
    ready = [registered(member_a, clerk_a, committee_a) for _ in range(2)]
    client.force_login(clerk_a)
    response = client.post("/proposals/desk/assign/", {"ids": [p.pk for p in ready], "mode": "split",
                                                        "split": [units_of(committee_a)[0].pk], "due_date": future()})
    assert response.status_code == 400 and "分办请至少选择两个单位" in page_text(response)
    assert not Assignment.objects.exists()


# --- key proposals and 督办 -----------------------------------------------------------------------------


def test_the_office_marks_a_key_proposal_with_a_leader_and_unmarks_it(client, member_a, clerk_a, leader_a,
                                                                       committee_a):
    p = registered(member_a, clerk_a, committee_a)
    client.force_login(clerk_a)
    assert "leader_a" in client.get(f"/proposals/{p.pk}/key/").content.decode()
    response = client.post(f"/proposals/{p.pk}/key/", {"is_key": "on", "leader": leader_a.pk})
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.is_key and p.supervising_leader_id == leader_a.pk
    client.post(f"/proposals/{p.pk}/key/", {})
    p.refresh_from_db()
    assert not p.is_key and p.supervising_leader_id is None


def test_only_a_leader_of_the_committee_may_lead_the_supervision(client, member_a, clerk_a, committee_a, leader_b):
    p = registered(member_a, clerk_a, committee_a)
    client.force_login(clerk_a)
    response = client.post(f"/proposals/{p.pk}/key/", {"is_key": "on", "leader": member_a.pk})
    assert response.status_code == 400 and "请选择本会的领导" in page_text(response)
    response = client.post(f"/proposals/{p.pk}/key/", {"is_key": "on", "leader": leader_b.pk})
    assert response.status_code == 400
    assert not Proposal.objects.get(pk=p.pk).is_key


def test_an_urge_notifies_the_units_and_is_listed_with_earlier_ones(client, member_a, clerk_a, unit_a, committee_a):
    p = assigned(member_a, clerk_a, committee_a)
    client.force_login(clerk_a)
    client.post(f"/proposals/{p.pk}/supervise/", {"kind": "inspection", "text": "到现场查看停车场建设进度"})
    response = client.post(f"/proposals/{p.pk}/supervise/", {"kind": "urge", "text": "请于本月底前答复"})
    assert response.status_code == 302
    assert Notification.objects.filter(recipient=unit_a, verb="proposal.urge").exists()
    page = page_text(client.get(f"/proposals/{p.pk}/supervise/"))
    assert page.index("请于本月底前答复") < page.index("到现场查看停车场建设进度")
    assert "实地视察" in page and "催办" in page


def test_an_empty_supervision_is_refused_and_nothing_is_recorded(client, member_a, clerk_a, committee_a):
    p = assigned(member_a, clerk_a, committee_a)
    client.force_login(clerk_a)
    response = client.post(f"/proposals/{p.pk}/supervise/", {"kind": "urge", "text": "   "})
    assert response.status_code == 400 and "请填写督办内容" in page_text(response)
    response = client.post(f"/proposals/{p.pk}/supervise/", {"kind": "bogus", "text": "x"})
    assert response.status_code == 400 and "请选择督办方式" in page_text(response)
    assert not Supervision.objects.exists()


# --- overdue and the leader's screen --------------------------------------------------------------------


def test_the_overdue_page_lists_late_proposals_and_those_due_within_ten_days(client, member_a, clerk_a, committee_a):
    late = assigned(member_a, clerk_a, committee_a, title="关于逾期提案的提案")
    make_overdue(late, 5)
    soon = assigned(member_a, clerk_a, committee_a, title="关于将到期提案的提案", due=future(3))
    later = assigned(member_a, clerk_a, committee_a, title="关于远期提案的提案", due=future(40))
    replied_late = assigned(member_a, clerk_a, committee_a, title="关于已答复提案的提案")
    Proposal.objects.filter(pk=replied_late.pk).update(state="replied")
    make_overdue(replied_late, 9)
    client.force_login(clerk_a)
    response = client.get("/proposals/overdue/")
    assert [p.pk for p in response.context["late"]] == [late.pk]
    assert [p.pk for p in response.context["soon"]] == [soon.pk]
    html = page_text(response)
    assert "逾期 5 天" in html and "还剩 3 天" in html and later.title not in html
    assert "主办 区教育局" in html


def test_the_urge_button_on_the_overdue_list_comes_back_to_it(client, member_a, clerk_a, unit_a, committee_a):
    late = assigned(member_a, clerk_a, committee_a)
    make_overdue(late, 2)
    client.force_login(clerk_a)
    html = client.get("/proposals/overdue/").content.decode()
    assert "已超过办理期限 2 天" in html
    response = client.post(f"/proposals/{late.pk}/supervise/", {
        "kind": "urge", "text": "该提案已超过办理期限 2 天，请抓紧办理并尽快答复。", "next": "/proposals/overdue/"})
    assert response.status_code == 302 and response["Location"] == "/proposals/overdue/"
    assert Notification.objects.filter(recipient=unit_a, verb="proposal.urge").exists()


def test_the_leader_sees_their_key_proposals_first_and_overdue_ones_and_leaves_a_note(client, member_a, clerk_a,
                                                                                     leader_a, committee_a):
    mine = assigned(member_a, clerk_a, committee_a, title="关于我督办的重点提案的提案")
    services.key_mark(access=acc(clerk_a, committee_a), proposal_id=mine.pk, is_key=True, leader_id=leader_a.pk)
    other_key = registered(member_a, clerk_a, committee_a, title="关于别人督办的重点提案的提案")
    services.key_mark(access=acc(clerk_a, committee_a), proposal_id=other_key.pk, is_key=True)
    late = assigned(member_a, clerk_a, committee_a, title="关于逾期普通提案的提案")
    make_overdue(late, 12)
    plain = assigned(member_a, clerk_a, committee_a, title="关于普通提案的提案")
    client.force_login(leader_a)
    response = client.get("/proposals/leader/")
    assert [p.pk for p in response.context["mine"]] == [mine.pk]
    assert [p.pk for p in response.context["other_keys"]] == [other_key.pk]
    assert [p.pk for p in response.context["late"]] == [late.pk]
    assert plain.title not in response.content.decode()
    response = client.post(f"/proposals/{mine.pk}/supervise/", {"kind": "note", "text": "请下周报送办理进展",
                                                                "next": "/proposals/leader/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/proposals/leader/"
    s = Supervision.objects.get(proposal=mine)
    assert s.kind == "note" and s.author == leader_a
    assert "请下周报送办理进展" in page_text(response)  # shown as the latest 督办 on the item


def test_an_empty_note_from_the_leader_screen_goes_back_with_a_message(client, member_a, clerk_a, leader_a,
                                                                      committee_a):
    p = assigned(member_a, clerk_a, committee_a)
    make_overdue(p, 1)
    client.force_login(leader_a)
    response = client.post(f"/proposals/{p.pk}/supervise/", {"kind": "note", "text": "",
                                                             "next": "/proposals/leader/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/proposals/leader/"
    assert any("请填写督办内容" in m for m in messages_of(response))
    assert not Supervision.objects.exists()


def test_an_outside_next_address_is_ignored(client, member_a, clerk_a, leader_a, committee_a):
    p = assigned(member_a, clerk_a, committee_a)
    client.force_login(leader_a)
    response = client.post(f"/proposals/{p.pk}/supervise/", {"kind": "note", "text": "好",
                                                             "next": "//evil.example/"})
    assert response.status_code == 302 and response["Location"] == f"/proposals/{p.pk}/supervise/"


# --- to-dos ---------------------------------------------------------------------------------------------


def test_the_office_and_leaders_get_their_todos(member_a, clerk_a, leader_a, unit_a, committee_a):
    submitted(member_a, committee_a)
    registered(member_a, clerk_a, committee_a)
    late = assigned(member_a, clerk_a, committee_a)
    make_overdue(late, 3)
    moved = assigned(member_a, clerk_a, committee_a)
    Assignment.objects.filter(proposal=moved).update(status="reassign_requested")
    clerk_titles = {t.title: t for t in todos_for(acc(clerk_a, committee_a))}
    assert clerk_titles["待审查提案 1 件"].url == "/proposals/desk/?tab=submitted"
    assert clerk_titles["待交办提案 1 件"].url == "/proposals/desk/?tab=registered"
    assert clerk_titles["逾期未答复提案 1 件"].urgent
    assert clerk_titles["承办单位申请调整 1 件"].url == "/proposals/desk/?tab=reassign"
    leader_titles = {t.title: t for t in todos_for(acc(leader_a, committee_a))}
    assert leader_titles["逾期未答复提案 1 件"].url == "/proposals/leader/"
    assert not any("待审查" in t for t in leader_titles)
    assert not any("提案" in t.title and "待" in t.title for t in todos_for(acc(member_a, committee_a))
                   if t.url.startswith("/proposals/desk"))


def test_the_reassign_tab_lists_what_units_asked_to_change(client, member_a, clerk_a, committee_a):
    moved = assigned(member_a, clerk_a, committee_a, title="关于申请调整的提案")
    stays = assigned(member_a, clerk_a, committee_a, title="关于正常办理的提案")
    Assignment.objects.filter(proposal=moved).update(status="reassign_requested")
    client.force_login(clerk_a)
    html = client.get(DESK, {"tab": "reassign"}).content.decode()
    assert moved.title in html and stays.title not in html and "单位申请调整" in html


# --- cost and safety ------------------------------------------------------------------------------------


def _assert_flat(client, url, add_rows, params=None):
    _, few = queries_during(lambda: client.get(url, params or {}))
    add_rows()
    response, many = queries_during(lambda: client.get(url, params or {}))
    assert response.status_code == 200
    assert len(many) == len(few), growth_report(few, many)


def test_the_desk_costs_the_same_queries_for_2_or_12_rows(client, member_a, clerk_a, committee_a):
    other = make_persona(committee_a, Role.MEMBER, "cosigner_x")
    for _ in range(2):
        submitted(member_a, committee_a)
    client.force_login(clerk_a)

    def more():
        for _ in range(5):
            submitted(member_a, committee_a)
            joint(other, member_a, committee_a)

    _assert_flat(client, DESK, more)
    assert "cosigner_x、member_a" in page_text(client.get(DESK))


def joint(initiator, cosigner, committee) -> Proposal:
    p = services.proposal_create(access=acc(initiator, committee), data=text(proposer_kind="joint"))
    services.transition(access=acc(initiator, committee), proposal_id=p.pk, name="invite",
                        payload={"user_ids": [cosigner.pk]})
    services.signer_respond(access=acc(cosigner, committee), proposal_id=p.pk, accept=True)
    return services.transition(access=acc(initiator, committee), proposal_id=p.pk, name="submit")


def test_the_registered_and_all_tabs_cost_the_same_queries_for_more_rows(client, member_a, clerk_a, committee_a):
    assigned(member_a, clerk_a, committee_a)
    client.force_login(clerk_a)
    _assert_flat(client, DESK, lambda: [assigned(member_a, clerk_a, committee_a) for _ in range(4)], {"tab": "all"})


def test_the_overdue_and_leader_pages_cost_the_same_queries_for_more_rows(client, member_a, clerk_a, leader_a,
                                                                          committee_a):
    def add(n):
        for _ in range(n):
            p = assigned(member_a, clerk_a, committee_a)
            make_overdue(p, 4)
            services.key_mark(access=acc(clerk_a, committee_a), proposal_id=p.pk, is_key=True, leader_id=leader_a.pk)
            services.supervision_add(access=acc(leader_a, committee_a), proposal_id=p.pk, kind="note", text="请抓紧")
            assigned(member_a, clerk_a, committee_a, due=future(2))

    add(1)
    client.force_login(clerk_a)
    _assert_flat(client, "/proposals/overdue/", lambda: add(4))
    client.force_login(leader_a)
    _assert_flat(client, "/proposals/leader/", lambda: add(4))


def test_posts_without_the_csrf_token_are_refused_in_chinese(db, member_a, clerk_a, leader_a, committee_a):
    p = registered(member_a, clerk_a, committee_a)
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk_a)
    for url, data in ((DESK, {"action": "register", "ids": [p.pk]}),
                      (f"/proposals/{p.pk}/assign/", assign_form(lead=units_of(committee_a)[0].pk)),
                      (f"/proposals/{p.pk}/key/", {"is_key": "on"}),
                      (f"/proposals/{p.pk}/supervise/", {"kind": "note", "text": "x"}),
                      ("/proposals/desk/assign/", {"ids": [p.pk], "mode": "single"})):
        response = client.post(url, data)
        assert response.status_code == 403, url
        assert "页面已过期" in response.content.decode()
    p.refresh_from_db()
    assert p.state == "registered" and not p.is_key and not Supervision.objects.exists()


def test_odd_input_never_crashes_the_office_pages(client, member_a, clerk_a, committee_a):
    p = registered(member_a, clerk_a, committee_a)
    client.force_login(clerk_a)
    assert client.get(DESK, {"tab": "\x00", "q": "\x00" * 3, "session": "-1", "order": "x"}).status_code == 200
    assert client.get("/proposals/desk/assign/", {"ids": ["x"]}).status_code == 302
    response = client.post(f"/proposals/{p.pk}/assign/", {"mode": "single", "lead": "1e9", "version": "abc",
                                                           "due_date": "9999-99-99"})
    assert response.status_code == 400
    response = client.post(f"/proposals/{p.pk}/supervise/", {"kind": "note", "text": "坏\x00字"})
    assert response.status_code == 400
    assert Proposal.objects.get(pk=p.pk).state == "registered"
