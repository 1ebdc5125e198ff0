"""Chinese text into index tokens, computed by the application so SQLite and PostgreSQL agree.

Neither FTS5's unicode61 nor PostgreSQL's default parser segments Chinese (a whole sentence becomes
one token) and zhparser is not packaged, so we do the segmentation ourselves and hand the databases
ready-made tokens separated by spaces:

- every CJK character (so a one-character query still finds something),
- every pair of adjacent CJK characters (bigrams: 电动 动自 自行 行车 for 电动自行车),
- every run of Latin letters or digits, lower-cased (5g, wifi, 2025).

Text is NFKC-normalised first, which folds full-width letters and digits (ＡＢＣ１２３) to ASCII.
A query is tokenised the same way; a query of n CJK characters becomes its n-1 bigrams, all
required, which finds the phrase and (rarely) the same bigrams in another order.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator

# CJK Unified Ideographs (+ Extension A) and the compatibility block; 〇 counts as a character.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3007"
_RUN = re.compile(rf"[{_CJK}]+|[a-z0-9]+")
_CJK_RUN = re.compile(rf"[{_CJK}]+")
_CJK_CHAR = re.compile(rf"[{_CJK}]")
_LATIN = re.compile(r"[a-z0-9]+")
_JOINED = re.compile(r"[a-z0-9]+(?:[-_.·/][a-z0-9]+)+")

# Queries longer than this are cut: nobody types 10,000 characters into a search box on purpose,
# and an AND of thousands of bigrams answers nothing useful.
MAX_QUERY_CHARS = 64
MAX_QUERY_TOKENS = 24


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def normalize(text: str) -> str:
    """NFKC (full-width → half-width), lower case, NUL and other control characters dropped."""
    text = text or ""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return _CONTROL.sub("", text.lower())


def runs(text: str) -> Iterator[str]:
    """The CJK runs and Latin/digit words of already-normalised text, in order."""
    return (m.group(0) for m in _RUN.finditer(text))


def _is_cjk(run: str) -> bool:
    return bool(_CJK_RUN.fullmatch(run))


def index_tokens(text: str) -> list[str]:
    """Distinct tokens to store for `text`: CJK unigrams and bigrams, Latin/digit words.

    Joined words (wi-fi, covid-19) are also stored written as one word, so both spellings find them.
    """
    return sorted(_scan(text)[0])


class Analysis:
    """One pass over a document's title and body: its index tokens and its bigram counts.

    Indexing needs both (tokens for search, bigram counts for salient terms); normalising and
    scanning the text once instead of twice is most of what a write costs in Python.
    """

    __slots__ = ("title_tokens", "body_tokens", "title_bigrams", "body_bigrams")

    def __init__(self, title: str, body: str) -> None:
        self.title_tokens, self.title_bigrams = _scan(title)
        self.body_tokens, self.body_bigrams = _scan(body)


def _scan(text: str) -> tuple[list[str], Counter[str]]:
    text = normalize(text)
    seen: set[str] = set()
    grams: list[str] = []
    for run in _RUN.findall(text):
        if _CJK_RUN.match(run):
            seen.update(run)
            grams.extend([run[i : i + 2] for i in range(len(run) - 1)])
        else:
            seen.add(run[:40])
    if "-" in text or "_" in text or "." in text or "·" in text or "/" in text:
        for joined in _JOINED.findall(text):
            seen.add(re.sub(r"[-_.·/]", "", joined)[:40])
    counts = Counter(grams)
    seen.update(counts)
    return list(seen), counts


def query_tokens(query: str) -> list[str]:
    """Tokens that must all occur for a document to match `query` (empty: nothing to search)."""
    tokens: dict[str, None] = {}
    text = normalize(query)
    end = MAX_QUERY_CHARS
    if _LATIN.match(text, end - 1) and (tail := _LATIN.match(text, end)):
        # Never cut a Latin word in two: its prefix is no token of the document it was copied from.
        end = tail.end()
    for run in runs(text[:end]):
        if _is_cjk(run) and len(run) > 1:
            for i in range(len(run) - 1):
                tokens[run[i : i + 2]] = None
        else:
            tokens[run[:40]] = None
    return list(tokens)[:MAX_QUERY_TOKENS]


def bigrams(text: str) -> Counter[str]:
    """How often each CJK bigram occurs in `text` (the vocabulary of similarity and routing)."""
    return Counter([run[i : i + 2] for run in _CJK_RUN.findall(normalize(text)) for i in range(len(run) - 1)])


def cjk_text(text: str) -> str:
    """Only the CJK characters of `text`, punctuation and spaces removed (for copy detection)."""
    return "".join(_CJK_RUN.findall(normalize(text)))


def shingles(text: str, n: int = 4) -> set[str]:
    """Character n-grams of the CJK text: two passages share these only when they share wording."""
    s = cjk_text(text)
    return {s[i : i + n] for i in range(len(s) - n + 1)}


class _Fold(dict):  # type: ignore[type-arg]
    """str.translate table folding one character as `normalize` would (ＡＢＣ → abc), learnt lazily."""

    def __missing__(self, code: int) -> str:
        folded = normalize(chr(code))[:1] or " "
        self[code] = folded
        return folded


_FOLD = _Fold()


def highlight_spans(text: str, query: str | Iterable[str]) -> list[tuple[int, int]]:
    """(start, end) spans of `text` covered by the query's tokens, merged; positions in `text`.

    Works on the original text (NFKC keeps CJK characters in place; full-width Latin letters are
    compared one character at a time after folding), so the spans can wrap the text as shown.
    """
    tokens = query_tokens(query) if isinstance(query, str) else list(query)
    if not tokens or not text:
        return []
    folded = text.translate(_FOLD)  # same length as text: every character folds to exactly one
    covered = bytearray(len(text))
    for tok in tokens:
        start = folded.find(tok)
        while start != -1:
            for i in range(start, start + len(tok)):
                covered[i] = 1
            start = folded.find(tok, start + 1)
    spans, i = [], 0
    while i < len(covered):
        if covered[i]:
            j = i
            while j < len(covered) and covered[j]:
                j += 1
            spans.append((i, j))
            i = j
        else:
            i += 1
    return spans
