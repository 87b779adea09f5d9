"""LTX-Video generate stage for each preset (``generate.ltx.preset``: dev, distilled): seconds per
clip, peak GPU memory, the stage's overhead against the bare ``pipe()`` call in the same run
(target ≤ 3 %), and GPU-hours per 100k clips of the real config (params.yaml's plan size and
``generate.ltx.num_frames``).

On CUDA each preset's pipeline is built at its real checkpoint's sizes with random weights (no
download; the sizes, hence the compute, are real) in bf16 and timed at batches 1, 2, 4:

- dev: diffusers' default LTX-Video configs (Lightricks/LTX-Video, 2B), image2video, the steps
  and guidance of params.yaml;
- distilled: the 0.9.7/0.9.8 13B transformer and VAE configs of diffusers'
  scripts/convert_ltx_to_diffusers.py, LTXConditionPipeline (one clip a call), the preset's 8
  fixed timesteps at guidance 1.

The T5 encoder is one layer at the real width (4096): prompt encoding is a small share of the
time. GPU-hours per 100k clips are then measured: the stage's s/clip at its best batch.

Without CUDA (or with ``--tiny``) the real models cannot run here. Each preset's schedule runs
on the tests' tiny random pipeline (32x32, 10 frames kept of 17): measured, but it says nothing
about a GPU. The real config's cost is then an ESTIMATE: the FLOPs of one clip, counted by
torch's FlopCounterMode on meta tensors at the real sizes (transformer passes, VAE decode, the
conditioning image's encode, a full T5-XXL), divided by an assumed sustained H100 throughput
(``--assume-tflops``, default 400 = 40 % of the 989 TFLOP/s dense bf16 peak). A CUDA run prints
the throughput it achieved, to check that assumption.

LTX-2 (``generate.ltx2``, both presets): the FLOPs of one clip at its real config, counted the
same way (the 19B audio-video transformer a pass, the video VAE's decode and the face's encode,
Gemma 3 12B and the text connectors per prompt, the audio VAE and vocoder), and the ESTIMATE of
GPU-hours they give; no LTX-2 run is timed here.

    python benchmarks/bench_ltx.py [--batches 1 2 4] [--assume-tflops 400] [--tiny]
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from equime.artifacts.curated import FaceImage
from equime.artifacts.plan import PlanRow
from equime.generate.ltx import LTXRenderer, sampling, valid_num_frames
from equime.generate.ltx2_params import PRESETS as LTX2_PRESETS
from equime.generate.ltx_params import LTXParams
from equime.generate.ltx_presets import PRESETS, passes_per_step
from equime.generate.runner import generate_clips
from equime.params import load_params, parse_params
from equime.plan.planner import PlanSubject, plan_clips
from equime.video import EncoderOptions

REPO = Path(__file__).resolve().parents[1]
CLIPS = 100_000
TINY_STEPS = 2  # dev's steps on the tiny pipeline (CPU passes cost ~0.3 s: 50 would take minutes)
H100_PEAK_TFLOPS = 989.0  # dense bf16, SXM


@dataclass(frozen=True)
class RealConfig:
    """A preset's real checkpoint, as configs (diffusers' scripts/convert_ltx_to_diffusers.py)."""

    transformer: dict[str, Any] = field(default_factory=dict)  # {}: diffusers' defaults (2B)
    vae: dict[str, Any] = field(default_factory=dict)
    scheduler: dict[str, Any] = field(default_factory=dict)


REAL = {
    "dev": RealConfig(scheduler={"use_dynamic_shifting": True, "base_shift": 0.95, "max_shift": 2.05,
                                 "base_image_seq_len": 1024, "max_image_seq_len": 4096,
                                 "shift_terminal": 0.1}),
    "distilled": RealConfig(
        transformer={"num_attention_heads": 32, "attention_head_dim": 128,
                     "cross_attention_dim": 4096, "num_layers": 48},
        vae={"block_out_channels": (128, 256, 512, 1024, 2048),
             "down_block_types": ("LTXVideo095DownBlock3D",) * 4,
             "decoder_block_out_channels": (256, 512, 1024), "layers_per_block": (4, 6, 6, 2, 2),
             "decoder_layers_per_block": (5, 5, 5, 5), "spatio_temporal_scaling": (True,) * 4,
             "decoder_spatio_temporal_scaling": (True,) * 3, "decoder_inject_noise": (False,) * 4,
             "downsample_type": ("spatial", "temporal", "spatiotemporal", "spatiotemporal"),
             "upsample_residual": (True,) * 3, "upsample_factor": (2, 2, 2),
             "timestep_conditioning": True, "spatial_compression_ratio": 32,
             "temporal_compression_ratio": 8},
        scheduler={"use_dynamic_shifting": False}),
}
T5_XXL = {"d_model": 4096, "d_kv": 64, "d_ff": 10240, "num_layers": 24, "num_heads": 64,
          "feed_forward_proj": "gated-gelu"}  # google/t5-v1_1-xxl, LTX-Video's text encoder


# LTX-2.0 at its real sizes (diffusers' scripts/convert_ltx2_to_diffusers.py, version "2.0"):
# the transformer and the connectors are diffusers' defaults with split RoPE; the text encoder is
# google/gemma-3-12b-it's text model; the video VAE, audio VAE and vocoder as converted
LTX2_VAE = {"block_out_channels": (256, 512, 1024, 2048),
            "down_block_types": ("LTX2VideoDownBlock3D",) * 4,
            "decoder_block_out_channels": (256, 512, 1024), "layers_per_block": (4, 6, 6, 2, 2),
            "decoder_layers_per_block": (5, 5, 5, 5), "spatio_temporal_scaling": (True,) * 4,
            "decoder_spatio_temporal_scaling": (True,) * 3, "decoder_inject_noise": (False,) * 4,
            "downsample_type": ("spatial", "temporal", "spatiotemporal", "spatiotemporal"),
            "upsample_residual": (True,) * 3, "upsample_factor": (2, 2, 2), "patch_size": 4,
            "spatial_compression_ratio": 32, "temporal_compression_ratio": 8}
LTX2_AUDIO_VAE = {"base_channels": 128, "output_channels": 2, "ch_mult": (1, 2, 4),
                  "num_res_blocks": 2, "attn_resolutions": None, "in_channels": 2,
                  "resolution": 256, "latent_channels": 8, "norm_type": "pixel",
                  "causality_axis": "height", "mid_block_add_attention": False,
                  "sample_rate": 16000, "mel_hop_length": 160, "is_causal": True, "mel_bins": 64,
                  "double_z": True}
LTX2_VOCODER = {"in_channels": 128, "hidden_channels": 1024, "out_channels": 2,
                "upsample_kernel_sizes": [16, 15, 8, 4, 4], "upsample_factors": [6, 5, 2, 2, 2],
                "resnet_kernel_sizes": [3, 7, 11], "resnet_dilations": [[1, 3, 5]] * 3,
                "output_sampling_rate": 24000}
GEMMA3_12B = {"vocab_size": 262208, "hidden_size": 3840, "intermediate_size": 15360,
              "num_hidden_layers": 48, "num_attention_heads": 16, "num_key_value_heads": 8,
              "head_dim": 256, "query_pre_attn_scalar": 256, "sliding_window": 1024}


def preset_settings(base: LTXParams, preset: str, **update: Any) -> LTXParams:
    """``base`` switched to ``preset`` (params.yaml's steps and guidance for dev)."""
    row = PRESETS[preset]
    fixed: dict[str, Any] = {"preset": preset, "model": row.checkpoints[0]}
    if row.pipeline:
        fixed["pipeline"] = row.pipeline
    if row.timesteps is not None:
        fixed["num_inference_steps"] = None
    if row.guidance_scale is not None:
        fixed["guidance_scale"] = None
    return base.model_copy(update={**fixed, **update})


def schedule(settings: LTXParams) -> tuple[int, int, str]:
    """(steps, transformer passes per step, how it samples) of the pipeline call."""
    s = sampling(settings)
    per = passes_per_step(s["guidance_scale"])
    steps = len(s["timesteps"]) if "timesteps" in s else s["num_inference_steps"]
    how = f"{steps} fixed timesteps" if "timesteps" in s else f"{steps} steps"
    return steps, per, (f"{how} x {per} pass{'es' if per > 1 else ''} (guidance "
                        f"{s['guidance_scale']}) = {steps * per} transformer passes/clip")


def t5_tokenizer() -> Any:
    from transformers import T5Tokenizer

    return T5Tokenizer(vocab=[("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
                       + [(chr(c), -1.0) for c in range(33, 127)], extra_ids=0)


def build_real_size(preset: str, device: str = "cuda") -> Any:
    """The preset's pipeline at its real sizes, random weights, made on ``device`` in bf16."""
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXConditionPipeline,
        LTXImageToVideoPipeline,
        LTXVideoTransformer3DModel,
    )
    from transformers import T5Config, T5EncoderModel

    cfg = REAL[preset]
    tokenizer = t5_tokenizer()
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.bfloat16)  # parameters made in bf16 on the GPU: no fp32 copy
    try:
        with torch.device(device):
            transformer = LTXVideoTransformer3DModel(**cfg.transformer)
            vae = AutoencoderKLLTXVideo(**cfg.vae)
            text_encoder = T5EncoderModel(T5Config(vocab_size=len(tokenizer),
                                                   **{**T5_XXL, "num_layers": 1}))
    finally:
        torch.set_default_dtype(default)
    cls = LTXConditionPipeline if PRESETS[preset].pipeline == "condition" else LTXImageToVideoPipeline
    pipe = cls(transformer=transformer, vae=vae, text_encoder=text_encoder, tokenizer=tokenizer,
               scheduler=FlowMatchEulerDiscreteScheduler(**cfg.scheduler))
    pipe.set_progress_bar_config(disable=True)
    return pipe


def clip_tflop(preset: str, steps: int, per_step: int, width: int, height: int, n_frames: int,
               max_sequence_length: int, keyframes: bool = False) -> tuple[float, dict[str, float]]:
    """(transformer parameters in billions, TFLOP of one clip by part), counted on meta tensors
    at the real sizes: nothing is allocated or run. Under classifier-free guidance
    (``per_step`` 2) each step and the T5 encode also run on the negative prompt. With
    ``keyframes`` (``generate.ltx.conditioning``), the apex image is encoded too and its latent
    frame's tokens join every transformer pass (LTXConditionPipeline appends them)."""
    from diffusers import AutoencoderKLLTXVideo, LTXVideoTransformer3DModel
    from torch.utils.flop_counter import FlopCounterMode
    from transformers import T5Config, T5EncoderModel

    cfg = REAL[preset]
    f, h, w = (n_frames - 1) // 8 + 1 + int(keyframes), height // 32, width // 32
    counted = {}
    with torch.device("meta"):
        transformer = LTXVideoTransformer3DModel(**cfg.transformer)
        vae = AutoencoderKLLTXVideo(**cfg.vae)
        t5 = T5EncoderModel(T5Config(vocab_size=32128, **T5_XXL))
        tokens = torch.randn(1, f * h * w, 128)
        text = torch.randn(1, max_sequence_length, 4096)
        latents = torch.randn(1, 128, f, h, w)
        image = torch.randn(1, 3, 1, height, width)
        ids = torch.zeros(1, max_sequence_length, dtype=torch.long)
    with FlopCounterMode(display=False) as fc:
        transformer(hidden_states=tokens, encoder_hidden_states=text, timestep=torch.ones(
            1, f * h * w, device="meta"), encoder_attention_mask=torch.ones(
            1, max_sequence_length, device="meta"), num_frames=f, height=h, width=w,
            rope_interpolation_scale=(8 / 24, 32, 32), return_dict=False)
    counted["transformer"] = fc.get_total_flops() * steps * per_step / 1e12
    temb = torch.ones(1, device="meta") if vae.config.timestep_conditioning else None
    with FlopCounterMode(display=False) as fc:
        vae.decode(latents, temb, return_dict=False)
        vae.encode(image)  # the conditioning face
        if keyframes:
            vae.encode(image)  # the apex keyframe
    counted["VAE"] = fc.get_total_flops() / 1e12
    with FlopCounterMode(display=False) as fc:
        t5(input_ids=ids)
    counted["T5"] = fc.get_total_flops() * per_step / 1e12
    return sum(p.numel() for p in transformer.parameters()) / 1e9, counted


def ltx2_passes(sampling: dict[str, Any]) -> int:
    """Transformer passes a step of the LTX2 pipeline call: two under classifier-free guidance
    (the prompt and the negative one in a batch of 2), one more for spatio-temporal guidance,
    one more for modality guidance."""
    return (passes_per_step(sampling["guidance_scale"]) + int(sampling["stg_scale"] > 0)
            + int(sampling["modality_scale"] != 1))


def ltx2_clip_tflop(sampling: dict[str, Any], width: int, height: int, n_frames: int, fps: float,
                    max_sequence_length: int) -> tuple[float, dict[str, float]]:
    """(transformer parameters in billions, TFLOP of one LTX-2 clip by part), counted on meta
    tensors at the real sizes; nothing is allocated or run."""
    from diffusers import (
        AutoencoderKLLTX2Audio,
        AutoencoderKLLTX2Video,
        LTX2VideoTransformer3DModel,
    )
    from diffusers.pipelines.ltx2 import LTX2TextConnectors
    from diffusers.pipelines.ltx2.vocoder import LTX2Vocoder
    from torch.utils.flop_counter import FlopCounterMode
    from transformers import Gemma3TextConfig, Gemma3TextModel

    steps, per_step = sampling["num_inference_steps"], ltx2_passes(sampling)
    prompts = passes_per_step(sampling["guidance_scale"])  # the negative prompt under CFG
    f, h, w = (n_frames - 1) // 8 + 1, height // 32, width // 32
    audio = round(n_frames / fps * 16000 / 160 / 4)  # audio latent frames (16 kHz, hop 160, /4)
    text_len = max_sequence_length
    with torch.device("meta"):
        transformer = LTX2VideoTransformer3DModel(rope_type="split")
        connectors = LTX2TextConnectors(rope_type="split")
        vae = AutoencoderKLLTX2Video(**LTX2_VAE)
        audio_vae = AutoencoderKLLTX2Audio(**LTX2_AUDIO_VAE)
        vocoder = LTX2Vocoder(**LTX2_VOCODER)
        gemma = Gemma3TextModel(Gemma3TextConfig(**GEMMA3_12B))
        one = torch.ones(1)
        text = torch.randn(1, text_len, 3840)
        mask = torch.ones(1, text_len)
    counted = {}
    with FlopCounterMode(display=False) as fc:
        transformer(hidden_states=torch.randn(1, f * h * w, 128, device="meta"),
                    audio_hidden_states=torch.randn(1, audio, 128, device="meta"),
                    encoder_hidden_states=text, audio_encoder_hidden_states=text,
                    timestep=torch.ones(1, f * h * w, device="meta"), audio_timestep=one,
                    sigma=one, encoder_attention_mask=mask, audio_encoder_attention_mask=mask,
                    num_frames=f, height=h, width=w, fps=fps, audio_num_frames=audio,
                    return_dict=False)
    counted["transformer"] = fc.get_total_flops() * steps * per_step / 1e12
    with FlopCounterMode(display=False) as fc:
        vae.decode(torch.randn(1, 128, f, h, w, device="meta"), None, return_dict=False)
        vae.encode(torch.randn(1, 3, 1, height, width, device="meta"))  # the conditioning face
    counted["VAE"] = fc.get_total_flops() / 1e12
    with FlopCounterMode(display=False) as fc:
        gemma(input_ids=torch.zeros(1, text_len, dtype=torch.long, device="meta"),
              output_hidden_states=True)
        connectors(torch.randn(1, text_len, 3840 * 49, device="meta"), mask)
    counted["Gemma 3 + connectors"] = fc.get_total_flops() * prompts / 1e12
    with FlopCounterMode(display=False) as fc:
        vocoder(audio_vae.decode(torch.randn(1, 8, audio, 16, device="meta"),
                                 return_dict=False)[0])
    counted["audio"] = fc.get_total_flops() / 1e12
    return sum(p.numel() for p in transformer.parameters()) / 1e9, counted


def time_preset(renderer: LTXRenderer, rows: list[PlanRow], face: FaceImage, batches: list[int],
                encoder: EncoderOptions, out: Path, cuda: bool) -> dict[int, float]:
    """Stage and bare-call seconds per clip at each batch; prints a line each. Returns
    {batch: stage s/clip}."""
    pipe, s, first = renderer.pipe, renderer.settings, rows[0]
    image = Image.fromarray(face.image)  # as the stage passes it
    n_frames = renderer.generated_frames(first)  # what the stage asks pipe() for
    renderer.render_batch(rows[:1], [face])  # warm-up (kernels, allocator, lazy imports)

    def bare(batch: list[PlanRow]) -> None:
        common = {"height": first.height, "width": first.width, "num_frames": n_frames,
                  "frame_rate": first.fps, **renderer.sampling,
                  "decode_timestep": s.decode_timestep, "decode_noise_scale": s.decode_noise_scale,
                  "max_sequence_length": s.max_sequence_length, "output_type": "np"}
        if s.pipeline == "condition":  # one clip a call, as the stage
            from diffusers.pipelines.ltx.pipeline_ltx_condition import LTXVideoCondition

            for r in batch:
                pipe(conditions=[LTXVideoCondition(image=image, frame_index=0)],
                     prompt=r.prompt, negative_prompt=r.negative_prompt,
                     generator=torch.Generator().manual_seed(r.seed), **common)
            return
        pipe(image=[image] * len(batch), prompt=[r.prompt for r in batch],
             negative_prompt=[r.negative_prompt for r in batch],
             generator=[torch.Generator().manual_seed(r.seed) for r in batch], **common)

    stage_s = {}
    for b in batches:
        batch = rows[:b]
        if cuda:
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        t0 = time.perf_counter()
        bare(batch)
        if cuda:
            torch.cuda.synchronize()
        bare_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        generate_clips(batch, lambda r: face, renderer, encoder, out / f"{s.preset}-b{b}",
                       batch_size=b)
        if cuda:
            torch.cuda.synchronize()
        stage = time.perf_counter() - t0
        stage_s[b] = stage / b
        peak = torch.cuda.max_memory_allocated() / 2**30 if cuda else float("nan")
        print(f"  batch {b}: stage {stage / b:.2f} s/clip, bare pipe() {bare_s / b:.2f} s/clip, "
              f"overhead {100 * (stage - bare_s) / bare_s:+.1f}% (target <= 3%), "
              f"peak GPU memory {peak:.1f} GiB")
    return stage_s


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", type=int, nargs="+", default=None,
                    help="default 1 2 4 on CUDA, 1 on the tiny pipeline")
    ap.add_argument("--assume-tflops", type=float, default=400.0,
                    help="sustained H100 bf16 TFLOP/s assumed by the estimate (default 400)")
    ap.add_argument("--tiny", action="store_true", help="the tiny pipeline on CPU even with CUDA")
    args = ap.parse_args()
    cuda = torch.cuda.is_available() and not args.tiny
    batches = args.batches or ([1, 2, 4] if cuda else [1])
    p = load_params(REPO / "params.yaml")
    real = (p.plan.width, p.plan.height, p.generate.ltx.num_frames
            or valid_num_frames(round(p.plan.clip_seconds * p.plan.fps)))
    tree = p.model_dump(mode="json")
    if not cuda:
        tree["plan"].update({"width": 32, "height": 32, "clip_seconds": 10 / 24,
                             "apex_window_s": [0.1, 0.2], "duration_s": [0.04, 0.1],
                             "au_source": "paper"})  # 10 frames: shorter MEs than real ones
    p = parse_params(tree)
    spec = p.plan
    rows = plan_clips([PlanSubject(f"s{i}", "f") for i in range(max(batches))], spec, p.base.seed)
    rows = [r for r in rows if r.emotion == spec.emotions[0] and r.seq == 1]
    face = FaceImage(np.random.default_rng(0).integers(0, 255, (spec.height, spec.width, 3),
                                                       dtype=np.uint8), np.zeros((68, 2)))
    encoder = p.generate.encoder()
    measured: dict[str, float] = {}
    sched = {k: schedule(preset_settings(p.generate.ltx, k))[:2] for k in PRESETS}  # real config
    tiny_passes: dict[str, int] = {}
    num_frames = p.generate.ltx.num_frames if cuda else None  # tiny: the plan's 10 (17 made)
    clip = (f"{spec.width}x{spec.height}, {num_frames or rows[0].n_frames} frames kept of "
            f"{num_frames or valid_num_frames(rows[0].n_frames)}")
    with tempfile.TemporaryDirectory() as tmp:
        if cuda:
            print(f"device: {torch.cuda.get_device_name()}; real sizes, random weights; {clip}; "
                  "dtype torch.bfloat16")
        else:
            sys.path.insert(0, str(REPO))
            from tests.fixtures import build_tiny_ltx

            tiny = build_tiny_ltx(Path(tmp) / "model")
            print("device: cpu; tiny random pipeline (measured here, says nothing about a GPU); "
                  f"{clip}; dtype torch.float32")
        for preset in PRESETS:
            if cuda:
                settings = preset_settings(p.generate.ltx, preset, device="cuda", dtype="bfloat16",
                                           cpu_offload=False)
                renderer = LTXRenderer(settings, pipe=build_real_size(preset))
            else:
                tiny_steps = ({"num_inference_steps": TINY_STEPS}
                              if PRESETS[preset].timesteps is None else {})
                settings = preset_settings(p.generate.ltx, preset, model=str(tiny), device="cpu",
                                           max_sequence_length=16, num_frames=num_frames,
                                           **tiny_steps)
                renderer = LTXRenderer(settings)
            steps, per_step, how = schedule(settings)
            tiny_passes[preset] = steps * per_step
            if not cuda and sched[preset][0] != steps:
                how += f" (tiny run; params.yaml: {sched[preset][0]} steps)"
            print(f"preset {preset}: {how}")
            per_batch = time_preset(renderer, rows, face, batches, encoder, Path(tmp), cuda)
            best = min(per_batch, key=per_batch.__getitem__)
            measured[preset] = per_batch[best]
            del renderer
            gc.collect()
            if cuda:
                torch.cuda.empty_cache()

    width, height, frames = real
    tokens = ((frames - 1) // 8 + 1) * (height // 32) * (width // 32)
    print(f"real config (params.yaml): {width}x{height}, {frames} frames = {tokens} latent tokens a "
          "pass; FLOPs counted on meta tensors (torch FlopCounterMode), nothing run:")
    tflop, size = {}, {}
    for preset in PRESETS:
        size[preset], parts = clip_tflop(preset, *sched[preset], width, height, frames,
                                         p.generate.ltx.max_sequence_length)
        tflop[preset] = sum(parts.values())
        print(f"  {preset}: {PRESETS[preset].checkpoints[0]}, transformer {size[preset]:.2f}B "
              f"params x {sched[preset][0] * sched[preset][1]} passes: "
              + ", ".join(f"{k} {v:.0f}" for k, v in parts.items())
              + f" = {tflop[preset]:.0f} TFLOP/clip")
    _, parts = clip_tflop("distilled", *sched["distilled"], width, height, frames,
                          p.generate.ltx.max_sequence_length, keyframes=True)
    print(f"  distilled with generate.ltx.conditioning: keyframes (the apex image encoded, its "
          f"{(height // 32) * (width // 32)} tokens in every pass): {sum(parts.values()):.0f} "
          f"TFLOP/clip, {100 * (sum(parts.values()) / tflop['distilled'] - 1):+.0f}%")
    if cuda:
        hours = {k: v * CLIPS / 3600 for k, v in measured.items()}
        print(f"GPU-hours per 100k clips, MEASURED on {torch.cuda.get_device_name()} (stage s/clip "
              "at its best batch): " + ", ".join(f"{k} {v:.1f}" for k, v in hours.items()))
        print("achieved: " + ", ".join(f"{k} {tflop[k] / measured[k]:.0f} TFLOP/s"
                                       for k in PRESETS) + " (the CPU estimate's assumption: "
              f"{args.assume_tflops:.0f})")
    else:
        print("tiny pipeline on CPU, MEASURED here (not a GPU figure): " + ", ".join(
            f"{k} {v:.2f} s/clip at {n} passes" for (k, v), n in
            zip(measured.items(), tiny_passes.values(), strict=True)))
        est = {k: v / args.assume_tflops * CLIPS / 3600 for k, v in tflop.items()}
        print(f"GPU-hours per 100k clips, ESTIMATE for one H100 (counted FLOPs at an assumed "
              f"{args.assume_tflops:.0f} TFLOP/s sustained = "
              f"{100 * args.assume_tflops / H100_PEAK_TFLOPS:.0f}% of the bf16 peak; not "
              "measured): " + ", ".join(f"{k} {v:.1f}" for k, v in est.items()))
    ltx2 = p.generate.ltx2
    frames2 = ltx2.num_frames or valid_num_frames(round(p.plan.clip_seconds * p.plan.fps))
    print(f"LTX-2 (generate.ltx2), real config: {width}x{height}, {frames2} frames at "
          f"{p.plan.fps} fps; FLOPs counted on meta tensors, nothing run:")
    tflop2 = {}
    for preset in LTX2_PRESETS:
        update = ({} if preset == ltx2.preset else
                  {"preset": preset, **dict.fromkeys(
                      ("num_inference_steps", *LTX2_PRESETS[preset].fixed), None)})
        sampling2 = ltx2.model_copy(update=update).sampling()
        size2, parts = ltx2_clip_tflop(sampling2, width, height, frames2, p.plan.fps,
                                       ltx2.max_sequence_length)
        tflop2[preset] = sum(parts.values())
        passes = sampling2["num_inference_steps"] * ltx2_passes(sampling2)
        print(f"  {preset}: transformer {size2:.1f}B params x {passes} passes: "
              + ", ".join(f"{k} {v:.1f}" for k, v in parts.items())
              + f" = {tflop2[preset]:.0f} TFLOP/clip; ESTIMATE at {args.assume_tflops:.0f} "
              f"TFLOP/s: {tflop2[preset] / args.assume_tflops * CLIPS / 3600:.0f} GPU-hours per "
              "100k clips")
    print(f"LTX-2 distilled vs LTX-Video distilled: {tflop2['distilled'] / tflop['distilled']:.2f}x "
          "the FLOPs a clip")
    (dev_steps, dev_per), (dist_steps, dist_per) = sched["dev"], sched["distilled"]
    print(f"distilled vs dev: {dev_steps / dist_steps:.1f}x fewer steps, "
          f"{dev_steps * dev_per / (dist_steps * dist_per):.1f}x fewer transformer passes, "
          f"{tflop['dev'] / tflop['distilled']:.1f}x fewer FLOPs (its transformer is "
          f"{size['distilled'] / size['dev']:.1f}x larger): a step-count extrapolation alone "
          "would overstate the saving")


if __name__ == "__main__":
    main()
