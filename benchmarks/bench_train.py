"""Training throughput (clips/s) with the data pipeline against the model alone, in one run.

Ours: the training loop as `equime train` runs it (inputs prepared once per clip, then a seeded
shuffling DataLoader over them, forward, backward, step). Reference: the same model and steps on
tensors already batched in memory (no loader). Interleaved rounds, best of each. The loader
must not be the bottleneck: ratio ≥ 0.8. Also reports the one-off cost of preparing an input
per clip (decode + flow), from the default pipeline's clips when present. ``--tiny``: 32 clips,
one epoch, one round, and the input preparation on 2 warp clips of the demo face built in code
(128x128, 2 s); a smoke run.

    python benchmarks/bench_train.py [--clips 256] [--model cnn3d] [--input flow] [--tiny]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from equime.baselines.models import build_model

if TYPE_CHECKING:
    from equime.datasets.sample import Sample

REPO = Path(__file__).resolve().parents[1]


def epoch_with_loader(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int) -> None:
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = DataLoader(TensorDataset(x, y), batch_size=batch, shuffle=True,
                        generator=torch.Generator().manual_seed(0))
    for xb, yb in loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()


def epoch_on_batches(model: nn.Module, batches: list[tuple[torch.Tensor, torch.Tensor]]) -> None:
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for xb, yb in batches:
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        opt.step()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", type=int, default=None, help="default 256, 32 with --tiny")
    ap.add_argument("--model", default="cnn3d")
    ap.add_argument("--input", default="flow", choices=["flow", "frames"])
    ap.add_argument("--epochs", type=int, default=None, help="default 2, 1 with --tiny")
    ap.add_argument("--rounds", type=int, default=None, help="default 3, 1 with --tiny")
    ap.add_argument("--tiny", action="store_true", help="a few clips, one round (smoke run)")
    args = ap.parse_args()
    args.clips = args.clips or (32 if args.tiny else 256)
    args.epochs = args.epochs or (1 if args.tiny else 2)
    args.rounds = args.rounds or (1 if args.tiny else 3)
    shape = (3, 1, 64, 64) if args.input == "flow" else (1, 8, 64, 64)
    x = torch.from_numpy(np.random.default_rng(0).normal(size=(args.clips, *shape)).astype(np.float32))
    y = torch.from_numpy(np.random.default_rng(1).integers(0, 5, args.clips))
    batches = [(x[i:i + 8], y[i:i + 8]) for i in range(0, args.clips, 8)]
    methods = {
        "model alone (pre-batched tensors)": lambda m: epoch_on_batches(m, batches),
        "ours: DataLoader, as trained": lambda m: epoch_with_loader(m, x, y, 8),
    }
    models = {}
    for name, step in methods.items():
        torch.manual_seed(0)
        models[name] = build_model(args.model, shape[0], 5)
        step(models[name])  # warm-up
    best = dict.fromkeys(methods, float("inf"))
    for _ in range(args.rounds):  # interleaved rounds, best of each: fair under load
        for name, step in methods.items():
            t0 = time.perf_counter()
            for _ in range(args.epochs):
                step(models[name])
            best[name] = min(best[name], time.perf_counter() - t0)
    times = best
    rates = {k: args.clips * args.epochs / v for k, v in times.items()}
    for k, v in rates.items():
        print(f"{k:36s} {v:8.1f} clips/s")
    ref = rates["model alone (pre-batched tensors)"]
    print(f"ratio (ours / model alone): {rates['ours: DataLoader, as trained'] / ref:.2f}  "
          "(target ≥ 0.8)")
    with tempfile.TemporaryDirectory() as tmp:
        if args.tiny:
            samples = tiny_samples(Path(tmp), 2)
        elif clips := sorted((REPO / "data" / "dataset").glob("*/manifest.csv")):
            from equime.datasets.synthetic import load

            samples = load(clips[0].parent).samples[:8]
        else:
            samples = []
        if samples:
            from equime.baselines.inputs import clip_input

            t0 = time.perf_counter()
            for s in samples:
                clip_input(s, args.input, frames=8, size=64)
            per = (time.perf_counter() - t0) / len(samples)
            print(f"input preparation (decode + {args.input}), once per clip: {per * 1000:.0f} ms")


def tiny_samples(folder: Path, n: int) -> list[Sample]:
    """``n`` warp clips of the demo face as synthetic-set samples (MP4 + planned timing)."""
    sys.path.insert(0, str(REPO))
    from tests.bench_fixtures import demo_face, tiny_params, warp_clips

    from equime.datasets.labels import megc3
    from equime.datasets.sample import Sample

    p = tiny_params()
    return [Sample(dataset="synthetic", subject=r.subject, clip_id=r.clip_id, frames=(), fps=r.fps,
                   emotion=r.emotion, label3=megc3("synthetic", r.emotion), onset=r.timing.onset_frame,
                   apex=r.timing.apex_frame, offset=r.timing.offset_frame, video=path)
            for r, path in warp_clips(folder, n, p, demo_face(p))]


if __name__ == "__main__":
    main()
