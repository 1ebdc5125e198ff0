"""The handling unit's (承办单位) pages: its inbox of assigned proposals, the answer page (reply letter, or
an assisting unit's opinion to the lead unit, and the B-grade fulfilment report), and the request to
hand a proposal back to the proposal office. Thin: validate, call one service, render or redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from zhengxie.attachments.validation import AttachmentRejected, max_bytes, too_large_message
from zhengxie.core.http import client_ip, paginate
from zhengxie.org.models import Unit
from zhengxie.proposals import unit_services
from zhengxie.proposals.models import Assignment
from zhengxie.proposals.permissions import P_HANDLE
from zhengxie.proposals.services import MAX_TEXT, ProposalError
from zhengxie.proposals.unit_forms import FulfilmentForm, ReassignRequestForm, ReplyForm
from zhengxie.proposals.workflow import REPLIED
from zhengxie.workflow.engine import TransitionError

# Room in a reply's request for the text fields and multipart headers around the one file (a Chinese
# character takes 3 bytes in UTF-8).
FORM_SLACK = 64 * 1024 + 4 * MAX_TEXT
ANSWERED_PER_PAGE = 50


def _assignment(request: HttpRequest, pk: int) -> Assignment:
    access = request.access  # type: ignore[attr-defined]
    access.require(P_HANDLE)
    a = unit_services.unit_assignment(access, pk)
    if a is None:
        raise Http404("找不到交办给本单位的这件提案。")
    return a


@login_required
@require_http_methods(["GET", "POST"])
def inbox(request: HttpRequest) -> HttpResponse:
    """The unit's proposals by what must happen next; POST signs for one (`assignment_accept`, which fires
    the workflow's 签收 for the proposal's current state: 办理中 after another unit signed, or 重新办理)."""
    access = request.access  # type: ignore[attr-defined]
    access.require(P_HANDLE)
    if request.method == "POST":
        try:
            proposal_id = int(request.POST.get("proposal", ""))
        except ValueError:
            messages.error(request, "请选择要签收的提案。")
            return redirect("proposals:inbox")
        try:
            a = unit_services.assignment_accept(access=access, proposal_id=proposal_id)
        except (ProposalError, TransitionError) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已签收：{a.proposal.title}")
        return redirect("proposals:inbox")
    units = list(Unit.objects.filter(pk__in=access.unit_ids, committee=access.committee)
                 .order_by("order", "id"))
    return render(request, "proposals/unit_inbox.html", {
        "inbox": unit_services.unit_inbox(access), "units": units, "many_units": len(units) > 1,
        "inbox_url": reverse("proposals:inbox"),
    })


@login_required
@require_http_methods(["GET"])
def inbox_answered(request: HttpRequest) -> HttpResponse:
    """Every proposal the unit has answered, page by page (the inbox shows the latest few)."""
    access = request.access  # type: ignore[attr-defined]
    access.require(P_HANDLE)
    page = paginate(request, unit_services.unit_answered(access), per_page=ANSWERED_PER_PAGE)
    page.object_list = unit_services.answered_items(page.object_list)
    units = list(Unit.objects.filter(pk__in=access.unit_ids, committee=access.committee).order_by("order", "id"))
    return render(request, "proposals/unit_answered.html", {
        "page": page, "units": units, "many_units": len(units) > 1, "inbox_url": reverse("proposals:inbox"),
    })


@login_required
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The reply letter (lead or split unit) or the opinion (assisting unit), and the B-grade 落实 report."""
    access = request.access  # type: ignore[attr-defined]
    a = _assignment(request, pk)
    p = a.proposal
    opinion = a.role == Assignment.Role.ASSIST
    grade_d = bool((access.committee.settings or {}).get("proposal_grade_d"))
    form = ReplyForm(opinion=opinion, grade_d=grade_d)
    fulfil_form = FulfilmentForm()
    status = 200
    if request.method == "POST" and request.POST.get("action") == "fulfil":
        fulfil_form = FulfilmentForm(request.POST)
        if fulfil_form.is_valid():
            try:
                unit_services.reply_report_fulfilled(access=access, reply_id=_int(request.POST.get("reply")),
                                                     note=fulfil_form.cleaned_data["note"])
            except ProposalError as exc:
                fulfil_form.add_error(None, exc.message)
            else:
                messages.success(request, "已报告落实情况，并已告知提案人。")
                return redirect("proposals:answer", pk=p.pk)
        status = 400
    elif request.method == "POST":
        if _declared_length(request) > max_bytes() + FORM_SLACK:
            form.add_error(None, too_large_message(max_bytes()))  # refused before the body is read
            status = 400
        else:
            form = ReplyForm(request.POST, request.FILES, opinion=opinion, grade_d=grade_d)
            if form.is_valid():
                try:
                    unit_services.reply_submit(access=access, proposal_id=p.pk, data=form.payload(),
                                               upload=form.cleaned_data.get("file"), ip=client_ip(request))
                except AttachmentRejected as exc:
                    form.add_error("file", exc.message)
                except (ProposalError, TransitionError) as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(request, _answered_message(a, p.pk))
                    return redirect("proposals:inbox")
            status = 400
    page = unit_services.answer_page(access, a)
    files = unit_services.reply_attachments(page.own_replies)
    return render(request, "proposals/unit_answer.html", {
        "page": page, "a": a, "p": p, "opinion": opinion, "form": form, "fulfil_form": fulfil_form,
        "files": files, "own_replies": [(r, files.get(r.pk, []), page.fulfilment_notes.get(r.pk, ""))
                                        for r in page.own_replies],
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def reassign_request(request: HttpRequest, pk: int) -> HttpResponse:
    """Within 7 working days of the assignment: explain why the proposal is not this unit's matter."""
    access = request.access  # type: ignore[attr-defined]
    a = _assignment(request, pk)
    p = a.proposal
    form = ReassignRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                unit_services.assignment_request_reassign(access=access, proposal_id=p.pk,
                                                          reason=form.cleaned_data["reason"])
            except ProposalError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "已提交调整申请，提案委员会将尽快处理；处理前请勿答复。")
                return redirect("proposals:inbox")
        status = 400
    page = unit_services.answer_page(access, a)
    return render(request, "proposals/unit_reassign.html", {"a": a, "p": p, "page": page, "form": form},
                  status=status)


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        return 0


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _answered_message(a: Assignment, proposal_id: int) -> str:
    from zhengxie.proposals.models import Proposal

    state = Proposal.objects.filter(pk=proposal_id).values_list("state", flat=True).first()
    title = a.proposal.title
    if a.role == Assignment.Role.ASSIST:
        return f"已将协办意见送主办单位：{title}"
    if state == REPLIED:
        return f"已答复，提案人将收到答复并进行评价：{title}"
    return f"已提交本单位的答复；其他分办单位都答复后，提案即为已答复：{title}"
