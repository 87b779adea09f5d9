"""The micro-expression clips (``data/clips``), one per planned clip that has one: retimed from a
generated video, or (the warp backend's, already an ME) the generated clip itself. The layout of
:mod:`.videos`: ``<clip_id>.mp4`` + sidecar ``<clip_id>.json`` (what was done: the raw apex, the
stabilisation, ``alpha``, the motion source), ``retime.jsonl`` (every finished clip's sidecar, in
plan order) and ``rejects.csv`` (clips retime could not use, with the reason)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from equime.artifacts import videos
from equime.artifacts.plan import AUActivation, PlanRow

PATH = "data/clips"
FILES = ("*.mp4", "*.json", "retime.jsonl", "rejects.csv")
LOG = "retime.jsonl"
REJECTS = videos.REJECTS
WRITER = "dvc repro retime"
clip_video = videos.clip_video
video_path = videos.video_path
read_sidecar = videos.read_sidecar
write_sidecar = videos.write_sidecar
write_rejects = videos.write_rejects
prune = videos.prune


def labelled(row: PlanRow, record: Mapping[str, Any] | None) -> PlanRow:
    """``row`` with the AUs its ME clip shows: a generated clip's, as retime measured them at
    its raw apex (``measured_aus`` in its ``record``: code → intensity in the ME), else the
    planned ones (the warp backend renders what was planned; a transfer keeps its row's)."""
    measured = (record or {}).get("measured_aus")
    if not measured:
        return row
    strongest = sorted(measured.items(), key=lambda kv: (-kv[1], kv[0]))  # JSON sorts keys
    return row.model_copy(update={"aus": tuple(AUActivation.of(code, value)
                                               for code, value in strongest)})


def write_log(folder: Path, records: list[dict[str, Any]]) -> None:
    videos.write_log(folder, records, LOG)


def iter_log(folder: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(clip id, retime record) of every ME clip the last run finished, in plan order."""
    return videos.iter_log(folder, LOG, WRITER)


def read_log(folder: Path) -> dict[str, dict[str, Any]]:
    """clip id → its retime record, for every ME clip the last run finished."""
    return videos.read_log(folder, LOG, WRITER)
