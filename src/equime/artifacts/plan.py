"""The plan (``data/plan.jsonl``): one row per clip to generate, and its timing table (a DVC plot).

``clip_id`` = ``<subject>_<emotion>_<seq>`` names every per-clip file downstream.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from equime.errors import InputError
from equime.facs import get_au, intensity_letter
from equime.files import (
    ID_PATTERN,
    NAME_PATTERN,
    atomic_lines,
    csv_rows,
    iter_jsonl,
    jsonl_line,
    write_jsonl,
)

# plan values that name files downstream (<clip_id>.mp4, emotion_categories/<emotion>/)
Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN.pattern)]
SubjectId = Annotated[str, StringConstraints(pattern=ID_PATTERN.pattern)]

PATH = "data/plan.jsonl"
TIMING = "metrics/plan_timing.csv"
GIT_TABLES = (TIMING,)  # the outputs kept in git (cache: false)
TIMING_COLUMNS = ("clip_id", "emotion", "apex_s", "duration_ms", "expressive_frames")


class AUActivation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    code: str
    name: str
    intensity: float
    letter: str

    @classmethod
    def of(cls, code: str, intensity: float) -> AUActivation:
        """The AU ``code`` (catalogue) at ``intensity`` (0..1), named and lettered by FACS."""
        return cls(code=code, name=get_au(code).name, intensity=intensity,
                   letter=intensity_letter(intensity))


class Timing(BaseModel):
    """One expression's onset → apex → offset (:func:`equime.plan.timing.make_timing`): the one
    definition of these fields, a plan row's ``timing``, a retimed clip's and the metadata's."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    onset_s: float
    apex_s: float
    offset_s: float
    onset_frame: int = Field(ge=0)
    apex_frame: int = Field(ge=0)
    offset_frame: int = Field(ge=0)
    duration_s: float = Field(gt=0)  # offset_s - onset_s (to 1 µs)

    @model_validator(mode="after")
    def _consistent(self) -> Timing:
        if abs(self.duration_s - (self.offset_s - self.onset_s)) > 1e-6:
            raise ValueError(f"duration_s {self.duration_s} is not offset_s - onset_s "
                             f"({self.offset_s} - {self.onset_s})")
        if not self.onset_frame < self.apex_frame < self.offset_frame:
            raise ValueError(f"frames must be onset < apex < offset (got {self.onset_frame}, "
                             f"{self.apex_frame}, {self.offset_frame})")
        return self

    @property
    def expressive_frames(self) -> int:
        """Frames strictly between onset and offset (the face moves in them)."""
        return self.offset_frame - self.onset_frame - 1


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
    timing: Timing  # onset → apex → offset, in seconds and frames
    prompt: str
    negative_prompt: str
    seed: int

    @property
    def intensities(self) -> dict[str, float]:
        return {a.code: a.intensity for a in self.aus}


def iter_plan(path: Path) -> Iterator[PlanRow]:
    """Plan rows from a JSON-lines file, a row at a time (for consumers that stream); a malformed
    row is a one-line error naming its line."""
    return (_plan_row(path, n, raw) for n, raw in enumerate(iter_jsonl(path), start=1))


def read_plan(path: Path) -> list[PlanRow]:
    """Every plan row (:func:`iter_plan`), checked before the first is used."""
    return list(iter_plan(path))


def _plan_row(path: Path, n: int, raw: dict[str, Any]) -> PlanRow:
    try:
        return PlanRow.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(x) for x in err["loc"])
        raise InputError(f"{path}:{n}: {key}: {err['msg']}; rerun the plan stage") from None


def write_plan(path: Path, rows: Iterable[PlanRow]) -> None:
    """The plan, a row at a time (``rows`` may be a generator)."""
    write_jsonl(path, (r.model_dump(mode="json") for r in rows))


def timing_of(row: PlanRow) -> dict[str, Any]:
    """The clip's line of the timing table: planned duration against apex time."""
    t = row.timing
    return {"clip_id": row.clip_id, "emotion": row.emotion, "apex_s": t.apex_s,
            "duration_ms": round(t.duration_s * 1000, 2),
            "expressive_frames": t.expressive_frames}


@contextmanager
def writing(path: Path, timing: Path) -> Iterator[Callable[[PlanRow], None]]:
    """A function that writes one row to the plan at ``path`` and its line to the timing table at
    ``timing`` (:data:`TIMING_COLUMNS`); both files appear, whole, when the block ends."""
    with csv_rows(timing, TIMING_COLUMNS) as table, atomic_lines(path) as lines:
        def write(row: PlanRow) -> None:
            lines.write(jsonl_line(row.model_dump(mode="json")))
            table.writerow(timing_of(row))

        yield write
