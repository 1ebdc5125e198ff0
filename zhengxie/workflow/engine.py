"""Workflows as readable transition tables, and the one entry point that fires a transition.

A domain declares its workflow once:

    MEMBER_WORKFLOW = Workflow(
        name="member",
        model=Member,
        states={"active": "在任", "suspended": "暂停履职", "left": "已离任"},
        transitions=[
            Transition("suspend", "暂停履职", sources={"active"}, target="suspended", perm=Perm.MANAGE_MEMBERS),
            ...
        ],
    )

and registers it (`register(MEMBER_WORKFLOW)`). Pages, API and admin all call `fire()`, which
locks the row, re-checks state, permission and guards, applies the transition, bumps the row's
`version`, runs the effect and writes the audit event — all in one transaction. Nothing else
assigns `state`. A second concurrent attempt waits for the lock, then finds the state moved on
(or the version changed) and is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction

from zhengxie.accounts.permissions import Access
from zhengxie.audit.services import audit_record


class TransitionError(Exception):
    """A transition that may not happen now; `message` is shown to the user (Chinese)."""

    status = 409

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TransitionForbidden(TransitionError):
    status = 403


class TransitionInvalid(TransitionError):
    """The payload itself is wrong (a choice outside its list): refused before anything is looked at."""

    status = 400


Guard = Callable[[models.Model, Access, Mapping[str, Any]], str | None]
PayloadCheck = Callable[[Mapping[str, Any]], str | None]
Effect = Callable[[models.Model, Access, Mapping[str, Any]], Mapping[str, Any] | None]


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str] | set[str]
    target: str
    perm: str
    # Each guard returns None when the transition may happen, else the reason (Chinese) it may not.
    guards: tuple[Guard, ...] = ()
    # Runs after the state changed, inside the transaction; may return extra audit payload.
    effect: Effect | None = None
    # Payload fields the caller must supply (e.g. a reason); checked before anything changes.
    required: tuple[str, ...] = ()
    # Checks of the payload alone (e.g. a choice in its list): each returns None or the reason (Chinese);
    # a reason refuses with 400, before the row is locked, so a bad request is told apart from a bad moment.
    checks: tuple[PayloadCheck, ...] = ()
    # Deadline effects, notifications … are declared on the domain's table as effects.
    description: str = ""


@dataclass
class Workflow:
    name: str
    model: type[models.Model]
    states: dict[str, str]
    transitions: list[Transition]
    required_labels: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = [t.name for t in self.transitions]
        if len(names) != len(set(names)):
            raise ValueError(f"workflow {self.name}: duplicate transition names")
        for t in self.transitions:
            unknown = (set(t.sources) | {t.target}) - set(self.states)
            if unknown:
                raise ValueError(f"workflow {self.name}: transition {t.name} uses unknown states {unknown}")

    def get(self, name: str) -> Transition | None:
        return next((t for t in self.transitions if t.name == name), None)

    def state_label(self, state: str) -> str:
        return self.states.get(state, state)

    def available(self, obj: models.Model, access: Access) -> list[Transition]:
        """Transitions `access` may fire on `obj` right now (state, permission and guards all pass)."""
        result = []
        for t in self.transitions:
            if obj.state in t.sources and access.has(t.perm):  # type: ignore[attr-defined]
                if all(g(obj, access, {}) is None for g in t.guards):
                    result.append(t)
        return result


_REGISTRY: dict[type[models.Model], Workflow] = {}


def register(workflow: Workflow) -> Workflow:
    _REGISTRY[workflow.model] = workflow
    return workflow


def workflow_for(model: type[models.Model]) -> Workflow:
    return _REGISTRY[model]


def _committee_of(obj: models.Model):
    return getattr(obj, "committee", None)


def fire(
    workflow: Workflow,
    obj: models.Model,
    name: str,
    *,
    access: Access,
    payload: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    ip: str | None = None,
) -> models.Model:
    """Fire transition `name` on `obj` as the user behind `access`; returns the updated row.

    Raises TransitionForbidden (403) when the user lacks the permission, TransitionInvalid (400) when
    a payload check refuses it, TransitionError (409) when the state, version, guards or required
    fields do not allow it. On any error nothing changes.
    """
    payload = dict(payload or {})
    if any(isinstance(v, str) and "\x00" in v for v in payload.values()):
        raise TransitionError("填写的内容含有不可见的非法字符，请删除后重试。")
    transition = workflow.get(name)
    if transition is None:
        raise TransitionError(f"未知的操作“{name}”。")
    if access.committee is None or access.committee.pk != getattr(obj, "committee_id", None):
        raise TransitionForbidden("您没有权限办理其他政协的事项。")
    if not access.has(transition.perm):
        raise TransitionForbidden(f"您没有权限进行“{transition.label}”操作。")
    for field_name in transition.required:
        if not str(payload.get(field_name) or "").strip():
            label = workflow.required_labels.get(field_name, field_name)
            raise TransitionError(f"请填写{label}。")
    for check in transition.checks:
        problem = check(payload)
        if problem:
            raise TransitionInvalid(problem)

    with transaction.atomic():
        locked = type(obj).objects.select_for_update().get(pk=obj.pk)
        if expected_version is not None and locked.version != expected_version:  # type: ignore[attr-defined]
            raise TransitionError("该事项已被他人处理，请刷新页面后查看最新状态。")
        if locked.state not in transition.sources:  # type: ignore[attr-defined]
            current = workflow.state_label(locked.state)  # type: ignore[attr-defined]
            raise TransitionError(f"当前状态为“{current}”，不能进行“{transition.label}”操作。")
        for guard in transition.guards:
            reason = guard(locked, access, payload)
            if reason:
                raise TransitionError(reason)
        before = locked.state  # type: ignore[attr-defined]
        locked.state = transition.target  # type: ignore[attr-defined]
        locked.version += 1  # type: ignore[attr-defined]
        locked.save(update_fields=["state", "version"])
        extra = transition.effect(locked, access, payload) if transition.effect else None
        audit_record(
            actor=access.user,
            committee=_committee_of(locked),
            verb=f"{workflow.name}.{transition.name}",
            obj=locked,
            payload={"state": [before, transition.target], **payload, **(extra or {})},
            ip=ip,
        )
    return locked


class Stateful(models.Model):
    """Mixin for rows driven by a workflow: a state and an optimistic-lock version."""

    state = models.CharField("状态", max_length=32, db_index=True)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True
