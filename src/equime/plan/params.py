"""The ``plan`` section: emotions, AU table, clip format, timing, intensities and prompts."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from equime.datasets.params import REAL_DATASETS
from equime.emotions import EMOTIONS
from equime.plan import observed
from equime.section import Section, check_range, key_error, multiple_of, unique

Emotion = Literal[EMOTIONS]  # type: ignore[valid-type]
# where each clip's motion comes from: the AU landmark model (warp backend), a generated video
# (a generative backend, retimed), or a real micro-expression of a configured dataset (transfer)
MotionSource = Literal[("facs", "generated", *REAL_DATASETS)]  # type: ignore[valid-type]
# the motion sources the generate stage renders (each backend makes one of them:
# equime.generate.registry)
MADE_HERE = frozenset({"facs", "generated"})
# what one clip may be: an ME clip holds a few seconds around one expression (long recordings
# are the longvideo stage's); frames × pixels bounds what a generator holds at once (LTX keeps a
# clip's frames in memory: 4 G pixel-frames are 12 GB of RGB)
MAX_CLIP_SECONDS = 60.0
MAX_SIDE = 4096
MAX_PIXEL_FRAMES = 4 * 2**30


class PlanParams(Section):
    emotions: Annotated[tuple[Emotion, ...], unique("an emotion")] = Field(min_length=1)
    au_source: Literal["observed", "paper", "emfacs"]
    motion_source: MotionSource
    sequences_per_subject: int = Field(ge=1, le=999)
    emotions_per_subject: int | None = Field(ge=1)  # null: all; else rotated within cells
    fps: int = Field(gt=0, le=1000)
    clip_seconds: float = Field(gt=0, le=MAX_CLIP_SECONDS)
    width: int = Field(ge=32, le=MAX_SIDE)
    height: int = Field(ge=32, le=MAX_SIDE)
    duration_s: tuple[float, float]  # onset → offset
    rise_fraction: tuple[float, float]  # share of the duration spent rising to the apex
    apex_window_s: tuple[float, float]
    intensity: tuple[float, float]  # AU intensity, 0..1
    prompt_template: str
    negative_prompt: str

    @field_validator("width", "height")
    @classmethod
    def _multiple_of_32(cls, v: int) -> int:
        return multiple_of(32, v)

    @field_validator("prompt_template")
    @classmethod
    def _template_fields(cls, v: str) -> str:
        for name in ("{emotion}", "{aus}"):
            if name not in v:
                raise ValueError(f"must contain the placeholder {name}")
        return v

    @model_validator(mode="after")
    def _timing(self) -> PlanParams:
        if self.emotions_per_subject is not None and self.emotions_per_subject > len(self.emotions):
            raise key_error("emotions_per_subject", f"{self.emotions_per_subject} is more than the "
                            f"{len(self.emotions)} emotions listed")
        check_range("duration_s", self.duration_s, 1e-3, 0.5)
        check_range("rise_fraction", self.rise_fraction, 0.05, 0.95)
        check_range("intensity", self.intensity, 0.01, 1.0)
        check_range("apex_window_s", self.apex_window_s, 0.0, self.clip_seconds)
        frames = self.clip_seconds * self.fps
        if (size := frames * self.width * self.height) > MAX_PIXEL_FRAMES:
            raise key_error("clip_seconds", f"{self.clip_seconds:g} s at {self.fps} fps of "
                            f"{self.width}x{self.height} is {size / 2**30:.1f} G pixel-frames, "
                            f"above the {MAX_PIXEL_FRAMES / 2**30:g} G a clip may hold; shorten "
                            "it or lower plan.fps or the size")
        if abs(frames - round(frames)) > 1e-6:
            raise key_error("clip_seconds", f"{self.clip_seconds} s at {self.fps} fps is not a "
                            "whole number of frames")
        if self.au_source == "observed" and not len(observed.timings_within(
                self.duration_s, self.rise_fraction)):
            shortest, longest_seen = observed.duration_range()
            raise key_error("duration_s", f"holds none of the observed MEs' durations "
                            f"({shortest}-{longest_seen} s) at rise_fraction "
                            f"{list(self.rise_fraction)}; widen it, or set au_source: paper")
        longest = self.duration_s[1]
        if self.apex_window_s[0] - longest * self.rise_fraction[1] < 0:
            raise key_error("apex_window_s", f"starts too early: an onset would fall before 0 s "
                            f"(needs ≥ {longest * self.rise_fraction[1]:.3f} s)")
        if self.apex_window_s[1] + longest > self.clip_seconds:
            raise key_error("apex_window_s", "ends too late: an offset would fall after the "
                            f"clip's end ({self.clip_seconds} s)")
        return self

    @property
    def n_frames(self) -> int:
        return round(self.clip_seconds * self.fps)
