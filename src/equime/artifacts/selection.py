"""The chosen subjects (``data/selection``): ``subjects.csv`` (each with its source photo,
annotations, demography and cell), ``supply.csv`` (wanted, available, selected and shortfall per
cell) and ``not_selected.csv`` (every other subject with its reason)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from equime.files import cell, read_table, staged_dir, write_csv

PATH = "data/selection"
FILES = ("subjects.csv", "supply.csv", "not_selected.csv")
SELECTED_COLUMNS = ["subject_id", "attributes_source", "status", "gender", "gender_confidence",
                    "race", "race_confidence", "age", "age_band", "cell"]
WRITER = "dvc repro select"


@dataclass(frozen=True)
class Selected:
    subjects: pd.DataFrame  # the chosen subjects, with a ``cell`` column
    not_selected: pd.DataFrame  # subject_id, cell, reason
    supply: pd.DataFrame  # cell, target_share, target_n, available, selected, shortfall


def write(out: Path, result: Selected) -> None:
    with staged_dir(out) as staging:
        write_csv(staging / "subjects.csv", result.subjects)
        write_csv(staging / "supply.csv", result.supply)
        write_csv(staging / "not_selected.csv", result.not_selected)


def read_selected(path: Path) -> pd.DataFrame:
    """``subjects.csv``: ids, genders, races, bands and cells as text; unknown numbers NaN."""
    return read_table(path, SELECTED_COLUMNS, WRITER,
                      dtype={"subject_id": str, "gender": str, "race": str, "age_band": str,
                             "cell": str}, keep_default_na=False,
                      na_values={"age": [""], "gender_confidence": [""], "race_confidence": [""]})


@dataclass(frozen=True)
class SubjectInfo:
    """A chosen subject as the dataset's metadata describes it."""

    subject: str
    source: str
    sha256: str
    annotations: Mapping[str, Any]  # labels given with the photo
    attributes_source: str  # annotations | deepface
    status: str = "ok"  # deepface found the face (ok) or not (no-face)
    gender: str = "u"
    gender_confidence: float | None = None
    race: str | None = None
    race_confidence: float | None = None
    age: float | None = None
    age_band: str = "u"


def read_subject_infos(path: Path) -> dict[str, SubjectInfo]:
    return {
        r.subject_id: SubjectInfo(
            subject=r.subject_id, source=r.source, sha256=r.sha256,
            annotations=json.loads(r.annotations or "{}"), attributes_source=r.attributes_source,
            status=r.status, gender=r.gender or "u", gender_confidence=cell(r.gender_confidence),
            race=cell(r.race), race_confidence=cell(r.race_confidence), age=cell(r.age),
            age_band=r.age_band or "u")
        for r in read_selected(path).itertuples()
    }
