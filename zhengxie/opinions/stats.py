"""社情民意 statistics: every number of domain.md §3, each one click away from its rows.

A figure (`zhengxie.core.figures.Figure`) is a named filter on one kind of row: the committee's
*received items* (件) or its *published issues* (期). The statistics page counts `figure.where()` and
`stats_list?figure=…` lists the rows of the very same filter, so a number and the rows behind it
cannot disagree.

Definitions (shown on the page too):
- 收到 (received): every item that reached the committee's editors: submitted by its members, 特邀信息员,
  parties, the public, or forwarded up from a lower committee. These are exactly the rows given a
  receipt number (收文编号) on arrival; drafts and the editors' own combined pieces (综合稿) have none,
  and a piece is never counted beside its sources.
- 采用 (adopted): received items adopted by this committee (单篇采用 / 综合采用 / 转送有关部门), whatever
  happened after. 未采用 (screened out), 待处理 (pending) are the others.
- 刊发: received items printed in one of the committee's issues, alone or inside a combined piece.
- 报送上级 (sent up): received items the committee sent to its parent, alone or inside a piece.
- 被X级采用 / 获X级批示 (per level): received items with an adoption (or a 批示) at that level recorded on
  the item itself, on the piece it went into, or on any row it became higher up. A county item adopted
  by the city counts in the county's "被市级采用"; a city leader's 批示 on the city's copy counts in the
  county's "获市级批示" too. Items, not records: an item with two 批示 at the city counts once.
- 期刊: issues published (印发) by the committee, by series.
- Scope: the receipt year (`year=`; for issues their year) and/or a range of the date received (for
  issues: the date published). Breakdown links add the source kind, the author's sector or party (as
  they were when the item was submitted; a forwarded copy carries the names from below) or an author
  (co-authors of 联名 items are credited like the author, so the author table may add up to more than
  收到).

Counting happens in the database, in a constant number of queries: one aggregate over the items and
one over the issues for the headline numbers, one grouped query per breakdown (two for authors).
Credit from above is kept on each item as a bitmask of levels (`opinions.credit`), so a per-level
figure is a filter on one column of the rows already scanned, not a walk of the lineage. Scoping by committee and year uses the
partial receipt-number index (`uniq_opinion_serial`: committee, year, serial where serial is set), which
is also the definition of 收到.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from zhengxie.accounts.models import User
from zhengxie.core.figures import Figure, Rate, Row, Table, date_range_from_query, parse_int
from zhengxie.opinions.credit import field_for, mask_of, masks_with_any
from zhengxie.opinions.models import Adoption, Coauthor, Issue, Opinion, Series, SourceKind, Track
from zhengxie.opinions.workflow import ISSUE_PUBLISHED, PUBLISHED, SCREENED_OUT, SUBMITTED, TAKEN_UP
from zhengxie.org.models import Committee

ITEM, ISSUE = "item", "issue"
FAMILY_UNIT = {ITEM: "件", ISSUE: "期"}
NONE = "-none-"  # the query value for "no sector / no party / no author account" in breakdown links
# Lowest level first: a committee's figures show its own level and those above it.
LEVELS = [Committee.Level.COUNTY, Committee.Level.CITY, Committee.Level.PROVINCE, Committee.Level.NATIONAL]
LEVEL_WORD = {Committee.Level.COUNTY: "县级", Committee.Level.CITY: "市级", Committee.Level.PROVINCE: "省级",
              Committee.Level.NATIONAL: "全国"}
NAME_MAX = 100


# ---------------------------------------------------------------------------------------------
# Scope: which items a statistic is about
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    committee: Committee
    year: int | None = None  # receipt year (issues: their year)
    date_from: dt.date | None = None  # received (issues: published) on or after
    date_to: dt.date | None = None  # … on or before
    source: str = ""  # a SourceKind value
    sector: str = ""  # a sector name as recorded on the item, or NONE
    party: str = ""  # a party name as recorded on the item, or NONE
    author: str = ""  # a user id (author or co-author), or NONE (no account: parties, public, from below)

    def params(self) -> dict[str, str]:
        """The query string that gives this scope back (for links and the export)."""
        out: dict[str, str] = {}
        if self.year:
            out["year"] = str(self.year)
        if self.date_from:
            out["from"] = self.date_from.isoformat()
        if self.date_to:
            out["to"] = self.date_to.isoformat()
        for key in ("source", "sector", "party", "author"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out

    def period_params(self) -> dict[str, str]:
        """Only the year and dates (what the statistics page itself is filtered by)."""
        return {k: v for k, v in self.params().items() if k in PERIOD_KEYS}


PERIOD_KEYS = ("year", "from", "to")


def scope_from_query(committee: Committee, data: Mapping[str, str]) -> tuple[Scope, list[str]]:
    """A Scope from `?year=&from=&to=&source=&sector=&party=&author=`, and what was wrong.

    A bad value drops that filter only and says so in Chinese; it never raises."""
    kw: dict[str, Any] = {}
    raw = (data.get("year") or "").strip()
    if raw:
        year = parse_int(raw)
        if year is None or not 2000 <= year <= 2100:
            errors = ["年度应为 2026 这样的四位数字，已按全部年度统计。"]
        else:
            kw["year"], errors = year, []
    else:
        errors = []
    dates, date_errors = date_range_from_query(data)
    kw.update(dates)
    errors += date_errors
    raw = (data.get("source") or "").strip()
    if raw in SourceKind.values and raw != SourceKind.COMBINED:
        kw["source"] = raw
    elif raw:
        errors.append("信息来源不存在，已忽略。")
    for key, label in (("sector", "界别"), ("party", "党派")):
        raw = (data.get(key) or "").strip()
        if len(raw) > NAME_MAX or "\x00" in raw:
            errors.append(f"所选{label}不存在，已忽略。")
        elif raw:
            kw[key] = raw
    raw = (data.get("author") or "").strip()
    if raw == NONE:
        kw["author"] = NONE
    elif raw:
        pk = parse_int(raw)
        # Only people credited with an item here: a link never reveals who else has an account.
        if pk is None or not (Opinion.objects.filter(author_id=pk, committee=committee).exists()
                              or Coauthor.objects.filter(user_id=pk, committee=committee).exists()):
            errors.append("所选作者不存在，已忽略。")
        else:
            kw["author"] = str(pk)
    return Scope(committee=committee, **kw), errors


def _day_start(day: dt.date) -> dt.datetime:
    # A range of the timestamp itself (not of its date) keeps the index on submitted_at usable.
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _period_q(scope: Scope, year_field: str, time_field: str) -> Q:
    q = Q()
    if scope.year:
        q &= Q(**{year_field: scope.year})
    if scope.date_from:
        q &= Q(**{f"{time_field}__gte": _day_start(scope.date_from)})
    if scope.date_to:
        q &= Q(**{f"{time_field}__lt": _day_start(scope.date_to + dt.timedelta(days=1))})
    return q


def base_rows(scope: Scope, family: str) -> QuerySet[Any]:
    """All rows of `family` in `scope` that any figure of the family may count."""
    if family == ISSUE:
        return Issue.objects.filter(Q(committee=scope.committee, state=ISSUE_PUBLISHED)
                                    & _period_q(scope, "year", "published_at"))
    q = Q(committee=scope.committee, serial__isnull=False) & _period_q(scope, "year", "submitted_at")
    if scope.source:
        q &= Q(source_kind=scope.source)
    for dim in ("sector", "party"):
        value = getattr(scope, dim)
        if value:
            q &= Q(**{f"{dim}_name": "" if value == NONE else value})
    if scope.author == NONE:
        q &= Q(author__isnull=True)
    elif scope.author:
        uid = int(scope.author)
        coauthored = Coauthor.objects.filter(committee=scope.committee, user_id=uid).values("opinion_id")
        q &= Q(author_id=uid) | Q(pk__in=coauthored)
    return Opinion.objects.filter(q)


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What the figures' filters need besides the rows: the committee (its level decides which levels
    above it the page shows; credit from above is on the items, see `opinions.credit`)."""

    committee: Committee

    @classmethod
    def of(cls, committee: Committee) -> Context:
        return cls(committee=committee)


def credited(ctx: Context, kind: str, levels: Iterable[str]) -> Q:
    """Received items with a tracking row of `kind` at one of `levels` on themselves, on their combined
    piece, or on any row they became higher up: kept on the item as a bitmask by `opinions.credit`."""
    masks = masks_with_any(mask_of(levels))
    return Q(**{f"{field_for(kind)}__in": masks}) if masks else Q(pk__isnull=True)  # no level: nothing


def _q(q: Q) -> Callable[[Context], Q]:
    return lambda ctx: q


_ADOPTED = Q(state__in=sorted(TAKEN_UP))


def _adopted_at(level: str) -> Callable[[Context], Q]:
    return lambda ctx: credited(ctx, Track.Kind.ADOPTION, [level])


def _instructed_at(levels: Iterable[str]) -> Callable[[Context], Q]:
    frozen = list(levels)
    return lambda ctx: credited(ctx, Track.Kind.INSTRUCTION, frozen)


def _above(ctx: Context) -> list[str]:
    return LEVELS[LEVELS.index(ctx.committee.level) + 1:] if ctx.committee.level in LEVELS else []


def _f(key: str, label: str, family: str, where: Callable[[Context], Q], help: str = "") -> Figure:
    return Figure(key, label, family, where, help, FAMILY_UNIT[family])


FIGURES: dict[str, Figure] = {f.key: f for f in [
    _f("received", "收到", ITEM, _q(Q()), "编辑部门收到的全部信息：委员、特邀信息员、党派、社会公众报送和下级政协报送的"
       "（不含草稿和编辑部门撰写的综合稿）"),
    _f("pending", "待处理", ITEM, _q(Q(state=SUBMITTED))),
    _f("screened_out", "未采用", ITEM, _q(Q(state=SCREENED_OUT)), "审核后不予采用、存档备查的信息"),
    _f("adopted", "采用", ITEM, _q(_ADOPTED), "本会采用的信息（单篇采用、综合采用、转送有关部门）"),
    _f("adopted_single", Adoption.SINGLE.label, ITEM, _q(_ADOPTED & Q(adoption=Adoption.SINGLE))),
    _f("adopted_combined", Adoption.COMBINED.label, ITEM, _q(_ADOPTED & Q(adoption=Adoption.COMBINED)),
       "与其他信息一起综合成一篇综合稿采用"),
    _f("adopted_referred", Adoption.REFERRED.label, ITEM, _q(_ADOPTED & Q(adoption=Adoption.REFERRED))),
    _f("published", "刊发", ITEM, _q(Q(state=PUBLISHED) | Q(combined_into__state=PUBLISHED)),
       "编入本会印发的期刊的信息（含编入综合稿刊发的）"),
    _f("sent_up", "报送上级", ITEM, _q(Q(forwarded_at__isnull=False) | Q(combined_into__forwarded_at__isnull=False)),
       "报送上一级政协的信息（含编入综合稿报送的）"),
    _f("adopted_upper", "被上级采用", ITEM, lambda ctx: credited(ctx, Track.Kind.ADOPTION, _above(ctx)),
       "被任一上级政协采用的信息"),
    *[_f(f"adopted_{lv}", f"被{LEVEL_WORD[lv]}采用", ITEM, _adopted_at(lv),
         "在该层级被采用的信息（本会或上级政协采用，含报送后被上级采用的）") for lv in LEVELS],
    _f("instructed", "获批示", ITEM, _instructed_at(LEVELS), "获各级领导批示的信息（一条信息多次批示计一件）"),
    *[_f(f"instructed_{lv}", f"获{LEVEL_WORD[lv]}批示", ITEM, _instructed_at([lv]),
         "获该层级领导批示的信息（含在上级政协的报送稿上批示的）") for lv in LEVELS],
    _f("issues", "印发期刊", ISSUE, _q(Q()), "本会印发的各期《社情民意专递》《社情民意专报》"),
    *[_f(f"issues_{s.value}", f"《{s.label}》", ISSUE, _q(Q(series=s.value))) for s in Series],
]}


RATES: dict[str, Rate] = {r.key: r for r in [
    Rate("adoption_rate", "采用率", "adopted", "received", "采用 / 收到"),
    Rate("upper_rate", "上级采用率", "adopted_upper", "sent_up", "被上级采用 / 报送上级"),
]}


@dataclass
class Numbers:
    counts: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, key: str) -> int:
        return self.counts.get(key, 0)

    def rate(self, key: str) -> float | None:
        r = RATES[key]
        den = self[r.denominator]
        return self[r.numerator] / den if den else None


def _counts(ctx: Context, family: str, keys: Iterable[str] | None = None) -> dict[str, Count]:
    return {f.key: Count("pk", filter=f.where(ctx)) for f in FIGURES.values()
            if f.family == family and (keys is None or f.key in keys)}


def count_figures(scope: Scope, ctx: Context | None = None, memo: dict[str, Any] | None = None) -> Numbers:
    """Every figure for `scope`: one aggregate over the items, one over the issues (plus the chain of
    committees above, unless given). With `memo` (see `_groups`), the items' figures are the sums of the
    groups already counted there, which the breakdowns share."""
    ctx = ctx or Context.of(scope.committee)
    out = Numbers()
    if memo is not None:
        item_keys = [f.key for f in FIGURES.values() if f.family == ITEM]
        sums = dict.fromkeys(item_keys, 0)
        for row in _groups(scope, ctx, memo):
            for k in item_keys:
                sums[k] += row[k]
        out.counts.update(sums)
    else:
        out.counts.update(base_rows(scope, ITEM).aggregate(**_counts(ctx, ITEM)))
    out.counts.update(base_rows(scope, ISSUE).aggregate(**_counts(ctx, ISSUE)))
    return out


# The columns one grouped query of the items goes by: every breakdown but the co-authors' is a sum of
# its groups (a figure is a count, so the parts add up exactly).
_GROUPS = ("source_kind", "sector_name", "party_name", "author_id")


def _groups(scope: Scope, ctx: Context, memo: dict[str, Any]) -> list[dict[str, Any]]:
    """Every item figure per (source kind, sector, party, author): one query for the page's headline
    numbers and its source, sector, party and author tables, each of which would scan the same rows."""
    if "groups" not in memo:
        memo["groups"] = list(base_rows(scope, ITEM).values(*_GROUPS).annotate(**_counts(ctx, ITEM)).order_by())
    return memo["groups"]


def _sum_by(rows: Iterable[dict[str, Any]], field_name: str, keys: Iterable[str]) -> dict[Any, dict[str, int]]:
    out: dict[Any, dict[str, int]] = {}
    keys = list(keys)
    for row in rows:
        acc = out.setdefault(row[field_name], dict.fromkeys(keys, 0))
        for k in keys:
            acc[k] += row[k]
    return out


def figure_rows(scope: Scope, key: str, ctx: Context | None = None) -> QuerySet[Any]:
    """The rows figure `key` counts in `scope`, ready to list (related rows fetched in the same query)."""
    figure = FIGURES[key]
    ctx = ctx or Context.of(scope.committee)
    qs = base_rows(scope, figure.family).filter(figure.where(ctx))
    if figure.family == ISSUE:
        return qs.order_by("-year", "series", "-number", "-id")
    return (qs.select_related("author", "origin__committee", "combined_into", "issue_item__issue")
            .order_by("-year", "-serial", "-id"))


# ---------------------------------------------------------------------------------------------
# Breakdowns
# ---------------------------------------------------------------------------------------------


DIMENSIONS = {
    "source": ("信息来源", "source"),
    "sector": ("界别", "sector"),
    "party": ("党派", "party"),
    "author": ("作者", "author"),
}
_GROUP_FIELD = {"source": "source_kind", "sector": "sector_name", "party": "party_name"}
_NONE_LABEL = {"sector": "未登记界别（非委员报送等）", "party": "未登记党派", "author": "无本会账号（党派、社会公众、下级政协报送）"}


def _level_keys(ctx: Context, prefix: str) -> list[str]:
    own = LEVELS.index(ctx.committee.level) if ctx.committee.level in LEVELS else 0
    return [f"{prefix}_{lv}" for lv in LEVELS[own:]]


def group_keys(ctx: Context) -> list[str]:
    """The figures of each breakdown table (and of the page's level table)."""
    return ["received", "screened_out", "adopted", "published", "sent_up", *_level_keys(ctx, "adopted"),
            "instructed", *_level_keys(ctx, "instructed")]


def breakdown(scope: Scope, dim: str, ctx: Context | None = None, memo: dict[str, Any] | None = None) -> list[Row]:
    """One row per source kind / sector / party / author: one grouped query (two for authors, whose
    co-authors are credited too), plus the authors' names. With `memo`, the groups are counted once for
    every table (`_groups`)."""
    ctx = ctx or Context.of(scope.committee)
    keys = group_keys(ctx)
    base = base_rows(scope, ITEM)
    if dim == "author":
        if memo is not None:
            grouped = _sum_by(_groups(scope, ctx, memo), "author_id", keys)
        else:
            grouped = {r.pop("author_id"): r for r in base.values("author_id").annotate(**_counts(ctx, ITEM, keys))
                       .order_by()}
        for r in (base.filter(coauthors__isnull=False).values("coauthors__user_id")
                  .annotate(**_counts(ctx, ITEM, keys)).order_by()):
            uid = r.pop("coauthors__user_id")
            mine = grouped.setdefault(uid, dict.fromkeys(keys, 0))
            for k, v in r.items():
                mine[k] += v
        names = {u.pk: u.display_name or u.username
                 for u in User.objects.filter(pk__in=[k for k in grouped if k is not None])}
        labels: list[tuple[Any, str]] = sorted(((k, n) for k, n in names.items()),
                                               key=lambda kn: (-grouped[kn[0]]["received"], kn[1], kn[0]))
        if None in grouped:
            labels.append((None, _NONE_LABEL[dim]))
    else:
        group = _GROUP_FIELD[dim]
        if memo is not None:
            grouped = _sum_by(_groups(scope, ctx, memo), group, keys)
        else:
            grouped = {r.pop(group): r for r in base.values(group).annotate(**_counts(ctx, ITEM, keys)).order_by()}
        if dim == "source":
            labels = [(k, v) for k, v in SourceKind.choices if k != SourceKind.COMBINED]
        else:
            labels = sorted(((k, k) for k in grouped if k), key=lambda kv: (-grouped[kv[0]]["received"], kv[0]))
            if "" in grouped:
                labels.append(("", _NONE_LABEL[dim]))
    out = []
    for key, label in labels:
        counts = grouped.get(key, {})
        if dim != "source" and not any(counts.values()):
            continue
        out.append(Row(key=NONE if key in (None, "") else str(key), label=label, numbers=Numbers(dict(counts))))
    return out


# ---------------------------------------------------------------------------------------------
# The tables (page and spreadsheet alike)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    label: str
    kind: str  # "count" | "rate"
    key: str  # a figure key or a rate key

    @property
    def figure(self) -> str:
        """The figure whose rows this column's numbers open (a rate opens its numerator)."""
        return RATES[self.key].numerator if self.kind == "rate" else self.key

    @property
    def unit(self) -> str:
        return "" if self.kind == "rate" else FIGURES[self.key].unit

    def value(self, numbers: Numbers) -> int | float | None:
        return numbers.rate(self.key) if self.kind == "rate" else numbers[self.key]


def _c(key: str) -> Column:
    if key in RATES:
        return Column(RATES[key].label, "rate", key)
    return Column(FIGURES[key].label, "count", key)


def headline_keys(ctx: Context) -> list[str]:
    return ["received", "pending", "screened_out", "adopted", "adoption_rate", "adopted_single", "adopted_combined",
            "adopted_referred", "published", "issues", *[f"issues_{s.value}" for s in Series], "sent_up",
            *(["adopted_upper", "upper_rate"] if _above(ctx) else []), *_level_keys(ctx, "adopted"), "instructed",
            *_level_keys(ctx, "instructed")]


@dataclass
class Report:
    scope: Scope
    total: Numbers
    cards: list[Column]
    tables: list[Table]


def stats_report(scope: Scope) -> Report:
    """Everything the statistics page and its spreadsheet show, in a few queries however many items: one
    grouped query of the items for the headline and every table but the co-authors' part, one of the
    issues, one of the co-authors, the authors' names and the committees above."""
    ctx = Context.of(scope.committee)
    memo: dict[str, Any] = {}
    total = count_figures(scope, ctx, memo)
    columns = [_c(k) for k in group_keys(ctx)]
    tables = [Table(id=dim, title=f"按{title}", first=title, param=param, columns=columns,
                    rows=breakdown(scope, dim, ctx, memo)) for dim, (title, param) in DIMENSIONS.items()]
    return Report(scope=scope, total=total, cards=[_c(k) for k in headline_keys(ctx)], tables=tables)


def describe(scope: Scope) -> list[str]:
    """Human words for a scope's filters, e.g. ["2026年", "委员", "教育界"]."""
    out = []
    if scope.year:
        out.append(f"{scope.year}年")
    if scope.date_from or scope.date_to:
        out.append(f"{scope.date_from or '…'} 至 {scope.date_to or '…'}")
    if scope.source:
        out.append(SourceKind(scope.source).label)
    for key in ("sector", "party"):
        value = getattr(scope, key)
        if value:
            out.append(_NONE_LABEL[key] if value == NONE else value)
    if scope.author == NONE:
        out.append(_NONE_LABEL["author"])
    elif scope.author:
        user = User.objects.filter(pk=int(scope.author)).first()
        out.append(f"作者：{user.display_name or user.username}" if user else "")
    return [s for s in out if s]


def definitions() -> list[tuple[str, str]]:
    return [(f.label, f.help) for f in FIGURES.values() if f.help and not f.key.endswith(tuple(LEVELS))] + [
        ("被X级采用", FIGURES["adopted_city"].help), ("获X级批示", FIGURES["instructed_city"].help),
        *[(r.label, r.help) for r in RATES.values()]]


__all__ = ["Scope", "scope_from_query", "Context", "FIGURES", "RATES", "Numbers", "count_figures", "figure_rows",
           "breakdown", "stats_report", "Report", "Column", "describe", "credited"]
