"""Reading coding sheets (xlsx/csv) whose header row may come after some text rows."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from equime.errors import InputError


def read_sheet(path: Path, required: Sequence[str]) -> pd.DataFrame:
    """The first table in ``path`` whose header row holds every ``required`` column
    (case- and space-insensitive); columns are renamed to the ``required`` spelling."""
    if not path.is_file():
        raise InputError(f"{path}: coding sheet not found; fix its path in params (datasets)")
    try:
        raw = (pd.read_csv(path, header=None, dtype=str) if path.suffix.lower() == ".csv"
               else pd.read_excel(path, header=None, dtype=str))
    except (ValueError, OSError) as exc:
        raise InputError(f"{path}: cannot read the coding sheet ({exc})") from None
    key = {c.lower().replace(" ", ""): c for c in required}
    for i, row in raw.iterrows():
        names = {str(v).strip().lower().replace(" ", ""): j for j, v in row.items() if pd.notna(v)}
        if set(key) <= set(names):
            table = raw.iloc[i + 1:, [names[k] for k in key]]
            table.columns = list(key.values())
            return table.dropna(how="all").reset_index(drop=True)
    raise InputError(f"{path}: no header row with columns {list(required)}; is it the right sheet?")
