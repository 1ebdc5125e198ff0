"""Builds a demo deployment: committees with their lists and members, and seven demo accounts.

Deterministic by construction: every random choice comes from `random.Random`, seeded from the
seed (and, per committee, its code), and only ordered sequences are iterated; nothing depends on
the clock. The same seed on an empty database therefore produces the same rows. All writes are
bulk inserts in one transaction, so a province (~100 committees, ~36,000 members) takes seconds.

Planning (pure Python: which committees, places, counts) is separate from writing, so the plan can
be inspected without a database.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import random
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate

from django.contrib.auth.hashers import make_password
from django.db import transaction

from zhengxie.accounts.models import Role, User
from zhengxie.accounts.services import role_grant
from zhengxie.audit.services import audit_record_many, build_event
from zhengxie.demo import data
from zhengxie.members.models import Member
from zhengxie.members.workflow import ACTIVE
from zhengxie.org.models import Committee, Party, Sector, Session, SpecialCommittee, Term, Unit, Workstation

SCALES: tuple[str, ...] = ("county", "city", "province")
DEFAULT_SEED = 2026
DEMO_PASSWORD = "zhengxie-demo"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: str
    title: str  # RoleGrant.title
    phone: str
    gender: str


# Exactly these seven, all in the primary county committee (the login page lists the same usernames).
DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("admin", "王建国", Role.COMMITTEE_ADMIN, "办公室主任", "13900000001", "男"),
    DemoAccount("clerk", "刘晓燕", Role.PROPOSAL_STAFF, "提案委员会办公室科员", "13900000002", "女"),
    DemoAccount("editor", "陈思远", Role.OPINION_STAFF, "社情民意信息科科长", "13900000003", "男"),
    DemoAccount("unit", "周海涛", Role.UNIT_HANDLER, "办公室副主任", "13900000004", "男"),
    DemoAccount("leader", "赵志刚", Role.LEADER, "副主席", "13900000005", "男"),
    DemoAccount("member", "张丽华", Role.MEMBER, "委员", "13900000006", "女"),
    DemoAccount("member2", "孙浩", Role.MEMBER, "委员", "13900000007", "男"),
)
# Which generated member profile each persona takes over in the primary committee.
_PERSONA_SEATS = {"leader": ("vice_chair", ""), "member": ("member", "教育界"), "member2": ("member", "医药卫生界")}
# The unit the `unit` persona handles for: the committee's education bureau.
_PERSONA_UNIT_SUFFIX = "教育局"


class DemoConflict(Exception):
    """Demo data (committee codes or demo accounts) already exists in this database."""


# ---------------------------------------------------------------------------------------------
# Planning


@dataclass(frozen=True)
class Place:
    base: str  # 云湖
    kind: str  # 省 市 区 县 镇 乡 街道

    @property
    def name(self) -> str:
        return self.base + self.kind


@dataclass
class CommitteePlan:
    code: str
    level: str  # Committee.Level value
    region: Place
    parent_code: str | None
    city: Place | None  # a district's city, which its full name includes
    subs: list[Place]  # towns and streets of a county; child regions of a city or province
    member_count: int
    term_number: int
    term_start_year: int
    sessions: int

    @property
    def prefix(self) -> str:
        """区/县/市/省: how this level's department names begin (区教育局, 省教育厅)."""
        return self.region.kind

    @property
    def name(self) -> str:
        city = self.city.name if self.city is not None and self.region.kind == "区" else ""
        return f"中国人民政治协商会议{city}{self.region.name}委员会"

    @property
    def short_name(self) -> str:
        return f"{self.region.name}政协"


def _towns(rng: random.Random, kind: str) -> list[Place]:
    """A county's 街道, 镇 and 乡: districts are mostly streets, counties mostly towns."""
    if kind == "区":
        streets, towns, xiang = rng.randint(4, 6), rng.randint(3, 5), 0
    else:
        streets, towns, xiang = rng.randint(1, 2), rng.randint(7, 10), rng.randint(1, 2)
    bases = rng.sample(data.TOWN_BASES, streets + towns + xiang)
    kinds = ["街道"] * streets + ["镇"] * towns + ["乡"] * xiang
    return [Place(b, k) for b, k in zip(bases, kinds)]


def _county_plan(rng: random.Random, *, code: str, place: Place, city: Place, parent_code: str | None,
                 primary: bool) -> CommitteePlan:
    return CommitteePlan(
        code=code, level=Committee.Level.COUNTY, region=place, parent_code=parent_code, city=city,
        subs=_towns(rng, place.kind), member_count=rng.randint(285, 315),
        term_number=11 if primary else rng.choice((10, 11, 11, 12)), term_start_year=2022, sessions=5,
    )


def _children(rng: random.Random, *, city: Place, parent_code: str, count: int, districts: int,
              bases: Sequence[str], primary_first: bool) -> list[CommitteePlan]:
    return [
        _county_plan(rng, code=f"{parent_code}-{i + 1:02d}", place=Place(base, "区" if i < districts else "县"),
                     city=city, parent_code=parent_code, primary=primary_first and i == 0)
        for i, base in enumerate(bases[:count])
    ]


def _city_plan(rng: random.Random, *, code: str, place: Place, parent_code: str | None,
               children: list[CommitteePlan]) -> CommitteePlan:
    return CommitteePlan(
        code=code, level=Committee.Level.CITY, region=place, parent_code=parent_code, city=None,
        subs=[c.region for c in children], member_count=rng.randint(660, 740),
        term_number=rng.choice((8, 9, 10, 11)), term_start_year=2022, sessions=5,
    )


def plan_committees(scale: str, seed: int = DEFAULT_SEED) -> list[CommitteePlan]:
    """The committees of a demo at `scale`, parents before children; the primary county comes first among counties."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r} (use one of {', '.join(SCALES)})")
    rng = random.Random(f"{seed}:plan")
    first_city = Place(data.CITY_BASES[0], "市")
    if scale == "county":
        return [_county_plan(rng, code="demo-county", place=Place(data.PRIMARY_COUNTY_BASE, "区"), city=first_city,
                             parent_code=None, primary=True)]
    if scale == "city":
        children = _children(rng, city=first_city, parent_code="demo-city", count=data.COUNTIES_PER_CITY[0],
                             districts=data.DISTRICTS_PER_CITY[0], bases=data.COUNTY_BASES, primary_first=True)
        city = _city_plan(rng, code="demo-city", place=first_city, parent_code=None, children=children)
        return [city, *children]

    province_code = "demo-province"
    cities: list[CommitteePlan] = []
    counties: list[CommitteePlan] = []
    offset = 0
    for i, (base, count, districts) in enumerate(
            zip(data.CITY_BASES, data.COUNTIES_PER_CITY, data.DISTRICTS_PER_CITY)):
        code = f"{province_code}-{i + 1:02d}"
        place = Place(base, "市")
        children = _children(rng, city=place, parent_code=code, count=count, districts=districts,
                             bases=data.COUNTY_BASES[offset:offset + count], primary_first=i == 0)
        offset += count
        cities.append(_city_plan(rng, code=code, place=place, parent_code=province_code, children=children))
        counties.extend(children)
    province = CommitteePlan(
        code=province_code, level=Committee.Level.PROVINCE, region=Place(data.PROVINCE_BASE, "省"),
        parent_code=None, city=None, subs=[c.region for c in cities], member_count=rng.randint(780, 820),
        term_number=13, term_start_year=2023, sessions=4,
    )
    return [province, *cities, *counties]


def primary_code(plans: Sequence[CommitteePlan]) -> str:
    """The county committee holding the demo accounts: the first county in plan order."""
    return next(p.code for p in plans if p.level == Committee.Level.COUNTY)


# ---------------------------------------------------------------------------------------------
# Per-committee lists


def cn_number(n: int) -> str:
    """1–99 in Chinese numerals as used in term and session names (十一, 二十三)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def _level_key(plan: CommitteePlan) -> str:
    return str(plan.level)


def _units_for(plan: CommitteePlan) -> list[tuple[str, str, str]]:
    """(name, short name, kind) of the committee's handling units, plus its towns' or sub-regions' governments."""
    fmt = {"P": plan.prefix, "rb": plan.region.base}
    units = []
    for name, short, kind in data.UNITS_BY_LEVEL[_level_key(plan)]:
        if isinstance(name, dict):
            name = name[plan.prefix]
        units.append((name.format(**fmt), short.format(**fmt), kind))
    if plan.level == Committee.Level.COUNTY:
        # Districts hear mostly from their streets, counties from their towns; five is plenty.
        wanted = "街道" if plan.prefix == "区" else "镇"
        offices = [s for s in plan.subs if s.kind == wanted][:5]
        units += [(f"{s.name}办事处" if s.kind == "街道" else f"{s.name}人民政府", "", data.GOV) for s in offices]
    else:
        units += [(f"{s.name}人民政府", "", data.GOV) for s in plan.subs]
    return units


def _workstations_for(plan: CommitteePlan, rng: random.Random) -> list[tuple[str, str]]:
    """(name, address) of the committee's 委员工作室 / 联络站."""
    def road() -> str:
        return f"{rng.choice(data.ROADS)}{rng.randint(1, 299)}号"

    if plan.level == Committee.Level.COUNTY:
        chosen = rng.sample(plan.subs, min(len(plan.subs), rng.randint(5, 7)))
        return [
            (f"{s.base}街道委员工作室" if s.kind == "街道" else f"{s.name}政协委员联络站",
             f"{plan.region.name}{s.name}{road()}")
            for s in chosen
        ]
    if plan.level == Committee.Level.CITY:
        sectors = ("经济界", "医药卫生界", "教育界")
        return [(f"{plan.region.name}政协{s}委员工作室", f"{plan.region.name}{road()}") for s in sectors] + [
            (f"{s.name}委员联络站", f"{s.name}{road()}") for s in plan.subs[:3]
        ]
    return [(f"{plan.region.name}政协委员{s.base}工作站", f"{s.name}{road()}") for s in plan.subs[:4]]


def _sessions_for(plan: CommitteePlan, rng: random.Random) -> list[tuple[int, str, dt.date, dt.date]]:
    """(number, name, opening, closing) of each yearly plenary session, in January or February."""
    term = cn_number(plan.term_number)
    out = []
    for k in range(1, plan.sessions + 1):
        opening = dt.date(plan.term_start_year + k - 1, 1, 1) + dt.timedelta(days=rng.randint(5, 50))
        out.append((k, f"{term}届{cn_number(k)}次会议", opening, opening + dt.timedelta(days=rng.randint(2, 4))))
    return out


# ---------------------------------------------------------------------------------------------
# Members

_SURNAME_CUM = list(accumulate(1.0 / (i + 8) for i in range(len(data.SURNAMES))))
_ETHNIC_NAMES = [e for e, _ in data.ETHNICITIES]
_ETHNIC_CUM = list(accumulate(w for _, w in data.ETHNICITIES))
_MINORITY_NAMES = _ETHNIC_NAMES[1:]
_MINORITY_CUM = list(accumulate(w for _, w in data.ETHNICITIES[1:]))
_FIELDS: dict[str, tuple[str, ...]] = {}


def _fields_of(template: str) -> tuple[str, ...]:
    if template not in _FIELDS:
        _FIELDS[template] = tuple(f for _, f, _, _ in string.Formatter().parse(template) if f)
    return _FIELDS[template]


def sector_counts(sectors: Sequence[str], n: int) -> list[int]:
    """Split n members across sectors in proportion to their weights, at least two each (largest remainder)."""
    weights = [data.SECTOR_WEIGHTS.get(s, 3.0) for s in sectors]
    total = sum(weights)
    raw = [n * w / total for w in weights]
    counts = [max(2, math.floor(r)) for r in raw]
    # Hand out (or take back) the difference by fractional part, ties broken by list order.
    order = sorted(range(len(sectors)), key=lambda i: (-(raw[i] - math.floor(raw[i])), i))
    diff, j = n - sum(counts), 0
    while diff > 0:
        counts[order[j % len(order)]] += 1
        diff, j = diff - 1, j + 1
    by_size = sorted(range(len(sectors)), key=lambda i: (-counts[i], i))
    j = 0
    while diff < 0:
        i = by_size[j % len(by_size)]
        if counts[i] > 2:
            counts[i] -= 1
            diff += 1
        j += 1
    return counts


@dataclass
class _Person:
    sector: str
    party: str  # "" for 群众
    name: str
    gender: str
    ethnicity: str
    birth: dt.date
    employer_title: str
    phone: str
    title: str = Member.Title.MEMBER
    special_committee: int | None = None
    workstation: int | None = None
    username: str = ""  # a demo persona's account


class _Phones:
    """Mobile numbers unique across the deployment (those already stored are avoided too)."""

    def __init__(self, taken: set[str]):
        self.taken = taken

    def draw(self, rng: random.Random) -> str:
        while True:
            phone = rng.choice(data.PHONE_PREFIXES) + f"{rng.randrange(10 ** 8):08d}"
            if phone not in self.taken:
                self.taken.add(phone)
                return phone


class _TitleMaker:
    """工作单位及职务 for one committee, from the sector's templates and the committee's own places and units."""

    def __init__(self, plan: CommitteePlan, rng: random.Random, units: Sequence[tuple[str, str, str]]):
        self.plan, self.rng = plan, rng
        self.level = _level_key(plan)
        r = plan.region.name
        # Department posts, named with the full region (云湖区教育局) rather than the bare prefix.
        self.depts: list[tuple[str, str, str]] = []
        self.judicial: list[tuple[str, str, str]] = []
        for name, _, kind in units:
            full = r + name[1:] if name.startswith(plan.prefix) else (name if name.startswith(r) else r + name)
            if kind == data.JUDICIAL:
                self.judicial.append((full, "院长", "副院长") if full.endswith("法院") else (full, "检察长", "副检察长"))
            elif kind == data.GOV and not full.endswith(("人民政府", "办事处")):
                for suffix, head, deputy in (("委员会", "主任", "副主任"), ("局", "局长", "副局长"),
                                             ("厅", "厅长", "副厅长"), ("中心", "主任", "副主任")):
                    if full.endswith(suffix):
                        self.depts.append((full, head, deputy))
                        break
        self.towns = [s for s in plan.subs if s.kind in ("镇", "乡")] or plan.subs
        self.fixes = data.PROVINCE_TITLE_FIXES if plan.level == Committee.Level.PROVINCE else ()

    def _post(self, posts: Sequence[tuple[str, str, str]]) -> str:
        full, head, deputy = self.rng.choice(posts)
        return full + (deputy if self.rng.random() < 0.75 else head)

    def _local(self) -> str:
        sub = self.rng.choice(self.plan.subs)
        t = sub.name
        options = {
            "镇": (f"{t}党委书记", f"{t}党委副书记、镇长", f"{t}人大主席"),
            "乡": (f"{t}党委书记", f"{t}党委副书记、乡长"),
            "街道": (f"{t}党工委书记", f"{t}党工委副书记、办事处主任"),
        }.get(sub.kind, (f"{t}委副书记", f"{t}人民政府副{sub.kind}长", f"{t}委常委、统战部部长"))
        return self.rng.choice(options)

    def _village(self) -> str:
        v = self.rng.choice(data.VILLAGE_BASES)
        sub = self.rng.choice(self.plan.subs)
        if sub.kind == "街道":
            return f"{sub.name}{v}社区党委书记、居委会主任"
        if sub.kind in ("镇", "乡"):
            return f"{sub.name}{v}村党支部书记、村委会主任"
        return f"{sub.name}{self.rng.choice(data.TOWN_BASES)}镇{v}村党支部书记"

    def value(self, key: str) -> str:
        p, rng = self.plan, self.rng
        if key == "r":
            return p.region.name
        if key == "rb":
            return p.region.base
        if key == "brand":
            return rng.choice(data.BRANDS)
        if key == "industry":
            return rng.choice(data.INDUSTRIES)
        if key == "co":
            return f"{p.region.base}{rng.choice(data.BRANDS)}{rng.choice(data.INDUSTRIES)}有限公司"
        if key == "local":
            return self._local()
        if key == "village":
            return self._village()
        if key == "town":
            return rng.choice(self.towns).name
        if key == "dept":
            return self._post(self.depts)
        if key == "judicial":
            return self._post(self.judicial)
        if key == "bank":
            branch = {"county": "支行", "city": "分行", "province": "省分行"}[self.level]
            return f"{rng.choice(data.BANKS)}{p.region.base}{branch}{rng.choice(('行长', '副行长'))}"
        if key == "temple":
            return p.region.base + rng.choice(data.TEMPLES)
        if key == "media":
            return self.fill(rng.choice(data.MEDIA_BY_LEVEL[self.level]))
        if key == "school":
            return self.fill(rng.choice(data.SCHOOLS_BY_LEVEL[self.level]))
        raise KeyError(key)

    def fill(self, template: str) -> str:
        text = template.format(**{f: self.value(f) for f in _fields_of(template)})
        for old, new in self.fixes:
            text = text.replace(old, new)
        return text

    def for_sector(self, sector: str, party: str) -> str:
        key = data.SECTOR_TITLE_ALIASES.get(sector, sector)
        templates = (data.LEVEL_SECTOR_TITLES.get((self.level, key))
                     or data.SECTOR_TITLES.get(key) or data.PROFESSIONAL_TITLES)
        title = self.fill(self.rng.choice(templates))
        if sector in data.DEMOCRATIC_PARTIES and self.rng.random() < 0.25:
            title = f"{self._party_org(party)}{self.rng.choice(('副主委', '委员'))}、{title}"
        return title

    def _party_org(self, party: str) -> str:
        """民盟云湖区总支部 / 民盟清源市委员会: a democratic party's body at this level."""
        suffix = "总支部" if self.plan.level == Committee.Level.COUNTY else "委员会"
        return f"{party}{self.plan.region.name}{suffix}"

    def leadership(self, title: str, sector: str, party: str, nth_cpc_vice: int) -> str:
        r = self.plan.region.name
        if title == Member.Title.CHAIR:
            return f"{r}政协主席、党组书记"
        if title == Member.Title.SECRETARY_GENERAL:
            return f"{r}政协秘书长、机关党组书记"
        if sector == "中共":
            return f"{r}政协副主席、党组{'副书记' if nth_cpc_vice == 0 else '成员'}"
        if sector in data.DEMOCRATIC_PARTIES:
            return f"{r}政协副主席、{self._party_org(party)}主委"
        if sector == "工商联":
            return f"{r}政协副主席、{r}工商业联合会主席"
        return f"{r}政协副主席"


def _weighted(rng: random.Random, options: Sequence[tuple[str, float]]) -> str:
    return rng.choices([o for o, _ in options], cum_weights=list(accumulate(w for _, w in options)))[0]


def _name(rng: random.Random, gender: str) -> str:
    surname = rng.choices(data.SURNAMES, cum_weights=_SURNAME_CUM)[0]
    first, second = (data.FEMALE_FIRST, data.FEMALE_SECOND) if gender == "女" else (data.MALE_FIRST, data.MALE_SECOND)
    if rng.random() < 0.25:
        return surname + rng.choice(second)
    a = rng.choice(first)
    b = rng.choice(second)
    while b == a:
        b = rng.choice(second)
    return surname + a + b


def plan_people(plan: CommitteePlan, rng: random.Random, *, units: Sequence[tuple[str, str, str]],
                special_committees: Sequence[int], workstations: Sequence[int], phones: _Phones,
                personas: Sequence[DemoAccount] = ()) -> list[_Person]:
    """The committee's members in roster order: chair, vice-chairs, secretary-general, standing, members."""
    level = _level_key(plan)
    sectors = data.SECTORS_BY_LEVEL[level]
    titles = _TitleMaker(plan, rng, units)
    parties = data.DEMOCRATIC_PARTIES if plan.level == Committee.Level.PROVINCE else data.DEMOCRATIC_PARTIES[:7]
    names_used = {a.display_name for a in personas}
    ws_share = {"county": 0.8, "city": 0.5, "province": 0.3}[level]

    people: list[_Person] = []
    for sector, count in zip(sectors, sector_counts(sectors, plan.member_count)):
        for _ in range(count):
            gender = "女" if rng.random() < data.SECTOR_FEMALE_SHARE.get(sector, 0.3) else "男"
            name = _name(rng, gender)
            for _attempt in range(50):
                if name not in names_used:
                    break
                name = _name(rng, gender)
            names_used.add(name)
            party = data.SECTOR_PARTY.get(sector) or _weighted(
                rng, data.SECTOR_PARTY_MIX.get(sector, data.DEFAULT_PARTY_MIX))
            if party == "民主党派":
                party = rng.choice(parties)
            if sector == "少数民族界":
                ethnicity = rng.choices(_MINORITY_NAMES, cum_weights=_MINORITY_CUM)[0]
            else:
                ethnicity = rng.choices(_ETHNIC_NAMES, cum_weights=_ETHNIC_CUM)[0]
            employer_title = titles.for_sector(sector, party)
            # Retired officials (原…) are older; Youth League and youth federation people are young.
            years = (1958, 1963) if "原" in employer_title else data.SECTOR_BIRTH_YEARS.get(sector, (1958, 1988))
            people.append(_Person(
                sector=sector, party=party, name=name, gender=gender, ethnicity=ethnicity,
                birth=dt.date(rng.randint(*years), rng.randint(1, 12), 1),
                employer_title=employer_title, phone=phones.draw(rng),
                special_committee=rng.choice(special_committees) if rng.random() < 0.75 else None,
                workstation=rng.choice(workstations) if workstations and rng.random() < ws_share else None,
            ))

    # Leadership: the chair and secretary-general from the 中共 sector, vice-chairs one per listed sector.
    def take(sector: str) -> _Person | None:
        return next((p for p in people if p.sector == sector and p.title == Member.Title.MEMBER), None)

    vice_count = {"county": (4, 6), "city": (6, 8), "province": (8, 10)}[level]
    leaders: list[_Person] = []
    chair = take("中共")
    assert chair is not None
    chair.title = Member.Title.CHAIR
    leaders.append(chair)
    wanted, cpc_vices = rng.randint(*vice_count), 0
    for sector in data.VICE_CHAIR_SECTORS:
        if wanted == 0:
            break
        person = take(sector)
        if person is None:
            continue
        person.title = Member.Title.VICE_CHAIR
        person.employer_title = titles.leadership(person.title, sector, person.party, cpc_vices)
        cpc_vices += sector == "中共"
        leaders.append(person)
        wanted -= 1
    secretary = take("中共")
    assert secretary is not None
    secretary.title = Member.Title.SECRETARY_GENERAL
    leaders.append(secretary)
    for person in (chair, secretary):
        person.employer_title = titles.leadership(person.title, person.sector, person.party, 0)
    for person in leaders:
        person.birth = dt.date(rng.randint(1962, 1972), rng.randint(1, 12), 1)
        person.special_committee = person.workstation = None

    rest = [p for p in people if p.title == Member.Title.MEMBER]
    standing = set(rng.sample(range(len(rest)), round(plan.member_count * 0.13)))
    for i in sorted(standing):
        rest[i].title = Member.Title.STANDING
    roster = leaders + [p for p in rest if p.title == Member.Title.STANDING] + \
        [p for p in rest if p.title == Member.Title.MEMBER]

    # The demo personas take over seats: the leader a vice-chair's, the members ordinary ones.
    for account in personas:
        if account.username not in _PERSONA_SEATS:
            continue
        title, sector = _PERSONA_SEATS[account.username]
        seat = next(p for p in roster if p.title == title and not p.username and (not sector or p.sector == sector))
        seat.username, seat.name, seat.gender, seat.phone = (
            account.username, account.display_name, account.gender, account.phone)
    return roster


# ---------------------------------------------------------------------------------------------
# Writing


@dataclass
class DemoResult:
    scale: str
    seed: int
    committees: int = 0
    members: int = 0
    units: int = 0
    accounts: int = 0
    primary: Committee | None = None
    codes: list[str] = field(default_factory=list)


def _check_conflicts(plans: Sequence[CommitteePlan]) -> None:
    codes = sorted(Committee.objects.filter(code__in=[p.code for p in plans]).values_list("code", flat=True))
    users = sorted(User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS]).values_list(
        "username", flat=True))
    phones = sorted(User.objects.filter(phone__in=[a.phone for a in DEMO_ACCOUNTS]).values_list("phone", flat=True))
    if codes or users or phones:
        found = "、".join([*codes, *users, *phones][:8])
        raise DemoConflict(f"演示数据已存在（{found}）。请在空数据库上运行，或加 --if-empty。")


def _create_committees(plans: Sequence[CommitteePlan]) -> dict[str, Committee]:
    """Insert committees level by level (parents first) and return them by code."""
    by_code: dict[str, Committee] = {}
    pending = list(plans)
    while pending:
        ready = [p for p in pending if p.parent_code is None or p.parent_code in by_code]
        Committee.objects.bulk_create([
            Committee(code=p.code, name=p.name, short_name=p.short_name, region_name=p.region.name, level=p.level,
                      parent=by_code[p.parent_code] if p.parent_code else None)
            for p in ready
        ])
        by_code.update({c.code: c for c in Committee.objects.filter(code__in=[p.code for p in ready])})
        pending = [p for p in pending if p.code not in by_code]
    return by_code


def _ids_by_name(model: type, committee_ids: Sequence[int]) -> dict[tuple[int, str], int]:
    rows = model.objects.filter(committee_id__in=committee_ids).values_list("committee_id", "name", "id")
    return {(c, n): i for c, n, i in rows}


@functools.cache
def _demo_password_hash() -> str:
    """The shared demo password, hashed once per process: argon2 is slow by design."""
    return make_password(DEMO_PASSWORD)


def build_demo(*, scale: str, seed: int = DEFAULT_SEED) -> DemoResult:
    """Create the demo deployment at `scale` in one transaction; refuses (DemoConflict) if it is already there.

    Members get no login accounts, except the seven demo personas in the primary county committee.
    One `demo.seeded` audit event per committee records the counts.
    """
    plans = plan_committees(scale, seed)
    _check_conflicts(plans)
    primary = primary_code(plans)
    result = DemoResult(scale=scale, seed=seed, codes=[p.code for p in plans])
    rngs = {p.code: random.Random(f"{seed}:{p.code}") for p in plans}

    with transaction.atomic():
        committees = _create_committees(plans)
        cid = {code: c.pk for code, c in committees.items()}
        ids = list(cid.values())

        # Lists: everything in plan order, one bulk insert per model.
        units = {p.code: _units_for(p) for p in plans}
        workstations = {p.code: _workstations_for(p, rngs[p.code]) for p in plans}
        Sector.objects.bulk_create([Sector(committee_id=cid[p.code], name=n, order=i)
                                    for p in plans for i, n in enumerate(data.SECTORS_BY_LEVEL[_level_key(p)])])
        Party.objects.bulk_create([Party(committee_id=cid[p.code], name=n, order=i)
                                   for p in plans for i, n in enumerate(data.PARTIES)])
        SpecialCommittee.objects.bulk_create([
            SpecialCommittee(committee_id=cid[p.code], name=n, order=i)
            for p in plans for i, n in enumerate(data.SPECIAL_COMMITTEES_BY_LEVEL[_level_key(p)])])
        Workstation.objects.bulk_create([Workstation(committee_id=cid[p.code], name=n, address=a, order=i)
                                         for p in plans for i, (n, a) in enumerate(workstations[p.code])])
        Unit.objects.bulk_create([Unit(committee_id=cid[p.code], name=n, short_name=s, kind=k, order=i)
                                  for p in plans for i, (n, s, k) in enumerate(units[p.code])])
        sector_ids = _ids_by_name(Sector, ids)
        party_ids = _ids_by_name(Party, ids)
        sc_ids = _ids_by_name(SpecialCommittee, ids)
        ws_ids = _ids_by_name(Workstation, ids)

        # A term opens with its first session.
        sessions = {p.code: _sessions_for(p, rngs[p.code]) for p in plans}
        Term.objects.bulk_create([
            Term(committee_id=cid[p.code], number=p.term_number, name=f"第{cn_number(p.term_number)}届",
                 start_date=sessions[p.code][0][2]) for p in plans])
        term_ids = {c: i for c, i in Term.objects.filter(committee_id__in=ids).values_list("committee_id", "id")}
        Session.objects.bulk_create([
            Session(committee_id=cid[p.code], term_id=term_ids[cid[p.code]], number=k, name=n,
                    start_date=start, end_date=end)
            for p in plans for k, n, start, end in sessions[p.code]])

        password = _demo_password_hash()
        User.objects.bulk_create([User(username=a.username, display_name=a.display_name, phone=a.phone,
                                       password=password) for a in DEMO_ACCOUNTS])
        users = {u.username: u for u in User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS])}

        taken = set(Member.objects.exclude(phone="").values_list("phone", flat=True))
        taken |= set(User.objects.exclude(phone=None).values_list("phone", flat=True))
        phones = _Phones(taken)
        members: list[Member] = []
        counts: dict[str, int] = {}
        for p in plans:
            c = cid[p.code]
            people = plan_people(
                p, rngs[p.code], units=units[p.code],
                special_committees=[sc_ids[(c, n)] for n in data.SPECIAL_COMMITTEES_BY_LEVEL[_level_key(p)]],
                workstations=[ws_ids[(c, n)] for n, _ in workstations[p.code]],
                phones=phones, personas=DEMO_ACCOUNTS if p.code == primary else (),
            )
            counts[p.code] = len(people)
            members += [
                Member(committee_id=c, user=users[m.username] if m.username else None, name=m.name,
                       gender=m.gender, ethnicity=m.ethnicity, birth_month=m.birth, sector_id=sector_ids[(c, m.sector)],
                       party_id=party_ids[(c, m.party)] if m.party else None, employer_title=m.employer_title,
                       phone=m.phone, special_committee_id=m.special_committee, workstation_id=m.workstation,
                       title=m.title, state=ACTIVE)
                for m in people
            ]
        Member.objects.bulk_create(members, batch_size=1000)

        home = committees[primary]
        education = Unit.objects.get(committee=home, name=f"{home.region_name[-1]}{_PERSONA_UNIT_SUFFIX}")
        for a in DEMO_ACCOUNTS:
            role_grant(actor=None, user=users[a.username], committee=home, role=a.role,
                       unit=education if a.role == Role.UNIT_HANDLER else None, title=a.title)

        audit_record_many(
            build_event(actor=None, committee=committees[p.code], verb="demo.seeded", obj=committees[p.code],
                        payload={"scale": scale, "seed": seed, "members": counts[p.code],
                                 "units": len(units[p.code]), "sectors": len(data.SECTORS_BY_LEVEL[_level_key(p)]),
                                 "parties": len(data.PARTIES), "workstations": len(workstations[p.code]),
                                 "sessions": len(sessions[p.code]),
                                 "accounts": len(DEMO_ACCOUNTS) if p.code == primary else 0})
            for p in plans
        )

    result.committees = len(plans)
    result.members = len(members)
    result.units = sum(len(u) for u in units.values())
    result.accounts = len(DEMO_ACCOUNTS)
    result.primary = committees[primary]
    return result
