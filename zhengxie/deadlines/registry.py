"""The kinds of deadline domains set, and who is reminded of each.

A domain registers its kinds in AppConfig.ready()::

    register_deadline_kind(DeadlineKind(
        "proposal.reply", "提案答复",
        recipients=lambda deadline: proposal_reply_reminder_users(deadline),  # -> iterable of User
        remind_before=(5, 1),      # working days before the due date
        overdue_every=5,           # then every 5 working days after it (None: once, on the day)
        max_extension_days=183,    # total extension allowed over the original due date (None: no limit)
    ))

A committee may change the reminder rhythm and the extension limit of a kind without a code change, in
`Committee.settings["deadlines"]["proposal.reply"]`, with the same keys as the dataclass:
``{"remind_before": [10, 3, 1], "overdue_every": 3, "max_extension_days": 90}``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import KW_ONLY, dataclass, replace
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

from zhengxie.org.models import Committee

if TYPE_CHECKING:
    from zhengxie.accounts.models import User
    from zhengxie.deadlines.models import Deadline

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeadlineKind:
    kind: str
    label: str
    _: KW_ONLY
    recipients: Callable[[Deadline], Iterable[User]]
    remind_before: tuple[int, ...] = (5, 1)
    overdue_every: int | None = 5
    max_extension_days: int | None = None


_KINDS: dict[str, DeadlineKind] = {}


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _validate(kind: DeadlineKind) -> DeadlineKind:
    if not kind.kind or len(kind.kind) > 64:
        raise ImproperlyConfigured(f"Deadline kind must be 1–64 characters, got {kind.kind!r}")
    if not callable(kind.recipients):
        raise ImproperlyConfigured(f"Deadline kind {kind.kind}: recipients must be callable")
    before = tuple(kind.remind_before)
    if not all(_positive_int(b) for b in before) or len(set(before)) != len(before):
        raise ImproperlyConfigured(f"Deadline kind {kind.kind}: remind_before must be distinct positive integers")
    if kind.overdue_every is not None and not _positive_int(kind.overdue_every):
        raise ImproperlyConfigured(f"Deadline kind {kind.kind}: overdue_every must be a positive integer or None")
    if kind.max_extension_days is not None and not _positive_int(kind.max_extension_days):
        raise ImproperlyConfigured(f"Deadline kind {kind.kind}: max_extension_days must be positive or None")
    return replace(kind, remind_before=tuple(sorted(before, reverse=True)))


def register_deadline_kind(kind: DeadlineKind) -> DeadlineKind:
    """Declare a kind of deadline; registering the same declaration again is harmless."""
    kind = _validate(kind)
    existing = _KINDS.get(kind.kind)
    if existing is not None and existing != kind:
        raise ImproperlyConfigured(f"Deadline kind {kind.kind} is registered twice with different settings")
    _KINDS[kind.kind] = kind
    return kind


def unregister_deadline_kind(kind: str) -> None:
    """For tests."""
    _KINDS.pop(kind, None)


def registered_kinds() -> list[DeadlineKind]:
    return [_KINDS[k] for k in sorted(_KINDS)]


def deadline_kind(kind: str, committee: Committee | None = None) -> DeadlineKind | None:
    """The registered kind, with `committee`'s own settings for it applied; None when not registered.

    A malformed committee setting is logged and ignored (the registered default applies): a typo in
    the settings must not stop every reminder of the committee.
    """
    base = _KINDS.get(kind)
    if base is None or committee is None:
        return base
    settings = committee.settings if isinstance(committee.settings, dict) else {}
    section = settings.get("deadlines")
    raw = section.get(kind) if isinstance(section, dict) else None
    if not isinstance(raw, dict):
        return base
    changes: dict[str, Any] = {}
    for key in ("remind_before", "overdue_every", "max_extension_days"):
        if key in raw:
            changes[key] = tuple(raw[key]) if key == "remind_before" and isinstance(raw[key], list) else raw[key]
    try:
        return _validate(replace(base, **changes))
    except (ImproperlyConfigured, TypeError) as exc:
        logger.warning("deadlines: ignoring committee %s settings for %s: %s", committee.pk, kind, exc)
        return base
