"""Seconds per clip of the warp backend + encode (the whole generate stage path) against a bare
H.264 encode of the same frames, measured in the same run, for the default clip format.

Prints the ratio (target ≤ 2 on filmed clips) and the real-time factor: seconds of video per
second of one core's time (OpenCV is held to one thread so the figure is per core).

``--tiny``: 3 clips at 128x128, 2 s (a smoke run in seconds; the figures are not comparable).

    python benchmarks/bench_generate.py [--clips 10] [--tiny]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from skimage import data

from equime.artifacts.curated import FaceImage
from equime.faces.align import align_face
from equime.faces.detect import FaceDetector
from equime.generate.runner import generate_clips
from equime.generate.warp import WarpRenderer
from equime.params import load_params
from equime.plan.planner import PlanSubject, plan_clips
from equime.video import write_mp4

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clips", type=int, default=None, help="default 10, 3 with --tiny")
    parser.add_argument("--tiny", action="store_true", help="small clips (smoke run, seconds)")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    if args.tiny:
        sys.path.insert(0, str(REPO))
        from tests.bench_fixtures import tiny_params

        p = tiny_params()
    else:
        p = load_params(REPO / "params.yaml")
    n_clips = args.clips or (3 if args.tiny else 10)
    s, c, g = p.plan, p.curate, p.generate
    image = data.astronaut()
    landmarks = FaceDetector(c.upsample).detect(image)[0].landmarks
    aligned = align_face(image, landmarks, c.size, c.eye_distance, c.eye_y)
    face = FaceImage(aligned.image, aligned.landmarks)
    rows = plan_clips([PlanSubject("astronaut", "f")], s, p.base.seed)[:n_clips]
    renderer = WarpRenderer(g.warp, p.recording)
    encoder = g.encoder()
    frames = {r.clip_id: renderer.render(r, face) for r in rows}  # warm-up + reference frames

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        wall0, cpu0 = time.perf_counter(), time.process_time()
        for r in rows:
            write_mp4(out / f"bare_{r.clip_id}.mp4", frames[r.clip_id], r.fps, encoder)
        bare_wall, bare_cpu = time.perf_counter() - wall0, time.process_time() - cpu0

        wall0, cpu0 = time.perf_counter(), time.process_time()
        for r in rows:
            renderer.render(r, face)
        render_wall = time.perf_counter() - wall0

        wall0, cpu0 = time.perf_counter(), time.process_time()
        generate_clips(rows, lambda row: face, renderer, encoder, out / "stage", g.batch_size)
        stage_wall, stage_cpu = time.perf_counter() - wall0, time.process_time() - cpu0

    n = len(rows)
    video_s = rows[0].n_frames / rows[0].fps
    print(f"clip format: {s.width}x{s.height}, {s.n_frames} frames at {s.fps} fps; x264 preset "
          f"{g.preset}, crf {g.crf}; {n} clips")
    print(f"bare H.264 encode (reference): {bare_wall / n:.3f} s/clip wall, {bare_cpu / n:.3f} s CPU")
    print(f"warp render only:              {render_wall / n:.3f} s/clip wall")
    print(f"generate stage (warp+encode):  {stage_wall / n:.3f} s/clip wall, {stage_cpu / n:.3f} s CPU")
    print(f"ratio stage / bare encode:     {stage_wall / bare_wall:.2f} (target <= 2 on filmed "
          "clips: camera, living face, shading)")
    print(f"real-time factor:              {video_s / (stage_cpu / n):.1f} s of video per CPU second "
          f"({stage_cpu / n:.2f} CPU s per {video_s:g} s clip)")
    np.testing.assert_equal(len(frames), n)


if __name__ == "__main__":
    main()
