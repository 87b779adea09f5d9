"""Where on a face facial actions are, and where only the head's motion shows: the outline.

A head turn that a 2D stabilisation cannot remove leaves its residue along the face outline (the
jaw line and the cheeks' contour), where no AU but the jaw's and the chin's moves the skin. The
**outline share** measures it: the median flow magnitude in a band along the jaw line over the
median in the most moving quarter of the inner face (where the facial actions are). A clip whose
motion is facial action has a small share; one whose motion is a head turn has a share near 1."""

from __future__ import annotations

from collections.abc import Iterable

import cv2
import numpy as np

from equime.facs import get_au, interocular

JAW_LINE = tuple(range(17))  # dlib's 68-point outline: ear to ear along the jaw
CHIN = tuple(range(6, 11))  # the chin's part of it, which jaw and chin AUs move
JAW_REGIONS = ("jaw", "chin")  # AU regions (facs) whose action moves the outline
BAND_IOD = 0.12  # half-width of the outline band
INNER_MARGIN_IOD = 0.2  # the inner face keeps this far from the outline
TOP_SHARE = 0.25  # the inner face's motion: its most moving quarter


def moves_jaw(aus: Iterable[str]) -> bool:
    """Whether any of ``aus`` (AU codes) moves the jaw or the chin (AU17, AU26)."""
    return any(get_au(code).region in JAW_REGIONS for code in aus)


def _polyline(points: np.ndarray, shape: tuple[int, int], width: int) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.polylines(mask, [np.round(points).astype(np.int32)], False, 255, width)
    return mask


def outline_band(landmarks: np.ndarray, shape: tuple[int, int], jaw_moves: bool) -> np.ndarray:
    """(H, W) bool: a band along the jaw line (landmarks 0–16); without the chin (6–10) when the
    clip's AUs move the jaw or chin, whose motion there is the action."""
    width = max(3, round(2 * BAND_IOD * interocular(landmarks)))
    if not jaw_moves:
        return _polyline(landmarks[list(JAW_LINE)], shape, width) > 0
    left, right = landmarks[: CHIN[0] + 1], landmarks[CHIN[-1]: JAW_LINE[-1] + 1]
    band = _polyline(left, shape, width) | _polyline(right, shape, width)
    return (band > 0) & ~(_polyline(landmarks[list(CHIN)], shape, width) > 0)


def _hull(landmarks: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    hull = cv2.convexHull(landmarks.astype(np.float32)).astype(np.int32)
    mask = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(mask, hull, 255)
    return mask


def inner_face(landmarks: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(H, W) bool: inside the outline and brows, at least ``INNER_MARGIN_IOD`` from the outline."""
    dist = cv2.distanceTransform(_hull(landmarks, shape), cv2.DIST_L2, 5)
    return dist >= INNER_MARGIN_IOD * interocular(landmarks)


def action_weight(landmarks: np.ndarray, shape: tuple[int, int], jaw_moves: bool) -> np.ndarray:
    """(H, W) float32: 1 where facial actions move the face, 0 on the outline band (the chin's
    part kept when ``jaw_moves``), fading over the band's width, so a field multiplied by it
    pins the outline."""
    band = outline_band(landmarks, shape, jaw_moves).astype(np.uint8)
    dist = cv2.distanceTransform(1 - band, cv2.DIST_L2, 5)
    fade = 2 * BAND_IOD * interocular(landmarks)
    return np.clip(dist / fade, 0.0, 1.0).astype(np.float32)


def outline_share(flow: np.ndarray, landmarks: np.ndarray, jaw_moves: bool) -> float:
    """Median flow magnitude along the outline over the median of the most moving quarter of
    the inner face (``flow``: (H, W, 2) on the face with ``landmarks``); nan without motion."""
    mag = np.hypot(flow[..., 0], flow[..., 1])
    shape = mag.shape
    band, inner = outline_band(landmarks, shape, jaw_moves), inner_face(landmarks, shape)
    band &= _hull(landmarks, shape) > 0  # the skin inside the outline, not the background
    if not band.any() or not inner.any():
        return float("nan")
    inside = mag[inner]
    top = inside[inside >= np.quantile(inside, 1 - TOP_SHARE)]
    ref = float(np.median(top))
    return float(np.median(mag[band])) / ref if ref > 0 else float("nan")


def pin_outline(neutral: np.ndarray, apex: np.ndarray, jaw_moves: bool) -> np.ndarray:
    """``apex`` landmarks with the outline's (0–16; the chin's kept where ``jaw_moves``) put back
    where they are in ``neutral``: the facial action alone, as the ME renders it."""
    out = apex.copy()
    still = [i for i in JAW_LINE if not (jaw_moves and i in CHIN)]
    out[still] = neutral[still]
    return out
