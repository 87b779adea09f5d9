"""The apex's motion, as a field on the neutral face: the dense flow neutral → stabilised apex
without its rigid part, kept to the face, smoothed; optionally the appearance change the flow
does not explain (the apex pulled back onto the neutral geometry, minus the neutral)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.interpolate import RBFInterpolator

from equime.faces.flow import face_flow, rigid_fit, rigid_mask
from equime.faces.regions import action_weight
from equime.facs import RIGID_LANDMARKS, interocular
from equime.generate.warp import displacement_field
from equime.retime.params import RetimeParams

FOREHEAD_IOD = 0.6  # the face region reaches this far above the brows (AU1/2/4 move the forehead)
FEATHER_IOD = 0.25  # the field fades to 0 over this distance outside the face
BORDER_ANCHORS = 8  # the landmark correction is 0 on the image border (anchors per side)
EDGE_GREY_PER_PX = 40.0  # Sobel magnitude (3x3) at which skin counts as an edge


@dataclass(frozen=True)
class MotionField:
    field: np.ndarray  # (H, W, 2) float32 px: where each neutral point moves at the apex
    residual: np.ndarray | None  # (H, W, 3) float32 grey levels, or None
    peak_iod: float  # 99th percentile of the displacement in the face, IOD units

    def scaled(self, alpha: float) -> MotionField:
        return MotionField((self.field * np.float32(alpha)).astype(np.float32),
                           None if self.residual is None
                           else (self.residual * np.float32(alpha)).astype(np.float32),
                           self.peak_iod * alpha)


def face_region(landmarks: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(H, W) float32 weight: 1 on the face (jaw to forehead), fading to 0 just outside it."""
    unit = interocular(landmarks)
    brows = landmarks[17:27].copy()
    brows[:, 1] -= FOREHEAD_IOD * unit
    hull = cv2.convexHull(np.concatenate([landmarks, brows]).astype(np.float32)).astype(np.int32)
    mask = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(mask, hull, 255)
    dist = cv2.distanceTransform(255 - mask, cv2.DIST_L2, 5)
    return np.clip(1.0 - dist / (FEATHER_IOD * unit), 0.0, 1.0).astype(np.float32)


def _rigid_part(flow: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """The head's motion left in ``flow``: the similarity of the skull points, as a field."""
    m = rigid_fit(flow, anchors)
    h, w = flow.shape[:2]
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
    if m is None:
        return np.zeros_like(flow)
    return np.stack([m[0, 0] * gx + m[0, 1] * gy + m[0, 2] - gx,
                     m[1, 0] * gx + m[1, 1] * gy + m[1, 2] - gy], -1).astype(np.float32)


def _sample(field: np.ndarray, x: float, y: float) -> np.ndarray:
    """The (2,) vector of ``field`` at a sub-pixel point."""
    return np.array([cv2.getRectSubPix(np.ascontiguousarray(field[..., c]), (1, 1),
                                       (float(x), float(y)))[0, 0] for c in (0, 1)])


def pin_skull(field: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """``field`` with no motion left at the landmarks no AU moves (nose bridge and tip, inner eye
    corners): the motion measured there (flow bleeding from a moving mouth, a head not quite
    stabilised) is removed by a Gaussian-RBF correction exact at those points and fading within
    ~0.25 IOD of them."""
    unit = interocular(landmarks)
    pts = landmarks[list(RIGID_LANDMARKS)]
    h, w = field.shape[:2]
    at = np.stack([_sample(field, x, y) for x, y in pts])
    sigma = 0.12 * unit
    rbf = RBFInterpolator(pts, at, kernel="gaussian", epsilon=1 / sigma)
    x0, y0 = np.maximum(pts.min(axis=0) - 4 * sigma, 0).astype(int)
    x1, y1 = np.minimum(pts.max(axis=0) + 4 * sigma, (w - 1, h - 1)).astype(int)
    gy, gx = np.mgrid[y0:y1 + 1, x0:x1 + 1]
    out = field.copy()
    out[y0:y1 + 1, x0:x1 + 1] -= rbf(np.stack([gx.ravel(), gy.ravel()], 1)).reshape(
        (*gy.shape, 2)).astype(np.float32)
    return out


def apex_motion(neutral: np.ndarray, landmarks: np.ndarray, apex: np.ndarray,
                marks: np.ndarray | None, moved: np.ndarray | None, r: RetimeParams,
                jaw_moves: bool) -> MotionField:
    """The motion neutral → ``apex`` (an already stabilised frame, the neutral's size): the dense
    flow; with ``moved`` at ``marks`` ((68, 2) each: the apex's landmarks minus the neutral's,
    both measured alike, the head removed), held to the landmarks by a thin-plate correction,
    since a dense flow blurs across a mouth that opens wide while landmarks track its features
    (for small, sharp motions the flow alone is the better measure: landmarks keep to a mean
    shape). ``landmarks`` place the face region and the skull points. The outline is pinned (no
    AU but the jaw's and chin's moves it, so its motion is the head's: :mod:`~equime.faces.
    regions`), the chin kept where ``jaw_moves``."""
    unit = interocular(landmarks)
    weight = face_region(landmarks, neutral.shape[:2])
    flow = face_flow(neutral, apex, unit)
    anchors = rigid_mask(landmarks, weight.shape, 1.0)
    flow = (flow - _rigid_part(flow, anchors)) * weight[..., None]
    if r.smooth_iod > 0:
        flow = cv2.GaussianBlur(flow, (0, 0), r.smooth_iod * unit)
    flow = flow.astype(np.float32)
    if marks is not None and moved is not None:
        at = np.stack([_sample(flow, x, y) for x, y in marks])
        h, w = flow.shape[:2]
        flow += displacement_field(marks, moved - at, w, h, BORDER_ANCHORS) * weight[..., None]
    weight = weight * action_weight(landmarks, weight.shape, jaw_moves)
    field = np.ascontiguousarray(pin_skull(flow, landmarks) * weight[..., None], dtype=np.float32)
    mag = np.hypot(field[..., 0], field[..., 1])[weight >= 1]
    peak = float(np.percentile(mag, 99)) / unit if mag.size else 0.0
    residual = None
    if r.residual:
        h, w = weight.shape
        gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
        back = cv2.remap(apex.astype(np.float32), gx + field[..., 0], gy + field[..., 1],
                         cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101)
        diff = back - neutral.astype(np.float32)
        inside = weight >= 1
        diff -= diff[inside].mean(axis=0)  # a global change of light is not an expression
        residual = np.ascontiguousarray(diff * (weight * _smooth_skin(neutral))[..., None],
                                        dtype=np.float32)
    return MotionField(field, residual, peak)


def _smooth_skin(image: np.ndarray) -> np.ndarray:
    """(H, W) weight: 1 on smooth skin, towards 0 on strong edges (eyes, brows, lips, nostrils),
    where a residual is mostly a sub-pixel misregistration; wrinkles and shading form on skin."""
    g = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    grad = np.hypot(cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3))
    scale = EDGE_GREY_PER_PX
    return np.exp(-((cv2.GaussianBlur(grad, (0, 0), 1.5) / scale) ** 2)).astype(np.float32)


def me_alpha(peak_iod: float, r: RetimeParams) -> float:
    """The scale that brings the peak displacement into the ME range ``r.peak_iod``."""
    if peak_iod <= 0:
        return 0.0
    lo, hi = r.peak_iod
    return float(np.clip(peak_iod, lo, hi) / peak_iod)
