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

from equime.artifacts.face_attributes import Demography
from equime.attributes.analyzer import DeepfaceAnalyzer
from equime.attributes.annotations import from_annotations
from equime.compute.engine import run_items
from equime.compute.params import ComputeParams
from equime.compute.work import Failed, Work
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


class FaceDemography(Work[tuple[str, str, Path], Demography]):
    """The attributes_faces stage's per-item work: one subject's demography (deepface holds its
    models: on Ray, an actor pool)."""

    holds_model = True

    def __init__(self, analyzer: DeepfaceAnalyzer) -> None:
        self.analyzer = analyzer

    def __call__(self, item: tuple[str, str, Path]) -> Demography:
        subject_id, labels, face = item
        return face_demography(subject_id, json.loads(labels or "{}"), face, self.analyzer)


def face_attributes(subjects: pd.DataFrame, faces_dir: Path, analyzer: DeepfaceAnalyzer | None,
                    compute: ComputeParams | None = None) -> dict[str, Demography]:
    """One per curated subject (none dropped: a face deepface cannot find is ``no-face``, one
    whose analysis failed on every try is ``error``), on the engine ``compute`` names (the
    annotations need no engine: read here)."""
    items = [(r.subject_id, r.attributes, faces_dir.resolve() / f"{r.subject_id}.png")
             for r in subjects.itertuples()]
    if analyzer is None:  # a label that is wrong is the annotation file's error: it stops here
        return {sid: face_demography(sid, json.loads(labels or "{}"), face, None)
                for sid, labels, face in items}
    results = run_items(FaceDemography(analyzer), items, compute, "attributes_faces",
                        desc="attributes: faces")
    return {sid: Demography(source="deepface", status="error") if isinstance(d, Failed) else d
            for (sid, _, _), d in zip(items, results, strict=True)}


def face_metrics(rows: Mapping[str, Demography]) -> dict[str, Any]:
    faces = list(rows.values())
    return {
        "faces": len(faces),
        "no_face": sum(d.status != "ok" for d in faces),
        "by_gender": dict(sorted(Counter(d.gender for d in faces).items())),
        "by_race": dict(sorted(Counter(d.race or "u" for d in faces).items())),
        "age_known": sum(d.age is not None for d in faces),
    }
