"""Attributes of the aligned source faces, from one chosen source, as ``faces.csv``."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image
from tqdm import tqdm

from equime.attributes.analyzer import DeepfaceAnalyzer
from equime.attributes.annotations import from_annotations
from equime.attributes.records import Demography
from equime.errors import InputError
from equime.files import cell, read_table

FACE_COLUMNS = ["subject_id", "attributes_source", "status", "gender", "gender_confidence", "race",
                "race_confidence", "age", "emotion"]


def face_demography(subject_id: str, labels: Mapping[str, object], face: Path,
                    analyzer: DeepfaceAnalyzer | None) -> Demography:
    """From the annotations (``analyzer`` None) or from deepface on the aligned crop."""
    if analyzer is None:
        return from_annotations(labels, f"subjects.csv {subject_id}")
    if not face.is_file():
        raise InputError(f"{face}: aligned face not found; rerun `equime curate`")
    with Image.open(face) as im:
        frame = analyzer.analyze(np.asarray(im.convert("RGB")))
    if frame.status != "ok":
        return Demography(source="deepface", status="no-face")
    return Demography(source="deepface", gender=frame.gender or "u",
                      gender_confidence=frame.gender_confidence, race=frame.race,
                      race_confidence=frame.race_confidence, age=frame.age, emotion=frame.emotion)


def face_attributes(subjects: pd.DataFrame, faces_dir: Path,
                    analyzer: DeepfaceAnalyzer | None) -> pd.DataFrame:
    """One row per curated subject (none dropped: a face deepface cannot find is ``no-face``)."""
    rows = []
    for r in tqdm(list(subjects.itertuples()), desc="attributes: faces", unit="face"):
        d = face_demography(r.subject_id, json.loads(r.attributes or "{}"),
                            faces_dir / f"{r.subject_id}.png", analyzer)
        rows.append({"subject_id": r.subject_id, "attributes_source": d.source, "status": d.status,
                     "gender": d.gender, "gender_confidence": d.gender_confidence, "race": d.race,
                     "race_confidence": d.race_confidence, "age": d.age, "emotion": d.emotion})
    return pd.DataFrame(rows, columns=FACE_COLUMNS)


def read_face_attributes(path: Path) -> dict[str, Demography]:
    table = read_table(path, FACE_COLUMNS, "equime attributes faces",
                       dtype={"subject_id": str, "gender": str, "race": str, "emotion": str},
                       keep_default_na=False, na_values={"age": [""], "gender_confidence": [""],
                                                         "race_confidence": [""]})
    return {
        r.subject_id: Demography(
            source=r.attributes_source, status=r.status, gender=r.gender or "u",
            gender_confidence=cell(r.gender_confidence), race=cell(r.race),
            race_confidence=cell(r.race_confidence), age=cell(r.age), emotion=cell(r.emotion))
        for r in table.itertuples()
    }


def face_metrics(table: pd.DataFrame) -> dict[str, Any]:
    return {
        "faces": len(table),
        "no_face": int((table["status"] != "ok").sum()),
        "by_gender": dict(sorted(Counter(table["gender"]).items())),
        "by_race": dict(sorted(Counter(table["race"].fillna("u").replace("", "u")).items())),
        "age_known": int(table["age"].notna().sum()),
    }
