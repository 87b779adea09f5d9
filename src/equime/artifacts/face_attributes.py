"""Who each source face is (``data/attributes/faces.csv``): one row per curated subject, from one
attribute source (the annotations given with the photos, or deepface on the aligned crop)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from equime.errors import InputError
from equime.files import cell, read_table, write_csv

PATH = "data/attributes/faces.csv"
COLUMNS = ["subject_id", "attributes_source", "status", "gender", "gender_confidence", "race",
           "race_confidence", "age", "emotion"]
WRITER = "dvc repro attributes_faces"
FaceStatus = Literal["ok", "no-face", "error"]  # error: the analysis failed on every try


@dataclass(frozen=True)
class Demography:
    """Who a source face is, from one attribute source; confidences are None for annotations."""

    source: str  # annotations | deepface
    gender: str = "u"  # f / m / u
    gender_confidence: float | None = None
    race: str | None = None
    race_confidence: float | None = None
    age: float | None = None  # years
    emotion: str | None = None  # deepface only: the still photo's dominant emotion
    status: FaceStatus = "ok"


def table(rows: dict[str, Demography]) -> pd.DataFrame:
    """subject id → demography, as the file's rows (in the given order)."""
    return pd.DataFrame([{
        "subject_id": sid, "attributes_source": d.source, "status": d.status, "gender": d.gender,
        "gender_confidence": d.gender_confidence, "race": d.race,
        "race_confidence": d.race_confidence, "age": d.age, "emotion": d.emotion,
    } for sid, d in rows.items()], columns=COLUMNS)


def write(path: Path, rows: dict[str, Demography]) -> None:
    write_csv(path, table(rows))


def read(path: Path, source: str | None = None) -> dict[str, Demography]:
    """subject id → demography; with ``source``, the file must come from that attribute source
    (the one the params now name)."""
    frame = read_table(path, COLUMNS, WRITER,
                       dtype={"subject_id": str, "gender": str, "race": str, "emotion": str},
                       keep_default_na=False, na_values={"age": [""], "gender_confidence": [""],
                                                         "race_confidence": [""]})
    rows = {
        r.subject_id: Demography(
            source=r.attributes_source, status=r.status, gender=r.gender or "u",
            gender_confidence=cell(r.gender_confidence), race=cell(r.race),
            race_confidence=cell(r.race_confidence), age=cell(r.age), emotion=cell(r.emotion))
        for r in frame.itertuples()
    }
    if source is not None and (found := {d.source for d in rows.values()} - {source}):
        raise InputError(f"{path}: made from {sorted(found)} but attributes.source is {source!r}; "
                         f"rerun `{WRITER}`")
    return rows
