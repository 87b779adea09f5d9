"""The ``curate`` section: where the photos are, their annotations, detection and alignment."""

from __future__ import annotations

from pydantic import Field, field_validator

from equime.section import Section, multiple_of


class CurateParams(Section):
    source: str = Field(min_length=1)  # folder of face photos
    attributes: str | None  # annotation file given with the photos (CSV manifest or CelebA's)
    size: int = Field(ge=64, le=2048)  # aligned crop side, px
    eye_distance: float = Field(gt=0.05, lt=0.6)  # interocular distance / crop side
    eye_y: float = Field(gt=0.1, lt=0.9)  # eye line height / crop side
    upsample: int = Field(ge=0, le=3)  # dlib detector upsampling
    min_score: float  # detections below this dlib HOG score are ignored
    min_face_px: int = Field(ge=16)  # narrower faces (source px) are rejected
    ambiguity_ratio: float = Field(gt=0.0, le=1.0)  # a 2nd face this large → ambiguous
    filter: dict[str, bool | float | str]  # annotation → wanted value

    @field_validator("size")
    @classmethod
    def _size(cls, v: int) -> int:
        return multiple_of(32, v)
