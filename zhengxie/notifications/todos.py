"""To-do lists (待办): each module registers a provider that turns a user's access into items.

A to-do is a query over live rows, never a stored copy, so it cannot go stale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from zhengxie.accounts.permissions import Access


@dataclass(frozen=True)
class Todo:
    title: str
    url: str
    count: int = 1
    urgent: bool = False


TodoProvider = Callable[[Access], list[Todo]]
_PROVIDERS: list[TodoProvider] = []


def register_todo_provider(provider: TodoProvider) -> TodoProvider:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def todos_for(access: Access) -> list[Todo]:
    if access.committee is None:
        return []
    items: list[Todo] = []
    for provider in _PROVIDERS:
        items.extend(provider(access))
    return sorted(items, key=lambda t: (not t.urgent, t.title))
