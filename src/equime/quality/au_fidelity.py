"""Geometric AU fidelity: which planned AUs are visible at the detected apex, which others moved.

From dlib's 68 landmarks at the neutral and apex frames (after removing a rigid head motion), the
displacement is explained as a non-negative mix of the catalogue's AU motion patterns
(:mod:`equime.facs`, scipy's NNLS); each AU's coefficient is its estimated intensity. This is a
geometric measure of landmark motion, not an appearance-based AU detector.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from equime.faces.aus import estimate_aus


@dataclass(frozen=True)
class AUFidelity:
    estimated: dict[str, float]  # AU code -> estimated intensity (0..1 scale of the catalogue)
    visible: tuple[str, ...]  # planned and found
    missing: tuple[str, ...]  # planned, not found
    unplanned: tuple[str, ...]  # found, not planned

    @property
    def fidelity(self) -> float:
        planned = len(self.visible) + len(self.missing)
        return len(self.visible) / planned if planned else 1.0


def au_fidelity(neutral: np.ndarray, apex: np.ndarray, planned: Sequence[str],
                threshold: float) -> AUFidelity:
    est = estimate_aus(neutral, apex)
    found = {c for c, v in est.items() if v >= threshold}
    found_base = found | {c.lstrip("RL") for c in found}

    def shows(code: str) -> bool:
        """A one-sided AU shows where its side (or both sides) moved; a bilateral one where both
        did, or where its motion was credited to one side (a fit's call on a faint side)."""
        base = code.lstrip("RL")
        return code in found or base in found if code != base else base in found_base

    visible = tuple(c for c in planned if shows(c))
    missing = tuple(c for c in planned if c not in visible)
    planned_base = {c.lstrip("RL") for c in planned}
    unplanned = tuple(sorted(c for c in found if c.lstrip("RL") not in planned_base
                             and c in found_base))
    return AUFidelity(est, visible, missing, unplanned)
