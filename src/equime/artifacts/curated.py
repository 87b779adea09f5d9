"""Curated faces (``data/curated``): ``faces/<subject>.png`` (aligned crops), ``subjects.csv``
(one row per subject: source photo, its hash and annotations, 68 landmarks in the crop) and
``rejects.csv`` (every other input with its reason); and the faces as renderers need them."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
from PIL import Image

from equime.artifacts.plan import PlanRow
from equime.errors import InputError
from equime.files import check_id, read_table, staged_dir, write_csv, write_png

PATH = "data/curated"
FILES = ("faces/*.png", "subjects.csv", "rejects.csv")
SUBJECT_COLUMNS = ["subject_id", "source", "sha256", "attributes_source", "attributes", "landmarks"]
REJECT_COLUMNS = ["source", "reason", "detail"]
WRITER = "dvc repro curate"


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
    """What curation found (the aligned crops are files: :func:`writing` gives their folder)."""

    subjects: list[Subject]
    rejects: list[Reject]
    attributes_source: str  # the annotation file's name, or "none"


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


class CuratedWriter:
    """``data/curated`` being built aside: aligned crops are written into :attr:`faces` as they
    are made (by any worker: memory stays flat in the number of photos), then :meth:`finish`
    writes the tables."""

    def __init__(self, staging: Path) -> None:
        self.faces = staging / "faces"
        self.faces.mkdir(parents=True, exist_ok=True)
        self._staging, self.finished = staging, False

    def finish(self, result: Curated) -> None:
        """subjects.csv and rejects.csv; every subject's face must be in :attr:`faces`."""
        if missing := [s.subject_id for s in result.subjects
                       if not face_path(self.faces, s.subject_id).is_file()]:
            raise InputError(f"{self.faces}: no aligned face of {missing[0]}; rerun `{WRITER}`")
        write_csv(self._staging / "subjects.csv",
                  subjects_table(result.subjects, result.attributes_source))
        write_csv(self._staging / "rejects.csv",
                  pd.DataFrame([r.__dict__ for r in result.rejects], columns=REJECT_COLUMNS))
        self.finished = True


def face_path(faces: Path, subject_id: str) -> Path:
    return faces / f"{check_id(subject_id, 'subject_id')}.png"


@contextlib.contextmanager
def writing(out: Path) -> Iterator[CuratedWriter]:
    """Build ``out`` aside (faces/, then the tables) and swap it in whole when the block ends
    with the writer finished; a failure leaves the previous folder as it was."""
    with staged_dir(out) as staging:
        writer = CuratedWriter(staging)
        yield writer
        if not writer.finished:
            raise InputError(f"{out}: curation stopped before its tables were written")


def write(out: Path, result: Curated, crops: Mapping[str, np.ndarray]) -> None:
    """The folder from crops held in memory (a few faces: tests, tools)."""
    with writing(out) as writer:
        for sid, crop in crops.items():
            write_png(face_path(writer.faces, sid), crop)
        writer.finish(result)


def read_subjects(path: Path) -> pd.DataFrame:
    """``subjects.csv`` as text cells (ids stay ids)."""
    return read_table(path, SUBJECT_COLUMNS, WRITER, dtype=str, keep_default_na=False)


def parse_landmarks(text: str, where: str) -> np.ndarray:
    try:
        arr = np.asarray(json.loads(text), dtype=np.float64)
    except (json.JSONDecodeError, TypeError, ValueError):
        arr = np.empty(0)
    if arr.shape != (68, 2):
        raise InputError(f"{where}: landmarks must be a JSON list of 68 [x, y] pairs; "
                         f"rerun `{WRITER}`")
    return arr


@dataclass(frozen=True)
class FaceImage:
    """An aligned face and its 68 landmarks, at the plan's resolution."""

    image: np.ndarray  # (H, W, 3) uint8
    landmarks: np.ndarray  # (68, 2)


def load_face(path: Path, landmarks: np.ndarray, width: int, height: int) -> FaceImage:
    """Read an aligned crop and bring it (and its landmarks) to ``width`` x ``height``."""
    if not path.is_file():
        raise InputError(f"{path}: aligned face not found; rerun `{WRITER}`")
    image = np.asarray(Image.open(path).convert("RGB"))
    h, w = image.shape[:2]
    if abs(w / h - width / height) > 1e-6:
        raise InputError(f"{path}: crop is {w}x{h} but plan.width/height is {width}x{height}; "
                         "use the same aspect ratio")
    if (w, h) != (width, height):
        interp = cv2.INTER_AREA if width < w else cv2.INTER_CUBIC
        image = cv2.resize(image, (width, height), interpolation=interp)
        landmarks = landmarks * (width / w, height / h)
    return FaceImage(image=image, landmarks=landmarks)


class FaceStore:
    """The curated face of each plan row's subject, read once and brought to the row's size.
    Pickled (to an engine's workers) as its folder alone: each worker reads what it needs."""

    def __init__(self, curated_dir: Path) -> None:
        self.dir = curated_dir
        self._table: pd.DataFrame | None = None
        self._cache: dict[tuple[str, int, int], FaceImage] = {}

    @property
    def table(self) -> pd.DataFrame:
        if self._table is None:
            self._table = read_subjects(self.dir / "subjects.csv").set_index("subject_id")
        return self._table

    def __getstate__(self) -> dict[str, object]:
        return {"dir": self.dir}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__init__(state["dir"])  # type: ignore[misc]

    def check(self, row: PlanRow) -> None:
        """Raise a one-line error if ``row``'s subject has no curated face."""
        if row.subject not in self.table.index:
            raise InputError(f"subject {row.subject!r} of {row.clip_id} is not in "
                             f"{self.dir / 'subjects.csv'}; rerun `dvc repro plan`")

    def __call__(self, row: PlanRow) -> FaceImage:
        key = (row.subject, row.width, row.height)
        if key not in self._cache:
            self.check(row)
            landmarks = parse_landmarks(self.table.at[row.subject, "landmarks"],
                                        f"{self.dir / 'subjects.csv'}:{row.subject}")
            self._cache[key] = load_face(self.dir / "faces" / f"{row.subject}.png", landmarks,
                                         row.width, row.height)
        return self._cache[key]
