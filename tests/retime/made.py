"""Expression videos built in code, the kind a video generator gives: an AU pattern that rises
over half a second and stays up, a head that drifts and turns, a little sensor-like noise."""

from __future__ import annotations

import cv2
import numpy as np

from equime.artifacts.curated import FaceImage
from equime.facs import displacements, interocular
from equime.generate.render import render_field
from equime.generate.warp import displacement_field


def sustained(face: FaceImage, aus: dict[str, float], n: int = 36, fps: int = 24,
              drift_iod: float = 0.08, turn_deg: float = 2.0, noise: float = 1.5,
              seed: int = 0) -> np.ndarray:
    """``n`` frames: frame 0 neutral; the expression ``aus`` (intensities) eases in over the
    first ~12 frames and holds; the head drifts by ``drift_iod`` and turns by ``turn_deg`` by the
    end; seeded Gaussian noise of ``noise`` grey levels on every frame but the first."""
    h, w = face.image.shape[:2]
    field = displacement_field(face.landmarks, displacements(aus, face.landmarks), w, h, 8)
    t = np.arange(n) / fps
    ease = np.clip(t / 0.5, 0, 1)
    frames = render_field(face.image, field, 0.5 - 0.5 * np.cos(np.pi * ease), "linear")
    unit = interocular(face.landmarks)
    centre = face.landmarks.mean(axis=0)
    rng = np.random.default_rng(seed)
    for k in range(1, n):
        share = k / (n - 1)
        m = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), turn_deg * share, 1.0)
        m[:, 2] += (drift_iod * unit * share, 0.3 * drift_iod * unit * share)
        moved = cv2.warpAffine(frames[k], m, (w, h), borderMode=cv2.BORDER_REFLECT101)
        frames[k] = np.clip(moved + rng.normal(0, noise, moved.shape), 0, 255).astype(np.uint8)
    return frames
