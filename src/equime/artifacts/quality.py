"""Per-clip measurements (``data/quality``): ``clips.csv`` (image metrics per mode, the motion
checks and AU fidelity), ``curves.csv`` (each clip's motion curve, long format), ``rejects.csv``
(clips that could not be measured, with the reason) and ``motion.png`` (the curves)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from equime.errors import InputError
from equime.files import csv_chunks, staged_dir, write_bytes, write_csv

PATH = "data/quality"
FILES = ("clips.csv", "curves.csv", "rejects.csv", "motion.png")
REQUIRED = ("clip_id", "peak_motion_px", "duration_s", "returns_to_neutral", "moving_outside_frames",
            "head_motion_px", "au_fidelity")
TEXT_COLUMNS = ("aus_visible", "aus_missing", "aus_unplanned", "au_note")
REJECT_COLUMNS = ["clip_id", "reason"]
WRITER = "dvc repro quality"


def write(out: Path, records: Sequence[dict[str, Any]], curves: Sequence[dict[str, Any]],
          rejects: Sequence[tuple[str, str]], motion_png: bytes) -> None:
    with staged_dir(out) as staging:
        write_csv(staging / "clips.csv", pd.DataFrame(list(records)))
        write_csv(staging / "curves.csv", pd.DataFrame(list(curves)))
        write_csv(staging / "rejects.csv", pd.DataFrame(list(rejects), columns=REJECT_COLUMNS))
        write_bytes(staging / "motion.png", motion_png)


def read(path: Path) -> pd.DataFrame:
    """``clips.csv`` (the file itself, or its folder); text columns are '' when empty."""
    path = path / "clips.csv" if path.is_dir() else path
    if not path.is_file():
        raise InputError(f"{path}: not found; run `{WRITER}` first")
    table = pd.read_csv(path)
    for col in TEXT_COLUMNS:
        if col in table.columns:
            table[col] = table[col].fillna("").astype(str)
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing and len(table):
        raise InputError(f"{path}: missing columns {missing}; rerun `{WRITER}`")
    return table


def by_clip(table: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """clip id → its record as plain Python values (NaN → None), ready for JSON metadata."""
    return {r["clip_id"]: r for r in json.loads(table.to_json(orient="records"))}


def iter_by_clip(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(clip id, record as :func:`by_clip` gives it) of ``clips.csv``, in its order (the
    plan's), a chunk of rows in memory at a time."""
    path = path / "clips.csv" if path.is_dir() else path
    for part in csv_chunks(path, ("clip_id",), WRITER):
        for col in TEXT_COLUMNS:
            if col in part.columns:
                part[col] = part[col].fillna("").astype(str)
        yield from by_clip(part).items()
