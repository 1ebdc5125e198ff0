"""Writing audit events. Every service that changes data calls `audit_record` inside its transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models
from django.utils import timezone

from zhengxie.audit.models import Event
from zhengxie.org.models import Committee


def object_type_of(obj: models.Model) -> str:
    return f"{obj._meta.app_label}.{obj._meta.model_name}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def build_event(
    *,
    actor: Any,
    committee: Committee | None,
    verb: str,
    obj: models.Model | None = None,
    payload: Mapping[str, Any] | None = None,
    ip: str | None = None,
    at: dt.datetime | None = None,
) -> Event:
    """An unsaved Event (for bulk writes); `audit_record` is the usual entry point."""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return Event(
        at=at or timezone.now(),
        actor=actor if is_user else None,
        actor_name=(str(actor) if is_user else "系统")[:50],
        committee=committee,
        verb=verb,
        object_type=object_type_of(obj) if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        payload=_jsonable(dict(payload or {})),
        ip=ip,
    )


def audit_record(
    *,
    actor: Any,
    committee: Committee | None,
    verb: str,
    obj: models.Model | None = None,
    payload: Mapping[str, Any] | None = None,
    ip: str | None = None,
) -> Event:
    """Append one event: `actor` did `verb` to `obj` in `committee`, with details in `payload`."""
    event = build_event(actor=actor, committee=committee, verb=verb, obj=obj, payload=payload, ip=ip)
    event.save()
    return event


def audit_record_many(events: Iterable[Event]) -> None:
    """Append many prepared events in one statement (roster imports)."""
    Event.objects.bulk_create(list(events), batch_size=500)


def diff_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{"field": [old, new]} for every field whose value changed."""
    return {k: [_jsonable(before.get(k)), _jsonable(after.get(k))] for k in after if before.get(k) != after.get(k)}
