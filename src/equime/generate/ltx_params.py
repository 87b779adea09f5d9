"""``generate.ltx``: LTX-Video's settings (the ltx backend), checked against its preset."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import AfterValidator, Field, model_validator

from equime.generate.ltx_presets import PRESETS, preset_of
from equime.section import Section, key_error


def _eight_k_plus_one(v: int | None) -> int | None:
    if v is not None and (v - 1) % 8:
        raise ValueError(f"must be 8k+1 (the VAE compresses time by 8), e.g. 97 (got {v})")
    return v


# frames to generate, 8k+1 (LTX-Video's and LTX-2's VAEs compress time by 8); null: the plan's
NumFrames = Annotated[int | None, Field(ge=9), AfterValidator(_eight_k_plus_one)]


class PresetSection(Section):
    """A diffusers backend's section: what its preset fixes must not also be set."""

    def preset_conflict(self) -> tuple[str, str] | None:
        """(key, why) for the first setting that contradicts the preset; None when none does."""
        raise NotImplementedError

    @model_validator(mode="after")
    def _agrees_with_preset(self) -> Self:
        if conflict := self.preset_conflict():
            raise key_error(*conflict)
        return self


class LTXParams(PresetSection):
    """LTX-Video through diffusers (params.yaml holds the model card's recommendations for 0.9.x).

    ``preset`` names a row of :data:`equime.generate.ltx_presets.PRESETS`; what the row fixes
    (the distilled schedule and guidance, the pipeline it needs) must not also be set here."""

    preset: Literal[tuple(PRESETS)]  # type: ignore[valid-type]
    model: str = Field(min_length=1)  # hub id or local directory
    revision: str  # hub revision (a commit sha pins it); ignored for a local directory
    pipeline: Literal["image2video", "condition"]
    # image: the neutral face at frame 0; keyframes: also the planned apex (the AU model's
    # drawing, generate/keyframe.py) at the apex frame (needs pipeline: condition)
    conditioning: Literal["image", "keyframes"]
    device: Literal["auto", "cuda", "cpu"]
    dtype: Literal["bfloat16", "float16", "float32"]  # on CUDA; CPU always float32
    num_inference_steps: int | None = Field(ge=1, le=1000)  # null where the preset fixes timesteps
    guidance_scale: float | None = Field(ge=0)  # null where the preset fixes guidance
    decode_timestep: float = Field(ge=0, le=1)
    decode_noise_scale: float = Field(ge=0, le=1)
    max_sequence_length: int = Field(ge=1, le=1024)
    cpu_offload: bool  # model CPU offload (accelerate), for small GPUs
    vae_tiling: bool
    # frames to generate (8k+1); retime keeps only the motion neutral → apex, so a short clip
    # serves a long plan. null: the plan's frame count (the smallest 8k+1 ≥ it, trimmed)
    num_frames: NumFrames

    def preset_conflict(self) -> tuple[str, str] | None:
        """(key, why) for the first setting that contradicts the preset; None when none does."""
        row = PRESETS[self.preset]
        if (family := preset_of(self.model)) not in (None, self.preset):
            return "model", (f"{self.model} is a {family} checkpoint; preset {self.preset} needs "
                             f"one of its own, e.g. {row.checkpoints[0]} (or set preset: {family})")
        if self.conditioning == "keyframes" and self.pipeline != "condition":
            return "conditioning", ("keyframes needs pipeline: condition (diffusers' "
                                    "LTXConditionPipeline takes images at frame indices)")
        if row.pipeline is not None and self.pipeline != row.pipeline:
            return "pipeline", (f"preset {self.preset} needs {row.pipeline} (diffusers' "
                                "LTXConditionPipeline takes its fixed timesteps; image2video "
                                "takes none)")
        if row.timesteps is not None and self.num_inference_steps is not None:
            return "num_inference_steps", (f"preset {self.preset} runs its {len(row.timesteps)} "
                                           "fixed timesteps; set it to null")
        if row.timesteps is None and self.num_inference_steps is None:
            return "num_inference_steps", f"preset {self.preset} needs a step count, e.g. 50"
        if row.guidance_scale is not None and self.guidance_scale is not None:
            return "guidance_scale", (f"preset {self.preset} fixes guidance at "
                                      f"{row.guidance_scale} (distilled into the weights); "
                                      "set it to null")
        if row.guidance_scale is None and self.guidance_scale is None:
            return "guidance_scale", f"preset {self.preset} needs a guidance scale, e.g. 3.0"
        return None

