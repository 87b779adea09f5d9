"""From a clip to a model input: the paper's grayscale frames, or onset→apex optical flow."""

from __future__ import annotations

import cv2
import numpy as np

from equime.datasets.sample import Sample


def window(n: int, onset: int | None, apex: int | None, offset: int | None, t: int) -> np.ndarray:
    """T indices covering the expression: onset → offset when coded (resampled, so a 3-frame
    micro-expression in a 6 s clip is not missed), else the whole clip."""
    lo = onset if onset is not None else 0
    hi = offset if offset is not None else n - 1
    if apex is not None and not lo <= apex <= hi:
        lo, hi = min(lo, apex), max(hi, apex)
    return np.clip(np.round(np.linspace(lo, hi, t)).astype(int), 0, n - 1)


def _gray(frame: np.ndarray, size: int) -> np.ndarray:
    g = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    return cv2.resize(g, (size, size), interpolation=cv2.INTER_AREA).astype(np.float32)


def frames_input(video: np.ndarray, onset: int | None, apex: int | None, offset: int | None,
                 frames: int, size: int) -> np.ndarray:
    """(1, T, size, size) grayscale, z-scored over the clip (the paper's input), T = ``frames``."""
    idx = window(len(video), onset, apex, offset, frames)
    x = np.stack([_gray(video[i], size) for i in idx])
    return ((x - x.mean()) / (x.std() + 1e-6))[None]


def flow_input(video: np.ndarray, onset: int | None, apex: int | None, size: int) -> np.ndarray:
    """(3, 1, size, size): Farnebäck flow u, v from onset to apex and its optical strain
    sqrt(u_x² + v_y² + ½(u_y + v_x)²), computed at 4× the input side, then resized."""
    first = onset if onset is not None else 0
    peak = apex if apex is not None else len(video) // 2
    work = size * 4
    a = _gray(video[first], work).astype(np.uint8)
    b = _gray(video[peak], work).astype(np.uint8)
    flow = cv2.calcOpticalFlowFarneback(a, b, None, 0.5, 3, 15, 3, 5, 1.2, 0)
    u, v = flow[..., 0], flow[..., 1]
    uy, ux = np.gradient(u)
    vy, vx = np.gradient(v)
    strain = np.sqrt(ux ** 2 + vy ** 2 + 0.5 * (uy + vx) ** 2)
    planes = [cv2.resize(p, (size, size), interpolation=cv2.INTER_AREA)
              for p in (u, v, strain)]
    return np.stack(planes)[:, None].astype(np.float32)


def clip_input(sample: Sample, kind: str, frames: int, size: int) -> np.ndarray:
    """The model input of ``kind`` (``frames`` | ``flow``) for one sample."""
    onset, apex, offset = (sample.position(f) for f in (sample.onset, sample.apex, sample.offset))
    if kind == "flow":  # two frames of the clip, read without holding the rest
        first = onset if onset is not None else 0
        peak = apex if apex is not None else sample.frame_total() // 2
        return flow_input(sample.frames_at([first, peak]), 0, 1, size)
    video = sample.load_frames()
    return frames_input(video, onset, apex, offset, frames, size)
