"""The ``longvideo`` section: long recordings per subject, with several micro- and
macro-expressions (MEGC spotting / ME-LVQA style), and the baseline spotter's settings."""

from __future__ import annotations

from pydantic import Field, model_validator

from equime.section import Section, check_range


class LongVideoParams(Section):
    videos_per_subject: int = Field(ge=0, le=100)  # 0: no long videos
    max_subjects: int | None = Field(default=None, ge=1)  # the plan's first k subjects (null: all)
    seconds: float = Field(gt=2, le=1800)
    fps: int = Field(ge=10, le=1000)
    micro_per_video: int = Field(ge=0, le=200)
    macro_per_video: int = Field(ge=0, le=200)
    macro_duration_s: tuple[float, float]  # onset → offset of a macro-expression
    macro_intensity: tuple[float, float]  # its AU intensities (0..1)
    min_gap_s: float = Field(ge=0)  # between two expressions, and from each end of the video
    # the spotter: motion runs closer than this merge; a run of at most micro_max_s is an ME
    merge_gap_s: float = Field(ge=0)
    micro_max_s: float = Field(gt=0)
    min_event_s: float = Field(ge=0)  # shorter runs are noise

    @model_validator(mode="after")
    def _ranges(self) -> LongVideoParams:
        check_range("macro_duration_s", self.macro_duration_s, 0.2, 10.0)
        check_range("macro_intensity", self.macro_intensity, 0.0, 1.0)
        return self
