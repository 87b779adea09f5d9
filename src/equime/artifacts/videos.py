"""Generated clips (``data/videos``): ``<clip_id>.mp4`` with its sidecar ``<clip_id>.json`` (the
render key, the MP4's sha256 and what made it), ``generation.jsonl`` (every finished clip's
sidecar, in plan order) and ``rejects.csv`` (clips that failed, with the reason).

The folder persists across runs (DVC ``persist``): a rerun keeps clips whose sidecar verifies.
The same layout holds the micro-expression clips ``retime`` makes (:mod:`.clips`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError

from equime.errors import InputError
from equime.files import check_name, iter_jsonl, write_csv, write_json, write_jsonl

PATH = "data/videos"
FILES = ("*.mp4", "*.json", "generation.jsonl", "rejects.csv", "rejects.shard-*-of-*.csv")
LOG = "generation.jsonl"
REJECTS = "rejects.csv"
REJECT_COLUMNS = ["clip_id", "reason"]
CLIP_SUFFIXES = (".mp4", ".json")
WRITER = "dvc repro generate"

# what a backend's clips show: an ME rendered from the AU model (``facs``: retime passes it
# through) or a generated expression that retime makes an ME of (``generated``)
MotionKind = Literal["facs", "generated"]


class Record(BaseModel):
    """A clip's sidecar: what made its MP4 (the key that says when to remake it) and the MP4's
    sha256; the same object is the clip's line in the folder's log."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    clip_id: str
    sha256: str  # of the MP4


R = TypeVar("R", bound=Record)


class GenerationRecord(Record):
    """A generated clip's sidecar (``generate``)."""

    render_key: str  # everything the clip's bytes depend on; a rerun keeps the clip if equal
    frames_sha256: str  # of the frames before encoding
    backend: str  # a name of equime.generate.registry.BACKENDS
    motion: MotionKind
    backend_params: dict[str, Any]
    encoder: dict[str, Any]
    n_frames: int
    frames_generated: int  # the backend's (LTX: 8k+1); the first n_frames are kept
    frames_kept: int
    fps: int
    width: int
    height: int
    expressive_frames: int  # frames that differ from the first
    peak_mean_abs_change: float  # grey levels, from the first frame
    peak_frame: int


def clip_video(folder: Path, clip_id: str) -> Path:
    """The clip's MP4, which must exist."""
    path = video_path(folder, clip_id)
    if not path.is_file():
        raise InputError(f"{path}: not found; run `{WRITER}` first")
    return path


def video_path(folder: Path, clip_id: str) -> Path:
    return folder / f"{check_name(clip_id, 'clip_id')}.mp4"


def sidecar_path(folder: Path, clip_id: str) -> Path:
    return folder / f"{check_name(clip_id, 'clip_id')}.json"


def sidecar(folder: Path, clip_id: str, kind: type[R]) -> R | None:
    """The clip's sidecar as ``kind``, or None when it is absent, unreadable or of another
    layout (not finished: the clip is made again)."""
    path = sidecar_path(folder, clip_id)
    if not path.is_file():
        return None
    try:
        return kind.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, ValidationError):
        return None


def read_sidecar(folder: Path, clip_id: str) -> GenerationRecord | None:
    """The generated clip's sidecar, or None when it is not finished."""
    return sidecar(folder, clip_id, GenerationRecord)


def write_sidecar(folder: Path, record: Record) -> None:
    write_json(sidecar_path(folder, record.clip_id), record.model_dump(mode="json"))


def write_records(folder: Path, records: Sequence[Record], name: str) -> None:
    write_jsonl(folder / name, (r.model_dump(mode="json") for r in records))


def iter_records(folder: Path, kind: type[R], name: str, writer: str) -> Iterator[tuple[str, R]]:
    """(clip id, record) of every clip of the log ``name`` (the last whole run's), in plan
    order, a line at a time; a line not of ``kind`` is a one-line error naming it."""
    path = folder / name
    if not path.is_file():
        raise InputError(f"{path}: not found; run `{writer}` first")

    def parsed() -> Iterator[tuple[str, R]]:
        for i, line in enumerate(iter_jsonl(path), 1):
            try:
                record = kind.model_validate(line)
            except ValidationError as exc:
                err = exc.errors()[0]
                where = ".".join(str(p) for p in err["loc"])
                raise InputError(f"{path}: line {i}: {where}: {err['msg']}; rerun `{writer}`"
                                 ) from None
            yield record.clip_id, record

    return parsed()


def write_log(folder: Path, records: Sequence[GenerationRecord]) -> None:
    write_records(folder, records, LOG)


def iter_log(folder: Path) -> Iterator[tuple[str, GenerationRecord]]:
    """(clip id, record) of every clip the last whole run finished, in plan order."""
    return iter_records(folder, GenerationRecord, LOG, WRITER)


def read_log(folder: Path) -> dict[str, GenerationRecord]:
    """clip id → its record (sidecar), for every clip the last whole run finished."""
    return dict(iter_log(folder))


def rejects_path(folder: Path, shard: str | None = None) -> Path:
    """The rejects file: the whole run's, or a shard's own (``rejects.<shard>.csv``)."""
    return folder / (f"rejects.{shard}.csv" if shard else REJECTS)


def write_rejects(folder: Path, rejects: Sequence[tuple[str, str]], shard: str | None = None) -> None:
    """The failed clips with their reasons; a shard (``shard-i-of-n``) writes its own file."""
    write_csv(rejects_path(folder, shard), pd.DataFrame(list(rejects), columns=REJECT_COLUMNS))


def shard_rejects(folder: Path) -> list[Path]:
    """The rejects files shards left (a whole run supersedes them: it retries their clips)."""
    return sorted(folder.glob("rejects.shard-*-of-*.csv"))


def prune(folder: Path, keep: set[str]) -> list[str]:
    """Remove clip files of clips no longer in the plan (the folder persists across runs)."""
    removed = []
    for p in sorted(folder.iterdir()):
        if p.is_file() and p.suffix in CLIP_SUFFIXES and p.stem not in keep:
            p.unlink()
            removed.append(p.name)
    return removed
