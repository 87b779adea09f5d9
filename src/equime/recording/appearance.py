"""AU appearance: the furrows and bulges that muscle actions make, as shading on the skin.

A hand model, no learned weights. A landmark warp moves the face's geometry but not its
shading: a real AU4 also draws vertical lines between the brows, AU6 crow's feet and a raised
cheek, AU9 wrinkles across the nose, AU10/AU12 deepen the nasolabial fold, AU15 a line down
from the lip corner, AU17 the crease above the chin and a bulging chin boss (FACS manual,
Ekman, Friesen & Hager 2002: each AU's "appearance changes"). Each feature below is a polyline
(a fold: darker along it) or a disc (a bulge: lighter) placed by landmarks plus offsets in
interocular units, drawn on the neutral face and mirrored to the other side. Its strength is
``depth`` × the AU's intensity; the renderer adds it along the expression's envelope, in the
neutral geometry, so the warp carries it with the landmarks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import cv2
import numpy as np

from equime.facs import get_au, interocular
from equime.recording.params import AppearanceParams

_MIRROR = {**{i: 16 - i for i in range(17)}, **{17 + i: 26 - i for i in range(10)},
           27: 27, 28: 28, 29: 29, 30: 30, 31: 35, 32: 34, 33: 33, 34: 32, 35: 31,
           36: 45, 37: 44, 38: 43, 39: 42, 40: 47, 41: 46, 42: 39, 43: 38, 44: 37, 45: 36,
           46: 41, 47: 40, 48: 54, 49: 53, 50: 52, 51: 51, 52: 50, 53: 49, 54: 48, 55: 59,
           56: 58, 57: 57, 58: 56, 59: 55, 60: 64, 61: 63, 62: 62, 63: 61, 64: 60, 65: 67,
           66: 66, 67: 65}  # iBUG 68: each landmark's mirror image across the face's midline
_SUBPIXEL = 4  # polylines are drawn with 2 fractional bits


@dataclass(frozen=True)
class Feature:
    """A fold (polyline, darkens) or a bulge (disc, lightens), on the image-left side.

    A point is (landmarks averaged, out, dy): ``out`` away from the midline, ``dy`` down, both in
    interocular units; the mirror feature on the image-right side is drawn too."""

    points: tuple[tuple[tuple[int, ...], float, float], ...]
    width_iod: float  # a fold's σ across, or a bulge's radius
    weight: float  # share of ``depth``; a bulge lightens by half its weight
    bulge: bool = False


def _fold(*points: tuple[tuple[int, ...], float, float], width: float = 0.036,
          weight: float = 1.0) -> Feature:
    return Feature(points, width, weight)


def _bulge(point: tuple[tuple[int, ...], float, float], radius: float, weight: float) -> Feature:
    return Feature((point,), radius, weight, bulge=True)


# AU number → its features (the FACS manual's appearance changes, placed on the iBUG landmarks)
FEATURES: dict[int, tuple[Feature, ...]] = {
    4: (_fold(((21, 22), 0.05, -0.03), ((21, 22), 0.04, 0.10)),  # vertical glabellar lines
        _fold(((21, 22), 0.0, 0.06), ((21,), 0.02, 0.08), width=0.02, weight=0.5)),  # bulge crease
    6: (_fold(((36,), 0.06, -0.03), ((36,), 0.16, -0.08), width=0.018),  # crow's feet
        _fold(((36,), 0.07, 0.0), ((36,), 0.18, 0.0), width=0.018),
        _fold(((36,), 0.06, 0.03), ((36,), 0.15, 0.08), width=0.018),
        _fold(((36,), 0.0, 0.07), ((40, 41), 0.0, 0.09), ((39,), 0.0, 0.07), width=0.024,
              weight=0.7),  # the furrow under the lower lid
        _bulge(((40, 41), 0.02, 0.2), 0.11, 0.8)),  # the raised cheek
    9: (_fold(((27,), 0.0, 0.05), ((27,), 0.09, 0.08)),  # wrinkles across the nose root
        _fold(((27, 28), 0.0, 0.07), ((28,), 0.08, 0.09)),
        _fold(((31,), 0.02, -0.02), ((31, 48), 0.07, 0.0), width=0.032, weight=0.6)),
    10: (_fold(((31,), 0.04, 0.0), ((31, 48), 0.08, 0.0), ((48,), 0.05, 0.03), width=0.036,
               weight=0.7),),  # nasolabial fold
    12: (_fold(((31,), 0.04, 0.0), ((31, 48), 0.08, 0.0), ((48,), 0.05, 0.03), width=0.04),
         _bulge(((31, 48), 0.17, -0.02), 0.1, 0.6)),  # nasolabial fold, raised cheek
    15: (_fold(((48,), 0.02, 0.02), ((48,), 0.05, 0.14), width=0.028),),  # down from the corner
    17: (_fold(((58,), 0.0, 0.07), ((57,), 0.0, 0.08), width=0.04),  # crease above the chin
         _bulge(((8,), 0.0, -0.09), 0.08, 0.8)),  # the chin boss
}


def _point(landmarks: np.ndarray, unit: float, spec: tuple[tuple[int, ...], float, float],
           side: int) -> np.ndarray:
    """A feature point in pixels; ``side`` -1: the image-left half, +1: its mirror image."""
    idx, out, dy = spec
    ids = list(idx) if side < 0 else [_MIRROR[i] for i in idx]
    return landmarks[ids].mean(axis=0) + np.array([side * out * unit, dy * unit])


def _draw(feature: Feature, landmarks: np.ndarray, unit: float, side: int,
          shape: tuple[int, int]) -> np.ndarray:
    """The feature's profile (H×W, peak 1) on one side."""
    canvas = np.zeros(shape, np.float32)
    pts = np.stack([_point(landmarks, unit, p, side) for p in feature.points])
    fixed = np.rint(pts * _SUBPIXEL).astype(np.int32)
    sigma = feature.width_iod * unit
    if feature.bulge:
        cv2.circle(canvas, tuple(fixed[0]), round(sigma * _SUBPIXEL), 1.0, -1, cv2.LINE_AA, 2)
        canvas = cv2.GaussianBlur(canvas, (0, 0), sigma / 2)
    else:
        cv2.polylines(canvas, [fixed], False, 1.0, 1, cv2.LINE_AA, 2)
        canvas = cv2.GaussianBlur(canvas, (0, 0), max(sigma, 0.5))
    peak = float(canvas.max())
    return canvas / peak if peak > 0 else canvas


def shading(intensities: Mapping[str, float], landmarks: np.ndarray, shape: tuple[int, int],
            p: AppearanceParams) -> np.ndarray | None:
    """(H, W) relative brightness change at the apex (−: darker, +: lighter), in the neutral
    face's geometry; None when off or no AU of the table is active."""
    if not p.enabled:
        return None
    unit = interocular(landmarks)
    out = np.zeros(shape, np.float32)
    for code, intensity in sorted(intensities.items()):
        au = get_au(code)
        sides = (-1,) if au.unilateral else (-1, 1)  # unilateral: the subject's right (image left)
        for feature in FEATURES.get(au.number, ()):
            sign = 0.5 if feature.bulge else -1.0
            for side in sides:
                out += (sign * p.depth * feature.weight * intensity
                        * _draw(feature, landmarks, unit, side, shape))
    if not out.any():
        return None
    return np.clip(out, -0.9, 0.5)


def residual(image: np.ndarray, shade: np.ndarray | None) -> np.ndarray | None:
    """The apex's change in grey levels (H×W×3 float32) that ``shade`` makes on ``image``."""
    return None if shade is None else image.astype(np.float32) * shade[..., None]
