"""The comparison with real datasets: ``data/summaries`` holds ``summary_metrics_<dataset>.csv``
(one row per clip) and ``distributions_<mode>.png``; the comparison table (mean, std, median per
dataset × mode × metric beside the paper's Table 2) is ``metrics/summary_table.csv``, kept in git
(a DVC plot, ``cache: false``) so that ``dvc plots diff`` compares any two commits."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from equime.files import staged_dir, write_bytes, write_csv

PATH = "data/summaries"
FILES = ("summary_metrics_*.csv", "distributions_*.png")
TABLE = "metrics/summary_table.csv"
GIT_TABLES = (TABLE,)  # the outputs kept in git (cache: false)


def write(out: Path, table_path: Path, tables: Mapping[str, pd.DataFrame],
          comparison: pd.DataFrame, plots: Mapping[str, bytes]) -> None:
    with staged_dir(out) as staging:
        for name, table in tables.items():
            write_csv(staging / f"summary_metrics_{name}.csv", table)
        for mode, png in plots.items():
            write_bytes(staging / f"distributions_{mode}.png", png)
    write_csv(table_path, comparison)


def read_table(path: Path) -> pd.DataFrame | None:
    """The comparison table, or None when the stage has not run."""
    return pd.read_csv(path) if path.is_file() else None


def plots(folder: Path) -> dict[str, Path]:
    """mode → its distributions plot."""
    return {p.stem.split("_", 1)[1]: p for p in sorted(folder.glob("distributions_*.png"))}
