"""The one renderer: a dense displacement field × an envelope, on the neutral face.

Every way of making a micro-expression ends here: the warp backend's field comes from the FACS
landmark model, ``retime``'s from the flow measured in a generated clip, a transfer's from a real
micro-expression. Frame k shows the neutral face moved by ``e(t_k)·field`` (and, optionally,
changed by ``e(t_k)·residual``: wrinkles and shading); frames where the envelope is 0 are the
neutral image itself, bit for bit.
"""

from __future__ import annotations

import cv2
import numpy as np

from equime.artifacts.plan import PlanRow
from equime.plan.timing import envelope, frame_times

INTERPOLATION = {"linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC}


def row_weights(row: PlanRow) -> np.ndarray:
    """The plan row's envelope (onset → apex → offset) at its frame times, 0..1."""
    return envelope(frame_times(row.n_frames, row.fps), row.onset_s, row.apex_s, row.offset_s)


def render_field(image: np.ndarray, field: np.ndarray, weights: np.ndarray, interpolation: str,
                 residual: np.ndarray | None = None) -> np.ndarray:
    """``len(weights)`` frames (uint8 T×H×W×3) of ``image`` displaced by ``weights[k] · field``
    (H×W×2, pixels: where each neutral point moves) plus ``weights[k] · residual`` (H×W×3, grey
    levels in the displaced geometry's source frame, or None)."""
    h, w = image.shape[:2]
    if field.shape != (h, w, 2):
        raise ValueError(f"field is {field.shape}, the image {image.shape[:2]}")
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    frames = np.repeat(image[None], len(weights), axis=0)
    source = image if residual is None else image.astype(np.float32)
    for k in np.flatnonzero(weights):
        # backward map (first order): output pixel x samples the neutral face at x - e*D(x)
        e = np.float32(weights[k])
        src = source if residual is None else np.clip(source + e * residual, 0, 255)
        moved = cv2.remap(src, xs - e * field[..., 0], ys - e * field[..., 1],
                          INTERPOLATION[interpolation], borderMode=cv2.BORDER_REFLECT101)
        frames[k] = moved if residual is None else np.round(moved).astype(np.uint8)
    return frames
