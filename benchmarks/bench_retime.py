"""Seconds per clip of ``equime retime`` on a folder (decode, stabilise, apex, flow, render,
encode: the whole path) against a bare H.264 encode of the same frames, measured in the same run.

The clips are the 20 LTX-Video samples in ``../shared/data/ltx_samples`` when present (real
generated video), else ``--videos DIR``. Prints the ratio of wall times (target <= 3; that of
CPU times beside it).
``--tiny``: 3 expression videos built in code instead (the demo face at 256x256, 24 frames, the
AU pattern rising and held, the head drifting: as the retime tests make them); a smoke run.

    python benchmarks/bench_retime.py [--videos DIR] [--clips 20] [--tiny]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import cv2

from equime.params import load_params
from equime.retime.jobs import folder_jobs
from equime.retime.runner import RetimeClips
from equime.video import EncoderOptions, read_mp4, write_mp4

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO.parent / "shared" / "data" / "ltx_samples"


def tiny_videos(folder: Path, n: int, encoder: EncoderOptions) -> Path:
    """``n`` code-built expression videos of the demo face (tests/retime/made.py) in ``folder``."""
    sys.path.insert(0, str(REPO))
    from tests.bench_fixtures import demo_face
    from tests.retime.made import sustained

    face = demo_face(load_params(REPO / "params.yaml"), size=256)
    patterns = [{"12": 1.0, "6": 1.0}, {"1": 1.0, "2": 1.0, "5": 1.0}, {"4": 1.0, "15": 1.0}]
    for i in range(n):
        write_mp4(folder / f"tiny_{i}.mp4", sustained(face, patterns[i % len(patterns)], n=24, seed=i),
                  24, encoder)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--videos", type=Path, default=SAMPLES)
    parser.add_argument("--clips", type=int, default=None, help="default 20, 3 with --tiny")
    parser.add_argument("--tiny", action="store_true", help="3 small videos built in code (smoke run)")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    p = load_params(REPO / "params.yaml")
    encoder = p.generate.encoder()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        if args.tiny:
            args.videos = tiny_videos(tmp_dir / "made", args.clips or 3, encoder)
        paths = sorted(args.videos.glob("*.mp4"))[: args.clips or 20]
        if not paths:
            raise SystemExit(f"{args.videos}: no .mp4 clips; pass --videos DIR, or --tiny")
        (tmp_dir / "in").mkdir()
        for path in paths:  # copies: folder modes never follow a link out of the folder
            shutil.copyfile(path, tmp_dir / "in" / path.name)
        clips = {path.stem: read_mp4(path) for path in paths}  # decoded once: the bare reference
        out = tmp_dir / "out"
        out.mkdir()

        # interleaved, clip by clip: this shared machine's speed drifts by tens of percent over a
        # minute (a bare encode took 0.48-0.79 s/clip between runs), so each clip's reference is
        # taken next to its retime; the stage's once-per-run work (listing and probing the
        # folder, loading the detector) counts in its total
        wall0, cpu0 = time.perf_counter(), time.process_time()
        jobs, _ = folder_jobs(tmp_dir / "in", p.plan, p.base.seed, emotion_from_name=False)
        work = RetimeClips(out, p.retime, p.recording.camera, encoder)
        work.setup()
        stage, stage_cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        bare = bare_cpu = 0.0
        retimed = rejected = 0
        for job in jobs:
            wall0, cpu0 = time.perf_counter(), time.process_time()
            write_mp4(tmp_dir / f"bare_{job.clip_id}.mp4", clips[job.clip_id], 24, encoder)
            bare += time.perf_counter() - wall0
            bare_cpu += time.process_time() - cpu0
            wall0, cpu0 = time.perf_counter(), time.process_time()
            record, _, _ = work(job)
            stage += time.perf_counter() - wall0
            stage_cpu += time.process_time() - cpu0
            retimed, rejected = retimed + (record is not None), rejected + (record is None)

    n = len(clips)
    first = next(iter(clips.values()))
    source = "videos built in code (--tiny)" if args.tiny else args.videos
    print(f"clips: {n} from {source} ({first.shape[0]} frames, {first.shape[2]}x"
          f"{first.shape[1]}); x264 preset {encoder.preset}, crf {encoder.crf}; one thread")
    print(f"retimed {retimed}, rejected {rejected}")
    print(f"bare H.264 encode (reference): {bare / n:.3f} s/clip wall, {bare_cpu / n:.3f} s CPU")
    print(f"retime (whole path):           {stage / n:.3f} s/clip wall, {stage_cpu / n:.3f} s CPU")
    # retime's CPU time exceeds its wall time where a library runs a second thread
    print(f"ratio retime / bare encode:    {stage / bare:.2f} wall (target <= 3), "
          f"{stage_cpu / bare_cpu:.2f} CPU time")


if __name__ == "__main__":
    main()
