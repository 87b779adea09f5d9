"""The one renderer: dense displacement fields × their weights over time, on the neutral face.

Every way of making a micro-expression ends here: the warp backend's field comes from the FACS
landmark model, ``retime``'s from the flow measured in a generated clip, a transfer's from a real
micro-expression; a living face adds the head's sway and the blinks as fields of their own.
Frame k shows the neutral face moved by ``Σ_i w_ik·field_i`` (and, optionally, changed by
``r_k·residual``: wrinkles and shading, in the neutral geometry); frames where every weight is 0
are the neutral image itself, bit for bit. Frames are made one at a time (a stream), so a clip of
any length holds one frame in memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import cv2
import numpy as np

from equime.artifacts.plan import PlanRow
from equime.plan.timing import envelope, frame_times

INTERPOLATION = {"linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC}


def row_weights(row: PlanRow) -> np.ndarray:
    """The plan row's envelope (onset → apex → offset) at its frame times, 0..1."""
    return envelope(frame_times(row.n_frames, row.fps), row.timing.onset_s, row.timing.apex_s,
                    row.timing.offset_s)


def render_frames(image: np.ndarray, fields: Sequence[np.ndarray], weights: np.ndarray,
                  interpolation: str, residual: np.ndarray | Sequence[np.ndarray] | None = None,
                  residual_weights: np.ndarray | None = None) -> Iterator[np.ndarray]:
    """``len(weights)`` frames (uint8 H×W×3, one at a time) of ``image`` displaced by
    ``Σ_i weights[k, i] · fields[i]`` (each H×W×2, pixels: where each neutral point moves) plus
    ``Σ_j residual_weights[k, j] · residual[j]`` (each H×W×3 grey levels in the neutral
    geometry; one residual takes (T,) weights; None: none)."""
    h, w = image.shape[:2]
    for f in fields:
        if f.shape != (h, w, 2):
            raise ValueError(f"field is {f.shape}, the image {image.shape[:2]}")
    if weights.ndim != 2 or weights.shape[1] != len(fields):
        raise ValueError(f"weights are {weights.shape}, want (frames, {len(fields)} fields)")
    residuals = [] if residual is None or residual_weights is None else (
        [residual] if isinstance(residual, np.ndarray) else list(residual))
    rw = (np.zeros((len(weights), 0)) if not residuals
          else np.asarray(residual_weights).reshape(len(weights), len(residuals)))
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    source = image if not residuals else image.astype(np.float32)
    for k in range(len(weights)):
        active = np.flatnonzero(weights[k])
        shaded = np.flatnonzero(rw[k])
        if not len(active) and not len(shaded):
            yield image
            continue
        # backward map (first order): output pixel x samples the neutral face at x - D_k(x)
        dx, dy = xs.copy(), ys.copy()
        for i in active:
            e = np.float32(weights[k, i])
            dx -= e * fields[i][..., 0]
            dy -= e * fields[i][..., 1]
        src = source if not len(shaded) else np.clip(
            source + sum(np.float32(rw[k, j]) * residuals[j] for j in shaded), 0, 255)
        moved = cv2.remap(src, dx, dy, INTERPOLATION[interpolation],
                          borderMode=cv2.BORDER_REFLECT101)
        yield moved if moved.dtype == np.uint8 else np.round(moved).astype(np.uint8)


def render_field(image: np.ndarray, field: np.ndarray, weights: np.ndarray, interpolation: str,
                 residual: np.ndarray | None = None) -> np.ndarray:
    """``len(weights)`` frames (uint8 T×H×W×3) of ``image`` displaced by ``weights[k] · field``
    plus ``weights[k] · residual``: one field along one envelope (see :func:`render_frames`)."""
    return np.stack(list(render_frames(image, [field], np.asarray(weights)[:, None], interpolation,
                                       residual, weights)))
