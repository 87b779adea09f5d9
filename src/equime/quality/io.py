"""Reading the quality stage's files (one place for their checks)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from equime.errors import InputError

REQUIRED = ("clip_id", "peak_motion_px", "half_peak_s", "head_motion_px", "au_fidelity")


def read_quality(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(f"{path}: not found; run `equime quality` first")
    table = pd.read_csv(path)
    for col in ("aus_visible", "aus_missing", "aus_unplanned", "au_note"):
        if col in table.columns:
            table[col] = table[col].fillna("").astype(str)
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing and len(table):
        raise InputError(f"{path}: missing columns {missing}; rerun `equime quality`")
    return table


def quality_records(table: pd.DataFrame) -> list[dict]:
    """Rows as plain Python values (NaN → None), ready for JSON metadata."""
    return json.loads(table.to_json(orient="records"))


def read_verdicts(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(f"{path}: not found; run `equime filter` first")
    table = pd.read_csv(path, keep_default_na=False)
    if not {"clip_id", "passed", "reasons"} <= set(table.columns):
        raise InputError(f"{path}: needs columns clip_id, passed, reasons; rerun `equime filter`")
    table["passed"] = table["passed"].astype(str).str.lower() == "true"
    return table
