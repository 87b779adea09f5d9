"""The baseline spotter's scores on the long videos, from the files the stage writes (so the
report and the stage's metrics are one computation): ME spotting and spot-then-recognise in both
of :mod:`equime.megc.strs`'s modes, and macro-expression spotting (corrected mode)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from equime.artifacts import longvideos
from equime.megc import strs
from equime.megc.files import read_intervals


def _num(v: float) -> float | None:
    return None if isinstance(v, float) and math.isnan(v) else round(float(v), 4)


def predicted(out: Path, kind: str) -> list[strs.Interval]:
    """The baseline's spots of type ``kind`` (ME | MaE) as intervals."""
    return [strs.Interval(str(r.subject), str(r.video), int(r.onset), int(r.offset),
                          str(r.emotion)) for r in longvideos.read_spots(out).itertuples()
            if r.type == kind]


def baseline_scores(out: Path) -> dict[str, Any]:
    me_truth = read_intervals(out / "me_spotting.csv")
    mae_truth = read_intervals(out / "mae_spotting.csv")
    scores: dict[str, Any] = {}
    for mode in strs.MODES:
        s = strs.score(predicted(out, "ME"), me_truth, mode)
        scores[mode] = {k: _num(v) for k, v in s.figures().items()}
    mae = strs.spot(predicted(out, "MaE"), mae_truth, "corrected")
    scores["macro_spotting_f1"] = _num(strs.prf(len(mae.matched), len(mae.false_positives),
                                                len(mae.false_negatives))[2])
    return scores
