"""The member's pages (委员, phone first): my proposals, writing one, inviting co-signers, answering an
invitation, rating a reply. Each view validates, calls one service (or transition) and renders."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from zhengxie.accounts.permissions import Access
from zhengxie.org.models import Session
from zhengxie.proposals import guards, services
from zhengxie.proposals.effects import proposers
from zhengxie.proposals.forms import EvaluationForm, InviteForm, ProposalForm
from zhengxie.proposals.member_selectors import (
    CANDIDATES_SHOWN, cosigner_candidates, current_replies, my_evaluation, my_groups, my_invitations,
    proposal_signers,
)
from zhengxie.proposals.models import Proposal, ProposerKind, Signer
from zhengxie.proposals.permissions import P_HANDLE, P_REVIEW, P_SUBMIT, P_SUPERVISE, P_VIEW
from zhengxie.proposals.selectors import proposal_get
from zhengxie.proposals.workflow import COSIGNING, DRAFT, PROPOSAL_WORKFLOW, REPLIED, RETURNED
from zhengxie.workflow.engine import TransitionError, TransitionForbidden

EDITABLE_STATES = (DRAFT, RETURNED)


def _access(request: HttpRequest, perm: str) -> Access:
    access: Access = request.access  # type: ignore[attr-defined]
    if access.committee is None:
        raise Http404("请先选择政协。")
    access.require(perm)
    return access


def _proposal(access: Access, pk: int) -> Proposal:
    p = proposal_get(access, pk)
    if p is None:
        raise Http404("找不到该提案。")
    return p


def _may_edit(access: Access, p: Proposal) -> bool:
    return guards.is_initiator(p, access, {}) is None


def _local(url: str | None) -> bool:
    """A path on this site (not //host or /\\host, which browsers read as another site)."""
    if not url or not url.startswith("/"):
        return False
    return url_has_allowed_host_and_scheme(url, allowed_hosts=None)


# ---------------------------------------------------------------------------------------------
# 我的提案


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """My proposals by group, the invitations waiting for me, and a 写提案 button."""
    access = _access(request, P_VIEW)
    can_submit = access.has(P_SUBMIT)
    groups, more_done = my_groups(access) if can_submit else ([], False)
    for group in groups:
        for p in group.items:
            _dress(p, group.key, access)
    return render(request, "proposals/member_mine.html", {
        "can_submit": can_submit,
        "groups": groups,
        "nonempty": [g for g in groups if g.items],
        "more_done": more_done,
        "invitations": list(my_invitations(access)) if can_submit else [],
        "desks": _desks(access),
    })


def _dress(p: Proposal, group: str, access: Access) -> None:
    """Where a row of my list leads, and the one thing to do there."""
    initiator = _may_edit(access, p)
    p.link, p.action = reverse("proposals:detail", args=[p.pk]), ""  # type: ignore[attr-defined]
    if group == "to_rate":
        p.link, p.action = reverse("proposals:evaluate", args=[p.pk]), "评价答复"  # type: ignore[attr-defined]
    elif group == "draft" and initiator:
        p.link, p.action = reverse("proposals:edit", args=[p.pk]), "继续写"  # type: ignore[attr-defined]
    elif group == "returned" and initiator:
        p.link, p.action = reverse("proposals:edit", args=[p.pk]), "修改后重新提交"  # type: ignore[attr-defined]
    p.submit_now = group == "cosigning" and initiator and p.accepted_n > 0  # type: ignore[attr-defined]


def _desks(access: Access) -> list[tuple[str, str]]:
    """Links to the proposal pages of the viewer's other roles (office, unit, leader)."""
    links = []
    if access.has(P_REVIEW):
        links.append((reverse("proposals:desk"), "提案审查与交办"))
    if access.has(P_HANDLE) and access.unit_ids:
        links.append((reverse("proposals:inbox"), "本单位承办的提案"))
    if access.has(P_SUPERVISE):
        links.append((reverse("proposals:leader"), "重点提案督办"))
    links.append((reverse("textindex:search") + "?kind=proposal", "查阅提案"))
    return links


# ---------------------------------------------------------------------------------------------
# 写提案 / 修改提案


def _current_session(access: Access) -> Session | None:
    """The session under way or last held (proposals written now belong to it), else the next one."""
    today = timezone.localdate()
    sessions = list(Session.objects.filter(committee=access.committee).order_by("-start_date", "-pk")[:20])
    return next((s for s in sessions if s.start_date <= today), sessions[-1] if sessions else None)


def _initial_new(access: Access) -> dict[str, Any]:
    session = _current_session(access)
    return {"proposer_kind": ProposerKind.INDIVIDUAL, "session": session,
            "between_sessions": bool(session and timezone.localdate() > session.end_date)}


def _initial_of(p: Proposal) -> dict[str, Any]:
    return {"title": p.title, "reason": p.reason, "suggestion": p.suggestion, "category": p.category,
            "proposer_kind": p.proposer_kind, "body_name": p.body_name, "session": p.session_id,
            "between_sessions": p.between_sessions, "version": p.version}


def _has_cosigner(p: Proposal | None) -> bool:
    return bool(p and Signer.objects.filter(proposal=p, status=Signer.Status.ACCEPTED).exists())


def _render_form(request: HttpRequest, form: ProposalForm, p: Proposal | None, *, status: int = 200) -> HttpResponse:
    has_cosigner = _has_cosigner(p)
    return render(request, "proposals/member_form.html", {
        "form": form, "proposal": p, "has_cosigner": has_cosigner,
        # A joint draft nobody has co-signed yet goes to 邀请联名 instead of 提交.
        "invite_first": (p is None or p.state == DRAFT) and not has_cosigner,
        "state_label": PROPOSAL_WORKFLOW.state_label(p.state) if p else "",
    }, status=status)


def _rebound(request: HttpRequest, p: Proposal, access: Access) -> ProposalForm:
    """The posted form again, now carrying the saved row's version (for a second try on the edit page)."""
    data = request.POST.copy()
    data["version"] = str(p.version)
    form = ProposalForm(data, access=access)
    form.is_valid()
    return form


def _after_save(request: HttpRequest, access: Access, p: Proposal, created: bool) -> HttpResponse:
    """What the pressed button asks for once the text is saved: stay, invite co-signers, or submit."""
    action = request.POST.get("action", "save")
    saved = "草稿已保存。" if created or p.state == DRAFT else "修改已保存。"
    wants_invite = p.proposer_kind == ProposerKind.JOINT and p.state == DRAFT and not _has_cosigner(p)
    if action in ("invite", "submit") and wants_invite:
        missing = guards.content_complete(p, access, {})
        if missing:
            form = _rebound(request, p, access)
            form.add_error(None, f"{saved}邀请联名前请{missing.removeprefix('请先')}")
            return _render_form(request, form, p, status=400)
        messages.success(request, f"{saved}请选择邀请联名的委员，至少一位确认后就可以提交。")
        return redirect("proposals:invite", pk=p.pk)
    if action != "submit":
        messages.success(request, saved + "可以继续修改，写好后再提交。")
        return redirect("proposals:edit", pk=p.pk)
    try:
        p = services.transition(access=access, proposal_id=p.pk, name="submit", version=p.version)
    except TransitionForbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except (TransitionError, services.ProposalError) as exc:
        form = _rebound(request, p, access)
        form.add_error(None, f"{saved}但还不能提交：{exc.message}")
        return _render_form(request, form, p, status=400)
    messages.success(request, f"已提交提案《{p.title}》，请等待提案委员会审查。")
    return redirect("proposals:detail", pk=p.pk)


@login_required
def new(request: HttpRequest) -> HttpResponse:
    access = _access(request, P_SUBMIT)
    form = ProposalForm(request.POST or None, access=access, initial=_initial_new(access))
    if request.method == "POST" and form.is_valid():
        try:
            p = services.proposal_create(access=access, data=form.service_data())
        except services.ProposalError as exc:
            form.add_error(None, exc.message)
        else:
            return _after_save(request, access, p, created=True)
    return _render_form(request, form, None, status=400 if form.errors else 200)


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    access = _access(request, P_SUBMIT)
    p = _proposal(access, pk)
    if not _may_edit(access, p):
        raise PermissionDenied("只有提案人本人可以修改提案。")
    if p.state not in EDITABLE_STATES:
        messages.info(request, f"该提案当前状态为“{PROPOSAL_WORKFLOW.state_label(p.state)}”，不能再修改。")
        return redirect("proposals:detail", pk=p.pk)
    form = ProposalForm(request.POST or None, access=access, initial=_initial_of(p))
    if request.method == "POST" and form.is_valid():
        try:
            p = services.proposal_update(access=access, proposal_id=p.pk, data=form.service_data(),
                                         version=form.cleaned_data.get("version"))
        except services.ProposalError as exc:
            if exc.status == 404:
                raise Http404(exc.message) from exc
            form.add_error(None, exc.message)
        else:
            return _after_save(request, access, p, created=False)
    return _render_form(request, form, p, status=400 if form.errors else 200)


# ---------------------------------------------------------------------------------------------
# 邀请联名


@login_required
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    """Pick co-signers among the committee's members and send the invitations (transition `invite`): the
    first ones from the draft, more while the proposal is still collecting co-signers (征集联名)."""
    access = _access(request, P_SUBMIT)
    p = _proposal(access, pk)
    if not _may_edit(access, p):
        raise PermissionDenied("只有提案人本人可以邀请联名。")
    if p.state not in (DRAFT, COSIGNING) or p.proposer_kind != ProposerKind.JOINT:
        messages.info(request, "只有提交前的联名提案可以邀请联名。")
        return redirect("proposals:detail", pk=p.pk)
    form = InviteForm(request.POST if request.method == "POST" else request.GET or None)
    q = form.cleaned_data.get("q", "") if form.is_valid() else ""
    chosen_ids = _ids(request.POST.getlist("user_ids")) if request.method == "POST" else set()
    error = ""
    status = 200
    candidates = cosigner_candidates(access, proposal=p)
    if request.method == "POST" and request.POST.get("do") == "send":
        valid = set(candidates.filter(user_id__in=chosen_ids).values_list("user_id", flat=True))
        if not chosen_ids:
            error = "请至少选择一位委员。"
        elif valid != chosen_ids:
            error = ("所选的人中有已经邀请过的，或不是本会在任委员的，请重新选择。" if p.state == COSIGNING
                     else "所选的人中有不是本会在任委员的，请重新选择。")
            chosen_ids = valid
        else:
            try:
                services.transition(access=access, proposal_id=p.pk, name="invite",
                                    payload={"user_ids": sorted(valid)}, version=_int(request.POST.get("version")))
            except TransitionForbidden as exc:
                raise PermissionDenied(exc.message) from exc
            except (TransitionError, services.ProposalError) as exc:
                error = exc.message
            else:
                messages.success(request, f"已向 {len(valid)} 位委员发出联名邀请。" + (
                    "" if _has_cosigner(p) else "有人确认后，您就可以提交提案。"))
                return redirect(reverse("proposals:mine") + "#group-cosigning")
        status = 400
    chosen = list(candidates.filter(user_id__in=chosen_ids)) if chosen_ids else []
    found = list(cosigner_candidates(access, q, proposal=p).exclude(user_id__in=chosen_ids)
                 [: CANDIDATES_SHOWN + 1])
    return render(request, "proposals/member_invite.html", {
        "p": p, "form": form, "q": q, "chosen": chosen, "found": found[:CANDIDATES_SHOWN],
        "more": len(found) > CANDIDATES_SHOWN, "error": error, "more_invites": p.state == COSIGNING,
        "signers": list(proposal_signers(p)) if p.state == COSIGNING else [], "now": timezone.now(),
    }, status=status)


def _ids(values: list[str]) -> set[int]:
    return {int(v) for v in values if v.isdigit() and len(v) < 12}


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


# ---------------------------------------------------------------------------------------------
# 回复联名邀请


@login_required
@require_POST
def cosign(request: HttpRequest, pk: int) -> HttpResponse:
    """Accept (accept=1) or decline (accept=0) an invitation to co-sign."""
    access = _access(request, P_SUBMIT)
    answer = request.POST.get("accept")
    back = request.POST.get("next") if _local(request.POST.get("next")) else reverse("proposals:mine")
    if answer not in ("0", "1"):
        messages.error(request, "请选择同意联名或谢绝。")
        return redirect(back)
    try:
        signer = services.signer_respond(access=access, proposal_id=pk, accept=answer == "1")
    except services.ProposalError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        if exc.status == 403:
            raise PermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
        return redirect(back)
    title = signer.proposal.title
    if signer.status == Signer.Status.ACCEPTED:
        messages.success(request, f"您已同意联名提案《{title}》。")
    else:
        messages.success(request, f"您已谢绝联名提案《{title}》。")
    return redirect(back)


# ---------------------------------------------------------------------------------------------
# 评价答复


@login_required
def evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    """A proposer rates the reply: the handling work and the result, each 满意 / 基本满意 / 不满意."""
    access = _access(request, P_SUBMIT)
    p = _proposal(access, pk)
    if access.user.pk not in {u.pk for u in proposers(p)}:
        raise PermissionDenied("只有提案人可以评价答复。")
    done = my_evaluation(access, p)
    if p.state != REPLIED and done is None:
        messages.info(request, f"该提案当前状态为“{PROPOSAL_WORKFLOW.state_label(p.state)}”，答复后才能评价。")
        return redirect("proposals:detail", pk=p.pk)
    form = EvaluationForm(request.POST if request.method == "POST" and done is None else None)
    status = 200
    if request.method == "POST":
        if done is not None:
            messages.error(request, "您已经评价过这次答复了，不能重复评价。")
            status = 409
        elif form.is_valid():
            try:
                services.evaluation_submit(access=access, proposal_id=p.pk, handling=form.cleaned_data["handling"],
                                           result=form.cleaned_data["result"], comment=form.cleaned_data["comment"])
            except services.ProposalError as exc:
                if exc.status == 403:
                    raise PermissionDenied(exc.message) from exc
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"感谢您的评价。提案《{p.title}》的评价已提交。")
                return redirect(reverse("proposals:mine"))
        if form.errors:
            status = 400
    return render(request, "proposals/member_evaluate.html", {
        "p": p, "form": form, "done": done, "replies": list(current_replies(p)),
    }, status=status)

