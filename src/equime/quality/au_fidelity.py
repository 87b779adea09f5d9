"""Geometric AU fidelity: which planned AUs are visible at the detected apex, which others moved.

From dlib's 68 landmarks at the neutral and apex frames (after removing a rigid head motion), the
displacement is explained as a non-negative mix of the catalogue's AU motion patterns
(:mod:`equime.facs`, scipy's NNLS); each AU's coefficient is its estimated intensity. This is a
geometric measure of landmark motion, not an appearance-based AU detector.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from scipy.optimize import nnls

from equime.facs import AUS, RIGID_LANDMARKS, displacements


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


def remove_rigid(neutral: np.ndarray, apex: np.ndarray) -> np.ndarray:
    """Apex landmarks mapped back by the similarity that best aligns the stable points."""
    matrix, _ = cv2.estimateAffinePartial2D(apex[list(RIGID_LANDMARKS)].astype(np.float32),
                                            neutral[list(RIGID_LANDMARKS)].astype(np.float32))
    if matrix is None:
        return apex
    return apex @ matrix[:, :2].T + matrix[:, 2]


def estimate_aus(neutral: np.ndarray, apex: np.ndarray) -> dict[str, float]:
    """NNLS fit of the landmark displacement onto every catalogue AU's unit-intensity pattern."""
    codes = list(AUS)
    basis = np.stack([displacements({c: 1.0}, neutral).ravel() for c in codes], axis=1)
    moved = (remove_rigid(neutral, apex) - neutral).ravel()
    coef, _ = nnls(basis, moved)
    return {c: round(float(v), 4) for c, v in zip(codes, coef, strict=True)}


def au_pattern(estimated: dict[str, float]) -> dict[str, float]:
    """Estimated intensities per AU number (a one-sided code adds to its AU: R14 → 14), so that
    two measurements of one expression compare whichever side the fit credits."""
    out: dict[str, float] = {}
    for code, value in estimated.items():
        out[code.lstrip("RL")] = out.get(code.lstrip("RL"), 0.0) + value
    return out


def pattern_agreement(a_neutral: np.ndarray, a_apex: np.ndarray, b_neutral: np.ndarray,
                      b_apex: np.ndarray) -> float:
    """Pearson r of the AU patterns of two expressions (landmarks at neutral and apex, of one
    face or of two): 1 when ``b`` shows the same AUs in the same proportions as ``a``, whatever
    its scale; 0 when either shows none."""
    pa, pb = (au_pattern(estimate_aus(n, x)) for n, x in ((a_neutral, a_apex), (b_neutral, b_apex)))
    keys = sorted(pa)
    va, vb = np.array([pa[k] for k in keys]), np.array([pb[k] for k in keys])
    if va.std() == 0 or vb.std() == 0:
        return 0.0
    return float(np.corrcoef(va, vb)[0, 1])


def au_fidelity(neutral: np.ndarray, apex: np.ndarray, planned: Sequence[str],
                threshold: float) -> AUFidelity:
    est = estimate_aus(neutral, apex)
    found = {c for c, v in est.items() if v >= threshold}
    # a unilateral code and its bilateral twin explain the same landmarks on one side
    found_base = found | {c.lstrip("RL") for c in found}
    visible = tuple(c for c in planned if c in found or c.lstrip("RL") in found)
    missing = tuple(c for c in planned if c not in visible)
    planned_base = {c.lstrip("RL") for c in planned}
    unplanned = tuple(sorted(c for c in found if c.lstrip("RL") not in planned_base
                             and c in found_base))
    return AUFidelity(est, visible, missing, unplanned)
