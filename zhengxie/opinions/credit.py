"""Credit: which levels adopted an item, or gave it a 批示, counting what happened higher up.

An item is credited with an adoption (or a 批示) at a level when a tracking row of that kind and level
sits on the item itself, on the combined piece it went into, or on any row it became higher up (its
`Lineage` uppers). Statistics count these credits for every received item, so they are kept on the
item as two bitmasks of levels (`Opinion.credit_adoption`, `Opinion.credit_instruction`): a figure is
then a plain filter on one column, and the statistics page does not walk the lineage of a million
items per request.

The masks change only when such a tracking row is recorded (`credit_add`, called by the services that
record them): lineage rows are only ever added above new rows, which have no tracks yet, so an item's
credit never has to be recomputed otherwise. `credit_backfill` computes them from the rows (the
migration that added the columns, and the demo's bulk seeding, which writes tracks without services).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import F

LEVEL_BITS = {"county": 1, "city": 2, "province": 4, "national": 8}
KINDS = {"adoption": "credit_adoption", "instruction": "credit_instruction"}


def mask_of(levels: Iterable[str]) -> int:
    out = 0
    for level in levels:
        out |= LEVEL_BITS[level]
    return out


def masks_with_any(mask: int) -> list[int]:
    """Every mask value sharing a bit with `mask`: `field IN (…)` is the bit test, on any database."""
    return [m for m in range(1, 16) if m & mask]


def field_for(kind: str) -> str:
    return KINDS[kind]


def credit_add(opinion_model: Any, lineage_model: Any, opinion_id: int, kind: str, level: str) -> None:
    """A tracking row of `kind` at `level` was recorded on `opinion_id`: credit it and everything below it."""
    if kind not in KINDS:
        return
    name, bit = KINDS[kind], LEVEL_BITS[level]
    below = lineage_model.objects.filter(upper_id=opinion_id).values("lower_id")
    for ids in (opinion_model.objects.filter(pk=opinion_id), opinion_model.objects.filter(pk__in=below)):
        ids.update(**{name: F(name).bitor(bit)})


def credit_backfill(opinion_model: Any, track_model: Any, lineage_model: Any,
                    committee_ids: Iterable[int] | None = None) -> None:
    """Set both masks from the tracking rows and the lineage (of `committee_ids`' tracks, or all)."""
    for kind, name in KINDS.items():
        for level, bit in LEVEL_BITS.items():
            tracks = track_model.objects.filter(kind=kind, level=level)
            if committee_ids is not None:
                tracks = tracks.filter(committee_id__in=list(committee_ids))
            on = tracks.values("opinion_id")
            below = lineage_model.objects.filter(upper_id__in=on).values("lower_id")
            for rows in (opinion_model.objects.filter(pk__in=on), opinion_model.objects.filter(pk__in=below)):
                rows.update(**{name: F(name).bitor(bit)})
