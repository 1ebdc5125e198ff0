"""The API side of workflows: one shape and one endpoint for every stateful resource.

Every workflow-driven resource (members now; proposals, opinions … later) answers the same way:

- its output schema inherits `StatefulOut`, which adds `state`, `state_label`, `version` and
  `available_transitions` (what the *caller* may fire right now, from the registered workflow);
- `POST /<resource>/{id}/transitions/{name}` with optional {"reason": …, "version": …} fires the
  transition through `engine.fire` (the single entry point) and returns the updated resource.

A domain router gets the endpoint with one call:

    class ProposalOut(StatefulOut):
        id: int
        title: str

    transition_endpoint(router, PROPOSAL_WORKFLOW, get=proposal_get, out=ProposalOut,
                        not_found="没有找到该提案。")

where `get(access, id)` is the domain's committee-scoped selector (None when the caller may not
see the row). A transition that needs more than a reason passes `payload=` a subclass of
`TransitionIn`; a handler that must do something special can call `fire_transition` itself.

Answers: 200 the updated resource; 403 the caller may not fire it; 404 the resource is not
visible to the caller (other committees' rows included) or the workflow has no transition of
that name; 409 the state, version, guards or required fields do not allow it (nothing changed).
"""

# No `from __future__ import annotations` here: the endpoint built in `transition_endpoint` is
# annotated with the caller's schemas, which ninja must see as objects, not as strings.

from collections.abc import Callable
from typing import Any, Optional

from django.db import models
from django.http import Http404, HttpRequest
from ninja import Body, Field, Path, Router, Schema
from ninja.errors import HttpError

from zhengxie.accounts.api import AUTH_ERRORS, MAX_ID, ErrorOut, Text, api_access
from zhengxie.accounts.permissions import Access
from zhengxie.core.http import client_ip
from zhengxie.workflow.engine import Workflow, fire, workflow_for


class TransitionOut(Schema):
    name: str = Field(..., examples=["suspend"])
    label: str = Field(..., examples=["暂停履职"])
    target: str = Field(..., description="办理后的状态", examples=["suspended"])
    required: list[str] = Field(..., description="必须随请求提供的字段", examples=[["reason"]])


class StatefulOut(Schema):
    """Mixin for the output schema of a workflow-driven row (its model must be registered)."""

    state: str
    state_label: str
    version: int = Field(..., description="乐观锁版本号；办理时回传可防止覆盖他人的处理")
    available_transitions: list[TransitionOut] = Field(..., description="当前用户此刻可以进行的操作")

    @staticmethod
    def resolve_state_label(obj: Any) -> str:
        return workflow_for(type(obj)).state_label(obj.state)

    @staticmethod
    def resolve_available_transitions(obj: Any, context: Any) -> list[dict[str, Any]]:
        request = (context or {}).get("request")
        if request is None:
            return []
        workflow = workflow_for(type(obj))
        return [
            {"name": t.name, "label": t.label, "target": t.target, "required": list(t.required)}
            for t in workflow.available(obj, api_access(request))
        ]


class TransitionIn(Schema):
    """What a caller may send with a transition; domains extend it for transitions that need more."""

    reason: Optional[Text] = Field(None, max_length=500, description="原因或说明（部分操作必填）")
    version: Optional[int] = Field(
        None, ge=0, le=MAX_ID, description="读取时的 version；与当前不一致时拒绝（409），避免覆盖他人的处理"
    )


def fire_transition(request: HttpRequest, workflow: Workflow, obj: models.Model, name: str,
                    body: Optional[TransitionIn]) -> models.Model:
    """Fire `name` on `obj` as the caller, in the request's committee; engine errors propagate
    (the API maps TransitionForbidden to 403 and TransitionError to 409)."""
    access = api_access(request)
    if workflow.get(name) is None:
        raise HttpError(404, f"没有名为“{name[:40]}”的操作。")
    payload = body.model_dump(exclude={"version"}, exclude_none=True) if body is not None else {}
    return fire(workflow, obj, name, access=access, payload=payload,
                expected_version=body.version if body is not None else None, ip=client_ip(request))


def transition_endpoint(
    router: Router,
    workflow: Workflow,
    *,
    get: Callable[[Access, int], Optional[models.Model]],
    out: type[Schema],
    not_found: str,
    payload: type[TransitionIn] = TransitionIn,
    path: str = "/{id}/transitions/{name}",
) -> Callable[..., Any]:
    """Register `POST <path>` on `router`, firing `workflow`'s transitions on the row `get` finds."""
    names = "、".join(f"`{t.name}`（{t.label}）" for t in workflow.transitions)

    def endpoint(
        request: HttpRequest,
        id: int = Path(..., ge=1, le=MAX_ID),  # noqa: A002 - the path says {id}
        name: str = Path(..., max_length=64),
        data: Optional[payload] = Body(None),  # type: ignore[valid-type]
    ) -> Any:
        access = api_access(request)
        obj = get(access, id)
        if obj is None:
            raise Http404(not_found)
        fire_transition(request, workflow, obj, name, data)
        # Re-read through the selector so the answer has its related rows and the caller's view.
        return get(access, id) or obj

    endpoint.__name__ = f"{workflow.name}_transition"
    router.post(
        path,
        response={200: out, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut, **AUTH_ERRORS},
        operation_id=f"{workflow.name}_transition",
        summary="办理状态流转",
        description=(
            f"可用的操作：{names}。200 返回办理后的对象；403 无权进行该操作；"
            "404 对象不存在（或属于其他政协）或没有该名称的操作；409 当前状态、版本或必填项不允许（不做任何改动）。"
        ),
    )(endpoint)
    return endpoint
