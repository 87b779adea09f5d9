"""Curation: from a folder of face photos to aligned crops, a subjects manifest and rejects.

Every input file ends up either in the subjects manifest or in the rejects file with a reason.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image, ImageOps, UnidentifiedImageError

from equime.artifacts import curated
from equime.artifacts.curated import Curated, Reject, Subject
from equime.artifacts.sources import IMAGE_SUFFIXES, list_sources
from equime.compute.engine import run_items
from equime.compute.params import ComputeParams
from equime.compute.work import Failed, Work
from equime.curate.annotations import read_annotations
from equime.curate.params import CurateParams
from equime.errors import EquimeError, InputError
from equime.faces.align import align_face
from equime.faces.detect import Face, FaceDetector
from equime.files import cell, safe_id, write_png

log = logging.getLogger(__name__)


class Rejected(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail

    def __reduce__(self) -> tuple[type[Rejected], tuple[str, str]]:
        return Rejected, (self.reason, self.detail)  # returned by workers: pickled


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


def pick_face(faces: Sequence[Face], limits: CurateParams) -> Face:
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


class AlignFaces(Work[tuple[Path, Path], "np.ndarray | Rejected"]):
    """The curate stage's per-item work: one photo read, its face found, aligned and written
    (item: the photo and where its crop goes); returns the landmarks in the crop, or why the
    photo is rejected. Crops never travel back to the driver."""

    def __init__(self, c: CurateParams, detector: FaceDetector | None = None) -> None:
        self.c = c
        if detector is not None:
            self._detector = detector  # given (this process only); else built where it runs

    def setup(self) -> None:
        if getattr(self, "_detector", None) is None:
            self._detector = FaceDetector(upsample=self.c.upsample)

    def __call__(self, item: tuple[Path, Path]) -> np.ndarray | Rejected:
        path, crop_png = item
        try:
            image = load_image(path)
            face = pick_face(self._detector.detect(image), self.c)
        except Rejected as r:
            return r
        aligned = align_face(image, face.landmarks, self.c.size, self.c.eye_distance, self.c.eye_y)
        write_png(crop_png, aligned.image)
        return aligned.landmarks


def curate_into(source_dir: Path, c: CurateParams, out: Path,
                detector: FaceDetector | None = None,
                compute: ComputeParams | None = None) -> Curated:
    """The curate stage: ``source_dir`` curated into the folder ``out`` (built aside, swapped in
    whole), with the annotation file ``c.attributes`` (if any), on the engine ``compute``
    names."""
    attr_path = Path(c.attributes) if c.attributes else None
    annotations = read_annotations(attr_path) if attr_path else None
    with curated.writing(out) as writer:
        result = curate(source_dir, annotations, c, writer.faces, detector,
                        skip=[attr_path] if attr_path else [],
                        attributes_source=attr_path.name if attr_path else "none",
                        compute=compute)
        writer.finish(result)
    return result


def curate(
    source_dir: Path,
    attributes: pd.DataFrame | None,
    c: CurateParams,
    faces_dir: Path,
    detector: FaceDetector | None = None,
    skip: Sequence[Path] = (),
    attributes_source: str = "none",
    compute: ComputeParams | None = None,
) -> Curated:
    """Detect and align every face photo whose annotations match ``c.filter``, each crop
    written to ``faces_dir/<subject>.png`` where it is made.

    Demographic selection comes later (the select stage), once every face has attributes.
    """
    keep = c.filter
    needed = set(keep)
    if attributes is None and needed:
        raise InputError(f"curate.filter uses {sorted(needed)} but curate.attributes is null; "
                         "give an annotation file or clear it")
    if attributes is not None and (missing := needed - set(attributes.columns)):
        raise InputError(f"curate.filter names unknown attributes {sorted(missing)}; "
                         f"the annotation file has {list(attributes.columns)[:8]}...")
    paths, unread = list_sources(source_dir, skip)
    rel = {p: p.relative_to(source_dir).as_posix() for p in paths}
    ids = assign_ids(list(rel.values()))
    rejects: list[Reject] = [Reject(u.source, u.reason, u.detail) for u in unread]
    seen: dict[str, str] = {}
    todo: list[tuple[Path, str, str, dict[str, object]]] = []  # (photo, source, sha256, labels)
    for path in paths:
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
        todo.append((path.resolve(), src, digest, labels))
    subjects: list[Subject] = []
    faces_dir = faces_dir.resolve()  # absolute: workers may run on other nodes
    found = run_items(AlignFaces(c, detector),
                      [(t[0], curated.face_path(faces_dir, ids[t[1]])) for t in todo], compute,
                      "curate", desc="curate")
    for (_, src, digest, labels), result in zip(todo, found, strict=True):
        if isinstance(result, Failed):
            rejects.append(Reject(src, "error", result.reason))
        elif isinstance(result, Rejected):
            rejects.append(Reject(src, result.reason, result.detail))
        else:
            subjects.append(Subject(ids[src], src, digest, labels, result))
    return Curated(
        subjects=sorted(subjects, key=lambda s: s.subject_id),
        rejects=sorted(rejects, key=lambda r: r.source),
        attributes_source=attributes_source,
    )


def require_subjects(result: Curated, source_dir: Path, out: Path) -> None:
    """A curation that kept no face is an error (after its rejects are written)."""
    if not result.subjects:
        raise EquimeError(f"{source_dir}: no usable face among the inputs; see {out / 'rejects.csv'}")


def curate_metrics(result: Curated) -> dict[str, Any]:
    return {
        "inputs": len(result.subjects) + len(result.rejects),
        "subjects": len(result.subjects),
        "rejected": len(result.rejects),
        "rejects_by_reason": dict(sorted(Counter(r.reason for r in result.rejects).items())),
    }
