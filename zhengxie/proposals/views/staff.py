"""Pages of the proposal office (提案委) and of leaders: the review desk, assigning units, key proposals,
督办, overdue items and the leader's screen.

Views stay thin: they check the permission, read a form, fire transitions or call one service each, and
report what happened. Every state change goes through `services.transition` (the workflow engine).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from zhengxie.accounts.permissions import Access
from zhengxie.core.http import paginate
from zhengxie.proposals import effects, queues, services
from zhengxie.proposals.guards import MERGE_LEAD_STATES, OPINION_SOURCE_KINDS
from zhengxie.proposals.models import Assignment, Category, ConvertTarget, Proposal, RejectGround, Supervision
from zhengxie.proposals.permissions import P_REVIEW, P_SUPERVISE
from zhengxie.proposals.selectors import proposal_get
from zhengxie.proposals.staff_forms import (
    MAX_IDS, AssignForm, DeskFilterForm, KeyForm, SuperviseForm, parse_ids,
)
from zhengxie.proposals.workflow import PROPOSAL_WORKFLOW
from zhengxie.workflow.engine import TransitionError, TransitionForbidden

PER_PAGE = 50
CATEGORY_LABELS = dict(Category.choices)
MAX_REPORTED_FAILURES = 20  # a bulk action names this many failures; the rest are counted
ASSIGNABLE = {"registered": "assign", "assigned": "reassign", "handling": "reassign"}
MERGE_HINT_SCORE = 0.3  # similar proposals from this score on get a 并入 button on the desk


# --- helpers -------------------------------------------------------------------------------------------


def _access(request: HttpRequest, *perms: str) -> Access:
    """The viewer's access in their committee, if they hold any of `perms` there (else 403)."""
    access: Access = request.access  # type: ignore[attr-defined]
    if access.committee is None or not any(access.has(p) for p in perms):
        raise PermissionDenied("只有提案委员会工作人员和领导可以使用此页面。")
    return access


def _proposal(access: Access, pk: int) -> Proposal:
    p = proposal_get(access, pk)
    if p is None:
        raise Http404("找不到该提案。")
    return p


def _local(url: str | None) -> str:
    url = (url or "").strip()
    return url if url.startswith("/") and not url.startswith(("//", "/\\")) else ""


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    return redirect(_local(request.POST.get("next") or request.GET.get("next")) or fallback)


def _dress(rows: Any, today: dt.date | None = None) -> list[Proposal]:
    """Labels for list rows (no queries: the selectors prefetched what they need)."""
    today = today or timezone.localdate()
    rows = list(rows)
    for p in rows:
        # Labels and dates as text here, once: Django's get_FOO_display rebuilds the choices for each
        # call and a date filter converts time zones, which fifty rows of a list page feel.
        p.state_label = PROPOSAL_WORKFLOW.state_label(p.state)  # type: ignore[attr-defined]
        p.category_label = CATEGORY_LABELS.get(p.category, p.category)  # type: ignore[attr-defined]
        p.submitted_day = (  # type: ignore[attr-defined]
            f"{timezone.localtime(p.submitted_at):%Y-%m-%d}" if p.submitted_at else "")
        p.due_day = f"{p.due_date:%Y-%m-%d}" if p.due_date else ""  # type: ignore[attr-defined]
        p.people = queues.proposer_names(p)  # type: ignore[attr-defined]
        p.units_text = queues.unit_names(p)  # type: ignore[attr-defined]
        p.reassign_requested = queues.reassign_requested(p)  # type: ignore[attr-defined]
        p.days_late = (today - p.due_date).days if p.due_date else None  # type: ignore[attr-defined]
        p.days_left = -p.days_late if p.days_late is not None else None  # type: ignore[attr-defined]
        p.keyable = p.state in queues.KEY_STATES  # type: ignore[attr-defined]
    return rows


def _report(request: HttpRequest, verb: str, done: list[Proposal], failed: list[tuple[str, str]]) -> None:
    """One message for what a bulk action did, one for what it could not do and why."""
    if done:
        numbers = [p.number_label for p in done if p.number_label]
        extra = f"（{numbers[0]} 至 {numbers[-1]}）" if len(numbers) > 1 else f"（{numbers[0]}）" if numbers else ""
        messages.success(request, f"已{verb} {len(done)} 件{extra}。")
    if failed:
        shown = "；".join(f"{title}：{why}" for title, why in failed[:MAX_REPORTED_FAILURES])
        more = f"；另有 {len(failed) - MAX_REPORTED_FAILURES} 件" if len(failed) > MAX_REPORTED_FAILURES else ""
        messages.error(request, f"{len(failed)} 件未能{verb}：{shown}{more}。")


def _fire(access: Access, p: Proposal | int, name: str, payload: dict[str, Any] | None = None,
          version: int | None = None) -> tuple[Proposal | None, str]:
    """Fire one transition; (the proposal, "") or (None, why not)."""
    pk = p if isinstance(p, int) else p.pk
    try:
        return services.transition(access=access, proposal_id=pk, name=name, payload=payload, version=version), ""
    except (TransitionError, services.ProposalError) as exc:  # TransitionForbidden is a TransitionError
        return None, exc.message


def _selected_ids(request: HttpRequest, values: list[str]) -> list[int] | None:
    ids = parse_ids(values)
    if ids is None:
        messages.error(request, "所选提案有误，请刷新页面后重新勾选。")
    elif not ids:
        messages.error(request, "请先勾选提案。")
    elif len(ids) > MAX_IDS:
        messages.error(request, f"一次最多处理 {MAX_IDS} 件提案，请分批操作。")
    else:
        return ids
    return None


def _desk_url(tab: str = "") -> str:
    return reverse("proposals:desk") + (f"?{urlencode({'tab': tab})}" if tab else "")


# --- the desk ------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def desk(request: HttpRequest) -> HttpResponse:
    """The office's work queue: tabs by state, filters, quick review actions, bulk 立案 and 交办."""
    access = _access(request, P_REVIEW)
    if request.method == "POST":
        return _bulk_register(request, access)
    if "similar" in request.GET:
        return _similar_fragment(request, access)
    if "actions" in request.GET:
        return _actions_fragment(request, access)
    form = DeskFilterForm(request.GET or None, sessions=queues.desk_sessions(access))
    data = form.valid_data()
    tab = request.GET.get("tab", "")
    tab = tab if tab in queues.TAB_LABELS else queues.DEFAULT_TAB
    f = queues.DeskFilter(
        tab=tab, session=data.get("session") or "", category=data.get("category") or "",
        key_only=bool(data.get("key_only")), q=(data.get("q") or "").strip(),
        oldest_first=data.get("order") == "old",
    )
    counts = queues.desk_counts(access, f)
    page = paginate(request, queues.desk(access, f), per_page=PER_PAGE, count=counts[tab])
    page.object_list = _dress(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    filters = query.copy()
    filters.pop("tab", None)
    here = request.get_full_path()
    tabs = []
    for value, label, _ in queues.TABS:
        q = filters.copy()
        q["tab"] = value
        tabs.append({"value": value, "label": label, "count": counts[value], "query": q.urlencode(),
                     "current": value == tab})
    return render(request, "proposals/staff_desk.html", {
        "form": form, "page": page, "query": query.urlencode(), "tabs": tabs, "tab": tab,
        "tab_label": queues.TAB_LABELS[tab], "filtered": bool(filters),
        "more_filters": any(data.get(k) for k in ("session", "category", "key_only", "order")),
        "bulk": {"submitted": "bulk-register", "registered": "bulk-assign"}.get(tab, ""),
        "here": here, "here_q": quote(here, safe=""), "desk_url": _desk_url(),
        "can_supervise": access.has(P_SUPERVISE),
    })


def _bulk_register(request: HttpRequest, access: Access) -> HttpResponse:
    """立案 each selected proposal as its own transition, oldest submission first (numbers follow it)."""
    fallback = _desk_url()
    if request.POST.get("action") != "register":
        messages.error(request, "未知的批量操作。")
        return _back(request, fallback)
    ids = _selected_ids(request, request.POST.getlist("ids"))
    if ids is None:
        return _back(request, fallback)
    found = queues.desk_proposals(access, ids)
    failed = [(f"第 {i} 号记录", "找不到该提案") for i in sorted(set(ids) - {p.pk for p in found})]
    done = []
    for p in found:
        fired, why = _fire(access, p, "register")
        if fired is None:
            failed.append((f"《{p.title}》", why))
        else:
            done.append(fired)
    _report(request, "立案", done, failed)
    return _back(request, fallback)


def _fragment_proposal(request: HttpRequest, access: Access, param: str) -> Proposal:
    raw = request.GET.get(param, "")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        raise Http404("找不到该提案。")
    return _proposal(access, int(raw))


def _actions_fragment(request: HttpRequest, access: Access) -> HttpResponse:
    """The rarer review forms of one row (退回, 不予立案, 并案, 转), loaded when its "其他处理" opens: the desk
    itself carries only 立案, so fifty rows stay light on a phone."""
    p = _fragment_proposal(request, access, "actions")
    return render(request, "proposals/staff_desk_actions.html", {
        "p": p, "grounds": RejectGround.choices, "state_label": PROPOSAL_WORKFLOW.state_label(p.state),
        "next": _local(request.GET.get("next")) or _desk_url(), "convert_targets": ConvertTarget.choices,
        "may_become_opinion": p.proposer_kind in OPINION_SOURCE_KINDS,
    })


def _similar_fragment(request: HttpRequest, access: Access) -> HttpResponse:
    """The similar proposals of one on the desk (loaded when its disclosure opens), with 并案 buttons."""
    from zhengxie.textindex.selectors import similar
    from zhengxie.textindex.presentation import dress_similar
    from zhengxie.textindex.views import PANEL_LIMIT

    p = _fragment_proposal(request, access, "similar")
    items = similar(access, title=p.title, body=f"{p.reason}\n{p.suggestion}", kinds=["proposal"],
                    exclude=("proposal", p.pk), limit=PANEL_LIMIT)
    dress_similar(items, access.committee)  # type: ignore[arg-type]
    # 并入 is offered for the close ones only; any other lead can still be typed in by its 收文号.
    leads = [i for i in items if i.doc.kind == "proposal" and i.doc.committee_id == p.committee_id
             and i.doc.state in MERGE_LEAD_STATES and (i.likely_duplicate or i.score >= MERGE_HINT_SCORE)]
    return render(request, "proposals/staff_similar.html", {
        "p": p, "items": items, "compact": True, "leads": leads if p.state == "submitted" else [],
        "next": _local(request.GET.get("next")) or _desk_url(),
    })


# --- assigning units -----------------------------------------------------------------------------------


def _assign_initial(p: Proposal, current: list[Assignment], default_due: dt.date) -> dict[str, Any]:
    initial: dict[str, Any] = {"version": p.version, "due_date": default_due}
    if current:
        initial["mode"] = p.handling_mode or "single"
        initial["lead"] = next((a.unit_id for a in current if a.role == Assignment.Role.LEAD), None)
        initial["assist"] = [a.unit_id for a in current if a.role == Assignment.Role.ASSIST]
        initial["split"] = [a.unit_id for a in current if a.role == Assignment.Role.SPLIT]
        if p.due_date and p.due_date > timezone.localdate():
            initial["due_date"] = p.due_date
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    """交办 a registered proposal (or change the units of an assigned one): mode, units, deadline."""
    access = _access(request, P_REVIEW)
    p = _proposal(access, pk)
    name = ASSIGNABLE.get(p.state)
    current = queues.live_assignments(p)
    units = queues.active_units(access)
    default_due = effects.default_due_date(p)
    form = AssignForm(request.POST if request.method == "POST" else None, units=units,
                      initial=_assign_initial(p, current, default_due))
    status = 200
    if request.method == "POST":
        if name is None:
            form.add_error(None, f"当前状态为“{PROPOSAL_WORKFLOW.state_label(p.state)}”，不能交办。")
        elif form.is_valid():
            try:
                fired = services.transition(access=access, proposal_id=p.pk, name=name, payload=form.payload(),
                                            version=form.cleaned_data.get("version"))
            except TransitionForbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except (TransitionError, services.ProposalError) as exc:
                form.add_error(None, exc.message)
            else:
                verb = "交办" if name == "assign" else "调整承办单位"
                messages.success(request, f"已{verb}：{fired.title}（{queues.unit_names(fired)}，"
                                          f"办理期限 {fired.due_date:%Y-%m-%d}）")
                return _back(request, _desk_url("registered" if name == "assign" else "assigned"))
        status = 409 if name is None else 400
    return render(request, "proposals/staff_assign.html", {
        "p": p, "form": form, "name": name, "current": current, "units": units,
        "people": _people(p), "default_due": default_due,
        "due_notes": queues.deadline_notes(access, _chosen_due(form) or form.initial["due_date"]),
        "requests": [a for a in current if a.status == Assignment.Status.REASSIGN_REQUESTED],
        "state_label": PROPOSAL_WORKFLOW.state_label(p.state), "reply_period": _reply_period(p),
        "next": _local(request.POST.get("next") or request.GET.get("next")),
        "back": _local(request.POST.get("next") or request.GET.get("next")) or _desk_url(
            "registered" if name == "assign" else "assigned"),
    }, status=status)


def _chosen_due(form: AssignForm) -> dt.date | None:
    """The deadline typed into a submitted form, if it was a valid date (for the warnings beside it)."""
    return getattr(form, "cleaned_data", {}).get("due_date")


def _people(p: Proposal) -> str:
    if p.body_name:
        return p.body_name
    return "、".join(u.display_name or u.username for u in effects.proposers(p))


def _reply_period(p: Proposal) -> str:
    from zhengxie.deadlines.calendar import UNIT_LABELS

    cfg = p.committee.settings or {}
    amount = cfg.get("proposal_reply_amount", effects.REPLY_MONTHS)
    return f"{amount}{UNIT_LABELS.get(cfg.get('proposal_reply_unit', 'months'), '个月')}"


@login_required
@require_http_methods(["GET", "POST"])
def bulk_assign(request: HttpRequest) -> HttpResponse:
    """交办 several registered proposals to the same units with the same deadline, each on its own."""
    access = _access(request, P_REVIEW)
    source = request.POST if request.method == "POST" else request.GET
    fallback = _desk_url("registered")
    ids = _selected_ids(request, source.getlist("ids"))
    if ids is None:
        return redirect(_local(source.get("next")) or fallback)
    found = queues.desk_proposals(access, ids)
    ready = [p for p in found if p.state == "registered"]
    others = [p for p in found if p.state != "registered"]
    if not ready:
        messages.error(request, "所选提案都不是“已立案待交办”状态，无法交办。")
        return redirect(_local(source.get("next")) or fallback)
    units = queues.active_units(access)
    default_due = effects.default_due_date(ready[0])
    form = AssignForm(request.POST if request.method == "POST" else None, units=units,
                      initial={"due_date": default_due})
    if request.method == "POST" and form.is_valid():
        payload = form.payload()
        done, failed = [], [(f"第 {i} 号记录", "找不到该提案") for i in sorted(set(ids) - {p.pk for p in found})]
        for p in found:
            fired, why = _fire(access, p, "assign", payload)
            if fired is None:
                failed.append((f"《{p.title}》", why))
            else:
                done.append(fired)
        _report(request, "交办", done, failed)
        return redirect(_local(request.POST.get("next")) or fallback)
    return render(request, "proposals/staff_bulk_assign.html", {
        "form": form, "ready": _dress(ready), "others": _dress(others), "units": units, "default_due": default_due,
        "due_notes": queues.deadline_notes(access, _chosen_due(form) or default_due),
        "reply_period": _reply_period(ready[0]), "next": _local(source.get("next")) or fallback,
    }, status=400 if form.is_bound else 200)


# --- key proposals and 督办 -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def key(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark or unmark a 重点提案 and name the leader who leads its supervision."""
    access = _access(request, P_REVIEW)
    p = _proposal(access, pk)
    leaders = queues.committee_leaders(access)
    form = KeyForm(request.POST if request.method == "POST" else None, leaders=leaders,
                   initial={"is_key": p.is_key, "leader": p.supervising_leader_id})
    if request.method == "POST" and form.is_valid():
        leader = form.cleaned_data["leader"]
        try:
            services.key_mark(access=access, proposal_id=p.pk, is_key=form.cleaned_data["is_key"],
                              leader_id=leader.pk if leader else None)
        except services.ProposalError as exc:
            if exc.status == 403:
                raise PermissionDenied(exc.message) from exc
            form.add_error(None, exc.message)
        else:
            if form.cleaned_data["is_key"]:
                who = f"，领衔督办：{leader.display_name or leader.username}" if leader else ""
                messages.success(request, f"已列为重点提案{who}：{p.title}")
            else:
                messages.success(request, f"已取消重点提案：{p.title}")
            return _back(request, reverse("proposals:detail", args=[p.pk]))
    return render(request, "proposals/staff_key.html", {
        "p": p, "form": form, "leaders": leaders, "state_label": PROPOSAL_WORKFLOW.state_label(p.state),
        "next": _local(request.POST.get("next") or request.GET.get("next")),
        "back": _local(request.POST.get("next") or request.GET.get("next"))
        or reverse("proposals:detail", args=[p.pk]),
    }, status=400 if form.is_bound else 200)


@login_required
@require_http_methods(["GET", "POST"])
def supervise(request: HttpRequest, pk: int) -> HttpResponse:
    """Log a 督办 activity or send a 催办 to the units; the proposal's earlier ones are listed."""
    access = _access(request, P_SUPERVISE)
    p = _proposal(access, pk)
    kind = request.GET.get("kind")
    form = SuperviseForm(request.POST if request.method == "POST" else None,
                         initial={"kind": kind if kind in Supervision.Kind.values else Supervision.Kind.URGE})
    next_url = _local(request.POST.get("next") or request.GET.get("next"))
    if request.method == "POST":
        if form.is_valid():
            try:
                s = services.supervision_add(access=access, proposal_id=p.pk, kind=form.cleaned_data["kind"],
                                             text=form.cleaned_data["text"])
            except services.ProposalError as exc:
                if exc.status == 403:
                    raise PermissionDenied(exc.message) from exc
                form.add_error(None, exc.message)
            else:
                done = "已向承办单位发送催办" if s.kind == Supervision.Kind.URGE else f"已记录{s.get_kind_display()}"
                messages.success(request, f"{done}：{p.title}")
                return redirect(next_url or reverse("proposals:supervise", args=[p.pk]))
        if next_url:
            # A one-line form on a list (the leader's screen, the overdue list): the message goes back there.
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return redirect(next_url)
    p.state_label = PROPOSAL_WORKFLOW.state_label(p.state)  # type: ignore[attr-defined]
    return render(request, "proposals/staff_supervise.html", {
        "p": p, "form": form, "history": queues.supervisions(p), "units_text": queues.unit_names(p),
        "next": next_url,
    }, status=400 if form.is_bound else 200)


# --- overdue and the leader's screen --------------------------------------------------------------------


@login_required
def overdue(request: HttpRequest) -> HttpResponse:
    """Proposals past their due date (and those due within 10 days), for the office and leaders."""
    access = _access(request, P_REVIEW, P_SUPERVISE)
    today = timezone.localdate()
    return render(request, "proposals/staff_overdue.html", {
        "late": _dress(queues.overdue(access, today), today),
        "soon": _dress(queues.due_soon(access, today), today),
        "soon_days": queues.DUE_SOON_DAYS, "today": today, "can_supervise": access.has(P_SUPERVISE),
        "here": request.get_full_path(),
    })


@login_required
def leader(request: HttpRequest) -> HttpResponse:
    """One screen for a leader: key proposals (theirs first) and overdue ones, each with a 督办 note form."""
    access = _access(request, P_SUPERVISE)
    today = timezone.localdate()
    keys = _dress(queues.key_proposals(access), today)
    mine = [p for p in keys if p.supervising_leader_id == access.user.pk]
    late = _dress(queues.overdue(access, today), today)
    # Each proposal once: the leader's own key proposals first, then the overdue rest, then other key ones.
    shown = {p.pk for p in mine}
    late_rest = [p for p in late if p.pk not in shown]
    shown |= {p.pk for p in late_rest}
    return render(request, "proposals/staff_leader.html", {
        "mine": mine, "other_keys": [p for p in keys if p.pk not in shown],
        "late": late_rest, "late_mine": len(late) - len(late_rest), "today": today,
        "here": request.get_full_path(), "note_kind": Supervision.Kind.NOTE,
    })
