"""Per-clip metadata, as a pydantic schema (also written as JSON Schema next to the dataset)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from equime.artifacts.clips import MotionFacts, RetimeRecord
from equime.artifacts.plan import Timing

SCHEMA_VERSION = 3


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ClipAttributes(_Model):
    """Measured on the clip itself (deepface on every k-th frame) and compared with its source."""

    frames_analysed: int = Field(ge=0)
    frames_no_face: int = Field(ge=0)
    age_mean: float | None
    age_iqr: float | None
    gender: Literal["m", "f"] | None = Field(description="majority over frames with a face")
    gender_share: float | None = Field(ge=0, le=1)
    race: str | None
    race_share: float | None = Field(ge=0, le=1)
    emotion: str | None
    emotion_shares: dict[str, float]
    gender_agreement: float | None = Field(description="frames whose gender is the source's")
    race_agreement: float | None
    age_shift: float | None = Field(description="clip median age − source age, years")
    flags: list[str] = Field(description="identity-consistency thresholds crossed")


class Demographic(_Model):
    """Who the subject is, each attribute with its source (annotations | deepface | unknown) and
    confidence (deepface's probability; null for annotations)."""

    gender: Literal["m", "f", "u"]
    gender_source: str
    gender_confidence: float | None = Field(None, ge=0, le=1)
    race: str | None
    race_source: str
    race_confidence: float | None = Field(None, ge=0, le=1)
    age: float | None = Field(description="years")
    age_band: str
    age_source: str
    annotations: dict[str, bool | float | str] = Field(
        description="labels given with the source image (curate.attributes)")
    clip: ClipAttributes | None = Field(None, description="null when attributes come from "
                                        "annotations (nothing is measured on the clip)")


class Technical(_Model):
    """Measured from the written MP4 file."""

    size_bytes: int = Field(gt=0)
    bitrate_bps: int = Field(ge=0)
    duration_s: float = Field(gt=0)
    frame_count: int = Field(gt=0)
    fps: float = Field(gt=0)
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    codec: str
    pix_fmt: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class AUEntry(_Model):
    code: str
    name: str
    intensity: float = Field(gt=0, le=1)
    letter: Literal["A", "B", "C", "D", "E"]


class SourceImage(_Model):
    subject: str
    file: str
    sha256: str


class Motion(MotionFacts):
    """Where the micro-expression's motion came from, and what ``retime`` did to a generated one
    (its record's :class:`~equime.artifacts.clips.MotionFacts`)."""

    source: str = Field(description="facs (the AU landmark model) | generated (a generated video, "
                                    "retimed) | video (any video, retimed) | a real dataset")
    retimed: bool

    @classmethod
    def of(cls, me: RetimeRecord) -> Motion:
        """The block of an ME clip's retime record."""
        return cls(source=me.motion_source, retimed=me.retimed,
                   **{k: getattr(me, k) for k in MotionFacts.model_fields})


class Generation(_Model):
    backend: str
    backend_params: dict[str, Any]
    encoder: dict[str, Any]
    au_source: str
    aus: list[AUEntry]
    timing: Timing
    fps: int
    n_frames: int
    frames_generated: int = Field(description="frames the backend made (LTX: 8k+1); the first "
                                  "n_frames are kept")
    width: int
    height: int
    prompt: str
    negative_prompt: str
    seed: int = Field(ge=0)
    equime_version: str
    source_image: SourceImage
    motion: Motion


class ClipMetadata(_Model):
    schema_version: Literal[3] = SCHEMA_VERSION
    video_name: str = Field(pattern=r"^[mfu]_[A-Za-z0-9-]+_[0-9]{2,3}$")
    file: str
    clip_id: str
    emotion: str
    subject: str
    sequence: int = Field(ge=1)
    demographic: Demographic
    technical: Technical
    generation: Generation
    quality: dict[str, float | int | bool | str | None] | None = Field(
        None, description="filled by the quality stage; null until then")
    review: dict[str, float | int | str | None] | None = Field(
        None, description="human review (`equime review`): ratings, majority label and share, "
                          "visible / micro shares, mean realism; null when not reviewed")


def json_schema() -> dict[str, Any]:
    return ClipMetadata.model_json_schema()
