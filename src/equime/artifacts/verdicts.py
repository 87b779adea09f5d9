"""The filter's verdicts (``data/verdicts.csv``): pass/fail per measured clip with every reason."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from equime.errors import InputError
from equime.files import write_csv

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
    table["passed"] = table["passed"].astype(str).str.lower() == "true"
    return table


def by_clip(table: pd.DataFrame) -> dict[str, tuple[bool, str]]:
    """clip id → (passed, reasons)."""
    return {r.clip_id: (bool(r.passed), r.reasons) for r in table.itertuples()}
