"""Geometric ME checks from dense optical flow (OpenCV Farnebäck) against the first frame.

Per frame t: the flow from frame 0 to t inside the face; its rigid part (a similarity transform
fitted with RANSAC) is head motion or camera shake, the rest is facial movement. The motion curve
is the mean non-rigid flow magnitude inside the face; its peak gives the detected apex, and the
run of frames above half the peak the expression's duration ("brief": ≤ 0.5 s for an ME).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

_EDGE = 0.1  # curve level (fraction of the peak) that counts as back to neutral


@dataclass(frozen=True)
class MeasuredMotion:
    curve: np.ndarray  # (T,) px at full resolution, non-rigid, inside the face
    head: np.ndarray  # (T,) px, mean rigid displacement of face points
    apex_frame: int
    onset_frame: int
    offset_frame: int
    half_peak_s: float  # time the curve stays ≥ half its peak around the apex
    peak_px: float
    head_motion_px: float  # max over frames

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


def flow_split(ref: np.ndarray, cur: np.ndarray, mask: np.ndarray) -> tuple[float, float]:
    """(mean non-rigid magnitude, mean rigid magnitude) inside ``mask``, in pixels of ``ref``."""
    # ME motion is a few pixels: 2 pyramid levels and 2 iterations are enough
    flow = cv2.calcOpticalFlowFarneback(ref, cur, None, 0.5, 2, 15, 2, 5, 1.2, 0)
    ys, xs = np.nonzero(mask)
    step = max(1, len(xs) // 2000)
    src = np.stack([xs[::step], ys[::step]], 1).astype(np.float32)
    dst = src + flow[ys[::step], xs[::step]]
    matrix, _ = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=0.5)
    if matrix is None:
        matrix = np.array([[1, 0, 0], [0, 1, 0]], np.float32)
    pts = np.stack([xs, ys], 1).astype(np.float32)
    rigid = pts @ matrix[:, :2].T + matrix[:, 2] - pts
    residual = flow[ys, xs] - rigid
    return float(np.hypot(*residual.T).mean()), float(np.hypot(*rigid.T).mean())


def measure_motion(frames: np.ndarray, landmarks: np.ndarray, fps: int, scale: float,
                   floor_px: float) -> MeasuredMotion:
    """Motion curve, detected timing and head motion of a clip whose frame 0 is neutral.

    ``landmarks``: the face in frame 0 (full resolution). Curve values below ``floor_px``
    (flow noise) count as no movement.
    """
    # flow only on the face's bounding box (+ a margin for the flow window)
    h, w = frames.shape[1:3]
    x0, y0 = np.maximum(landmarks.min(axis=0) - 40, 0).astype(int)
    x1, y1 = np.minimum(landmarks.max(axis=0) + 40, (w, h)).astype(int)
    frames = frames[:, y0:y1, x0:x1]
    landmarks = landmarks - (x0, y0)
    ref = _gray(frames[0], scale)
    mask = face_mask(landmarks, ref.shape, scale)
    curve = np.zeros(len(frames))
    head = np.zeros(len(frames))
    for t in range(1, len(frames)):
        if np.array_equal(frames[t], frames[0]):
            continue  # bit-identical to the reference: no motion, exactly
        if np.array_equal(frames[t], frames[t - 1]):
            curve[t], head[t] = curve[t - 1], head[t - 1]  # same frame, same flow
            continue
        curve[t], head[t] = (v / scale for v in flow_split(ref, _gray(frames[t], scale), mask))
    curve[curve < floor_px] = 0.0
    apex = int(curve.argmax())
    peak = float(curve[apex])
    if peak == 0:
        return MeasuredMotion(curve, head, 0, 0, 0, 0.0, 0.0, float(head.max()))
    above = curve >= peak / 2
    lo = hi = apex
    while lo > 0 and above[lo - 1]:
        lo -= 1
    while hi < len(curve) - 1 and above[hi + 1]:
        hi += 1
    onset = apex
    while onset > 0 and curve[onset] > _EDGE * peak:
        onset -= 1
    offset = apex
    while offset < len(curve) - 1 and curve[offset] > _EDGE * peak:
        offset += 1
    return MeasuredMotion(curve, head, apex, onset, offset, (hi - lo + 1) / fps, peak, float(head.max()))
