"""The backend protocol: ``render(row, face) -> frames`` (uint8 THWC RGB), plus the face input."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np
from PIL import Image

from equime.errors import InputError
from equime.plan.planner import PlanRow


@dataclass(frozen=True)
class FaceImage:
    """An aligned face and its 68 landmarks, at the plan's resolution."""

    image: np.ndarray  # (H, W, 3) uint8
    landmarks: np.ndarray  # (68, 2)


class Renderer(Protocol):
    name: str

    def params(self) -> dict[str, Any]:
        """Everything that changes the frames (recorded in metadata, part of the resume key)."""
        ...

    def prepare(self) -> None:
        """Load what rendering needs (a model); errors here stop the stage, unlike per-clip ones."""
        ...

    def generated_frames(self, row: PlanRow) -> int:
        """How many frames the backend generates for ``row`` (≥ ``row.n_frames``; the rest is trimmed)."""
        ...

    def render(self, row: PlanRow, face: FaceImage) -> np.ndarray:
        """All ``row.n_frames`` frames of the clip, uint8 (T, H, W, 3)."""
        ...

    def render_batch(self, rows: Sequence[PlanRow], faces: Sequence[FaceImage]) -> list[np.ndarray]:
        """Several clips of the same size and frame count at once (the same frames as one by one)."""
        ...


class FaceStore:
    """Aligned faces from curate's folder (``faces/<subject>.png`` + ``subjects.csv``), each
    read once and brought to the plan row's resolution."""

    def __init__(self, curated_dir: Path) -> None:
        from equime.curate import read_subjects

        self.dir = curated_dir
        self.table = read_subjects(curated_dir / "subjects.csv").set_index("subject_id")
        self._cache: dict[tuple[str, int, int], FaceImage] = {}

    def __call__(self, row: PlanRow) -> FaceImage:
        from equime.curate import parse_landmarks

        key = (row.subject, row.width, row.height)
        if key not in self._cache:
            if row.subject not in self.table.index:
                raise InputError(f"subject {row.subject!r} of {row.clip_id} is not in "
                                 f"{self.dir / 'subjects.csv'}; rerun `equime plan`")
            landmarks = parse_landmarks(self.table.at[row.subject, "landmarks"],
                                        f"{self.dir / 'subjects.csv'}:{row.subject}")
            self._cache[key] = load_face(self.dir / "faces" / f"{row.subject}.png", landmarks,
                                         row.width, row.height)
        return self._cache[key]


def load_face(path: Path, landmarks: np.ndarray, width: int, height: int) -> FaceImage:
    """Read an aligned crop and bring it (and its landmarks) to ``width`` x ``height``."""
    if not path.is_file():
        raise InputError(f"{path}: aligned face not found; rerun `equime curate`")
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
