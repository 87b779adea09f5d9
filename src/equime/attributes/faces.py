"""Attributes of the aligned source faces, from one chosen source (the faces.csv artifact)."""

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

from equime.artifacts.face_attributes import Demography
from equime.attributes.analyzer import DeepfaceAnalyzer
from equime.attributes.annotations import from_annotations
from equime.errors import InputError


def face_demography(subject_id: str, labels: Mapping[str, object], face: Path,
                    analyzer: DeepfaceAnalyzer | None) -> Demography:
    """From the annotations (``analyzer`` None) or from deepface on the aligned crop."""
    if analyzer is None:
        return from_annotations(labels, f"subjects.csv {subject_id}")
    if not face.is_file():
        raise InputError(f"{face}: aligned face not found; rerun `dvc repro curate`")
    with Image.open(face) as im:
        frame = analyzer.analyze(np.asarray(im.convert("RGB")))
    if frame.status != "ok":
        return Demography(source="deepface", status="no-face")
    return Demography(source="deepface", gender=frame.gender or "u",
                      gender_confidence=frame.gender_confidence, race=frame.race,
                      race_confidence=frame.race_confidence, age=frame.age, emotion=frame.emotion)


def face_attributes(subjects: pd.DataFrame, faces_dir: Path,
                    analyzer: DeepfaceAnalyzer | None) -> dict[str, Demography]:
    """One per curated subject (none dropped: a face deepface cannot find is ``no-face``)."""
    return {r.subject_id: face_demography(r.subject_id, json.loads(r.attributes or "{}"),
                                          faces_dir / f"{r.subject_id}.png", analyzer)
            for r in tqdm(list(subjects.itertuples()), desc="attributes: faces", unit="face")}


def face_metrics(rows: Mapping[str, Demography]) -> dict[str, Any]:
    faces = list(rows.values())
    return {
        "faces": len(faces),
        "no_face": sum(d.status != "ok" for d in faces),
        "by_gender": dict(sorted(Counter(d.gender for d in faces).items())),
        "by_race": dict(sorted(Counter(d.race or "u" for d in faces).items())),
        "age_known": sum(d.age is not None for d in faces),
    }
