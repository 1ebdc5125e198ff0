"""A deterministic, streaming corpus of realistic proposals for bench/textindex.py.

Every text is assembled from the sentences of the labelled eval set (bench/data/eval_proposals.jsonl,
300 real-looking proposals of 31 units), recombined across the items of one unit:

- title: 关于 + a verb of the set's titles (加强, 加快推进, 完善 …) + the object of one of the unit's
  titles (校外培训机构规范管理), sometimes with a place word, + 的提案 / 的建议;
- body (300–900 characters): the problem sentences of the unit's items (案由 / 现状), then 建议：
  and their numbered suggestions, renumbered; numbers redrawn with the same number of digits, years
  kept plausible, 我区/全县/本市 written for the committee's own level, now and then a town or
  street of the committee (以东关街道为例，…).

So common words stay very common (建设, 群众, 推进 are in most documents) and topic words stay rare
(加装电梯 only in a housing unit's items). Nothing is held in memory beyond the sentence pools: the
documents are produced one at a time from a seeded random generator, so the N-th document is the same
on every run and on both databases.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL_SET = ROOT / "bench" / "data" / "eval_proposals.jsonl"
DEPARTMENTS = ROOT / "zhengxie" / "org" / "data" / "departments.json"

UNITS_PER_COMMITTEE = 35
FIRST_DAY = dt.date(2021, 1, 1)
LAST_DAY = dt.date(2026, 12, 31)

# Title verbs, longest first (加快推进 before 加快 before 加).
VERBS = sorted(
    """加强 加快 推进 完善 提升 推动 规范 提高 解决 整治 优化 发挥 扩大 促进 加大 健全 支持 破解 创新 盘活 打造 落实
    根治 改善 做好 推行 强化 深化 探索 建立 实施 保障 加快推进 进一步加强 进一步完善 进一步规范 切实加强 大力推进
    全面推进 着力解决 多措并举""".split(),
    key=len,
    reverse=True,
)
EXTRA_VERBS = "加强 加快推进 完善 提升 推动 规范 进一步加强 切实解决 优化 强化".split()
SENTENCE_END = re.compile(r"(?<=[。！？；])|\n")
LIST_MARK = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|（[一二三四五六七八九十\d]+）|\(?\d+[\.、．)）]|[①-⑩])\s*")
SUGGEST_HEAD = re.compile(r"^(?:为此|对此|为此，|特|现)?(?:提出如下|提出以下)?建议(?:如下)?[：:]\s*")
NUMBER = re.compile(r"\d+(?:%|％)?")
LOCAL = re.compile(r"(我|全|本)(区|县|市)")
CN_NUMS = "一二三四五六七八九十"

REGION_FIRST = "云青东西南北金银玉龙凤松桂兰清白红紫翠碧石长平安永宁新武文明华星阳春秋湖山河江海峰溪泉林"
REGION_SECOND = "湖山河江峰溪泉林岭川源城阳宁安丰平台桥塘坪州浦港湾屏洲"
TOWN_STEMS = "东关 西关 南门 北门 城关 桥头 河口 新华 人民 解放 和平 朝阳 青石 柳林 杏花 桃园 梨树 白沙 黄土 马鞍 凤凰 龙泉 双河 三合 四方 五里 六合 七星 八里 九龙".split()
TOWN_KINDS = ["街道", "街道", "镇", "镇", "乡", "社区"]
PLACE_LEADS = ["以{town}为例，", "据{town}统计，", "在{town}调研时发现，", "{town}群众反映，", "从{town}的情况看，"]
TITLE_SUFFIXES = ["的提案"] * 3 + ["的建议"] * 2

STATES = [("submitted", "已提交", 8), ("review", "审查中", 7), ("accepted", "已立案", 15), ("assigned", "已交办", 20),
          ("replied", "已答复", 25), ("closed", "已办结", 25)]
CATEGORIES = ["经济建设", "社会建设", "文化建设", "生态文明建设", "城乡建设", "政治建设"]
AUDIENCES = [("members", 80), ("public", 15), ("staff", 5)]


def _split_sentences(body: str) -> tuple[list[str], list[str]]:
    """(problem sentences, suggestion sentences) of one body; list marks stripped off suggestions."""
    problems, suggestions, in_suggestions = [], [], False
    for raw in SENTENCE_END.split(body):
        s = raw.strip()
        if not s:
            continue
        head = SUGGEST_HEAD.match(s)
        if head:
            in_suggestions = True
            s = s[head.end():].strip()
            if not s:
                continue
        if in_suggestions or LIST_MARK.match(s):
            s = LIST_MARK.sub("", s).strip()
            # A suggestion line without an ending gets one; inner list marks (建议：1.… 2.…) split it.
            for part in re.split(r"(?<=[。；！？])?\s*(?=\d+[\.、．](?!\d))", s):
                part = LIST_MARK.sub("", part).strip()
                if len(part) >= 6:
                    suggestions.append(part if part[-1] in "。；！？" else part + "。")
        elif len(s) >= 6:
            problems.append(s if s[-1] in "。；！？：" else s + "。")
    return problems, suggestions


def _title_parts(title: str) -> tuple[str, str]:
    """(verb, object) of 关于加强校外培训机构规范管理的提案 → (加强, 校外培训机构规范管理)."""
    core = re.sub(r"^关于", "", title)
    core = re.sub(r"的(?:提案|建议)$", "", core)
    for verb in VERBS:
        if core.startswith(verb) and len(core) > len(verb) + 2:
            return verb, core[len(verb):]
    return "", core


def title_cores(path: Path = EVAL_SET) -> list[str]:
    """The eval set's titles without 关于 … 的提案: where search queries are cut from."""
    return [re.sub(r"的(?:提案|建议)$", "", re.sub(r"^关于", "", it["title"])) for it in load_items(path)]


def load_items(path: Path = EVAL_SET) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@dataclass
class UnitPool:
    name: str
    problems: list[list[str]] = field(default_factory=list)  # per source item
    suggestions: list[list[str]] = field(default_factory=list)
    objects: list[str] = field(default_factory=list)
    verbs: list[str] = field(default_factory=list)
    category: str = ""


def unit_pools(path: Path = EVAL_SET) -> dict[str, UnitPool]:
    pools: dict[str, UnitPool] = {}
    for n, it in enumerate(load_items(path)):
        name = it.get("unit")
        if not name:
            continue
        pool = pools.setdefault(name, UnitPool(name=name, category=CATEGORIES[len(pools) % len(CATEGORIES)]))
        problems, suggestions = _split_sentences(it["body"])
        if not suggestions:  # a body without a 建议 part: its last third reads as suggestions
            cut = max(1, len(problems) * 2 // 3)
            problems, suggestions = problems[:cut], problems[cut:] or problems[-1:]
        pool.problems.append(problems)
        pool.suggestions.append(suggestions)
        verb, obj = _title_parts(it["title"])
        pool.objects.append(obj)
        pool.verbs.append(verb)
    return pools


def unit_names(path: Path = EVAL_SET) -> list[str]:
    """The ~35 unit names of a committee: the eval set's units, then catalogue departments it lacks."""
    names = sorted(unit_pools(path))
    catalogue = [d["name"] for d in json.loads(DEPARTMENTS.read_text(encoding="utf-8"))]
    for extra in catalogue:
        if len(names) >= UNITS_PER_COMMITTEE:
            break
        if extra not in names:
            names.append(extra)
    return names


@dataclass
class CommitteePlan:
    """What the generator needs to know of one committee (ids filled in once the rows exist)."""

    index: int
    name: str
    short_name: str
    region: str  # 云湖区
    level_char: str  # 区 / 县
    towns: list[str]
    unit_prefix: str  # 区 / 县: 区教育局
    pk: int = 0
    unit_ids: dict[str, int] = field(default_factory=dict)  # unit name without prefix → Unit.pk
    session_ids: list[int] = field(default_factory=list)  # two sessions, older first


def committee_plans(count: int, seed: int) -> list[CommitteePlan]:
    rng = random.Random(f"{seed}-committees")
    plans, used = [], set()
    for i in range(count):
        level_char = "区" if i % 3 else "县"
        while True:
            stem = rng.choice(REGION_FIRST) + rng.choice(REGION_SECOND)
            if stem not in used and stem[0] != stem[1]:
                used.add(stem)
                break
        region = stem + level_char
        towns = [rng.choice(TOWN_STEMS) + rng.choice(TOWN_KINDS) for _ in range(8)]
        plans.append(
            CommitteePlan(
                index=i, name=f"中国人民政治协商会议{region}委员会", short_name=f"{region}政协", region=region,
                level_char=level_char, towns=sorted(set(towns)), unit_prefix=level_char,
            )
        )
    return plans


@dataclass(frozen=True)
class Doc:
    n: int  # 1-based position in the corpus (the object id)
    committee: CommitteePlan
    unit_name: str
    co_unit_name: str | None
    title: str
    body: str
    date: dt.date
    state: str
    state_label: str
    category: str
    audience: str
    session_index: int  # 0 or 1


class Corpus:
    """`Corpus(plans, seed).documents(n)` yields n documents, the same ones every time."""

    def __init__(self, plans: list[CommitteePlan], seed: int, path: Path = EVAL_SET):
        self.plans = plans
        self.seed = seed
        self.pools = unit_pools(path)
        self.names = list(self.pools)
        self.all_units = unit_names(path)
        self.verbs = sorted({v for p in self.pools.values() for v in p.verbs if v} | set(EXTRA_VERBS))

    # --- pieces ---------------------------------------------------------------------------------

    @staticmethod
    def _number(rng: random.Random, m: re.Match[str]) -> str:
        digits = m.group(0)
        if digits[-1] in "%％":
            return f"{rng.randint(1, 99)}{digits[-1]}"
        if len(digits) == 4 and digits[:2] in ("19", "20"):
            return str(rng.randint(2012, 2025))
        if len(digits) == 1:
            return str(rng.randint(1, 9))
        return str(rng.randint(10 ** (len(digits) - 1), 10 ** len(digits) - 1))

    def _vary(self, rng: random.Random, sentence: str, plan: CommitteePlan) -> str:
        sentence = NUMBER.sub(lambda m: self._number(rng, m), sentence)
        return LOCAL.sub(lambda m: m.group(1) + plan.level_char, sentence)

    def _title(self, rng: random.Random, pool: UnitPool, item: int, plan: CommitteePlan) -> str:
        obj = pool.objects[item] if rng.random() < 0.7 else rng.choice(pool.objects)
        verb = pool.verbs[item] if pool.verbs[item] and rng.random() < 0.6 else rng.choice(self.verbs)
        r = rng.random()
        if r < 0.12:
            obj = rng.choice(plan.towns) + obj
        elif r < 0.22:
            obj = plan.region + obj
        elif r < 0.28:
            obj = rng.choice(["农村", "城区", "乡镇", "老城区", "新城区", "社区"]) + obj
        title = f"关于{verb}{obj}{rng.choice(TITLE_SUFFIXES)}"
        return NUMBER.sub(lambda m: self._number(rng, m), title)

    def _body(self, rng: random.Random, pool: UnitPool, item: int, plan: CommitteePlan) -> str:
        target = rng.randint(300, 900)
        # The item's own sentences first, then other items of the same unit, in random order.
        others = [i for i in range(len(pool.problems)) if i != item]
        rng.shuffle(others)
        order = [item, *others]
        problems = [s for i in order for s in pool.problems[i]]
        suggestions = [s for i in order for s in pool.suggestions[i]]
        head = ["案由：", "", "", "现状与问题：", ""][rng.randrange(5)]
        out: list[str] = []
        length = len(head)
        problem_budget = target * rng.uniform(0.5, 0.7)
        # Keep the opening sentences in order (they read as one passage), skip about one in four later.
        for k, s in enumerate(problems):
            if length >= problem_budget:
                break
            if k >= 3 and rng.random() < 0.25:
                continue
            if length + len(s) > target - 60:
                continue
            if k and rng.random() < 0.06:
                s = rng.choice(PLACE_LEADS).format(town=rng.choice(plan.towns)) + s
            s = self._vary(rng, s, plan)
            out.append(s)
            length += len(s)
        lead = rng.choice(["建议：", "为此建议：", "为此，提出如下建议：", "建议如下："])
        tail: list[str] = []
        length += len(lead)
        k = 0
        for s in suggestions:
            if length >= target:
                break
            if tail and rng.random() < 0.3:
                continue
            s = self._vary(rng, s, plan)
            mark = f"{CN_NUMS[k]}、" if k < len(CN_NUMS) and len(tail) % 2 == 0 else f"{k + 1}."
            if length + len(s) + len(mark) > 900:
                continue
            tail.append(mark + s)
            length += len(mark) + len(s)
            k += 1
        body = head + "".join(out) + "\n" + lead + "\n" + "\n".join(tail)
        while len(body) < 300:  # a unit with short texts: one more suggestion from anywhere in the unit
            s = self._vary(rng, rng.choice(suggestions), plan)
            body += f"\n{k + 1}.{s}"
            k += 1
        return body[:900]

    # --- the stream ------------------------------------------------------------------------------

    def documents(self, n: int) -> Iterator[Doc]:
        rng = random.Random(f"{self.seed}-documents")
        span = (LAST_DAY - FIRST_DAY).days
        states = [s for s, _, _ in STATES]
        state_w = [w for _, _, w in STATES]
        labels = {s: label for s, label, _ in STATES}
        audiences = [a for a, _ in AUDIENCES]
        audience_w = [w for _, w in AUDIENCES]
        for i in range(n):
            plan = self.plans[rng.randrange(len(self.plans))]  # interleaved: ids are not in committee blocks
            unit_name = self.names[rng.randrange(len(self.names))]
            pool = self.pools[unit_name]
            item = rng.randrange(len(pool.objects))
            # Newer documents get higher ids (as when proposals are indexed as they come in), ± a month.
            day = int(span * (i + 0.5) / n) + rng.randint(-30, 30)
            date = FIRST_DAY + dt.timedelta(days=min(span, max(0, day)))
            state = rng.choices(states, state_w)[0]
            co = rng.choice(self.all_units) if rng.random() < 0.2 else None
            yield Doc(
                n=i + 1,
                committee=plan,
                unit_name=unit_name,
                co_unit_name=co if co != unit_name else None,
                title=self._title(rng, pool, item, plan),
                body=self._body(rng, pool, item, plan),
                date=date,
                state=state,
                state_label=labels[state],
                category=pool.category if rng.random() < 0.8 else rng.choice(CATEGORIES),
                audience=rng.choices(audiences, audience_w)[0],
                session_index=0 if date < dt.date(2024, 1, 1) else 1,
            )


def query_pool(length: int, count: int, seed: int, path: Path = EVAL_SET) -> list[str]:
    """`count` search strings of `length` CJK characters cut from the eval set's real titles."""
    rng = random.Random(f"{seed}-queries-{length}")
    runs = [r for core in title_cores(path) for r in re.findall(r"[\u4e00-\u9fff]+", core) if len(r) >= length]
    out = []
    for _ in range(count):
        run = rng.choice(runs)
        start = rng.randint(0, len(run) - length)
        out.append(run[start : start + length])
    return out


if __name__ == "__main__":  # a look at a few documents: python bench/textindex_corpus.py [n]
    import sys

    plans = committee_plans(3, 2026)
    corpus = Corpus(plans, 2026)
    for doc in corpus.documents(int(sys.argv[1]) if len(sys.argv) > 1 else 3):
        print(f"#{doc.n} {doc.committee.short_name} {doc.committee.unit_prefix}{doc.unit_name} {doc.date} "
              f"{doc.state} {doc.category} {doc.audience} ({len(doc.body)} chars)")
        print(doc.title)
        print(doc.body)
        print()
