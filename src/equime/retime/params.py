"""The ``retime`` section: how a generated (or any) expression video becomes a micro-expression."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from equime.section import Section, check_range


class RetimeParams(Section):
    analysis_iod_px: float = Field(gt=8)  # frames are analysed scaled to this interocular distance
    frame_step: int = Field(ge=1)  # every k-th frame is analysed, then the best one's neighbours
    max_rigid_iod: float = Field(gt=0)  # head motion beyond this (IOD units) cannot be stabilised
    min_identity: float = Field(ge=0, le=1)  # stabilised face vs the neutral (blurred NCC)
    min_motion_iod: float = Field(ge=0)  # the apex's mean facial motion, IOD units
    apex_by: Literal["motion", "planned_aus"]  # the frame of most motion, or of the planned AUs
    residual: bool  # also carry the appearance change (wrinkles, shading) to the neutral face
    peak_iod: tuple[float, float]  # the ME's peak displacement (p99 in the face), IOD units
    smooth_iod: float = Field(ge=0)  # Gaussian σ for the motion field, IOD units
    interpolation: Literal["linear", "cubic"]

    @model_validator(mode="after")
    def _ranges(self) -> RetimeParams:
        check_range("peak_iod", self.peak_iod, 1e-4, 0.5)
        return self
