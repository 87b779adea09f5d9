"""The micro-expression clips (``data/clips``), one per planned clip that has one: retimed from a
generated video, or (the warp backend's, already an ME) the generated clip itself. The layout of
:mod:`.videos`: ``<clip_id>.mp4`` + sidecar ``<clip_id>.json`` (what was done: the raw apex, the
stabilisation, ``alpha``, the motion source), ``retime.jsonl`` (every finished clip's sidecar, in
plan order) and ``rejects.csv`` (clips retime could not use, with the reason)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from equime.artifacts import videos
from equime.artifacts.plan import AUActivation, PlanRow, Timing

PATH = "data/clips"
FILES = ("*.mp4", "*.json", "retime.jsonl", "rejects.csv")
LOG = "retime.jsonl"
REJECTS = videos.REJECTS
WRITER = "dvc repro retime"
clip_video = videos.clip_video
video_path = videos.video_path
write_sidecar = videos.write_sidecar
write_rejects = videos.write_rejects
prune = videos.prune


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Stabilisation(_Frozen):
    """How well the generated face was held still: the head's motion taken out (interocular
    units) and how many analysed frames were usable."""

    rigid_at_apex_iod: float
    rigid_max_iod: float | None = None  # (a generated clip's, over every analysed frame)
    identity_at_apex: float
    frames_analysed: int
    frames_usable: int
    frames_without_face: int | None = None  # (a generated clip's)


class MotionFacts(_Frozen):
    """What retime found in a clip's motion source and did with it: the part of its record the
    clip's metadata carries (``generation.motion``). None where it does not apply (a clip passed
    through; a generated clip has no sample, a transfer no raw apex time)."""

    raw_frames: int | None = Field(None, description="frames of the generated (raw) clip")
    raw_apex_frame: int | None = Field(None, description="its frame of most facial motion")
    raw_apex_s: float | None = None
    raw_peak_iod: float | None = Field(None, description="its peak displacement, interocular units")
    alpha: float | None = Field(None, description="the scale that brought it into the ME range")
    me_peak_iod: float | None = None
    residual: bool | None = Field(None, description="the appearance change was carried too")
    au_pattern_r: float | None = Field(None, description="Pearson r of the AU patterns (landmarks) "
                                       "of the source's apex and the ME's")
    sample: str | None = Field(None, description="the real ME moved onto the face: "
                                                 "dataset/subject/clip")
    sample_emotion: str | None = Field(None, description="as the dataset codes it")
    sample_aus: str | None = Field(None, description="its AUs as the dataset codes them")
    sample_onset_frame: int | None = None
    sample_apex_frame: int | None = Field(None, description="as coded (the apex used is "
                                                            "raw_apex_frame, from onset)")
    stabilisation: Stabilisation | None = Field(
        None, description="head motion at the apex and at most, identity at the apex, frames "
                          "usable and without a face")


class OutlineShare(_Frozen):
    """Motion along the face outline over the inner face's (a head turn's residue is near 1);
    None where the flow found no inner-face motion."""

    raw: float | None  # at the stabilised raw apex
    me: float | None  # at the ME's apex


class ClipTiming(Timing):
    fps: float


class RetimeRecord(videos.Record, MotionFacts):
    """An ME clip's sidecar (``retime``): its key, where its motion came from, and (retimed
    clips) what retime found and did."""

    retime_key: str  # everything the clip's bytes depend on; a rerun keeps the clip if equal
    source_sha256: str  # of the video (or sample) the motion came from
    motion_source: str  # facs | generated | video | a real dataset's name
    timing: ClipTiming
    retimed: bool  # False: the clip is its generated video, passed through
    frames_sha256: str | None = None  # of the frames before encoding (None: passed through)
    raw_apex_motion_iod: float | None = None  # the raw apex's motion from the neutral
    # the clip's AUs: those its raw apex shows (the head taken out), at their intensity in the ME
    measured_aus: dict[str, float] | None = None
    outline_share: OutlineShare | None = None
    raw_motion_iod: list[float | None] | None = None  # each analysed frame's, from the neutral
    encoder: dict[str, Any] | None = None  # (a transfer's: nothing was generated)


def read_sidecar(folder: Path, clip_id: str) -> RetimeRecord | None:
    """The ME clip's sidecar, or None when it is not finished."""
    return videos.sidecar(folder, clip_id, RetimeRecord)


def labelled(row: PlanRow, record: RetimeRecord | None) -> PlanRow:
    """``row`` with the AUs its ME clip shows: a generated clip's, as retime measured them at
    its raw apex (``measured_aus`` in its ``record``: code → intensity in the ME), else the
    planned ones (the warp backend renders what was planned; a transfer keeps its row's)."""
    measured = None if record is None else record.measured_aus
    if not measured:
        return row
    strongest = sorted(measured.items(), key=lambda kv: (-kv[1], kv[0]))  # JSON sorts keys
    return row.model_copy(update={"aus": tuple(AUActivation.of(code, value)
                                               for code, value in strongest)})


def write_log(folder: Path, records: Sequence[RetimeRecord]) -> None:
    videos.write_records(folder, records, LOG)


def iter_log(folder: Path) -> Iterator[tuple[str, RetimeRecord]]:
    """(clip id, retime record) of every ME clip the last run finished, in plan order."""
    return videos.iter_records(folder, RetimeRecord, LOG, WRITER)


def read_log(folder: Path) -> dict[str, RetimeRecord]:
    """clip id → its retime record, for every ME clip the last run finished."""
    return dict(iter_log(folder))
