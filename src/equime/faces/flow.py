"""Dense optical flow between two views of one face (OpenCV's Farnebäck) and where it is read:
the face, the skull points no AU moves, the head's rigid part fitted out. Shared by the
measurements (``quality``) and the makers (``retime``), so neither imports the other."""

from __future__ import annotations

import cv2
import numpy as np

from equime.facs import RIGID_LANDMARKS, interocular

FEATURE_IOD = 0.15  # the flow's window is about twice this: one facial feature (~0.3 IOD)
DISC_IOD = 0.08  # disc radius around a landmark (interocular units)


def face_flow(a: np.ndarray, b: np.ndarray, unit: float) -> np.ndarray:
    """(H, W, 2) float32 flow from RGB image ``a`` to ``b`` of one face whose interocular
    distance is ``unit`` px."""
    g = [cv2.cvtColor(x, cv2.COLOR_RGB2GRAY) for x in (a, b)]
    win = int(2 * round(FEATURE_IOD * unit) + 1)
    return cv2.calcOpticalFlowFarneback(g[0], g[1], None, 0.5, 4, max(win, 9), 3, 5, 1.2, 0)


def face_mask(landmarks: np.ndarray, shape: tuple[int, int], scale: float) -> np.ndarray:
    """Convex hull of the landmarks (brows to chin), grown by 10 %, at ``scale``."""
    pts = landmarks * scale
    centre = pts.mean(axis=0)
    hull = cv2.convexHull(((pts - centre) * 1.1 + centre).astype(np.int32))
    mask = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(mask, hull, 1)
    return mask.astype(bool)


def gray(frame: np.ndarray, scale: float) -> np.ndarray:
    """The frame's luma, scaled by ``scale`` (area averaging)."""
    g = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    return cv2.resize(g, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale != 1 else g


def rigid_mask(landmarks: np.ndarray, shape: tuple[int, int], scale: float,
               points: tuple[int, ...] = RIGID_LANDMARKS) -> np.ndarray:
    """Discs (0.08 IOD) around the landmarks no AU moves: where head motion is measured."""
    mask = np.zeros(shape, np.uint8)
    radius = max(1, round(DISC_IOD * interocular(landmarks) * scale))
    for x, y in landmarks[list(points)] * scale:
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


def farneback(ref: np.ndarray, cur: np.ndarray) -> np.ndarray:
    """(H, W, 2) flow between two grey views of a face at the ME measurements' scale."""
    # ME motion is a few pixels: 2 pyramid levels and 2 iterations are enough
    return cv2.calcOpticalFlowFarneback(ref, cur, None, 0.5, 2, 15, 2, 5, 1.2, 0)


def flow_split(ref: np.ndarray, cur: np.ndarray, mask: np.ndarray,
               anchors: np.ndarray) -> tuple[float, float]:
    """(mean non-rigid magnitude, mean rigid magnitude) inside ``mask``, in pixels of ``ref``; the
    rigid part is the head's: the similarity that explains the motion of the ``anchors``."""
    flow = farneback(ref, cur)
    matrix = rigid_fit(flow, anchors)
    if matrix is None:
        matrix = np.array([[1, 0, 0], [0, 1, 0]], np.float32)
    ys, xs = np.nonzero(mask)
    pts = np.stack([xs, ys], 1).astype(np.float32)
    rigid = pts @ matrix[:, :2].T + matrix[:, 2] - pts
    residual = flow[ys, xs] - rigid
    return float(np.hypot(*residual.T).mean()), float(np.hypot(*rigid.T).mean())
