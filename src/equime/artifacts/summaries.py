"""The comparison with real datasets (``data/summaries``): ``summary_metrics_<dataset>.csv`` (one
row per clip), ``summary_table.csv`` (mean, std, median per dataset × mode × metric beside the
paper's Table 2) and ``distributions_<mode>.png``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from equime.files import staged_dir, write_bytes, write_csv

PATH = "data/summaries"
FILES = ("summary_metrics_*.csv", "summary_table.csv", "distributions_*.png")
TABLE = "summary_table.csv"


def write(out: Path, tables: Mapping[str, pd.DataFrame], comparison: pd.DataFrame,
          plots: Mapping[str, bytes]) -> None:
    with staged_dir(out) as staging:
        for name, table in tables.items():
            write_csv(staging / f"summary_metrics_{name}.csv", table)
        write_csv(staging / TABLE, comparison)
        for mode, png in plots.items():
            write_bytes(staging / f"distributions_{mode}.png", png)


def read_table(folder: Path) -> pd.DataFrame | None:
    """The comparison table, or None when the stage has not run."""
    path = folder / TABLE
    return pd.read_csv(path) if path.is_file() else None


def plots(folder: Path) -> dict[str, Path]:
    """mode → its distributions plot."""
    return {p.stem.split("_", 1)[1]: p for p in sorted(folder.glob("distributions_*.png"))}
