"""Curation: from a folder of face photos to aligned crops, a subjects manifest and rejects.

Every input file ends up either in the subjects manifest or in the rejects file with a reason.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image, ImageOps, UnidentifiedImageError
from tqdm import tqdm

from equime.errors import InputError
from equime.faces.align import AlignmentSpec, align_face
from equime.faces.detect import Face, FaceDetector
from equime.files import cell, read_table, replace_dir, safe_id, write_csv, write_png

log = logging.getLogger(__name__)
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"})


@dataclass(frozen=True)
class DetectionLimits:
    min_score: float  # dlib HOG score below which a detection is ignored
    min_face_px: int  # narrower faces (box width, source pixels) are rejected
    ambiguity_ratio: float  # a second face this large relative to the first is ambiguous


@dataclass(frozen=True)
class Subject:
    subject_id: str
    source: str  # path relative to the source folder
    sha256: str
    attributes: Mapping[str, object]  # labels given with the photo (annotation file)
    landmarks: np.ndarray  # (68, 2) in the aligned crop


@dataclass(frozen=True)
class Reject:
    source: str
    reason: str  # a short category: not-an-image, unreadable, no-face, ...
    detail: str


@dataclass(frozen=True)
class Curated:
    subjects: list[Subject]
    crops: dict[str, np.ndarray]
    rejects: list[Reject]


class Rejected(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


def load_image(path: Path) -> np.ndarray:
    """Read any still image as RGB uint8: EXIF orientation applied, alpha flattened on white."""
    try:
        with Image.open(path) as im:
            im.load()
            im = ImageOps.exif_transpose(im)
            if im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info:
                rgba = im.convert("RGBA")
                im = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
            return np.asarray(im.convert("RGB"))
    except UnidentifiedImageError:
        raise Rejected("not-an-image", "not a readable image format") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise Rejected("unreadable", f"image data is damaged ({exc})") from None


def read_celeba_attributes(path: Path) -> pd.DataFrame:
    """CelebA / CelebA-HQ attribute file → boolean table indexed by image file name.

    Format: line 1 the image count, line 2 the attribute names, then ``name v1 v2 ...`` with
    values -1/1 (or 0/1).
    """
    if not path.is_file():
        raise InputError(f"{path}: attribute file not found; fix curate.attributes or set it to null")
    try:
        table = pd.read_csv(path, sep=r"\s+", skiprows=1, header=0, index_col=0, dtype=str)
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"{path}: not a CelebA attribute file ({exc}); check its format") from None
    values = table.apply(pd.to_numeric, errors="coerce")
    bad = values.isna().any(axis=1)
    if bad.any():
        raise InputError(f"{path}: row {table.index[bad][0]!r} has a non-numeric value; "
                         "values must be -1/1 or 0/1")
    return values > 0


def read_annotation_csv(path: Path) -> pd.DataFrame:
    """CSV manifest → table indexed by image file name: a ``file`` column, then any labels
    (``gender``, ``age``, ``race``, or booleans such as ``Smiling``); empty cells are unknown."""
    if not path.is_file():
        raise InputError(f"{path}: annotation file not found; fix curate.attributes or set it to null")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"{path}: not a readable CSV ({exc}); check its format") from None
    if "file" not in table.columns:
        raise InputError(f"{path}: needs a 'file' column naming each photo; add it")
    if table["file"].duplicated().any():
        raise InputError(f"{path}: file {table['file'][table['file'].duplicated()].iloc[0]!r} is "
                         "listed twice; keep one row per photo")
    labels = [c for c in table.columns if c != "file"]
    return pd.DataFrame({c: [_typed(v) for v in table[c]] for c in labels},
                        index=pd.Index(table["file"], name="file"), columns=labels, dtype=object)


def _typed(text: str) -> object:
    """'true'/'false' → bool, numbers → float, '' → None, anything else stays text."""
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "":
        return None
    try:
        return float(low)
    except ValueError:
        return text.strip()


def read_annotations(path: Path) -> pd.DataFrame:
    """The annotation file given with the photos: a CSV manifest (``.csv``) or CelebA's format."""
    return read_annotation_csv(path) if path.suffix.lower() == ".csv" else read_celeba_attributes(path)


def assign_ids(sources: Sequence[str]) -> dict[str, str]:
    """Stable, unique, path-safe subject ids from file stems (in sorted order)."""
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for src in sorted(sources):
        base = safe_id(Path(src).stem)
        candidate, n = base, 2
        while candidate in taken:
            candidate, n = f"{base}-{n}", n + 1
        taken.add(candidate)
        ids[src] = candidate
    return ids


def list_sources(folder: Path, skip: Sequence[Path] = ()) -> list[Path]:
    """Every visible regular file under ``folder``, sorted; ``skip`` (the attribute file) excluded."""
    if not folder.is_dir():
        raise InputError(f"{folder}: source folder not found; fix curate.source")
    skipped = {p.resolve() for p in skip}
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        and p.resolve() not in skipped
    )


def pick_face(faces: Sequence[Face], limits: DetectionLimits) -> Face:
    """The one dominant, confident, large-enough face, or :class:`Rejected` saying why not."""
    confident = [f for f in faces if f.score >= limits.min_score]
    if not confident:
        best = max((f.score for f in faces), default=None)
        detail = "no face detected" if best is None else (
            f"no confident face (best score {best:.2f} < curate.min_score {limits.min_score})")
        raise Rejected("no-face", detail)
    first = confident[0]
    if len(confident) > 1 and confident[1].area >= limits.ambiguity_ratio * first.area:
        raise Rejected("ambiguous", f"{len(confident)} faces of similar size "
                       f"({confident[1].area / first.area:.2f} ≥ curate.ambiguity_ratio)")
    if first.width < limits.min_face_px:
        raise Rejected("face-too-small",
                       f"face is {first.width} px wide < curate.min_face_px {limits.min_face_px}")
    return first


def curate(
    source_dir: Path,
    attributes: pd.DataFrame | None,
    keep: Mapping[str, object],
    limits: DetectionLimits,
    spec: AlignmentSpec,
    detector: FaceDetector,
    skip: Sequence[Path] = (),
) -> Curated:
    """Detect and align every face photo whose annotations match ``keep`` (curate.filter).

    Demographic selection comes later (``equime select``), once every face has attributes.
    """
    needed = set(keep)
    if attributes is None and needed:
        raise InputError(f"curate.filter uses {sorted(needed)} but curate.attributes is null; "
                         "give an annotation file or clear it")
    if attributes is not None and (missing := needed - set(attributes.columns)):
        raise InputError(f"curate.filter names unknown attributes {sorted(missing)}; "
                         f"the annotation file has {list(attributes.columns)[:8]}...")
    paths = list_sources(source_dir, skip)
    rel = {p: p.relative_to(source_dir).as_posix() for p in paths}
    ids = assign_ids(list(rel.values()))
    rejects: list[Reject] = []
    seen: dict[str, str] = {}
    subjects: list[tuple[Subject, np.ndarray]] = []
    for path in tqdm(paths, desc="curate", unit="file"):
        src = rel[path]
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            rejects.append(Reject(src, "not-an-image", f"extension {path.suffix or '(none)'!r} "
                                  "is not jpg/png/webp/bmp/tif"))
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest in seen:
            rejects.append(Reject(src, "duplicate", f"same bytes as {seen[digest]}"))
            continue
        seen[digest] = src
        labels: dict[str, object] = {}
        if attributes is not None:
            if path.name not in attributes.index:
                if needed:
                    rejects.append(Reject(src, "no-attributes",
                                          "not listed in the annotation file, which the filter needs"))
                    continue
            else:
                labels = {str(k): v.item() if isinstance(v, np.generic) else v
                          for k, v in attributes.loc[path.name].items() if cell(v) is not None}
        failed = [f"{k}={labels.get(k)}" for k, want in keep.items() if labels.get(k) != want]
        if failed:
            rejects.append(Reject(src, "filtered", f"{', '.join(failed)} (curate.filter wants "
                                  f"{dict(keep)})"))
            continue
        try:
            image = load_image(path)
            face = pick_face(detector.detect(image), limits)
        except Rejected as r:
            rejects.append(Reject(src, r.reason, r.detail))
            continue
        aligned = align_face(image, face.landmarks, spec)
        subjects.append((Subject(ids[src], src, digest, labels, aligned.landmarks), aligned.image))
    chosen = sorted(subjects, key=lambda s: s[0].subject_id)
    return Curated(
        subjects=[s for s, _ in chosen],
        crops={s.subject_id: crop for s, crop in chosen},
        rejects=sorted(rejects, key=lambda r: r.source),
    )


def curate_metrics(result: Curated) -> dict[str, Any]:
    return {
        "inputs": len(result.subjects) + len(result.rejects),
        "subjects": len(result.subjects),
        "rejected": len(result.rejects),
        "rejects_by_reason": dict(sorted(Counter(r.reason for r in result.rejects).items())),
    }


SUBJECT_COLUMNS = ["subject_id", "source", "sha256", "attributes_source", "attributes", "landmarks"]


def subjects_table(subjects: Sequence[Subject], attributes_source: str) -> pd.DataFrame:
    return pd.DataFrame(
        [{
            "subject_id": s.subject_id,
            "source": s.source,
            "sha256": s.sha256,
            "attributes_source": attributes_source,
            "attributes": json.dumps(dict(sorted(s.attributes.items()))),
            "landmarks": json.dumps(np.round(s.landmarks, 3).tolist()),
        } for s in subjects],
        columns=SUBJECT_COLUMNS,
    )


def rejects_table(rejects: Sequence[Reject]) -> pd.DataFrame:
    return pd.DataFrame([r.__dict__ for r in rejects], columns=["source", "reason", "detail"])


def write_curated(result: Curated, out: Path, attributes_source: str) -> None:
    """Write faces/<id>.png, subjects.csv and rejects.csv, swapping the folder in whole."""
    staging = out.with_name(f".{out.name}.staging")
    shutil.rmtree(staging, ignore_errors=True)
    for sid, crop in result.crops.items():
        write_png(staging / "faces" / f"{sid}.png", crop)
    write_csv(staging / "subjects.csv", subjects_table(result.subjects, attributes_source))
    write_csv(staging / "rejects.csv", rejects_table(result.rejects))
    replace_dir(staging, out)


def read_subjects(path: Path) -> pd.DataFrame:
    return read_table(path, SUBJECT_COLUMNS, "equime curate", dtype=str, keep_default_na=False)


def parse_landmarks(text: str, where: str) -> np.ndarray:
    try:
        arr = np.asarray(json.loads(text), dtype=np.float64)
    except (json.JSONDecodeError, TypeError, ValueError):
        arr = np.empty(0)
    if arr.shape != (68, 2):
        raise InputError(f"{where}: landmarks must be a JSON list of 68 [x, y] pairs; rerun curate")
    return arr
