"""The face through a clip: landmarks per frame, and the head put back where it is in the
neutral face (stabilisation): a similarity from the points no expression moves, then the rest of
the head's 3D pose (a turn, a nod: :mod:`~equime.faces.head`), undone by a smooth warp."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np
from scipy.interpolate import RBFInterpolator

from equime.faces.detect import FaceDetector
from equime.faces.head import Pose, fit_pose, generic_face
from equime.facs import RIGID_LANDMARKS, interocular
from equime.generate.warp import border_points

STABLE = list(RIGID_LANDMARKS)
# a face followed from the first frame (not detected) where the predictor's box, moved as its
# landmarks moved, moves again by at most this share of its width
FOLLOW_TOLERANCE = 0.02
DETECT_FACE_PX = 120  # faces are found on frames scaled so the face is about this wide
BORDER_ANCHORS = 8  # the pose's warp is 0 on the image border (anchors per side)
POSE_FIELD_STEP = 16  # the pose's warp is smooth: evaluated every 16 px, upsampled
# where the pose's warp is pinned to the head's motion: the outline, brows, nose and eye corners
# (spread over the face, no two of them close, unlike a closed mouth's inner lips)
POSE_POINTS = (*range(37), 39, 42, 45)
# a turn or nod (from the first frame) below this is left to the similarity: the landmarks'
# noise fits poses of ~0.5° to a head that only shifts and rolls in the picture
MIN_TURN_DEG = 1.0


@dataclass(frozen=True)
class Placed:
    """One frame's face: its landmarks, the similarity onto the neutral face, head motion."""

    landmarks: np.ndarray | None  # (68, 2), None where no face is found
    box: tuple[int, int, int, int] | None  # where the landmarks were searched (left, top, right, bottom)
    to_neutral: np.ndarray | None  # 2x3: frame coordinates → the neutral's
    rigid_iod: float  # mean move of the skull points from the neutral, IOD units (nan: no face)
    # (68, 2) where the head's pose alone puts the neutral's landmarks, once ``to_neutral`` is
    # applied: the frame's landmarks minus these are the facial action
    head: np.ndarray | None = None
    pose: Pose | None = None  # the head's 3D pose fitted to this frame (the head's reference)

    def action(self, landmarks: np.ndarray, neutral: np.ndarray) -> np.ndarray:
        """``landmarks`` of this frame (measured again, e.g. finer) in the neutral's coordinates
        with the head's pose taken out: the neutral (68 points) plus the facial action."""
        if self.to_neutral is None or self.head is None:
            raise ValueError("the frame is not placed")
        m = self.to_neutral
        return landmarks @ m[:, :2].T + m[:, 2] - (self.head - neutral)


def find_face(detector: FaceDetector, frame: np.ndarray,
              scale: float) -> tuple[tuple[int, int, int, int], np.ndarray] | None:
    """The largest face's box and 68 landmarks at full resolution, found on ``frame`` scaled by
    ``scale``; None where there is no face."""
    small = frame if scale == 1 else cv2.resize(frame, None, fx=scale, fy=scale,
                                                interpolation=cv2.INTER_AREA)
    faces = detector.boxes(small)
    if not faces:
        return None
    box: tuple[int, int, int, int] = tuple(round(v / scale) for v in faces[0][0])  # type: ignore[assignment]
    return box, detector.landmarks(np.ascontiguousarray(frame), box)


def follow_face(detector: FaceDetector, frame: np.ndarray, first: Placed,
                scale: float) -> tuple[tuple[int, int, int, int], np.ndarray] | None:
    """The box and 68 landmarks of the face of the clip's ``first`` frame, followed into
    ``frame``: the shape predictor started in the first frame's box, then in that box moved as
    the skull points moved; where that second box does not hold (the face moved too far for
    the predictor to follow), a detection (:func:`find_face`, on ``frame`` scaled by ``scale``).
    A detection per frame costs ~2 predictions, and its box jitters by pixels from frame to
    frame, the size of a micro-expression. Each frame is placed from the first alone: the order
    frames are measured in changes nothing."""
    if first.box is None or first.landmarks is None:
        raise ValueError("the first frame has no face to follow")
    image = np.ascontiguousarray(frame)
    in_first = detector.landmarks(image, first.box)
    box = _moved_box(first, in_first)
    if box is not None:  # the same box: the same prediction (it is deterministic)
        landmarks = in_first if box == first.box else detector.landmarks(image, box)
        again = _moved_box(first, landmarks)
        width = box[2] - box[0]
        if again is not None and max(abs(a - b) for a, b in zip(again, box, strict=True)) \
                <= FOLLOW_TOLERANCE * width:
            return box, landmarks
    return find_face(detector, frame, scale)


def _moved_box(first: Placed, landmarks: np.ndarray) -> tuple[int, int, int, int] | None:
    """The ``first`` frame's box moved as its skull points moved to ``landmarks``."""
    assert first.box is not None and first.landmarks is not None
    m = similarity(first.landmarks, landmarks)
    if m is None:
        return None
    left, top, right, bottom = first.box
    cx, cy = m[:, :2] @ ((left + right) / 2, (top + bottom) / 2) + m[:, 2]
    half = np.hypot(*m[:, 0]) * np.array([right - left, bottom - top]) / 2
    return round(cx - half[0]), round(cy - half[1]), round(cx + half[0]), round(cy + half[1])


def similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray | None:
    """2x3 similarity mapping the skull points of ``src`` onto those of ``dst`` (least median)."""
    m, _ = cv2.estimateAffinePartial2D(src[STABLE].astype(np.float32),
                                       dst[STABLE].astype(np.float32), method=cv2.LMEDS)
    return m


def detection_scale(neutral: np.ndarray) -> float:
    """The scale at which the neutral's face is about :data:`DETECT_FACE_PX` wide (never > 1)."""
    return min(1.0, DETECT_FACE_PX / max(float(np.ptp(neutral[:, 0])), 1.0))


def place(frame: np.ndarray, neutral: np.ndarray, detector: FaceDetector,
          first: Placed | None = None) -> Placed:
    """Find the face in ``frame`` and its stabilisation against ``neutral`` (68 landmarks).
    The head's pose is taken relative to the clip's ``first`` frame (None: this is the first):
    the neutral's landmarks and a frame's are found differently (another detection, another
    picture of the face), and the pose fitted to that difference is not the head's motion."""
    scale = detection_scale(neutral)
    if first is None or first.landmarks is None:
        found = find_face(detector, frame, scale)
    else:
        found = follow_face(detector, frame, first, scale)
    if found is None:
        return Placed(None, None, None, float("nan"))
    box, lm = found
    rigid = float(np.linalg.norm(lm[STABLE] - neutral[STABLE], axis=1).mean() / interocular(neutral))
    m = similarity(lm, neutral)
    if m is None:
        return Placed(lm, box, None, rigid)
    face, origin = generic_face(neutral)
    pose = fit_pose(face, lm @ m[:, :2].T + m[:, 2], origin)
    head = neutral
    if first is not None and first.pose is not None:
        turn = max(abs(a - b) for a, b in zip(pose.degrees[:2], first.pose.degrees[:2],
                                              strict=True))
        if turn >= MIN_TURN_DEG:  # the change of pose since the first frame
            head = neutral + pose.project(face) - first.pose.project(face)
    return Placed(lm, box, m, rigid, head, pose)


def stabilise(frame: np.ndarray, placed: Placed, neutral: np.ndarray,
              size: tuple[int, int]) -> np.ndarray:
    """``frame`` resampled into the neutral face's coordinates (``size`` = (width, height)), its
    head's pose undone: each neutral point takes the frame's point the pose put there."""
    if placed.to_neutral is None:
        raise ValueError("the frame is not placed")
    out = cv2.warpAffine(frame, placed.to_neutral, size, flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REPLICATE)
    if placed.head is None or np.array_equal(placed.head, neutral):
        return out
    w, h = size
    basis, grid_shape = _pose_basis(neutral.tobytes(), w, h)
    moves = (placed.head - neutral)[list(POSE_POINTS)]
    values = np.concatenate([moves, np.zeros((basis.shape[1] - len(moves), 2))])
    coarse = (basis @ values).reshape(*grid_shape, 2).astype(np.float32)
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
    field = cv2.remap(coarse, gx / POSE_FIELD_STEP, gy / POSE_FIELD_STEP, cv2.INTER_LINEAR)
    return cv2.remap(out, gx + field[..., 0], gy + field[..., 1], cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE)


@functools.lru_cache(maxsize=8)
def _pose_basis(neutral: bytes, width: int, height: int) -> tuple[np.ndarray, tuple[int, int]]:
    """The pose warp as a linear map: (grid points, centres) thin-plate-spline weights through
    the neutral's :data:`POSE_POINTS` and the border's anchors (held still), on a grid of
    :data:`POSE_FIELD_STEP` px; one solve per clip, then a product per frame (the spline is
    linear in the values it passes through)."""
    landmarks = np.frombuffer(neutral, dtype=np.float64).reshape(-1, 2)
    centres = np.concatenate([landmarks[list(POSE_POINTS)],
                              border_points(width, height, BORDER_ANCHORS)])
    gx = np.arange(0, width + POSE_FIELD_STEP, POSE_FIELD_STEP, dtype=np.float64)
    gy = np.arange(0, height + POSE_FIELD_STEP, POSE_FIELD_STEP, dtype=np.float64)
    grid = np.stack(np.meshgrid(gx, gy), -1).reshape(-1, 2)
    spline = RBFInterpolator(centres, np.eye(len(centres)), kernel="thin_plate_spline", degree=1)
    return spline(grid), (len(gy), len(gx))
