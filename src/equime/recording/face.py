"""A living face: the slow sway of a seated head, breathing, and spontaneous blinks.

A person asked to keep still in front of a camera still moves: the head drifts by a fraction of a
millimetre to a few millimetres over seconds (postural sway) and rises and falls with each breath,
and the eyes blink. Per clip, seeded, this module draws those motions as time series: the head's
similarity (shift and roll, relative to frame 0, so frame 0 is the photo's geometry) and each
blink's closure (0 open .. 1 shut). The renderer turns them into displacement fields.

Blink rate and shape, from the literature: at rest and in conversation adults blink ~17 times a
minute (Bentivoglio et al., "Analysis of blink rate patterns in normal subjects", Movement
Disorders 12(6), 1997: 17/min at rest, 26/min talking, 4.5/min reading); a blink lasts 100-400 ms,
the lid closing in about a third of it and reopening more slowly (Caffier, Erdmann & Ullsperger,
"Experimental evaluation of eye-blink parameters as a drowsiness measure", Eur J Appl Physiol
89, 2003: closing ~50-80 ms, reopening ~2x longer, total ~200-300 ms in alert subjects). Blink
times are a Poisson process at that rate, kept clear of the micro-expression (so a blink is never
taken for it, and the ME is seen whole) unless ``blinks_during_me`` asks for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d

from equime.recording.params import FaceParams

_SWAY, _BREATH, _BLINK = 0x5A1, 0xB4E, 0xB11  # seed-sequence tags
_CLOSING = 1 / 3  # share of a blink spent closing the lid (Caffier et al. 2003)


@dataclass(frozen=True)
class LiveMotion:
    """One clip's head and eyelid motion, one value per frame."""

    shift: np.ndarray  # (T, 2) head shift, interocular units (x right, y down); 0 at frame 0
    roll: np.ndarray  # (T,) head roll, radians; 0 at frame 0
    blink: np.ndarray  # (T,) eyelid closure, 0 open .. 1 shut
    blinks: tuple[tuple[float, float], ...]  # (start, end) of each blink, seconds

    @property
    def still(self) -> np.ndarray:
        """(T,) frames where the head and lids are where they are in frame 0."""
        return (np.abs(self.shift).sum(1) == 0) & (self.roll == 0) & (self.blink == 0)


def _drift(rng: np.random.Generator, n: int, sigma_frames: float) -> np.ndarray:
    """Smooth Gaussian noise of unit standard deviation, correlated over ``sigma_frames``."""
    pad = int(4 * sigma_frames) + 1
    white = rng.standard_normal(n + 2 * pad)
    smooth = gaussian_filter1d(white, sigma_frames, mode="constant")[pad:pad + n]
    return smooth * np.sqrt(2 * np.sqrt(np.pi) * sigma_frames)  # unit σ for a Gaussian kernel


def blink_times(p: FaceParams, seed: int, clip_s: float,
                keep_clear: Sequence[tuple[float, float]] | None,
                ) -> tuple[tuple[float, float], ...]:
    """(start, end) of the clip's blinks: Poisson at ``p.blinks_per_min``, each lasting a
    duration drawn from ``p.blink_s``, inside the clip (frame 0 open), none overlapping an
    interval of ``keep_clear`` (seconds; None: anywhere)."""
    rng = np.random.default_rng([seed, _BLINK])
    out: list[tuple[float, float]] = []
    if p.blinks_per_min <= 0:
        return ()
    t = 0.0
    while True:
        t += rng.exponential(60.0 / p.blinks_per_min)
        duration = float(rng.uniform(*p.blink_s))
        if t + duration >= clip_s:
            return tuple(out)
        clear = keep_clear is None or all(t + duration <= a or t >= b for a, b in keep_clear)
        if clear and (not out or t > out[-1][1]):
            out.append((round(t, 6), round(t + duration, 6)))


def closure(times: np.ndarray, blinks: tuple[tuple[float, float], ...]) -> np.ndarray:
    """Eyelid closure at ``times``: each blink closes (raised cosine, a third of it) and reopens."""
    out = np.zeros_like(times, dtype=np.float64)
    for start, end in blinks:
        u = (times - start) / (end - start)
        shut = start + _CLOSING * (end - start)
        closing = (u > 0) & (times <= shut)
        opening = (times > shut) & (u < 1)
        out[closing] = np.sin(np.pi / 2 * u[closing] / _CLOSING) ** 2
        out[opening] = np.cos(np.pi / 2 * (u[opening] - _CLOSING) / (1 - _CLOSING)) ** 2
    return out


def live_motion(p: FaceParams, seed: int, n_frames: int, fps: float,
                expressions: Sequence[tuple[float, float]]) -> LiveMotion:
    """The clip's head sway, breathing and blinks (all zero when ``p.enabled`` is false);
    blinks keep ``p.blink_clear_s`` away from each expression (onset, offset seconds)."""
    times = np.arange(n_frames) / fps
    if not p.enabled:
        return LiveMotion(np.zeros((n_frames, 2)), np.zeros(n_frames), np.zeros(n_frames), ())
    rng = np.random.default_rng([seed, _SWAY])
    sigma = p.sway_period_s * fps / (2 * np.pi)
    shift = np.stack([_drift(rng, n_frames, sigma), _drift(rng, n_frames, sigma)], 1) * p.sway_iod
    roll = _drift(rng, n_frames, sigma) * np.deg2rad(p.sway_deg)
    phase = np.random.default_rng([seed, _BREATH]).uniform(0, 2 * np.pi)
    shift[:, 1] += p.breathing_iod * np.sin(2 * np.pi * p.breaths_per_min / 60 * times + phase)
    shift -= shift[0]
    roll -= roll[0]
    clear = None if p.blinks_during_me else [(onset - p.blink_clear_s, offset + p.blink_clear_s)
                                             for onset, offset in expressions]
    blinks = blink_times(p, seed, n_frames / fps, clear)
    blink = closure(times, blinks)
    blink[0] = 0.0
    return LiveMotion(shift, roll, blink, blinks)
