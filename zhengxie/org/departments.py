"""The standard local government departments and what each is responsible for.

Shipped in `data/departments.json` (name without region prefix, aliases, duties in the style of a
三定方案's 主要职责). A committee's unit is matched by name — 区教育局, 市卫健委 and 教育局 all find
their entry — unless the committee wrote the unit's own duties, which then take precedence.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from zhengxie.org.models import Unit

DATA = Path(__file__).parent / "data" / "departments.json"
_PREFIX = re.compile(r"^.{0,12}?(省|市|区|县|旗|州|盟)(?=.)")


@cache
def catalogue() -> list[dict[str, object]]:
    if not DATA.exists():  # a deployment may delete it and write every unit's duties itself
        return []
    return json.loads(DATA.read_text(encoding="utf-8"))


@cache
def _names() -> list[tuple[str, dict[str, object]]]:
    pairs = []
    for entry in catalogue():
        for name in [entry["name"], *entry.get("aliases", [])]:  # type: ignore[list-item]
            pairs.append((str(name), entry))
    return sorted(pairs, key=lambda p: -len(p[0]))  # longest name first: 城市管理局 before 管理局


def standard_department(name: str) -> dict[str, object] | None:
    """The catalogue entry a unit's name refers to (region prefix and short forms allowed)."""
    name = (name or "").strip()
    for candidate, entry in _names():
        if name == candidate or name.endswith(candidate):
            return entry
    stripped = _PREFIX.sub("", name, count=1)
    for candidate, entry in _names():
        if stripped == candidate:
            return entry
    return None


def duties_for(unit: Unit) -> str:
    """The unit's own duties if written, else its standard department's, else empty."""
    if unit.duties.strip():
        return unit.duties
    entry = standard_department(unit.name) or (standard_department(unit.short_name) if unit.short_name else None)
    return str(entry["duties"]) if entry else ""
