"""Micro-expression timing: onset → apex → offset in continuous time, sampled at frame times.

The apex is placed on a frame, so the apex frame shows the planned intensity; onset and offset
are continuous, so a 1/25 s expression at 24 fps honestly occupies one or two frames. The onset
frame is the last frame at or before the onset (still neutral), the offset frame the first at or
after the offset (neutral again): onset_frame < apex_frame < offset_frame always.
"""

from __future__ import annotations

import math

import numpy as np

from equime.artifacts.plan import Timing

# the fewest frames an expression can take: onset_frame < apex_frame < offset_frame
MIN_FRAMES = 3


def make_timing(apex_frame: int, duration_s: float, rise_fraction: float, fps: float) -> Timing:
    apex_s = apex_frame / fps
    onset_s = apex_s - duration_s * rise_fraction
    offset_s = apex_s + duration_s * (1 - rise_fraction)
    eps = 1e-9  # frame times that coincide with onset/offset count as neutral
    return Timing(
        onset_s=round(onset_s, 6),
        apex_s=round(apex_s, 6),
        offset_s=round(offset_s, 6),
        onset_frame=math.floor(onset_s * fps + eps),
        apex_frame=apex_frame,
        offset_frame=math.ceil(offset_s * fps - eps),
        # of the times as written (as the metadata has always given it)
        duration_s=round(round(offset_s, 6) - round(onset_s, 6), 6),
    )


def envelope(times: np.ndarray, onset_s: float, apex_s: float, offset_s: float) -> np.ndarray:
    """Expression intensity 0..1 at ``times``: raised-cosine rise to the apex and decay after.

    Exactly 0 outside (onset, offset) so neutral frames are the untouched source image.
    """
    t = np.asarray(times, dtype=np.float64)
    out = np.zeros_like(t)
    rise = (t > onset_s) & (t <= apex_s)
    fall = (t > apex_s) & (t < offset_s)
    out[rise] = 0.5 - 0.5 * np.cos(np.pi * (t[rise] - onset_s) / (apex_s - onset_s))
    out[fall] = 0.5 + 0.5 * np.cos(np.pi * (t[fall] - apex_s) / (offset_s - apex_s))
    return out


def frame_times(n_frames: int, fps: float) -> np.ndarray:
    return np.arange(n_frames) / fps
