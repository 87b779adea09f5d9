"""Fixtures built in code: a real face (scikit-image's public-domain astronaut), params, plans."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml
from skimage import data

from equime.artifacts.curated import FaceImage
from equime.artifacts.plan import PlanRow
from equime.faces.align import AlignedFace, align_face
from equime.faces.detect import FaceDetector
from equime.params import Params, parse_params
from equime.plan.params import PlanParams
from equime.plan.planner import plan_clip
from equime.recording.params import RecordingParams
from equime.video import EncoderOptions

if TYPE_CHECKING:
    from equime.generate.warp import WarpRenderer

REPO = Path(__file__).resolve().parents[1]


@cache
def detector() -> FaceDetector:
    return FaceDetector(upsample=1)


def astronaut() -> np.ndarray:
    return data.astronaut()


@cache
def aligned_astronaut() -> AlignedFace:
    face = detector().detect(astronaut())[0]
    return align_face(astronaut(), face.landmarks, size=512, eye_distance=0.24, eye_y=0.42)


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


def encoder(**kw: Any) -> EncoderOptions:
    """The encoder as params.yaml sets it (crf, preset), with overrides."""
    g = params().generate
    return EncoderOptions(**{"crf": g.crf, "preset": g.preset, "asm": g.x264_asm, **kw})


def clean_recording() -> RecordingParams:
    """The recording section with every part off: frames outside the expression are the photo."""
    r = params().recording
    return r.model_copy(update={name: getattr(r, name).model_copy(update={"enabled": False})
                                for name in ("camera", "face", "appearance")})


def warp(**kw: Any) -> WarpRenderer:
    """The warp backend as params.yaml sets it, with overrides (e.g. interpolation="cubic"),
    rendering clean clips (no camera, no living face, no shading: geometry tests)."""
    from equime.generate.warp import WarpRenderer

    return WarpRenderer(params().generate.warp.model_copy(update=kw), clean_recording())


def filmed_warp() -> WarpRenderer:
    """The warp backend exactly as params.yaml sets it (a lab recording, by default)."""
    from equime.generate.warp import WarpRenderer

    return WarpRenderer(params().generate.warp, params().recording)


def plan_spec(p: Params | None = None) -> PlanParams:
    return (p or params()).plan


def single_au_row(code: str, intensity: float, apex_frame: int = 20, n_frames: int = 48,
                  duration_s: float = 0.2, fps: int = 24) -> PlanRow:
    """A plan row with one AU at a fixed intensity and timing (for value tests)."""
    from equime.artifacts.plan import AUActivation
    from equime.facs import get_au, intensity_letter
    from equime.plan.timing import make_timing

    row = plan_clip("astronaut", "f", "happiness", 1, plan_spec(), base_seed=1)
    t = make_timing(apex_frame, duration_s, 0.4, fps)
    au = AUActivation(code=code, name=get_au(code).name, intensity=intensity,
                      letter=intensity_letter(intensity))
    return row.model_copy(update={
        "aus": (au,), "n_frames": n_frames, "fps": fps, "timing": t})


def build_tiny_ltx(folder: Path) -> Path:
    """An LTX image-to-video pipeline with random weights, sized like diffusers' own LTX tests
    (1 layer, 8 channels), and a tiny T5 whose tokenizer is built in memory; saved to ``folder``."""
    import torch
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXImageToVideoPipeline,
        LTXVideoTransformer3DModel,
    )
    from transformers import T5Config, T5EncoderModel, T5Tokenizer

    torch.manual_seed(0)
    transformer = LTXVideoTransformer3DModel(
        in_channels=8, out_channels=8, patch_size=1, patch_size_t=1, num_attention_heads=4,
        attention_head_dim=8, cross_attention_dim=32, num_layers=1, caption_channels=32)
    vae = AutoencoderKLLTXVideo(
        in_channels=3, out_channels=3, latent_channels=8, block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8), layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1), spatio_temporal_scaling=(True, True, False, False),
        decoder_spatio_temporal_scaling=(True, True, False, False),
        decoder_inject_noise=(False,) * 5, upsample_residual=(False,) * 4, upsample_factor=(1,) * 4,
        timestep_conditioning=False, patch_size=1, patch_size_t=1, encoder_causal=True,
        decoder_causal=False)
    vae.use_framewise_encoding = False
    vae.use_framewise_decoding = False
    words = ["a", "the", "of", "with", "person", "face", "brief", "subtle", "micro", "expression",
             "lip", "corner", "brow", "raiser"]
    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
    vocab += [(f"▁{w}", -float(i)) for i, w in enumerate(words)]
    vocab += [(c, -20.0) for c in "abcdefghijklmnopqrstuvwxyz,.()0123456789"]
    tokenizer = T5Tokenizer(vocab=vocab, extra_ids=0)
    text_encoder = T5EncoderModel(T5Config(vocab_size=len(tokenizer), d_model=32, d_kv=8, d_ff=37,
                                           num_layers=1, num_heads=4,
                                           relative_attention_num_buckets=8))
    pipe = LTXImageToVideoPipeline(transformer=transformer, vae=vae,
                                   scheduler=FlowMatchEulerDiscreteScheduler(),
                                   text_encoder=text_encoder, tokenizer=tokenizer)
    pipe.save_pretrained(folder)
    return folder


TINY_PLAN = {"plan.width": 32, "plan.height": 32, "plan.clip_seconds": 10 / 24,
             "plan.apex_window_s": [0.1, 0.2], "plan.duration_s": [0.04, 0.1],
             "plan.au_source": "paper"}  # a 10-frame clip: shorter MEs than real ones
TINY_LTX = {"num_inference_steps": 2, "max_sequence_length": 16, "device": "cpu", "num_frames": None}


def tiny_rows() -> list[PlanRow]:
    """What the tiny generators render: 2 subjects × 2 emotions × 2 sequences of 10 frames at
    32x32 (:data:`TINY_PLAN`)."""
    from equime.plan.planner import PlanSubject, plan_clips

    spec = plan_spec(params(**TINY_PLAN, **{"plan.emotions": ["happiness", "sadness"]}))
    return plan_clips([PlanSubject("ann", "f"), PlanSubject("bob", "m")], spec, base_seed=3)


def tiny_face(folder: Path) -> FaceImage:
    """The aligned astronaut at 32x32, loaded from a PNG in ``folder`` as the stage loads one."""
    from equime.artifacts.curated import load_face
    from equime.files import write_png

    png = folder / "f.png"
    write_png(png, aligned_astronaut().image)
    return load_face(png, aligned_astronaut().landmarks, 32, 32)


@cache
def au12_clip() -> tuple[PlanRow, np.ndarray]:
    """A rendered AU12 clip at intensity 0.4, apex at frame 20 of 48 (shared by several tests)."""
    row = single_au_row("12", intensity=0.4, apex_frame=20, n_frames=48, duration_s=0.2)
    return row, warp().render(row, face_image())


def me_clips(rows: list[PlanRow], videos_dir: Path, out_dir: Path) -> None:
    """The retime stage over warp clips: each passes through as the ME clip it is."""
    from equime.retime.jobs import retime_plan

    retime_plan(rows, videos_dir, videos_dir / "no-curated-faces-needed", out_dir,
                params().retime, params().recording.camera, encoder())
