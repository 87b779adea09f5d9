"""From ratings to results: per-clip majority label, accuracy against the planned emotion,
Fleiss' kappa (statsmodels) and the realism distribution."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

from equime.artifacts.review import CLIP_COLUMNS
from equime.review.questions import EMOTION_CHOICES, REALISM_RANGE

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may read as a formula


def formula_safe(table: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """A copy of ``table`` whose text cells in ``columns`` that a spreadsheet would run as a
    formula (starting with = + - @, tab or CR) get a leading single quote (the OWASP rule)."""
    out = table.copy()
    for column in columns:
        out[column] = out[column].map(
            lambda v: f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_START) else v)
    return out


def clip_results(ratings: pd.DataFrame, planned: pd.DataFrame) -> pd.DataFrame:
    """One row per sampled clip (rated or not); ties in the vote go to the choice listed first."""
    rows = []
    for r in planned.itertuples():
        mine = ratings[ratings["clip_id"] == r.clip_id]
        votes = Counter(mine["emotion"])
        majority = min(votes, key=lambda e: (-votes[e], EMOTION_CHOICES.index(e))) if votes else ""
        n = len(mine)
        rows.append({
            "clip_id": r.clip_id, "planned": r.emotion, "ratings": n, "majority": majority,
            "majority_share": round(votes[majority] / n, 4) if n else None,
            "votes": ";".join(f"{e}:{votes[e]}" for e in EMOTION_CHOICES if votes[e]),
            "visible_share": round(float(mine["visible"].astype(bool).mean()), 4) if n else None,
            "micro_share": round(float((mine["timing"] == "micro").mean()), 4) if n else None,
            "realism_mean": round(float(mine["realism"].mean()), 4) if n else None,
        })
    return pd.DataFrame(rows, columns=CLIP_COLUMNS)


def agreement(ratings: pd.DataFrame) -> tuple[float | None, int]:
    """Fleiss' kappa on the emotion label over clips rated by the most raters any clip has
    (the statistic needs the same number of raters per clip); and how many clips that is."""
    if ratings.empty:
        return None, 0
    per_clip = ratings.groupby("clip_id")["rater"].nunique()
    k = int(per_clip.max())
    clips = sorted(per_clip[per_clip == k].index)
    if k < 2 or not clips:
        return None, 0
    table = (ratings[ratings["clip_id"].isin(clips)]
             .pivot(index="clip_id", columns="rater", values="emotion").dropna(axis=1))
    codes = table.apply(lambda col: col.map(EMOTION_CHOICES.index)).to_numpy()
    counts, _ = aggregate_raters(codes, n_cat=len(EMOTION_CHOICES))
    value = float(fleiss_kappa(counts, method="fleiss"))
    return (None if np.isnan(value) else round(value, 4)), len(clips)


def review_summary(ratings: pd.DataFrame, clips: pd.DataFrame) -> dict[str, Any]:
    rated = clips[clips["ratings"] > 0]
    kappa, kappa_clips = agreement(ratings)
    lo, hi = REALISM_RANGE
    realism = Counter(int(x) for x in ratings["realism"])
    return {
        "clips_sampled": len(clips),
        "clips_rated": len(rated),
        "raters": int(ratings["rater"].nunique()),
        "ratings": len(ratings),
        "accuracy_majority": round(float((rated["majority"] == rated["planned"]).mean()), 4)
        if len(rated) else None,
        "accuracy_ratings": round(float((ratings["emotion"].to_numpy() == ratings["clip_id"].map(
            dict(zip(clips["clip_id"], clips["planned"], strict=True))).to_numpy()).mean()), 4)
        if len(ratings) else None,
        "fleiss_kappa": kappa,
        "fleiss_kappa_clips": kappa_clips,
        "visible_share": round(float(ratings["visible"].astype(bool).mean()), 4) if len(ratings) else None,
        "micro_share": round(float((ratings["timing"] == "micro").mean()), 4) if len(ratings) else None,
        "realism": {str(s): realism.get(s, 0) for s in range(lo, hi + 1)},
    }


def review_results(sample: pd.DataFrame, ratings: pd.DataFrame) -> tuple[pd.DataFrame,
                                                                          dict[str, Any]]:
    """The review stage: per-clip results and the summary."""
    clips = clip_results(ratings, sample)
    return clips, review_summary(ratings, clips)
