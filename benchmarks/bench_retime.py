"""Seconds per clip of ``equime retime`` on a folder (decode, stabilise, apex, flow, render,
encode: the whole path) against a bare H.264 encode of the same frames, measured in the same run.

The clips are the 20 LTX-Video samples in ``../shared/data/ltx_samples`` when present (real
generated video), else ``--videos DIR``. Prints the ratio (target <= 3) and where the time goes.

    python benchmarks/bench_retime.py [--videos DIR] [--clips 20]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import cv2

from equime.params import load_params
from equime.retime.jobs import retime_folder
from equime.video import EncoderOptions, read_mp4, write_mp4

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO.parent / "shared" / "data" / "ltx_samples"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--videos", type=Path, default=SAMPLES)
    parser.add_argument("--clips", type=int, default=20)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    p = load_params(REPO / "params.yaml")
    encoder = EncoderOptions(crf=p.generate.crf, preset=p.generate.preset)
    paths = sorted(args.videos.glob("*.mp4"))[: args.clips]
    if not paths:
        raise SystemExit(f"{args.videos}: no .mp4 clips; pass --videos DIR")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        (tmp_dir / "in").mkdir()
        for path in paths:
            (tmp_dir / "in" / path.name).symlink_to(path.resolve())
        clips = {path.stem: read_mp4(path) for path in paths}  # decoded once: the bare reference

        wall0 = time.perf_counter()
        for name, frames in clips.items():
            write_mp4(tmp_dir / f"bare_{name}.mp4", frames, 24, encoder)
        bare = time.perf_counter() - wall0

        wall0, cpu0 = time.perf_counter(), time.process_time()
        report = retime_folder(tmp_dir / "in", tmp_dir / "out", p.retime, p.plan, p.base.seed,
                               encoder)
        stage, stage_cpu = time.perf_counter() - wall0, time.process_time() - cpu0

    n = len(clips)
    first = next(iter(clips.values()))
    print(f"clips: {n} from {args.videos} ({first.shape[0]} frames, {first.shape[2]}x"
          f"{first.shape[1]}); x264 preset {encoder.preset}, crf {encoder.crf}; one thread")
    print(f"retimed {len(report.records)}, rejected {len(report.rejects)}")
    print(f"bare H.264 encode (reference): {bare / n:.3f} s/clip wall")
    print(f"retime (whole path):           {stage / n:.3f} s/clip wall, {stage_cpu / n:.3f} s CPU")
    print(f"ratio retime / bare encode:    {stage / bare:.2f} (target <= 3)")


if __name__ == "__main__":
    main()
