"""Similarity alignment on the eye centres: rotate, scale and crop a face to a fixed frame."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from skimage.transform import SimilarityTransform

from equime.facs import eye_centres


def target_eyes(size: int, eye_distance: float, eye_y: float) -> np.ndarray:
    """Where the (image-left, image-right) eye centres land in a ``size``² crop whose eyes are
    ``eye_distance`` × size apart on the line ``eye_y`` × size (fractions of the side)."""
    half = eye_distance / 2
    return np.array([[0.5 - half, eye_y], [0.5 + half, eye_y]]) * size


@dataclass(frozen=True)
class AlignedFace:
    image: np.ndarray  # (size, size, 3) uint8
    landmarks: np.ndarray  # (68, 2) in crop coordinates
    matrix: np.ndarray  # 2x3 source → crop


def similarity_matrix(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """2x3 similarity (rotation, uniform scale, translation) mapping ``src`` points onto ``dst``."""
    tform = SimilarityTransform.from_estimate(src, dst)
    if not tform:
        raise ValueError("degenerate eye positions: cannot estimate an alignment")
    return tform.params[:2].copy()


def _apply(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    return points @ matrix[:, :2].T + matrix[:, 2]


def align_face(image: np.ndarray, landmarks: np.ndarray, size: int, eye_distance: float,
               eye_y: float) -> AlignedFace:
    """Warp ``image`` so the eye centres land on :func:`target_eyes`.

    Large reductions first shrink the image with area averaging, so that the bilinear warp
    does not alias (cv2.warpAffine has no area filter).
    """
    src_eyes = np.stack(eye_centres(landmarks))
    dst_eyes = target_eyes(size, eye_distance, eye_y)
    scale = np.linalg.norm(dst_eyes[1] - dst_eyes[0]) / np.linalg.norm(src_eyes[1] - src_eyes[0])
    if scale < 0.5:
        factor = scale * 1.5
        h, w = image.shape[:2]
        shrunk = (max(1, round(w * factor)), max(1, round(h * factor)))
        image = cv2.resize(image, shrunk, interpolation=cv2.INTER_AREA)
        fx, fy = shrunk[0] / w, shrunk[1] / h
        landmarks = landmarks * (fx, fy)
        src_eyes = src_eyes * (fx, fy)
        pre = np.array([[fx, 0, 0], [0, fy, 0]])
    else:
        pre = np.array([[1.0, 0, 0], [0, 1.0, 0]])
    matrix = similarity_matrix(src_eyes, dst_eyes)
    crop = cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
    full = np.vstack([matrix, [0, 0, 1]]) @ np.vstack([pre, [0, 0, 1]])
    return AlignedFace(image=crop, landmarks=_apply(matrix, landmarks), matrix=full[:2])
