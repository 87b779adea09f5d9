"""The Action Unit catalogue, as data: FACS name, face region and a landmark motion model.

Landmarks are dlib/iBUG 68 points, 0-based, in image coordinates of a frontal aligned face
(the subject's right side is the image's left). A motion moves landmarks by ``(out, dy)`` at
maximal intensity (FACS E), in units of the interocular distance: ``out`` points away from the
face's vertical midline (mirrored between the two sides), ``dy`` points down. The directions
follow the FACS manual's appearance changes; the magnitudes are this project's choice, scaled so
that an A–B intensity moves the lip corners by a few pixels at the default 512 px crop, the
order of magnitude measured for micro-expressions in CASME II.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from equime.errors import InputError

LEFT_EYE = tuple(range(36, 42))  # image left = subject's right
RIGHT_EYE = tuple(range(42, 48))
N_LANDMARKS = 68
# no AU of the catalogue moves these: nose bridge and tip, inner eye corners (rigid with the skull;
# head motion is measured and removed on them)
RIGID_LANDMARKS = (27, 28, 29, 30, 33, 39, 42)
# the nose alone: beside no AU's motion and no blink (a closing lid drags the inner eye corners'
# surroundings along): where a still face's head motion is measured
NOSE_LANDMARKS = (27, 28, 29, 30, 33)
# where expressions move the face: brows, nose wings, lips (the eyelids move in blinks too, and
# the jaw line borders the background: both are read apart)
EXPRESSION_LANDMARKS = (*range(17, 27), 31, 32, 34, 35, *range(48, 68))
UPPER_LIDS = (37, 38, 43, 44)
LOWER_LIDS = (41, 40, 47, 46)  # below 37, 38, 43, 44


@dataclass(frozen=True)
class LandmarkMotion:
    left: tuple[int, ...]  # landmarks on the image-left side (or on the midline)
    right: tuple[int, ...]  # their mirror images on the image-right side
    out: float
    dy: float


@dataclass(frozen=True)
class ActionUnit:
    code: str  # "12", or "R12" for a unilateral AU on the subject's right
    number: int
    name: str
    region: str
    motions: tuple[LandmarkMotion, ...]

    @property
    def unilateral(self) -> bool:
        return self.code.startswith(("R", "L"))


def _m(left: tuple[int, ...], right: tuple[int, ...], out: float, dy: float) -> LandmarkMotion:
    return LandmarkMotion(left, right, out, dy)


_BILATERAL: dict[int, tuple[str, str, tuple[LandmarkMotion, ...]]] = {
    1: ("inner brow raiser", "brows", (
        _m((21,), (22,), 0.0, -0.10), _m((20,), (23,), 0.0, -0.07), _m((19,), (24,), 0.0, -0.035))),
    2: ("outer brow raiser", "brows", (
        _m((17,), (26,), 0.0, -0.10), _m((18,), (25,), 0.0, -0.09), _m((19,), (24,), 0.0, -0.05))),
    4: ("brow lowerer", "brows", (
        _m((21,), (22,), -0.04, 0.06), _m((20,), (23,), -0.02, 0.05), _m((19,), (24,), 0.0, 0.03),
        _m((18,), (25,), 0.0, 0.015))),
    5: ("upper lid raiser", "eyes", (_m((37, 38), (44, 43), 0.0, -0.04),)),
    6: ("cheek raiser", "cheeks", (
        _m((40, 41), (47, 46), 0.0, -0.03), _m((36,), (45,), 0.0, -0.012),
        _m((1, 2), (15, 14), 0.0, -0.015), _m((48,), (54,), 0.0, -0.01))),
    7: ("lid tightener", "eyes", (
        _m((40, 41), (47, 46), 0.0, -0.035), _m((37, 38), (44, 43), 0.0, 0.012))),
    9: ("nose wrinkler", "nose", (
        _m((31, 32), (35, 34), 0.0, -0.04), _m((21,), (22,), 0.0, 0.03),
        _m((49, 50), (53, 52), 0.0, -0.02), _m((51,), (), 0.0, -0.015))),
    10: ("upper lip raiser", "mouth", (
        _m((49, 50), (53, 52), 0.0, -0.05), _m((51, 62), (), 0.0, -0.045),
        _m((61,), (63,), 0.0, -0.04), _m((31,), (35,), 0.0, -0.01))),
    12: ("lip corner puller", "mouth", (
        _m((48,), (54,), 0.08, -0.05), _m((60,), (64,), 0.07, -0.045), _m((49,), (53,), 0.03, -0.02),
        _m((59,), (55,), 0.03, -0.02), _m((61,), (63,), 0.02, -0.015),
        _m((67,), (65,), 0.02, -0.015))),
    14: ("dimpler", "mouth", (_m((48,), (54,), -0.02, -0.005), _m((60,), (64,), -0.02, 0.0))),
    15: ("lip corner depressor", "mouth", (
        _m((48,), (54,), 0.01, 0.06), _m((60,), (64,), 0.01, 0.05), _m((59,), (55,), 0.0, 0.025),
        _m((49,), (53,), 0.0, 0.015))),
    16: ("lower lip depressor", "mouth", (
        _m((57, 66), (), 0.0, 0.05), _m((58,), (56,), 0.0, 0.045), _m((67,), (65,), 0.0, 0.035),
        _m((59,), (55,), 0.0, 0.025))),
    17: ("chin raiser", "chin", (
        _m((57,), (), 0.0, -0.03), _m((58,), (56,), 0.0, -0.025), _m((66,), (), 0.0, -0.02),
        _m((8,), (), 0.0, -0.035), _m((7,), (9,), 0.0, -0.025))),
    20: ("lip stretcher", "mouth", (
        _m((48,), (54,), 0.07, 0.01), _m((60,), (64,), 0.06, 0.005), _m((59,), (55,), 0.03, 0.0),
        _m((49,), (53,), 0.03, 0.0))),
    23: ("lip tightener", "mouth", (
        _m((48,), (54,), -0.03, 0.0), _m((60,), (64,), -0.025, 0.0), _m((51, 62), (), 0.0, 0.01),
        _m((57, 66), (), 0.0, -0.01))),
    25: ("lips part", "mouth", (
        _m((61, 62), (63,), 0.0, -0.012), _m((67, 66), (65,), 0.0, 0.03),
        _m((58, 57), (56,), 0.0, 0.02))),
    43: ("eye closure", "eyes", (
        _m((37, 38), (44, 43), 0.0, 0.05), _m((40, 41), (47, 46), 0.0, -0.008))),
    26: ("jaw drop", "jaw", (
        _m((8,), (), 0.0, 0.10), _m((7,), (9,), 0.0, 0.09), _m((6,), (10,), 0.0, 0.07),
        _m((5,), (11,), 0.0, 0.045), _m((4,), (12,), 0.0, 0.02), _m((57,), (), 0.0, 0.09),
        _m((58,), (56,), 0.0, 0.085), _m((59,), (55,), 0.0, 0.06), _m((66,), (), 0.0, 0.08),
        _m((67,), (65,), 0.0, 0.075), _m((48,), (54,), 0.0, 0.03), _m((60,), (64,), 0.0, 0.035))),
}


def _unilateral(number: int, side: str) -> ActionUnit:
    """One side only: ``R``, the subject's right (the image's left), or ``L``, the subject's
    left (the image's right); the midline's points stay still."""
    name, region, motions = _BILATERAL[number]
    one_side = tuple(LandmarkMotion(m.left, (), m.out, m.dy) if side == "R"
                     else LandmarkMotion((), m.right, m.out, m.dy) for m in motions if m.right)
    word = {"R": "right", "L": "left"}[side]
    return ActionUnit(f"{side}{number}", number, f"{word} {name}", region, one_side)


AUS: dict[str, ActionUnit] = {
    **{str(n): ActionUnit(str(n), n, name, region, motions)
       for n, (name, region, motions) in _BILATERAL.items()},
    # every AU with a side to it, on one side (FACS L/R: real MEs are often unilateral)
    **{f"{side}{n}": _unilateral(n, side) for n, (_, _, motions) in _BILATERAL.items()
       if any(m.right for m in motions) for side in ("L", "R")},
}

INTENSITY_LETTERS = (("A", 0.2), ("B", 0.4), ("C", 0.6), ("D", 0.8), ("E", 1.0))


def get_au(code: str) -> ActionUnit:
    try:
        return AUS[code]
    except KeyError:
        raise InputError(f"AU {code!r} is not in the catalogue (known: {', '.join(AUS)})") from None


def intensity_letter(intensity: float) -> str:
    """FACS intensity letter for ``intensity`` in (0, 1], A (trace) … E (maximum)."""
    for letter, upper in INTENSITY_LETTERS:
        if intensity <= upper + 1e-12:
            return letter
    raise ValueError(f"intensity must be in (0, 1], got {intensity}")


def eye_centres(landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(image-left eye centre, image-right eye centre) from 68 landmarks."""
    return landmarks[list(LEFT_EYE)].mean(axis=0), landmarks[list(RIGHT_EYE)].mean(axis=0)


def interocular(landmarks: np.ndarray) -> float:
    left, right = eye_centres(landmarks)
    return float(np.linalg.norm(right - left))


def displacements(intensities: Mapping[str, float], landmarks: np.ndarray) -> np.ndarray:
    """Landmark displacements in pixels (68, 2) for AUs at the given intensities (0..1).

    Motions of several AUs add up; the face is assumed upright (aligned), so "out" is ±x.
    """
    if landmarks.shape != (N_LANDMARKS, 2):
        raise ValueError(f"expected (68, 2) landmarks, got {landmarks.shape}")
    unit = interocular(landmarks)
    d = np.zeros((N_LANDMARKS, 2))
    for code, intensity in intensities.items():
        for m in get_au(code).motions:
            for idx in m.left:
                d[idx] += (-m.out * intensity * unit, m.dy * intensity * unit)
            for idx in m.right:
                d[idx] += (m.out * intensity * unit, m.dy * intensity * unit)
    return d


def blink_displacements(landmarks: np.ndarray, shut: float = 0.9) -> np.ndarray:
    """Landmark displacements (68, 2) of a blink (AU45) at full closure: the upper lids come
    down ``shut`` of the way to the lower lids, which rise the rest of the way to meet them."""
    d = np.zeros((N_LANDMARKS, 2))
    for upper, lower in zip(UPPER_LIDS, LOWER_LIDS, strict=True):
        gap = landmarks[lower, 1] - landmarks[upper, 1]
        d[upper, 1] = shut * gap
        d[lower, 1] = -(1 - shut) * gap
    return d
