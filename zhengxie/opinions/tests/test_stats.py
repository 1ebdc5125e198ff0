"""社情民意 statistics: the numbers of a county and its city counted by hand, every number equal to the
rows its link lists, credit from above landing on the county's figures, and the pages' permissions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.urls import reverse
from django.utils import timezone

from zhengxie.opinions import services, stats
from zhengxie.opinions.models import Issue, Opinion
from zhengxie.opinions.tests.conftest import acc, signed, submitted
from zhengxie.testing.queries import growth_report, queries_during


@dataclass
class World:
    """A county (committee_a) under a city under a province; see `build_world` for each item's story."""

    county: object
    city: object
    province: object
    o: dict[str, Opinion] = field(default_factory=dict)
    issue: Issue | None = None


def build_world(county, city, province, member, informant, editor, leader, city_editor, city_leader,
                province_editor, *, tag: str = "") -> World:
    w = World(county, city, province)
    ed, cty = acc(editor, county), acc(city_editor, city)

    def item(name, who=member, **text):
        w.o[name] = submitted(who, county, title=f"关于{name}{tag}的建议", **text)
        return w.o[name]

    services.opinion_create(access=acc(member, county), title=f"关于草稿{tag}的建议")  # a draft: not received
    item("pending")
    item("screened")
    services.opinion_transition(access=ed, opinion_id=w.o["screened"].pk, name="screen_out",
                                payload={"reason": "与已采用信息重复。"})
    w.o["single"] = signed(member, editor, leader, county, title=f"关于single{tag}的建议")
    item("referred")
    services.opinion_transition(access=ed, opinion_id=w.o["referred"].pk, name="adopt",
                                payload={"adoption": "referred"})
    services.instruction_record(access=ed, opinion_id=w.o["referred"].pk, level="county", person="赵某某",
                                person_title="区委书记", text="请区民政局研究。")
    item("combo1")
    item("combo2", who=informant)
    piece = services.opinion_combine(access=ed, source_ids=[w.o["combo1"].pk, w.o["combo2"].pk],
                                     title=f"关于综合{tag}的建议", body="综合两条信息。")
    services.opinion_edit(access=ed, opinion_id=piece.pk, title=piece.title, body="综合稿正文。")
    services.opinion_transition(access=acc(leader, county), opinion_id=piece.pk, name="sign")
    w.o["piece"] = piece
    # The party's item, entered by the editor: no account, no sector.
    party = services.opinion_create(access=ed, title=f"关于党派{tag}的建议", body="正文。", source_kind="party",
                                    body_name="民盟甲区基层委员会")
    w.o["party"] = services.opinion_transition(access=ed, opinion_id=party.pk, name="submit")

    w.issue = services.issue_create(access=ed, series="express", recipients_main=["区委", "区政府"],
                                    recipients_copy=["市政协"])
    services.issue_update(access=ed, issue_id=w.issue.pk, opinion_ids=[w.o["single"].pk, piece.pk])
    services.issue_publish(access=ed, issue_id=w.issue.pk)

    # Up the chain: `single` adopted by the city (with a city leader's 批示 on the city's copy) and by the
    # province; the piece goes up too and waits on the city's desk.
    up = services.opinion_forward(access=ed, opinion_id=w.o["single"].pk, committee_id=city.pk)
    services.opinion_transition(access=cty, opinion_id=up.pk, name="adopt")
    services.instruction_record(access=cty, opinion_id=up.pk, level="city", person="王某某", person_title="市委副书记",
                                text="请市民政局研究落实。")
    # The county clerk records the same 批示 on the county's own row: the item still counts once.
    services.instruction_record(access=ed, opinion_id=w.o["single"].pk, level="city", person="王某某",
                                text="请市民政局研究落实。")
    top = services.opinion_forward(access=cty, opinion_id=up.pk, committee_id=province.pk)
    services.opinion_transition(access=acc(province_editor, province), opinion_id=top.pk, name="adopt")
    w.o["city_single"], w.o["province_single"] = up, top
    w.o["city_piece"] = services.opinion_forward(access=ed, opinion_id=piece.pk, committee_id=city.pk)
    for o in w.o.values():
        o.refresh_from_db()
    w.issue.refresh_from_db()
    return w


@pytest.fixture
def world(county, city, province, member_a, informant_a, editor_a, leader_a, city_editor, city_leader,
          province_editor):
    return build_world(county, city, province, member_a, informant_a, editor_a, leader_a, city_editor, city_leader,
                       province_editor)


def names(world, rows):
    by_pk = {o.pk: name for name, o in world.o.items()}
    return sorted(by_pk[r.pk] for r in rows)


def scope(committee, **kw):
    return stats.Scope(committee=committee, **kw)


# --- the numbers -----------------------------------------------------------------------------------


def test_the_countys_numbers_are_the_ones_counted_by_hand(world):
    n = stats.count_figures(scope(world.county))
    assert n["received"] == 7  # not the draft, not the editors' combined piece
    assert (n["pending"], n["screened_out"], n["adopted"]) == (2, 1, 4)
    assert (n["adopted_single"], n["adopted_combined"], n["adopted_referred"]) == (1, 2, 1)
    assert n.rate("adoption_rate") == pytest.approx(4 / 7)
    assert n["published"] == 3  # `single`, and both sources of the published piece
    assert n["sent_up"] == 3  # `single`, and both sources of the forwarded piece
    assert (n["issues"], n["issues_express"], n["issues_special"]) == (1, 1, 0)


def test_adoption_and_instructions_above_are_credited_to_the_county_items(world):
    s = scope(world.county)
    n = stats.count_figures(s)
    assert (n["adopted_county"], n["adopted_city"], n["adopted_province"], n["adopted_national"]) == (4, 1, 1, 0)
    assert n["adopted_upper"] == 1 and n.rate("upper_rate") == pytest.approx(1 / 3)
    assert (n["instructed"], n["instructed_county"], n["instructed_city"], n["instructed_province"]) == (2, 1, 1, 0)
    assert names(world, stats.figure_rows(s, "adopted_city")) == ["single"]
    assert names(world, stats.figure_rows(s, "instructed")) == ["referred", "single"]
    assert names(world, stats.figure_rows(s, "sent_up")) == ["combo1", "combo2", "single"]


def test_the_city_counts_what_it_received_from_below(world):
    s = scope(world.city)
    n = stats.count_figures(s)
    assert (n["received"], n["pending"], n["adopted"], n["sent_up"]) == (2, 1, 1, 1)
    assert (n["adopted_city"], n["adopted_province"], n["instructed_city"]) == (1, 1, 1)
    assert n["issues"] == 0
    assert names(world, stats.figure_rows(s, "received")) == ["city_piece", "city_single"]
    assert stats.count_figures(scope(world.province))["adopted_province"] == 1


def test_every_figure_equals_the_number_of_rows_it_lists(world, committee_b):
    for s in (scope(world.county), scope(world.city), scope(world.county, source="member"),
              scope(world.county, author=stats.NONE), scope(world.county, year=timezone.localdate().year),
              scope(world.county, sector=stats.NONE), scope(committee_b)):
        numbers = stats.count_figures(s)
        for key in stats.FIGURES:
            assert numbers[key] == stats.figure_rows(s, key).count() == len(list(stats.figure_rows(s, key))), (key, s)


def test_breakdown_rows_equal_the_lists_their_links_open(world, member_a, informant_a):
    s = scope(world.county)
    for dim, (_, param) in stats.DIMENSIONS.items():
        rows = stats.breakdown(s, dim)
        assert rows, dim
        for row in rows:
            sub, errors = stats.scope_from_query(world.county, {param: row.key})
            assert not errors, errors
            for key in stats.group_keys(stats.Context.of(world.county)):
                assert row.numbers[key] == stats.figure_rows(sub, key).count(), (dim, row.label, key)
    sources = {r.key: r.numbers for r in stats.breakdown(s, "source")}
    assert (sources["member"]["received"], sources["informant"]["received"], sources["party"]["received"]) == (5, 1, 1)
    authors = {r.label: r.numbers for r in stats.breakdown(s, "author")}
    assert authors[member_a.display_name]["adopted_city"] == 1
    assert authors[informant_a.display_name]["sent_up"] == 1
    assert authors["无本会账号（党派、社会公众、下级政协报送）"]["received"] == 1


def test_co_authors_are_credited_in_the_author_table(world, county, member_a, editor_a):
    from zhengxie.testing.factories import make_persona
    from zhengxie.accounts.models import Role

    friend = make_persona(county, Role.MEMBER, "friend_a")
    o = services.opinion_create(access=acc(member_a, county), title="关于联名的建议", body="正文。",
                                coauthor_ids=[friend.pk])
    services.opinion_transition(access=acc(member_a, county), opinion_id=o.pk, name="submit")
    rows = {r.key: r.numbers for r in stats.breakdown(scope(county), "author")}
    assert rows[str(friend.pk)]["received"] == 1
    assert rows[str(member_a.pk)]["received"] == 6
    sub, _ = stats.scope_from_query(county, {"author": str(friend.pk)})
    assert [x.pk for x in stats.figure_rows(sub, "received")] == [o.pk]


def test_a_year_or_a_date_range_counts_what_was_received_in_it(world):
    today = timezone.localdate()
    assert stats.count_figures(scope(world.county, year=today.year))["received"] == 7
    assert stats.count_figures(scope(world.county, year=today.year - 1))["received"] == 0
    assert stats.count_figures(scope(world.county, date_from=today, date_to=today))["received"] == 7
    yesterday = stats.count_figures(scope(world.county, date_to=today - dt.timedelta(days=1)))
    assert yesterday["received"] == 0 and yesterday["issues"] == 0


def test_a_committee_shows_its_own_level_and_those_above_it(world, db):
    from zhengxie.org.models import Committee
    from zhengxie.testing.factories import make_committee

    county_cards = [c.key for c in stats.stats_report(scope(world.county)).cards]
    assert {"adopted_county", "adopted_city", "adopted_province", "adopted_national", "upper_rate"} <= set(county_cards)
    city_cards = [c.key for c in stats.stats_report(scope(world.city)).cards]
    assert "adopted_county" not in city_cards and "instructed_city" in city_cards
    national = make_committee("nat", name="全国政协", level=Committee.Level.NATIONAL)
    report = stats.stats_report(scope(national))
    assert "adopted_upper" not in [c.key for c in report.cards]  # nothing above it
    assert stats.count_figures(scope(national))["adopted_upper"] == 0


def test_another_committee_counts_nothing_of_this_one(world, committee_b):
    n = stats.count_figures(scope(committee_b))
    assert all(v == 0 for v in n.counts.values())


def test_bad_filters_are_dropped_with_a_chinese_message(county, member_b):
    county_stranger = member_b
    s, errors = stats.scope_from_query(county, {"year": "20x6", "from": "2026-13-01", "source": "combined",
                                                "author": "abc", "sector": "x" * 200})
    assert s == stats.Scope(committee=county)
    assert len(errors) == 5 and all("已" in e for e in errors)
    s, errors = stats.scope_from_query(county, {"author": str(county_stranger.pk)})
    assert s.author == "" and "作者" in errors[0]  # no items here: the link says nothing about them
    s, errors = stats.scope_from_query(county, {"from": "2026-03-10", "to": "2026-03-01"})
    assert s.date_from is None and "开始日期" in errors[0]


# --- pages -----------------------------------------------------------------------------------------


def test_members_and_other_staff_may_not_see_the_statistics(login, member_a, clerk_a, unit_a):
    for user in (member_a, clerk_a, unit_a):
        client = login(user)
        assert client.get(reverse("opinions:stats")).status_code == 403
        assert client.get(reverse("opinions:stats_list") + "?figure=received").status_code == 403
        assert client.get(reverse("opinions:stats_xlsx")).status_code == 403


def test_the_statistics_page_links_every_number_to_its_rows(world, login, editor_a):
    year = timezone.localdate().year
    response = login(editor_a).get(reverse("opinions:stats"), {"year": year})
    assert response.status_code == 200
    html = response.content.decode()
    list_url = reverse("opinions:stats_list")
    assert f'href="{list_url}?year={year}&amp;figure=received"' in html
    assert f'href="{list_url}?year={year}&amp;figure=adopted_city"' in html
    assert f'href="{list_url}?year={year}&amp;source=informant&amp;figure=sent_up"' in html
    assert "被市级采用" in html and "获省级批示" in html and "被全国采用" in html
    assert "<caption" in html and 'scope="row"' in html and 'scope="col"' in html
    assert "57.1%" in html  # 采用率 4/7


def test_a_leader_sees_the_statistics_of_their_own_committee_only(world, login, leader_a, city_leader):
    assert login(leader_a).get(reverse("opinions:stats")).status_code == 200
    response = login(city_leader).get(reverse("opinions:stats_list"), {"figure": "received"})
    html = response.content.decode()
    assert world.o["city_single"].title in html and world.o["pending"].title not in html


def test_the_list_page_shows_the_rows_a_number_counts(world, login, editor_a):
    response = login(editor_a).get(reverse("opinions:stats_list"), {"figure": "adopted_combined"})
    assert response.status_code == 200
    html = response.content.decode()
    assert world.o["combo1"].title in html and world.o["combo2"].title in html
    assert world.o["single"].title not in html
    assert reverse("opinions:detail", args=[world.o["combo1"].pk]) in html
    response = login(editor_a).get(reverse("opinions:stats_list"), {"figure": "issues"})
    assert "《社情民意专递》" in response.content.decode()


def test_an_unknown_figure_is_a_chinese_400_not_a_crash(login, editor_a):
    response = login(editor_a).get(reverse("opinions:stats_list"), {"figure": "nope", "year": "x"})
    assert response.status_code == 400
    assert "没有这项统计" in response.content.decode()


def test_bad_dates_on_the_statistics_page_show_a_message(login, editor_a):
    response = login(editor_a).get(reverse("opinions:stats"), {"from": "昨天"})
    assert response.status_code == 200 and "格式不对" in response.content.decode()


def test_the_statistics_page_runs_the_same_queries_however_many_items(
        county, city, province, member_a, informant_a, editor_a, leader_a, city_editor, city_leader,
        province_editor, login):
    people = (member_a, informant_a, editor_a, leader_a, city_editor, city_leader, province_editor)
    client = login(editor_a)
    url = reverse("opinions:stats")
    build_world(county, city, province, *people, tag="一")
    _, few = queries_during(lambda: client.get(url))
    build_world(county, city, province, *people, tag="二")
    _, many = queries_during(lambda: client.get(url))
    assert len(many) == len(few), growth_report(few, many)
    assert len(many) <= 20


@pytest.mark.parametrize("figure", ["received", "adopted_city", "issues"])
def test_the_list_page_runs_the_same_queries_however_many_rows(
        figure, county, city, province, member_a, informant_a, editor_a, leader_a, city_editor, city_leader,
        province_editor, login):
    people = (member_a, informant_a, editor_a, leader_a, city_editor, city_leader, province_editor)
    client = login(editor_a)
    url = reverse("opinions:stats_list") + f"?figure={figure}"
    build_world(county, city, province, *people, tag="一")
    _, few = queries_during(lambda: client.get(url))
    build_world(county, city, province, *people, tag="二")
    _, many = queries_during(lambda: client.get(url))
    assert len(many) == len(few), growth_report(few, many)


def test_the_statistics_page_opens_on_this_year_and_全部_gives_every_year(login, editor_a):
    from django.utils import timezone

    this_year = timezone.localdate().year
    opened = login(editor_a).get(reverse("opinions:stats"))
    assert opened.status_code == 200
    assert opened.context["scope"].year == this_year
    everything = login(editor_a).get(reverse("opinions:stats"), {"year": "", "from": "", "to": ""})
    assert everything.status_code == 200 and everything.context["scope"].year is None
