"""Demo 社情民意: years of items in every committee, at every stage, sent up the levels and tracked.

Runs after `builder.build_demo` and `demo.proposals` (whose member accounts author the items) and adds:

- accounts: one editor (社情民意信息科) per committee (the primary county's is the `editor` persona) and
  a few 特邀信息员 with their role;
- per committee and year (`PER_YEAR`, `YEARS`): items from members (some 联名), informants, parties,
  lower committees' offices and the public; about a third screened out with a reason, the rest adopted
  (单篇 / 综合 into pieces the editors wrote / 转送有关部门 with the department's feedback), edited,
  signed by a leader and printed in numbered issues of 《社情民意专递》 and 《社情民意专报》; 批示 and
  media publication on some; the current year's recent items still on the editors' desk;
- forwarding: some adopted items of every committee with a parent go up one level, arrive on the
  parent's desk as new items (with their lineage), are decided there, and some go up again; what is
  decided up there (adoption, 批示) is recorded on the copies, and credited down the chain by the
  lineage closure as the real services do.

Texts are recombined from the proposals' corpus (`demo.proposals.Corpus`): a pool per committee, as
large as its items at county and city scale; at province scale items reuse their committee's pool.

Written in three steps, each by one worker process per core on PostgreSQL (`demo.proposals.seed_workers`):
every committee's own items; then, per parent committee, the copies its children sent up; then the
copies sent on from there. The text index gets every item at county and city scale and the current
year's at province scale (indexing is most of the cost, and the similar-items check at the desk
compares new items with recent ones); `manage.py index_rebuild` adds the rest.

Deterministic: every choice comes from `random.Random` seeded with the seed, the committee and the
year; dates follow `now` (the current year's items are dated before it).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import random
import re
import sys
import time
from collections import Counter as Tally
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, transaction
from django.test.utils import override_settings
from django.utils import timezone

from zhengxie.accounts.models import Role, RoleGrant, User
from zhengxie.audit.services import audit_record_many, build_event
from zhengxie.demo.builder import DEFAULT_SEED, _name, plan_committees, primary_code
from zhengxie.demo.proposals import Corpus, Locale, corpus, historic_timestamps, seed_workers
from zhengxie.members.models import Member
from zhengxie.opinions.credit import credit_backfill
from zhengxie.opinions.indexing import entry_for
from zhengxie.opinions.models import (
    TITLE_MAX, Adoption, Coauthor, Counter, Issue, IssueItem, Lineage, Opinion, Series, SigningOfficer, SourceKind,
    Track,
)
from zhengxie.opinions.workflow import ADOPTED, DRAFT, EDITED, PUBLISHED, SCREENED_OUT, SIGNED, SUBMITTED
from zhengxie.org.models import Committee, Party, Unit
from zhengxie.textindex.services import documents_upsert_many

# Items a committee receives in a year, by scale and level (its own; copies from below come on top).
PER_YEAR = {
    "county": {"county": 240},
    "city": {"city": 420, "county": 160},
    "province": {"province": 2600, "city": 1500, "county": 900},
}
YEARS = {"county": 3, "city": 3, "province": 10}  # this year and the ones before it
INDEX_ALL = {"county": True, "city": True, "province": False}
POOL_MAX = 600  # texts per committee
BATCH = 1000
INFORMANTS = 3

SOURCES = ((SourceKind.MEMBER, 70), (SourceKind.INFORMANT, 10), (SourceKind.PARTY, 9), (SourceKind.LOWER, 4),
           (SourceKind.PUBLIC, 7))
SCREEN_SHARE = 0.33
ADOPTIONS = ((Adoption.SINGLE, 62), (Adoption.COMBINED, 25), (Adoption.REFERRED, 13))
FORWARD_SHARE = 0.14  # of the adopted, where there is a parent
SCREEN_REASONS = (
    "反映的问题已在此前信息中反映，作存档处理。", "内容属个人诉求，建议通过信访渠道反映。",
    "问题较为普遍，缺少具体情况和数据，作存档处理。", "所提问题已有相关部门在推进解决，暂不编报。",
    "信息时效性不强，作存档处理。",
)
INSTRUCTION_TEXTS = (
    "请相关部门认真研究，提出切实可行的解决办法。", "这个问题反映得很具体，请抓紧调研，拿出措施。",
    "请结合年度重点工作一并考虑，及时反馈落实情况。", "所提建议很有价值，请认真吸纳。",
)
LEADER_TITLES = {"county": ("县委书记", "县长", "副县长"), "city": ("市委书记", "市长", "副市长"),
                 "province": ("省委书记", "省长", "副省长"), "national": ("国务院领导",)}
OUTLETS = ("人民政协报", "本地日报", "政协新闻网", "本地广播电视台")
FEEDBACK_TEXTS = (
    "已收悉，我单位高度重视，已组织专题研究，相关措施将于年内落实。",
    "经研究，所反映问题已纳入明年工作计划，将分步推进解决。",
    "已会同相关部门开展调查，问题已基本解决，具体情况已向反映人说明。",
)
RECIPIENTS = {"main": ("党委主要领导", "政府主要领导"), "copy": ("人大常委会", "有关部门")}


@dataclass(eq=False)  # identity, not field-by-field comparison
class Item:
    """One planned row: who wrote it, what became of it, and when."""

    kind: str
    title: str
    body: str
    submitted: dt.datetime
    year: int
    author: int | None = None
    author_name: str = ""
    created_by: int | None = None
    coauthors: list[tuple[int, str]] = field(default_factory=list)
    body_name: str = ""
    submitter_name: str = ""
    submitter_contact: str = ""
    sector: tuple[int, str] | None = None
    party: tuple[int, str] | None = None
    state: str = SUBMITTED
    adoption: str = ""
    screened_reason: str = ""
    adopted: dt.datetime | None = None
    edited: dt.datetime | None = None
    signed: dt.datetime | None = None
    signed_by: int | None = None
    edited_by: int | None = None
    published: dt.datetime | None = None
    forwarded: dt.datetime | None = None
    piece: Item | None = None
    tracks: list[dict[str, Any]] = field(default_factory=list)
    events: list[tuple[str, int | None, dt.datetime, dict[str, Any]]] = field(default_factory=list)
    origin_id: int | None = None
    serial: int | None = None
    pk: int | None = None

    def event(self, verb: str, actor: int | None, at: dt.datetime, **payload: Any) -> None:
        self.events.append((verb, actor, at, payload))


@dataclass
class Cast:
    """Who acts on 社情民意 in one committee."""

    committee: Committee
    level: str
    editor: int
    signers: list[int]
    informants: list[tuple[int, str]]
    members: list[tuple[int, str, tuple[int, str] | None, tuple[int, str] | None]]  # user, name, sector, party
    parties: list[tuple[int, str]]
    units: list[tuple[int, str]]
    lower_names: list[str]
    locale: Locale
    personas: list[tuple[int, str, tuple[int, str] | None, tuple[int, str] | None]] = field(default_factory=list)
    pool: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class OpinionsResult:
    items: int = 0
    events: int = 0
    issues: int = 0
    by_state: Tally[str] = field(default_factory=Tally)
    seconds: float = 0.0


_USERS: dict[int, User] = {}


# ---------------------------------------------------------------------------------------------
# Texts


def _title(raw: str, rng: random.Random) -> str:
    title = re.sub(r"的提案$", rng.choice(("的建议", "的情况反映", "问题亟待解决")), raw)
    if title.endswith("问题亟待解决") and title.startswith("关于"):
        title = title[2:]
    return title[:TITLE_MAX]


def text_pool(texts: Corpus, locale: Locale, rng: random.Random, size: int, year: int) -> list[tuple[str, str]]:
    out = []
    for _ in range(size):
        unit = texts.pick_unit(rng)
        item = rng.randrange(len(texts.by_unit[unit]))
        reason = texts.reason(rng, unit, item, locale, year)
        suggestion = texts.suggestion(rng, unit, item, locale, year).split("\n")[:3]
        body = (reason.strip() + "\n建议：\n" + "\n".join(suggestion)).strip()
        out.append((_title(texts.title(rng, unit, item, locale), rng), body[:1450]))
    return out


# ---------------------------------------------------------------------------------------------
# Who


def create_casts(scale: str, seed: int, texts: Corpus) -> dict[int, Cast]:
    """Editors and informants (accounts without a password; the primary's editor is `editor`), with the
    lists each committee's items draw on."""
    plans = plan_committees(scale, seed)
    primary = primary_code(plans)
    committees = {c.code: c for c in Committee.objects.filter(code__in=[p.code for p in plans])}
    persona = User.objects.filter(username="editor").first()
    persona_members = set(User.objects.filter(username__in=("member", "member2")).values_list("id", flat=True))
    new_users: list[User] = []
    for plan in plans:
        rng = random.Random(f"{seed}:opinion-accounts:{plan.code}")
        if plan.code != primary or persona is None:
            new_users.append(User(username=f"{plan.code}-editor", display_name=_name(rng, "女"), password="!"))
        for i in range(1, INFORMANTS + 1):
            new_users.append(User(username=f"{plan.code}-i{i:02d}", display_name=_name(rng, rng.choice("男女")),
                                  password="!"))
    User.objects.bulk_create(new_users, batch_size=1000)
    ids = dict(User.objects.filter(username__in=[u.username for u in new_users]).values_list("username", "id"))
    grants = []
    for plan in plans:
        cid = committees[plan.code].pk
        if f"{plan.code}-editor" in ids:
            grants.append(RoleGrant(user_id=ids[f"{plan.code}-editor"], committee_id=cid, role=Role.OPINION_STAFF,
                                    title="社情民意信息科科员"))
        grants += [RoleGrant(user_id=ids[f"{plan.code}-i{i:02d}"], committee_id=cid, role=Role.INFORMANT,
                             title="特邀信息员") for i in range(1, INFORMANTS + 1)]
    RoleGrant.objects.bulk_create(grants, batch_size=1000)

    cids = [c.pk for c in committees.values()]
    leaders: dict[int, list[int]] = {}
    for cid, uid in RoleGrant.objects.filter(committee_id__in=cids, role=Role.LEADER).order_by("id").values_list(
            "committee_id", "user_id"):
        leaders.setdefault(cid, []).append(uid)
    members: dict[int, list[Any]] = {}
    for m in Member.objects.filter(committee_id__in=cids, user__isnull=False).order_by("id").values(
            "committee_id", "user_id", "name", "sector_id", "sector__name", "party_id", "party__name"):
        members.setdefault(m["committee_id"], []).append((
            m["user_id"], m["name"], (m["sector_id"], m["sector__name"]) if m["sector_id"] else None,
            (m["party_id"], m["party__name"]) if m["party_id"] else None))
    parties: dict[int, list[tuple[int, str]]] = {}
    for pk, cid, name in Party.objects.filter(committee_id__in=cids).order_by("id").values_list("id", "committee_id",
                                                                                                "name"):
        parties.setdefault(cid, []).append((pk, name))
    units: dict[int, list[tuple[int, str]]] = {}
    for pk, cid, name in Unit.objects.filter(committee_id__in=cids, is_active=True).order_by("order", "id") \
            .values_list("id", "committee_id", "name"):
        units.setdefault(cid, []).append((pk, name))
    children: dict[str, list[str]] = {}
    for plan in plans:
        if plan.parent_code:
            children.setdefault(plan.parent_code, []).append(committees[plan.code].short_name)
    for u in User.objects.filter(pk__in=[*ids.values(), *([persona.pk] if persona else [])]):
        _USERS[u.pk] = u
    for uids in leaders.values():
        for u in User.objects.filter(pk__in=uids):
            _USERS[u.pk] = u
    casts = {}
    signing_officers = []
    for plan in plans:
        c = committees[plan.code]
        editor = persona.pk if plan.code == primary and persona is not None else ids[f"{plan.code}-editor"]
        kind = plan.region.kind
        locale = Locale(level_char="县" if kind == "县" else kind if kind in ("区", "市", "省") else "区",
                        region=plan.region.name, towns=tuple(s.name for s in plan.subs))
        signers = leaders.get(c.pk, [])
        if not signers:  # no leader account: the committee authorised its editor to sign
            signers = [editor]
            signing_officers.append(SigningOfficer(committee=c, user_id=editor, granted_by_id=editor))
        casts[c.pk] = Cast(
            committee=c, level=str(plan.level), editor=editor, signers=signers,
            informants=[(ids[f"{plan.code}-i{i:02d}"], _USERS[ids[f"{plan.code}-i{i:02d}"]].display_name)
                        for i in range(1, INFORMANTS + 1)],
            members=members.get(c.pk, []), parties=parties.get(c.pk, []), units=units.get(c.pk, []),
            lower_names=children.get(plan.code, []), locale=locale,
            personas=[m for m in members.get(c.pk, []) if m[0] in persona_members] if plan.code == primary else [])
    SigningOfficer.objects.bulk_create(signing_officers)
    for u in User.objects.filter(pk__in=[m[0] for ms in members.values() for m in ms]).only("id", "username",
                                                                                             "display_name"):
        _USERS[u.pk] = u
    return casts


# ---------------------------------------------------------------------------------------------
# What happens to an item


class Story:
    """One committee's year: items planned in memory, in the order they arrived."""

    def __init__(self, cast: Cast, year: int, now: dt.datetime, rng: random.Random):
        self.cast, self.year, self.now, self.rng = cast, year, now, rng
        start = dt.datetime(year, 1, 1, tzinfo=timezone.get_current_timezone())
        end = min(dt.datetime(year + 1, 1, 1, tzinfo=start.tzinfo), now)
        self.start, self.span = start, (end - start).total_seconds()
        self.current = end == now

    def after(self, moment: dt.datetime, low_days: float, high_days: float) -> dt.datetime:
        return min(moment + dt.timedelta(days=self.rng.uniform(low_days, high_days)), self.now)

    def settled(self, moment: dt.datetime, days: float) -> bool:
        """Has `days` passed since `moment` (for the current year's recent items, often not yet)?"""
        return moment + dt.timedelta(days=days) < self.now

    def author(self, item: Item) -> None:
        rng, cast = self.rng, self.cast
        kind = item.kind
        if kind == SourceKind.MEMBER and cast.members:
            uid, name, sector, party = rng.choice(cast.members)
            if cast.personas and rng.random() < 0.04:  # the demo accounts write now and then
                uid, name, sector, party = rng.choice(cast.personas)
            item.author, item.author_name, item.created_by = uid, name, uid
            item.sector, item.party = sector, party
            if rng.random() < 0.1:
                other = rng.choice(cast.members)
                if other[0] != uid:
                    item.coauthors.append((other[0], other[1]))
            return
        if kind == SourceKind.INFORMANT or (kind == SourceKind.MEMBER and not cast.members):
            item.kind = SourceKind.INFORMANT
            item.author, item.author_name = rng.choice(cast.informants)
            item.created_by = item.author
            return
        item.created_by = cast.editor
        if kind == SourceKind.PARTY and cast.parties:
            pk, name = rng.choice(cast.parties)
            item.body_name = item.author_name = f"{name}{cast.locale.region}委员会"
            item.party = (pk, name)
        elif kind == SourceKind.LOWER and cast.lower_names:
            item.body_name = item.author_name = rng.choice(cast.lower_names)
        else:
            item.kind = SourceKind.PUBLIC
            item.submitter_name = item.author_name = _name(rng, rng.choice("男女"))
            item.submitter_contact = f"1{rng.randint(30, 89)}{rng.randint(0, 99_999_999):08d}"

    def plan(self, count: int) -> tuple[list[Item], list[Item]]:
        """(items, pieces): this year's received items with their fates, and the editors' combined pieces."""
        rng, cast = self.rng, self.cast
        times = sorted(self.start + dt.timedelta(seconds=rng.uniform(0, self.span)) for _ in range(count))
        items = []
        for i, at in enumerate(times):
            title, body = cast.pool[rng.randrange(len(cast.pool))]
            item = Item(kind=rng.choices([k for k, _ in SOURCES], [w for _, w in SOURCES])[0], title=title, body=body,
                        submitted=at, year=self.year, serial=i + 1)
            self.author(item)
            created = at - dt.timedelta(hours=rng.uniform(1, 72))
            item.event("opinion.create", item.created_by, created, title=title, source_kind=item.kind)
            item.event("opinion.submit", item.created_by, at, serial=f"{self.year}-{i + 1:04d}")
            items.append(item)
        open_combined: list[Item] = []
        pieces: list[Item] = []
        for item in items:
            if not self.settled(item.submitted, 20) and rng.random() < 0.85:
                continue  # still on the desk
            decided = self.after(item.submitted, 1, 10)
            if rng.random() < SCREEN_SHARE:
                item.state, item.screened_reason = SCREENED_OUT, rng.choice(SCREEN_REASONS)
                item.event("opinion.screen_out", cast.editor, decided, reason=item.screened_reason)
                continue
            adoption = rng.choices([k for k, _ in ADOPTIONS], [w for _, w in ADOPTIONS])[0]
            if adoption == Adoption.COMBINED:
                open_combined.append(item)
                if len(open_combined) >= rng.choice((2, 3, 3, 4)):
                    pieces.append(self.combine(open_combined, decided))
                    open_combined = []
                continue
            self.adopt(item, adoption, decided)
            self.carry_on(item)
        if len(open_combined) >= 2:
            pieces.append(self.combine(open_combined, max(i.submitted for i in open_combined)))
        else:
            for item in open_combined:
                self.adopt(item, Adoption.SINGLE, self.after(item.submitted, 1, 10))
                self.carry_on(item)
        return items, pieces

    def adopt(self, item: Item, adoption: str, at: dt.datetime, *, piece: Item | None = None) -> None:
        item.state, item.adoption, item.adopted, item.piece = ADOPTED, adoption, at, piece
        item.tracks.append({"kind": Track.Kind.ADOPTION, "level": self.cast.level, "adoption": adoption,
                            "date": timezone.localdate(at), "recorded_by_id": self.cast.editor})
        if piece is not None:
            item.event("opinion.combine", self.cast.editor, at, piece="")
        else:
            item.event("opinion.adopt", self.cast.editor, at, adoption=adoption)

    def combine(self, sources: list[Item], at: dt.datetime) -> Item:
        cast = self.cast
        at = max(at, *(s.submitted for s in sources))
        title, body = sources[0].title, "\n".join(s.body.split("\n")[0] for s in sources)[:1450]
        names = list(dict.fromkeys(s.author_name for s in sources if s.author_name))
        piece = Item(kind=SourceKind.COMBINED, title=title, body=body, submitted=at, year=self.year,
                     author_name="、".join(names)[:200], created_by=cast.editor, state=ADOPTED,
                     adoption=Adoption.COMBINED, adopted=at)
        piece.event("opinion.piece", cast.editor, at, title=title)
        for s in sources:
            self.adopt(s, Adoption.COMBINED, at, piece=piece)
        self.carry_on(piece)
        return piece

    def carry_on(self, item: Item) -> None:
        """After adoption: referral and feedback, editing, signing, forwarding, 批示, media."""
        rng, cast = self.rng, self.cast
        assert item.adopted is not None
        at = item.adopted
        if item.adoption == Adoption.REFERRED and cast.units:
            unit_id, unit_name = rng.choice(cast.units)
            item.tracks.append({"kind": Track.Kind.REFERRAL, "level": cast.level, "unit_id": unit_id,
                                "unit_name": unit_name, "date": timezone.localdate(at), "recorded_by_id": cast.editor,
                                "text": "请研究办理，并将办理情况反馈我会。"})
            item.event("opinion.referral", cast.editor, at, unit_name=unit_name)
            if self.settled(at, 30) and rng.random() < 0.7:
                back = self.after(at, 20, 60)
                item.tracks.append({"kind": Track.Kind.FEEDBACK, "level": cast.level, "unit_id": unit_id,
                                    "unit_name": unit_name, "date": timezone.localdate(back),
                                    "recorded_by_id": cast.editor, "text": rng.choice(FEEDBACK_TEXTS)})
                item.event("opinion.feedback", cast.editor, back, unit_name=unit_name)
            return
        if not self.settled(at, 10) and rng.random() < 0.5:
            return  # adopted, not edited yet
        item.edited, item.edited_by = self.after(at, 0.5, 4), cast.editor
        item.state = EDITED
        item.event("opinion.edit", cast.editor, item.edited)
        if not self.settled(item.edited, 8) and rng.random() < 0.5:
            return  # waiting for the signing officer
        item.signed, item.signed_by = self.after(item.edited, 0.5, 3), rng.choice(cast.signers)
        item.state = SIGNED
        item.event("opinion.sign", item.signed_by, item.signed)
        if self.cast.committee.parent_id and rng.random() < FORWARD_SHARE:
            item.forwarded = self.after(item.signed, 0.2, 5)
            item.event("opinion.forward", cast.editor, item.forwarded)
        if rng.random() < 0.07:
            day = self.after(item.signed, 3, 40)
            item.tracks.append({"kind": Track.Kind.INSTRUCTION, "level": cast.level,
                                "person": _name(rng, rng.choice("男女")),
                                "person_title": rng.choice(LEADER_TITLES.get(cast.level, ("领导",))),
                                "text": rng.choice(INSTRUCTION_TEXTS), "date": timezone.localdate(day),
                                "recorded_by_id": cast.editor})
            item.event("opinion.instruction", cast.editor, day)
        if rng.random() < 0.03:
            day = self.after(item.signed, 3, 30)
            item.tracks.append({"kind": Track.Kind.MEDIA, "level": cast.level, "outlet": rng.choice(OUTLETS),
                                "date": timezone.localdate(day), "recorded_by_id": cast.editor})
            item.event("opinion.media", cast.editor, day)


# ---------------------------------------------------------------------------------------------
# Writing


def _row(item: Item, committee_id: int) -> Opinion:
    return Opinion(
        committee_id=committee_id, state=item.state, source_kind=item.kind, author_id=item.author,
        author_name=item.author_name[:200], created_by_id=item.created_by, body_name=item.body_name[:100],
        submitter_name=item.submitter_name, submitter_contact=item.submitter_contact,
        sector_id=item.sector[0] if item.sector and item.origin_id is None else None,
        party_id=item.party[0] if item.party and item.origin_id is None else None,
        sector_name=item.sector[1] if item.sector else "", party_name=item.party[1] if item.party else "",
        title=item.title, body=item.body,
        edited_title=item.title if item.edited else "", edited_body=item.body if item.edited else "",
        edited_by_id=item.edited_by, screened_reason=item.screened_reason, adoption=item.adoption,
        origin_id=item.origin_id, year=item.year if item.serial else None, serial=item.serial,
        created_at=item.events[0][2] if item.events else item.submitted,
        submitted_at=item.submitted, adopted_at=item.adopted, edited_at=item.edited, signed_at=item.signed,
        signed_by_id=item.signed_by, forwarded_at=item.forwarded,
        published_at=item.published, version=1 + len(item.events),
    )


def publish(items: Sequence[Item], cast: Cast, year: int, rng: random.Random, now: dt.datetime,
            first_number: dict[str, int]) -> list[tuple[Issue, list[Item]]]:
    """Signed items into numbered issues, in the order they were signed; the last few of the current year
    stay signed, waiting for the next issue."""
    ready = sorted((i for i in items if i.state == SIGNED and i.piece is None), key=lambda i: i.signed)
    out = []
    pos = 0
    while pos < len(ready):
        size = rng.randint(4, 10)
        group = ready[pos:pos + size]
        pos += size
        last_signed = max(i.signed for i in group)  # type: ignore[type-var]
        at = last_signed + dt.timedelta(days=rng.uniform(1, 6))
        if at >= now - dt.timedelta(days=5):
            break  # signed lately: waiting for the next issue
        series = Series.SPECIAL if rng.random() < 0.12 else Series.EXPRESS
        first_number[series] = first_number.get(series, 0) + 1
        issue = Issue(committee=cast.committee, state="published", series=series, year=year,
                      number=first_number[series], recipients_main=list(RECIPIENTS["main"]),
                      recipients_copy=list(RECIPIENTS["copy"]), created_by_id=cast.editor,
                      created_at=at - dt.timedelta(days=1), published_at=at, version=2)
        for i in group:
            i.state, i.published = PUBLISHED, at
            i.event("opinion.publish", cast.editor, at)
        out.append((issue, group))
    return out


def write(committee: Committee, items: Sequence[Item], *, index: bool,
          lineage: Sequence[tuple[int, Item, int]] = ()) -> int:
    """Insert planned items (pieces before their sources), their tracks, co-authors, lineage and events;
    returns the number of events. `lineage`: (lower id, upper item, depth) rows to add."""
    cid = committee.pk
    with transaction.atomic(), historic_timestamps(Opinion, Track):
        pieces = [i for i in items if i.kind == SourceKind.COMBINED]
        rest = [i for i in items if i.kind != SourceKind.COMBINED]
        for group in (pieces, rest):
            rows = [_row(i, cid) for i in group]
            for r, i in zip(rows, group):
                if i.piece is not None:
                    r.combined_into_id = i.piece.pk
            Opinion.objects.bulk_create(rows, batch_size=BATCH)
            for r, i in zip(rows, group):
                i.pk = r.pk
        Coauthor.objects.bulk_create([Coauthor(committee_id=cid, opinion_id=i.pk, user_id=u, name=n)
                                      for i in items for u, n in i.coauthors], batch_size=BATCH)
        Track.objects.bulk_create([Track(committee_id=cid, opinion_id=i.pk, created_at=dt.datetime.combine(
            t["date"], dt.time(10), tzinfo=timezone.get_current_timezone()), **t) for i in items for t in i.tracks],
            batch_size=BATCH)
        links = [Lineage(committee_id=cid, lower_id=i.pk, upper_id=i.piece.pk, depth=1) for i in items if i.piece]
        links += [Lineage(committee_id=cid, lower_id=lower, upper_id=upper.pk, depth=d) for lower, upper, d in lineage]
        Lineage.objects.bulk_create(links, batch_size=BATCH)
        events = []
        for i in items:
            shown = Opinion(pk=i.pk, title=i.title)
            for verb, actor, at, payload in i.events:
                if verb == "opinion.combine" and i.piece is not None:
                    payload = {"piece": i.piece.pk}
                events.append(build_event(actor=_USERS.get(actor) if actor else None, committee=committee, verb=verb,
                                          obj=shown, payload=payload, at=at))
        audit_record_many(events)
        if index:
            rows = Opinion.objects.filter(pk__in=[i.pk for i in items]).exclude(state=DRAFT).order_by("id")
            entries = [entry_for(o) for o in rows]
            if entries:
                documents_upsert_many(entries=entries)
    return len(events)


def write_issues(committee: Committee, issues: Sequence[tuple[Issue, list[Item]]]) -> int:
    """The issues, in order, with their items (written before) and an event each."""
    with transaction.atomic(), historic_timestamps(Issue):
        Issue.objects.bulk_create([iss for iss, _ in issues])
        IssueItem.objects.bulk_create([IssueItem(committee_id=committee.pk, issue=iss, opinion_id=i.pk, position=n)
                                       for iss, group in issues for n, i in enumerate(group, start=1)],
                                      batch_size=BATCH)
        audit_record_many([
            build_event(actor=_USERS.get(iss.created_by_id), committee=committee, verb="opinion_issue.publish",
                        obj=iss, payload={"number": iss.number, "label": iss.label, "items": [i.pk for i in group]},
                        at=iss.published_at)
            for iss, group in issues])
    return len(issues)


# ---------------------------------------------------------------------------------------------
# The run


@dataclass
class _Job:
    casts: dict[int, Cast]
    texts: Corpus
    scale: str
    seed: int
    now: dt.datetime
    log: Callable[[str], None] | None
    started: float


_JOB: _Job | None = None


def _years(job: _Job) -> list[int]:
    this = timezone.localdate(job.now).year
    return list(range(this - YEARS[job.scale] + 1, this + 1))


def _indexed(job: _Job, year: int) -> bool:
    return INDEX_ALL[job.scale] or year == timezone.localdate(job.now).year


def _own(job: _Job, cid: int) -> OpinionsResult:
    """A committee's own items, year by year."""
    cast, part = job.casts[cid], OpinionsResult()
    per_year = PER_YEAR[job.scale][cast.level]
    years = _years(job)
    pool_rng = random.Random(f"{job.seed}:opinion-texts:{cast.committee.code}")
    cast.pool = text_pool(job.texts, cast.locale, pool_rng, min(POOL_MAX, per_year * len(years)), years[-1])
    for year in years:
        rng = random.Random(f"{job.seed}:opinions:{cast.committee.code}:{year}")
        story = Story(cast, year, job.now, rng)
        count = round(per_year * rng.uniform(0.95, 1.05) * (story.span / (365 * 86400) if story.current else 1))
        items, pieces = story.plan(count)
        numbers: dict[str, int] = {}
        issues = publish(items + pieces, cast, year, rng, job.now, numbers)
        everything = pieces + items  # pieces first: their sources point at them
        for start in range(0, len(everything), 5 * BATCH):
            part.events += write(cast.committee, everything[start:start + 5 * BATCH], index=_indexed(job, year))
        part.events += write_issues(cast.committee, issues)
        Counter.objects.bulk_create(
            [Counter(committee=cast.committee, series="item", year=year, last=len(items))]
            + [Counter(committee=cast.committee, series=s, year=year, last=n) for s, n in numbers.items()])
        part.items += len(everything)
        part.issues += len(issues)
        part.by_state.update(i.state for i in everything)
    if job.log:
        job.log(f"{cast.committee.short_name}：社情民意 {part.items} 条，用时 {time.perf_counter() - job.started:.0f} 秒")
    return part


def _receive(job: _Job, parent_id: int) -> OpinionsResult:
    """The copies a committee's children sent up: they arrive on its desk, are decided and some go on up."""
    cast, part = job.casts[parent_id], OpinionsResult()
    sent = list(Opinion.objects.filter(committee__parent_id=parent_id, forwarded_at__isnull=False)
                .exclude(forwarded_copy__isnull=False).select_related("committee").order_by("forwarded_at", "id"))
    if not sent:
        return part
    below: dict[int, list[tuple[int, int]]] = {}
    for lower, upper, depth in Lineage.objects.filter(upper__in=[o.pk for o in sent]).values_list(
            "lower_id", "upper_id", "depth"):
        below.setdefault(upper, []).append((lower, depth))
    if not cast.pool:
        cast.pool = [("", "")]
    by_year: dict[int, list[Opinion]] = {}
    for o in sent:
        by_year.setdefault(timezone.localdate(o.forwarded_at).year, []).append(o)
    for year, group in sorted(by_year.items()):
        rng = random.Random(f"{job.seed}:opinions-up:{cast.committee.code}:{year}")
        story = Story(cast, year, job.now, rng)
        counter, _ = Counter.objects.get_or_create(committee=cast.committee, series="item", year=year)
        items, lineage = [], []
        for o in group:
            assert o.forwarded_at is not None
            counter.last += 1
            at = o.forwarded_at + dt.timedelta(minutes=rng.uniform(1, 30))
            item = Item(kind=SourceKind.LOWER, title=o.shown_title, body=o.shown_body, submitted=at, year=year,
                        author_name=o.author_name, created_by=job.casts[o.committee_id].editor,
                        body_name=o.committee.short_name, origin_id=o.pk, serial=counter.last,
                        sector=(0, o.sector_name) if o.sector_name else None,
                        party=(0, o.party_name) if o.party_name else None)
            item.event("opinion.receive", item.created_by, at, **{"from": o.pk, "from_committee": o.committee_id})
            lineage.append((o.pk, item, 1))
            lineage += [(lower, item, depth + 1) for lower, depth in below.get(o.pk, [])]
            if story.settled(at, 10) or rng.random() < 0.3:
                decided = story.after(at, 1, 10)
                if rng.random() < 0.45:
                    item.state, item.screened_reason = SCREENED_OUT, rng.choice(SCREEN_REASONS)
                    item.event("opinion.screen_out", cast.editor, decided, reason=item.screened_reason)
                else:
                    story.adopt(item, rng.choices((Adoption.SINGLE, Adoption.REFERRED), (85, 15))[0], decided)
                    story.carry_on(item)
            items.append(item)
        counter.save(update_fields=["last"])
        numbers = dict(Counter.objects.filter(committee=cast.committee, year=year).exclude(series="item")
                       .values_list("series", "last"))
        issues = publish(items, cast, year, rng, job.now, numbers)
        for s, n in numbers.items():
            Counter.objects.update_or_create(committee=cast.committee, series=s, year=year, defaults={"last": n})
        part.events += write(cast.committee, items, index=_indexed(job, year), lineage=lineage)
        part.events += write_issues(cast.committee, issues)
        part.items += len(items)
        part.issues += len(issues)
        part.by_state.update(i.state for i in items)
    return part


def _in_worker(task: tuple[str, int]) -> OpinionsResult:
    assert _JOB is not None
    step, cid = task
    try:
        return (_own if step == "own" else _receive)(_JOB, cid)
    finally:
        connections.close_all()
        sys.stdout.flush()


def _run(tasks: list[tuple[str, int]]) -> list[OpinionsResult]:
    assert _JOB is not None
    workers = seed_workers()
    if workers > 1 and len(tasks) > 1:
        connections.close_all()
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return list(pool.imap_unordered(_in_worker, tasks))
    return [(_own if step == "own" else _receive)(_JOB, cid) for step, cid in tasks]


def seed_opinions(*, scale: str, seed: int = DEFAULT_SEED, now: dt.datetime | None = None,
                  log: Callable[[str], None] | None = None) -> OpinionsResult:
    """Add the demo 社情民意 to a deployment `build_demo` and `seed_proposals` have just created."""
    with override_settings(DEBUG=False):  # see demo.proposals.seed_proposals
        return _seed(scale=scale, seed=seed, now=now or timezone.now(), log=log)


def _seed(*, scale: str, seed: int, now: dt.datetime, log: Callable[[str], None] | None) -> OpinionsResult:
    global _JOB
    started = time.perf_counter()
    texts = corpus()
    with transaction.atomic():
        casts = create_casts(scale, seed, texts)
    _JOB = _Job(casts=casts, texts=texts, scale=scale, seed=seed, now=now, log=log, started=started)
    result = OpinionsResult()
    try:
        parts = _run([("own", cid) for cid in casts])
        # Up the levels: counties to their cities, then cities (with what they received) to the province.
        for level in (Committee.Level.CITY, Committee.Level.PROVINCE, Committee.Level.NATIONAL):
            parents = [cid for cid, c in casts.items() if c.level == level]
            if parents:
                parts += _run([("receive", cid) for cid in parents])
    finally:
        _JOB = None
    # The credit masks (`opinions.credit`): the tracks above were bulk-inserted, not recorded by services.
    credit_backfill(Opinion, Track, Lineage)
    for part in parts:
        result.items += part.items
        result.events += part.events
        result.issues += part.issues
        result.by_state.update(part.by_state)
    audit_record_many(build_event(actor=None, committee=c.committee, verb="demo.opinions_seeded", obj=c.committee,
                                  payload={"scale": scale, "seed": seed}) for c in casts.values())
    result.seconds = time.perf_counter() - started
    return result
