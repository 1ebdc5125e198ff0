"""Hot topics (热点分析): the phrases and categories that grew most this year against last, per committee.

A proposal's title carries its topic (关于加快老旧小区加装电梯的提案), so terms come from titles only:

1. Each title is cut into content segments: the boilerplate of official writing (关于, 的提案, 加强,
   进一步, 我区 …), the particle 的, punctuation, Latin letters and digits are cut out, so no term can
   contain them: 关于加快推进老旧小区加装电梯工作的提案 → 老旧小区加装电梯.
2. Every n-gram of 2–8 characters of a segment is counted once per document, per year.
3. Only *maximal* phrases are kept: an n-gram is dropped when a longer one containing it occurs in at
   least 80 % of its documents (so 电动自行车 survives and 动自行 does not), or when two longer ones
   share 80 % of them (车充电 is where 电动自行车充电 and 汽车充电 overlap, not a phrase).
   The brief said 2–6 characters. Repeated phrases of 7–8 characters are common in titles (老旧小区加装
   电梯, 电动自行车充电), and under a cap of 6 every n-gram inside them is "maximal", so fragments
   such as 旧小区加装电 would be shown; longer runs still are chained from their 8-grams (`_maximal`).
4. Terms that start or end with a function character (和, 在 …) or a framing word (全市 …), contain
   和/与/及/或, or are made of boilerplate bigrams only (features.STOP_BIGRAMS: 服务, 体系建设 …) are
   not shown. They still count as longer phrases in step 3: a fragment that only ever occurs inside a
   rejected phrase would otherwise be shown in its place.
5. Growth = this year's count − last year's count × (documents this year / documents last year), so a
   committee that simply wrote more this year does not make every term "hot". Terms need ≥ 3
   documents this year (≥ 2 in small committees) and positive growth; ties go to the larger count.
   A term that repeats a better-ranked one (contains it, or is contained) is left out.

`hot_topics` is committee-wide and cached for 10 minutes; 10,000 titles a year take about 0.6 s of
CPU cold (10,000 this year and 10,000 last, SQLite). Pages and the API read it through
`hot_topics_for`, which keeps as examples only documents the viewer may open: the counts are
statistics, which VIEW_STATISTICS grants; a title is not.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.cache import cache
from django.db.models import Count, Q

from zhengxie.accounts.permissions import Access
from zhengxie.org.models import Committee
from zhengxie.textindex import features, tokens
from zhengxie.textindex.models import Document
from zhengxie.textindex.selectors import can_see

MIN_TERM, MAX_TERM = 2, 8
MAXIMAL_SHARE = 0.8  # a longer phrase in ≥ 80 % of a term's documents replaces the term
MIN_COUNT, MIN_COUNT_SMALL = 3, 2
SMALL_COMMITTEE = 100  # fewer documents than this in the year: a term needs only 2
MIN_DOCS = 5  # fewer documents than this in the year: nothing to analyse
MAX_TERMS = 50  # terms computed and cached; callers ask for up to this many
EXAMPLES, EXAMPLE_POOL = 3, 8
CACHE_SECONDS = 600
CACHE_VERSION = 1  # bump when TopicReport changes shape, so old pickles are not read back
MIN_YEAR, MAX_YEAR = 1950, 2200
UNCATEGORISED = "未分类"

# Cut out of titles before counting: the formulae every proposal uses whatever it is about. Only words
# that do not occur inside topic words belong here (全区 does not: 安全区域; 服务 does not: 养老服务).
BOILERPLATE = (
    # the document and its framing
    "关于 的提案 的建议 的意见 提案 建议 若干 问题 对策 思考 几点 作用 工作 力度 方面 相关 有关 情况 期间 "
    "我区 我市 我县 我省 我州 我镇 本区 本县 "
    # the verbs a proposal asks with
    "进一步 加快 加强 加大 推进 推动 完善 健全 提升 提高 促进 强化 优化 深化 做好 抓好 抓实 用好 切实 有效 全面 "
    "持续 大力 积极 着力 不断 深入 落实 解决 实施 开展 探索 构建 打造 建立 重视 关注 研究 规范 支持 鼓励 引导 "
    "扶持 发挥 拓宽 扩大 降低 减轻 缓解 改善 激发 助力 统筹 整合 调整 增设 设立 破解 化解 盘活 巩固 培育 畅通 "
    "推广 推行 实行 维护 聚焦 围绕 立足 依托 "
    "的"
).split()
# A term may not start or end with these: function characters and words that only frame a topic.
BAD_EDGE_CHARS = frozenset("了和与及或并把被在于之其等是将让使而就都也还又再所该此着过个各每些对向从给为以")
BAD_INNER_CHARS = frozenset("和与及或")  # 闲置宅基地和闲置农房 is two topics, not one
BAD_START_WORDS = ("全区", "全市", "全县", "全省", "全州", "全镇", "本市", "各级", "各类", "一些", "部分", "当前", "目前")
BAD_END_WORDS = ("措施", "举措", "路径", "思路", "办法", "之策", "难题")

_CUT = re.compile("|".join(sorted(map(re.escape, BOILERPLATE), key=len, reverse=True)))
_SEGMENT = re.compile(rf"[{tokens._CJK}]{{{MIN_TERM},}}")


class Example(NamedTuple):
    title: str
    url: str


@dataclass(frozen=True)
class TermTrend:
    term: str
    this: int  # documents of this year whose title contains the term
    last: int
    change: int | None  # per cent against last year; None when the term is new
    growth: float  # this − last × (documents this year / documents last year): what the ranking uses
    examples: list[Example]
    # The newest documents of this year containing the term: the examples a viewer sees are the first
    # EXAMPLES of these they may open (hot_topics_for).
    candidates: tuple[tuple[int, Example], ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class CategoryTrend:
    name: str
    this: int
    last: int
    change: int | None


@dataclass(frozen=True)
class TopicReport:
    year: int
    last_year: int
    docs_this: int
    docs_last: int
    terms: list[TermTrend]
    categories: list[CategoryTrend]

    @property
    def too_little_data(self) -> bool:
        return self.docs_this < MIN_DOCS or not self.terms


def percent_change(this: int, last: int) -> int | None:
    return round((this - last) * 100 / last) if last else None


def title_segments(title: str) -> list[str]:
    """The content runs of a title: CJK text with boilerplate, 的, punctuation, Latin and digits cut out."""
    return _SEGMENT.findall(_CUT.sub("|", unicodedata.normalize("NFKC", title)))


def _ngrams(segments: list[str]) -> set[str]:
    return {
        seg[i : i + n]
        for seg in segments
        for n in range(MIN_TERM, min(MAX_TERM, len(seg)) + 1)
        for i in range(len(seg) - n + 1)
    }


def _showable(term: str) -> bool:
    if term[0] in BAD_EDGE_CHARS or term[-1] in BAD_EDGE_CHARS or not BAD_INNER_CHARS.isdisjoint(term):
        return False
    if term.startswith(BAD_START_WORDS) or term.endswith(BAD_END_WORDS):
        return False
    # 体系建设, 管理服务: made of boilerplate bigrams only.
    return not (len(term) % 2 == 0 and all(term[i : i + 2] in features.STOP_BIGRAMS for i in range(0, len(term), 2)))


def _maximal(counts: Counter[str], min_count: int) -> tuple[list[str], list[str]]:
    """Terms with at least `min_count` documents that are not, nearly always, part of longer n-grams;
    and the longer runs (over MAX_TERM characters) that some n-grams turned out to be part of.

    A term is shadowed when, among the n-grams one character longer on the same side:
    - one has ≥ 80 % of its documents (电动自行 in 电动自行车): checking one character longer is
      enough, as any longer phrase containing the term contains one of these, with at least its count;
    - or two repeated ones have ≥ 80 % between them: the term is where two phrases overlap rather than
      a phrase (车充电 of 电动自行车充电 and 汽车充电, 中小 of 中小学 and 中小企业).
    An n-gram of MAX_TERM characters has no longer n-grams counted; when the next one along (shifted by
    one character) has ≥ 80 % of its documents, both are pieces of a longer run, which is chained up and
    returned instead: 电动自行车充电安全管理 rather than 动自行车充电安全.
    """
    # An n-gram rarer than 80 % of min_count can neither be a term nor shadow one.
    frequent = {g: n for g, n in counts.items() if n >= MAXIMAL_SHARE * min_count}
    left: dict[str, list[str]] = {}  # n-gram → the frequent n-grams one character longer on its left
    right: dict[str, list[str]] = {}
    for gram in frequent:
        if len(gram) > MIN_TERM:
            left.setdefault(gram[1:], []).append(gram)
            right.setdefault(gram[:-1], []).append(gram)

    def shadowed(n: int, longer: list[str] | None) -> bool:
        if not longer:
            return False
        top = sorted((frequent[g] for g in longer), reverse=True)[:2]
        return top[0] >= MAXIMAL_SHARE * n or (len(top) == 2 and top[1] >= 2 and sum(top) >= MAXIMAL_SHARE * n)

    def along(gram: str, step: int) -> str | None:
        """The MAX_TERM-gram shifted one character right (step 1) or left (-1) that nearly always follows."""
        shifted = right.get(gram[1:]) if step > 0 else left.get(gram[:-1])
        best = max(shifted or [], key=frequent.__getitem__, default=None)
        return best if best is not None and frequent[best] >= MAXIMAL_SHARE * frequent[gram] else None

    terms, runs = [], []
    for gram, n in frequent.items():
        if n < min_count or shadowed(n, left.get(gram)) or shadowed(n, right.get(gram)):
            continue
        if len(gram) == MAX_TERM and (along(gram, -1) or along(gram, 1)):
            if along(gram, -1) is None:  # the first piece of a run: chain the rest
                run, seen, piece = gram, {gram}, along(gram, 1)
                while piece is not None and piece not in seen:
                    run += piece[-1]
                    seen.add(piece)
                    piece = along(piece, 1)
                if _showable(run):
                    runs.append(run)
            continue
        if _showable(gram):
            terms.append(gram)
    return terms, runs


def _overlaps(term: str, chosen: Iterable[str]) -> bool:
    """Whether `term` repeats a term already chosen: contains it, is contained, or is it shifted by one."""
    for other in chosen:
        if term in other or other in term:
            return True
        short, long_ = sorted((term, other), key=len)
        if len(short) >= 4 and (short[1:] in long_ or short[:-1] in long_):
            return True
    return False


def _count_runs(runs: list[str], texts: list[str]) -> Counter[str]:
    """In how many texts each run (longer than MAX_TERM) occurs: only texts with its first n-gram are searched."""
    counts: Counter[str] = Counter()
    by_head: dict[str, list[str]] = {}
    for run in runs:
        by_head.setdefault(run[:MAX_TERM], []).append(run)
    if not by_head:
        return counts
    for text in texts:
        found = {
            run
            for seg in text.split("|")
            for i in range(len(seg) - MAX_TERM + 1)
            for run in by_head.get(seg[i : i + MAX_TERM], ())
            if run in seg
        }
        counts.update(found)
    return counts


def rank_terms(this_texts: list[str], last_texts: list[str]) -> list[tuple[str, int, int, float]]:
    """(term, documents this year, documents last year, growth) of the terms that grew most, best first.

    A text is a title's segments joined with "|" (`title_segments`). At most MAX_TERMS terms, none
    repeating a better one (电动自行车 and 电动自行车充电 are one topic: the better ranked stays).
    """
    if len(this_texts) < MIN_DOCS:
        return []
    min_count = MIN_COUNT_SMALL if len(this_texts) < SMALL_COMMITTEE else MIN_COUNT
    counts: Counter[str] = Counter()
    for text in this_texts:
        counts.update(_ngrams(text.split("|")))
    terms, runs = _maximal(counts, min_count)
    counts.update(_count_runs(runs, this_texts))
    wanted = set(terms)
    last: Counter[str] = Counter()
    for text in last_texts:
        last.update(wanted.intersection(_ngrams(text.split("|"))))
    last.update(_count_runs(runs, last_texts))
    ratio = len(this_texts) / len(last_texts) if last_texts else 0.0
    ranked = sorted(
        ((t, counts[t], last[t], counts[t] - last[t] * ratio) for t in [*terms, *runs] if counts[t] >= min_count),
        key=lambda r: (-r[3], -r[1], len(r[0]), r[0]),  # on a tie, the more general (shorter) term
    )
    chosen: list[tuple[str, int, int, float]] = []
    for row in ranked:
        if row[3] <= 0 or len(chosen) == MAX_TERMS:
            break
        if not _overlaps(row[0], (c[0] for c in chosen)):
            chosen.append(row)
    return chosen


def _year_range(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _scope(committee: Committee, kinds: list[str] | None) -> Q:
    q = Q(committee=committee)
    if kinds:
        q &= Q(kind__in=kinds)
    return q


def _cache_key(committee: Committee, year: int, kinds: list[str] | None) -> str:
    return f"textindex:topics:v{CACHE_VERSION}:{committee.pk}:{year}:{','.join(sorted(set(kinds or [])))}"


def hot_topics(committee: Committee, year: int, *, limit: int = 15, kinds: list[str] | None = None) -> TopicReport:
    """The `limit` title phrases of `committee` that grew most in `year` against the year before, and
    document counts per category in both years. Cached for 10 minutes per (committee, year, kinds).

    Examples are not filtered by who is asking: show the report through `hot_topics_for`.
    """
    limit = max(0, min(int(limit), MAX_TERMS))
    if not MIN_YEAR <= year <= MAX_YEAR:
        return TopicReport(year=year, last_year=year - 1, docs_this=0, docs_last=0, terms=[], categories=[])
    key = _cache_key(committee, year, kinds)
    report: TopicReport | None = cache.get(key)
    if report is None:
        report = _compute(committee, year, kinds)
        cache.set(key, report, CACHE_SECONDS)
    return dataclasses.replace(report, terms=report.terms[:limit])


def _compute(committee: Committee, year: int, kinds: list[str] | None) -> TopicReport:
    scope = _scope(committee, kinds)
    this_from, this_to = _year_range(year)
    last_from, last_to = _year_range(year - 1)
    # Newest first, so the first documents that contain a term are its examples.
    this_rows = Document.objects.filter(scope, date__range=(this_from, this_to)).order_by("-date", "-id")
    this_docs = [(doc_id, "|".join(title_segments(title))) for doc_id, title in this_rows.values_list("id", "title")]
    last_texts = [
        "|".join(title_segments(title))
        for title in Document.objects.filter(scope, date__range=(last_from, last_to)).values_list("title", flat=True)
    ]
    ranked = rank_terms([text for _, text in this_docs], last_texts)
    examples = _examples([r[0] for r in ranked], this_docs)
    terms = [
        TermTrend(
            term=term,
            this=this,
            last=last,
            change=percent_change(this, last),
            growth=round(growth, 2),
            examples=[ex for _, ex in examples[term][:EXAMPLES]],
            candidates=tuple(examples[term]),
        )
        for term, this, last, growth in ranked
    ]
    return TopicReport(
        year=year,
        last_year=year - 1,
        docs_this=len(this_docs),
        docs_last=len(last_texts),
        terms=terms,
        categories=_categories(scope, last_from, this_from, this_to),
    )


def _examples(terms: list[str], docs: list[tuple[int, str]]) -> dict[str, list[tuple[int, Example]]]:
    """Up to EXAMPLE_POOL newest documents per term (`docs` is newest first), titles and links in one query."""
    picked: dict[str, list[int]] = {t: [] for t in terms}
    open_terms = list(terms)
    for doc_id, text in docs:
        if not open_terms:
            break
        for t in open_terms:
            if t in text:
                picked[t].append(doc_id)
        open_terms = [t for t in open_terms if len(picked[t]) < EXAMPLE_POOL]
    rows = Document.objects.only("id", "title", "url").in_bulk({i for ids in picked.values() for i in ids})
    return {t: [(i, Example(rows[i].title, rows[i].url)) for i in ids if i in rows] for t, ids in picked.items()}


def _categories(scope: Q, last_from: dt.date, this_from: dt.date, this_to: dt.date) -> list[CategoryTrend]:
    rows = (
        Document.objects.filter(scope, date__range=(last_from, this_to))
        .values("category")
        .annotate(this=Count("id", filter=Q(date__gte=this_from)), last=Count("id", filter=Q(date__lt=this_from)))
    )
    merged: Counter[tuple[str, str]] = Counter()
    for row in rows:
        name = row["category"] or UNCATEGORISED
        merged[(name, "this")] += row["this"]
        merged[(name, "last")] += row["last"]
    names = sorted({n for n, _ in merged}, key=lambda n: (-merged[(n, "this")], -merged[(n, "last")], n))
    return [
        CategoryTrend(
            name=n,
            this=merged[(n, "this")],
            last=merged[(n, "last")],
            change=percent_change(merged[(n, "this")], merged[(n, "last")]),
        )
        for n in names
    ]


def topic_years(committee: Committee) -> list[int]:
    """Years in which `committee` has indexed documents, newest first (cached like the reports)."""
    key = f"textindex:topic-years:v{CACHE_VERSION}:{committee.pk}"
    years: list[int] | None = cache.get(key)
    if years is None:
        years = [d.year for d in Document.objects.filter(committee=committee).dates("date", "year", order="DESC")]
        cache.set(key, years, CACHE_SECONDS)
    return years


def hot_topics_for(access: Access, year: int, *, limit: int = 15, kinds: list[str] | None = None) -> TopicReport:
    """`hot_topics` of the viewer's committee, with examples only from documents the viewer may see.

    The caller checks VIEW_STATISTICS. Costs one query for the examples' visibility when cached.
    """
    if access.committee is None:
        return TopicReport(year=year, last_year=year - 1, docs_this=0, docs_last=0, terms=[], categories=[])
    report = hot_topics(access.committee, year, limit=limit, kinds=kinds)
    ids = {doc_id for t in report.terms for doc_id, _ in t.candidates}
    if not ids:
        return report
    docs = Document.objects.filter(id__in=ids).only(
        "id", "committee_id", "kind", "audience", "unit_id", "unit_ids"
    ).in_bulk()
    visible = {i for i, d in docs.items() if can_see(access, d)}
    terms = [
        dataclasses.replace(t, examples=[ex for i, ex in t.candidates if i in visible][:EXAMPLES]) for t in report.terms
    ]
    return dataclasses.replace(report, terms=terms)
