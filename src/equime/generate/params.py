"""The ``generate`` section: the backend, its settings and the encoder."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from equime.section import Section

X264_PRESETS = (
    "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow",
)


class WarpParams(Section):
    interpolation: Literal["linear", "cubic"]
    border_anchors: int = Field(ge=2, le=64)


class LTXParams(Section):
    """LTX-Video through diffusers (params.yaml holds the model card's recommendations for 0.9.x)."""

    model: str = Field(min_length=1)  # hub id or local directory
    revision: str  # hub revision (a commit sha pins it); ignored for a local directory
    pipeline: Literal["image2video", "condition"]
    device: Literal["auto", "cuda", "cpu"]
    dtype: Literal["bfloat16", "float16", "float32"]  # on CUDA; CPU always float32
    num_inference_steps: int = Field(ge=1, le=1000)
    guidance_scale: float = Field(ge=0)
    decode_timestep: float = Field(ge=0, le=1)
    decode_noise_scale: float = Field(ge=0, le=1)
    max_sequence_length: int = Field(ge=1, le=1024)
    cpu_offload: bool  # model CPU offload (accelerate), for small GPUs
    vae_tiling: bool
    # frames to generate (8k+1); retime keeps only the motion neutral → apex, so a short clip
    # serves a long plan. null: the plan's frame count (the smallest 8k+1 ≥ it, trimmed)
    num_frames: int | None = Field(ge=9)

    @field_validator("num_frames")
    @classmethod
    def _eight_k_plus_one(cls, v: int | None) -> int | None:
        if v is not None and (v - 1) % 8:
            raise ValueError(f"must be 8k+1 (LTX's VAE compresses time by 8), e.g. 49 (got {v})")
        return v


class GenerateParams(Section):
    backend: Literal["warp", "ltx"]
    batch_size: int = Field(ge=1, le=256)
    crf: int = Field(ge=0, le=51)
    preset: Literal[X264_PRESETS]  # type: ignore[valid-type]
    warp: WarpParams
    ltx: LTXParams
