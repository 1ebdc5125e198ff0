"""seed_demo: a realistic, reproducible demo deployment, and only in demo mode."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F

from zhengxie.accounts.models import Role, RoleGrant, User
from zhengxie.accounts.permissions import access_for
from zhengxie.audit.models import Event
from zhengxie.demo import data
from zhengxie.demo import proposals as demo_proposals
from zhengxie.demo.builder import DEMO_ACCOUNTS, DEMO_PASSWORD, build_demo, plan_committees, sector_counts
from zhengxie.demo.proposals import seed_proposals
from zhengxie.members.models import Member
from zhengxie.org.models import Committee, Session, Unit
from zhengxie.proposals import member_selectors, unit_services
from zhengxie.proposals.models import Assignment, Evaluation, Proposal, Reply, Signer
from zhengxie.testing.factories import make_committee

pytestmark = pytest.mark.django_db

EXPECTED_ROLES = {
    "admin": Role.COMMITTEE_ADMIN,
    "clerk": Role.PROPOSAL_STAFF,
    "editor": Role.OPINION_STAFF,
    "unit": Role.UNIT_HANDLER,
    "leader": Role.LEADER,
    "member": Role.MEMBER,
    "member2": Role.MEMBER,
}
MOBILE = re.compile(r"^1[3-9]\d{9}$")


@pytest.fixture
def demo_mode(settings):
    settings.DEMO_MODE = True


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def county(demo_mode) -> Committee:
    """The roster alone: the proposals (and the members' accounts they need) are tested in test_seed_proposals."""
    seed("--scale", "county", "--without-proposals")
    return Committee.objects.get(code="demo-county")


def test_county_scale_builds_one_district_committee_with_about_300_members(county):
    assert Committee.objects.count() == 1
    assert county.level == Committee.Level.COUNTY
    assert county.name == "中国人民政治协商会议清源市云湖区委员会"
    assert county.short_name == "云湖区政协"
    assert 280 <= Member.objects.filter(committee=county).count() <= 320


def test_county_has_about_forty_handling_units_with_real_department_names(county):
    names = set(Unit.objects.filter(committee=county).values_list("name", flat=True))
    assert 35 <= len(names) <= 50
    assert {"区教育局", "区卫生健康局", "区住房和城乡建设局", "区公安分局", "区人民法院", "区人民检察院",
            "自然资源和规划分局", "区发展和改革委员会"} <= names


def test_county_lists_sectors_parties_special_committees_and_workstations(county):
    from zhengxie.org.models import Party, Sector, SpecialCommittee, Workstation

    assert list(Sector.objects.filter(committee=county).values_list("name", flat=True)) == list(data.COUNTY_SECTORS)
    assert list(Party.objects.filter(committee=county).values_list("name", flat=True)) == list(data.PARTIES)
    assert "提案委员会" in set(SpecialCommittee.objects.filter(committee=county).values_list("name", flat=True))
    workstations = list(Workstation.objects.filter(committee=county).values_list("name", flat=True))
    assert 5 <= len(workstations) <= 7
    assert all(w.endswith(("委员工作室", "委员联络站")) for w in workstations)


def test_county_has_term_eleven_with_five_yearly_sessions_in_january_or_february(county):
    sessions = list(Session.objects.filter(committee=county).order_by("number"))
    assert [s.name for s in sessions] == [f"十一届{n}次会议" for n in "一二三四五"]
    assert [s.start_date.year for s in sessions] == [2022, 2023, 2024, 2025, 2026]
    assert all(s.start_date.month in (1, 2) and s.start_date < s.end_date for s in sessions)
    assert sessions[0].term.name == "第十一届"


def test_members_have_complete_realistic_profiles(county):
    members = list(Member.objects.filter(committee=county).select_related("sector", "party"))
    titles = Counter(m.title for m in members)
    assert titles[Member.Title.CHAIR] == 1
    assert titles[Member.Title.SECRETARY_GENERAL] == 1
    assert 4 <= titles[Member.Title.VICE_CHAIR] <= 6
    assert 35 <= titles[Member.Title.STANDING] <= 45
    for m in members:
        assert 2 <= len(m.name) <= 3 and m.gender in ("男", "女") and m.ethnicity.endswith("族")
        assert dt.date(1958, 1, 1) <= m.birth_month <= dt.date(1988, 12, 1) and m.birth_month.day == 1
        assert MOBILE.match(m.phone) and m.employer_title and m.state == "active"
        # A party's own sector holds only its members; 中共 and 无党派人士 likewise.
        if m.sector.name in data.SECTOR_PARTY:
            assert m.party is not None and m.party.name == data.SECTOR_PARTY[m.sector.name]
    assert len({m.phone for m in members}) == len(members)
    assert Counter(m.ethnicity for m in members).most_common(1)[0][0] == "汉族"
    # Only the demo personas have accounts.
    assert sorted(m.user.username for m in members if m.user) == ["leader", "member", "member2"]


def test_every_demo_account_has_the_demo_password_and_its_role_in_the_primary_committee(county):
    users = {u.username: u for u in User.objects.all()}
    assert set(users) == set(EXPECTED_ROLES)
    # One shared hash (argon2 is slow), so checking it once checks every account.
    assert len({u.password for u in users.values()}) == 1
    assert check_password(DEMO_PASSWORD, users["admin"].password)
    for username, role in EXPECTED_ROLES.items():
        user = users[username]
        assert user.display_name and user.has_usable_password() and not user.is_superuser
        assert list(RoleGrant.objects.filter(user=user).values_list("committee_id", "role")) == [(county.pk, role)]


def test_unit_account_handles_for_the_district_education_bureau(county):
    grant = RoleGrant.objects.get(user__username="unit")
    assert grant.role == Role.UNIT_HANDLER
    assert grant.unit.name == "区教育局" and grant.unit.committee_id == county.pk


def test_leader_is_a_vice_chair_and_members_can_log_in_with_their_phone(county):
    leader = Member.objects.get(committee=county, user__username="leader")
    assert leader.title == Member.Title.VICE_CHAIR and leader.name == "赵志刚"
    for username in ("member", "member2"):
        user = User.objects.get(username=username)
        profile = Member.objects.get(committee=county, user=user)
        assert user.phone and profile.phone == user.phone and profile.name == user.display_name
        assert authenticate(None, username=user.phone, password=DEMO_PASSWORD) == user


def test_one_seeded_audit_event_per_committee_with_counts(county):
    event = Event.objects.get(verb="demo.seeded")
    assert event.committee_id == county.pk
    assert event.payload["members"] == Member.objects.filter(committee=county).count()
    assert event.payload["units"] == Unit.objects.filter(committee=county).count()


def test_summary_names_the_counts(demo_mode):
    out = seed("--scale", "county", "--without-proposals")
    assert "政协 1 个" in out and "演示账号 7 个" in out and "云湖区政协" in out


def test_refuses_to_run_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="演示模式"):
        seed("--scale", "county")
    assert not Committee.objects.exists() and not User.objects.exists()


def test_if_empty_leaves_an_existing_database_alone(demo_mode):
    make_committee("aaa", name="甲区政协")
    out = seed("--scale", "county", "--if-empty")
    assert "跳过" in out
    assert list(Committee.objects.values_list("code", flat=True)) == ["aaa"]
    assert not Member.objects.exists() and not User.objects.exists()


def test_if_empty_seeds_an_empty_database_with_proposals(demo_mode):
    seed("--scale", "county", "--if-empty")
    assert Committee.objects.filter(code="demo-county").exists()
    assert Proposal.objects.filter(committee__code="demo-county").count() > 500


def test_a_missing_corpus_is_reported_before_anything_is_written(demo_mode, monkeypatch, tmp_path):
    monkeypatch.setattr(demo_proposals, "CORPUS_PATH", tmp_path / "missing.jsonl")
    monkeypatch.setattr(demo_proposals, "corpus", lambda: demo_proposals.Corpus(demo_proposals.CORPUS_PATH))
    with pytest.raises(CommandError, match="without-proposals"):
        seed("--scale", "county")
    assert not Committee.objects.exists()


def test_seeding_twice_is_refused_and_changes_nothing(county):
    members = Member.objects.count()
    with pytest.raises(CommandError, match="已存在"):
        seed("--scale", "county")
    assert Member.objects.count() == members and Committee.objects.count() == 1


NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)


def _build_and_roll_back(seed_value: int) -> list[tuple]:
    """Everything the builder and the proposals wrote that is not an id, then undo it."""
    with transaction.atomic():
        build_demo(scale="county", seed=seed_value)
        seed_proposals(scale="county", seed=seed_value, now=NOW)
        rows: list[tuple] = list(Proposal.objects.order_by("id").values_list(
            "session__name", "number_label", "title", "reason", "suggestion", "category", "proposer_kind",
            "proposer__username", "body_name", "state", "return_advice", "reject_ground", "merged_into__title",
            "handling_mode", "due_date", "is_key", "supervising_leader__username", "is_public", "created_at",
            "submitted_at", "registered_at", "assigned_at", "replied_at", "closed_at", "version"))
        rows += list(Assignment.objects.order_by("id").values_list("proposal__title", "unit__name", "role", "status"))
        rows += list(Reply.objects.order_by("id").values_list("text", "grade", "contact", "author__username"))
        rows += list(Evaluation.objects.order_by("id").values_list("user__username", "handling", "result"))
        rows += list(Signer.objects.order_by("id").values_list("user__username", "status", "expires_at"))
        rows += [(verb, actor, at, sorted(payload)) for verb, actor, at, payload in Event.objects.filter(
            verb__startswith="proposal.").order_by("id").values_list("verb", "actor__username", "at", "payload")]
        rows += list(Member.objects.order_by("id").values_list(
            "name", "phone", "gender", "ethnicity", "birth_month", "sector__name", "party__name", "employer_title",
            "title", "special_committee__name", "workstation__name", "user__username"))
        rows += list(Unit.objects.order_by("id").values_list("name", "short_name", "kind", "order"))
        rows += list(Session.objects.order_by("id").values_list("name", "start_date", "end_date"))
        rows += list(Committee.objects.order_by("id").values_list("code", "name", "short_name", "level"))
        transaction.set_rollback(True)
    return rows


def test_same_seed_produces_identical_rows_and_another_seed_does_not(demo_mode, monkeypatch):
    monkeypatch.setitem(demo_proposals.PER_SESSION, "county", {"county": 60})  # the same code, quicker
    first = _build_and_roll_back(2026)
    assert not Committee.objects.exists()
    assert _build_and_roll_back(2026) == first
    assert _build_and_roll_back(7) != first


def test_city_scale_links_eight_districts_and_counties_to_the_city(demo_mode):
    out = seed("--scale", "city", "--without-proposals")
    city = Committee.objects.get(code="demo-city")
    children = list(Committee.objects.filter(parent=city).order_by("code"))
    assert city.level == Committee.Level.CITY and city.parent is None
    assert len(children) == 8 and all(c.level == Committee.Level.COUNTY for c in children)
    assert 650 <= Member.objects.filter(committee=city).count() <= 750
    assert "市教育局" in set(Unit.objects.filter(committee=city).values_list("name", flat=True))
    assert all(Member.objects.filter(committee=c).count() >= 280 for c in children)
    # The demo accounts live in the first district under the city.
    assert set(RoleGrant.objects.filter(user__username__in=EXPECTED_ROLES).values_list("committee_id", flat=True)) \
        == {children[0].pk}
    assert "政协 9 个" in out
    # Phones are unique across the whole deployment, not just per committee.
    phones = list(Member.objects.values_list("phone", flat=True))
    assert len(set(phones)) == len(phones)
    assert Event.objects.filter(verb="demo.seeded").count() == 9


def test_province_plan_has_about_a_hundred_committees_each_under_its_parent():
    plans = plan_committees("province", 2026)
    levels = Counter(str(p.level) for p in plans)
    assert levels == {"province": 1, "city": 14, "county": 85}
    codes = [p.code for p in plans]
    assert len(set(codes)) == len(codes) and all(len(c) <= 40 for c in codes)
    seen: set[str] = set()
    for p in plans:
        assert p.parent_code is None or p.parent_code in seen  # parents come first
        seen.add(p.code)
    assert len({p.short_name for p in plans}) == len(plans)
    assert sum(p.member_count for p in plans) > 30_000
    first_county = next(p for p in plans if str(p.level) == "county")
    assert first_county.short_name == "云湖区政协" and first_county.parent_code == "demo-province-01"


def test_sector_counts_add_up_and_keep_every_sector():
    for n in (285, 300, 315, 700, 800):
        for sectors in data.SECTORS_BY_LEVEL.values():
            counts = sector_counts(sectors, n)
            assert sum(counts) == n and min(counts) >= 2


def test_demo_accounts_match_the_login_page_list():
    from zhengxie.accounts.views import DEMO_ACCOUNTS as LOGIN_PAGE_ACCOUNTS

    assert [a.username for a in DEMO_ACCOUNTS] == [u for u, _ in LOGIN_PAGE_ACCOUNTS]


def test_city_scale_gives_every_committee_proposals_and_the_district_its_demo_accounts(demo_mode, monkeypatch):
    monkeypatch.setitem(demo_proposals.PER_SESSION, "city", {"city": 40, "county": 20})
    call_command("seed_demo", "--scale", "city", stdout=StringIO())
    per = dict(Proposal.objects.values_list("committee__code").annotate(n=Count("pk")))
    assert len(per) == 9 and 70 <= per["demo-city"] <= 90
    # Each committee's proposals go to its own units (市卫生健康委员会 in the city, 区卫生健康局 below).
    assert not Assignment.objects.exclude(unit__committee_id=F("committee_id")).exists()
    assert not Assignment.objects.exclude(committee_id=F("proposal__committee_id")).exists()
    district = Committee.objects.get(code="demo-city-01")
    assert member_selectors.my_invitations(access_for(User.objects.get(username="member"), district)).exists()
    assert unit_services.unit_inbox(access_for(User.objects.get(username="unit"), district)).pending


def test_without_proposals_seeds_only_the_roster(demo_mode):
    call_command("seed_demo", "--scale", "county", "--without-proposals", stdout=StringIO())
    assert Member.objects.exists() and not Proposal.objects.exists()
    assert sorted(User.objects.values_list("username", flat=True)) == sorted(a.username for a in DEMO_ACCOUNTS)
