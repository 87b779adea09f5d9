"""dlib's frontal face detector and 68-point landmark model, loaded once."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

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

    def detect(self, image: np.ndarray) -> list[Face]:
        """Faces in an RGB uint8 image, largest first."""
        image = np.ascontiguousarray(image)
        rects, scores, _ = self._detector.run(image, self.upsample, 0.0)
        faces = []
        for rect, score in zip(rects, scores, strict=True):
            box = (rect.left(), rect.top(), rect.right(), rect.bottom())
            faces.append(Face(box=box, score=float(score), landmarks=self.landmarks(image, box)))
        return sorted(faces, key=lambda f: (-f.area, -f.score))
