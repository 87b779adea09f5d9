"""Inputs built in code for the benchmarks' ``--tiny`` mode (seconds on a CPU): the repo's params
at a small clip format, the demo face (scikit-image's astronaut, as ``equime.demo`` writes it)
and warp clips rendered from a plan."""

from __future__ import annotations

from pathlib import Path

from equime.artifacts.curated import FaceImage
from equime.artifacts.plan import PlanRow
from equime.params import Params, parse_params
from tests.fixtures import default_params_dict

# 128x128, 2 s at the repo's fps; the apex window keeps every onset and offset inside the clip
TINY_CLIP = {"width": 128, "height": 128, "clip_seconds": 2.0, "apex_window_s": [0.5, 1.5]}


def tiny_params() -> Params:
    """params.yaml with the tiny clip format and faces aligned at that size."""
    tree = default_params_dict()
    tree["plan"].update(TINY_CLIP)
    tree["curate"]["size"] = TINY_CLIP["width"]
    return parse_params(tree)


def demo_face(p: Params, size: int | None = None) -> FaceImage:
    """The demo astronaut, detected and aligned as the curate params say (at ``size`` px if
    given, else curate.size)."""
    from skimage import data

    from equime.faces.align import align_face
    from equime.faces.detect import FaceDetector

    c = p.curate
    image = data.astronaut()
    landmarks = FaceDetector(c.upsample).detect(image)[0].landmarks
    aligned = align_face(image, landmarks, size or c.size, c.eye_distance, c.eye_y)
    return FaceImage(aligned.image, aligned.landmarks)


def warp_clips(out_dir: Path, n: int, p: Params, face: FaceImage) -> list[tuple[PlanRow, Path]]:
    """``n`` planned clips of ``face`` rendered by the warp backend into ``out_dir/<clip_id>.mp4``."""
    from equime.generate.warp import WarpRenderer
    from equime.plan.planner import PlanSubject, plan_clips
    from equime.video import write_mp4

    rows = plan_clips([PlanSubject("astronaut", "f")], p.plan, p.base.seed)[:n]
    renderer = WarpRenderer(p.generate.warp, p.recording)
    encoder = p.generate.encoder()
    out = []
    for row in rows:
        path = out_dir / f"{row.clip_id}.mp4"
        write_mp4(path, renderer.render(row, face), row.fps, encoder)
        out.append((row, path))
    return out
