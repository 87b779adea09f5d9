"""Typed attribute records: one per analysed frame (the per-face record is the faces.csv
artifact's :class:`~equime.artifacts.face_attributes.Demography`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

FrameStatus = Literal["ok", "no-face"]


@dataclass(frozen=True)
class FrameAttributes:
    """What deepface saw in one image; ``status == "no-face"`` leaves every value None."""

    status: FrameStatus
    age: float | None = None
    gender: str | None = None  # f / m
    gender_confidence: float | None = None  # 0..1, the winning class's probability
    race: str | None = None
    race_confidence: float | None = None
    emotion: str | None = None
    emotion_scores: Mapping[str, float] = field(default_factory=dict)  # 0..1, sum 1
    face_confidence: float | None = None
    faces: int = 0  # faces detected; the largest is analysed

    @classmethod
    def no_face(cls) -> FrameAttributes:
        return cls(status="no-face")
