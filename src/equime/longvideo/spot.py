"""A first spotter for long videos: the quality stage's motion curve (non-rigid flow of the
expression landmarks against the first frame, the head's motion fitted out, the noise floor
measured on the video, blinks apart: :func:`equime.quality.motion.measure_motion`) cut into
runs; a run of at most ``micro_max_s`` is a micro-expression, a longer one a macro-expression.
Each spot's emotion: the AUs its apex shows (landmarks against the first frame's, the NNLS
decomposition retime uses) read by the observed label statistics
(:func:`equime.plan.observed.likeliest_emotion`). A baseline, so a model trained on these
videos has a number to beat."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from equime.datasets.labels import megc3
from equime.faces.aus import estimate_aus, remove_rigid
from equime.faces.detect import FaceDetector
from equime.longvideo.events import MACRO, MICRO
from equime.longvideo.params import LongVideoParams
from equime.plan.observed import likeliest_emotion
from equime.quality.motion import measure_motion, runs
from equime.quality.params import QualityParams
from equime.retime.label import moved_aus


@dataclass(frozen=True)
class Spot:
    onset: int  # the last still frame before the motion
    apex: int  # its frame of most motion
    offset: int  # the first still frame after it
    kind: str  # ME | MaE
    emotion: str = ""  # fine-grained, as recognised (see :func:`recognise`)
    aus: tuple[str, ...] = ()

    @property
    def coarse(self) -> str:
        return megc3("synthetic", self.emotion) or "others" if self.emotion else ""


def spots(curve: np.ndarray, fps: float, lv: LongVideoParams) -> list[Spot]:
    """The runs of motion in ``curve`` (0 below the noise floor): runs apart by at most
    ``merge_gap_s`` joined, runs shorter than ``min_event_s`` left out."""
    merged: list[list[int]] = []
    for a, b in runs(curve > 0):
        if merged and a - merged[-1][1] - 1 <= lv.merge_gap_s * fps:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    out = []
    for a, b in merged:
        if (b - a + 1) / fps < lv.min_event_s:
            continue
        onset, offset = max(a - 1, 0), min(b + 1, len(curve) - 1)
        apex = a + int(np.argmax(curve[a:b + 1]))
        out.append(Spot(onset, apex, offset, MICRO if (offset - onset) / fps <= lv.micro_max_s
                        else MACRO))
    return out


def spot_video(frames: Iterable[np.ndarray], fps: float, lv: LongVideoParams, q: QualityParams,
               detector: FaceDetector) -> tuple[list[Spot], np.ndarray]:
    """The spots of a video (a stream of frames, frame 0 neutral) and its first frame's
    landmarks; raises ValueError when frame 0 shows no face."""
    stream = iter(frames)
    first = next(stream, None)
    if first is None:
        raise ValueError("a video without frames")
    landmarks = detector.fine_landmarks(first)
    if landmarks is None:
        raise ValueError("no face in the first frame")

    def again() -> Iterator[np.ndarray]:
        yield first
        yield from stream

    motion = measure_motion(again(), landmarks, fps, q)
    return spots(motion.curve, fps, lv), landmarks


def recognise(found: Sequence[Spot], apex_frames: Iterable[tuple[int, np.ndarray]],
              neutral: np.ndarray, emotions: Sequence[str], detector: FaceDetector) -> list[Spot]:
    """``found`` with the emotion and AUs each apex frame shows (``apex_frames``: (index,
    frame) of every spot's apex, in order)."""
    frames = dict(apex_frames)
    out = []
    for s in found:
        at = detector.fine_landmarks(frames[s.apex]) if s.apex in frames else None
        aus = tuple(moved_aus(estimate_aus(neutral, remove_rigid(neutral, at)))) \
            if at is not None else ()
        out.append(Spot(s.onset, s.apex, s.offset, s.kind, likeliest_emotion(aus, emotions), aus))
    return out
