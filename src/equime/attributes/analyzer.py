"""The one adapter that calls deepface: a typed :class:`FrameAttributes` per image.

deepface's quirks stay here: it takes BGR arrays, reports percentages, raises
``FaceNotDetected`` for a face-less image (we turn it into an explicit ``no-face`` record,
never a dropped frame), returns one dict per detected face (we keep the largest) and reads its
weight folder from ``$DEEPFACE_HOME`` at call time.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from equime.attributes.labels import (
    ACTIONS,
    DEEPFACE_GENDERS,
    DEEPFACE_MODELS,
    OFFLINE_DETECTORS,
    normalise_race,
)
from equime.attributes.params import AttributesParams
from equime.attributes.records import FrameAttributes
from equime.errors import EquimeError

log = logging.getLogger(__name__)


class MissingWeightsError(EquimeError):
    """deepface's weight files are not in the weight folder."""


def resolve_home(home: Path | str | None) -> Path:
    """The folder holding ``.deepface/weights``: the param, else ``$DEEPFACE_HOME``, else ``~``."""
    if home:
        return Path(home).expanduser()
    return Path(os.environ.get("DEEPFACE_HOME") or Path.home())


def weights_dir(home: Path) -> Path:
    return home / ".deepface" / "weights"


def missing_weights(home: Path, actions: Sequence[str] = ACTIONS) -> list[Path]:
    return [weights_dir(home) / DEEPFACE_MODELS[a][1] for a in actions
            if not (weights_dir(home) / DEEPFACE_MODELS[a][1]).is_file()]


def check_weights(detector_backend: str, home: Path | None, actions: Sequence[str]) -> Path:
    """Check before any deepface call; return the weight home. One-line errors."""
    unknown = sorted(set(actions) - set(ACTIONS))
    if unknown:
        raise EquimeError(f"attributes: unknown deepface actions {unknown}; use {list(ACTIONS)}")
    home = resolve_home(home)
    missing = missing_weights(home, actions)
    if missing:
        names = ", ".join(p.name for p in missing)
        raise MissingWeightsError(
            f"deepface weights missing in {weights_dir(home)}: {names}; run `equime models fetch "
            "deepface` (needs internet) or set attributes.source: annotations")
    if detector_backend not in OFFLINE_DETECTORS:
        log.info("detector %s may download its own weights on first use", detector_backend)
    return home


def _use_home(home: Path) -> None:
    # deepface reads its weight folder from the environment at call time (its only seam), and
    # picks its engine from DEEPFACE_BACKEND_ENGINE: PyTorch, so TensorFlow is never needed.
    os.environ["DEEPFACE_HOME"] = str(home)
    os.environ.setdefault("DEEPFACE_BACKEND_ENGINE", "pytorch")


def _largest(faces: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    return max(faces, key=lambda f: f["region"]["w"] * f["region"]["h"])


def to_record(faces: Sequence[Mapping[str, Any]]) -> FrameAttributes:
    """deepface's list of per-face dicts (percentages, its labels) → one typed record."""
    if not faces:
        return FrameAttributes.no_face()
    face = _largest(faces)
    gender = race = emotion = None
    gender_conf = race_conf = None
    scores: dict[str, float] = {}
    if "dominant_gender" in face:
        gender = DEEPFACE_GENDERS[face["dominant_gender"]]
        gender_conf = float(face["gender"][face["dominant_gender"]]) / 100.0
    if "dominant_race" in face:
        race = normalise_race(face["dominant_race"])
        race_conf = float(face["race"][face["dominant_race"]]) / 100.0
    if "dominant_emotion" in face:
        emotion = str(face["dominant_emotion"])
        scores = {str(k): float(v) / 100.0 for k, v in face["emotion"].items()}
    return FrameAttributes(
        status="ok", age=float(face["age"]) if "age" in face else None,
        gender=gender, gender_confidence=gender_conf, race=race, race_confidence=race_conf,
        emotion=emotion, emotion_scores=scores,
        face_confidence=float(face.get("face_confidence", 0.0)), faces=len(faces))


class DeepfaceAnalyzer:
    """Analyses RGB uint8 images with deepface; weights are checked when it is built.
    ``home``: the folder holding ``.deepface/weights`` (None: ``$DEEPFACE_HOME``, else ``~``)."""

    def __init__(self, detector_backend: str, home: Path | None = None,
                 actions: Sequence[str] = ACTIONS) -> None:
        self.detector_backend = detector_backend
        self.actions = tuple(actions)
        self.home = check_weights(detector_backend, home, self.actions)
        _use_home(self.home)

    def analyze(self, rgb: np.ndarray) -> FrameAttributes:
        from deepface import DeepFace
        from deepface.modules.exceptions import FaceNotDetected

        bgr = np.ascontiguousarray(rgb[..., ::-1])
        try:
            faces = DeepFace.analyze(img_path=bgr, actions=list(self.actions),
                                     detector_backend=self.detector_backend,
                                     enforce_detection=True, align=True, silent=True)
        except FaceNotDetected:
            return FrameAttributes.no_face()
        except (OSError, ValueError) as exc:
            reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            raise EquimeError(f"deepface failed with detector {self.detector_backend!r} "
                              f"({reason}); check attributes.detector_backend and its weights") \
                from None
        return to_record(faces)

    def analyze_many(self, images: Sequence[np.ndarray]) -> list[FrameAttributes]:
        return [self.analyze(im) for im in images]


def analyzer_for(a: AttributesParams) -> DeepfaceAnalyzer | None:
    """deepface when attributes.source says so (weights checked now), else None: annotations."""
    if a.source != "deepface":
        return None
    return DeepfaceAnalyzer(a.detector_backend, Path(a.deepface_home) if a.deepface_home else None)
