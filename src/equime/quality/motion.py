"""Geometric ME checks from dense optical flow (OpenCV Farnebäck) against the first frame.

Per frame t: the flow from frame 0 to t inside the face; its rigid part (a similarity transform
fitted with RANSAC) is head motion or camera shake, the rest is facial movement. The motion curve
is the mean non-rigid flow magnitude inside the face; its peak gives the detected apex.

The expression is the whole run of frames around the apex whose motion is above the floor: the
larger of the noise floor (``floor_px``) and a share of the peak (``fraction``). Its onset is
the last still frame before that run, its offset the first still frame after it: an ME's onset →
offset is brief, it ends before the clip does, and no other frame moves.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from equime.facs import RIGID_LANDMARKS, interocular


@dataclass(frozen=True)
class Extent:
    """The expression in a motion curve: the run of frames above the floor around the apex."""

    apex_frame: int
    onset_frame: int  # the last still frame before the expression
    offset_frame: int  # the first still frame after it (the clip's length if it never returns)
    duration_s: float  # onset → offset
    returns: bool  # the face is still again before the clip ends
    outside_frames: int  # frames above the floor that are not part of the expression
    half_peak_s: float  # time the curve stays ≥ half its peak around the apex
    peak_px: float


def expression_extent(curve: np.ndarray, fps: float, floor_px: float, fraction: float) -> Extent:
    """Where the expression is in ``curve`` (frame 0 is the neutral reference, motion 0).

    Motion counts when it is above ``floor_px`` (flow noise) and above ``fraction`` of the peak.
    """
    peak = float(curve.max()) if len(curve) else 0.0
    if peak <= floor_px:
        return Extent(0, 0, 0, 0.0, True, 0, 0.0, 0.0)
    apex = int(curve.argmax())
    above = curve > max(floor_px, fraction * peak)
    lo, hi = _run(above, apex)
    half_lo, half_hi = _run(curve >= peak / 2, apex)
    onset, offset = lo - 1, hi + 1
    return Extent(apex_frame=apex, onset_frame=max(onset, 0), offset_frame=offset,
                  duration_s=(offset - onset) / fps, returns=offset < len(curve),
                  outside_frames=int(above.sum()) - (hi - lo + 1),
                  half_peak_s=(half_hi - half_lo + 1) / fps, peak_px=peak)


def _run(flags: np.ndarray, i: int) -> tuple[int, int]:
    """First and last index of the run of True around index ``i``."""
    lo = hi = i
    while lo > 0 and flags[lo - 1]:
        lo -= 1
    while hi < len(flags) - 1 and flags[hi + 1]:
        hi += 1
    return lo, hi


@dataclass(frozen=True)
class MeasuredMotion:
    curve: np.ndarray  # (T,) px at full resolution, non-rigid, inside the face
    head: np.ndarray  # (T,) px, mean rigid displacement of face points
    extent: Extent
    head_motion_px: float  # max over frames

    @property
    def apex_frame(self) -> int:
        return self.extent.apex_frame

    @property
    def peak_px(self) -> float:
        return self.extent.peak_px

    @property
    def moved(self) -> bool:
        return self.peak_px > 0


def face_mask(landmarks: np.ndarray, shape: tuple[int, int], scale: float) -> np.ndarray:
    """Convex hull of the landmarks (brows to chin), grown by 10 %, at ``scale``."""
    pts = landmarks * scale
    centre = pts.mean(axis=0)
    hull = cv2.convexHull(((pts - centre) * 1.1 + centre).astype(np.int32))
    mask = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(mask, hull, 1)
    return mask.astype(bool)


def _gray(frame: np.ndarray, scale: float) -> np.ndarray:
    g = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    return cv2.resize(g, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale != 1 else g


def rigid_mask(landmarks: np.ndarray, shape: tuple[int, int], scale: float) -> np.ndarray:
    """Discs (0.08 IOD) around the landmarks no AU moves: where head motion is measured."""
    mask = np.zeros(shape, np.uint8)
    radius = max(1, round(0.08 * interocular(landmarks) * scale))
    for x, y in landmarks[list(RIGID_LANDMARKS)] * scale:
        cv2.circle(mask, (round(x), round(y)), radius, 1, -1)
    return mask.astype(bool)


def rigid_fit(flow: np.ndarray, anchors: np.ndarray) -> np.ndarray | None:
    """The similarity (2x3, RANSAC) that best explains ``flow`` on the ``anchors`` (skull points)."""
    ys, xs = np.nonzero(anchors)
    step = max(1, len(xs) // 2000)
    src = np.stack([xs[::step], ys[::step]], 1).astype(np.float32)
    dst = src + flow[ys[::step], xs[::step]]
    matrix, _ = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=0.5)
    return matrix


def flow_split(ref: np.ndarray, cur: np.ndarray, mask: np.ndarray,
               anchors: np.ndarray) -> tuple[float, float]:
    """(mean non-rigid magnitude, mean rigid magnitude) inside ``mask``, in pixels of ``ref``; the
    rigid part is the head's: the similarity that explains the motion of the ``anchors``."""
    # ME motion is a few pixels: 2 pyramid levels and 2 iterations are enough
    flow = cv2.calcOpticalFlowFarneback(ref, cur, None, 0.5, 2, 15, 2, 5, 1.2, 0)
    matrix = rigid_fit(flow, anchors)
    if matrix is None:
        matrix = np.array([[1, 0, 0], [0, 1, 0]], np.float32)
    ys, xs = np.nonzero(mask)
    pts = np.stack([xs, ys], 1).astype(np.float32)
    rigid = pts @ matrix[:, :2].T + matrix[:, 2] - pts
    residual = flow[ys, xs] - rigid
    return float(np.hypot(*residual.T).mean()), float(np.hypot(*rigid.T).mean())


def measure_motion(frames: np.ndarray, landmarks: np.ndarray, fps: float, iod_px: float,
                   floor_px: float, fraction: float) -> MeasuredMotion:
    """Motion curve, the expression's extent and head motion of a clip whose frame 0 is neutral.

    ``landmarks``: the face in frame 0 (full resolution). The flow runs on frames scaled so the
    interocular distance is ``iod_px`` (never enlarged): the same view of any face, whatever the
    clip's size. Curve values below ``floor_px`` (flow noise, full-resolution px) count as no
    movement; see :func:`expression_extent` for ``fraction``.
    """
    scale = min(1.0, iod_px / interocular(landmarks))
    # flow only on the face's bounding box (+ a margin for the flow window)
    h, w = frames.shape[1:3]
    x0, y0 = np.maximum(landmarks.min(axis=0) - 40, 0).astype(int)
    x1, y1 = np.minimum(landmarks.max(axis=0) + 40, (w, h)).astype(int)
    frames = frames[:, y0:y1, x0:x1]
    landmarks = landmarks - (x0, y0)
    ref = _gray(frames[0], scale)
    mask = face_mask(landmarks, ref.shape, scale)
    anchors = rigid_mask(landmarks, ref.shape, scale)
    curve = np.zeros(len(frames))
    head = np.zeros(len(frames))
    for t in range(1, len(frames)):
        if np.array_equal(frames[t], frames[0]):
            continue  # bit-identical to the reference: no motion, exactly
        if np.array_equal(frames[t], frames[t - 1]):
            curve[t], head[t] = curve[t - 1], head[t - 1]  # same frame, same flow
            continue
        curve[t], head[t] = (v / scale for v in flow_split(ref, _gray(frames[t], scale), mask, anchors))
    curve[curve < floor_px] = 0.0
    return MeasuredMotion(curve, head, expression_extent(curve, fps, floor_px, fraction),
                          float(head.max()))
