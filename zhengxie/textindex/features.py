"""What a text is about, as numbers: salient bigrams weighted by tf-idf, and their MinHash buckets.

Similar-item detection and routing both start from a document's *salient terms*: the K CJK bigrams
with the highest tf-idf (title counted three times, boilerplate such as 建议/进一步/我区 never). Two
proposals on 电动自行车充电 from different years rarely share a sentence, but both have 电动, 自行,
充电, 楼道, 火灾 among their salient terms, so terms find "same problem" pairs that wording cannot.

The MinHash-LSH step turns the salient set into B bucket keys (bands of R hash minima each); two
documents land in a shared bucket with probability 1-(1-J^R)^B for Jaccard J of their salient sets,
which makes candidate lookup one indexed query on an ordinary table.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import struct
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from zhengxie.textindex import tokens

SALIENT_TERMS = 80
BANDS = 48
ROWS = 1
TITLE_WEIGHT = 3

# Bigrams every proposal uses whatever it is about: function words and the formulae of official
# writing. IDF learns these from a deployment's own documents; this list covers a new deployment.
STOP_BIGRAMS = frozenset(
    """
    关于 建议 提案 问题 工作 进一 一步 加强 部门 相关 我区 我市 本县 本区 本市 全区 全市 全县 我县 我省 全省
    目前 存在 推进 完善 机制 政府 发展 管理 服务 提升 提高 推动 落实 建立 健全 加大 力度 实施 开展 情况
    方面 措施 政策 有关 单位 解决 需要 没有 一些 一定 以及 通过 进行 实现 保障 支持 鼓励 引导 统筹 协调
    组织 制定 出台 明确 要求 标准 规范 体系 建设 群众 社会 各类 其中 同时 因此 但是 由于 导致 影响 造成
    不足 较大 较多 逐步 不断 积极 有效 充分 全面 重点 主要 切实 深入 做好 一是 二是 三是 四是 五是 年来
    近年 万元 亿元 以上 左右 达到 超过 比例 数量 我们 他们 可以 能够 应当 应该 已经 正在 作为 对于 为了
    根据 按照 结合 形成 共同 长效 领域 水平 能力 效率 如下 具体 几点 分析 案由 现状 意见 对策 思考 当前
    的问 的建 的提 于加 于进 关于 于推 于完 于加 一是 的是 是在 在于 不够 不高 不强 不到 不少 还存 还有
    部分 个别 普遍 比较 十分 非常 严重 突出 难以 无法 缺乏 缺少 尚未 仍然 依然 亟待 亟需 急需 迫切 尤其
    特别 其次 此外 另外 最后 首先 第一 第二 第三 我国 国家 省市 市区 区县 乡镇 街道 社区 村居 各级 有力
    """.split()
)

# Characters that glue words together rather than carry meaning: a bigram containing one (力的, 于提,
# 被侵, 路每) almost always straddles a word boundary, so it says nothing about the subject.
STOP_CHARS = frozenset("的了是在和与及或等对为于把被将从以之其也都就而并但每个一这那些有无不要让使向由各所此该")

# BANDS × ROWS independent 64-bit hashes of a term from one SHAKE-128 call (much cheaper than
# BANDS × ROWS modular permutations in Python); their minima over a set are its MinHash signature.
_UNPACK = struct.Struct(f"<{BANDS * ROWS}Q").unpack
_DIGEST = 8 * BANDS * ROWS
_SALTS = [int.from_bytes(hashlib.blake2b(f"band-{b}".encode(), digest_size=8).digest(), "little") for b in range(BANDS)]


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


@dataclass(frozen=True)
class Features:
    terms: dict[str, float]  # salient bigram → weight, L2-normalised
    shingles: frozenset[str]  # 4-character shingles of the CJK text (copy detection)


def weigh(title_bigrams: Counter[str], body_bigrams: Counter[str]) -> Counter[str]:
    """Bigram counts of a document with the title counted TITLE_WEIGHT times."""
    counts = body_bigrams.copy()
    for term, n in title_bigrams.items():
        counts[term] += n * TITLE_WEIGHT
    return counts


def term_counts(title: str, body: str) -> Counter[str]:
    return weigh(tokens.bigrams(title), tokens.bigrams(body))


def _meaningful(term: str) -> bool:
    return term not in STOP_BIGRAMS and term[0] not in STOP_CHARS and term[1] not in STOP_CHARS


# 1 + log(n) for the term counts a document has (small integers, computed once).
_TF = [0.0] + [1 + math.log(n) for n in range(1, 256)]


def salient_from_counts(counts: Counter[str] | dict[str, int], df: DocFreq, k: int = SALIENT_TERMS) -> dict[str, float]:
    """The k salient terms of a document whose (title-weighted) bigram counts are `counts`."""
    kept = [t for t in counts if _meaningful(t)]
    if not kept:
        return {}
    idf = df.idf(kept)
    # A term no other document has (idf at its maximum) cannot make two documents alike; with a
    # corpus big enough to know, leave such terms out rather than let them crowd out shared ones.
    ceiling = df.max_idf() or math.inf
    tf = _TF
    scored = [
        ((tf[n] if n < 256 else 1 + math.log(n)) * w, t)
        for t in kept
        if (w := idf[t]) < ceiling and (n := counts[t])
    ]
    top = heapq.nlargest(k, scored) if len(scored) > 4 * k else sorted(scored, reverse=True)[:k]
    norm = math.sqrt(sum(w * w for w, _ in top)) or 1.0
    return {t: round(w / norm, 5) for w, t in top}


def salient_terms(title: str, body: str, df: DocFreq, k: int = SALIENT_TERMS) -> dict[str, float]:
    return salient_from_counts(term_counts(title, body), df, k)


def features(title: str, body: str, df: DocFreq) -> Features:
    return Features(terms=salient_terms(title, body, df), shingles=frozenset(tokens.shingles(f"{title}\n{body}")))


_HASHES: dict[str, tuple[int, ...]] = {}
_HASHES_MAX = 20_000  # ~40 MB at most; the common terms of a deployment are far fewer


def _term_hashes(term: str) -> tuple[int, ...]:
    """A term's BANDS × ROWS hashes, cached: the same few thousand terms recur in every document."""
    h = _HASHES.get(term)
    if h is None:
        h = _UNPACK(hashlib.shake_128(term.encode()).digest(_DIGEST))
        if len(_HASHES) >= _HASHES_MAX:
            _HASHES.clear()
        _HASHES[term] = h
    return h


def band_keys(terms: dict[str, float] | list[str]) -> list[int]:
    """The LSH bucket keys of a salient-term set (empty set: no buckets, never a candidate)."""
    if not terms:
        return []
    minima = list(map(min, zip(*map(_term_hashes, terms))))
    if ROWS == 1:  # a band is one minimum; the salt keeps equal minima of different bands apart
        return [_signed(m ^ salt) for m, salt in zip(minima, _SALTS)]
    keys = []
    for band in range(BANDS):
        part = minima[band * ROWS : (band + 1) * ROWS]
        digest = hashlib.blake2b(repr((band, part)).encode(), digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return keys


# --- similarity scores (exact, on the candidates the buckets proposed) -----------------------------------


def topic_score(a: dict[str, float], b: dict[str, float]) -> float:
    """Cosine of the two salient-term vectors (both L2-normalised): shared subject matter."""
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b[t] for t, w in a.items() if t in b)


def copy_score(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> float:
    """Containment of the smaller shingle set in the larger: shared wording, partial copies."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


# --- document frequencies -------------------------------------------------------------------------------


class DocFreq:
    """Document frequencies for idf, read from TermStat and cached in the process.

    The cache is dropped when the stats are refreshed (the corpus size row changes) or when it
    grows large; looking up the few hundred bigrams of a text costs one indexed query when cold.
    """

    REFRESH_SECONDS = 300
    MAX_CACHED = 300_000

    def __init__(self) -> None:
        self._cache: dict[str, float] = {}  # term → idf
        self._n = -1
        self._checked = 0.0

    def _check_generation(self) -> None:
        from zhengxie.textindex.models import TermStat

        now = time.monotonic()
        if now - self._checked < self.REFRESH_SECONDS and self._n >= 0:
            return
        self._checked = now
        n = TermStat.objects.filter(term="").values_list("df", flat=True).first() or 0
        if n != self._n or len(self._cache) > self.MAX_CACHED:
            self._cache.clear()
            self._n = n

    def reset(self) -> None:
        self._cache.clear()
        self._n = -1
        self._checked = 0.0

    @property
    def corpus_size(self) -> int:
        self._check_generation()
        return self._n

    def max_idf(self) -> float:
        """The idf of a term in at most one document (0 when the corpus is too small to say)."""
        self._check_generation()
        return 0.0 if self._n < 20 else math.log((self._n + 1) / 2) + 1.0

    def prime(self, terms: Iterable[str]) -> None:
        """Load the frequencies of many terms at once (a batch of documents about to be indexed)."""
        from zhengxie.textindex.models import TermStat

        self._check_generation()
        if self._n < 20:
            return
        log_n1 = math.log(self._n + 1)
        missing = [t for t in set(terms) if t not in self._cache]
        for i in range(0, len(missing), 500):
            chunk = missing[i : i + 500]
            found = dict(TermStat.objects.filter(term__in=chunk).values_list("term", "df"))
            for t in chunk:
                # Stored as idf, not df: a document's few hundred lookups are then plain dict reads.
                self._cache[t] = log_n1 - math.log(found.get(t, 0) + 1) + 1.0

    def idf(self, terms: Counter[str] | dict[str, object] | list[str]) -> dict[str, float]:
        self._check_generation()
        if self._n < 20:  # too few documents for frequencies to mean anything
            return {t: 1.0 for t in terms}
        try:
            return {t: self._cache[t] for t in terms}
        except KeyError:
            self.prime(terms)
            return {t: self._cache[t] for t in terms}


DOC_FREQ = DocFreq()
