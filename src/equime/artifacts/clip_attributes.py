"""Who each clip appears to be (``data/attributes/clips``): ``clips.csv`` (per clip, with its
identity-consistency flags) and ``frames.jsonl`` (every analysed frame's record)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from equime.files import csv_chunks, read_table, staged_dir, write_csv, write_jsonl

PATH = "data/attributes/clips"
FILES = ("clips.csv", "frames.jsonl")
COLUMNS = [
    "clip_id", "subject", "attributes_source", "frames_analysed", "frames_no_face", "age_mean",
    "age_median", "age_iqr", "gender", "gender_share", "race", "race_share", "emotion",
    "emotion_shares", "gender_agreement", "race_agreement", "age_shift", "no_face_share",
    "consistent", "flags",
]
WRITER = "dvc repro attributes_clips"


def write(out: Path, table: pd.DataFrame, frames: Sequence[dict[str, Any]]) -> None:
    with staged_dir(out) as staging:
        write_csv(staging / "clips.csv", table)
        write_jsonl(staging / "frames.jsonl", list(frames))


_READ = {"dtype": {"clip_id": str, "subject": str, "flags": str}, "keep_default_na": False,
         "na_values": [""]}


def read(path: Path) -> pd.DataFrame:
    """``clips.csv``; ``flags`` is '' for a consistent clip."""
    table = read_table(path, COLUMNS, WRITER, **_READ)
    table["flags"] = table["flags"].fillna("")
    return table


def iter_by_clip(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(clip id, record as :func:`by_clip` gives it) in the file's order (the plan's), a chunk
    of rows in memory at a time."""
    for part in csv_chunks(path, COLUMNS, WRITER, **_READ):
        part["flags"] = part["flags"].fillna("")
        yield from by_clip(part).items()


def by_clip(table: pd.DataFrame) -> dict[str, dict[str, Any]]:
    return {r["clip_id"]: r for r in table.to_dict("records")}


def flags_by_clip(table: pd.DataFrame) -> dict[str, str]:
    """clip id → its identity flags ('' when consistent)."""
    return dict(zip(table["clip_id"], table["flags"], strict=True))
