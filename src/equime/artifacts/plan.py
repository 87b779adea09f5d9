"""The plan (``data/plan.jsonl``): one row per clip to generate, and its timing table (a DVC plot).

``clip_id`` = ``<subject>_<emotion>_<seq>`` names every per-clip file downstream.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from equime.errors import InputError
from equime.files import ID_PATTERN, NAME_PATTERN, read_jsonl, write_csv, write_jsonl

# plan values that name files downstream (<clip_id>.mp4, emotion_categories/<emotion>/)
Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN.pattern)]
SubjectId = Annotated[str, StringConstraints(pattern=ID_PATTERN.pattern)]

PATH = "data/plan.jsonl"
TIMING = "metrics/plan_timing.csv"


class AUActivation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    code: str
    name: str
    intensity: float
    letter: str


class PlanRow(BaseModel):
    """One clip to generate."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    clip_id: Name
    subject: SubjectId
    gender: str
    emotion: Name
    seq: int
    au_source: str
    motion_source: str  # facs | generated | a dataset (see plan.motion_source)
    aus: tuple[AUActivation, ...]
    fps: int
    n_frames: int
    width: int
    height: int
    onset_s: float
    apex_s: float
    offset_s: float
    onset_frame: int
    apex_frame: int
    offset_frame: int
    prompt: str
    negative_prompt: str
    seed: int

    @property
    def intensities(self) -> dict[str, float]:
        return {a.code: a.intensity for a in self.aus}


def read_plan(path: Path) -> list[PlanRow]:
    """Plan rows from a JSON-lines file; a malformed row is a one-line error naming its line."""
    rows = []
    for n, raw in enumerate(read_jsonl(path), start=1):
        try:
            rows.append(PlanRow.model_validate(raw))
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(x) for x in err["loc"])
            raise InputError(f"{path}:{n}: {key}: {err['msg']}; rerun the plan stage") from None
    return rows


def write_plan(path: Path, rows: Sequence[PlanRow]) -> None:
    write_jsonl(path, [r.model_dump(mode="json") for r in rows])


def write_timing(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    """Per clip timing (clip_id, emotion, apex_s, duration_ms, expressive_frames)."""
    write_csv(path, pd.DataFrame(rows))
