"""Summaries against real datasets: the same metrics on every dataset, one comparison table
(mean ± std and median per dataset, metric and mode), next to the paper's reported Table 2."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from equime.files import write_bytes
from equime.plots import figure_png, pyplot
from equime.quality.assess import QualitySettings, image_metrics

log = logging.getLogger(__name__)
PAPER_NAMES = {"samm": "SAMM", "smic": "SMIC", "miex": "MiE-X", "synthetic": "EquiME"}


def paper_table() -> pd.DataFrame:
    """The paper's Table 2 as reported (package data, see data/PROVENANCE.md)."""
    with resources.as_file(resources.files("equime") / "data" / "paper_table2.csv") as path:
        return pd.read_csv(path).set_index("dataset")


def clip_table(dataset: str, clips: Iterable[tuple[str, Any]], settings: QualitySettings) -> pd.DataFrame:
    """One row per clip: ``clips`` yields (clip id, a callable returning its frames)."""
    rows = []
    for clip_id, load in tqdm(list(clips), desc=f"summarize[{dataset}]", unit="clip"):
        rows.append({"dataset": dataset, "clip_id": clip_id, **image_metrics(load(), settings)})
    return pd.DataFrame(rows)


def synthetic_table(quality: pd.DataFrame, verdicts: pd.DataFrame) -> pd.DataFrame:
    """The synthetic set's rows: the quality stage's measurements of the clips that passed."""
    passed = set(verdicts.loc[verdicts["passed"], "clip_id"])
    keep = [c for c in quality.columns if c == "clip_id" or c.startswith(("standard_", "paper_"))]
    table = quality.loc[quality["clip_id"].isin(passed), keep].copy()
    table.insert(0, "dataset", "synthetic")
    return table.reset_index(drop=True)


def comparison(tables: dict[str, pd.DataFrame], metrics: Iterable[str], modes: Iterable[str]) -> pd.DataFrame:
    """mean, std, median, n per dataset × mode × metric (of the per-clip means), plus the paper's
    reported value for that dataset and metric where it has one."""
    reported = paper_table()
    rows = []
    for dataset, table in tables.items():
        for mode in modes:
            for metric in metrics:
                col = f"{mode}_{metric}_mean"
                if col not in table:
                    continue
                v = table[col].dropna()
                paper_name = PAPER_NAMES.get(dataset)
                paper = (reported.at[paper_name, metric] if paper_name in reported.index
                         and metric in reported.columns else None)
                rows.append({"dataset": dataset, "mode": mode, "metric": metric, "n": len(v),
                             "mean": round(float(v.mean()), 4), "std": round(float(v.std(ddof=0)), 4),
                             "median": round(float(v.median()), 4), "paper_reported": paper})
    return pd.DataFrame(rows, columns=["dataset", "mode", "metric", "n", "mean", "std", "median",
                                       "paper_reported"])


def plot_distributions(tables: dict[str, pd.DataFrame], metrics: list[str], mode: str,
                       path: Path) -> None:
    """One box plot per metric, one box per dataset, the paper's reported mean as a red × (PNG)."""
    plt = pyplot()

    fig, axes = plt.subplots(1, len(metrics), figsize=(4 * len(metrics), 3.5), dpi=100, squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        col = f"{mode}_{metric}_mean"
        data = {d: t[col].dropna().to_numpy() for d, t in tables.items() if col in t}
        ax.boxplot(list(data.values()), tick_labels=list(data.keys()))
        reported = paper_table()
        for i, dataset in enumerate(data, start=1):
            name = PAPER_NAMES.get(dataset)
            if name in reported.index and metric in reported.columns:
                ax.plot([i], [reported.at[name, metric]], "rx", ms=9,
                        label="paper's Table 2" if i == 1 else None)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="best", fontsize=8)
        ax.set_title(f"{metric} ({mode} mode), per clip")
    fig.tight_layout()
    write_bytes(path, figure_png(fig))


def summary_metrics(table: pd.DataFrame) -> dict[str, Any]:
    """{dataset: {mode_metric: mean}} for DVC (so `dvc metrics diff` shows changes)."""
    out: dict[str, Any] = {}
    for r in table.itertuples():
        out.setdefault(r.dataset, {})[f"{r.mode}_{r.metric}"] = r.mean
    return out
