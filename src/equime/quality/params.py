"""The ``quality``, ``filter`` and ``summarize`` sections: what is measured, what passes, and
the comparison with real datasets."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from equime.quality.metrics import METRICS
from equime.section import Section, check_range, key_error


class QualityParams(Section):
    metrics: tuple[Literal[tuple(METRICS)], ...]  # type: ignore[valid-type]  # METRICS' names
    modes: tuple[Literal["standard", "paper"], ...] = Field(min_length=1)
    color: Literal["luma", "rgb"]  # standard mode
    flow_iod_px: float = Field(gt=8)  # flow on frames scaled to this interocular distance (px)
    motion_floor_px: float = Field(ge=0)  # flow below this is noise, whatever the clip's noise
    noise_factor: float = Field(ge=1)  # the floor: this × the clip's measured flow noise
    blink_closure_iod: float = Field(gt=0, le=1)  # eyelids closed this much (IOD): a blink
    expression_fraction: float = Field(gt=0, lt=1)  # motion above this share of the peak: moving
    au_threshold: float = Field(gt=0, le=1)
    workers: int = Field(ge=1, le=64)  # clips measured in parallel processes
    device: Literal["cpu", "cuda"]  # where piq runs (standard mode)

    @model_validator(mode="after")
    def _one_process_on_cuda(self) -> QualityParams:
        if self.device == "cuda" and self.workers > 1:
            raise key_error("workers", "use 1 with device cuda (one process feeds the GPU)")
        return self


class FilterParams(Section):
    min_psnr_db: float  # standard consecutive-frame PSNR, clip mean
    max_duration_s: float = Field(gt=0, le=10)  # brief: the whole expression, onset → offset
    peak_motion_px: tuple[float, float]  # visible but subtle
    max_head_motion_px: float = Field(ge=0)
    min_au_fidelity: float = Field(ge=0, le=1)
    identity_consistency: bool  # drop clips the attributes stage flags (identity drift)

    @model_validator(mode="after")
    def _ranges(self) -> FilterParams:
        check_range("peak_motion_px", self.peak_motion_px, 0.0, 1000.0)
        return self


class SummarizeParams(Section):
    """Metrics, modes and colour come from the quality section; datasets from ``datasets``."""

    max_clips: int | None = Field(ge=1)  # per real dataset, first in sorted order
