"""Reads for the proposal office's desk and the leaders' screens: work queues, overdue items, to-do counts.

Every read is scoped by `selectors.visible(access)` (so by committee) and fetches what a list row shows in
a fixed number of queries, whatever the number of rows (tests pin the counts).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from zhengxie.accounts.models import Role, User
from zhengxie.accounts.permissions import Access
from zhengxie.org.models import Session, Unit
from zhengxie.proposals.models import Assignment, Proposal, Signer, Supervision
from zhengxie.proposals.selectors import visible

ACTIVE = ("assigned", "handling", "rehandling")  # a unit is working on it: a due date applies
KEY_STATES = ("registered", *ACTIVE, "replied")  # key proposals a leader follows until the reply
DUE_SOON_DAYS = 10
BETWEEN_SESSIONS = "between"  # the session filter's value for 平时提案

# The desk's tabs: (value, label, states). "reassign" is not a state but a queue: units asked to change.
TABS: list[tuple[str, str, tuple[str, ...]]] = [
    ("submitted", "待审查", ("submitted",)),
    ("registered", "已立案待交办", ("registered",)),
    ("assigned", "已交办", ("assigned",)),
    ("handling", "办理中", ("handling", "rehandling")),
    ("replied", "已答复", ("replied",)),
    ("returned", "退回", ("returned",)),
    ("reassign", "申请调整", ()),
    ("all", "全部", ()),
]
TAB_LABELS = {value: label for value, label, _ in TABS}
DEFAULT_TAB = "submitted"
_NOT_ON_DESK = ("draft", "cosigning")  # the proposer's own business until submitted


@dataclass(frozen=True)
class DeskFilter:
    tab: str = DEFAULT_TAB
    session: str = ""  # a session id, BETWEEN_SESSIONS, or "" for all
    category: str = ""
    key_only: bool = False
    q: str = ""
    oldest_first: bool = False


def _reassign_ids(access: Access) -> QuerySet[Assignment]:
    """The proposals a unit asked to be taken off (申请调整), as a subquery: few rows, so the database
    hashes them once instead of probing the assignments for every proposal of the committee."""
    return Assignment.objects.filter(committee=access.committee,
                                     status=Assignment.Status.REASSIGN_REQUESTED).values("proposal_id")


def _tab_q(access: Access, tab: str) -> Q:
    if tab == "reassign":
        return Q(pk__in=_reassign_ids(access))
    states = next((s for v, _, s in TABS if v == tab and s), None)
    return Q(state__in=states) if states else Q()


def _filtered(access: Access, f: DeskFilter) -> QuerySet[Proposal]:
    """The desk's rows before the tab: every filter but the state."""
    qs = visible(access).exclude(state__in=_NOT_ON_DESK)
    if f.session == BETWEEN_SESSIONS:
        qs = qs.filter(between_sessions=True)
    elif f.session.isdigit():
        qs = qs.filter(session_id=int(f.session), between_sessions=False)
    if f.category:
        qs = qs.filter(category=f.category)
    if f.key_only:
        qs = qs.filter(is_key=True)
    if f.q:
        qs = qs.filter(Q(title__icontains=f.q) | Q(number_label__icontains=f.q))
    return qs


# Long texts a list row never shows: not read for fifty rows at a time.
_LIST_DEFERRED = ("reason", "suggestion", "return_advice", "reject_reason", "convert_note", "public_note")


def with_rows(qs: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """What a list row shows: proposer, co-signers, session, the units handling it (six queries in all).

    People and sessions are fetched by id after the page's rows, not joined: a join comes before the sort
    and the LIMIT, so the database would read every proposer of the committee's thousands of proposals
    (a hash of all the deployment's users) to show fifty."""
    return qs.prefetch_related(
        "proposer", "session", "supervising_leader",
        Prefetch("signers", queryset=Signer.objects.filter(status=Signer.Status.ACCEPTED)
                 .select_related("user").order_by("invited_at", "id"), to_attr="accepted_signers"),
        Prefetch("assignments", queryset=Assignment.objects.exclude(status=Assignment.Status.WITHDRAWN)
                 .select_related("unit").order_by("unit__order", "unit_id"), to_attr="live_assignments"),
    )


def desk(access: Access, f: DeskFilter) -> QuerySet[Proposal]:
    """The desk's list for one tab: newest submitted first (or oldest, to work through a backlog)."""
    qs = with_rows(_filtered(access, f).filter(_tab_q(access, f.tab))).defer(*_LIST_DEFERRED)
    order = ("submitted_at", "id") if f.oldest_first else ("-submitted_at", "-id")
    return qs.order_by(*order)


def desk_counts(access: Access, f: DeskFilter) -> dict[str, int]:
    """How many rows each tab holds under the other filters (one query)."""
    aggregates = {value: Count("pk", filter=_tab_q(access, value)) for value, _, _ in TABS}
    return _filtered(access, f).aggregate(**aggregates)


def desk_proposals(access: Access, ids: list[int]) -> list[Proposal]:
    """The proposals of `ids` the user may see, in submission order (the order numbers are given in)."""
    return list(visible(access).filter(pk__in=ids).select_related("session").order_by("submitted_at", "id"))


def desk_sessions(access: Access) -> list[Session]:
    return list(Session.objects.filter(committee=access.committee).order_by("-start_date", "-id"))


def active_units(access: Access) -> QuerySet[Unit]:
    return Unit.objects.filter(committee=access.committee, is_active=True).order_by("order", "id")


def committee_leaders(access: Access) -> list[User]:
    """Who may lead the supervision of a key proposal: the committee's leaders (主席、副主席 …)."""
    return list(User.objects.filter(grants__committee=access.committee, grants__role=Role.LEADER, is_active=True)
                .distinct().order_by("display_name", "id"))


def live_assignments(p: Proposal) -> list[Assignment]:
    return list(Assignment.objects.filter(proposal=p).exclude(status=Assignment.Status.WITHDRAWN)
                .select_related("unit").order_by("unit__order", "unit_id"))


# --- overdue and key proposals -------------------------------------------------------------------------


def _with_supervisions(qs: QuerySet[Proposal]) -> QuerySet[Proposal]:
    recent = Supervision.objects.select_related("author").order_by("-created_at", "-id")
    return qs.prefetch_related(Prefetch("supervisions", queryset=recent, to_attr="recent_supervisions"))


def overdue(access: Access, today: dt.date | None = None) -> QuerySet[Proposal]:
    """Proposals a unit is working on whose due date has passed, the longest overdue first."""
    today = today or timezone.localdate()
    return _with_supervisions(with_rows(visible(access).filter(state__in=ACTIVE, due_date__lt=today))).order_by(
        "due_date", "id")


def due_soon(access: Access, today: dt.date | None = None, days: int = DUE_SOON_DAYS) -> QuerySet[Proposal]:
    """Proposals due from today up to `days` calendar days ahead, the soonest first."""
    today = today or timezone.localdate()
    return with_rows(visible(access).filter(
        state__in=ACTIVE, due_date__gte=today, due_date__lte=today + dt.timedelta(days=days))
    ).order_by("due_date", "id")


def key_proposals(access: Access) -> QuerySet[Proposal]:
    """Key proposals still being worked on, the nearest deadline first (the page puts the viewer's own first)."""
    return _with_supervisions(with_rows(visible(access).filter(is_key=True, state__in=KEY_STATES))).order_by(
        F("due_date").asc(nulls_last=True), "id")


def supervisions(p: Proposal) -> list[Supervision]:
    return list(Supervision.objects.filter(proposal=p).select_related("author").order_by("-created_at", "-id"))


# --- to-do counts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficeCounts:
    submitted: int = 0
    registered: int = 0
    overdue: int = 0
    reassign: int = 0


def office_counts(access: Access, today: dt.date | None = None) -> OfficeCounts:
    """The numbers behind the office's and leaders' to-dos, in one query."""
    today = today or timezone.localdate()
    row = visible(access).aggregate(
        submitted=Count("pk", filter=Q(state="submitted")),
        registered=Count("pk", filter=Q(state="registered")),
        overdue=Count("pk", filter=Q(state__in=ACTIVE, due_date__lt=today)),
        reassign=Count("pk", filter=Q(state__in=ACTIVE) & _tab_q(access, "reassign")),
    )
    return OfficeCounts(**{k: v or 0 for k, v in row.items()})


# --- what a row shows ----------------------------------------------------------------------------------


def proposer_names(p: Proposal, limit: int = 3) -> str:
    """The body's name for a collective proposal; else the initiator and co-signers (张三、李四等5人)."""
    if p.body_name:
        return p.body_name
    people = [p.proposer] + [s.user for s in getattr(p, "accepted_signers", [])]
    names = [u.display_name or u.username for u in people]
    shown = "、".join(names[:limit])
    return f"{shown}等{len(names)}人" if len(names) > limit else shown


_ROLE_ORDER = {Assignment.Role.LEAD: 0, Assignment.Role.SPLIT: 1, Assignment.Role.ASSIST: 2}
_ROLE_LABELS = dict(Assignment.Role.choices)


def reassign_requested(p: Proposal) -> bool:
    """A unit asked to be taken off it (from the row's prefetched assignments)."""
    rows = getattr(p, "live_assignments", None)
    if rows is None:
        rows = live_assignments(p)
    return any(a.status == Assignment.Status.REASSIGN_REQUESTED for a in rows)


def unit_names(p: Proposal) -> str:
    """主办 区教育局；协办 区财政局 — the units handling it, as the row shows them."""
    rows = getattr(p, "live_assignments", None)
    if rows is None:
        rows = live_assignments(p)
    by_role: dict[str, list[str]] = {}
    for a in sorted(rows, key=lambda a: _ROLE_ORDER.get(a.role, 9)):
        by_role.setdefault(_ROLE_LABELS.get(a.role, a.role), []).append(a.unit.name)
    return "；".join(f"{role} {'、'.join(names)}" for role, names in by_role.items())


# --- deadlines -----------------------------------------------------------------------------------------


def deadline_notes(access: Access, day: dt.date, today: dt.date | None = None) -> list[str]:
    """Warnings beside a due date: it falls on a day off, or in a year whose holidays nobody entered."""
    from zhengxie.deadlines.calendar import WorkCalendar, unknown_years_warning

    today = today or timezone.localdate()
    calendar = WorkCalendar(access.committee)
    notes = []
    warning = unknown_years_warning(calendar.unknown_years(min(today, day).year, day.year))
    if warning:
        notes.append(warning + "。")
    if not calendar.is_workday(day):
        after = calendar.add_working_days(day, 1).date
        notes.append(f"{day:%Y-%m-%d} 是休息日（周末或法定节假日），可改为下一个工作日 {after:%Y-%m-%d}。")
    return notes
