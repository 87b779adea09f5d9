"""What real micro-expressions fire, as counted in public labels (``plan.au_source: observed``).

Two tables in ``equime/data`` (see its PROVENANCE.md; made by ``tools/observed_me_labels.py``):
``me_au_combinations.csv``, how many SAMM and CASME II micro-expressions of each emotion fire
exactly each AU combination (FACS notation: ``L``/``R``, the subject's left/right side); and
``me_timing.csv``, each CASME II sample's onset → offset duration and rise fraction. A planned
clip draws one observed combination of its emotion (weighted by how many clips fired it) and one
observed timing, so the plan's AU counts, AU frequencies, sides and timing are the field's.

AUs the renderer has no motion for (lip pressor, a head tilt, eye movements, a neck tightener,
a jaw clencher or the nostrils: 11 times in 264 clips' labels) are left out of a combination; one left
empty is not drawn. Both are counted (:func:`unrenderable`) so the loss is visible.
"""

from __future__ import annotations

import csv
import functools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np

from equime.facs import AUS

SOURCE = "observed"
PACKAGE_DATA = ("data/me_au_combinations.csv", "data/me_timing.csv")  # files it reads
COMBINATIONS, TIMING = (name.removeprefix("data/") for name in PACKAGE_DATA)
FREQUENT = 0.25  # an emotion's frequent AUs: fired by at least this share of its clips


@dataclass(frozen=True)
class Combination:
    aus: tuple[str, ...]  # catalogue codes, e.g. ("4", "L10")
    clips: int  # how many real MEs of the emotion fired it (after unrenderable AUs are dropped)


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("equime.data").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def side_less(code: str) -> str:
    """``L10`` → ``10``: the AU whatever its side."""
    return re.sub(r"^[LR]", "", code)


def _renderable(code: str) -> bool:
    return code in AUS


@functools.cache
def _table() -> tuple[dict[str, tuple[Combination, ...]], Counter[str]]:
    merged: dict[str, Counter[tuple[str, ...]]] = {}
    dropped: Counter[str] = Counter()
    for row in _rows(COMBINATIONS):
        codes = tuple(row["aus"].split("+"))
        kept = tuple(c for c in codes if _renderable(c))
        for c in codes:
            if not _renderable(c):
                dropped[side_less(c)] += int(row["clips"])
        if kept:
            merged.setdefault(row["emotion"], Counter())[kept] += int(row["clips"])
        else:
            dropped["(combination left empty)"] += int(row["clips"])
    table = {e: tuple(Combination(aus, n) for aus, n in sorted(c.items()))
             for e, c in sorted(merged.items())}
    return table, dropped


def combinations(emotion: str) -> tuple[Combination, ...]:
    """The observed AU combinations of ``emotion`` (empty for an emotion never labelled)."""
    return _table()[0].get(emotion, ())


def emotions() -> tuple[str, ...]:
    return tuple(_table()[0])


def unrenderable() -> Counter[str]:
    """AU number → clips whose label had it (left out of their combination)."""
    return _table()[1]


def frequent_aus(emotion: str) -> tuple[str, ...]:
    """The AUs (side-less codes) that at least :data:`FREQUENT` of ``emotion``'s MEs fire, most
    frequent first: what supports the emotion when a clip's motion is measured."""
    combos = combinations(emotion)
    total = sum(c.clips for c in combos)
    counts: Counter[str] = Counter()
    for c in combos:
        counts.update({side_less(a): c.clips for a in c.aus})
    return tuple(a for a, n in counts.most_common() if total and n / total >= FREQUENT)


@functools.cache
def timings() -> np.ndarray:
    """(n, 2): each observed ME's duration (s) and rise fraction."""
    return np.array([[float(r["duration_s"]), float(r["rise_fraction"])]
                     for r in _rows(TIMING)])


def draw_combination(rng: np.random.Generator, emotion: str) -> tuple[str, ...]:
    """One observed combination of ``emotion``, drawn in proportion to its clips."""
    combos = combinations(emotion)
    weights = np.array([c.clips for c in combos], float)
    return combos[int(rng.choice(len(combos), p=weights / weights.sum()))].aus


def timings_within(duration: tuple[float, float], rise: tuple[float, float]) -> np.ndarray:
    """The observed (duration, rise fraction) pairs inside the plan's ranges."""
    t = timings()
    return t[(t[:, 0] >= duration[0]) & (t[:, 0] <= duration[1])
             & (t[:, 1] >= rise[0]) & (t[:, 1] <= rise[1])]


def duration_range() -> tuple[float, float]:
    t = timings()
    return float(t[:, 0].min()), float(t[:, 0].max())


def draw_timing(rng: np.random.Generator, duration: tuple[float, float],
                rise: tuple[float, float]) -> tuple[float, float]:
    """One observed (duration, rise fraction) among those inside the plan's ranges (the plan's
    params are validated to hold some)."""
    inside = timings_within(duration, rise)
    d, r = inside[int(rng.integers(len(inside)))]
    return float(d), float(r)


def au_shares(emotion: str) -> dict[str, float]:
    """Side-less AU → the share of ``emotion``'s observed MEs that fire it."""
    combos = combinations(emotion)
    total = sum(c.clips for c in combos)
    counts: Counter[str] = Counter()
    for c in combos:
        counts.update({side_less(a): c.clips for a in {side_less(x) for x in c.aus}})
    return {a: n / total for a, n in counts.items()} if total else {}


def likeliest_emotion(aus: Iterable[str], among: Sequence[str]) -> str:
    """The emotion of ``among`` whose observed MEs fire ``aus`` most often (the sum of each AU's
    share; ties and no AUs: the first in ``among``): a recogniser from the label statistics
    alone, for a baseline."""
    moved = {side_less(a) for a in aus}
    scores = [sum(au_shares(e).get(a, 0.0) for a in moved) for e in among]
    return among[int(np.argmax(scores))]
