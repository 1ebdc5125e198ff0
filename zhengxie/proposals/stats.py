"""Proposal statistics (提案统计): every number of domain.md §2, each one click away from its rows.

A *figure* is a named filter on one kind of row: proposals (件), ratings by proposers (份), formal
replies (份) or units' assignments (单位次). The statistics page counts `figure.where()` and
`stats_list?figure=…` lists the rows of the very same filter, so a number and the rows behind it
cannot disagree. A *rate* is one figure over another (立案率 = 立案 / 收到).

Counting happens in the database: one aggregate query per kind of row for the headline numbers and
one grouped query per kind of row for each breakdown table; no Python loop ever walks the proposals.

Definitions (shown on the page too):
- 收到: every proposal that reached the office: submitted or any later state, including 并案,
  转意见建议 and 不予立案; drafts, those collecting co-signers and those returned for revision are
  with the proposer and not counted until (re)submitted. 收到 = 待审查 + 立案 + 不予立案 + 并案 + 转意见建议.
- 立案: registered and every later state of a registered proposal. Merged proposals count as 并案,
  not 立案 (their lead proposal is the one registered).
- 已答复: replied or closed (办复率 = 已答复 / 立案).
- Ratings count the reply in force: round 2 after a 重新办理, else round 1. 满意率 is over the
  proposers' rating of the *result* (办理结果): (满意 + 基本满意) / 已评价; the rating of the handling work
  (办理态度) has its own rate.
- A/B/C(/D) shares are over the formal replies in force (the latest round of each unit's reply;
  assisting units' opinions to the lead unit are not replies).
- Per unit: 按期答复 = answered on or before the assignment's due date; 按期答复率 = 按期答复 /
  (已答复 + 逾期未复), so assignments not yet due count neither way; 平均办理天数 = calendar days
  from 交办 to the unit's answer.
- Scope: a session's 大会提案 (`session=<id>`) or the 平时提案 (`session=between`), and/or a range of
  the date the proposal was received (submitted). Breakdown links add category, proposer kind, the
  first proposer's sector or party, or a unit (proposals assigned to it; its own assignments/replies).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import (
    Avg, Case, Count, DurationField, ExpressionWrapper, F, FilteredRelation, IntegerField, OuterRef, Q,
    QuerySet, Value, When,
)
from django.db.models.expressions import Exists
from django.db.models.functions import Cast
from django.utils import timezone

from zhengxie.core.figures import Figure, Rate, Row, Table, date_range_from_query, parse_int
from zhengxie.org.models import Committee, Party, Sector, Session, Unit
from zhengxie.proposals.models import Assignment, Category, Evaluation, Proposal, ProposerKind, Reply
from zhengxie.proposals.workflow import (
    ASSIGNED, CLOSED, CONVERTED, HANDLING, MERGED, NOT_REGISTERED, REGISTERED, REHANDLING, REPLIED, SUBMITTED,
)

# Kinds of row a figure counts; the unit word goes after the number.
PROPOSAL, RATING, REPLY, ASSIGNMENT = "proposal", "rating", "reply", "assignment"
FAMILY_UNIT = {PROPOSAL: "件", RATING: "份", REPLY: "份", ASSIGNMENT: "单位次"}

REGISTERED_STATES = (REGISTERED, ASSIGNED, HANDLING, REPLIED, REHANDLING, CLOSED)
RECEIVED_STATES = (SUBMITTED, NOT_REGISTERED, CONVERTED, MERGED, *REGISTERED_STATES)
ASSIGNED_STATES = (ASSIGNED, HANDLING, REPLIED, REHANDLING, CLOSED)
REPLIED_STATES = (REPLIED, CLOSED)
# Sector and party belong to a member; a collective proposal (党派, 界别 …) has no first member.
MEMBER_KINDS = (ProposerKind.INDIVIDUAL, ProposerKind.JOINT)
OK_RATINGS = (Evaluation.Rating.SATISFIED, Evaluation.Rating.BASICALLY)
NONE = "none"  # the query value for "no sector / no party" in breakdown links
BETWEEN = "between"  # the query value for 平时提案


# ---------------------------------------------------------------------------------------------
# Scope: which proposals a statistic is about
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    committee: Committee
    session_id: int | None = None  # the 大会提案 of one session
    between: bool = False  # the 平时提案 (all of them, whatever session they are filed under)
    date_from: dt.date | None = None  # received on or after
    date_to: dt.date | None = None  # received on or before
    category: str = ""
    kind: str = ""
    sector: str = ""  # a Sector id, or NONE
    party: str = ""  # a Party id, or NONE
    unit_id: int | None = None

    def params(self) -> dict[str, str]:
        """The query string that gives this scope back (for links and the export)."""
        out: dict[str, str] = {}
        if self.between:
            out["session"] = BETWEEN
        elif self.session_id:
            out["session"] = str(self.session_id)
        if self.date_from:
            out["from"] = self.date_from.isoformat()
        if self.date_to:
            out["to"] = self.date_to.isoformat()
        for key in ("category", "kind", "sector", "party"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.unit_id:
            out["unit"] = str(self.unit_id)
        return out

    def period_params(self) -> dict[str, str]:
        """Only the session and dates (what the statistics page itself is filtered by)."""
        return {k: v for k, v in self.params().items() if k in ("session", "from", "to")}


def scope_from_query(committee: Committee, data: Mapping[str, str]) -> tuple[Scope, list[str]]:
    """A Scope from `?session=&from=&to=&category=&kind=&sector=&party=&unit=`, and what was wrong.

    A bad value drops that filter only and says so in Chinese; it never raises."""
    errors: list[str] = []
    kw: dict[str, Any] = {}
    session = (data.get("session") or "").strip()
    if session == BETWEEN:
        kw["between"] = True
    elif session:
        sid = parse_int(session)
        if sid is None or not Session.objects.filter(committee=committee, pk=sid).exists():
            errors.append("所选会议不存在，已按全部会议统计。")
        else:
            kw["session_id"] = sid
    dates, date_errors = date_range_from_query(data)
    kw.update(dates)
    errors += date_errors
    choice_sets = {"category": set(Category.values), "kind": set(ProposerKind.values)}
    for key, allowed in choice_sets.items():
        raw = (data.get(key) or "").strip()
        if raw and raw not in allowed:
            errors.append("提案类别不存在，已忽略。" if key == "category" else "提案者类型不存在，已忽略。")
        elif raw:
            kw[key] = raw
    for key, model, label in (("sector", Sector, "界别"), ("party", Party, "党派")):
        raw = (data.get(key) or "").strip()
        if raw == NONE:
            kw[key] = NONE
        elif raw:
            pk = parse_int(raw)
            if pk is None or not model.objects.filter(committee=committee, pk=pk).exists():
                errors.append(f"所选{label}不存在，已忽略。")
            else:
                kw[key] = str(pk)
    raw = (data.get("unit") or "").strip()
    if raw:
        pk = parse_int(raw)
        if pk is None or not Unit.objects.filter(committee=committee, pk=pk).exists():
            errors.append("所选承办单位不存在，已忽略。")
        else:
            kw["unit_id"] = pk
    return Scope(committee=committee, **kw), errors


# ---------------------------------------------------------------------------------------------
# The base rows of each family, scoped
# ---------------------------------------------------------------------------------------------


def _prefix(family: str) -> str:
    return "" if family == PROPOSAL else "proposal__"


def _scope_q(scope: Scope, family: str) -> Q:
    p = _prefix(family)
    q = Q(committee=scope.committee)  # every row carries its committee: the indexed column
    # The same committee on the joined rows too: redundant for the result, but without it PostgreSQL
    # joins every assignment (or proposal) of the deployment before the reply's committee filters them.
    if family == REPLY:
        q &= Q(assignment__committee=scope.committee)
    if family == RATING:
        q &= Q(proposal__committee=scope.committee)
    if scope.between:
        q &= Q(**{f"{p}between_sessions": True})
    elif scope.session_id:
        q &= Q(**{f"{p}session_id": scope.session_id, f"{p}between_sessions": False})
    if scope.date_from:
        q &= Q(**{f"{p}submitted_at__date__gte": scope.date_from})
    if scope.date_to:
        q &= Q(**{f"{p}submitted_at__date__lte": scope.date_to})
    if scope.category:
        q &= Q(**{f"{p}category": scope.category})
    if scope.kind:
        q &= Q(**{f"{p}proposer_kind": scope.kind})
    if scope.unit_id:
        if family == ASSIGNMENT:
            q &= Q(unit_id=scope.unit_id)
        elif family == REPLY:
            q &= Q(assignment__unit_id=scope.unit_id)
        else:
            q &= Q(Exists(Assignment.objects.filter(
                proposal_id=OuterRef("pk" if family == PROPOSAL else "proposal_id"), unit_id=scope.unit_id,
            ).exclude(status=Assignment.Status.WITHDRAWN)))
    for dim in ("sector", "party"):
        value = getattr(scope, dim)
        if value == NONE:
            q &= Q(**{f"dim_{dim}__isnull": True})
        elif value:
            q &= Q(**{f"dim_{dim}": int(value)})
    return q


def _with_member_dims(qs: QuerySet[Any], family: str) -> QuerySet[Any]:
    """Annotate `dim_sector` and `dim_party`: those of the first proposer's member profile in this
    committee (a user may serve two committees); None for collective proposals or no profile."""
    p = _prefix(family)
    qs = qs.alias(first_member=FilteredRelation(
        f"{p}proposer__memberships", condition=Q(**{f"{p}proposer__memberships__committee": F("committee")})))
    individual = Q(**{f"{p}proposer_kind__in": MEMBER_KINDS})
    return qs.annotate(
        dim_sector=Case(When(individual, then=F("first_member__sector_id")), default=None,
                        output_field=IntegerField()),
        dim_party=Case(When(individual, then=F("first_member__party_id")), default=None,
                       output_field=IntegerField()),
    )


def base_rows(scope: Scope, family: str, *, dims: bool = False) -> QuerySet[Any]:
    """All rows of `family` in `scope` that any figure of the family may count."""
    qs: QuerySet[Any]
    if family == PROPOSAL:
        qs = Proposal.objects.all()
    elif family == RATING:
        # The rating in force: of the redo's reply once a proposal was handled again.
        qs = Evaluation.objects.filter(Q(round=1, proposal__rehandled=False) | Q(round=2, proposal__rehandled=True))
    elif family == REPLY:
        later = Reply.objects.filter(assignment_id=OuterRef("assignment_id"), is_opinion=False,
                                     round__gt=OuterRef("round"))
        qs = (Reply.objects.filter(is_opinion=False).exclude(assignment__status=Assignment.Status.WITHDRAWN)
              .exclude(Exists(later)))
    elif family == ASSIGNMENT:
        qs = Assignment.objects.exclude(status=Assignment.Status.WITHDRAWN)
    else:  # pragma: no cover - programming error
        raise ValueError(family)
    if dims or scope.sector or scope.party:
        qs = _with_member_dims(qs, family)
    return qs.filter(_scope_q(scope, family))


# ---------------------------------------------------------------------------------------------
# Figures and rates
# ---------------------------------------------------------------------------------------------


def _states(states: Iterable[str]) -> Callable[[dt.date], Q]:
    frozen = tuple(states)
    return lambda today: Q(state__in=frozen)


def _unrated(today: dt.date) -> Q:
    # Rated in the round in force (2 once handled again): one correlated lookup per proposal. Written as
    # two EXISTS joined by OR, PostgreSQL hashes every second-round rating of the deployment instead.
    round_in_force = Value(1) + Cast(OuterRef("rehandled"), output_field=IntegerField())
    rated = Exists(Evaluation.objects.filter(proposal_id=OuterRef("pk"), round=round_in_force))
    return Q(state__in=REPLIED_STATES) & ~Q(rated)


_ANSWERED = Q(status=Assignment.Status.ANSWERED)
_ON_TIME = _ANSWERED & (Q(due_date__isnull=True) | Q(answered_at__date__lte=F("due_date")))


def _overdue(today: dt.date) -> Q:
    return ~_ANSWERED & Q(due_date__lt=today)


# `where` is given today's date (for 逾期); the unit word follows the family.
FIGURES: dict[str, Figure] = {f.key: replace(f, unit=FAMILY_UNIT[f.family]) for f in [
    # 提、立
    Figure("received", "收到", PROPOSAL, _states(RECEIVED_STATES), "提交到提案委员会的全部提案（含并案、转意见建议和不予立案的）"),
    Figure("pending", "待审查", PROPOSAL, _states([SUBMITTED])),
    Figure("registered", "立案", PROPOSAL, _states(REGISTERED_STATES)),
    Figure("not_registered", "不予立案", PROPOSAL, _states([NOT_REGISTERED])),
    Figure("merged", "并案", PROPOSAL, _states([MERGED])),
    Figure("converted", "转意见建议", PROPOSAL, _states([CONVERTED])),
    Figure("key", "重点提案", PROPOSAL, lambda today: Q(is_key=True, state__in=REGISTERED_STATES)),
    # 办
    Figure("assigned", "交办", PROPOSAL, _states(ASSIGNED_STATES)),
    Figure("replied", "已答复", PROPOSAL, _states(REPLIED_STATES), "已答复或已办结的提案"),
    Figure("closed", "办结", PROPOSAL, _states([CLOSED])),
    # 评
    Figure("unrated", "未评价", PROPOSAL, _unrated, "已答复但提案人尚未评价这次答复的提案"),
    Figure("rated", "已评价", RATING, lambda today: Q(), "提案人对答复的评价份数（每位提案人一份）"),
    Figure("satisfied", "满意", RATING, lambda today: Q(result=Evaluation.Rating.SATISFIED)),
    Figure("basically", "基本满意", RATING, lambda today: Q(result=Evaluation.Rating.BASICALLY)),
    Figure("dissatisfied", "不满意", RATING, lambda today: Q(result=Evaluation.Rating.DISSATISFIED)),
    Figure("result_ok", "满意和基本满意", RATING, lambda today: Q(result__in=OK_RATINGS), "对办理结果的评价"),
    Figure("handling_ok", "办理工作满意和基本满意", RATING, lambda today: Q(handling__in=OK_RATINGS),
           "对办理工作（沟通、态度）的评价"),
    # 答复 grades
    Figure("replies", "答复", REPLY, lambda today: Q(), "主办、分办单位的正式答复（以最后一轮为准）"),
    Figure("grade_a", "A 类", REPLY, lambda today: Q(grade="A"), "已解决或采纳"),
    Figure("grade_b", "B 类", REPLY, lambda today: Q(grade="B"), "正在解决或列入计划"),
    Figure("grade_c", "C 类", REPLY, lambda today: Q(grade="C"), "因条件限制留作参考"),
    Figure("grade_d", "D 类", REPLY, lambda today: Q(grade="D")),
    # units
    Figure("unit_assigned", "交办单位次", ASSIGNMENT, lambda today: Q(), "每个承办单位承担的一件提案算一次"),
    Figure("unit_answered", "单位已答复", ASSIGNMENT, lambda today: _ANSWERED),
    Figure("unit_on_time", "按期答复", ASSIGNMENT, lambda today: _ON_TIME),
    Figure("unit_late", "逾期答复", ASSIGNMENT, lambda today: _ANSWERED & ~_ON_TIME),
    Figure("unit_overdue", "逾期未复", ASSIGNMENT, _overdue),
    Figure("unit_due", "应已答复", ASSIGNMENT, lambda today: _ANSWERED | _overdue(today), "已答复或已过期限"),
]}


RATES: dict[str, Rate] = {r.key: r for r in [
    Rate("registration_rate", "立案率", "registered", "received", "立案 / 收到"),
    Rate("reply_rate", "办复率", "replied", "registered", "已答复 / 立案"),
    Rate("satisfaction_rate", "满意率", "result_ok", "rated", "对办理结果“满意”和“基本满意”的评价 / 已评价"),
    Rate("handling_rate", "办理工作满意率", "handling_ok", "rated", "对办理工作“满意”和“基本满意”的评价 / 已评价"),
    Rate("share_a", "A 类占比", "grade_a", "replies", "A 类答复 / 答复"),
    Rate("share_b", "B 类占比", "grade_b", "replies", "B 类答复 / 答复"),
    Rate("share_c", "C 类占比", "grade_c", "replies", "C 类答复 / 答复"),
    Rate("share_d", "D 类占比", "grade_d", "replies", "D 类答复 / 答复"),
    Rate("on_time_rate", "按期答复率", "unit_on_time", "unit_due", "按期答复 / (已答复 + 逾期未复)"),
]}

_DAYS = ExpressionWrapper(F("answered_at") - F("created_at"), output_field=DurationField())


@dataclass
class Numbers:
    """Counts of figures (and the average handling days) for one scope or one breakdown row."""

    counts: dict[str, int] = field(default_factory=dict)
    avg_days: float | None = None

    def __getitem__(self, key: str) -> int:
        return self.counts.get(key, 0)

    def rate(self, key: str) -> float | None:
        r = RATES[key]
        den = self[r.denominator]
        return self[r.numerator] / den if den else None


def _counts(family: str, today: dt.date, keys: Iterable[str] | None = None) -> dict[str, Count]:
    return {f.key: Count("pk", filter=f.where(today)) for f in FIGURES.values()
            if f.family == family and (keys is None or f.key in keys)}


def _days(value: dt.timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 86400, 1)


def count_figures(scope: Scope, today: dt.date | None = None) -> Numbers:
    """Every figure for `scope`: one aggregate query per kind of row (four in all)."""
    today = today or timezone.localdate()
    out = Numbers()
    for family in (PROPOSAL, RATING, REPLY):
        out.counts.update(base_rows(scope, family).aggregate(**_counts(family, today)))
    row = base_rows(scope, ASSIGNMENT).aggregate(
        **_counts(ASSIGNMENT, today), avg_days=Avg(_DAYS, filter=FIGURES["unit_answered"].where(today)))
    out.avg_days = _days(row.pop("avg_days"))
    out.counts.update(row)
    return out


def figure_rows(scope: Scope, key: str, today: dt.date | None = None) -> QuerySet[Any]:
    """The rows figure `key` counts in `scope`, ready to list (related rows fetched in the same query)."""
    figure = FIGURES[key]
    today = today or timezone.localdate()
    qs = base_rows(scope, figure.family).filter(figure.where(today))
    if figure.family == PROPOSAL:
        return qs.select_related("proposer", "session").order_by(F("number").asc(nulls_last=True), "id")
    if figure.family == RATING:
        return qs.select_related("proposal", "user").order_by("proposal__number", "proposal_id", "id")
    if figure.family == REPLY:
        return qs.select_related("proposal", "assignment__unit").order_by("proposal__number", "proposal_id", "id")
    return (qs.select_related("proposal", "unit").annotate(days=_DAYS)
            .order_by("unit__order", "unit_id", "proposal__number", "id"))


# ---------------------------------------------------------------------------------------------
# Breakdowns
# ---------------------------------------------------------------------------------------------


# Which figures each breakdown shows, and the query parameter its rows filter on.
DIMENSIONS = {
    "unit": ("承办单位", "unit"),
    "category": ("提案类别", "category"),
    "kind": ("提案者类型", "kind"),
    "sector": ("第一提案人界别", "sector"),
    "party": ("第一提案人党派", "party"),
}
_GROUP_FIELD = {"category": "category", "kind": "proposer_kind", "sector": "dim_sector", "party": "dim_party"}


def _grouped(scope: Scope, family: str, dim: str, today: dt.date, keys: Iterable[str] | None = None,
             extra: Mapping[str, Any] | None = None) -> dict[Any, dict[str, Any]]:
    if dim == "unit":
        group = "unit_id" if family == ASSIGNMENT else "assignment__unit_id"
    else:
        group = _prefix(family) + _GROUP_FIELD[dim] if dim in ("category", "kind") else _GROUP_FIELD[dim]
    qs = base_rows(scope, family, dims=dim in ("sector", "party"))
    rows = qs.values(group).annotate(**_counts(family, today, keys), **(extra or {})).order_by()
    return {r.pop(group): r for r in rows}


def _member_dim(scope: Scope, family: str, dim: str, today: dt.date, keys: Iterable[str] | None,
                memo: dict[Any, Any] | None) -> dict[Any, dict[str, Any]]:
    """`_grouped` by the first proposer's sector or party. With `memo` (one page's tables), both come
    from one query grouped by the pair, added up here: every figure is a count, so the parts add up."""
    if memo is None:
        return _grouped(scope, family, dim, today, keys)
    key = (family, tuple(sorted(keys)) if keys else None)
    if key not in memo:
        qs = base_rows(scope, family, dims=True)
        memo[key] = list(qs.values("dim_sector", "dim_party").annotate(**_counts(family, today, keys)).order_by())
    out: dict[Any, dict[str, Any]] = {}
    for row in memo[key]:
        counts = {k: v for k, v in row.items() if k not in ("dim_sector", "dim_party")}
        into = out.setdefault(row[f"dim_{dim}"], dict.fromkeys(counts, 0))
        for k, v in counts.items():
            into[k] += v or 0
    return out


def breakdown(scope: Scope, dim: str, today: dt.date | None = None,
              memo: dict[Any, Any] | None = None) -> list[Row]:
    """One row per unit / category / proposer kind / sector / party: two grouped queries (+ labels);
    sector and party share theirs when the caller passes the same `memo` to both."""
    today = today or timezone.localdate()
    if dim == "unit":
        main = _grouped(scope, ASSIGNMENT, dim, today, extra={
            "avg_days": Avg(_DAYS, filter=FIGURES["unit_answered"].where(today))})
        side = _grouped(scope, REPLY, dim, today)
        names = dict(Unit.objects.filter(committee=scope.committee, pk__in=list(main))
                     .order_by("order", "id").values_list("pk", "name"))
        labels: list[tuple[Any, str]] = list(names.items())
    elif dim in ("sector", "party"):
        main = _member_dim(scope, PROPOSAL, dim, today, None, memo)
        side = _member_dim(scope, RATING, dim, today, {"rated", "result_ok", "handling_ok"}, memo)
    else:
        main = _grouped(scope, PROPOSAL, dim, today)
        side = _grouped(scope, RATING, dim, today, keys={"rated", "result_ok", "handling_ok"})
    if dim != "unit":
        if dim == "category":
            labels = list(Category.choices)
        elif dim == "kind":
            labels = list(ProposerKind.choices)
        else:
            model = Sector if dim == "sector" else Party
            present = {k for k in main if k is not None}
            labels = list(model.objects.filter(committee=scope.committee, pk__in=present)
                          .order_by("order", "id").values_list("pk", "name"))
            if None in main:
                labels.append((None, "集体提案或无委员档案" if dim == "sector" else "集体提案或未登记党派"))
    out = []
    for key, label in labels:
        counts = dict(main.get(key, {}))
        avg = counts.pop("avg_days", None)
        counts.update(side.get(key, {}))
        if dim in ("sector", "party", "unit") and not any(counts.values()):
            continue
        out.append(Row(key=NONE if key is None else str(key), label=label,
                       numbers=Numbers(counts=counts, avg_days=_days(avg))))
    return out


# ---------------------------------------------------------------------------------------------
# The tables (page and spreadsheet alike)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    label: str
    kind: str  # "count" | "rate" | "days"
    key: str  # a figure key, a rate key, or "avg_days"

    @property
    def figure(self) -> str:
        """The figure whose rows this column's numbers open (a rate opens its numerator)."""
        if self.kind == "rate":
            return RATES[self.key].numerator
        if self.kind == "days":
            return "unit_answered"
        return self.key

    def value(self, numbers: Numbers) -> int | float | None:
        if self.kind == "rate":
            return numbers.rate(self.key)
        if self.kind == "days":
            return numbers.avg_days
        return numbers[self.key]


def _c(key: str) -> Column:
    if key in RATES:
        return Column(RATES[key].label, "rate", key)
    if key == "avg_days":
        return Column("平均办理天数", "days", key)
    return Column(FIGURES[key].label, "count", key)


HEADLINE = ["received", "registered", "registration_rate", "not_registered", "merged", "converted", "pending",
            "assigned", "replied", "reply_rate", "closed", "rated", "satisfaction_rate", "handling_rate",
            "unrated", "key", "share_a", "share_b", "share_c", "share_d", "on_time_rate", "avg_days"]
UNIT_COLUMNS = ["unit_assigned", "unit_answered", "unit_on_time", "unit_late", "unit_overdue", "on_time_rate",
                "avg_days", "grade_a", "grade_b", "grade_c", "grade_d"]
GROUP_COLUMNS = ["received", "registered", "registration_rate", "not_registered", "merged", "converted",
                 "replied", "reply_rate", "rated", "satisfaction_rate"]


def headline(numbers: Numbers, *, grade_d: bool) -> list[Column]:
    return [_c(k) for k in HEADLINE if grade_d or k != "share_d"]


def grade_d_shown(scope: Scope, numbers: Numbers) -> bool:
    """D grades are a per-committee option; show the column where it is on or has been used."""
    return bool((scope.committee.settings or {}).get("proposal_grade_d")) or numbers["grade_d"] > 0


@dataclass
class Report:
    scope: Scope
    total: Numbers
    cards: list[Column]
    tables: list[Table]


def stats_report(scope: Scope, today: dt.date | None = None) -> Report:
    """Everything the statistics page and its spreadsheet show, in about twenty queries however many
    proposals there are."""
    today = today or timezone.localdate()
    total = count_figures(scope, today)
    d = grade_d_shown(scope, total)
    tables = []
    memo: dict[Any, Any] = {}
    for dim, (title, param) in DIMENSIONS.items():
        keys = [k for k in (UNIT_COLUMNS if dim == "unit" else GROUP_COLUMNS) if d or k != "grade_d"]
        tables.append(Table(id=dim, title=f"按{title}", first=title, param=param, columns=[_c(k) for k in keys],
                            rows=breakdown(scope, dim, today, memo)))
    return Report(scope=scope, total=total, cards=headline(total, grade_d=d), tables=tables)


def describe(scope: Scope) -> list[str]:
    """Human words for a scope's filters, e.g. ["十一届五次会议", "经济建设", "区教育局"]."""
    out = []
    if scope.between:
        out.append("平时提案")
    elif scope.session_id:
        out.append(Session.objects.filter(pk=scope.session_id).values_list("name", flat=True).first() or "")
    if scope.date_from or scope.date_to:
        out.append(f"{scope.date_from or '…'} 至 {scope.date_to or '…'} 收到")
    if scope.category:
        out.append(Category(scope.category).label)
    if scope.kind:
        out.append(ProposerKind(scope.kind).label)
    for key, model, none in (("sector", Sector, "无界别（集体提案等）"), ("party", Party, "无党派信息（集体提案等）")):
        value = getattr(scope, key)
        if value == NONE:
            out.append(none)
        elif value:
            out.append(model.objects.filter(pk=int(value)).values_list("name", flat=True).first() or "")
    if scope.unit_id:
        out.append(Unit.objects.filter(pk=scope.unit_id).values_list("name", flat=True).first() or "")
    return [s for s in out if s]


__all__ = ["Scope", "scope_from_query", "FIGURES", "RATES", "Numbers", "count_figures", "figure_rows",
           "breakdown", "stats_report", "Report", "Table", "Column", "Row", "describe"]
