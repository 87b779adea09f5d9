"""Human-review results (``data/review``): ``clips.csv`` (per sampled clip: ratings, majority
label and share, votes, visible / micro shares, mean realism) and ``summary.json`` (agreement,
accuracy against the plan, realism distribution)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from equime.files import staged_dir, write_csv, write_json

PATH = "data/review"
FILES = ("clips.csv", "summary.json")
CLIP_COLUMNS = ["clip_id", "planned", "ratings", "majority", "majority_share", "votes",
                "visible_share", "micro_share", "realism_mean"]
WRITER = "dvc repro review"


def write(out: Path, clips: pd.DataFrame, summary: dict[str, Any]) -> None:
    with staged_dir(out) as staging:
        write_csv(staging / "clips.csv", clips[CLIP_COLUMNS])
        write_json(staging / "summary.json", summary)


def read_summary(folder: Path) -> dict[str, Any] | None:
    import json

    path = folder / "summary.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def read_clips(folder: Path) -> pd.DataFrame | None:
    path = folder / "clips.csv"
    return pd.read_csv(path, keep_default_na=False) if path.is_file() else None


def by_clip(folder: Path) -> dict[str, dict[str, Any]]:
    """clip id → its results, for the reviewed clips (those with ratings)."""
    from equime.errors import InputError

    path = folder / "clips.csv"
    if not path.is_file():
        raise InputError(f"{path}: not found; run `{WRITER}` first")
    shares = ("majority_share", "visible_share", "micro_share", "realism_mean")
    table = pd.read_csv(path, dtype={"clip_id": str, "planned": str, "majority": str,
                                     "votes": str}, keep_default_na=False,
                        na_values={key: [""] for key in shares})
    return {r["clip_id"]: r for r in table.to_dict("records") if r["ratings"]}
