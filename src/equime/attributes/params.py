"""The ``attributes`` section: where age, gender and race come from, and identity thresholds."""

from __future__ import annotations

from itertools import pairwise
from typing import Literal

from pydantic import Field, field_validator

from equime.section import Section


class AttributesParams(Section):
    source: Literal["annotations", "deepface"]  # no fallback from one to the other
    detector_backend: str = Field(min_length=1)  # deepface detector; opencv is offline
    deepface_home: str | None  # holds .deepface/weights; null: $DEEPFACE_HOME, else ~
    frame_step: int = Field(ge=1)  # clips: analyse every k-th frame
    age_bands: tuple[int, ...]  # cut points in years → <30, 30-44, 45-59, 60+
    min_gender_agreement: float = Field(ge=0, le=1)  # clip frames agreeing with the source
    min_race_agreement: float = Field(ge=0, le=1)
    max_age_shift: float = Field(ge=0)  # years, |clip median − source|
    max_no_face_share: float = Field(ge=0, le=1)  # analysed frames without a face

    @field_validator("age_bands")
    @classmethod
    def _increasing(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        if any(b <= a for a, b in pairwise(v)) or any(x <= 0 or x > 120 for x in v):
            raise ValueError(f"must be increasing ages in (0, 120] (got {list(v)})")
        return v
