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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image, ImageOps, UnidentifiedImageError
from tqdm import tqdm

from equime.errors import InputError
from equime.faces.align import AlignmentSpec, align_face
from equime.faces.detect import Face, FaceDetector
from equime.files import replace_dir, safe_id, write_csv, write_png

log = logging.getLogger(__name__)
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"})
GENDER_ATTRIBUTE = "Male"


@dataclass(frozen=True)
class DetectionLimits:
    min_score: float  # dlib HOG score below which a detection is ignored
    min_face_px: int  # narrower faces (box width, source pixels) are rejected
    ambiguity_ratio: float  # a second face this large relative to the first is ambiguous


@dataclass(frozen=True)
class Selection:
    filter: Mapping[str, bool] = field(default_factory=dict)
    stratify_by: tuple[str, ...] = ()
    max_subjects: int | None = None
    seed: int = 0


@dataclass(frozen=True)
class Subject:
    subject_id: str
    source: str  # path relative to the source folder
    sha256: str
    gender: str  # m / f / u
    attributes: Mapping[str, bool]
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


def _gender(attributes: Mapping[str, bool]) -> str:
    if GENDER_ATTRIBUTE not in attributes:
        return "u"
    return "m" if attributes[GENDER_ATTRIBUTE] else "f"


def _seeded_order(members: Sequence[int], seed: int) -> list[int]:
    """The stratum's candidates in a seeded random order: the order in which they are tried."""
    return [members[j] for j in np.random.default_rng(seed).permutation(len(members))]


def curate(
    source_dir: Path,
    attributes: pd.DataFrame | None,
    selection: Selection,
    limits: DetectionLimits,
    spec: AlignmentSpec,
    detector: FaceDetector,
    skip: Sequence[Path] = (),
) -> Curated:
    """Select, detect and align faces; return subjects, their crops and the rejects."""
    needed = set(selection.filter) | set(selection.stratify_by)
    if attributes is None and needed:
        raise InputError(f"curate.filter/stratify_by use {sorted(needed)} but curate.attributes "
                         "is null; give an attribute file or clear them")
    if attributes is not None and (missing := needed - set(attributes.columns)):
        raise InputError(f"curate.filter/stratify_by name unknown attributes {sorted(missing)}; "
                         f"the attribute file has {list(attributes.columns)[:8]}...")
    paths = list_sources(source_dir, skip)
    rel = {p: p.relative_to(source_dir).as_posix() for p in paths}
    ids = assign_ids(list(rel.values()))
    rejects: list[Reject] = []
    seen: dict[str, str] = {}
    candidates: list[tuple[Path, str, dict[str, bool]]] = []
    for path in tqdm(paths, desc="curate: read", unit="file"):
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
        attrs: dict[str, bool] = {}
        if attributes is not None:
            if path.name not in attributes.index:
                if needed:
                    rejects.append(Reject(src, "no-attributes",
                                          "not listed in the attribute file, which the filter needs"))
                    continue
            else:
                attrs = {str(k): bool(v) for k, v in attributes.loc[path.name].items()}
        failed = [f"{k}={attrs[k]}" for k, want in selection.filter.items() if attrs[k] != want]
        if failed:
            rejects.append(Reject(src, "filtered", f"{', '.join(failed)} (curate.filter wants "
                                  f"{dict(selection.filter)})"))
            continue
        candidates.append((path, digest, attrs))

    strata: dict[tuple, list[int]] = {}
    for i, (_, _, attrs) in enumerate(candidates):
        strata.setdefault(tuple(attrs[k] for k in selection.stratify_by), []).append(i)
    quota = _quotas({k: len(v) for k, v in strata.items()}, selection.max_subjects)

    accepted: dict[tuple, list[tuple[Subject, np.ndarray]]] = {}
    skipped: list[int] = []
    bar = tqdm(total=len(candidates), desc="curate: detect", unit="face")
    for key in sorted(strata):
        members = strata[key]
        order = _seeded_order(members, selection.seed)
        got = accepted.setdefault(key, [])
        for i in order:
            if quota[key] is not None and len(got) >= quota[key]:
                skipped.append(i)
                continue
            path, digest, attrs = candidates[i]
            try:
                image = load_image(path)
                face = pick_face(detector.detect(image), limits)
            except Rejected as r:
                rejects.append(Reject(rel[path], r.reason, r.detail))
                continue
            finally:
                bar.update(1)
            aligned = align_face(image, face.landmarks, spec)
            got.append((Subject(ids[rel[path]], rel[path], digest, _gender(attrs), attrs,
                                aligned.landmarks), aligned.image))
    bar.close()
    if selection.stratify_by and selection.max_subjects is None and accepted:
        # balance strata to the smallest one that succeeded
        floor = min(len(v) for v in accepted.values())
        for v in accepted.values():
            for subj, _ in v[floor:]:
                rejects.append(Reject(subj.source, "not-selected", "stratum above the smallest "
                                      f"stratum's size {floor} (curate.stratify_by)"))
            del v[floor:]
    for i in skipped:
        rejects.append(Reject(rel[candidates[i][0]], "not-selected",
                              "stratum quota filled (curate.max_subjects)"))
    chosen = sorted((s for v in accepted.values() for s in v), key=lambda s: s[0].subject_id)
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
        "subjects_by_gender": dict(sorted(Counter(s.gender for s in result.subjects).items())),
    }


def _quotas(sizes: Mapping[tuple, int], max_subjects: int | None) -> dict[tuple, int | None]:
    """Equal share per stratum; what a small stratum cannot use goes to the others."""
    if max_subjects is None:
        return dict.fromkeys(sizes)
    quota = dict.fromkeys(sizes, 0)
    left = max_subjects
    open_ = sorted(k for k in sizes if sizes[k] > 0)
    while left > 0 and open_:
        for k in list(open_):
            if left == 0:
                break
            quota[k] += 1
            left -= 1
            if quota[k] >= sizes[k]:
                open_.remove(k)
    return quota


SUBJECT_COLUMNS = ["subject_id", "source", "sha256", "gender", "attributes_source", "attributes",
                   "landmarks"]


def subjects_table(subjects: Sequence[Subject], attributes_source: str) -> pd.DataFrame:
    return pd.DataFrame(
        [{
            "subject_id": s.subject_id,
            "source": s.source,
            "sha256": s.sha256,
            "gender": s.gender,
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
    if not path.is_file():
        raise InputError(f"{path}: subjects manifest not found; run `equime curate` first")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = set(SUBJECT_COLUMNS) - set(table.columns)
    if missing:
        raise InputError(f"{path}: missing columns {sorted(missing)}; rerun `equime curate`")
    return table


def parse_landmarks(text: str, where: str) -> np.ndarray:
    try:
        arr = np.asarray(json.loads(text), dtype=np.float64)
    except (json.JSONDecodeError, TypeError, ValueError):
        arr = np.empty(0)
    if arr.shape != (68, 2):
        raise InputError(f"{where}: landmarks must be a JSON list of 68 [x, y] pairs; rerun curate")
    return arr
