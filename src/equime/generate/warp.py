"""The offline CPU renderer: AU landmark motions → thin-plate-spline warp of the neutral face.

Per clip, the apex displacement of every landmark comes from the AU motion model
(:mod:`equime.facs`); a thin-plate spline through the 68 landmarks plus fixed anchors on the
image border spreads it into a dense field. Because a TPS interpolant is linear in its values,
frame k's field is exactly ``envelope(t_k) * field``: one fit per clip, rendered by the one
renderer (:mod:`equime.generate.render`), and frames outside the expression are the neutral image
itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import cv2
import numpy as np
from scipy.interpolate import RBFInterpolator
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from equime.artifacts.curated import FaceImage
from equime.artifacts.plan import PlanRow
from equime.facs import displacements, interocular
from equime.generate.params import WarpParams
from equime.generate.render import render_field, row_weights
from equime.recording.camera import camera_key, record
from equime.recording.params import CameraParams

_STILL_PX = 0.02  # displacements smaller than this are set to 0, so the background stays bit-exact
_FIELD_STEP = 4  # the TPS is evaluated on this grid step and upsampled (it is smooth)
_MERGE_PX = 2.0  # landmarks closer than this (a closed mouth's inner lips) are merged
_FALLOFF = 0.35  # motion fades with distance from moving landmarks (σ, interocular units)


def border_points(width: int, height: int, per_side: int) -> np.ndarray:
    """``per_side`` evenly spaced anchors along each image edge (corners once)."""
    xs = np.linspace(0, width - 1, per_side + 1)
    ys = np.linspace(0, height - 1, per_side + 1)
    top = np.stack([xs, np.zeros_like(xs)], 1)
    bottom = np.stack([xs, np.full_like(xs, height - 1)], 1)
    left = np.stack([np.zeros_like(ys[1:-1]), ys[1:-1]], 1)
    right = np.stack([np.full_like(ys[1:-1], width - 1), ys[1:-1]], 1)
    return np.concatenate([top, bottom, left, right])


def merge_close(points: np.ndarray, values: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Merge points closer than ``tol`` (averaging points and values).

    Coincident centres with different values make the spline system singular; on a closed
    mouth dlib puts upper and lower inner-lip points on top of each other.
    """
    pairs = cKDTree(points).query_pairs(tol, output_type="ndarray")
    n = len(points)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    k, labels = connected_components(graph, directed=False)
    counts = np.bincount(labels, minlength=k)[:, None]
    merged_p = np.zeros((k, 2))
    merged_v = np.zeros((k, values.shape[1]))
    np.add.at(merged_p, labels, points)
    np.add.at(merged_v, labels, values)
    return merged_p / counts, merged_v / counts


def locality(points: np.ndarray, width: int, height: int, sigma: float) -> np.ndarray:
    """(H, W) weight in [0, 1]: 1 at the given points, Gaussian falloff (σ px) away from them."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    weight = np.zeros((height, width), np.float32)
    for x, y in points:
        np.maximum(weight, np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * sigma**2)), out=weight)
    return weight


def tps_field(centres: np.ndarray, values: np.ndarray, width: int, height: int) -> np.ndarray:
    """Dense (H, W, 2) float32: the thin-plate spline through ``values`` (N, 2) at ``centres``
    (N, 2, distinct), evaluated on a grid of :data:`_FIELD_STEP` px and upsampled bilinearly."""
    tps = RBFInterpolator(centres, values, kernel="thin_plate_spline", degree=1)
    gx = np.arange(0, width + _FIELD_STEP, _FIELD_STEP, dtype=np.float64)
    gy = np.arange(0, height + _FIELD_STEP, _FIELD_STEP, dtype=np.float64)
    grid = np.stack(np.meshgrid(gx, gy), -1).reshape(-1, 2)
    coarse = tps(grid).reshape(len(gy), len(gx), 2).astype(np.float32)
    # bilinear upsampling with node j exactly on pixel j*step
    py, px = np.mgrid[0:height, 0:width].astype(np.float32) / _FIELD_STEP
    return cv2.remap(coarse, px, py, cv2.INTER_LINEAR)


def displacement_field(landmarks: np.ndarray, moves: np.ndarray, width: int, height: int,
                       border_anchors: int) -> np.ndarray:
    """Dense (H, W, 2) float32 field: TPS through landmark moves, zero on the border, kept local
    to the moving landmarks (muscle actions are local; a bare TPS would also move the hair)."""
    moving = np.hypot(moves[:, 0], moves[:, 1]) > 0
    if not moving.any():
        return np.zeros((height, width, 2), np.float32)
    anchors = border_points(width, height, border_anchors)
    centres, values = merge_close(np.concatenate([landmarks, anchors]),
                                  np.concatenate([moves, np.zeros_like(anchors)]), _MERGE_PX)
    field = tps_field(centres, values, width, height)
    field *= locality(landmarks[moving], width, height, _FALLOFF * interocular(landmarks))[..., None]
    field[np.hypot(field[..., 0], field[..., 1]) < _STILL_PX] = 0.0
    return np.ascontiguousarray(field)


@dataclass(frozen=True)
class WarpRenderer:
    settings: WarpParams
    camera: CameraParams
    name: ClassVar[str] = "warp"

    def params(self) -> dict[str, Any]:
        return {"interpolation": self.settings.interpolation,
                "border_anchors": self.settings.border_anchors,
                "field": "thin-plate spline", "falloff_sigma_iod": _FALLOFF,
                **({"camera": camera_key(self.camera)} if self.camera.enabled else {})}

    def prepare(self) -> None:
        """Nothing to load."""

    def generated_frames(self, row: PlanRow) -> int:
        return row.n_frames

    def kept_frames(self, row: PlanRow) -> int:
        return row.n_frames

    def render_batch(self, rows: Sequence[PlanRow], faces: Sequence[FaceImage]) -> list[np.ndarray]:
        return [self.render(r, f) for r, f in zip(rows, faces, strict=True)]

    def render(self, row: PlanRow, face: FaceImage) -> np.ndarray:
        h, w = face.image.shape[:2]
        if (w, h) != (row.width, row.height):
            raise ValueError(f"face is {w}x{h}, plan row {row.clip_id} wants {row.width}x{row.height}")
        moves = displacements(row.intensities, face.landmarks)
        field = displacement_field(face.landmarks, moves, w, h, self.settings.border_anchors)
        frames = render_field(face.image, field, row_weights(row), self.settings.interpolation)
        return record(frames, row.seed, self.camera)
