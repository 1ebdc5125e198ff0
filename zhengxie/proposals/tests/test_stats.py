"""Proposal statistics: every number equals the rows it links to, and the rates are the ones by hand."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.urls import reverse
from django.utils import timezone

from zhengxie.accounts.models import Role
from zhengxie.accounts.permissions import access_for
from zhengxie.members.models import Member
from zhengxie.org.models import Party, Sector, Session, Unit
from zhengxie.proposals import services, stats
from zhengxie.proposals.models import Assignment, Proposal
from zhengxie.testing.factories import grant, make_persona
from zhengxie.testing.queries import growth_report, queries_during

TEXT = {
    "title": "关于加强电动自行车充电安全管理的提案",
    "reason": "近年来电动自行车保有量快速增长，楼道充电、飞线充电现象突出，火灾隐患大。",
    "suggestion": "1. 在小区增设集中充电设施；2. 加强楼道巡查，清理违规充电。",
    "category": "society",
}


@dataclass
class World:
    """A committee with proposals in every state (see `build_world` for what each one went through)."""

    session: Session
    edu: Unit  # 区教育局: unit_a's unit
    health: Unit  # 区卫生健康局
    p: dict[str, Proposal] = field(default_factory=dict)


def acc(user, committee):
    return access_for(user, committee)


def build_world(committee, member, other, clerk, edu_clerk, health_clerk, *, tag: str = "") -> World:
    """Sixteen proposals, each stopped at a different point of the chain (`tag` keeps titles apart)."""
    session = Session.objects.get(committee=committee)
    edu = Unit.objects.get(committee=committee, name="区教育局")
    health = Unit.objects.get(committee=committee, name="区卫生健康局")
    w = World(session=session, edu=edu, health=health)
    office = acc(clerk, committee)

    def new(name, who=member, **extra):
        data = {**TEXT, "title": f"关于{name}{tag}的提案", "session_id": session.pk, **extra}
        p = services.proposal_create(access=acc(who, committee), data=data)
        w.p[name] = p
        return p

    def submit(name, who=member, **extra):
        p = new(name, who, **extra)
        services.transition(access=acc(who, committee), proposal_id=p.pk, name="submit")
        return p

    def fire(name, transition, who=None, **payload):
        services.transition(access=who or office, proposal_id=w.p[name].pk, name=transition, payload=payload)

    def assign(name, *units, mode="single"):
        role = {"single": "lead", "split": "split"}[mode]
        fire(name, "register")
        fire(name, "assign", mode=mode, units=[{"unit_id": u.pk, "role": role} for u in units])

    def answer(name, who, grade, **extra):
        services.unit_answer(access=acc(who, committee), proposal_id=w.p[name].pk,
                             data={"text": f"答复{name}。", "grade": grade, "signed_by": "李局长", **extra})

    def rate(name, who, handling, result):
        services.evaluation_submit(access=acc(who, committee), proposal_id=w.p[name].pk, handling=handling,
                                   result=result)

    new("draft")
    submit("pending")
    submit("returned")
    fire("returned", "return", advice="请补充数据。")
    submit("rejected")
    fire("rejected", "reject", ground="personal")
    submit("converted")
    fire("converted", "convert", note="转区住建局参考。")
    submit("lead", category="economy")
    submit("merged")
    fire("lead", "register")
    fire("merged", "merge", lead_id=w.p["lead"].pk)
    submit("assigned", category="economy")
    assign("assigned", edu)
    submit("handling")
    assign("handling", edu)
    fire("handling", "accept", acc(edu_clerk, committee))
    services.key_mark(access=office, proposal_id=w.p["handling"].pk, is_key=True)
    submit("replied_a")
    assign("replied_a", edu)
    fire("replied_a", "accept", acc(edu_clerk, committee))
    answer("replied_a", edu_clerk, "A", contact="face", contact_date="2026-02-20")
    submit("closed_b")
    assign("closed_b", edu)
    fire("closed_b", "accept", acc(edu_clerk, committee))
    answer("closed_b", edu_clerk, "B")
    rate("closed_b", member, "satisfied", "satisfied")  # everyone rated, nobody unhappy: closes
    submit("unhappy_c")
    assign("unhappy_c", health)
    fire("unhappy_c", "accept", acc(health_clerk, committee))
    answer("unhappy_c", health_clerk, "C")
    rate("unhappy_c", member, "basically", "dissatisfied")
    submit("redone")
    assign("redone", health)
    fire("redone", "accept", acc(health_clerk, committee))
    answer("redone", health_clerk, "C")
    rate("redone", member, "dissatisfied", "dissatisfied")
    fire("redone", "rehandle")
    answer("redone", health_clerk, "A")
    rate("redone", member, "satisfied", "satisfied")
    # A joint proposal of `other` with `member` co-signing, split between the two units.
    p = new("joint", other, proposer_kind="joint", category="economy")
    services.transition(access=acc(other, committee), proposal_id=p.pk, name="invite",
                        payload={"user_ids": [member.pk]})
    services.signer_respond(access=acc(member, committee), proposal_id=p.pk, accept=True)
    services.transition(access=acc(other, committee), proposal_id=p.pk, name="submit")
    assign("joint", edu, health, mode="split")
    fire("joint", "accept", acc(edu_clerk, committee))  # the proposal is 办理中 from the first 签收 on
    answer("joint", edu_clerk, "B")
    answer("joint", health_clerk, "A")
    rate("joint", member, "satisfied", "satisfied")  # `other` has not rated yet
    submit("between", between_sessions=True)
    fire("between", "register")
    # A collective proposal the office enters for a party: it has no first member.
    p = services.proposal_create(access=office, data={
        **TEXT, "title": f"关于集体{tag}的提案", "session_id": session.pk, "proposer_kind": "party",
        "body_name": "民盟甲区基层委员会"})
    w.p["collective"] = p
    services.transition(access=office, proposal_id=p.pk, name="submit")
    fire("collective", "register")

    # Deadlines and days, set by hand: 区教育局 answered closed_b late and let `assigned` lapse.
    today = timezone.localdate()
    now = timezone.now()
    Assignment.objects.filter(proposal=w.p["closed_b"]).update(due_date=today - dt.timedelta(days=5))
    Assignment.objects.filter(proposal=w.p["assigned"]).update(due_date=today - dt.timedelta(days=1))
    for name, days in (("replied_a", 10), ("closed_b", 20), ("joint", 30)):
        Assignment.objects.filter(proposal=w.p[name], unit=edu).update(
            created_at=now - dt.timedelta(days=days), answered_at=now)
    for name in w.p:
        w.p[name].refresh_from_db()
    return w


@pytest.fixture
def health_clerk(committee_a):
    user = make_persona(committee_a, Role.UNIT_HANDLER, "health_clerk_tmp")
    user.grants.all().delete()
    grant(user, committee_a, Role.UNIT_HANDLER, Unit.objects.get(committee=committee_a, name="区卫生健康局"))
    return user


@pytest.fixture
def other_member(committee_a):
    user = make_persona(committee_a, Role.MEMBER, "other_member_tmp")
    Member.objects.filter(user=user).update(sector=Sector.objects.get(committee=committee_a, name="教育界"),
                                            party=Party.objects.get(committee=committee_a, name="民盟"))
    return user


@pytest.fixture
def world(committee_a, member_a, other_member, clerk_a, unit_a, health_clerk):
    return build_world(committee_a, member_a, other_member, clerk_a, unit_a, health_clerk)


def scope(committee, **kw):
    return stats.Scope(committee=committee, **kw)


def names(world, rows):
    by_pk = {p.pk: name for name, p in world.p.items()}
    return sorted(by_pk[r.pk if isinstance(r, Proposal) else r.proposal_id] for r in rows)


# --- counts equal rows -----------------------------------------------------------------------------


def test_every_figure_equals_the_number_of_rows_it_lists(world, committee_a):
    for s in (scope(committee_a), scope(committee_a, session_id=world.session.pk), scope(committee_a, between=True),
              scope(committee_a, unit_id=world.edu.pk), scope(committee_a, category="economy"),
              scope(committee_a, sector=stats.NONE)):
        numbers = stats.count_figures(s)
        for key in stats.FIGURES:
            assert numbers[key] == stats.figure_rows(s, key).count() == len(list(stats.figure_rows(s, key))), (key, s)


def test_the_headline_numbers_are_the_ones_counted_by_hand(world, committee_a):
    n = stats.count_figures(scope(committee_a))

    assert n["received"] == 14  # not the draft, not the returned one
    assert n["received"] == n["pending"] + n["registered"] + n["not_registered"] + n["merged"] + n["converted"]
    assert (n["registered"], n["not_registered"], n["merged"], n["converted"], n["pending"]) == (10, 1, 1, 1, 1)
    assert n.rate("registration_rate") == pytest.approx(10 / 14)
    assert n["assigned"] == 7 and n["replied"] == 5 and n["closed"] == 2
    assert n.rate("reply_rate") == pytest.approx(0.5)
    assert n["key"] == 1
    # Ratings in force: closed_b 满意, unhappy_c 不满意 (result), redone's second round 满意, joint 满意.
    assert (n["rated"], n["satisfied"], n["basically"], n["dissatisfied"]) == (4, 3, 0, 1)
    assert n.rate("satisfaction_rate") == pytest.approx(0.75)
    assert n.rate("handling_rate") == pytest.approx(1.0)  # unhappy_c's handling was 基本满意
    assert n["unrated"] == 1  # replied_a
    # Replies in force: replied_a A, closed_b B, unhappy_c C, redone A (2nd round), joint B + A.
    assert (n["replies"], n["grade_a"], n["grade_b"], n["grade_c"], n["grade_d"]) == (6, 3, 2, 1, 0)
    assert n.rate("share_a") == pytest.approx(0.5)


def test_the_lists_name_exactly_the_proposals_counted(world, committee_a):
    s = scope(committee_a)
    assert names(world, stats.figure_rows(s, "received")) == sorted(set(world.p) - {"draft", "returned"})
    assert names(world, stats.figure_rows(s, "replied")) == ["closed_b", "joint", "redone", "replied_a", "unhappy_c"]
    assert names(world, stats.figure_rows(s, "dissatisfied")) == ["unhappy_c"]
    assert names(world, stats.figure_rows(s, "unrated")) == ["replied_a"]


def test_a_session_counts_its_own_proposals_and_the_between_sessions_ones_count_apart(world, committee_a):
    session = stats.count_figures(scope(committee_a, session_id=world.session.pk))
    between = stats.count_figures(scope(committee_a, between=True))
    assert (session["received"], between["received"]) == (13, 1)
    assert (session["registered"], between["registered"]) == (9, 1)


def test_a_date_range_counts_what_was_received_in_it(world, committee_a):
    today = timezone.localdate()
    assert stats.count_figures(scope(committee_a, date_from=today, date_to=today))["received"] == 14
    assert stats.count_figures(scope(committee_a, date_to=today - dt.timedelta(days=1)))["received"] == 0


def test_per_unit_on_time_rate_and_average_days(world, committee_a):
    rows = {r.label: r.numbers for r in stats.breakdown(scope(committee_a), "unit")}
    edu, health = rows["区教育局"], rows["区卫生健康局"]

    assert (edu["unit_assigned"], edu["unit_answered"], edu["unit_on_time"], edu["unit_late"], edu["unit_overdue"]) == (
        5, 3, 2, 1, 1)
    assert edu.rate("on_time_rate") == pytest.approx(2 / 4)  # answered 3 + overdue 1
    assert edu.avg_days == pytest.approx(20.0)
    assert (edu["grade_a"], edu["grade_b"], edu["grade_c"]) == (1, 2, 0)
    assert health["unit_answered"] == 3 and health.rate("on_time_rate") == pytest.approx(1.0)
    assert "区住房和城乡建设局" not in rows  # nothing assigned to it


def test_breakdowns_by_category_kind_sector_and_party_add_up(world, committee_a):
    s = scope(committee_a)
    total = stats.count_figures(s)
    for dim in ("category", "kind", "sector", "party"):
        rows = stats.breakdown(s, dim)
        for key in ("received", "registered", "replied", "rated"):
            assert sum(r.numbers[key] for r in rows) == total[key], (dim, key)
    sectors = {r.label: r.numbers for r in stats.breakdown(s, "sector")}
    assert sectors["教育界"]["received"] == 1  # the joint proposal of other_member
    assert sectors["集体提案或无委员档案"]["received"] == 1
    parties = {r.label: r.numbers for r in stats.breakdown(s, "party")}
    assert parties["民盟"]["replied"] == 1 and parties["中共"]["received"] == 12
    kinds = {r.key: r.numbers for r in stats.breakdown(s, "kind")}
    assert (kinds["joint"]["received"], kinds["party"]["received"], kinds["sector"]["received"]) == (1, 1, 0)


def test_breakdown_rows_equal_the_lists_their_links_open(world, committee_a):
    s = scope(committee_a)
    for dim, (_, param) in stats.DIMENSIONS.items():
        for row in stats.breakdown(s, dim):
            sub, errors = stats.scope_from_query(committee_a, {param: row.key})
            assert not errors
            for key in ("received", "replied", "rated", "unit_on_time", "grade_a"):
                if dim == "unit" and stats.FIGURES[key].family in (stats.PROPOSAL, stats.RATING):
                    continue  # the unit table shows the units' own rows only
                if dim != "unit" and stats.FIGURES[key].family in (stats.REPLY, stats.ASSIGNMENT):
                    continue
                assert row.numbers[key] == stats.figure_rows(sub, key).count(), (dim, row.label, key)


def test_another_committee_counts_nothing_of_this_one(world, committee_b):
    n = stats.count_figures(scope(committee_b))
    assert all(v == 0 for v in n.counts.values())


def test_bad_filters_are_dropped_with_a_chinese_message(committee_a, committee_b):
    other_session = Session.objects.get(committee=committee_b)
    s, errors = stats.scope_from_query(committee_a, {
        "session": str(other_session.pk), "from": "2026-13-01", "category": "x", "unit": "abc", "sector": "999999"})
    assert s == stats.Scope(committee=committee_a)
    assert len(errors) == 5 and all("已" in e for e in errors)
    s, errors = stats.scope_from_query(committee_a, {"from": "2026-03-10", "to": "2026-03-01"})
    assert s.date_from is None and "开始日期" in errors[0]


# --- pages -----------------------------------------------------------------------------------------


def test_a_member_may_not_see_the_statistics(login, member_a, unit_a):
    assert login(member_a).get(reverse("proposals:stats")).status_code == 403
    assert login(unit_a).get(reverse("proposals:stats_list") + "?figure=received").status_code == 403
    assert login(member_a).get(reverse("proposals:stats_xlsx")).status_code == 403


def test_the_statistics_page_links_every_number_to_its_rows(world, login, clerk_a, committee_a):
    response = login(clerk_a).get(reverse("proposals:stats"), {"session": world.session.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("textindex:topics") in html
    list_url = reverse("proposals:stats_list")
    assert f'href="{list_url}?session={world.session.pk}&amp;figure=received"' in html
    assert f'href="{list_url}?session={world.session.pk}&amp;unit={world.edu.pk}&amp;figure=unit_on_time"' in html
    assert "<caption" in html and 'scope="row"' in html and 'scope="col"' in html
    assert "区教育局" in html and "69.2%" in html  # 立案率 9/13 in the session


def test_a_leader_sees_the_statistics_too(login, leader_a):
    assert login(leader_a).get(reverse("proposals:stats")).status_code == 200


def test_the_list_page_shows_the_rows_a_number_counts(world, login, clerk_a):
    client = login(clerk_a)
    response = client.get(reverse("proposals:stats_list"), {"figure": "registered", "unit": world.edu.pk})
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("assigned", "handling", "replied_a", "closed_b", "joint"):
        assert world.p[name].title in html
    assert world.p["unhappy_c"].title not in html
    assert "共 5 条" in html
    response = client.get(reverse("proposals:stats_list"), {"figure": "unit_late"})
    assert world.p["closed_b"].number_label in response.content.decode()


def test_an_unknown_figure_is_a_chinese_400_not_a_crash(login, clerk_a):
    response = login(clerk_a).get(reverse("proposals:stats_list"), {"figure": "nope", "session": "x"})
    assert response.status_code == 400
    assert "没有这项统计" in response.content.decode()


def test_bad_dates_on_the_statistics_page_show_a_message(login, clerk_a):
    response = login(clerk_a).get(reverse("proposals:stats"), {"from": "昨天"})
    assert response.status_code == 200 and "格式不对" in response.content.decode()


def test_the_statistics_page_runs_the_same_queries_however_many_proposals(
    login, clerk_a, committee_a, member_a, other_member, unit_a, health_clerk,
):
    client = login(clerk_a)
    url = reverse("proposals:stats")
    build_world(committee_a, member_a, other_member, clerk_a, unit_a, health_clerk, tag="一")
    _, few = queries_during(lambda: client.get(url))
    build_world(committee_a, member_a, other_member, clerk_a, unit_a, health_clerk, tag="二")
    Unit.objects.create(committee=committee_a, name="区民政局", order=9)
    _, many = queries_during(lambda: client.get(url))
    assert len(many) == len(few), growth_report(few, many)
    assert len(many) <= 30


@pytest.mark.parametrize("figure", ["received", "rated", "replies", "unit_assigned"])
def test_the_list_page_runs_the_same_queries_however_many_rows(
    figure, login, clerk_a, committee_a, member_a, other_member, unit_a, health_clerk,
):
    client = login(clerk_a)
    url = reverse("proposals:stats_list") + f"?figure={figure}"
    build_world(committee_a, member_a, other_member, clerk_a, unit_a, health_clerk, tag="一")
    _, few = queries_during(lambda: client.get(url))
    build_world(committee_a, member_a, other_member, clerk_a, unit_a, health_clerk, tag="二")
    _, many = queries_during(lambda: client.get(url))
    assert len(many) == len(few), growth_report(few, many)
