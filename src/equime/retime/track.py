"""The face through a clip: landmarks per frame, and the similarity that puts each frame's head
back where it is in the neutral face (stabilisation), from the points no expression moves."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from equime.faces.detect import FaceDetector
from equime.facs import RIGID_LANDMARKS, interocular

STABLE = list(RIGID_LANDMARKS)
DETECT_FACE_PX = 120  # faces are found on frames scaled so the face is about this wide


@dataclass(frozen=True)
class Placed:
    """One frame's face: its landmarks, the similarity onto the neutral face, head motion."""

    landmarks: np.ndarray | None  # (68, 2), None where no face is found
    to_neutral: np.ndarray | None  # 2x3: frame coordinates → the neutral's
    rigid_iod: float  # mean move of the skull points from the neutral, IOD units (nan: no face)


def find_landmarks(detector: FaceDetector, frame: np.ndarray, scale: float) -> np.ndarray | None:
    """The largest face's 68 landmarks at full resolution, found on ``frame`` scaled by ``scale``."""
    small = frame if scale == 1 else cv2.resize(frame, None, fx=scale, fy=scale,
                                                interpolation=cv2.INTER_AREA)
    faces = detector.boxes(small)
    if not faces:
        return None
    box = tuple(round(v / scale) for v in faces[0][0])
    return detector.landmarks(np.ascontiguousarray(frame), box)  # type: ignore[arg-type]


def similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray | None:
    """2x3 similarity mapping the skull points of ``src`` onto those of ``dst`` (least median)."""
    m, _ = cv2.estimateAffinePartial2D(src[STABLE].astype(np.float32),
                                       dst[STABLE].astype(np.float32), method=cv2.LMEDS)
    return m


def detection_scale(neutral: np.ndarray) -> float:
    """The scale at which the neutral's face is about :data:`DETECT_FACE_PX` wide (never > 1)."""
    return min(1.0, DETECT_FACE_PX / max(float(np.ptp(neutral[:, 0])), 1.0))


def place(frame: np.ndarray, neutral: np.ndarray, detector: FaceDetector) -> Placed:
    """Find the face in ``frame`` and its stabilisation against ``neutral`` (68 landmarks)."""
    lm = find_landmarks(detector, frame, detection_scale(neutral))
    if lm is None:
        return Placed(None, None, float("nan"))
    rigid = float(np.linalg.norm(lm[STABLE] - neutral[STABLE], axis=1).mean() / interocular(neutral))
    return Placed(lm, similarity(lm, neutral), rigid)


def stabilise(frame: np.ndarray, to_neutral: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``frame`` resampled into the neutral face's coordinates (``size`` = (width, height))."""
    return cv2.warpAffine(frame, to_neutral, size, flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
