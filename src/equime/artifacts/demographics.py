"""Who is represented at each step: ``data/demographics`` holds ``groups.csv`` (count and share
per step × attribute × group) and ``demographics.png``; the balance indices per step × attribute
(with the paper's) are ``metrics/demographics_balance.csv``, kept in git (a DVC plot,
``cache: false``) so that ``dvc plots diff`` compares any two commits."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from equime.files import staged_dir, write_bytes, write_csv

PATH = "data/demographics"
FILES = ("groups.csv", "demographics.png")
BALANCE = "metrics/demographics_balance.csv"
GIT_TABLES = (BALANCE,)  # the outputs kept in git (cache: false)
GROUP_COLUMNS = ["step", "attribute", "group", "count", "share"]


def write(out: Path, balance_path: Path, groups: pd.DataFrame, balances: pd.DataFrame,
          plot_png: bytes) -> None:
    with staged_dir(out) as staging:
        write_csv(staging / "groups.csv", groups)
        write_bytes(staging / "demographics.png", plot_png)
    write_csv(balance_path, balances)


def read_balance(path: Path) -> pd.DataFrame | None:
    return pd.read_csv(path) if path.is_file() else None


def plot(folder: Path) -> Path | None:
    path = folder / "demographics.png"
    return path if path.is_file() else None
