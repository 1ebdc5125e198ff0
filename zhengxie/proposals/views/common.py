"""Pages every role shares: a proposal's detail page (text, replies, timeline, the actions open to the
viewer) and the one POST endpoint its action buttons use."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from zhengxie.audit.models import Event
from zhengxie.audit.verbs import verb_label
from zhengxie.opinions.selectors import converted_from
from zhengxie.proposals.guards import OPINION_SOURCE_KINDS
from zhengxie.proposals.models import ConvertTarget
from zhengxie.proposals.effects import proposers
from zhengxie.proposals.selectors import proposal_get
from zhengxie.proposals import services
from zhengxie.proposals.workflow import PROPOSAL_WORKFLOW
from zhengxie.workflow.engine import TransitionError, TransitionForbidden


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = request.access  # type: ignore[attr-defined]
    if access.committee is None:
        raise Http404
    p = proposal_get(access, pk)
    if p is None:
        raise Http404("找不到该提案。")
    timeline = list(Event.objects.filter(committee=access.committee, object_type="proposals.proposal",
                                    object_id=str(p.pk), verb__startswith="proposal.").order_by("at", "id")[:200])
    for event in timeline:
        event.verb_label = verb_label(event.verb)  # type: ignore[attr-defined]
        # A step the platform took by itself says why (e.g. 办结 once every proposer has rated).
        auto = str((event.payload or {}).get("auto", ""))
        event.why = services.AUTO_REASONS.get(auto, "")  # type: ignore[attr-defined]
    from zhengxie.proposals.models import RejectGround, Signer

    from zhengxie.proposals.models import Assignment
    from zhengxie.proposals.permissions import P_REVIEW, P_SUPERVISE

    user_ids = {u.pk for u in proposers(p)}
    my_assignment = None
    if access.unit_ids and p.state in ("handling", "rehandling"):
        my_assignment = Assignment.objects.filter(proposal=p, unit_id__in=access.unit_ids).exclude(
            status__in=[Assignment.Status.WITHDRAWN, Assignment.Status.ANSWERED]).first()
    invitation = Signer.objects.filter(proposal=p, user=access.user, status=Signer.Status.INVITED).first()
    # The 社情民意 item it became: named to whoever sees the proposal, linked for those who may open it.
    converted_opinion = converted_from(access, p.pk) if p.state == "converted" else None
    return render(request, "proposals/detail.html", {
        "is_proposer": access.user.pk in user_ids, "invitation": invitation, "grounds": RejectGround.choices,
        "my_assignment": my_assignment, "is_office": access.has(P_REVIEW), "can_supervise": access.has(P_SUPERVISE),
        "can_download_replies": access.has(P_REVIEW) or access.user.pk in user_ids or bool(access.unit_ids),
        "dedicated": DEDICATED_PAGES, "converted_opinion": converted_opinion,
        "convert_targets": ConvertTarget.choices, "may_become_opinion": p.proposer_kind in OPINION_SOURCE_KINDS,
        "p": p, "state_label": PROPOSAL_WORKFLOW.state_label(p.state), "proposers": proposers(p),
        "transitions": PROPOSAL_WORKFLOW.available(p, access), "timeline": timeline,
        "replies": p.replies.select_related("assignment__unit").order_by("created_at"),
    })


# Transitions with a page of their own (more to fill in than one field): the detail page links there.
DEDICATED_PAGES = {"invite": "proposals:invite", "assign": "proposals:assign", "reassign": "proposals:assign",
                   "reply": "proposals:answer"}

# Payload fields a transition form may send (the rest of the POST is ignored).
TRANSITION_FIELDS = ("ground", "reason", "note", "target", "lead_id", "advice", "text")


@require_POST
def transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Fire one workflow transition from a button on a page; errors come back as a message."""
    access = request.access  # type: ignore[attr-defined]
    if access.committee is None or proposal_get(access, pk) is None:
        raise Http404("找不到该提案。")
    payload = {k: request.POST[k] for k in TRANSITION_FIELDS if request.POST.get(k, "").strip()}
    version = request.POST.get("version")
    try:
        p = services.transition(access=access, proposal_id=pk, name=name, payload=payload,
                                version=int(version) if version and version.isdigit() else None)
    except TransitionForbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except (TransitionError, services.ProposalError) as exc:
        messages.error(request, exc.message)
        return redirect(request.POST.get("next") if _local(request.POST.get("next")) else reverse("proposals:detail", args=[pk]))
    transition_obj = PROPOSAL_WORKFLOW.get(name)
    label = transition_obj.label if transition_obj else name
    if name == "convert" and payload.get("target") == ConvertTarget.OPINION:
        label = ConvertTarget.OPINION.label
    messages.success(request, f"已{label}：{p.title}")
    return redirect(request.POST.get("next") if _local(request.POST.get("next")) else reverse("proposals:detail", args=[pk]))


def _local(url: str | None) -> bool:
    """A `next` address on this site only (not //host, /\\host or another scheme)."""
    return bool(url) and url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None)  # type: ignore[union-attr]
