"""Demographic cells: gender × race × age band, with the label sets that define them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

from equime.attributes.labels import RACES, UNKNOWN

CELL_KEYS: tuple[str, ...] = ("gender", "race", "age_band")
SEPARATOR = "/"


def band_labels(edges: Sequence[int]) -> list[str]:
    """Cut points [30, 45, 60] → ['<30', '30-44', '45-59', '60+']."""
    if not edges:
        return ["all"]
    inner = [f"{a}-{b - 1}" for a, b in pairwise(edges)]
    return [f"<{edges[0]}", *inner, f"{edges[-1]}+"]


def age_band(age: float | None, edges: Sequence[int]) -> str:
    if age is None or (isinstance(age, float) and math.isnan(age)):
        return UNKNOWN
    labels = band_labels(edges)
    return labels[sum(age >= e for e in edges)]


def label_set(key: str, edges: Sequence[int]) -> list[str]:
    """Every known value of a cell key (unknown excluded)."""
    return {"gender": ["f", "m"], "race": list(RACES), "age_band": band_labels(edges)}[key]


def all_cells(keys: Sequence[str], edges: Sequence[int]) -> list[str]:
    """The full product of the keys' label sets, in table order; ['all'] with no keys."""
    cells = [""]
    for key in keys:
        cells = [f"{c}{SEPARATOR}{v}" if c else v for c in cells for v in label_set(key, edges)]
    return cells if keys else ["all"]


def cell_of(values: dict[str, str], keys: Sequence[str]) -> str:
    return SEPARATOR.join(values[k] for k in keys) if keys else "all"
