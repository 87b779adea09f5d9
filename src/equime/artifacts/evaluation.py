"""An evaluated run: ``data/evaluation/<run>`` holds ``per_class.csv`` and the plots
``confusion_<run>.png``, ``groups_<run>.png``; its scores, ``metrics/evaluation/<run>/results.csv``
(accuracy, UF1, UAR with 95 % bootstrap CIs, all clips and per dataset) and ``groups.csv`` (per
demographic group and the largest gaps), are kept in git (DVC plots, ``cache: false``) so that
``dvc plots diff`` compares any two commits."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from equime.files import staged_dir, write_bytes, write_csv

if TYPE_CHECKING:
    from equime.baselines.evaluate import Evaluation

EVALUATIONS = "data/evaluation"  # one folder per run
PATH = f"{EVALUATIONS}/{{run}}"
FILES = ("per_class.csv", "confusion_{run}.png", "groups_{run}.png")
SCORES = "metrics/evaluation"  # one folder per run, in git
RESULTS = f"{SCORES}/{{run}}/results.csv"
GROUPS = f"{SCORES}/{{run}}/groups.csv"
GIT_TABLES = (RESULTS, GROUPS)  # the outputs kept in git (cache: false)


def plots(folder: Path, run: str) -> list[Path]:
    return [folder / f"confusion_{run}.png", folder / f"groups_{run}.png"]


def write(out: Path, results_path: Path, groups_path: Path, run: str, ev: Evaluation) -> None:
    with staged_dir(out) as staging:
        write_csv(staging / "per_class.csv", ev.per_class)
        for path, png in zip(plots(staging, run), (ev.confusion_png, ev.groups_png), strict=True):
            write_bytes(path, png)
    write_csv(results_path, ev.results)
    write_csv(groups_path, ev.groups)


def read_runs(evaluation: Path, scores: Path) -> dict[str, dict[str, pd.DataFrame]]:
    """run → its tables (results, per_class, groups), for every run with scores under
    ``scores`` (its per-class table from ``evaluation``)."""
    out = {}
    for results in sorted(scores.glob("*/results.csv")):
        run = results.parent.name
        tables = {"results": pd.read_csv(results)}
        if (per_class := evaluation / run / "per_class.csv").is_file():
            tables["per_class"] = pd.read_csv(per_class)
        if (groups := results.parent / "groups.csv").is_file():
            tables["groups"] = pd.read_csv(groups, keep_default_na=False)
        out[run] = tables
    return out
