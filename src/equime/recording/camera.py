"""A camera's sensor on a rendered frame: signal-dependent noise, fixed pattern and flicker.

The model is the Poisson–Gaussian one of raw sensor data (Foi et al., "Practical
Poissonian-Gaussian noise modeling and fitting for single-image raw-data", IEEE TIP 2008), applied
in grey levels: a pixel of expected value ``x`` records ``x + n`` with ``Var(n) = a·x + b``, where
``a`` (grey levels per photo-electron, the conversion gain) scales the shot noise and ``b`` is the
read noise's variance. Per pixel and frame the noise is new (temporal noise); two fixed patterns
stay for the whole clip (PRNU, a per-pixel gain around 1, and DSNU, a per-pixel offset); the
exposure flickers by a small global gain per frame. Every draw is seeded by the clip's seed and
the frame index, so a clip is the same whether rendered whole or streamed frame by frame.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from equime.recording.params import CameraParams

_SENSOR = 0x5E5  # seed-sequence tags: the fixed patterns, the flicker, each frame's noise
_FLICKER = 0xF11C
_FRAME = 0xF4A3


def mosaic(frame: np.ndarray) -> np.ndarray:
    """(H, W) raw photosites of an RGB frame under an RGGB Bayer filter."""
    raw = frame[..., 1].copy()
    raw[0::2, 0::2] = frame[0::2, 0::2, 0]
    raw[1::2, 1::2] = frame[1::2, 1::2, 2]
    return raw


@dataclass(frozen=True)
class Camera:
    """One clip's sensor: its fixed patterns and flicker, drawn once from the clip's seed."""

    params: CameraParams
    seed: int
    prnu: np.ndarray  # (H, W) float32 gain around 1, per photosite
    dsnu: np.ndarray  # (H, W) float32 offset, grey levels
    flicker: np.ndarray  # (T,) float32 gain around 1

    @classmethod
    def for_clip(cls, params: CameraParams, seed: int, height: int, width: int,
                 n_frames: int) -> Camera:
        rng = np.random.default_rng([seed, _SENSOR])
        prnu = 1 + params.prnu * rng.standard_normal((height, width), dtype=np.float32)
        dsnu = params.dsnu * rng.standard_normal((height, width), dtype=np.float32)
        flicker = 1 + params.flicker * np.random.default_rng([seed, _FLICKER]).standard_normal(
            n_frames, dtype=np.float32)
        return cls(params, seed, prnu, dsnu, flicker)

    def raw(self, frame: np.ndarray, k: int) -> np.ndarray:
        """Frame ``k``'s photosites (uint8 H×W): the scene (uint8 H×W×3 RGB) through an RGGB
        Bayer mosaic, with the fixed patterns, the flicker and this frame's noise."""
        p = self.params
        x = mosaic(frame).astype(np.float32) * (self.prnu * self.flicker[k]) + self.dsnu
        sigma = np.sqrt(np.maximum(p.gain * x, 0) + p.read_noise**2, dtype=np.float32)
        noise = np.random.default_rng([self.seed, _FRAME, k]).standard_normal(
            x.shape, dtype=np.float32)
        return np.clip(np.rint(x + sigma * noise), 0, 255).astype(np.uint8)

    def expose(self, frame: np.ndarray, k: int) -> np.ndarray:
        """Frame ``k`` as this camera records it (uint8 RGB): the photosites demosaiced, which
        spreads each one's noise over its neighbours, so the noise is spatially correlated and
        partly chromatic, as in real recordings (not white per channel)."""
        return cv2.cvtColor(self.raw(frame, k), cv2.COLOR_BayerRGGB2RGB_EA)


def record(frames: Iterable[np.ndarray], seed: int, params: CameraParams,
           n_frames: int) -> Iterator[np.ndarray]:
    """A rendered clip's ``n_frames`` frames (uint8 H×W×3 each, a sequence or a stream) as this
    clip's camera records them, one at a time; unchanged when the camera is off."""
    if not params.enabled:
        yield from frames
        return
    camera = None
    for k, frame in enumerate(frames):
        if camera is None:
            camera = Camera.for_clip(params, seed, frame.shape[0], frame.shape[1], n_frames)
        yield camera.expose(frame, k)


def camera_key(params: CameraParams) -> dict[str, object]:
    """What of the camera shapes a clip's bytes (for resume keys): nothing when it is off."""
    return params.model_dump(mode="json") if params.enabled else {"enabled": False}
