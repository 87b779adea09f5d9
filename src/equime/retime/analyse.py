"""Per frame of a clip, against its neutral face: head motion (to stabilise), facial motion (the
non-rigid flow once the head is stabilised) and whether it is still the same face; then the apex.

Every ``frame_step``-th frame is analysed, then the frames half a step, a quarter step ... one
frame either side of the best one so far: the apex to the frame at a fraction of the cost, as long
as the motion has one peak within a step (a generated expression rises and is held for many
frames; a step of 8 at 24 fps is a third of a second)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from equime.faces.aus import estimate_aus
from equime.faces.detect import FaceDetector
from equime.faces.flow import face_mask, flow_split, gray, rigid_mask
from equime.facs import interocular
from equime.plan.timing import MIN_FRAMES
from equime.retime.params import RetimeParams
from equime.retime.track import Placed, place, stabilise

# the margin kept around the face for the flow and the identity check (analysis pixels): more than
# Farneback's window (15) and three sigmas of the identity's blur at analysis_iod_px 48 (~14)
ROI_MARGIN_PX = 16


class Unusable(Exception):
    """A clip retime cannot use, with its one-line reason."""


@dataclass(frozen=True)
class Analysis:
    placed: dict[int, Placed]  # analysed frames only
    motion_iod: np.ndarray  # (T,) mean non-rigid facial motion after stabilisation (nan: not measured)
    identity: np.ndarray  # (T,) blurred NCC of the stabilised face against the neutral
    usable: np.ndarray  # (T,) bool: analysed, face found, head stabilisable, same person
    apex: int


def _ncc(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    x, y = a[mask].astype(np.float64), b[mask].astype(np.float64)
    x, y = x - x.mean(), y - y.mean()
    den = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / den) if den > 0 else 0.0


class _Frames:
    """The measurements, frame by frame, made once each."""

    def __init__(self, frames: Sequence[np.ndarray], neutral: np.ndarray, landmarks: np.ndarray,
                 r: RetimeParams, detector: FaceDetector) -> None:
        self.frames, self.landmarks, self.r, self.detector = frames, landmarks, r, detector
        self.size = (neutral.shape[1], neutral.shape[0])
        self.unit = interocular(landmarks)
        self.scale = min(1.0, r.analysis_iod_px / self.unit)
        ref = gray(neutral, self.scale)
        mask = face_mask(landmarks, ref.shape, self.scale)
        anchors = rigid_mask(landmarks, ref.shape, self.scale)
        # flow and identity on the face's box (the flow's window and the blur around it): what
        # lies outside is never measured, and the flow costs as many pixels as it covers
        ys, xs = np.nonzero(mask | anchors)
        self.roi = (slice(max(int(ys.min()) - ROI_MARGIN_PX, 0), int(ys.max()) + ROI_MARGIN_PX + 1),
                    slice(max(int(xs.min()) - ROI_MARGIN_PX, 0), int(xs.max()) + ROI_MARGIN_PX + 1))
        self.ref, self.mask, self.anchors = ref[self.roi], mask[self.roi], anchors[self.roi]
        self.sigma = max(self.unit * self.scale / 10, 1.0)  # identity ignores fine detail
        self.ref_blur = cv2.GaussianBlur(self.ref, (0, 0), self.sigma)
        n = len(frames)
        self.placed: dict[int, Placed] = {}
        self.motion, self.identity = np.full(n, np.nan), np.full(n, np.nan)

    def measure(self, t: int) -> None:
        if t in self.placed:
            return
        p = self.placed[t] = place(self.frames[t], self.landmarks, self.detector,
                                   self.placed.get(0))
        if p.to_neutral is None or not p.rigid_iod <= self.r.max_rigid_iod:
            return
        cur = gray(stabilise(self.frames[t], p, self.landmarks, self.size), self.scale)[self.roi]
        self.identity[t] = _ncc(cv2.GaussianBlur(cur, (0, 0), self.sigma), self.ref_blur, self.mask)
        self.motion[t] = flow_split(self.ref, cur, self.mask, self.anchors)[0] / self.scale / self.unit

    def usable(self) -> np.ndarray:
        return self.identity >= self.r.min_identity  # nan (not measured, no face) is False


def analyse(frames: Sequence[np.ndarray], neutral: np.ndarray, landmarks: np.ndarray,
            r: RetimeParams, detector: FaceDetector,
            planned: Sequence[str] = (), coded_apex: int | None = None) -> Analysis:
    """Analyse ``frames`` against ``neutral`` (its 68 ``landmarks``); raise :class:`Unusable`.
    The apex is ``coded_apex`` (a dataset's expert coding) where that frame is usable, else the
    frame of most motion (of most planned AUs among the strong ones, as ``r.apex_by`` says)."""
    m = _Frames(frames, neutral, landmarks, r, detector)
    # a clip shorter than two steps is scanned at a step that still gives it three frames
    step = max(1, min(r.frame_step, (len(frames) - 1) // 2))
    for t in range(0, len(frames), step):
        m.measure(t)
    _check(m, len(frames))
    apex = _best(m)
    half = step // 2
    while half >= 1:  # then halving steps around the best analysed frame (a step of 12: 6 more)
        for t in (apex - half, apex + half):
            if 0 <= t < len(frames):
                m.measure(t)
        apex = _best(m)
        half //= 2
    change = m.motion[apex] - np.nanmin(np.where(m.usable(), m.motion, np.nan))
    if change < r.min_motion_iod:  # measured against the neutral, and changing over the clip
        raise Unusable(f"no facial motion: it changes by {change:.4f} IOD < "
                       f"retime.min_motion_iod {r.min_motion_iod}")
    if apex == 0:
        raise Unusable("apex at the first frame: the clip starts at its expression's peak")
    if coded_apex is not None and 0 < coded_apex < len(frames):
        m.measure(coded_apex)
        if m.usable()[coded_apex]:
            return Analysis(m.placed, m.motion, m.identity, m.usable(), coded_apex)
    if r.apex_by == "planned_aus" and planned:
        strong = m.usable() & (m.motion >= m.motion[apex] / 2)
        apex = _most_planned(m.placed, strong, landmarks, planned)
    return Analysis(m.placed, m.motion, m.identity, m.usable(), apex)


def _best(m: _Frames) -> int:
    return int(np.argmax(np.where(m.usable(), m.motion, -np.inf)))


def _check(m: _Frames, n: int) -> None:
    """The reason a clip has no usable frame after the first, if it has none."""
    later = [p for t, p in m.placed.items() if t > 0]
    if n < MIN_FRAMES:
        raise Unusable(f"{n} frame(s): too short to hold an expression (needs {MIN_FRAMES})")
    if m.placed[0].landmarks is None:
        raise Unusable("face lost: no face in the first frame")
    if all(p.landmarks is None for p in later):
        raise Unusable(f"face lost: no face in any frame after the first (1-{n - 1})")
    rigid = [p.rigid_iod for p in later if p.landmarks is not None]
    if min(rigid) > m.r.max_rigid_iod:
        raise Unusable(f"rigid motion too large to stabilise: the head moves ≥ {min(rigid):.2f} "
                       f"IOD > retime.max_rigid_iod {m.r.max_rigid_iod} in every frame")
    if not m.usable()[1:].any():
        raise Unusable(f"identity drift: the face differs from the neutral in every frame (best "
                       f"{np.nanmax(m.identity[1:]):.2f} < retime.min_identity {m.r.min_identity})")


def _most_planned(placed: dict[int, Placed], candidates: np.ndarray, landmarks: np.ndarray,
                  planned: Sequence[str]) -> int:
    """Among ``candidates``, the frame whose landmarks show the planned AUs most (NNLS sum)."""
    best, best_score = -1, -np.inf
    for t in np.flatnonzero(candidates):
        est = estimate_aus(landmarks, placed[int(t)].landmarks)
        score = sum(est.get(c, 0.0) for c in planned)
        if score > best_score:
            best, best_score = int(t), score
    return best
