"""Training throughput (clips/s) with the data pipeline against the model alone, in one run.

Ours: the training loop as `equime train` runs it (inputs prepared once per clip, then a seeded
shuffling DataLoader over them, forward, backward, step). Reference: the same model and steps on
tensors already batched in memory (no loader). Interleaved rounds, best of each. The loader
must not be the bottleneck: ratio ≥ 0.8. Also reports the one-off cost of preparing an input
per clip (decode + flow), from the default pipeline's clips when present.

    python benchmarks/bench_train.py [--clips 256] [--model cnn3d] [--input flow]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from equime.baselines.models import build_model

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
    ap.add_argument("--clips", type=int, default=256)
    ap.add_argument("--model", default="cnn3d")
    ap.add_argument("--input", default="flow", choices=["flow", "frames"])
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
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
    clips = sorted((REPO / "data" / "dataset").glob("*/manifest.csv"))
    if clips:
        from equime.baselines.inputs import clip_input
        from equime.datasets.synthetic import load

        samples = load(clips[0].parent).samples[:8]
        t0 = time.perf_counter()
        for s in samples:
            clip_input(s, args.input, frames=8, size=64)
        per = (time.perf_counter() - t0) / len(samples)
        print(f"input preparation (decode + {args.input}), once per clip: {per * 1000:.0f} ms")


if __name__ == "__main__":
    main()
