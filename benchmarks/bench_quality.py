"""Clips per second of the quality stage (standard mode, the metrics that need no download, and
the motion curve) against the seed's released procedure on the same clips, in one run.

Reference (the seed's loop): decode, grayscale, numpy PSNR and scikit-image SSIM per consecutive
pair, one piq TV call per frame. Ours: decode once, piq on chunked tensors, the optical-flow
motion curve, clips spread over both cores. Needs the default pipeline's clips (`make repro`);
``--tiny`` renders 4 warp clips of the demo face at 128x128, 2 s instead (a smoke run: seconds).

    python benchmarks/bench_quality.py [--clips 8] [--tiny]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
VIDEOS = REPO / "data" / "videos"


def seed_procedure(path: Path) -> dict[str, float]:
    import cv2
    import numpy as np
    import piq
    import torch
    from skimage.metrics import structural_similarity

    from equime.quality.paper import psnr_uint8
    from equime.video import read_mp4

    t = {}
    t0 = time.perf_counter()
    frames = read_mp4(path)
    t["decode"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    gray = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames]
    t["gray"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    [psnr_uint8(gray[i], gray[i + 1]) for i in range(len(gray) - 1)]
    t["psnr"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    [structural_similarity(gray[i], gray[i + 1]) for i in range(len(gray) - 1)]
    t["ssim"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    for g in gray:
        piq.total_variation(torch.from_numpy(g).float()[None, None] / 255.0)
    t["tv"] = time.perf_counter() - t0
    del np
    return t


def ours(args: tuple[Path, list[list[float]], int, Any]) -> dict[str, float]:
    import numpy as np
    import torch

    from equime.quality.metrics import standard_metrics
    from equime.quality.motion import measure_motion
    from equime.video import read_mp4

    path, landmarks, fps, q = args  # q: the quality params section
    if os.environ.get("EQUIME_BENCH_WORKER"):  # as the stage's workers: one thread each
        torch.set_num_threads(1)
    t = {}
    t0 = time.perf_counter()
    frames = read_mp4(path)
    t["decode"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    standard_metrics(frames, ["psnr", "ssim", "tv"], q.color, q.device)  # as the stage: all three
    t["psnr+ssim+tv"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    measure_motion(frames, np.asarray(landmarks), fps, q)
    t["motion"] = time.perf_counter() - t0
    return t


def one_cv_thread():
    from equime.compute.engine import one_cv_thread as held

    return held()


def _worker_init() -> None:
    os.environ["EQUIME_BENCH_WORKER"] = "1"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", type=int, default=None, help="default 8, 4 with --tiny")
    ap.add_argument("--tiny", action="store_true", help="4 small clips built in code (smoke run)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        jobs = tiny_jobs(Path(tmp), args.clips or 4) if args.tiny else pipeline_jobs(args.clips or 8)
        run(jobs)


def pipeline_jobs(n: int) -> list[tuple[Path, list[list[float]], int, Any]]:
    """The first ``n`` clips of the default pipeline's outputs (data/)."""
    from equime.artifacts.curated import parse_landmarks, read_subjects
    from equime.artifacts.plan import read_plan
    from equime.params import load_params

    if not (VIDEOS / "generation.jsonl").is_file():
        raise SystemExit("no clips: run `make repro` first, or pass --tiny")
    rows = read_plan(REPO / "data" / "plan.jsonl")[:n]
    table = read_subjects(REPO / "data" / "curated" / "subjects.csv").set_index("subject_id")
    q = load_params(REPO / "params.yaml").quality
    return [(VIDEOS / f"{r.clip_id}.mp4", parse_landmarks(table.at[r.subject, "landmarks"], "x").tolist(),
             r.fps, q) for r in rows]


def tiny_jobs(tmp: Path, n: int) -> list[tuple[Path, list[list[float]], int, Any]]:
    """``n`` warp clips of the demo face at the tiny format, written into ``tmp``."""
    sys.path.insert(0, str(REPO))
    from tests.bench_fixtures import demo_face, tiny_params, warp_clips

    p = tiny_params()
    face = demo_face(p)
    return [(path, face.landmarks.tolist(), row.fps, p.quality)
            for row, path in warp_clips(tmp, n, p, face)]


def run(jobs: list[tuple[Path, list[list[float]], int, Any]]) -> None:
    from equime.video import probe_mp4

    ours(jobs[0])  # warm-up: imports, piq kernels
    seed_procedure(jobs[0][0])

    t0 = time.perf_counter()
    ref = [seed_procedure(j[0]) for j in jobs]
    ref_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    one = [ours(j) for j in jobs]
    one_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    with one_cv_thread(), ProcessPoolExecutor(max_workers=2, initializer=_worker_init) as pool:
        list(pool.map(ours, jobs))  # as the stage's local workers (one OpenCV thread each)
    two_s = time.perf_counter() - t0

    n = len(jobs)
    split = lambda ts: ", ".join(f"{k} {sum(t[k] for t in ts) / n:.2f}" for k in ts[0])  # noqa: E731
    info = probe_mp4(jobs[0][0])
    print(f"{n} clips ({info.width}x{info.height}, {info.frame_count} frames); seconds per clip by step:")
    print(f"  seed procedure: {split(ref)}")
    print(f"  equime (1 process): {split(one)}")
    print(f"seed procedure:             {n / ref_s:.2f} clips/s")
    print(f"equime, 1 process:          {n / one_s:.2f} clips/s  ({ref_s / one_s:.2f}x)")
    print(f"equime, clips on 2 cores:   {n / two_s:.2f} clips/s  ({ref_s / two_s:.2f}x, target >= 2.3x)")
    print("equime also computes the motion curve (optical flow), which the seed procedure lacks.")


if __name__ == "__main__":
    main()
