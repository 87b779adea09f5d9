"""The human ratings, committed to git (``review/``): ``sample.csv`` (the clips sampled for
review), ``ratings.csv`` (one row per rater × clip: the latest rating) and ``history.csv`` (every
rating submitted, in order, ``superseded`` where the rater changed it), written by
``equime review import``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from equime.errors import InputError
from equime.files import write_csv
from equime.review.questions import EMOTION_CHOICES, REALISM_RANGE, TIMING_CHOICES

PATH = "review"
FILES = ("sample.csv", "ratings.csv", "history.csv", ".gitignore",
         "review.sqlite*")  # + the app's database
SAMPLE_COLUMNS = ["clip_id", "video", "emotion"]
RATING_COLUMNS = ["rater", "clip_id", "emotion", "visible", "timing", "realism", "artefacts"]


def write(folder: Path, sample: pd.DataFrame, ratings: pd.DataFrame,
          history: pd.DataFrame | None = None) -> None:
    write_csv(folder / "sample.csv", sample[SAMPLE_COLUMNS])
    write_csv(folder / "ratings.csv", ratings[RATING_COLUMNS])
    if history is not None:
        write_csv(folder / "history.csv", history)


def read_review(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(sample: clip_id, video, emotion; ratings), checked; bad rows are one-line errors."""
    paths = {name: folder / f"{name}.csv" for name in ("sample", "ratings")}
    for path in paths.values():
        if not path.is_file():
            raise InputError(f"{path}: not found; run `equime review import`")
    sample = pd.read_csv(paths["sample"], dtype=str, keep_default_na=False)
    ratings = pd.read_csv(paths["ratings"], dtype={"rater": str, "clip_id": str, "emotion": str,
                                                   "timing": str, "artefacts": str},
                          keep_default_na=False)
    if set(sample.columns) != set(SAMPLE_COLUMNS):
        raise InputError(f"{paths['sample']}: needs columns {', '.join(SAMPLE_COLUMNS)}")
    if list(ratings.columns) != RATING_COLUMNS:
        raise InputError(f"{paths['ratings']}: needs columns {', '.join(RATING_COLUMNS)}")
    checks = {
        "clip_id": ratings["clip_id"].isin(sample["clip_id"]),
        "emotion": ratings["emotion"].isin(EMOTION_CHOICES),
        "timing": ratings["timing"].isin(TIMING_CHOICES),
        "realism": ratings["realism"].between(*REALISM_RANGE),
    }
    for column, ok in checks.items():
        if not ok.all():
            row = int((~ok).to_numpy().argmax()) + 2
            value = ratings[column].astype(object).iloc[row - 2]
            raise InputError(f"{paths['ratings']}:{row}: {column} {value!r} is not valid; fix or "
                             "re-import")
    return sample, ratings
