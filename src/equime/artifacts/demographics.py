"""Who is represented at each step (``data/demographics``): ``groups.csv`` (count and share per
step × attribute × group), ``balance.csv`` (balance indices per step × attribute, with the
paper's) and ``demographics.png``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from equime.files import staged_dir, write_bytes, write_csv

PATH = "data/demographics"
FILES = ("groups.csv", "balance.csv", "demographics.png")
GROUP_COLUMNS = ["step", "attribute", "group", "count", "share"]


def write(out: Path, groups: pd.DataFrame, balances: pd.DataFrame, plot_png: bytes) -> None:
    with staged_dir(out) as staging:
        write_csv(staging / "groups.csv", groups)
        write_csv(staging / "balance.csv", balances)
        write_bytes(staging / "demographics.png", plot_png)


def read_balance(folder: Path) -> pd.DataFrame | None:
    path = folder / "balance.csv"
    return pd.read_csv(path) if path.is_file() else None


def plot(folder: Path) -> Path | None:
    path = folder / "demographics.png"
    return path if path.is_file() else None
