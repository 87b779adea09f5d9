"""An evaluated run (``data/evaluation/<run>``): ``results.csv`` (accuracy, UF1, UAR with 95 %
bootstrap CIs, all clips and per dataset), ``groups.csv`` (per demographic group and the largest
gaps), ``per_class.csv`` and the plots ``confusion_<run>.png``, ``groups_<run>.png``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from equime.files import staged_dir, write_bytes, write_csv

if TYPE_CHECKING:
    from equime.baselines.evaluate import Evaluation

EVALUATIONS = "data/evaluation"  # one folder per run
PATH = f"{EVALUATIONS}/{{run}}"
FILES = ("results.csv", "groups.csv", "per_class.csv", "confusion_{run}.png", "groups_{run}.png")


def plots(folder: Path, run: str) -> list[Path]:
    return [folder / f"confusion_{run}.png", folder / f"groups_{run}.png"]


def write(out: Path, run: str, ev: Evaluation) -> None:
    with staged_dir(out) as staging:
        write_csv(staging / "results.csv", ev.results)
        write_csv(staging / "groups.csv", ev.groups)
        write_csv(staging / "per_class.csv", ev.per_class)
        for path, png in zip(plots(staging, run), (ev.confusion_png, ev.groups_png), strict=True):
            write_bytes(path, png)


def read_runs(evaluation: Path) -> dict[str, dict[str, pd.DataFrame]]:
    """run → its tables (results, per_class, groups), for every evaluated run under the folder."""
    out = {}
    for results in sorted(evaluation.glob("*/results.csv")):
        folder = results.parent
        tables = {"results": pd.read_csv(results)}
        if (folder / "per_class.csv").is_file():
            tables["per_class"] = pd.read_csv(folder / "per_class.csv")
        if (folder / "groups.csv").is_file():
            tables["groups"] = pd.read_csv(folder / "groups.csv", keep_default_na=False)
        out[folder.name] = tables
    return out
