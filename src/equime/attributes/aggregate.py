"""Per-clip summaries of per-frame attributes: age mean and IQR, majority votes, emotion shares.

Written by hand: these are a few lines of counting over our own records (no library
aggregates deepface outputs), with ties broken by the label tables' order, so they are stable.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from equime.attributes.labels import EMOTIONS, GENDERS, RACES
from equime.attributes.records import FrameAttributes


@dataclass(frozen=True)
class ClipAttributes:
    frames_analysed: int
    frames_no_face: int
    age_mean: float | None = None
    age_median: float | None = None
    age_iqr: float | None = None  # Q3 − Q1 over frames with a face
    gender: str | None = None  # majority over frames with a face
    gender_share: float | None = None  # its vote share
    race: str | None = None
    race_share: float | None = None
    emotion: str | None = None
    emotion_shares: dict[str, float] = field(default_factory=dict)  # dominant-emotion votes


def majority(labels: Sequence[str], order: Sequence[str]) -> tuple[str | None, float | None]:
    """Most frequent label and its share; ties go to the label listed first in ``order``."""
    if not labels:
        return None, None
    counts = Counter(labels)
    rank = {label: i for i, label in enumerate(order)}
    best = min(counts, key=lambda k: (-counts[k], rank.get(k, len(rank)), k))
    return best, counts[best] / len(labels)


def aggregate(frames: Sequence[FrameAttributes]) -> ClipAttributes:
    faces = [f for f in frames if f.status == "ok"]
    base = ClipAttributes(frames_analysed=len(frames), frames_no_face=len(frames) - len(faces))
    if not faces:
        return base
    ages = np.array([f.age for f in faces if f.age is not None], dtype=np.float64)
    age_stats: dict[str, float | None] = {"age_mean": None, "age_median": None, "age_iqr": None}
    if ages.size:
        q1, med, q3 = np.percentile(ages, [25, 50, 75])
        age_stats = {"age_mean": float(ages.mean()), "age_median": float(med),
                     "age_iqr": float(q3 - q1)}
    gender, gender_share = majority([f.gender for f in faces if f.gender], list(GENDERS))
    race, race_share = majority([f.race for f in faces if f.race], RACES)
    emotions = [f.emotion for f in faces if f.emotion]
    emotion, _ = majority(emotions, EMOTIONS)
    counts = Counter(emotions)
    shares = {e: counts[e] / len(emotions) for e in EMOTIONS if counts[e]} if emotions else {}
    return ClipAttributes(
        frames_analysed=base.frames_analysed, frames_no_face=base.frames_no_face, **age_stats,
        gender=gender, gender_share=gender_share, race=race, race_share=race_share,
        emotion=emotion, emotion_shares=shares)
