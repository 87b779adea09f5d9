"""The filter's verdicts (``data/verdicts.csv``): pass/fail per measured clip with every reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from equime.errors import InputError
from equime.files import csv_chunks, write_csv

PATH = "data/verdicts.csv"
COLUMNS = ["clip_id", "passed", "reasons"]
WRITER = "dvc repro filter"


def write(path: Path, table: pd.DataFrame) -> None:
    write_csv(path, table[COLUMNS])


def read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(f"{path}: not found; run `{WRITER}` first")
    table = pd.read_csv(path, keep_default_na=False)
    if not set(COLUMNS) <= set(table.columns):
        raise InputError(f"{path}: needs columns {', '.join(COLUMNS)}; rerun `{WRITER}`")
    return _typed(table)


def _typed(table: pd.DataFrame) -> pd.DataFrame:
    table["passed"] = table["passed"].astype(str).str.lower() == "true"
    return table


def iter_by_clip(path: Path) -> Iterator[tuple[str, tuple[bool, str]]]:
    """(clip id, (passed, reasons)) in the file's order (the plan's), a chunk at a time."""
    for part in csv_chunks(path, COLUMNS, WRITER, keep_default_na=False):
        yield from by_clip(_typed(part)).items()


def by_clip(table: pd.DataFrame) -> dict[str, tuple[bool, str]]:
    """clip id → (passed, reasons)."""
    return {r.clip_id: (bool(r.passed), r.reasons) for r in table.itertuples()}
