"""Reads of the audit trail, always scoped by committee."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from zhengxie.accounts.permissions import Access, Perm
from zhengxie.audit.models import Event
from zhengxie.audit.verbs import verb_label


@dataclass
class EventFilter:
    verb: str = ""
    actor: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def committee_events(access: Access, f: EventFilter | None = None) -> QuerySet[Event]:
    """Events of the current committee (plus the committee's own users' logins are not included:
    account events carry no committee and are shown to platform admins only)."""
    access.require(Perm.VIEW_AUDIT)
    qs = Event.objects.filter(committee=access.committee)
    if access.user.is_superuser:
        qs = Event.objects.filter(Q(committee=access.committee) | Q(committee__isnull=True))
    f = f or EventFilter()
    if f.verb:
        qs = qs.filter(verb__startswith=f.verb)
    if f.actor:
        qs = qs.filter(actor_name__contains=f.actor)
    if f.object_type:
        qs = qs.filter(object_type=f.object_type)
    if f.object_id:
        qs = qs.filter(object_id=f.object_id)
    if f.date_from:
        qs = qs.filter(at__date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(at__date__lte=f.date_to)
    return qs.order_by("-at", "-id")


def recent_activity(access: Access, limit: int = 10) -> list[Event]:
    """For the home page: the committee's latest events for auditors, else the user's own."""
    if access.committee is None:
        return []
    if access.has(Perm.VIEW_AUDIT):
        qs = Event.objects.filter(committee=access.committee)
    else:
        qs = Event.objects.filter(actor=access.user).filter(Q(committee=access.committee) | Q(committee__isnull=True))
    events = list(qs.order_by("-at", "-id")[:limit])
    for e in events:
        e.verb_label = verb_label(e.verb)  # type: ignore[attr-defined]
    return events
