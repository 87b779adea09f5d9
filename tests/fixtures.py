"""Fixtures built in code: a real face (scikit-image's public-domain astronaut), params, plans."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from skimage import data

from equime.faces.align import AlignedFace, AlignmentSpec, align_face
from equime.faces.detect import FaceDetector
from equime.generate.base import FaceImage
from equime.params import Params, parse_params
from equime.plan.planner import PlanRow, PlanSpec, plan_clip

REPO = Path(__file__).resolve().parents[1]
SPEC = AlignmentSpec(size=512, eye_distance=0.24, eye_y=0.42)


@cache
def detector() -> FaceDetector:
    return FaceDetector(upsample=1)


def astronaut() -> np.ndarray:
    return data.astronaut()


@cache
def aligned_astronaut() -> AlignedFace:
    face = detector().detect(astronaut())[0]
    return align_face(astronaut(), face.landmarks, SPEC)


def face_image() -> FaceImage:
    a = aligned_astronaut()
    return FaceImage(image=a.image, landmarks=a.landmarks)


def default_params_dict() -> dict[str, Any]:
    return copy.deepcopy(yaml.safe_load((REPO / "params.yaml").read_text()))


def params(**overrides: Any) -> Params:
    """Repo defaults with dotted overrides, e.g. ``params(**{"plan.fps": 30})``."""
    tree = default_params_dict()
    for dotted, value in overrides.items():
        *parents, last = dotted.split(".")
        node = tree
        for key in parents:
            node = node[key]
        node[last] = value
    return parse_params(tree)


def plan_spec(p: Params | None = None) -> PlanSpec:
    return PlanSpec.from_params((p or params()).plan)


def single_au_row(code: str, intensity: float, apex_frame: int = 20, n_frames: int = 48,
                  duration_s: float = 0.2, fps: int = 24) -> PlanRow:
    """A plan row with one AU at a fixed intensity and timing (for value tests)."""
    from equime.facs import get_au, intensity_letter
    from equime.plan.planner import AUActivation
    from equime.plan.timing import make_timing

    row = plan_clip("astronaut", "f", "happiness", 1, plan_spec(), base_seed=1)
    t = make_timing(apex_frame, duration_s, 0.4, fps)
    au = AUActivation(code=code, name=get_au(code).name, intensity=intensity,
                      letter=intensity_letter(intensity))
    return row.model_copy(update={
        "aus": (au,), "n_frames": n_frames, "fps": fps, "onset_s": t.onset_s, "apex_s": t.apex_s,
        "offset_s": t.offset_s, "onset_frame": t.onset_frame, "apex_frame": t.apex_frame,
        "offset_frame": t.offset_frame})
