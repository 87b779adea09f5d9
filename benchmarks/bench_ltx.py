"""LTX-Video generate stage on GPU: seconds per clip and peak GPU memory for batch sizes 1, 2, 4,
and the stage's overhead against the bare ``pipe()`` call in the same run (target ≤ 3 %).

Real weights cannot be downloaded on the benchmark machine, so the transformer and VAE are built
with random weights at diffusers' default LTX-Video configs (the real model's sizes, hence its
real compute cost); the T5 encoder is one layer at the real width (4096), as prompt encoding is a
small share of the time. ``--tiny`` runs the same code on CPU with the tests' tiny random
pipeline, 32x32 clips of 10 frames, 2 steps and batches 1, 2 (a smoke run: seconds).

Both the bare call and the stage generate ``generate.ltx.num_frames`` frames (the plan's count
rounded up to 8k + 1 when null), as the stage does.

    python benchmarks/bench_ltx.py [--steps 50] [--batches 1 2 4] [--tiny]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from equime.artifacts.curated import FaceImage
from equime.generate.ltx import LTXRenderer
from equime.generate.runner import generate_clips
from equime.params import load_params, parse_params
from equime.plan.planner import PlanSubject, plan_clips
from equime.video import EncoderOptions

REPO = Path(__file__).resolve().parents[1]


def build_real_size(folder: Path) -> Path:
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXImageToVideoPipeline,
        LTXVideoTransformer3DModel,
    )
    from transformers import T5Config, T5EncoderModel, T5Tokenizer

    tokenizer = T5Tokenizer(vocab=[("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
                            + [(chr(c), -1.0) for c in range(33, 127)], extra_ids=0)
    text_encoder = T5EncoderModel(T5Config(vocab_size=len(tokenizer), d_model=4096, d_kv=64,
                                           d_ff=10240, num_layers=1, num_heads=64))
    pipe = LTXImageToVideoPipeline(transformer=LTXVideoTransformer3DModel(),
                                   vae=AutoencoderKLLTXVideo(),
                                   scheduler=FlowMatchEulerDiscreteScheduler(),
                                   text_encoder=text_encoder, tokenizer=tokenizer)
    pipe.save_pretrained(folder)
    return folder


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=None, help="default 50, 2 with --tiny")
    ap.add_argument("--batches", type=int, nargs="+", default=None,
                    help="default 1 2 4, 1 2 with --tiny")
    ap.add_argument("--tiny", action="store_true", help="test-sized parts on CPU (smoke run)")
    args = ap.parse_args()
    args.steps = args.steps or (2 if args.tiny else 50)
    args.batches = args.batches or ([1, 2] if args.tiny else [1, 2, 4])
    cuda = torch.cuda.is_available() and not args.tiny
    tree = load_params(REPO / "params.yaml").model_dump(mode="json")
    if args.tiny:
        tree["plan"].update({"width": 32, "height": 32, "clip_seconds": 10 / 24,
                             "apex_window_s": [0.1, 0.2], "duration_s": [0.04, 0.1]})
    p = parse_params(tree)
    spec = p.plan
    rows = plan_clips([PlanSubject(f"s{i}", "f") for i in range(max(args.batches))], spec,
                      p.base.seed)
    rows = [r for r in rows if r.emotion == spec.emotions[0] and r.seq == 1]
    face = FaceImage(np.random.default_rng(0).integers(0, 255, (spec.height, spec.width, 3),
                                                       dtype=np.uint8), np.zeros((68, 2)))
    with tempfile.TemporaryDirectory() as tmp:
        if args.tiny:
            sys.path.insert(0, str(REPO))
            from tests.fixtures import build_tiny_ltx

            model = build_tiny_ltx(Path(tmp) / "model")
        else:
            model = build_real_size(Path(tmp) / "model")
        update = {"model": str(model), "num_inference_steps": args.steps,
                  "device": "cuda" if cuda else "cpu", "max_sequence_length": 16 if args.tiny else 128}
        if args.tiny:
            update["num_frames"] = None  # the tiny plan's 10 frames (17 generated)
        settings = p.generate.ltx.model_copy(update=update)
        renderer = LTXRenderer(settings)
        pipe = renderer.pipe
        n_frames = renderer.generated_frames(rows[0])  # what the stage asks pipe() for
        print(f"device: {torch.cuda.get_device_name() if cuda else 'cpu'}; {spec.width}x{spec.height}, "
              f"{renderer.kept_frames(rows[0])} frames kept of {n_frames}; {args.steps} steps; "
              f"dtype {pipe.transformer.dtype}")
        renderer.render_batch(rows[:1], [face])  # warm-up (kernels, allocator)
        for b in args.batches:
            batch = rows[:b]
            if cuda:
                torch.cuda.synchronize()
                torch.cuda.reset_peak_memory_stats()
            t0 = time.perf_counter()
            pipe(image=[face.image] * b, prompt=[r.prompt for r in batch],
                 negative_prompt=[r.negative_prompt for r in batch], height=spec.height,
                 width=spec.width, num_frames=n_frames, frame_rate=spec.fps,
                 num_inference_steps=args.steps, guidance_scale=settings.guidance_scale,
                 decode_timestep=settings.decode_timestep,
                 decode_noise_scale=settings.decode_noise_scale,
                 generator=[torch.Generator().manual_seed(r.seed) for r in batch],
                 output_type="np", max_sequence_length=settings.max_sequence_length)
            if cuda:
                torch.cuda.synchronize()
            bare = time.perf_counter() - t0
            t0 = time.perf_counter()
            encoder = EncoderOptions(crf=p.generate.crf, preset=p.generate.preset)
            generate_clips(batch, lambda r: face, renderer, encoder, Path(tmp) / f"b{b}",
                           batch_size=b)
            if cuda:
                torch.cuda.synchronize()
            stage = time.perf_counter() - t0
            peak = torch.cuda.max_memory_allocated() / 2**30 if cuda else float("nan")
            print(f"batch {b}: stage {stage / b:.2f} s/clip, bare pipe() {bare / b:.2f} s/clip, "
                  f"overhead {100 * (stage - bare) / bare:+.1f}% (target <= 3%), "
                  f"peak GPU memory {peak:.1f} GiB")


if __name__ == "__main__":
    main()
