"""Counts and shares per demographic group at each step (sources → selected → planned →
exported), balance indices, and the plot that makes a skew visible at a glance."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import entropy

from equime.artifacts.demographics import GROUP_COLUMNS
from equime.artifacts.face_attributes import Demography
from equime.attributes.labels import UNKNOWN
from equime.demographics.cells import CELL_KEYS, label_set
from equime.demographics.select import pool_table
from equime.plots import figure_png, pyplot

STEPS: tuple[str, ...] = ("sources", "selected", "planned", "exported")
PACKAGE_DATA = ("data/paper_demographics.csv",)  # files under src/equime this module reads
PAPER_DEMOGRAPHICS = PACKAGE_DATA[0]


def paper_demographics() -> pd.DataFrame:
    """The paper's reported shares (``attribute, group, share``); see data/PROVENANCE.md."""
    with resources.files("equime").joinpath(PAPER_DEMOGRAPHICS).open() as f:
        return pd.read_csv(f)


def funnel(faces: Mapping[str, Demography], chosen: pd.DataFrame, planned: Sequence[str],
           exported: Sequence[str], edges: Sequence[int]) -> dict[str, pd.DataFrame]:
    """Who is represented at each step: every source face, the chosen subjects, and one row per
    planned and per exported clip (its subject's demography)."""
    by_subject = chosen.set_index("subject_id")
    return {"sources": pool_table(faces, edges), "selected": chosen,
            "planned": by_subject.loc[list(planned)], "exported": by_subject.loc[list(exported)]}


def group_table(steps: Mapping[str, pd.DataFrame], edges: Sequence[int]) -> pd.DataFrame:
    """One row per (step, attribute, group) incl. unknown and empty groups; share of the step."""
    rows = []
    for step, table in steps.items():
        n = len(table)
        for key in CELL_KEYS:
            values = table[key].fillna(UNKNOWN).replace("", UNKNOWN) if n else pd.Series(dtype=str)
            counts = values.value_counts().to_dict()
            for group in [*label_set(key, edges), UNKNOWN]:
                c = int(counts.get(group, 0))
                rows.append({"step": step, "attribute": key, "group": group, "count": c,
                             "share": round(c / n, 6) if n else 0.0})
    return pd.DataFrame(rows, columns=GROUP_COLUMNS)


def balance(shares: Sequence[float]) -> dict[str, float | None]:
    """Normalised Shannon entropy (1 = uniform over the known groups) and min/max share ratio
    (0 when a group is absent); computed over known groups only."""
    p = np.asarray(shares, dtype=np.float64)
    if p.size < 2 or p.sum() <= 0:
        return {"entropy": None, "min_max_ratio": None}
    return {"entropy": round(float(entropy(p / p.sum()) / np.log(p.size)), 4),
            "min_max_ratio": round(float(p.min() / p.max()), 4)}


def balance_table(groups: pd.DataFrame) -> pd.DataFrame:
    """Per (step, attribute): n, unknown share and the balance indices, plus the paper's."""
    rows = []
    for (step, key), g in groups.groupby(["step", "attribute"], sort=False):
        known = g[g["group"] != UNKNOWN]
        rows.append({"step": step, "attribute": key, "n": int(g["count"].sum()),
                     "unknown_share": round(float(g.loc[g["group"] == UNKNOWN, "share"].sum()), 6),
                     **balance(known["count"].tolist())})
    paper = paper_demographics()
    for key, g in paper.groupby("attribute", sort=False):
        full = [float(g.loc[g["group"] == v, "share"].sum())
                for v in label_set(str(key), ())]
        rows.append({"step": "paper", "attribute": key, "n": None, "unknown_share": 0.0,
                     **balance(full)})
    return pd.DataFrame(rows).astype({"n": "Int64"})


def demographics_metrics(balances: pd.DataFrame) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for r in balances.itertuples():
        out.setdefault(r.step, {})[r.attribute] = {
            k: int(v) if k == "n" else v
            for k in ("n", "unknown_share", "entropy", "min_max_ratio")
            for v in [getattr(r, k)] if v is not None and not pd.isna(v)}
    return out


def plot_demographics(groups: pd.DataFrame, balances: pd.DataFrame) -> bytes:
    """Share of each group per step (bars), the paper's reported share (black ticks) and the
    normalised entropy per step in each title (1 = uniform), PNG."""
    plt = pyplot()

    paper = paper_demographics()
    steps = list(dict.fromkeys(groups["step"]))
    fig, axes = plt.subplots(1, len(CELL_KEYS), figsize=(5 * len(CELL_KEYS), 4), dpi=100)
    for ax, key in zip(axes, CELL_KEYS, strict=True):
        g = groups[groups["attribute"] == key]
        labels = list(dict.fromkeys(g["group"]))
        y = np.arange(len(labels))
        height = 0.8 / max(len(steps), 1)
        for i, step in enumerate(steps):
            s = g[g["step"] == step].set_index("group").reindex(labels)["share"].fillna(0)
            ax.barh(y + i * height, s.to_numpy(), height, label=step)
        ref = paper[paper["attribute"] == key].set_index("group")["share"]
        for j, label in enumerate(labels):
            if label in ref.index:
                ax.plot([ref[label]] * 2, [y[j] - 0.05, y[j] + 0.85], "k-", lw=2, label="paper")
        ax.set_yticks(y + 0.4 - height / 2, labels)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel("share")
        b = balances[balances["attribute"] == key].set_index("step")["entropy"]
        index = " · ".join(f"{k} {v:.2f}" for k, v in b.items() if v == v and v is not None)
        ax.set_title(f"{key.replace('_', ' ')}\nnormalised entropy: {index}", fontsize=7.5)
        handles, names = ax.get_legend_handles_labels()
        unique = dict(zip(names, handles, strict=True))
        ax.legend(unique.values(), unique.keys(), fontsize=7, loc="lower right")
    fig.tight_layout()
    return figure_png(fig)
