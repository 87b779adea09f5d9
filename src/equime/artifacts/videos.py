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
from typing import Any

import pandas as pd

from equime.errors import InputError
from equime.files import check_name, iter_jsonl, read_jsonl, write_csv, write_json, write_jsonl

PATH = "data/videos"
FILES = ("*.mp4", "*.json", "generation.jsonl", "rejects.csv", "rejects.shard-*-of-*.csv")
LOG = "generation.jsonl"
REJECTS = "rejects.csv"
REJECT_COLUMNS = ["clip_id", "reason"]
CLIP_SUFFIXES = (".mp4", ".json")
WRITER = "dvc repro generate"


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


def read_sidecar(folder: Path, clip_id: str) -> dict[str, Any] | None:
    """The clip's sidecar record, or None when it is absent or unreadable (not finished)."""
    path = sidecar_path(folder, clip_id)
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return None
    return record if isinstance(record, dict) else None


def write_sidecar(folder: Path, record: dict[str, Any]) -> None:
    write_json(sidecar_path(folder, record["clip_id"]), record)


def write_log(folder: Path, records: Sequence[dict[str, Any]], name: str = LOG) -> None:
    write_jsonl(folder / name, list(records))


def iter_log(folder: Path, name: str = LOG, writer: str = WRITER,
             ) -> Iterator[tuple[str, dict[str, Any]]]:
    """(clip id, record) of every clip the last whole run finished, in plan order, a line at a
    time."""
    path = folder / name
    if not path.is_file():
        raise InputError(f"{path}: not found; run `{writer}` first")
    return ((r["clip_id"], r) for r in iter_jsonl(path))


def read_log(folder: Path, name: str = LOG, writer: str = WRITER) -> dict[str, dict[str, Any]]:
    """clip id → its record (sidecar), for every clip the last whole run finished."""
    path = folder / name
    if not path.is_file():
        raise InputError(f"{path}: not found; run `{writer}` first")
    return {r["clip_id"]: r for r in read_jsonl(path)}


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
