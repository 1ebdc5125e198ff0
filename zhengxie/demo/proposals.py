"""Demo proposals: two sessions of them in every committee, at every stage of the chain 提、立、办、督、评.

Runs after `builder.build_demo` (committees, members, units, the seven demo accounts) and adds:

- accounts: a login account without a password for most members (proposers, co-signers and raters
  must be users; only the seven demo accounts can log in), one clerk per handling unit, a proposal-office
  clerk per committee, and the leader role for each committee's chair and vice-chairs. About one
  member in twelve, and always the last of each roster, is left without an account (账号未开通);
- the session that ended (last year's plenary): ~87% registered, the rest not registered, merged or
  converted; registered proposals assigned, replied and rated, a few replied late, still overdue,
  being handled again after a 不满意 rating, or waiting for a rating; key proposals with a
  supervising leader, their 督办 records, gapless numbers per session;
- the current session, as the proposal office's desk looks in plenary week: drafts, invitations to
  co-sign, ~a third submitted and waiting for review, some returned, registered, assigned and waiting
  for a unit to sign for them (签收);
- the demo accounts' own situations in the primary county (`persona_specs`): `member` has drafts, a
  returned proposal with advice, an invitation from `member2`, replies to rate; the `unit` account's
  education bureau has something in every inbox group; `leader` supervises key proposals.

Texts are recombined from the labelled corpus bench/data/eval_proposals.jsonl (300 real-looking
proposals with their lead units): a proposal keeps its source item's lead unit (mapped to the
committee's unit whose name ends with it, see `map_units`) and its subject; its sentences come from
that item and the near-duplicates of its topic, numbers and places are redrawn and 我区/全县 is
written for the committee's own level (see `Corpus`).

Deterministic: every choice comes from `random.Random` seeded from the seed, the committee and the
session; last year's dates follow its session's dates, the current session's work is dated in the
days before `now` (so deadlines, the signing window and invitations are live whenever the demo is
seeded). The same seed and `now` give the same rows; the same seed on another day the same rows
with the current session's dates moved.

Fast enough: rows are planned in memory per committee and session, then written with bulk inserts
(on PostgreSQL by one worker process per core, each taking whole committees),
500 proposals per transaction with their audit events and text-index documents
(`textindex.services.documents_upsert_many`, about three quarters of the work). Measured on the
shared 2-core box, as CPU time (what a loaded machine stretches): the whole `seed_demo --scale
county` (~600 proposals, SQLite) 4 s; city (~6,400) 29 s; province on PostgreSQL ~4.8 ms of Python
and ~3 ms of database per proposal, so its 500,000 take a bit over an hour on an idle box.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import multiprocessing
import os
import random
import re
import sys
import time
from collections import Counter as Tally
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections, models, transaction
from django.db.models import Q
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from zhengxie.accounts.models import Role, RoleGrant, User
from zhengxie.audit.models import Event
from zhengxie.audit.services import audit_record_many, build_event
from zhengxie.deadlines.calendar import add_months
from zhengxie.deadlines.models import Deadline
from zhengxie.demo import data
from zhengxie.demo.builder import DEFAULT_SEED, CommitteePlan, _name, plan_committees, primary_code
from zhengxie.members.models import Member
from zhengxie.notifications.services import notify
from zhengxie.org.models import Committee, Session, Unit
from zhengxie.proposals.effects import DEADLINE_KIND
from zhengxie.proposals.indexing import entry_for
from zhengxie.proposals.models import (
    TITLE_MAX,
    Assignment,
    Category,
    Counter,
    Evaluation,
    HandlingMode,
    Proposal,
    ProposerKind,
    RejectGround,
    Reply,
    Signer,
    Supervision,
)
from zhengxie.textindex import features
from zhengxie.textindex.models import TermStat
from zhengxie.textindex.services import documents_upsert_many

CORPUS_PATH = Path(settings.BASE_DIR) / "bench" / "data" / "eval_proposals.jsonl"
BATCH = 500
UNINDEXED = ("draft", "cosigning")  # as in proposals.indexing: unfinished drafts are the proposer's own business

# Proposals per committee and session, by scale and committee level. Province scale is the load the
# benchmarks need (100 committees × 2 sessions × 2,500 = 500,000), not a real province's numbers.
PER_SESSION: dict[str, dict[str, int]] = {
    "county": {"county": 300},
    "city": {"city": 800, "county": 300},
    "province": {"province": 2500, "city": 2500, "county": 2500},
}

NO_ACCOUNT_SHARE = 0.08
INVITATION_DAYS = 7
REPLY_MONTHS = 3
REHANDLE_MONTHS = 1

# ---------------------------------------------------------------------------------------------
# Shares of a session's proposals by where they ended up (largest remainder, then shuffled).

ENDED_FATES: tuple[tuple[str, float], ...] = (
    ("closed", 82.2), ("replied", 1.7), ("overdue", 2.6), ("rehandling", 0.5),
    ("not_registered", 5.0), ("merged", 5.0), ("converted", 3.0),
)
CURRENT_FATES: tuple[tuple[str, float], ...] = (
    ("draft", 5), ("cosigning", 2), ("submitted", 33), ("returned", 3), ("registered", 30), ("assigned", 14),
    ("handling", 4), ("not_registered", 2), ("merged", 4), ("converted", 3),
)
KINDS: tuple[tuple[str, float], ...] = (
    (ProposerKind.INDIVIDUAL, 62), (ProposerKind.JOINT, 20), (ProposerKind.PARTY, 8), (ProposerKind.ORGANIZATION, 4),
    (ProposerKind.SECTOR, 3), (ProposerKind.SPECIAL_COMMITTEE, 2), (ProposerKind.MEMBER_GROUP, 1),
)
MODES: tuple[tuple[str, float], ...] = (
    (HandlingMode.SINGLE, 70), (HandlingMode.LEAD_ASSIST, 25), (HandlingMode.SPLIT, 5),
)
GRADES: tuple[tuple[str, float], ...] = (("A", 55), ("B", 35), ("C", 10))
CONTACTS: tuple[tuple[str, float], ...] = (
    (Reply.Contact.FACE, 40), (Reply.Contact.PHONE, 35), (Reply.Contact.MEETING, 15), (Reply.Contact.WRITTEN, 10),
)
GROUNDS: tuple[tuple[str, float], ...] = (
    (RejectGround.EMPTY, 30), (RejectGround.PERSONAL, 15), (RejectGround.LITIGATION, 10), (RejectGround.PROMOTION, 8),
    (RejectGround.ACCUSATION, 8), (RejectGround.ACADEMIC, 9), (RejectGround.DEMOCRATIC_PARTY_INTERNAL, 5),
    (RejectGround.OTHER, 15),
)
# P(不满意) of a rating by reply grade.
UNHAPPY = {"A": 0.02, "B": 0.05, "C": 0.15}

# ---------------------------------------------------------------------------------------------
# The corpus's lead units: category and the other names the same department goes by at some level
# (a district's 公安分局, a city's 卫生健康委员会, a province's 厅), tried in order. The categories are
# weighted to the national split of 2025 (经济 42.6, 政治 8.4, 文化 9.2, 社会 27.7, 生态 12.1).

E, P, C, S, G = Category.ECONOMY, Category.POLITICS, Category.CULTURE, Category.SOCIETY, Category.ECOLOGY
CATEGORY_SHARE = {E: 42.6, P: 8.4, C: 9.2, S: 27.7, G: 12.1}
CORPUS_UNITS: dict[str, tuple[str, tuple[str, ...]]] = {
    "发展和改革委员会": (E, ()),
    "工业和信息化局": (E, ()),
    "商务局": (E, ()),
    "财政局": (E, ()),
    "科学技术局": (E, ()),
    "农业农村局": (E, ()),
    "交通运输局": (E, ()),
    "住房和城乡建设局": (E, ()),
    "市场监督管理局": (E, ()),
    "供电公司": (E, ("电力有限公司",)),
    "住房公积金管理中心": (E, ("住房和城乡建设局", "住房和城乡建设厅")),
    "司法局": (P, ()),
    "公安局": (P, ("公安分局", "公安厅")),
    "政务服务和大数据管理局": (P, ("数据资源局", "数据局")),
    "文化和旅游局": (C, ()),
    "体育局": (C, ()),
    "教育局": (S, ()),
    "卫生健康局": (S, ("卫生健康委员会",)),
    "医疗保障局": (S, ()),
    "民政局": (S, ()),
    "人力资源和社会保障局": (S, ()),
    "退役军人事务局": (S, ()),
    "残疾人联合会": (S, ()),
    "妇女联合会": (S, ()),
    "消防救援大队": (S, ("消防救援支队", "消防救援总队")),
    "应急管理局": (S, ()),
    "城市管理局": (S, ("综合行政执法局", "住房和城乡建设厅")),
    "生态环境局": (G, ("生态环境分局", "生态环境厅")),
    "林业局": (G, ()),
    "水利局": (G, ()),
    "自然资源和规划局": (G, ("自然资源和规划分局", "自然资源局", "自然资源厅")),
}
EDUCATION = "教育局"


def unit_candidates(name: str) -> list[str]:
    """The name endings that identify the corpus unit `name` among a committee's units, best first."""
    out = [name, *CORPUS_UNITS.get(name, ("", ()))[1]]
    if name.endswith("局"):
        out.append(name[:-1] + "厅")  # 省教育厅
    return out


def map_units(corpus_units: Sequence[str], units: Sequence[tuple[int, str]]) -> dict[str, int]:
    """Corpus unit → the id of the committee's unit whose name ends with it (or one of its other names)."""
    out: dict[str, int] = {}
    for name in corpus_units:
        for candidate in unit_candidates(name):
            found = next((pk for pk, unit_name in units if unit_name.endswith(candidate)), None)
            if found is not None:
                out[name] = found
                break
    return out


# ---------------------------------------------------------------------------------------------
# Texts

SENTENCE_END = re.compile(r"(?<=[。！？；])|\n")
LIST_MARK = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+[、.．]|第[一二三四五六七八九十]+[，,、]|[一二三四五六]是|（[一二三四五六七八九十\d]+）"
    r"|\(?\d+[\.、．)）](?!\d)|[①-⑩])\s*")
SUGGEST_HEAD = re.compile(r"^(?:为此|对此|为此，|特|现)?(?:提出如下|提出以下)?建议(?:如下)?[：:]\s*")
REASON_HEAD = re.compile(r"^(?:案由|现状与问题|基本情况|存在问题|问题分析)[：:]\s*")
NUMBER = re.compile(r"\d+(?:\.\d+)?(?:%|％)?")
LOCAL = re.compile(r"(我|全|本)(区|县|市)")
# 县内, 区财政, 县级: the place's own level as a word of its own (not 城区内, 社区级).
LOCAL_WORD = re.compile(
    r"(?<![城社小园辖景山老新农矿街片校厂郊市省县区])(区|县)"
    r"(?=内|里|财政|政府|委|级|域|融资|劳动|人民医院|中医院|医院|急救|疾控|妇幼|图书馆|文化馆|自来水|城投|融媒体|职业|实验"
    r"|教育局|卫健|住建|交通|公安|消防|法院|检察院|市场监|税务|民政|人社|医保|应急|水利|林业|残联|妇联|总工会|统计|审计|信访"
    r"|科技|工信|商务|文旅|退役|自然资源|生态|城管|供电)")
# Sentences that lean on the one before: no place name goes in front of them.
CONNECTORS = ("从", "据", "另外", "此外", "但", "同时", "一是", "二是", "三是", "首先", "其次", "这些", "这", "该", "其中",
              "还有", "而", "因此", "所以", "对此", "为此", "一方面", "另一方面", "然而", "不过", "加之", "特别")
KEEP_NUMBERS = frozenset({"12345", "12315", "12348", "110", "119", "120"})
CN_NUMS = "一二三四五六七八九十"
VERBS = sorted((
    "加强", "加快", "推进", "完善", "提升", "推动", "规范", "提高", "解决", "整治", "优化", "发挥", "扩大", "促进", "加大",
    "健全", "支持", "破解", "创新", "盘活", "打造", "落实", "根治", "改善", "做好", "推行", "强化", "深化", "探索", "建立",
    "实施", "保障", "加快推进", "进一步加强", "进一步完善", "进一步规范", "切实加强", "大力推进", "全面推进", "着力解决",
    "多措并举",
), key=len, reverse=True)  # longest first: 加快推进 before 加快
EXTRA_VERBS = ("加强", "加快推进", "完善", "提升", "推动", "规范", "进一步加强", "切实解决", "优化", "强化")
AREA_WORDS = ("农村", "城区", "乡镇", "老城区", "新城区", "社区")
# An object that already says where (县域…, 农村…) gets no place in front of it.
PLACE_WORDS = ("县", "区", "市", "省", "城", "农村", "乡", "镇", "村", "社区", "老", "新", "全")
PLACE_LEADS = ("以{town}为例，", "据{town}统计，", "在{town}调研时发现，", "{town}群众反映，", "从{town}的情况看，")
SUGGEST_LEADS = ("建议：", "为此建议：", "为此，提出如下建议：", "建议如下：")


@dataclass(frozen=True)
class SourceItem:
    """One corpus proposal cut into what a new one is assembled from."""

    unit: str
    group: str  # near-duplicates on the same topic share a group (dup_group); "" for a topic of its own
    verb: str  # 关于|加强|校外培训机构规范管理|的提案 ("" when the title has no leading verb)
    obj: str
    problems: tuple[str, ...]  # sentences; the last of a paragraph ends with "\n"
    suggestions: tuple[str, ...]


def _split(body: str) -> tuple[list[str], list[str]]:
    """(problem sentences, suggestion sentences) of a corpus body, list marks stripped, paragraphs kept."""
    problems: list[str] = []
    suggestions: list[str] = []
    in_suggestions = False
    for line in body.split("\n"):
        before = len(problems)
        for raw in SENTENCE_END.split(line):
            s = REASON_HEAD.sub("", (raw or "").strip())
            if not s:
                continue
            head = SUGGEST_HEAD.match(s)
            if head:
                in_suggestions = True
                s = s[head.end():].strip()
                if not s:
                    continue
            if in_suggestions or LIST_MARK.match(s):
                for part in re.split(r"\s*(?=(?:\d+[\.、．](?!\d)|第[一二三四五六七八九十]+[，,]))", LIST_MARK.sub("", s)):
                    part = LIST_MARK.sub("", part).strip().rstrip("；;")
                    if len(part) >= 6:
                        suggestions.append(part if part[-1] in "。！？" else part + "。")
            elif len(s) >= 6:
                problems.append(s if s[-1] in "。；！？：" else s + "。")
        if len(problems) > before:
            problems[-1] += "\n"
    return problems, suggestions


def _title_parts(title: str) -> tuple[str, str]:
    core = re.sub(r"的(?:提案|建议)$", "", re.sub(r"^关于", "", title))
    for verb in VERBS:
        if core.startswith(verb) and len(core) > len(verb) + 2:
            return verb, core[len(verb):]
    return "", core


@dataclass(frozen=True)
class Locale:
    """How a committee's texts speak of its own place."""

    level_char: str  # 区 县 市 省: 我区, 全县
    region: str  # 云湖区
    towns: tuple[str, ...]  # 城关镇, 东城街道 (a county's) or 河西区 (a city's)


REASON_OPENERS = (
    "", "", "", "{obj}事关群众切身利益，社会关注度高。",
    "近年来，{region}在{obj}方面做了大量工作，取得了一定成效，但与群众期盼相比仍有差距。",
    "今年以来，{who}围绕{obj}开展了专题调研，走访了相关部门、镇街和群众。",
)
REASON_CLOSERS = (
    "", "", "", "这些问题如不及时解决，将直接影响群众的获得感和满意度。", "对此，群众反映强烈，亟需引起重视。",
)
EXTRA_SUGGESTIONS = (
    "加强宣传引导，营造全社会共同关心支持的良好氛围。",
    "建立工作督查机制，将落实情况纳入年度目标考核。",
    "加大财政投入，将所需经费列入年度预算予以保障。",
)
# A number followed by one of these is a date, an age, a rank or a name (5G, 4A): kept as written.
KEEP_AFTER = frozenset("岁月日号时点层级届期批轮GA")


class Corpus:
    """The labelled proposals, by lead unit, and the generator of new texts from them.

    A new proposal is written from one source item (and the near-duplicates of its topic group),
    so that it stays on one subject: the title's object and verb (or a sibling's), the problem
    sentences with one dropped, an opening or closing sentence now and then, the suggestions with a
    sibling's or a general one added, renumbered; numbers redrawn around their value, 我区 and 县内
    written for the committee's level, a town of its own in front of a sentence now and then.
    """

    def __init__(self, path: Path = CORPUS_PATH):
        if not path.exists():
            raise FileNotFoundError(f"找不到提案语料 {path}（演示提案由它生成）。")
        self.by_unit: dict[str, list[SourceItem]] = {}
        self.raw: list[tuple[str, str]] = []  # (title, body) as labelled
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            self.raw.append((item["title"], item["body"]))
            problems, suggestions = _split(item["body"])
            if not suggestions:  # no 建议 part: its last third reads as suggestions
                cut = max(1, len(problems) * 2 // 3)
                problems, suggestions = problems[:cut], [p.strip() for p in problems[cut:] or problems[-1:]]
            verb, obj = _title_parts(item["title"])
            self.by_unit.setdefault(item["unit"], []).append(SourceItem(
                item["unit"], item.get("dup_group") or "", verb, obj, tuple(problems), tuple(suggestions)))
        unknown = sorted(set(self.by_unit) - set(CORPUS_UNITS))
        if unknown:
            raise ValueError(f"corpus units without a category: {unknown}")
        groups: dict[str, list[SourceItem]] = {}
        for items in self.by_unit.values():
            for it in items:
                if it.group:
                    groups.setdefault(it.group, []).append(it)
        self.siblings = {id(it): [o for o in groups[it.group] if o is not it] for items in self.by_unit.values()
                         for it in items if it.group}
        self.units = [u for u in CORPUS_UNITS if u in self.by_unit]
        per_category = Tally(CORPUS_UNITS[u][0] for u in self.units)
        weights = [CATEGORY_SHARE[CORPUS_UNITS[u][0]] / per_category[CORPUS_UNITS[u][0]] for u in self.units]
        self.cum_weights = list(accumulate(weights))
        self.verbs = sorted({i.verb for items in self.by_unit.values() for i in items if i.verb} | set(EXTRA_VERBS))

    def pick_unit(self, rng: random.Random) -> str:
        return rng.choices(self.units, cum_weights=self.cum_weights)[0]

    @staticmethod
    def category(unit: str) -> str:
        return str(CORPUS_UNITS[unit][0])

    def source(self, unit: str, item: int) -> SourceItem:
        return self.by_unit[unit][item]

    # --- variation ------------------------------------------------------------------------------

    @staticmethod
    def _number(rng: random.Random, m: re.Match[str], year: int) -> str:
        token, text = m.group(0), m.string
        before = text[m.start() - 1] if m.start() else ""
        after = text[m.end()] if m.end() < len(text) else ""
        if token in KEEP_NUMBERS or before == "第" or after in KEEP_AFTER:
            return token
        percent = token[-1] in "%％"
        digits = token[:-1] if percent else token
        if not percent and len(digits) == 4 and digits[:2] in ("19", "20"):
            return str(rng.randint(year - 6, year - 1))
        places = len(digits.split(".")[1]) if "." in digits else 0
        value = float(digits) * rng.uniform(0.65, 1.5)
        if percent:
            value = min(value, 98.0) if float(digits) <= 100 else value
        value = max(value, 10 ** -places if places else 1)
        out = f"{value:.{places}f}" if places else str(max(1, round(value)))
        return out + (token[-1] if percent else "")

    def vary(self, rng: random.Random, text: str, locale: Locale, year: int) -> str:
        return self.localize(NUMBER.sub(lambda m: self._number(rng, m, year), text), locale)

    @staticmethod
    def localize(text: str, locale: Locale) -> str:
        """我区, 全县, 县内 … written for the committee's own level."""
        text = LOCAL.sub(lambda m: m.group(1) + locale.level_char, text)
        return LOCAL_WORD.sub(locale.level_char, text)

    # --- a proposal ------------------------------------------------------------------------------

    def title(self, rng: random.Random, unit: str, item: int, locale: Locale) -> str:
        src = self.source(unit, item)
        topic = src if rng.random() < 0.75 else rng.choice([src, *self.siblings.get(id(src), [])])
        if not topic.verb:  # the title is a phrase of its own (关于稳妥推进公共数据授权运营)
            return self.localize(f"关于{topic.obj}的提案"[:TITLE_MAX], locale)
        verb = topic.verb if rng.random() < 0.75 else rng.choice(self.verbs)
        obj = topic.obj
        r = 1.0 if obj.startswith(PLACE_WORDS) else rng.random()
        if r < 0.10 and locale.towns:
            obj = rng.choice(locale.towns) + obj
        elif r < 0.18:
            obj = locale.region + obj
        elif r < 0.24:
            obj = rng.choice(AREA_WORDS) + obj
        title = f"关于{verb}{obj}的提案"
        return self.localize(title if len(title) <= TITLE_MAX else f"关于{verb}{topic.obj}的提案"[:TITLE_MAX], locale)

    def reason(self, rng: random.Random, unit: str, item: int, locale: Locale, year: int, *,
               joint: bool = False) -> str:
        """案由: the source's problem sentences (one dropped now and then; a sibling's would repeat the
        same facts with other figures), sometimes with an opening and a closing sentence."""
        src = self.source(unit, item)
        sentences = list(src.problems)
        if len(sentences) > 3 and rng.random() < 0.4:
            del sentences[rng.randrange(1, len(sentences) - 1)]
        out = []
        for k, sentence in enumerate(sentences):
            if k and locale.towns and rng.random() < 0.05 and not sentence.startswith(CONNECTORS):
                sentence = rng.choice(PLACE_LEADS).format(town=rng.choice(locale.towns)) + sentence
            out.append(self.vary(rng, sentence, locale, year))
        who = "我们" if joint else "本人"
        opener = rng.choice(REASON_OPENERS).format(obj=src.obj, region=locale.region, who=who)
        if opener[:2] == out[0][:2] or opener[:2] == out[0][2:4]:  # 近年来，… 近年来，…
            opener = ""
        closer = rng.choice(REASON_CLOSERS)
        text = (opener + "".join(out).rstrip("\n") + closer).strip()
        return re.sub(r"\n+", "\n", text)

    def suggestion(self, rng: random.Random, unit: str, item: int, locale: Locale, year: int) -> str:
        """具体建议: the source's suggestions (one dropped, a sibling's or a general one added, now and then),
        numbered 一、二、 or 1. 2."""
        src = self.source(unit, item)
        chosen = list(src.suggestions)
        if len(chosen) >= 4 and rng.random() < 0.3:
            del chosen[rng.randrange(1, len(chosen))]
        siblings = self.siblings.get(id(src), [])
        if siblings and rng.random() < 0.4:
            sibling = rng.choice(siblings)
            if sibling.suggestions:
                chosen.append(rng.choice(sibling.suggestions))
        if len(chosen) < 2 or rng.random() < 0.15:
            chosen.append(rng.choice(EXTRA_SUGGESTIONS))
        chinese = rng.random() < 0.55
        lines = []
        for k, sentence in enumerate(chosen[:9]):
            mark = f"{CN_NUMS[k]}、" if chinese else f"{k + 1}. "
            lines.append(mark + self.vary(rng, sentence, locale, year))
        return "\n".join(lines)


@functools.cache
def corpus() -> Corpus:
    return Corpus()


# Reply letters, ratings and staff notes.

REPLY_OPENINGS = (
    "您提出的《{title}》收悉。我{self}高度重视，将其列为本年度重点办理事项，由主要负责同志牵头，组织相关科室认真研究办理。现答复如下：",
    "您提出的《{title}》已收悉，感谢您对{field}工作的关心和支持。经认真研究，现答复如下：",
    "您在{session}上提出的《{title}》收悉。我{self}会同有关部门进行了专题研究，现将办理情况答复如下：",
)
REPLY_GRADE = {
    "A": (
        ("您提出的建议具有很强的针对性和可操作性，我{self}已全部采纳。{year}年以来，我们结合您的建议制定了工作方案，"
         "相关措施已落地见效。"),
        "您的建议已被吸收进我{self}{year}年工作要点，并已组织实施，目前已完成阶段性目标。",
    ),
    "B": (
        "您提出的建议我{self}正在积极推进，已列入{year}年度工作计划，预计年底前完成主要任务，我们将及时向您反馈进展。",
        "该项工作涉及多个部门，我{self}已会同相关单位制定分步实施计划，目前正在逐项推进落实。",
    ),
    "C": (
        "受财力状况和现行政策条件限制，您提出的部分建议目前暂不具备实施条件，我们将留作工作参考，待条件成熟时统筹考虑。",
        "您的建议涉及上级事权，我{self}已向上级主管部门反映，在政策允许范围内将积极争取支持。",
    ),
}
REPLY_STEPS = ("一是{s}", "二是{s}", "三是{s}")
REPLY_CLOSINGS = (
    "再次感谢您对我{self}工作的关心和支持，欢迎继续提出宝贵意见和建议。",
    "衷心感谢您对{field}工作的关注，希望今后继续给予关心和支持。",
)
CONTACT_LINES = {
    Reply.Contact.FACE: "办理过程中，我{self}于{date}与您当面沟通，听取了您的意见。",
    Reply.Contact.PHONE: "办理过程中，我{self}于{date}通过电话与您进行了沟通。",
    Reply.Contact.MEETING: "{date}，我{self}召开提案办理座谈会，邀请您和相关部门共同协商。",
    Reply.Contact.WRITTEN: "我{self}于{date}以书面形式征求了您的意见。",
}
OPINION_TEXTS = (
    ("关于《{title}》，我{self}作为协办单位提出如下意见：一是积极配合主办单位开展调研，提供相关数据和政策依据；"
     "二是在职责范围内抓好相关措施落实；三是建议主办单位统筹考虑资金保障和部门协作。"),
    ("我{self}已对《{title}》进行认真研究，同意主办单位的办理思路。涉及我{self}职责的事项，我们将纳入年度工作统筹推进，"
     "并及时向主办单位通报进展。"),
)
PART_TEXTS = (
    "关于《{title}》中涉及我{self}职责的部分，现答复如下：我{self}已制定具体措施，{step}",
)
EVAL_COMMENTS_GOOD = (
    "", "", "", "答复认真，办理到位。", "承办单位主动沟通，措施具体。", "希望继续跟踪落实。", "办理态度好，效果明显。",
)
EVAL_COMMENTS_BAD = (
    "答复内容空泛，未回应提出的核心问题。", "办理过程中未与提案人沟通，答复照搬文件。", "措施缺少时间表，难以落实。",
)
RETURN_ADVICE = (
    "案由部分缺少本地情况和数据支撑，请补充调研情况后再提交。",
    "一事一案：提案同时涉及两个方面的问题，请分别提出。",
    "建议部分不够具体，请写明可操作的措施和责任部门。",
    "标题与内容不一致，请按“关于……的提案”修改标题并聚焦一个问题。",
)
REJECT_REASONS = {
    RejectGround.OTHER: ("所提问题已在上一年度提案中办复，且办理措施正在落实。", "属于信访事项，已转信访部门依法处理。"),
}
CONVERT_NOTES = (
    "建议内容具体、针对性强，转{unit}作为意见建议参考办理。",
    "所反映问题较为具体，转为社情民意信息报送。",
    "属于具体工作建议，转{unit}研究参考。",
)
REASSIGN_REASONS = (
    "该提案所提事项主要属于{other}职责，申请调整由{other}主办，我单位协办。",
    "提案涉及的资金安排和项目审批不在我单位职责范围内，申请调整承办单位。",
)
EXTENSION_REASONS = (
    "涉及多部门协调，需待专项资金批复后答复。",
    "所提事项需结合年度规划修编统筹研究，申请延期答复。",
)
SUPERVISION_TEXTS = {
    Supervision.Kind.MEETING: "召开重点提案督办会，听取承办单位办理情况汇报，研究推进措施。",
    Supervision.Kind.INSPECTION: "带队实地视察提案所涉项目现场，与提案人和承办单位面对面协商。",
    Supervision.Kind.CONSULTATION: "组织提案办理协商会，提案人、承办单位和相关部门共同商议落实办法。",
    Supervision.Kind.URGE: "该提案已超过办理期限，请抓紧办理并尽快答复提案人。",
    Supervision.Kind.NOTE: "请承办单位注重办理实效，避免以文件答复代替实际落实。",
}


def _strip_mark(line: str) -> str:
    return re.sub(r"^(?:[一二三四五六七八九十]+、|\d+\. )", "", line)


def self_word(unit_name: str) -> str:
    """How a unit's letter speaks of itself: 我局, 我委, 我院 …"""
    for suffix, word in (("委员会", "委"), ("局", "局"), ("厅", "厅"), ("院", "院"), ("队", "队"), ("公司", "公司"),
                         ("联合会", "会"), ("工会", "会"), ("部", "部"), ("中心", "中心"), ("政府", "镇"),
                         ("办事处", "街道")):
        if unit_name.endswith(suffix):
            return word
    return "单位"


# ---------------------------------------------------------------------------------------------
# What is planned before anything is written: one Spec per proposal, with its rows and events.


# Planned rows compare by identity (eq=False): a Spec refers to its lead and its lead back to it.
@dataclass(slots=True, eq=False)
class ASpec:
    unit_id: int
    role: str
    status: str = Assignment.Status.ASSIGNED
    due: dt.date | None = None
    created: dt.datetime | None = None
    accepted: dt.datetime | None = None
    answered: dt.datetime | None = None
    reassign_reason: str = ""
    pk: int | None = None


@dataclass(slots=True, eq=False)
class RSpec:
    assignment: ASpec
    round: int
    is_opinion: bool
    text: str
    grade: str
    contact: str
    contact_date: dt.date | None
    signed_by: str
    author: int
    created: dt.datetime
    fulfilled: dt.datetime | None = None


@dataclass(slots=True, eq=False)
class DSpec:
    due: dt.date
    original: dt.date
    status: str
    created: dt.datetime
    met: dt.datetime | None = None
    extensions: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class Spec:
    session: Session
    fate: str
    unit: str  # corpus unit
    item: int  # corpus item of that unit
    kind: str
    proposer: int
    category: str = ""
    body_name: str = ""
    title: str = ""
    reason: str = ""
    suggestion: str = ""
    state: str = "draft"
    signers: list[tuple[int, str, dt.datetime, dt.datetime | None]] = field(default_factory=list)
    number: int | None = None
    number_label: str = ""
    return_advice: str = ""
    reject_ground: str = ""
    reject_reason: str = ""
    convert_note: str = ""
    merged_into: Spec | None = None
    merged_from: list[Spec] = field(default_factory=list)
    handling_mode: str = ""
    due: dt.date | None = None
    rehandled: bool = False
    is_key: bool = False
    leader: int | None = None
    is_public: bool = False
    public_note: str = ""
    is_excellent: bool = False
    created: dt.datetime | None = None
    submitted: dt.datetime | None = None
    registered: dt.datetime | None = None
    assigned: dt.datetime | None = None
    replied: dt.datetime | None = None
    closed: dt.datetime | None = None
    assignments: list[ASpec] = field(default_factory=list)
    replies: list[RSpec] = field(default_factory=list)
    evaluations: list[tuple[int, int, str, str, str, dt.datetime]] = field(default_factory=list)
    supervisions: list[tuple[str, str, int, dt.datetime]] = field(default_factory=list)
    deadlines: list[DSpec] = field(default_factory=list)
    events: list[tuple[str, int | None, dt.datetime, dict[str, Any]]] = field(default_factory=list)
    version: int = 0
    pk: int | None = None
    tag: str = ""  # a demo account's scripted situation (tests find them by it)

    def event(self, verb: str, actor: int | None, at: dt.datetime, **payload: Any) -> None:
        self.events.append((verb, actor, at, payload))
        if "state" in payload:
            self.version += 1

    def move(self, verb: str, actor: int | None, at: dt.datetime, target: str, **payload: Any) -> None:
        """A workflow transition: the state changes and the event records it as `fire()` would."""
        self.event(verb, actor, at, state=[self.state, target], **payload)
        self.state = target

    def proposer_ids(self) -> list[int]:
        """Who rates the reply: the initiator, accepted co-signers, proposers of items merged into it."""
        ids = [self.proposer] + [u for u, status, _, _ in self.signers if status == Signer.Status.ACCEPTED]
        for m in self.merged_from:
            ids += [m.proposer] + [u for u, status, _, _ in m.signers if status == Signer.Status.ACCEPTED]
        return list(dict.fromkeys(ids))


@dataclass
class Cast:
    """Who acts in one committee, as user ids, and the names its texts use."""

    committee: Committee
    plan: CommitteePlan
    locale: Locale
    clerk: int
    leaders: list[int]
    proposers: list[int]
    proposer_cum: list[float]
    handlers: dict[int, int]  # unit id → its clerk
    unit_names: dict[int, str]
    heads: dict[int, str]  # unit id → the leader who signs its replies
    lead_units: dict[str, int]  # corpus unit → unit id
    bodies: dict[str, list[str]]  # proposer kind → collective proposers' names
    persona: dict[str, int] = field(default_factory=dict)  # demo username → user id (primary only)

    def draw_proposer(self, rng: random.Random, exclude: set[int] | frozenset[int] = frozenset()) -> int:
        for _ in range(20):
            uid = rng.choices(self.proposers, cum_weights=self.proposer_cum)[0]
            if uid not in exclude:
                return uid
        return next(u for u in self.proposers if u not in exclude)


def _quota(rng: random.Random, shares: Sequence[tuple[str, float]], n: int) -> list[str]:
    """n labels in the given proportions (largest remainder), shuffled."""
    total = sum(w for _, w in shares)
    raw = [n * w / total for _, w in shares]
    counts = [int(r) for r in raw]
    order = sorted(range(len(shares)), key=lambda i: (-(raw[i] - counts[i]), i))
    for i in order[: n - sum(counts)]:
        counts[i] += 1
    out = [label for (label, _), c in zip(shares, counts) for _ in range(c)]
    rng.shuffle(out)
    return out


def _pick(rng: random.Random, options: Sequence[tuple[str, float]]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


class SessionStory:
    """Builds the Specs of one committee's session: either the one that ended or the current one."""

    def __init__(self, cast: Cast, session: Session, *, current: bool, now: dt.datetime, rng: random.Random,
                 texts: Corpus):
        self.cast, self.session, self.current, self.now = cast, session, current, now
        self.rng, self.texts = rng, texts
        self.tz = timezone.get_current_timezone()
        self.year = session.start_date.year
        # The office assigns most of a session's proposals at one 交办会, a month after the session.
        self.assign_day = session.end_date + dt.timedelta(days=28 + rng.randint(0, 6))
        self.review_day = session.end_date + dt.timedelta(days=rng.randint(8, 15))

    # --- time ------------------------------------------------------------------------------------

    def on(self, day: dt.date) -> dt.datetime:
        """A moment of the working day `day` (08:30–17:30)."""
        minutes = self.rng.randint(8 * 60 + 30, 17 * 60 + 30)
        return self.cap(dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=self.tz))

    def ago(self, low_hours: float, high_hours: float) -> dt.datetime:
        return self.now - dt.timedelta(hours=self.rng.uniform(low_hours, high_hours))

    def days_ago(self, low: int, high: int) -> dt.datetime:
        """Office hours of a day `low`–`high` days before now (a unit answers in the daytime)."""
        return self.on(timezone.localdate(self.now, self.tz) - dt.timedelta(days=self.rng.randint(low, high)))

    def cap(self, moment: dt.datetime) -> dt.datetime:
        """Nothing happens in the future."""
        return min(moment, self.now - dt.timedelta(minutes=5))

    def after(self, moment: dt.datetime, low_days: float, high_days: float) -> dt.datetime:
        if self.current:
            return self.cap(moment + dt.timedelta(hours=self.rng.uniform(low_days * 24, high_days * 24)))
        days = self.rng.randint(int(low_days), int(high_days))
        day = timezone.localdate(moment, self.tz) + dt.timedelta(days=days)
        return max(moment + dt.timedelta(minutes=1), self.on(day))

    # --- texts -----------------------------------------------------------------------------------

    def write(self, s: Spec) -> None:
        t, loc = self.texts, self.cast.locale
        s.category = t.category(s.unit)
        s.title = t.title(self.rng, s.unit, s.item, loc)
        s.reason = t.reason(self.rng, s.unit, s.item, loc, self.year, joint=s.kind != ProposerKind.INDIVIDUAL)
        s.suggestion = t.suggestion(self.rng, s.unit, s.item, loc, self.year)

    def new_spec(self, fate: str, *, unit: str | None = None, kind: str | None = None, proposer: int | None = None,
                 tag: str = "") -> Spec:
        rng, cast = self.rng, self.cast
        if unit is None:
            for _ in range(10):
                unit = self.texts.pick_unit(rng)
                if unit in cast.lead_units:
                    break
            else:
                unit = rng.choice(sorted(cast.lead_units))
        kind = kind or (ProposerKind.JOINT if fate == "cosigning" else _pick(rng, KINDS))
        body = ""
        if kind in ProposerKind.collective():
            body = rng.choice(cast.bodies[kind])
            proposer = proposer or cast.clerk
        s = Spec(session=self.session, fate=fate, unit=unit, item=rng.randrange(len(self.texts.by_unit[unit])),
                 kind=kind, proposer=proposer or cast.draw_proposer(rng), body_name=body, tag=tag)
        return s

    # --- the chain -------------------------------------------------------------------------------

    def begin(self, s: Spec, *, cosigners: Sequence[tuple[int, str]] | None = None,
              created: dt.datetime | None = None) -> None:
        """起草 and, for a joint proposal, 邀请联名 with the co-signers' answers."""
        rng = self.rng
        if created is None:
            created = self.ago(30, 110) if self.current else self.on(
                self.session.start_date - dt.timedelta(days=rng.randint(2, 25)))
        s.created = created
        s.event("proposal.create", s.proposer, created, title=s.title)
        if s.kind != ProposerKind.JOINT or s.fate == "draft":
            return
        if cosigners is None:
            others = {s.proposer}
            cosigners = []
            for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
                uid = self.cast.draw_proposer(rng, others)
                others.add(uid)
                if s.fate == "cosigning":  # still collecting: most have not answered yet
                    status = _pick(rng, ((Signer.Status.INVITED, 60), (Signer.Status.ACCEPTED, 35),
                                         (Signer.Status.DECLINED, 5)))
                else:
                    status = Signer.Status.ACCEPTED if rng.random() < 0.9 else Signer.Status.DECLINED
                cosigners.append((uid, status))
            if s.fate != "cosigning" and all(st != Signer.Status.ACCEPTED for _, st in cosigners):
                cosigners[0] = (cosigners[0][0], Signer.Status.ACCEPTED)
        invited = created + dt.timedelta(minutes=rng.randint(10, 300))
        s.move("proposal.invite", s.proposer, invited, "cosigning", user_ids=[u for u, _ in cosigners],
               invited=sorted(u for u, _ in cosigners))
        for uid, status in cosigners:
            responded = None
            if status != Signer.Status.INVITED:
                responded = self.after(invited, 0.04, 1.6)
                verb = "proposal.cosign" if status == Signer.Status.ACCEPTED else "proposal.decline"
                s.event(verb, uid, responded, signer=uid)
            s.signers.append((uid, status, invited, responded))

    def submit(self, s: Spec, at: dt.datetime | None = None) -> None:
        if at is None:
            if self.current:
                at = self.ago(5, 96)
            else:
                start, end = self.session.start_date, self.session.end_date
                day = start - dt.timedelta(days=self.rng.randint(0, 10)) if self.rng.random() < 0.25 else \
                    start + dt.timedelta(days=self.rng.randint(0, (end - start).days))
                at = self.on(day)
        at = max(at, (s.events[-1][2] if s.events else at) + dt.timedelta(minutes=5))
        s.move("proposal.submit", s.proposer, self.cap(at), "submitted")
        s.submitted = s.submitted or self.cap(at)
        # Invitations nobody answered lapse when the proposal goes in.
        s.signers = [(u, Signer.Status.EXPIRED if st == Signer.Status.INVITED else st, i, r)
                     for u, st, i, r in s.signers]

    def review_at(self, s: Spec) -> dt.datetime:
        assert s.submitted is not None
        if self.current:
            return self.after(s.submitted, 0.2, 2)
        day = self.review_day + dt.timedelta(days=self.rng.randint(0, 8))
        return max(s.submitted + dt.timedelta(hours=1), self.on(day))

    def register(self, s: Spec, at: dt.datetime) -> None:
        s.move("proposal.register", self.cast.clerk, at, "registered")
        s.registered = at

    def reject(self, s: Spec, at: dt.datetime) -> None:
        ground = _pick(self.rng, GROUNDS)
        s.reject_ground = ground
        s.reject_reason = self.rng.choice(REJECT_REASONS[ground]) if ground in REJECT_REASONS else ""
        s.move("proposal.reject", self.cast.clerk, at, "not_registered", ground=ground,
               **({"reason": s.reject_reason} if s.reject_reason else {}))

    def convert(self, s: Spec, at: dt.datetime) -> None:
        unit = self.cast.unit_names[self.cast.lead_units[s.unit]]
        s.convert_note = self.rng.choice(CONVERT_NOTES).format(unit=unit)
        s.move("proposal.convert", self.cast.clerk, at, "converted", note=s.convert_note)

    def give_back(self, s: Spec, at: dt.datetime, advice: str | None = None) -> None:
        s.return_advice = advice or self.rng.choice(RETURN_ADVICE)
        s.move("proposal.return", self.cast.clerk, at, "returned", advice=s.return_advice)

    def merge(self, s: Spec, lead: Spec, at: dt.datetime) -> None:
        s.merged_into = lead
        if s not in lead.merged_from:
            lead.merged_from.append(s)
        s.move("proposal.merge", self.cast.clerk, at, "merged")  # the lead's id is added when it is known

    def units_for(self, s: Spec, mode: str | None = None) -> list[tuple[int, str]]:
        rng, cast = self.rng, self.cast
        lead = cast.lead_units[s.unit]
        mode = mode or _pick(rng, MODES)
        others = [u for u in dict.fromkeys(cast.lead_units.values()) if u != lead]
        if mode == HandlingMode.SINGLE or not others:
            return [(lead, Assignment.Role.LEAD)]
        extra = rng.sample(others, min(len(others), rng.choice((1, 1, 1, 2))))
        if mode == HandlingMode.LEAD_ASSIST:
            return [(lead, Assignment.Role.LEAD)] + [(u, Assignment.Role.ASSIST) for u in extra]
        return [(lead, Assignment.Role.SPLIT)] + [(u, Assignment.Role.SPLIT) for u in extra]

    def assign(self, s: Spec, at: dt.datetime, units: list[tuple[int, str]]) -> None:
        roles = {r for _, r in units}
        mode = HandlingMode.SINGLE if len(units) == 1 else (
            HandlingMode.SPLIT if roles == {Assignment.Role.SPLIT} else HandlingMode.LEAD_ASSIST)
        due = add_months(timezone.localdate(at, self.tz), REPLY_MONTHS).date
        s.handling_mode, s.due, s.assigned = mode, due, at
        s.assignments = [ASpec(unit_id=u, role=r, due=due, created=at) for u, r in units]
        s.move("proposal.assign", self.cast.clerk, at, "assigned", mode=mode, units=[[u, r] for u, r in units],
               due_date=due.isoformat())
        s.deadlines.append(DSpec(due=due, original=due, status=Deadline.Status.OPEN, created=at))

    def accept(self, s: Spec, a: ASpec, at: dt.datetime) -> None:
        handler = self.cast.handlers[a.unit_id]
        a.status, a.accepted = Assignment.Status.ACCEPTED, at
        if s.state == "assigned":
            s.move("proposal.accept", handler, at, "handling")
        else:
            s.event("proposal.accept", handler, at, unit=a.unit_id)

    def request_reassign(self, s: Spec, a: ASpec, at: dt.datetime) -> None:
        other_ids = [u for u in self.cast.lead_units.values() if u != a.unit_id]
        other = self.cast.unit_names[self.rng.choice(other_ids)] if other_ids else "其他单位"
        a.status = Assignment.Status.REASSIGN_REQUESTED
        a.reassign_reason = self.rng.choice(REASSIGN_REASONS).format(other=other)
        s.event("proposal.reassign_request", self.cast.handlers[a.unit_id], at, unit=a.unit_id,
                reason=a.reassign_reason)

    def letter(self, s: Spec, a: ASpec, grade: str, contact: str, contact_date: dt.date) -> str:
        rng, cast = self.rng, self.cast
        name = cast.unit_names[a.unit_id]
        word = self_word(name)
        field_name = cast.locale.region + re.sub(r"(局|委员会|大队|公司|联合会|中心)$", "", s.unit)
        if s.body_name:
            greeting = f"{s.body_name}："
        else:
            greeting = f"{self._display(s.proposer)}委员{'等' if s.kind == ProposerKind.JOINT else ''}："
        steps = [_strip_mark(line).split("，")[0] for line in s.suggestion.split("\n")][:3]
        body = [greeting, rng.choice(REPLY_OPENINGS).format(title=s.title, self=word, field=field_name,
                                                            session=self.session.name)]
        body.append(CONTACT_LINES[contact].format(self=word, date=f"{contact_date:%Y年%m月%d日}".replace("年0", "年")
                                                  .replace("月0", "月")))
        body.append("".join(REPLY_STEPS[k].format(s=("关于“" + step.rstrip("。；;") + "”的建议，")) +
                            rng.choice(("我们已会同相关部门研究落实。", "已纳入年度重点工作。", "正在组织调研论证。",
                                        "已印发工作方案并组织实施。"))
                            for k, step in enumerate(steps)))
        body.append(rng.choice(REPLY_GRADE[grade]).format(self=word, year=self.year))
        body.append(rng.choice(REPLY_CLOSINGS).format(self=word, field=field_name))
        body.append(name)
        return "\n".join(body)

    def _display(self, uid: int) -> str:
        return USERS_BY_ID[uid].display_name if uid in USERS_BY_ID else ""

    def answer_parts(self, s: Spec, until: dt.datetime, *, leave_open: int = 0) -> None:
        """Assisting units send their opinions, non-final split units their parts (all but `leave_open`)."""
        rng = self.rng
        rest = [a for a in s.assignments if a.role == Assignment.Role.ASSIST or
                (a.role == Assignment.Role.SPLIT and a is not s.assignments[0])]
        for a in rest[: len(rest) - leave_open] if leave_open else rest:
            if a.accepted is None:
                self.accept(s, a, self.after(s.assigned or until, 0, 3) if self.current else
                            self.after(s.assigned or until, 1, 5))
            assert a.accepted is not None
            at = min(self.after(a.accepted, 0.3 if self.current else 7, 2 if self.current else 35), until)
            at = max(at, a.accepted + dt.timedelta(minutes=1))
            name = self.cast.unit_names[a.unit_id]
            if a.role == Assignment.Role.ASSIST:
                text = rng.choice(OPINION_TEXTS).format(title=s.title, self=self_word(name))
                s.replies.append(RSpec(a, 1, True, text, "", "", None, "", self.cast.handlers[a.unit_id], at))
                s.event("proposal.opinion", self.cast.handlers[a.unit_id], at, unit=a.unit_id)
            else:
                grade = _pick(rng, GRADES)
                step = _strip_mark(rng.choice(s.suggestion.split("\n")))
                text = rng.choice(PART_TEXTS).format(title=s.title, self=self_word(name), step=step)
                contact = _pick(rng, CONTACTS)
                s.replies.append(RSpec(a, 1, False, text, grade, contact, timezone.localdate(at, self.tz),
                                       self.cast.heads[a.unit_id], self.cast.handlers[a.unit_id], at))
                s.event("proposal.part_reply", self.cast.handlers[a.unit_id], at, unit=a.unit_id)
            a.status, a.answered = Assignment.Status.ANSWERED, at

    def reply(self, s: Spec, at: dt.datetime, grade: str | None = None, rnd: int = 1) -> RSpec:
        rng, cast = self.rng, self.cast
        a = s.assignments[0]
        grade = grade or _pick(rng, GRADES)
        contact = _pick(rng, CONTACTS)
        contact_day = timezone.localdate(at, self.tz) - dt.timedelta(days=rng.randint(3, 20))
        text = self.letter(s, a, grade, contact, contact_day)
        r = RSpec(a, rnd, False, text, grade, contact, contact_day, cast.heads[a.unit_id], cast.handlers[a.unit_id],
                  at)
        s.replies.append(r)
        a.status, a.answered = Assignment.Status.ANSWERED, at
        s.move("proposal.reply", cast.handlers[a.unit_id], at, "replied", grade=grade, round=rnd)
        s.replied = at
        open_deadline = next(d for d in s.deadlines if d.status == Deadline.Status.OPEN)
        open_deadline.status, open_deadline.met = Deadline.Status.MET, at
        return r

    def extend(self, s: Spec, to: dt.date, at: dt.datetime) -> None:
        d = next(d for d in s.deadlines if d.status == Deadline.Status.OPEN)
        clerk = USERS_BY_ID.get(self.cast.clerk)
        d.extensions.append({
            "from": d.due.isoformat(), "to": to.isoformat(), "reason": self.rng.choice(EXTENSION_REASONS),
            "by": self.cast.clerk, "by_name": clerk.display_name if clerk else "", "at": at.isoformat(),
        })
        d.due = to
        s.due = to
        for a in s.assignments:
            a.due = to

    def rate(self, s: Spec, at: dt.datetime, grade: str, rnd: int, *, unhappy: bool | None = None,
             raters: Sequence[int] | None = None) -> bool:
        """Every proposer (or `raters`) rates; True when someone was dissatisfied."""
        rng = self.rng
        any_unhappy = False
        moment = at
        for uid in (raters if raters is not None else s.proposer_ids()):
            moment = self.after(moment, 0.1 if self.current else 0, 2 if self.current else 6)
            bad = unhappy if unhappy is not None else rng.random() < UNHAPPY[grade]
            if bad:
                handling = rng.choice((Evaluation.Rating.BASICALLY, Evaluation.Rating.DISSATISFIED))
                result, comment = Evaluation.Rating.DISSATISFIED, rng.choice(EVAL_COMMENTS_BAD)
                any_unhappy = True
            else:
                handling = Evaluation.Rating.SATISFIED if rng.random() < 0.85 else Evaluation.Rating.BASICALLY
                good = {"A": 0.85, "B": 0.65, "C": 0.35}[grade]
                result = Evaluation.Rating.SATISFIED if rng.random() < good else Evaluation.Rating.BASICALLY
                comment = rng.choice(EVAL_COMMENTS_GOOD)
            s.evaluations.append((uid, rnd, handling, result, comment, moment))
            s.event("proposal.evaluate", uid, moment, round=rnd, handling=handling, result=result)
        return any_unhappy

    def close(self, s: Spec, at: dt.datetime, *, rated: bool = True) -> None:
        how = {"auto": "all_rated"} if rated else {"unrated": True}  # or the rating window lapsed (未评价)
        s.move("proposal.close", self.cast.clerk, at, "closed", **how)
        s.closed = at

    def rehandle(self, s: Spec, at: dt.datetime) -> None:
        s.rehandled = True
        due = add_months(timezone.localdate(at, self.tz), REHANDLE_MONTHS).date
        s.due = due
        for a in s.assignments:
            if a.role in (Assignment.Role.LEAD, Assignment.Role.SPLIT):
                a.status = Assignment.Status.ACCEPTED
        s.deadlines.append(DSpec(due=due, original=due, status=Deadline.Status.OPEN, created=at))
        s.move("proposal.rehandle", self.cast.clerk, at, "rehandling")

    def make_key(self, s: Spec, leader: int, at: dt.datetime, *, activities: int = 1) -> None:
        s.is_key, s.leader = True, leader
        s.event("proposal.key", self.cast.clerk, at, is_key=[False, True], supervising_leader=[None, leader])
        moment = at
        for kind in self.rng.sample([Supervision.Kind.MEETING, Supervision.Kind.INSPECTION,
                                     Supervision.Kind.CONSULTATION], activities):
            moment = self.after(moment, 0.5 if self.current else 5, 2 if self.current else 25)
            s.supervisions.append((kind, SUPERVISION_TEXTS[kind], leader, moment))
            s.event(f"proposal.supervise.{kind}", leader, moment, text=SUPERVISION_TEXTS[kind][:200])

    def urge(self, s: Spec, at: dt.datetime) -> None:
        kind = Supervision.Kind.URGE
        s.supervisions.append((kind, SUPERVISION_TEXTS[kind], self.cast.clerk, at))
        s.event(f"proposal.supervise.{kind}", self.cast.clerk, at, text=SUPERVISION_TEXTS[kind])

    # --- whole stories ---------------------------------------------------------------------------

    def handle_and_close(self, s: Spec, *, late: bool = False, lapse: bool = False, allow_rehandle: bool = True,
                         grade: str | None = None, fulfil: bool | None = None) -> None:
        """An ended session's registered proposal: assigned, signed for, answered, rated and closed."""
        rng = self.rng
        assert s.registered is not None
        day = self.assign_day if rng.random() < 0.85 else self.assign_day + dt.timedelta(days=rng.randint(1, 25))
        self.assign(s, max(s.registered + dt.timedelta(hours=1), self.on(day)), self.units_for(s))
        assert s.assigned is not None and s.due is not None
        self.accept(s, s.assignments[0], self.after(s.assigned, 1, 6))
        due_at = self.on(s.due)
        if late:
            reply_at = self.on(s.due + dt.timedelta(days=rng.randint(3, 45)))
        else:
            reply_at = self.after(s.assigned, 25, max(26, (s.due - timezone.localdate(s.assigned, self.tz)).days - 2))
            reply_at = min(reply_at, due_at)
        self.answer_parts(s, reply_at - dt.timedelta(hours=2))
        r = self.reply(s, reply_at, grade=grade)
        if rng.random() < 0.7:
            s.is_public = True
        else:
            s.public_note = rng.choice(("", "", "涉及个人信息，不予公开。", "涉及内部工作安排，暂不公开。"))
        if r.grade == "B" and (fulfil if fulfil is not None else rng.random() < 0.4):
            r.fulfilled = self.after(reply_at, 60, 240)
            s.event("proposal.fulfilled", r.author, r.fulfilled, reply_round=1)
        if lapse:
            self.close(s, self.after(reply_at, 22, 30), rated=False)
            return
        unhappy = self.rate(s, reply_at, r.grade, 1)
        last = s.events[-1][2]
        if unhappy and allow_rehandle and rng.random() < 0.6:
            self.rehandle(s, self.after(last, 2, 7))
            second = self.after(s.events[-1][2], 15, 28)
            self.reply(s, second, grade=rng.choice(("A", "B")), rnd=2)
            self.rate(s, second, "A", 2, unhappy=False)
            last = s.events[-1][2]
        self.close(s, self.after(last, 0, 2))
        s.is_excellent = (r.grade == "A" and not unhappy and rng.random() < 0.05)

    def overdue(self, s: Spec) -> None:
        """Registered last session and still being handled: the reply is overdue (sometimes after an extension)."""
        assert s.registered is not None
        self.assign(s, max(s.registered + dt.timedelta(hours=1), self.on(self.assign_day)), self.units_for(s))
        assert s.assigned is not None and s.due is not None
        self.accept(s, s.assignments[0], self.after(s.assigned, 1, 6))
        self.answer_parts(s, self.on(s.due), leave_open=1 if self.rng.random() < 0.3 else 0)
        for a in s.assignments:  # every unit signed for it long ago; one may still owe its opinion
            if a.accepted is None:
                self.accept(s, a, self.after(s.assigned, 1, 6))
        if self.rng.random() < 0.4:
            self.extend(s, s.due + dt.timedelta(days=self.rng.randint(30, 150)), self.on(s.due - dt.timedelta(days=5)))
        self.urge(s, self.on(s.due + dt.timedelta(days=self.rng.randint(3, 20))))

    def late_reply(self, s: Spec, *, grade: str | None = None, replied: dt.datetime | None = None) -> None:
        """Handled long past the deadline (after an extension) and answered just now: waiting for ratings."""
        assert s.registered is not None
        self.assign(s, max(s.registered + dt.timedelta(hours=1), self.on(self.assign_day)), self.units_for(s))
        assert s.assigned is not None and s.due is not None
        self.accept(s, s.assignments[0], self.after(s.assigned, 1, 6))
        self.extend(s, s.due + dt.timedelta(days=self.rng.randint(60, 150)), self.on(s.due - dt.timedelta(days=3)))
        reply_at = replied or self.days_ago(1, 12)
        self.answer_parts(s, reply_at - dt.timedelta(hours=3))
        self.reply(s, reply_at, grade=grade)

    def redo(self, s: Spec, *, ordered: dt.datetime | None = None) -> None:
        """Answered, rated 不满意, and now being handled again (ordered a couple of weeks ago)."""
        assert s.registered is not None
        self.assign(s, max(s.registered + dt.timedelta(hours=1), self.on(self.assign_day)), self.units_for(s))
        assert s.assigned is not None and s.due is not None
        self.accept(s, s.assignments[0], self.after(s.assigned, 1, 6))
        ordered = ordered or self.days_ago(8, 20)
        reply_at = ordered - dt.timedelta(days=self.rng.randint(12, 25))
        self.extend(s, s.due + dt.timedelta(days=self.rng.randint(60, 150)), self.on(s.due - dt.timedelta(days=3)))
        self.answer_parts(s, reply_at - dt.timedelta(hours=3))
        self.reply(s, reply_at, grade="C")
        self.rate(s, reply_at, "C", 1, unhappy=True, raters=[s.proposer])
        self.rate(s, reply_at, "C", 1, unhappy=False, raters=s.proposer_ids()[1:])
        self.rehandle(s, ordered)

    def current_handling(self, s: Spec, *, accepted_share: float = 0.6) -> None:
        """Assigned in plenary week; the lead unit has signed for it, others may not have yet."""
        assert s.registered is not None
        self.assign(s, self.after(s.registered, 0.1, 1.5), self.units_for(s))
        assert s.assigned is not None
        self.accept(s, s.assignments[0], self.after(s.assigned, 0.05, 1))
        for a in s.assignments[1:]:
            if self.rng.random() < accepted_share:
                self.accept(s, a, self.after(s.assigned, 0.05, 1.5))

    def story(self, s: Spec) -> None:
        """Walk `s` through the chain to its fate (merged ones are done later, once their leads exist)."""
        rng, fate = self.rng, s.fate
        self.begin(s)
        if fate in ("draft", "cosigning"):
            if fate == "draft":
                s.state = "draft"
            return
        self.submit(s)
        at = self.review_at(s)
        if fate == "returned":
            self.give_back(s, at)
            return
        if fate == "submitted" or fate == "merged":
            return
        if fate == "not_registered":
            self.reject(s, at)
            return
        if fate == "converted":
            self.convert(s, at)
            return
        if not self.current and rng.random() < 0.05:  # returned once, corrected and submitted again
            self.give_back(s, at)
            self.submit(s, self.after(at, 2, 6))
            at = self.after(s.events[-1][2], 2, 6)
        self.register(s, at)
        if self.current:
            if fate == "assigned":
                self.assign(s, self.after(at, 0.1, 1.5), self.units_for(s))
            elif fate == "handling":
                self.current_handling(s)
            return
        if fate == "closed":
            self.handle_and_close(s, late=rng.random() < 0.07, lapse=rng.random() < 0.06)
        elif fate == "overdue":
            self.overdue(s)
        elif fate == "replied":
            self.late_reply(s)
        elif fate == "rehandling":
            self.redo(s)

    def merge_story(self, s: Spec) -> None:
        assert s.merged_into is not None
        lead = s.merged_into
        at = max(self.review_at(s), (lead.registered or lead.submitted or s.events[-1][2]))
        self.merge(s, lead, self.cap(at + dt.timedelta(minutes=3)))

    # --- a whole session -------------------------------------------------------------------------

    def build(self, count: int, scripted: Sequence[Spec] = ()) -> list[Spec]:
        rng, cast = self.rng, self.cast
        fates = _quota(rng, CURRENT_FATES if self.current else ENDED_FATES, max(0, count - len(scripted)))
        specs = [self.new_spec(f) for f in fates]
        lead_states = ("submitted", "registered", "assigned", "handling") if self.current else \
            ("closed", "replied", "overdue")
        leads = [s for s in specs if s.fate in lead_states]
        for s in specs:
            if s.fate == "merged" and leads:
                same = [x for x in leads if x.unit == s.unit] or leads
                lead = rng.choice(same)
                s.unit, s.item, s.merged_into = lead.unit, lead.item, lead  # similar text: the same source item
                lead.merged_from.append(s)
        for s in specs:
            self.write(s)
        for s in specs:
            if s.fate != "merged":
                self.story(s)
        for s in specs:
            if s.fate == "merged":
                self.begin(s)
                self.submit(s)
                if s.merged_into is not None:  # else no lead to merge into (yet): still waiting for review
                    self.merge_story(s)
        # Key proposals with a supervising leader: a few per cent of the registered.
        for s in specs:
            if s.registered is None:
                continue
            if rng.random() < (0.02 if self.current else 0.03) and cast.leaders:
                moment = s.assigned or s.registered
                assert moment is not None
                self.make_key(s, rng.choice(cast.leaders[1:] or cast.leaders) if cast.persona else
                              rng.choice(cast.leaders), self.after(moment, 0 if self.current else 2,
                                                                   0.5 if self.current else 10),
                              activities=0 if self.current else rng.randint(1, 2))
        return [*scripted, *specs]


def number_session(specs: Sequence[Spec], session: Session) -> int:
    """Gapless numbers in the order proposals were registered; returns the last one."""
    order = {id(s): k for k, s in enumerate(specs)}
    registered = sorted((s for s in specs if s.registered is not None), key=lambda s: (s.registered, order[id(s)]))
    for n, s in enumerate(registered, start=1):
        s.number, s.number_label = n, f"{session.name}第{n:04d}号"
    return len(registered)


# ---------------------------------------------------------------------------------------------
# The demo accounts' situations (primary county only)

# The accounts the demo acts with, by id (audit events name their actor); filled by `create_accounts`.
USERS_BY_ID: dict[int, User] = {}
PERSONAS = ("clerk", "unit", "leader", "member", "member2")


def persona_specs(story_ended: SessionStory, story_current: SessionStory, edu: int) -> tuple[list[Spec], list[Spec]]:
    """Scripted proposals so that each demo account finds its own work waiting (see the module docstring)."""
    cast = story_current.cast
    me, m2, leader = cast.persona["member"], cast.persona["member2"], cast.persona["leader"]
    units = cast.lead_units
    health, finance, hrss = units["卫生健康局"], units["财政局"], units["人力资源和社会保障局"]
    ended: list[Spec] = []
    current: list[Spec] = []
    E, C = story_ended, story_current

    def spec(story: SessionStory, tag: str, *, unit: str = EDUCATION, kind: str = ProposerKind.INDIVIDUAL,
             proposer: int | None = None, fate: str = "scripted") -> Spec:
        s = story.new_spec(fate, unit=unit, kind=kind, proposer=proposer or me, tag=tag)
        story.write(s)
        (current if story is C else ended).append(s)
        return s

    def registered(story: SessionStory, s: Spec, cosigners: Sequence[tuple[int, str]] | None = None) -> dt.datetime:
        story.begin(s, cosigners=cosigners)
        story.submit(s)
        at = story.review_at(s)
        story.register(s, at)
        return at

    # --- member: drafts, a returned proposal, replies to rate, finished ones -----------------------
    for k, unit in enumerate((EDUCATION, "体育局")):
        s = spec(C, "member_draft", unit=unit, fate="draft")
        C.begin(s, created=C.ago(3 + 20 * k, 8 + 30 * k))
    s = spec(C, "member_returned")
    C.begin(s)
    C.submit(s, C.ago(60, 80))
    C.give_back(s, C.ago(20, 30), advice="案由部分请补充我区近三年的相关数据；建议部分请聚焦一个问题（一事一案），"
                                          "写明责任部门和实施路径后再提交。")
    s = spec(C, "member_submitted")
    C.begin(s)
    C.submit(s, C.ago(10, 30))

    # member2 invites member to co-sign (another member has already accepted).
    other = cast.draw_proposer(C.rng, {me, m2})
    s = spec(C, "member2_invites_member", unit="卫生健康局", kind=ProposerKind.JOINT, proposer=m2, fate="cosigning")
    C.begin(s, cosigners=[(me, Signer.Status.INVITED), (other, Signer.Status.ACCEPTED)], created=C.ago(40, 50))

    # Replies waiting for member's rating: her own (区教育局, late, after an extension) and a joint one
    # with member2, handled by 区卫生健康局 with the education bureau assisting (member2 has rated it).
    s = spec(E, "member_to_rate")
    registered(E, s)
    E.late_reply(s, grade="B", replied=E.days_ago(2, 3))
    s.is_public = True
    s = spec(E, "member_to_rate_joint", unit="卫生健康局", kind=ProposerKind.JOINT)
    registered(E, s, cosigners=[(m2, Signer.Status.ACCEPTED)])
    E.assign(s, E.on(E.assign_day), [(health, Assignment.Role.LEAD), (edu, Assignment.Role.ASSIST)])
    assert s.assigned is not None and s.due is not None
    E.accept(s, s.assignments[0], E.after(s.assigned, 1, 4))
    E.extend(s, s.due + dt.timedelta(days=120), E.on(s.due - dt.timedelta(days=4)))
    replied = E.days_ago(4, 5)
    E.answer_parts(s, replied - dt.timedelta(days=10))
    E.reply(s, replied, grade="A")
    E.rate(s, replied, "A", 1, unhappy=False, raters=[m2])
    s.is_public = True

    # Finished: one of hers closed and rated; one key proposal supervised by the leader.
    s = spec(E, "member_closed")
    registered(E, s)
    E.handle_and_close(s, allow_rehandle=False)
    s = spec(E, "leader_key_closed", unit="卫生健康局")
    registered(E, s)
    E.handle_and_close(s, allow_rehandle=False)
    assert s.assigned is not None
    E.make_key(s, leader, E.after(s.assigned, 2, 6), activities=2)

    # --- the education bureau (`unit`): something in every inbox group ----------------------------
    # 待签收: three new ones as lead, one as assisting unit, one it asked to hand back.
    for k in range(3):
        s = spec(C, "unit_to_sign", proposer=cast.draw_proposer(C.rng))
        at = registered(C, s)
        C.assign(s, C.after(at, 0.05, 0.8), [(edu, Assignment.Role.LEAD)])
    s = spec(C, "unit_to_sign_assist", unit="财政局", proposer=cast.draw_proposer(C.rng))
    at = registered(C, s)
    C.assign(s, C.after(at, 0.05, 0.8), [(finance, Assignment.Role.LEAD), (edu, Assignment.Role.ASSIST)])
    s = spec(C, "unit_reassign_requested", proposer=cast.draw_proposer(C.rng))
    at = registered(C, s)
    C.assign(s, C.after(at, 0.05, 0.5), [(edu, Assignment.Role.LEAD)])
    assert s.assigned is not None
    C.request_reassign(s, s.assignments[0], C.after(s.assigned, 0.05, 0.5))

    # 办理中: two signed for as lead (one with 区财政局's opinion in), one as assisting unit owing its
    # opinion, one split with 区卫生健康局 (which has answered its part), one overdue from last session.
    for k in range(2):
        s = spec(C, "unit_handling", proposer=cast.draw_proposer(C.rng))
        at = registered(C, s)
        C.assign(s, C.after(at, 0.05, 0.5), [(edu, Assignment.Role.LEAD)] +
                 ([(finance, Assignment.Role.ASSIST)] if k == 0 else []))
        assert s.assigned is not None
        C.accept(s, s.assignments[0], C.after(s.assigned, 0.05, 0.5))
        if k == 0:
            C.answer_parts(s, C.now - dt.timedelta(minutes=30))
    s = spec(C, "unit_opinion_owed", unit="人力资源和社会保障局", proposer=cast.draw_proposer(C.rng))
    at = registered(C, s)
    C.assign(s, C.after(at, 0.05, 0.5), [(hrss, Assignment.Role.LEAD), (edu, Assignment.Role.ASSIST)])
    assert s.assigned is not None
    C.accept(s, s.assignments[0], C.after(s.assigned, 0.05, 0.5))
    C.accept(s, s.assignments[1], C.after(s.assigned, 0.05, 0.5))
    s = spec(C, "unit_split", proposer=cast.draw_proposer(C.rng))
    at = registered(C, s)
    C.assign(s, C.after(at, 0.05, 0.5), [(edu, Assignment.Role.SPLIT), (health, Assignment.Role.SPLIT)])
    assert s.assigned is not None
    C.accept(s, s.assignments[0], C.after(s.assigned, 0.05, 0.5))
    C.answer_parts(s, C.now - dt.timedelta(minutes=20))  # 区卫生健康局 has answered its part
    s = spec(E, "unit_overdue", proposer=cast.draw_proposer(E.rng))
    registered(E, s)
    E.overdue(s)
    assert s.assigned is not None
    E.make_key(s, leader, E.after(s.assigned, 3, 8), activities=1)

    # 重新办理: rated 不满意 and sent back to the bureau a fortnight ago.
    s = spec(E, "unit_rehandling", proposer=cast.draw_proposer(E.rng))
    registered(E, s)
    E.redo(s, ordered=E.days_ago(12, 16))

    # 已答复: a B-grade reply whose commitment is still open (plus member's, above, and the random ones).
    s = spec(E, "unit_b_commitment", proposer=cast.draw_proposer(E.rng, {me}))
    registered(E, s)
    E.handle_and_close(s, allow_rehandle=False, grade="B", fulfil=False)

    # --- leader: key proposals of this session too --------------------------------------------------
    s = spec(C, "leader_key_registered", unit="应急管理局", proposer=cast.draw_proposer(C.rng))
    at = registered(C, s)
    C.make_key(s, leader, C.after(at, 0.05, 0.5))
    s = spec(C, "leader_key_assigned", unit="生态环境局", proposer=cast.draw_proposer(C.rng))
    at = registered(C, s)
    C.assign(s, C.after(at, 0.05, 0.5), C.units_for(s, HandlingMode.LEAD_ASSIST))
    assert s.assigned is not None
    C.make_key(s, leader, C.after(s.assigned, 0.01, 0.3))
    for s in current + ended:
        s.fate = s.state
    return ended, current


# ---------------------------------------------------------------------------------------------
# Accounts


def _activity(rng: random.Random, title: str) -> float:
    """How many proposals a member writes, relatively: a few write many, leaders few."""
    weight = min(8.0, rng.paretovariate(1.6))
    return weight * (0.3 if title in (Member.Title.CHAIR, Member.Title.VICE_CHAIR, Member.Title.SECRETARY_GENERAL)
                     else 1.0)


def _bodies(plan: CommitteePlan, sectors: Sequence[str]) -> dict[str, list[str]]:
    region = plan.region.name
    county = plan.level == Committee.Level.COUNTY
    parties = data.DEMOCRATIC_PARTIES if plan.level == Committee.Level.PROVINCE else data.DEMOCRATIC_PARTIES[:7]
    level = str(plan.level)
    return {
        ProposerKind.PARTY: [f"{p}{region}{'总支部' if county else '委员会'}" for p in parties],
        ProposerKind.ORGANIZATION: [f"{region}总工会", f"{region}妇女联合会", f"共青团{region}委员会",
                                    f"{region}工商业联合会", f"{region}科学技术协会"],
        ProposerKind.SECTOR: [f"{region}政协{s}" for s in sectors if s.endswith("界")] or [f"{region}政协经济界"],
        ProposerKind.SPECIAL_COMMITTEE: [f"{region}政协{n}" for n in data.SPECIAL_COMMITTEES_BY_LEVEL[level]
                                         if n not in ("提案委员会", "委员工作委员会")],
        ProposerKind.MEMBER_GROUP: [f"政协{s.name}委员小组" for s in plan.subs[:6]] or [f"{region}政协第一委员小组"],
    }


def create_accounts(plans: Sequence[CommitteePlan], committees: dict[str, Committee], seed: int,
                    texts: Corpus) -> dict[str, Cast]:
    """Accounts (no password) for members, unit clerks and each committee's proposal clerk, with their roles."""
    primary = primary_code(plans)
    by_id = {c.pk: code for code, c in committees.items()}
    ids = list(by_id)
    members: dict[str, list[dict[str, Any]]] = {code: [] for code in committees}
    for row in Member.objects.filter(committee_id__in=ids).order_by("id").values(
            "id", "committee_id", "name", "phone", "title", "user_id", "sector__name"):
        members[by_id[row["committee_id"]]].append(row)
    units: dict[str, list[tuple[int, str, int]]] = {code: [] for code in committees}
    for pk, cid, name, order in Unit.objects.filter(committee_id__in=ids).order_by("order", "id").values_list(
            "id", "committee_id", "name", "order"):
        units[by_id[cid]].append((pk, name, order))
    personas = {u.username: u for u in User.objects.filter(username__in=PERSONAS)}
    unit_grant = RoleGrant.objects.filter(user__username="unit", role=Role.UNIT_HANDLER).values_list(
        "unit_id", flat=True).first()

    new_users: list[User] = []
    links: dict[str, int] = {}  # username → member id
    leader_titles: dict[str, str] = {}  # username → 主席 / 副主席
    rngs = {code: random.Random(f"{seed}:accounts:{code}") for code in committees}
    weights: dict[str, list[tuple[str, float]]] = {}
    heads: dict[int, str] = {}
    handler_names: dict[int, str] = {}
    for plan in plans:
        code, rng = plan.code, rngs[plan.code]
        roster = members[code]
        weights[code] = []
        for i, m in enumerate(roster, start=1):
            if m["user_id"]:
                user = next(u for u in personas.values() if u.pk == m["user_id"])
                if user.username in ("member", "member2", "leader"):
                    weights[code].append((user.username, _activity(rng, m["title"])))
                continue
            skip = rng.random() < NO_ACCOUNT_SHARE
            if i == len(roster) or (skip and m["title"] in (Member.Title.MEMBER, Member.Title.STANDING)):
                continue  # 账号未开通 (and the roster's last member, which the load test suspends and reinstates)
            username = f"{code}-m{i:04d}"
            new_users.append(User(username=username, display_name=m["name"], phone=m["phone"] or None, password="!"))
            links[username] = m["id"]
            weights[code].append((username, _activity(rng, m["title"])))
            if m["title"] in (Member.Title.CHAIR, Member.Title.VICE_CHAIR):
                leader_titles[username] = Member.Title(m["title"]).label
        for pk, name, order in units[code]:
            heads[pk] = _name(rng, "男" if rng.random() < 0.75 else "女")
            if code == primary and pk == unit_grant:
                continue
            handler_names[pk] = f"{code}-u{order:03d}"
            clerk_name = _name(rng, "女" if rng.random() < 0.55 else "男")
            new_users.append(User(username=handler_names[pk], display_name=clerk_name, password="!"))
        if code != primary:
            clerk_name = _name(rng, "女" if rng.random() < 0.6 else "男")
            new_users.append(User(username=f"{code}-clerk", display_name=clerk_name, password="!"))

    User.objects.bulk_create(new_users, batch_size=1000)
    wanted = {u.username for u in new_users}
    # Every generated username starts with its committee's code, and every demo code with "demo-".
    created = User.objects.filter(username__startswith="demo-").values_list("username", "id")
    user_ids = {name: pk for name, pk in created if name in wanted}
    user_ids.update({name: u.pk for name, u in personas.items()})
    member_rows = [Member(pk=member_id, user_id=user_ids[username]) for username, member_id in links.items()]
    Member.objects.bulk_update(member_rows, ["user"], batch_size=1000)

    grants: list[RoleGrant] = []
    for plan in plans:
        code, cid = plan.code, committees[plan.code].pk
        for username, _ in weights[code]:
            if username in personas:
                continue
            grants.append(RoleGrant(user_id=user_ids[username], committee_id=cid, role=Role.MEMBER, title="委员"))
            if username in leader_titles:
                grants.append(RoleGrant(user_id=user_ids[username], committee_id=cid, role=Role.LEADER,
                                        title=leader_titles[username]))
        for pk, _, _ in units[code]:
            if pk in handler_names:
                grants.append(RoleGrant(user_id=user_ids[handler_names[pk]], committee_id=cid, role=Role.UNIT_HANDLER,
                                        unit_id=pk, title="经办人"))
        if code != primary:
            grants.append(RoleGrant(user_id=user_ids[f"{code}-clerk"], committee_id=cid, role=Role.PROPOSAL_STAFF,
                                    title="提案委员会办公室科员"))
    RoleGrant.objects.bulk_create(grants, batch_size=1000)
    everyone = User.objects.filter(Q(username__startswith="demo-") | Q(username__in=PERSONAS))
    for u in everyone.only("id", "username", "display_name").iterator(chunk_size=5000):
        USERS_BY_ID[u.pk] = u

    casts: dict[str, Cast] = {}
    for plan in plans:
        code = plan.code
        committee = committees[code]
        unit_list = [(pk, name) for pk, name, _ in units[code]]
        handlers = {pk: user_ids[handler_names[pk]] for pk, _ in unit_list if pk in handler_names}
        if code == primary and unit_grant is not None:
            handlers[unit_grant] = personas["unit"].pk
        leaders = [user_ids[n] for n, _ in weights[code] if n in leader_titles]
        if code == primary:
            leaders.insert(0, personas["leader"].pk)
        kind = plan.region.kind
        locale = Locale(level_char="县" if kind == "县" else kind if kind in ("区", "市", "省") else "区",
                        region=plan.region.name, towns=tuple(s.name for s in plan.subs))
        proposer_ids = [user_ids[n] for n, _ in weights[code]]
        casts[code] = Cast(
            committee=committee, plan=plan, locale=locale,
            clerk=personas["clerk"].pk if code == primary else user_ids[f"{code}-clerk"],
            leaders=leaders, proposers=proposer_ids, proposer_cum=list(accumulate(w for _, w in weights[code])),
            handlers=handlers, unit_names=dict(unit_list), heads={pk: heads[pk] for pk, _ in unit_list},
            lead_units=map_units(texts.units, unit_list),
            bodies=_bodies(plan, data.SECTORS_BY_LEVEL[str(plan.level)]),
            persona={name: u.pk for name, u in personas.items()} if code == primary else {},
        )
    return casts


# ---------------------------------------------------------------------------------------------
# Writing


@contextlib.contextmanager
def historic_timestamps(*model_classes: type[models.Model]) -> Iterator[None]:
    """Let bulk inserts keep the creation times we give (auto_now_add would stamp them all with now)."""
    switched = [f for m in model_classes for f in m._meta.concrete_fields if getattr(f, "auto_now_add", False)]
    for f in switched:
        f.auto_now_add = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for f in switched:
            f.auto_now_add = True  # type: ignore[attr-defined]


def _proposal_row(s: Spec, committee_id: int) -> Proposal:
    return Proposal(
        committee_id=committee_id, session=s.session, between_sessions=False, number=s.number,
        number_label=s.number_label, title=s.title, reason=s.reason, suggestion=s.suggestion, category=s.category,
        proposer_kind=s.kind, proposer_id=s.proposer, body_name=s.body_name, return_advice=s.return_advice,
        reject_ground=s.reject_ground, reject_reason=s.reject_reason, convert_note=s.convert_note,
        merged_into_id=s.merged_into.pk if s.merged_into is not None else None, handling_mode=s.handling_mode,
        due_date=s.due, rehandled=s.rehandled, is_key=s.is_key, supervising_leader_id=s.leader,
        is_public=s.is_public, public_note=s.public_note, is_excellent=s.is_excellent, created_at=s.created,
        submitted_at=s.submitted, registered_at=s.registered, assigned_at=s.assigned, replied_at=s.replied,
        closed_at=s.closed, state=s.state, version=s.version,
    )


def write_batch(specs: Sequence[Spec], committee: Committee) -> int:
    """Insert a batch of planned proposals with everything hanging off them, their events and index entries."""
    cid = committee.pk
    with transaction.atomic(), historic_timestamps(Proposal, Signer, Assignment, Reply, Evaluation, Supervision,
                                                   Deadline):
        rows = [_proposal_row(s, cid) for s in specs]
        Proposal.objects.bulk_create(rows, batch_size=BATCH)
        for s, p in zip(specs, rows):
            s.pk = p.pk
        Signer.objects.bulk_create([
            Signer(committee_id=cid, proposal_id=s.pk, user_id=u, status=st, invited_at=inv,
                   expires_at=inv + dt.timedelta(days=INVITATION_DAYS), responded_at=resp)
            for s in specs for u, st, inv, resp in s.signers], batch_size=BATCH)
        assignments = [(s, a) for s in specs for a in s.assignments]
        a_rows = [Assignment(committee_id=cid, proposal_id=s.pk, unit_id=a.unit_id, role=a.role, status=a.status,
                             due_date=a.due, reassign_reason=a.reassign_reason, created_at=a.created,
                             accepted_at=a.accepted, answered_at=a.answered) for s, a in assignments]
        Assignment.objects.bulk_create(a_rows, batch_size=BATCH)
        for (_, a), row in zip(assignments, a_rows):
            a.pk = row.pk
        Reply.objects.bulk_create([
            Reply(committee_id=cid, proposal_id=s.pk, assignment_id=r.assignment.pk, round=r.round,
                  is_opinion=r.is_opinion, text=r.text, grade=r.grade, contact=r.contact, contact_date=r.contact_date,
                  signed_by=r.signed_by, author_id=r.author, fulfilled_at=r.fulfilled, created_at=r.created)
            for s in specs for r in s.replies], batch_size=BATCH)
        Evaluation.objects.bulk_create([
            Evaluation(committee_id=cid, proposal_id=s.pk, round=rnd, user_id=u, handling=h, result=res, comment=c,
                       created_at=at)
            for s in specs for u, rnd, h, res, c, at in s.evaluations], batch_size=BATCH)
        Supervision.objects.bulk_create([
            Supervision(committee_id=cid, proposal_id=s.pk, kind=k, text=t, author_id=a, created_at=at)
            for s in specs for k, t, a, at in s.supervisions], batch_size=BATCH)
        Deadline.objects.bulk_create([
            Deadline(committee_id=cid, subject_type="proposal", subject_id=str(s.pk), kind=DEADLINE_KIND,
                     title=s.title, url=reverse("proposals:detail", args=[s.pk]), due_date=d.due,
                     original_due_date=d.original, status=d.status, met_at=d.met, extensions=d.extensions,
                     created_at=d.created)
            for s in specs for d in s.deadlines], batch_size=BATCH)
        by_pk = {p.pk: p for p in rows}
        events: list[Event] = []
        for s in specs:
            p = by_pk[s.pk]
            for verb, actor, at, payload in s.events:
                if verb == "proposal.register":
                    payload = {**payload, "number": s.number_label}
                elif verb == "proposal.merge" and s.merged_into is not None:
                    payload = {**payload, "lead_id": s.merged_into.pk, "lead": s.merged_into.pk}
                events.append(build_event(actor=USERS_BY_ID.get(actor) if actor else None, committee=committee,
                                          verb=verb, obj=p, payload=payload, at=at))
        audit_record_many(events)
        indexed = Proposal.objects.filter(pk__in=[s.pk for s in specs]).exclude(state__in=UNINDEXED) \
            .prefetch_related("assignments").order_by("id")
        entries = [entry_for(p) for p in indexed]
        if entries:
            documents_upsert_many(entries=entries)
    return len(events)


# ---------------------------------------------------------------------------------------------
# The whole run


@dataclass
class ProposalsResult:
    proposals: int = 0
    events: int = 0
    accounts: int = 0
    by_state: Tally[str] = field(default_factory=Tally)
    seconds: float = 0.0


def _sessions(committee: Committee, today: dt.date) -> tuple[Session | None, Session]:
    """(the session that ended, the current one): the latest opened by `today` and the one before it."""
    sessions = list(Session.objects.filter(committee=committee).order_by("start_date", "number"))
    opened = [s for s in sessions if s.start_date <= today] or sessions[:1]
    current = opened[-1]
    before = [s for s in sessions if s.start_date < current.start_date]
    return (before[-1] if before else None), current


def _notify_personas(cast: Cast, specs: Sequence[Spec]) -> None:
    """What the demo accounts' notification inboxes say about their scripted situations."""
    committee, users = cast.committee, {name: USERS_BY_ID[pk] for name, pk in cast.persona.items()}
    url = lambda s: reverse("proposals:detail", args=[s.pk])
    for s in specs:
        if s.tag == "member2_invites_member":
            notify(committee=committee, recipients=[users["member"]], verb="proposal.invite",
                   title=f"{users['member2'].display_name} 邀请您联名提案《{s.title}》",
                   body="请在 7 天内确认是否联名。", url=url(s))
        elif s.tag == "member_returned":
            notify(committee=committee, recipients=[users["member"]], verb="proposal.return",
                   title=f"您的提案《{s.title}》被退回修改", body=s.return_advice, url=url(s))
        elif s.tag in ("member_to_rate", "member_to_rate_joint"):
            notify(committee=committee, recipients=[users["member"]], verb="proposal.reply",
                   title=f"您的提案《{s.title}》已答复，请评价", body="请在 15 个工作日内对办理工作和结果进行评价。", url=url(s))
        elif s.tag in ("unit_to_sign", "unit_to_sign_assist"):
            notify(committee=committee, recipients=[users["unit"]], verb="proposal.assign",
                   title=f"新交办提案《{s.title}》", body=f"办理期限 {s.due:%Y-%m-%d}，请在 7 个工作日内签收。", url=url(s))
        elif s.tag == "unit_overdue":
            notify(committee=committee, recipients=[users["unit"]], verb="proposal.urge",
                   title=f"催办：提案《{s.title}》", body=SUPERVISION_TEXTS[Supervision.Kind.URGE], url=url(s))
        elif s.tag == "unit_rehandling":
            notify(committee=committee, recipients=[users["unit"]], verb="proposal.rehandle",
                   title=f"提案《{s.title}》须重新办理", body="提案人对答复不满意，请在一个月内重新办理并答复。", url=url(s))
        elif s.tag == "unit_reassign_requested":
            notify(committee=committee, recipients=[users["clerk"]], verb="proposal.reassign_request",
                   title=f"区教育局申请调整提案《{s.title}》的承办单位", body=s.assignments[0].reassign_reason, url=url(s))


def _seed_term_stats(texts: Corpus) -> None:
    """On an empty index, document frequencies from the corpus the texts are made of.

    Salient terms are chosen with the frequencies known when a document is indexed; counted from the
    corpus, they are close to the final ones from the first document on, so the similar-proposal and
    routing panels work at once without re-signing everything afterwards (as `index_refresh` would).
    The nightly `index_refresh` recounts them over the demo's own documents.
    """
    if TermStat.objects.exists():
        return
    df: Tally[str] = Tally()
    for title, body in texts.raw:
        df.update(features.term_counts(title, body).keys())
    rows = [(t, c) for t, c in sorted(df.items()) if c > 1 and len(t) <= 8] + [("", len(texts.raw))]
    # Plain executemany: ten thousand two-column rows are not worth the ORM's per-field work.
    table = connection.ops.quote_name(TermStat._meta.db_table)
    with connection.cursor() as cur:
        cur.executemany(f"INSERT INTO {table} (term, df) VALUES (%s, %s)", rows)
    features.DOC_FREQ.reset()


@dataclass
class _Job:
    """What seeding one committee needs (handed to worker processes by fork, not by pickling)."""

    plans: list[CommitteePlan]
    casts: dict[str, Cast]
    texts: Corpus
    now: dt.datetime
    today: dt.date
    seed: int
    scale: str
    primary: str
    started: float
    log: Callable[[str], None] | None


_JOB: _Job | None = None


def seed_workers() -> int:
    """Worker processes for seeding: one per core on PostgreSQL (ZHENGXIE_SEED_WORKERS overrides), one on SQLite."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:  # tests: one transaction, one process
        return 1
    return max(1, int(os.environ.get("ZHENGXIE_SEED_WORKERS") or os.cpu_count() or 1))


def _seed_committee_in_worker(index: int) -> ProposalsResult:
    assert _JOB is not None  # forked inside seed_proposals' override_settings(DEBUG=False), which it inherits
    try:
        return _seed_committee(_JOB, index)
    finally:
        connections.close_all()
        sys.stdout.flush()  # the pool ends workers without flushing their buffers


def _seed_committee(job: _Job, index: int) -> ProposalsResult:
    """Both sessions of one committee: planned in memory, written in batches."""
    plan = job.plans[index]
    part = ProposalsResult()
    cast = job.casts[plan.code]
    per_session = PER_SESSION[job.scale][str(plan.level)]
    ended, current = _sessions(cast.committee, job.today)
    stories = []
    for session, is_current in ((ended, False), (current, True)):
        if session is None:
            continue
        rng = random.Random(f"{job.seed}:proposals:{plan.code}:{session.number}")
        stories.append(SessionStory(cast, session, current=is_current, now=job.now, rng=rng, texts=job.texts))
    scripted: dict[bool, list[Spec]] = {False: [], True: []}
    if plan.code == job.primary and len(stories) == 2 and EDUCATION in cast.lead_units:
        scripted[False], scripted[True] = persona_specs(stories[0], stories[1], cast.lead_units[EDUCATION])
    written: list[Spec] = []
    for story in stories:
        count = round(per_session * story.rng.uniform(0.95, 1.05))
        specs = story.build(count, scripted[story.current])
        last = number_session(specs, story.session)
        # Leads first, in batches of their own: a merged proposal needs its lead's id.
        leads = [s for s in specs if s.merged_into is None]
        for group in (leads, [s for s in specs if s.merged_into is not None]):
            for i in range(0, len(group), BATCH):
                part.events += write_batch(group[i:i + BATCH], cast.committee)
        Counter.objects.update_or_create(committee=cast.committee, session=story.session, between_sessions=False,
                                         defaults={"last": last})
        part.proposals += len(specs)
        part.by_state.update(s.state for s in specs)
        written += [s for s in specs if s.tag]
    if plan.code == job.primary:
        _notify_personas(cast, written)
    if job.log:
        job.log(f"{cast.committee.short_name}：提案 {part.proposals} 件，用时 {time.perf_counter() - job.started:.0f} 秒")
    return part


def seed_proposals(*, scale: str, seed: int = DEFAULT_SEED, now: dt.datetime | None = None,
                   log: Callable[[str], None] | None = None) -> ProposalsResult:
    """Add the demo proposals to a deployment `build_demo(scale, seed)` has just created.

    Term statistics from the corpus and the accounts and roles first (one transaction), then each
    committee's two sessions in batches of 500 proposals per transaction.
    """
    # Demo mode runs with DEBUG on, which keeps (and first formats) the SQL of every query: with
    # bulk inserts of whole texts that is a sixth of the time and, at province scale, gigabytes.
    with override_settings(DEBUG=False):
        return _seed_proposals(scale=scale, seed=seed, now=now, log=log)


def _seed_proposals(*, scale: str, seed: int, now: dt.datetime | None,
                    log: Callable[[str], None] | None) -> ProposalsResult:
    started = time.perf_counter()
    now = now or timezone.now()
    today = timezone.localdate(now)
    texts = corpus()
    plans = plan_committees(scale, seed)
    primary = primary_code(plans)
    committees = {c.code: c for c in Committee.objects.filter(code__in=[p.code for p in plans])}
    result = ProposalsResult()
    USERS_BY_ID.clear()
    with transaction.atomic():
        casts = create_accounts(plans, committees, seed, texts)
        _seed_term_stats(texts)
    result.accounts = len(USERS_BY_ID)
    job = _Job(plans=plans, casts=casts, texts=texts, now=now, today=today, seed=seed, scale=scale, primary=primary,
               started=started, log=log)
    workers = seed_workers()
    if workers > 1 and len(plans) > 1:
        # PostgreSQL takes several writers at once: committees are independent, so each worker
        # process seeds its share (forked after the accounts exist, with its own connection).
        global _JOB
        _JOB = job
        connections.close_all()
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            parts = list(pool.imap_unordered(_seed_committee_in_worker, range(len(plans))))
        _JOB = None
    else:
        parts = [_seed_committee(job, i) for i in range(len(plans))]
    for part in parts:
        result.proposals += part.proposals
        result.events += part.events
        result.by_state.update(part.by_state)
    audit_record_many(
        build_event(actor=None, committee=committees[p.code], verb="demo.proposals_seeded", obj=committees[p.code],
                    payload={"scale": scale, "seed": seed}) for p in plans)
    result.seconds = time.perf_counter() - started
    return result
