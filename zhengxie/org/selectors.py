"""Reads of the organisation, always scoped by committee."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from zhengxie.accounts.models import Role
from zhengxie.org.lists import LISTS
from zhengxie.org.models import Committee, NamedListItem, Term, Unit


def list_items(committee: Committee, kind: str) -> QuerySet[NamedListItem]:
    model, _ = LISTS[kind]
    return model.objects.filter(committee=committee).order_by("order", "id")


def units_with_handler_counts(committee: Committee) -> QuerySet[Unit]:
    return Unit.objects.filter(committee=committee).annotate(
        handler_count=Count("handlers", filter=Q(handlers__role=Role.UNIT_HANDLER))
    ).order_by("order", "id")


def terms_with_sessions(committee: Committee) -> list[Term]:
    return list(Term.objects.filter(committee=committee).prefetch_related("sessions").order_by("-number"))
