"""Summaries against real datasets: the same metrics on every dataset, one comparison table
(mean ± std and median per dataset, metric and mode), next to the paper's reported Table 2."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import pandas as pd
from tqdm import tqdm

from equime.datasets.params import LocalDataset
from equime.datasets.registry import load_configured
from equime.plots import figure_png, pyplot
from equime.quality.images import image_metrics
from equime.quality.metrics import check_metrics
from equime.quality.params import QualityParams, SummarizeParams

log = logging.getLogger(__name__)
PAPER_NAMES = {"samm": "SAMM", "smic": "SMIC", "miex": "MiE-X", "synthetic": "EquiME"}
PACKAGE_DATA = ("data/paper_table2.csv",)  # files under src/equime this module reads
PAPER_TABLE = PACKAGE_DATA[0]


def paper_table() -> pd.DataFrame:
    """The paper's Table 2 as reported (package data, see data/PROVENANCE.md)."""
    with resources.as_file(resources.files("equime") / PAPER_TABLE) as path:
        return pd.read_csv(path).set_index("dataset")


def clip_table(dataset: str, clips: Iterable[tuple[str, Any]], q: QualityParams) -> pd.DataFrame:
    """One row per clip: ``clips`` yields (clip id, a callable returning its frames)."""
    rows = []
    for clip_id, load in tqdm(list(clips), desc=f"summarize[{dataset}]", unit="clip"):
        rows.append({"dataset": dataset, "clip_id": clip_id, **image_metrics(load(), q)})
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


def plot_distributions(tables: dict[str, pd.DataFrame], metrics: list[str], mode: str) -> bytes:
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
    return figure_png(fig)


def summary_metrics(table: pd.DataFrame) -> dict[str, Any]:
    """{dataset: {mode_metric: mean}} for DVC (so `dvc metrics diff` shows changes)."""
    out: dict[str, Any] = {}
    for r in table.itertuples():
        out.setdefault(r.dataset, {})[f"{r.mode}_{r.metric}"] = r.mean
    return out


@dataclass(frozen=True)
class Summary:
    tables: dict[str, pd.DataFrame]  # dataset → one row per clip
    comparison: pd.DataFrame  # dataset × mode × metric, beside the paper's Table 2
    plots: dict[str, bytes]  # mode → box plots (PNG)


def summarize(quality: pd.DataFrame, verdicts: pd.DataFrame,
              datasets: Mapping[str, LocalDataset], s: SummarizeParams,
              q: QualityParams) -> Summary:
    """The quality stage's image metrics on the synthetic set (its passing clips) and on every
    configured real dataset (at most ``s.max_clips`` each), compared in one table."""
    check_metrics(q.metrics)
    tables = {"synthetic": synthetic_table(quality, verdicts)}
    for name, cfg in sorted(datasets.items()):
        data = load_configured(name, cfg)
        if data is None:
            log.info("summarize: %s not configured (datasets.%s.root), skipped", name, name)
            continue
        for problem in data.problems:
            log.warning("%s: %s", name, problem)
        samples = data.samples[: s.max_clips] if s.max_clips else data.samples
        tables[name] = clip_table(name, [(x.clip_id, x.load_frames) for x in samples], q)
    log.info("summarize: %s", ", ".join(f"{k} ({len(v)} clips)" for k, v in tables.items()))
    return Summary(tables, comparison(tables, q.metrics, q.modes),
                   {mode: plot_distributions(tables, list(q.metrics), mode) for mode in q.modes})
