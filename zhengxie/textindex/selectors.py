"""Reads of the text index: search, similar items, routing suggestions.

Every read is scoped: `visible_scope(access)` turns what a user may see in their committee into
filter tokens the index evaluates together with the text, so hidden documents are never fetched.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import os
import time
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field

from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from zhengxie.accounts.models import Role
from zhengxie.accounts.permissions import Access
from zhengxie.org.models import Committee, Unit
from zhengxie.textindex import backends, features, tokens
from zhengxie.textindex.models import Audience, Document, UnitTerm
from zhengxie.textindex.registry import sources

COUNT_CAP = 1000
MAX_PAGE = 50  # deeper pages than 50 × 20 are refine-your-search territory

# --- visibility ---------------------------------------------------------------------------------------


def _reads_members_documents(access: Access) -> bool:
    """Members, leaders and staff read what is shared with the committee; a unit clerk sees only
    what concerns their unit (and what is public)."""
    return bool(access.roles - {Role.UNIT_HANDLER})


def visible_scope(access: Access, *, kinds: list[str] | None = None, committee_wide: bool = True) -> backends.Scope:
    """Alternatives of filter tokens covering what `access` may see in its committee."""
    if access.committee is None:
        return []
    st = backends.scope_token
    c = st("c", access.committee.pk)
    alts: backends.Scope = []
    for src in sources():
        if kinds and src.kind not in kinds:
            continue
        k = st("k", src.kind)
        if access.has(src.staff_perm):
            alts.append([c, k])
            continue
        alts.append([c, k, st("a", Audience.PUBLIC)])
        if _reads_members_documents(access):
            alts.append([c, k, st("a", Audience.MEMBERS)])
        alts.extend([c, k, st("u", u)] for u in sorted(access.unit_ids))
    return alts


def can_see(access: Access, doc: Document) -> bool:
    """The same rule as `visible_scope`, for one fetched document (other committees: public only)."""
    if doc.audience == Audience.PUBLIC:
        return True
    if access.committee is None or doc.committee_id != access.committee.pk:
        return False
    src = next((s for s in sources() if s.kind == doc.kind), None)
    if src is None:
        return False
    if access.has(src.staff_perm):
        return True
    if doc.audience == Audience.MEMBERS and _reads_members_documents(access):
        return True
    units = {*(doc.unit_ids or []), doc.unit_id}
    return bool(access.unit_ids & units)


# --- search -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchFilters:
    kind: str = ""
    session_id: int | None = None
    state: str = ""
    category: str = ""
    unit_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def tokens(self) -> list[str]:
        st = backends.scope_token
        out = []
        if self.session_id:
            out.append(st("s", self.session_id))
        if self.state:
            out.append(st("t", self.state))
        if self.category:
            out.append(st("g", self.category))
        if self.unit_id:
            out.append(st("u", self.unit_id))
        return out


@dataclass
class Hit:
    doc: Document
    in_title: bool
    title_html: SafeString
    snippet_html: SafeString


@dataclass
class SearchResult:
    query: str
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    capped: bool = False  # more than COUNT_CAP matches: the page says "1000+"
    page: int = 1
    page_size: int = 20
    message: str = ""
    relaxed: bool = False  # some results lack the query as one run of characters

    @property
    def pages(self) -> int:
        return min(MAX_PAGE, max(1, math.ceil(self.total / self.page_size)))


def mark(text: str, spans: list[tuple[int, int]]) -> SafeString:
    """`text` escaped, with each span wrapped in <mark>."""
    out, pos = [], 0
    for start, end in spans:
        out.append(escape(text[pos:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        pos = end
    out.append(escape(text[pos:]))
    return mark_safe("".join(out))  # noqa: S308  (every piece is escaped above)


def snippet(text: str, query_tokens: list[str], width: int = 110) -> SafeString:
    """A window of `text` around its densest run of matches, matches marked."""
    text = " ".join(text.split())
    spans = tokens.highlight_spans(text, query_tokens)
    if not spans:
        return mark(text[:width] + ("…" if len(text) > width else ""), [])
    # The window starting at a span that covers the most marked characters. Spans are sorted and
    # apart, so those inside [s, s + width) are a run: prefix sums and bisect keep this O(n log n)
    # (a body full of 的 has thousands of spans; comparing every pair took seconds per hit).
    starts = [s for s, _ in spans]
    before = [0]
    for s, e in spans:
        before.append(before[-1] + e - s)
    best_start, best_cover = spans[0][0], -1
    for i, s in enumerate(starts):
        last = bisect.bisect_left(starts, s + width) - 1  # the last span starting inside the window
        cover = before[last] - before[i] + min(spans[last][1], s + width) - spans[last][0]
        if cover > best_cover:
            best_start, best_cover = s, cover
    start = max(0, best_start - 20)
    end = min(len(text), start + width)
    inner = [(max(s, start) - start, min(e, end) - start) for s, e in spans if e > start and s < end]
    body = mark(text[start:end], inner)
    return mark_safe(("…" if start else "") + body + ("…" if end < len(text) else ""))  # noqa: S308


def search(
    access: Access,
    query: str,
    *,
    filters: SearchFilters | None = None,
    page: int = 1,
    page_size: int = 20,
) -> SearchResult:
    """Documents `access` may see that contain every token of `query`: title hits first, then
    the rest, each newest first. Never raises on odd input; an unusable query answers empty."""
    filters = filters or SearchFilters()
    page = max(1, min(int(page or 1), MAX_PAGE))
    page_size = max(1, min(int(page_size or 20), 100))
    result = SearchResult(query=query or "", page=page, page_size=page_size)
    text = (query or "").strip()
    if not text:
        result.message = "请输入要搜索的文字。"
        return result
    toks = tokens.query_tokens(text)
    if len(tokens.normalize(text)) > tokens.MAX_QUERY_CHARS:
        result.message = f"搜索词过长，只按前 {tokens.MAX_QUERY_CHARS} 个字搜索。"
    if not toks:
        result.message = "搜索词里没有可以检索的文字或数字。"
        return result
    scope = visible_scope(access, kinds=[filters.kind] if filters.kind else None)
    extra = filters.tokens()
    scope = [alt + extra for alt in scope]
    if not scope:
        return result
    dates = {"date_from": filters.date_from, "date_to": filters.date_to}
    # Tiers, each newest first: every token in the title; every token somewhere; and, for a
    # query of four or more characters, every token but one (电动自行车充电 finds 电动自行车…充电).
    tiers = [("title", True), ("body_only", False)]
    if sum(1 for t in toks if len(t) == 2 and not t.isascii()) >= 3:
        tiers.append(("relaxed", False))
    counts = [backends.count(toks, scope, where=w, cap=COUNT_CAP + 1, **dates) for w, _ in tiers]
    result.total = min(sum(counts), COUNT_CAP)
    result.capped = sum(counts) > COUNT_CAP
    result.relaxed = len(tiers) > 2 and counts[-1] > 0
    offset = (page - 1) * page_size
    ids: list[tuple[int, bool]] = []
    start = 0  # where the current tier starts in the whole ordering
    for (where, in_title), n in zip(tiers, counts):
        if len(ids) >= page_size:
            break
        if offset + len(ids) < start + n:
            got = backends.search_ids(
                toks, scope, where=where, limit=page_size - len(ids), offset=offset + len(ids) - start, **dates
            )
            ids += [(i, in_title) for i in got]
        start += n
    docs = Document.objects.in_bulk([i for i, _ in ids])
    for doc_id, in_title in ids:
        doc = docs.get(doc_id)
        if doc is None:
            continue
        result.hits.append(
            Hit(
                doc=doc,
                in_title=in_title,
                title_html=mark(doc.title, tokens.highlight_spans(doc.title, toks)),
                snippet_html=snippet(doc.body, toks),
            )
        )
    return result


# --- similar items ------------------------------------------------------------------------------------

# Scores at or above this mark an item "疑似重复" (tuned on bench/data/eval_proposals.jsonl, see make eval).
DUPLICATE_THRESHOLD = 0.40
CANDIDATES = 60
COPY_CHECKED = 15  # candidates whose wording is compared (see `similar`)


@dataclass
class SimilarItem:
    doc: Document
    score: float
    topic: float
    copy: float
    likely_duplicate: bool
    shared_terms: list[str]
    passages: list[SafeString]


# Rows read per bucket at most. A bucket is the documents whose salient terms share one MinHash
# minimum; a common term (老旧小区 in a province) makes buckets of tens of thousands, which say little
# about any one pair and would make every lookup read them whole. Real duplicates share many small
# buckets, so reading a bounded slice of each bucket keeps them while the cost stays flat.
BUCKET_CAP = int(os.environ.get("ZHENGXIE_BUCKET_CAP", "400"))


def _candidates(keys: list[int], *, committee_id: int | None, exclude_id: int | None, limit: int) -> list[int]:
    if not keys:
        return []
    params: list[object] = []
    if BUCKET_CAP > 0:
        parts = []
        for key in keys:
            where = "key = %s" + (" AND committee_id = %s" if committee_id is not None else "")
            parts.append(f"SELECT document_id FROM (SELECT document_id FROM textindex_band WHERE {where} LIMIT %s) b")
            params += [key, *([committee_id] if committee_id is not None else []), BUCKET_CAP]
        sql = "SELECT document_id, COUNT(*) AS hits FROM (" + " UNION ALL ".join(parts) + ") c WHERE 1 = 1"
    else:
        marks = ", ".join(["%s"] * len(keys))
        sql = f"SELECT document_id, COUNT(*) AS hits FROM textindex_band WHERE key IN ({marks})"
        params += keys
        if committee_id is not None:
            sql += " AND committee_id = %s"
            params.append(committee_id)
    if exclude_id is not None:
        sql += " AND document_id <> %s"
        params.append(exclude_id)
    sql += " GROUP BY document_id ORDER BY hits DESC, document_id DESC LIMIT %s"
    params.append(limit)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return [row[0] for row in cur.fetchall()]


def _shared_phrases(text: str, terms: list[str], limit: int = 6) -> list[str]:
    """The shared salient bigrams as they read in `text`: 电动+动自+自行+行车 → 电动自行车."""
    phrases: dict[str, None] = {}
    for s, e in tokens.highlight_spans(text, terms):
        phrases[text[s:e]] = None
    return sorted(phrases, key=len, reverse=True)[:limit]


def _passages(text: str, shared: set[str], limit: int = 3) -> list[SafeString]:
    """Up to `limit` passages of `text` whose wording the other text shares, marked."""
    if not shared:
        return []
    # Normalise character by character: NFKC changes lengths (…→..., ㎡→m2, ㈠→(一)) and the
    # marks must land on `text` as shown.
    # Folded one character to one (as highlighting does), so positions in the fold are positions in `text`.
    folded = text.translate(tokens._FOLD)
    positions = [m.start() for m in tokens._CJK_CHAR.finditer(folded)]
    cjk = "".join(folded[i] for i in positions)
    is_cjk = bytearray(len(text))
    for i in positions:
        is_cjk[i] = 1
    covered = bytearray(len(text))
    for i in range(len(cjk) - 3):
        if cjk[i : i + 4] in shared:
            for j in range(i, i + 4):
                covered[positions[j]] = 1
    spans, i = [], 0
    while i < len(text):
        if covered[i]:
            j = i
            while j < len(text) and (covered[j] or not is_cjk[j]):
                j += 1
            while j > i and not covered[j - 1]:
                j -= 1
            spans.append((i, j))
            i = j
        else:
            i += 1
    spans = sorted((s for s in spans if s[1] - s[0] >= 6), key=lambda s: s[0] - s[1])[:limit]
    out = []
    for s, e in sorted(spans):
        start, end = max(0, s - 12), min(len(text), e + 12)
        out.append(
            mark_safe(  # noqa: S308  (mark() escapes)
                ("…" if start else "") + mark(text[start:end], [(s - start, e - start)]) + ("…" if end < len(text) else "")
            )
        )
    return out


def similar(
    access: Access,
    *,
    title: str,
    body: str,
    kinds: list[str] | None = None,
    exclude: tuple[str, int] | None = None,
    whole_deployment: bool = False,
    limit: int = 5,
    min_score: float = 0.12,
) -> list[SimilarItem]:
    """The indexed items most similar to this text that `access` may see, best first.

    Candidates come from the MinHash-LSH buckets; each is then scored exactly: `topic` is the
    cosine of salient-term vectors (same problem in other words), `copy` the containment of
    4-character shingles (shared wording); `score` is the larger.
    """
    if access.committee is None:
        return []
    title, body = (title or "")[:300], (body or "")[:20000]
    f = features.features(title, body, features.DOC_FREQ)
    exclude_id = None
    if exclude:
        exclude_id = Document.objects.filter(kind=exclude[0], object_id=exclude[1]).values_list("id", flat=True).first()
    ids = _candidates(
        features.band_keys(f.terms),
        committee_id=None if whole_deployment else access.committee.pk,
        exclude_id=exclude_id,
        limit=CANDIDATES,
    )
    visible = []
    for doc in Document.objects.filter(id__in=ids).only(
        "id", "committee_id", "kind", "object_id", "title", "body", "url", "audience", "state", "state_label",
        "unit_id", "unit_ids", "date", "terms", "category", "session_id",
    ):
        if kinds and doc.kind not in kinds:
            continue
        if not can_see(access, doc):
            continue
        visible.append((features.topic_score(f.terms, doc.terms), doc))
    # Shared wording is checked on the closest candidates only: by topic, and by shared buckets (a
    # copied passage brings its salient terms along, so a copy is never far down both orders).
    rank = {doc_id: i for i, doc_id in enumerate(ids)}
    by_topic = sorted(visible, key=lambda v: (-v[0], -v[1].pk))
    wording = {v[1].pk for v in by_topic[:COPY_CHECKED]} | {v[1].pk for v in visible if rank[v[1].pk] < COPY_CHECKED}
    scored = []
    for topic, doc in by_topic:
        other: set[str] = set()
        copy = 0.0
        if doc.pk in wording:
            other = tokens.shingles(f"{doc.title}\n{doc.body}")
            copy = features.copy_score(f.shingles, other)
        score = max(topic, copy)
        if score >= min_score:
            scored.append((score, topic, copy, doc, other))
    scored.sort(key=lambda s: (-s[0], -s[3].pk))
    out = []
    for score, topic, copy, doc, other in scored[:limit]:
        shared_terms = sorted(set(f.terms) & set(doc.terms), key=lambda t: -f.terms[t] * doc.terms[t])
        out.append(
            SimilarItem(
                doc=doc,
                score=round(score, 3),
                topic=round(topic, 3),
                copy=round(copy, 3),
                likely_duplicate=score >= DUPLICATE_THRESHOLD,
                shared_terms=_shared_phrases(f"{doc.title}。{doc.body}", shared_terms[:12]),
                passages=_passages(doc.body, set(f.shingles & other)) if copy >= 0.05 else [],
            )
        )
    return out


# --- routing suggestions ------------------------------------------------------------------------------

ROUTING_TERMS = 40
HISTORY_PRIOR = 150  # history items at which history and duties weigh the same


@dataclass
class UnitSuggestion:
    unit: Unit
    confidence: float
    reasons: list[str]
    examples: list[Document]


# Duty profiles (salient terms of what a unit is responsible for), per process. A unit described by the
# shipped catalogue shares its entry's profile with every committee's same department (a province has
# a hundred 教育局), so a cold committee costs a dictionary lookup, not 35 profiles; a unit whose own
# duties were written is profiled from its own name and text, again only when that text changes. Both
# are dropped when the term statistics change (the profiles are weighted by them).
_PROFILES: dict[tuple[str, str], dict[str, float]] = {}
_PROFILES_GENERATION = -1
_PROFILES_MAX = 5000


def _duty_profile(name: str, text: str) -> dict[str, float]:
    global _PROFILES_GENERATION
    generation = features.DOC_FREQ.corpus_size
    if generation != _PROFILES_GENERATION or len(_PROFILES) > _PROFILES_MAX:
        _PROFILES.clear()
        _PROFILES_GENERATION = generation
    key = (name, text)
    profile = _PROFILES.get(key)
    if profile is None:
        profile = _PROFILES[key] = features.salient_terms(name, text, features.DOC_FREQ, k=120)
    return profile


def _duty_profiles(committee_id: int) -> tuple[dict[int, dict[str, float]], dict[int, str]]:
    """Salient terms of each active unit's duties (its own text, else the standard department's)."""
    from zhengxie.org.departments import standard_department

    profiles, texts = {}, {}
    for unit in Unit.objects.filter(committee_id=committee_id, is_active=True).only("id", "name", "short_name", "duties"):
        if unit.duties.strip():
            name, text = unit.name, unit.duties
        else:
            entry = standard_department(unit.name) or (standard_department(unit.short_name) if unit.short_name else None)
            if not entry:
                continue
            name, text = str(entry["name"]), str(entry["duties"])
        profiles[unit.pk] = _duty_profile(name, text)
        texts[unit.pk] = text
    return profiles, texts


def suggest_units(
    committee: Committee,
    *,
    title: str,
    body: str,
    limit: int = 3,
    exclude: tuple[str, int] | None = None,
    example_kinds: Collection[str] | None = None,
) -> list[UnitSuggestion]:
    """Top `limit` lead units for a text: the committee's history of who handled what, blended
    with each unit's official duties (which carry the decision while history is thin).

    The past items given as reasons are only of `example_kinds` (the kinds the viewer is staff of):
    history counts every kind, but a proposal clerk must not read staff-only opinion titles this way.
    """
    title, body = (title or "")[:300], (body or "")[:20000]
    q = features.salient_terms(title, body, features.DOC_FREQ)
    if not q:
        return []
    hist: dict[int, float] = defaultdict(float)
    items: dict[int, int] = {}
    shared_hist: dict[int, list[tuple[float, str]]] = defaultdict(list)
    # items > 0: a row whose documents all went elsewhere keeps float dust (0.1+0.2-0.1-0.2 > 0), not history.
    # The text's strongest terms decide; the weak tail only adds rows to read.
    strong = sorted(q, key=q.__getitem__, reverse=True)[:ROUTING_TERMS]
    for unit_id, term, weight, n in UnitTerm.objects.filter(
        committee_id=committee.pk, term__in=[*strong, ""], items__gt=0
    ).values_list("unit_id", "term", "weight", "items"):
        if term == "":
            items[unit_id] = n
        else:
            hist[unit_id] += q[term] * weight
            shared_hist[unit_id].append((q[term] * weight, term))
    history_total = sum(items.values())
    for unit_id in list(hist):
        hist[unit_id] /= max(1, items.get(unit_id, 1))  # the unit's mean item, not its volume
    duty_profiles, duty_texts = _duty_profiles(committee.pk)
    duty = {u: features.topic_score(q, p) for u, p in duty_profiles.items()}
    lam = history_total / (history_total + HISTORY_PRIOR)
    top_hist = max(hist.values(), default=0.0) or 1.0
    top_duty = max(duty.values(), default=0.0) or 1.0
    # Only units a clerk can still assign: history also remembers units since deactivated.
    units = Unit.objects.filter(committee_id=committee.pk, is_active=True).in_bulk(list(set(hist) | set(duty)))
    combined = {u: lam * hist.get(u, 0.0) / top_hist + (1 - lam) * duty.get(u, 0.0) / top_duty for u in units}
    total = sum(combined.values()) or 1.0
    ranked = sorted(((s, u) for u, s in combined.items() if round(s / total, 3) > 0), reverse=True)[:limit]
    if not ranked:
        return []
    # Past items of the suggested units that share buckets with this text: the "why".
    example_ids = _candidates(
        features.band_keys(q), committee_id=committee.pk, exclude_id=None, limit=CANDIDATES // 2
    )
    examples: dict[int, list[Document]] = defaultdict(list)
    closest = {doc_id: i for i, doc_id in enumerate(example_ids)}  # most shared buckets first
    example_docs = Document.objects.filter(id__in=example_ids, unit_id__in=[u for _, u in ranked]).only(
        "id", "title", "url", "unit_id", "date", "kind", "object_id"
    )
    for doc in sorted(example_docs, key=lambda d: closest[d.pk]):
        if exclude and (doc.kind, doc.object_id) == exclude:
            continue
        if example_kinds is not None and doc.kind not in example_kinds:
            continue
        if len(examples[doc.unit_id]) < 2:
            examples[doc.unit_id].append(doc)
    out = []
    for score, unit_id in ranked:
        reasons = []
        if hist.get(unit_id):
            words = _shared_phrases(title + "。" + body, [t for _, t in sorted(shared_hist[unit_id], reverse=True)[:8]], 4)
            reasons.append(f"本会 {items.get(unit_id, 0)} 件往年事项由该单位主办" + (f"，相近关键词：{'、'.join(words)}" if words else ""))
        if duty.get(unit_id):
            shared = sorted(set(q) & set(duty_profiles[unit_id]), key=lambda t: -q[t] * duty_profiles[unit_id][t])[:8]
            # The profile counts the unit's name too (卫生健康局 is about 健康): look for the words there as well.
            words = _shared_phrases(f"{units[unit_id].name}。{duty_texts[unit_id]}", shared, 4)
            if words:
                reasons.append(f"职责相符：{'、'.join(words)}")
        out.append(
            UnitSuggestion(
                unit=units[unit_id], confidence=round(score / total, 3), reasons=reasons, examples=examples.get(unit_id, [])
            )
        )
    return out
