"""Geometric ME checks from dense optical flow (OpenCV Farnebäck) against the first frame.

Per frame t: the flow from frame 0 to t inside the face; its rigid part (a similarity fitted with
RANSAC on the nose and inner eye corners, which no AU moves; on the nose alone during a blink) is
head motion (sway, breathing) or camera shake, the rest
is facial movement. Facial movement is read where expressions move the face: the mean flow
vector in a small disc around each expression landmark (brows, nose, mouth), rigid part removed.
Averaging vectors over a disc cancels the camera's noise, which has no direction, and keeps the
coherent motion of skin; the motion curve is the mean of the largest few disc motions (an AU
moves few landmarks). The eyelids are read apart: a blink closes them, and is reported as a
blink, never as the expression (while the lids move, the brows are left out of the curve too:
the flow drags them along with a closing lid).

The noise floor is measured in the clip itself: the same statistic on the flow between a few
consecutive frames, where nothing but noise moves (unless the face is changing: an expression's
rise and fall take a few frames, so the median over the pairs is the noise). Motion below the
floor counts as none. The expression is the whole run of frames around the apex whose motion is
above the floor and a share of the peak; its onset is the last still frame before that run, its
offset the first still frame after it: an ME's onset → offset is brief, it ends before the clip
does, and no other frame moves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from equime.faces.flow import (
    DISC_IOD,
    face_mask,
    farneback,
    gray,
    rigid_fit,
    rigid_mask,
)
from equime.facs import (
    EXPRESSION_LANDMARKS,
    LOWER_LIDS,
    NOSE_LANDMARKS,
    UPPER_LIDS,
    interocular,
)
from equime.plan.timing import MIN_FRAMES
from equime.quality.params import QualityParams

_TOP = 8  # the curve: mean motion of this many most-moving discs
_NOISE_PAIRS = 24  # consecutive-frame pairs that measure the noise floor


@dataclass(frozen=True)
class Extent:
    """The expression in a motion curve: the run of frames above the floor around the apex."""

    apex_frame: int
    onset_frame: int  # the last still frame before the expression
    offset_frame: int  # the first still frame after it (the clip's length if it never returns)
    duration_s: float  # onset → offset
    returns: bool  # the face is still again before the clip ends
    outside_frames: int  # frames above the floor that are not part of the expression
    half_peak_s: float  # time the curve stays ≥ half its peak around the apex
    peak_px: float


def expression_extent(curve: np.ndarray, fps: float, floor_px: float, fraction: float) -> Extent:
    """Where the expression is in ``curve`` (frame 0 is the neutral reference, motion 0).

    Motion counts when it is above ``floor_px`` (flow noise) and above ``fraction`` of the peak.
    """
    peak = float(curve.max()) if len(curve) else 0.0
    if peak <= floor_px:
        return Extent(0, 0, 0, 0.0, True, 0, 0.0, 0.0)
    apex = int(curve.argmax())
    above = curve > max(floor_px, fraction * peak)
    lo, hi = _run(above, apex)
    half_lo, half_hi = _run(curve >= peak / 2, apex)
    onset, offset = lo - 1, hi + 1
    return Extent(apex_frame=apex, onset_frame=max(onset, 0), offset_frame=offset,
                  duration_s=(offset - onset) / fps, returns=offset < len(curve),
                  outside_frames=int(above.sum()) - (hi - lo + 1),
                  half_peak_s=(half_hi - half_lo + 1) / fps, peak_px=peak)


def _run(flags: np.ndarray, i: int) -> tuple[int, int]:
    """First and last index of the run of True around index ``i``."""
    lo = hi = i
    while lo > 0 and flags[lo - 1]:
        lo -= 1
    while hi < len(flags) - 1 and flags[hi + 1]:
        hi += 1
    return lo, hi


def runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of every run of True in ``flags``."""
    padded = np.concatenate([[False], flags, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2], strict=True)]


@dataclass(frozen=True)
class MeasuredMotion:
    curve: np.ndarray  # (T,) px at full resolution, non-rigid, expression landmarks; 0 below floor
    head: np.ndarray  # (T,) px, mean rigid displacement of face points
    lids: np.ndarray  # (T,) eyelid closure (interocular units): upper lids down, lower lids up
    extent: Extent
    head_motion_px: float  # max over frames
    floor_px: float  # the noise floor this clip's curve was cut at
    blinks: tuple[tuple[int, int], ...]  # (first, last) frame of each blink

    @property
    def apex_frame(self) -> int:
        return self.extent.apex_frame

    @property
    def peak_px(self) -> float:
        return self.extent.peak_px

    @property
    def moved(self) -> bool:
        return self.peak_px > 0


class _Discs:
    """Pixels of a disc around each of some landmarks, and the face's points, at flow scale."""

    def __init__(self, landmarks: np.ndarray, shape: tuple[int, int], scale: float) -> None:
        radius = max(1, round(DISC_IOD * interocular(landmarks) * scale))
        oy, ox = np.mgrid[-radius:radius + 1, -radius:radius + 1]
        inside = ox**2 + oy**2 <= radius**2
        ox, oy = ox[inside], oy[inside]
        self.pixels: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.centres: dict[int, np.ndarray] = {}
        for i in {*EXPRESSION_LANDMARKS, *UPPER_LIDS, *LOWER_LIDS}:
            x, y = np.rint(landmarks[i] * scale).astype(int)
            ys, xs = np.clip(y + oy, 0, shape[0] - 1), np.clip(x + ox, 0, shape[1] - 1)
            self.pixels[i] = (ys, xs)
            self.centres[i] = np.stack([xs, ys], 1).mean(axis=0)
        self.anchors = rigid_mask(landmarks, shape, scale)
        self.nose = rigid_mask(landmarks, shape, scale, NOSE_LANDMARKS)
        ys, xs = np.nonzero(face_mask(landmarks, shape, scale))
        self.face = np.stack([xs, ys], 1).astype(np.float32)[::4]

    def motions(self, flow: np.ndarray, blinking: bool = False) -> tuple[dict[int, np.ndarray], float]:
        """Per landmark, the mean flow vector of its disc with the head's motion removed; and the
        head's motion (mean rigid displacement of face points), in flow pixels. The head is
        fitted on the nose and the inner eye corners, on the nose alone while ``blinking`` (a
        closing lid drags the corners' surroundings)."""
        matrix = rigid_fit(flow, self.nose if blinking else self.anchors)
        if matrix is None:
            matrix = np.array([[1, 0, 0], [0, 1, 0]], np.float64)
        linear, shift = matrix[:, :2] - np.eye(2), matrix[:, 2]
        out = {}
        for i, (ys, xs) in self.pixels.items():
            # the rigid part is affine in x: its mean over the disc is its value at the centroid
            out[i] = flow[ys, xs].mean(axis=0) - (linear @ self.centres[i] + shift)
        head = float(np.hypot(*(self.face @ linear.T + shift).T).mean())
        return out, head


_LOWER_FACE = tuple(i for i in EXPRESSION_LANDMARKS if i >= 27)  # nose and mouth
# the curve's landmarks: the expression's and the eyelids (AU5, AU7 and AU43 move only these);
# a blink's frames are read on the lower face alone (see measure_motion)
_CURVE = (*EXPRESSION_LANDMARKS, *UPPER_LIDS, *LOWER_LIDS)


def _expression(moves: dict[int, np.ndarray], blinking: bool = False) -> float:
    """The curve's value: the mean of the largest disc motions; while the lids move (a blink),
    of the lower face only: the flow drags the brows along with a closing lid."""
    mags = np.sort([np.hypot(*moves[i]) for i in (_LOWER_FACE if blinking else _CURVE)])
    return float(mags[-_TOP:].mean())


def _closure(moves: dict[int, np.ndarray]) -> float:
    """How far the upper eyelids came down (flow pixels): a blink's motion. (Not the lower
    lids': AU7, the lid tightener, raises them, with the upper lids barely lower; read as a
    closure it would be a blink, and the most frequent AU of anger would go unseen.)"""
    return float(np.mean([moves[i][1] for i in UPPER_LIDS]))


def measure_motion(frames: Iterable[np.ndarray], landmarks: np.ndarray, fps: float,
                   q: QualityParams) -> MeasuredMotion:
    """Motion curve, the expression's extent, head motion and blinks of a clip whose frame 0 is
    neutral, from its frames in order (a sequence, or a stream: one pass, two frames held).

    ``landmarks``: the face in frame 0 (full resolution). The flow runs on frames scaled so the
    interocular distance is ``q.flow_iod_px`` (never enlarged): the same view of any face,
    whatever the clip's size. Curve values below the floor (the larger of ``q.motion_floor_px``
    and ``q.noise_factor`` × the clip's measured noise, full-resolution px) count as no movement;
    see :func:`expression_extent` for ``q.expression_fraction``.
    """
    unit = interocular(landmarks)
    scale = min(1.0, q.flow_iod_px / unit)
    frames = iter(frames)
    first = next(frames, None)
    if first is None:
        raise ValueError("a clip without frames has no motion")
    # flow only on the face's bounding box (+ a margin for the flow window)
    h, w = first.shape[:2]
    x0, y0 = np.maximum(landmarks.min(axis=0) - 40, 0).astype(int)
    x1, y1 = np.minimum(landmarks.max(axis=0) + 40, (w, h)).astype(int)
    ref = gray(first[y0:y1, x0:x1], scale)
    discs = _Discs(landmarks - (x0, y0), ref.shape, scale)
    # per frame: the curve over every expression landmark, and over the lower face (for blinks)
    curve, lower, head, lids, noise = [0.0], [0.0], [0.0], [0.0], []
    prev_frame, prev = first, ref
    step = _noise_step(fps)
    for t, frame in enumerate(frames, start=1):
        pair = t % step == 0 and len(noise) < _NOISE_PAIRS
        if np.array_equal(frame, prev_frame):  # the same frame (a clean clip): the same flow
            for series in (curve, lower, head, lids):
                series.append(series[-1])
            if pair:
                noise.append(0.0)
            continue
        cur = gray(frame[y0:y1, x0:x1], scale)
        flow = farneback(ref, cur)
        moves, rigid = discs.motions(flow)
        low = _expression(moves, blinking=True)
        if _closure(moves) / scale / unit > q.blink_closure_iod / 2:
            # the lids move: the head is fitted on the nose; the lower face's motion is the
            # smaller of the two fits' (one or the other is dragged by the lid)
            moves, rigid = discs.motions(flow, blinking=True)
            low = min(low, _expression(moves, blinking=True))
        lids.append(_closure(moves) / scale / unit)
        curve.append(_expression(moves) / scale)
        lower.append(low / scale)
        head.append(rigid / scale)
        if pair:
            noise.append(_expression(discs.motions(farneback(prev, cur))[0]) / scale)
        prev_frame, prev = frame, cur
    if len(curve) < MIN_FRAMES:
        raise ValueError(f"{len(curve)} frame(s): too short to hold an expression (needs "
                         f"{MIN_FRAMES}: neutral, apex and back)")
    head_a, lids_a = np.array(head), np.array(lids)
    # a blink: the lids move by half the closure, and at some frame by all of it (hysteresis:
    # the flow of a closing eye is uneven); around it (± 1/20 s) the brows are left out
    blinks = tuple((a, b) for a, b in runs(lids_a > q.blink_closure_iod / 2)
                   if lids_a[a:b + 1].max() > q.blink_closure_iod)
    near = np.zeros(len(lids_a), bool)
    margin = max(1, round(fps / 20))
    for a, b in blinks:
        near[max(a - margin, 0):b + margin + 1] = True
    curve_a = np.where(near, lower, curve)
    floor = max(q.motion_floor_px, q.noise_factor * float(np.median(noise)) if noise else 0.0)
    curve_a[curve_a < floor] = 0.0
    return MeasuredMotion(curve_a, head_a, lids_a,
                          expression_extent(curve_a, fps, floor, q.expression_fraction),
                          float(head_a.max()), floor, blinks)


def _noise_step(fps: float) -> int:
    """Every how many frames a consecutive pair measures the noise: spread over the first
    seconds of the clip, ~1 pair per 6th of a second."""
    return max(1, round(fps / 6))
