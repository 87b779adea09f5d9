"""The ``baselines`` section: the runs (train@/evaluate@) and their shared training settings."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from equime.datasets.params import REAL_DATASETS
from equime.section import Section

Source = Literal[("synthetic", *REAL_DATASETS, "megc")]  # type: ignore[valid-type]


class RunParams(Section):
    protocol: Literal["loso", "holdout", "split"]
    train: tuple[Source, ...] = Field(min_length=1)
    test: tuple[Source, ...] = Field(min_length=1)
    model: Literal["st_cnn", "cnn3d", "resnet3d", "mobilenet"]
    input: Literal["frames", "flow"]
    classes: Literal["megc3", "emotion5"]
    mix: dict[Source, float] = Field(default_factory=dict)  # absent: every training subject


class BaselinesParams(Section):
    runs: dict[str, RunParams]
    frames: int = Field(ge=1, le=64)  # T, the paper's frames input
    size: int = Field(ge=16, le=256)
    epochs: int = Field(ge=1)
    batch_size: int = Field(ge=1)
    lr: float = Field(gt=0)
    val_fraction: float = Field(ge=0, lt=1)  # of training subjects, for model selection
    test_fraction: float = Field(gt=0, lt=1)  # "split" protocol
    bootstrap: int = Field(ge=10)

    @field_validator("runs")
    @classmethod
    def _names(cls, v: dict[str, RunParams]) -> dict[str, RunParams]:
        bad = [k for k in v if not k.replace("_", "").replace("-", "").isalnum()]
        if bad:
            raise ValueError(f"run names must be letters, digits, - or _ (got {bad})")
        return v
