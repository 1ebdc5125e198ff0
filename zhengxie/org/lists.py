"""The per-committee configurable lists, by the short names used in URLs and the API."""

from __future__ import annotations

from zhengxie.org.models import NamedListItem, Party, Sector, SpecialCommittee, Unit, Workstation

LISTS: dict[str, tuple[type[NamedListItem], str]] = {
    "sectors": (Sector, "界别"),
    "parties": (Party, "党派"),
    "special-committees": (SpecialCommittee, "专门委员会"),
    "workstations": (Workstation, "委员工作室"),
    "units": (Unit, "承办单位"),
}
