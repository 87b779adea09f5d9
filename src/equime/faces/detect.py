"""dlib's frontal face detector and 68-point landmark model, loaded once."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from equime.errors import InputError


@dataclass(frozen=True)
class Face:
    box: tuple[int, int, int, int]  # left, top, right, bottom (pixels)
    score: float
    landmarks: np.ndarray  # (68, 2) float, image coordinates

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    @property
    def area(self) -> int:
        return self.width * (self.box[3] - self.box[1])


PREDICTOR_FILE = "models/shape_predictor_68_face_landmarks.dat"


def default_predictor_path() -> Path:
    """The 68-point model shipped by the ``face-recognition-models`` wheel (offline).

    Found without importing that package: its ``__init__`` needs ``pkg_resources``, which
    setuptools ≥ 81 no longer provides.
    """
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("face-recognition-models is not installed; "
                         "pip install face-recognition-models")
    return Path(next(iter(spec.submodule_search_locations))) / PREDICTOR_FILE


class FaceDetector:
    """Finds faces with landmarks. ``upsample`` doubles the image that many times (small faces)."""

    def __init__(self, upsample: int, predictor_path: Path | None = None) -> None:
        import dlib

        path = predictor_path or default_predictor_path()
        if not path.is_file():
            raise InputError(f"{path}: landmark model not found; reinstall face-recognition-models")
        self.upsample = upsample
        self._detector = dlib.get_frontal_face_detector()
        self._predictor = dlib.shape_predictor(str(path))
        self._dlib = dlib

    def landmarks(self, image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
        shape = self._predictor(image, self._dlib.rectangle(*box))
        return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)

    def fine_landmarks(self, image: np.ndarray) -> np.ndarray | None:
        """The largest face's landmarks found on the image upscaled 2× (half-pixel steps instead
        of whole pixels: the precision ME-sized motion needs), or None."""
        big = cv2.resize(image, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
        faces = self.detect(big)
        return faces[0].landmarks / 2 if faces else None

    def boxes(self, image: np.ndarray) -> list[tuple[tuple[int, int, int, int], float]]:
        """(box, score) of the faces in an RGB uint8 image, largest first; no landmarks."""
        rects, scores, _ = self._detector.run(np.ascontiguousarray(image), self.upsample, 0.0)
        found = [((r.left(), r.top(), r.right(), r.bottom()), float(s))
                 for r, s in zip(rects, scores, strict=True)]
        return sorted(found, key=lambda f: (-(f[0][2] - f[0][0]) * (f[0][3] - f[0][1]), -f[1]))

    def detect(self, image: np.ndarray) -> list[Face]:
        """Faces in an RGB uint8 image, largest first."""
        image = np.ascontiguousarray(image)
        return [Face(box=box, score=score, landmarks=self.landmarks(image, box))
                for box, score in self.boxes(image)]
