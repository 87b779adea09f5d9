"""The offline CPU renderer: AU landmark motions → thin-plate-spline warp of the neutral face.

Per clip, the apex displacement of every landmark comes from the AU motion model
(:mod:`equime.facs`); a thin-plate spline through the 68 landmarks plus fixed anchors on the
image border spreads it into a dense field. Because a TPS interpolant is linear in its values,
frame k's field is exactly ``envelope(t_k) * field``: one fit per clip, rendered by the one
renderer (:mod:`equime.generate.render`). The recording section adds what makes it look filmed:
a living face (head sway and breathing as similarity fields: a TPS of each unit motion of all
landmarks, weighted per frame; blinks as an AU45 field along each blink's closure), the AUs'
shading (:mod:`equime.recording.appearance`) and the camera's sensor. With all of it off,
frames outside the expression are the neutral image itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
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
from equime.facs import blink_displacements, displacements, interocular
from equime.generate.render import render_frames, row_weights
from equime.generate.warp_params import WarpParams
from equime.recording.appearance import residual, shading
from equime.recording.camera import camera_key, record
from equime.recording.face import LiveMotion, live_motion
from equime.recording.params import RecordingParams

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


def tps_field(centres: np.ndarray, values: np.ndarray, width: int, height: int,
              step: int = _FIELD_STEP) -> np.ndarray:
    """Dense (H, W, 2) float32: the thin-plate spline through ``values`` (N, 2) at ``centres``
    (N, 2, distinct), evaluated on a grid of ``step`` px and upsampled bilinearly."""
    tps = RBFInterpolator(centres, values, kernel="thin_plate_spline", degree=1)
    gx = np.arange(0, width + step, step, dtype=np.float64)
    gy = np.arange(0, height + step, step, dtype=np.float64)
    grid = np.stack(np.meshgrid(gx, gy), -1).reshape(-1, 2)
    coarse = tps(grid).reshape(len(gy), len(gx), 2).astype(np.float32)
    # bilinear upsampling with node j exactly on pixel j*step
    py, px = np.mgrid[0:height, 0:width].astype(np.float32) / step
    return cv2.remap(coarse, px, py, cv2.INTER_LINEAR)


def displacement_field(landmarks: np.ndarray, moves: np.ndarray, width: int, height: int,
                       border_anchors: int, local: bool = True,
                       step: int = _FIELD_STEP) -> np.ndarray:
    """Dense (H, W, 2) float32 field: TPS through landmark moves, zero on the border; ``local``:
    kept local to the moving landmarks (muscle actions are local; a bare TPS would also move the
    hair), else the whole head moves with them (sway); evaluated every ``step`` px."""
    moving = np.hypot(moves[:, 0], moves[:, 1]) > 0
    if not moving.any():
        return np.zeros((height, width, 2), np.float32)
    anchors = border_points(width, height, border_anchors)
    centres, values = merge_close(np.concatenate([landmarks, anchors]),
                                  np.concatenate([moves, np.zeros_like(anchors)]), _MERGE_PX)
    field = tps_field(centres, values, width, height, step)
    if local:
        unit = interocular(landmarks)
        field *= locality(landmarks[moving], width, height, _FALLOFF * unit)[..., None]
        field[np.hypot(field[..., 0], field[..., 1]) < _STILL_PX] = 0.0
    return np.ascontiguousarray(field)


def head_fields(landmarks: np.ndarray, width: int, height: int,
                border_anchors: int) -> list[np.ndarray]:
    """The head's unit motions as fields: shift right by one interocular distance, shift down by
    one, roll by one radian (about the eyes' midpoint, linearised): a similarity of small
    parameters is their weighted sum."""
    unit = interocular(landmarks)
    centre = landmarks[36:48].mean(axis=0)
    rel = landmarks - centre
    moves = (np.tile([unit, 0.0], (len(landmarks), 1)), np.tile([0.0, unit], (len(landmarks), 1)),
             np.stack([-rel[:, 1], rel[:, 0]], 1))
    return [displacement_field(landmarks, m, width, height, border_anchors, local=False)
            for m in moves]


@dataclass(frozen=True)
class WarpRenderer:
    settings: WarpParams
    recording: RecordingParams
    name: ClassVar[str] = "warp"

    @classmethod
    def from_params(cls, settings: WarpParams, recording: RecordingParams) -> WarpRenderer:
        return cls(settings, recording)

    def check(self, rows: Sequence[PlanRow]) -> None:
        """Any plan row renders (its size is the curated face's, checked per clip)."""

    def params(self) -> dict[str, Any]:
        r = self.recording
        return {"interpolation": self.settings.interpolation,
                "border_anchors": self.settings.border_anchors,
                "field": "thin-plate spline", "falloff_sigma_iod": _FALLOFF,
                **({"camera": camera_key(r.camera)} if r.camera.enabled else {}),
                **({"face": r.face.model_dump(mode="json")} if r.face.enabled else {}),
                **({"appearance": r.appearance.model_dump(mode="json")}
                   if r.appearance.enabled else {})}

    def prepare(self) -> None:
        """Nothing to load."""

    def generated_frames(self, row: PlanRow) -> int:
        return row.n_frames

    def kept_frames(self, row: PlanRow) -> int:
        return row.n_frames

    def render_batch(self, rows: Sequence[PlanRow],
                     faces: Sequence[FaceImage]) -> list[Iterator[np.ndarray]]:
        """Each clip as a stream of frames, made as the encoder takes them."""
        return [self.frames(r, f) for r, f in zip(rows, faces, strict=True)]

    def render(self, row: PlanRow, face: FaceImage) -> np.ndarray:
        """The clip's frames at once, uint8 (T, H, W, 3) (see :meth:`frames`)."""
        return np.stack(list(self.frames(row, face)))

    def live(self, row: PlanRow) -> LiveMotion:
        """The clip's head sway, breathing and blinks (none when the living face is off)."""
        return live_motion(self.recording.face, row.seed, row.n_frames, row.fps,
                           [(row.timing.onset_s, row.timing.offset_s)])

    def frames(self, row: PlanRow, face: FaceImage) -> Iterator[np.ndarray]:
        """The clip's frames, one at a time, as its camera records them."""
        h, w = face.image.shape[:2]
        if (w, h) != (row.width, row.height):
            raise ValueError(f"face is {w}x{h}, plan row {row.clip_id} wants {row.width}x{row.height}")
        anchors = self.settings.border_anchors
        moves = displacements(row.intensities, face.landmarks)
        fields = [displacement_field(face.landmarks, moves, w, h, anchors)]
        me = row_weights(row)
        weights = [me]
        live = self.live(row)
        if self.recording.face.enabled:
            fields += head_fields(face.landmarks, w, h, anchors)
            weights += [live.shift[:, 0], live.shift[:, 1], live.roll]
            fields.append(displacement_field(face.landmarks, blink_displacements(face.landmarks),
                                             w, h, anchors))
            weights.append(live.blink)
        extra = residual(face.image, shading(row.intensities, face.landmarks, (h, w),
                                             self.recording.appearance))
        frames = render_frames(face.image, fields, np.stack(weights, 1),
                               self.settings.interpolation, extra, me)
        return record(frames, row.seed, self.recording.camera, row.n_frames)
