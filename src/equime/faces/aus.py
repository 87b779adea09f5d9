"""Which AUs a face's landmark motion shows: the displacement neutral → apex, the head's
similarity removed, explained as a non-negative mix of the AU catalogue's motion patterns (NNLS),
one-sided where one side moved. Shared by the measurements (``quality``: planned AUs visible)
and the makers (``retime``: a generated clip's measured AUs)."""

from __future__ import annotations

import cv2
import numpy as np
from scipy.optimize import nnls

from equime.facs import AUS, RIGID_LANDMARKS, displacements


def remove_rigid(neutral: np.ndarray, apex: np.ndarray) -> np.ndarray:
    """Apex landmarks mapped back by the similarity that best aligns the stable points."""
    matrix, _ = cv2.estimateAffinePartial2D(apex[list(RIGID_LANDMARKS)].astype(np.float32),
                                            neutral[list(RIGID_LANDMARKS)].astype(np.float32))
    if matrix is None:
        return apex
    return apex @ matrix[:, :2].T + matrix[:, 2]


# an AU is one-sided where its weaker side moved less than this share of its stronger side (a
# bilateral AU's two sides differ by the landmarks' noise; a one-sided AU's other side is still)
ONE_SIDED = 0.5


def estimate_aus(neutral: np.ndarray, apex: np.ndarray) -> dict[str, float]:
    """Each catalogue AU's estimated intensity: an NNLS fit of the landmark displacement onto
    the bilateral AUs' unit-intensity patterns; then, for an AU that moved and has sides, the
    fit again with that AU's two sides apart: where one side moved less than :data:`ONE_SIDED`
    of the other, the AU is one-sided, its estimate split between the bilateral code (``12``,
    the weaker side's share) and the stronger side's (``R12``); else the bilateral fit stands.
    An AU number's codes add up to its bilateral estimate. (A basis holding 12, L12 and
    R12 at once would let the fit share one motion among them at random, and twice the columns
    fit the landmarks' noise.)"""
    numbers = [c for c in AUS if c.isdigit()]
    basis = np.stack([displacements({c: 1.0}, neutral).ravel() for c in numbers], axis=1)
    moved = (remove_rigid(neutral, apex) - neutral).ravel()
    coef, _ = nnls(basis, moved)
    out = {c: 0.0 for c in AUS}
    for k, (code, value) in enumerate(zip(numbers, coef, strict=True)):
        if f"R{code}" not in AUS or value <= 0:
            out[code] = float(value)
            continue
        # the fit again, this AU's two sides apart, the others as they are
        sides = np.stack([displacements({f"{s}{code}": 1.0}, neutral).ravel() for s in "RL"], 1)
        refit, _ = nnls(np.concatenate([np.delete(basis, k, axis=1), sides], axis=1), moved)
        right, left = float(refit[-2]), float(refit[-1])
        if min(right, left) >= ONE_SIDED * max(right, left):  # both sides: the bilateral fit
            out[code] = float(value)
            continue
        # one side: the AU's estimate is shared, the weaker side's share bilateral, the rest the
        # stronger side's, so an AU number's codes add up to its bilateral estimate
        both = float(value) * min(right, left) / max(right, left)
        out[code] = both
        out[f"{'R' if right > left else 'L'}{code}"] = float(value) - both
    return {c: round(v, 4) for c, v in out.items()}


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
