"""``generate.ltx2``: LTX-2's settings (the ltx2 backend), checked against its preset.

LTX-2 (Lightricks, 19B; diffusers' ``LTX2ImageToVideoPipeline``) generates video and audio in
one model. A preset fixes what a checkpoint family was trained for (sources: diffusers' LTX-2
docs, docs/source/en/api/pipelines/ltx2.md, and ``diffusers/pipelines/ltx2/utils.py``):

- ``dev`` (``Lightricks/LTX-2``): a step count with classifier-free guidance, spatio-temporal
  guidance (STG: one more pass with some transformer blocks skipped) and modality guidance (one
  more pass without the audio-video cross attention), all params;
- ``distilled`` (LTX-2 19B distilled): the 8 distilled sigmas
  (``DISTILLED_SIGMA_VALUES``, from Lightricks' ltx-pipelines) at guidance 1 with no STG and no
  modality guidance: one transformer pass a step. Diffusers' example follows it with a latent
  upsampler and a 3-step refinement; equime generates at the plan's size in the one pass.

The audio is guided as the video is (the pipeline's ``audio_*`` scales are left unset, so they
take the video's) and then dropped: an ME clip is silent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from pydantic import Field

from equime.generate.ltx_params import NumFrames, PresetSection

FIXABLE = ("guidance_scale", "stg_scale", "modality_scale")  # what a preset may fix


@dataclass(frozen=True)
class LTX2Preset:
    sigmas: tuple[float, ...] | None  # a fixed schedule; None: generate.ltx2.num_inference_steps
    fixed: Mapping[str, float]  # values of FIXABLE keys the checkpoints were distilled with


PRESETS: Mapping[str, LTX2Preset] = MappingProxyType({
    "dev": LTX2Preset(sigmas=None, fixed=MappingProxyType({})),
    "distilled": LTX2Preset(
        sigmas=(1.0, 0.99375, 0.9875, 0.98125, 0.975, 0.909375, 0.725, 0.421875),
        fixed=MappingProxyType({"guidance_scale": 1.0, "stg_scale": 0.0, "modality_scale": 1.0})),
})


class LTX2Params(PresetSection):
    preset: Literal[tuple(PRESETS)]  # type: ignore[valid-type]
    model: str = Field(min_length=1)  # hub id or local directory
    revision: str  # hub revision (a commit sha pins it); ignored for a local directory
    device: Literal["auto", "cuda", "cpu"]
    dtype: Literal["bfloat16", "float16", "float32"]  # on CUDA; CPU always float32
    num_inference_steps: int | None = Field(ge=1, le=1000)  # null where the preset fixes sigmas
    guidance_scale: float | None = Field(ge=0)  # classifier-free guidance (1: off)
    stg_scale: float | None = Field(ge=0)  # spatio-temporal guidance (0: off)
    modality_scale: float | None = Field(ge=0)  # audio-video modality guidance (1: off)
    guidance_rescale: float = Field(ge=0, le=1)
    decode_timestep: float = Field(ge=0, le=1)  # (used by a timestep-conditioned VAE)
    decode_noise_scale: float = Field(ge=0, le=1)
    # the face re-encoded as H.264 at this CRF before conditioning, as the model was trained;
    # null: the pipeline's own (33 for LTX-2.0/2.3, 18 for LTX-2.5); 0: the face as it is
    image_crf: int | None = Field(ge=0, le=51)
    max_sequence_length: int = Field(ge=1, le=4096)
    cpu_offload: bool
    vae_tiling: bool
    num_frames: NumFrames  # frames to generate (8k+1); null: the plan's

    def preset_conflict(self) -> tuple[str, str] | None:
        """(key, why) for the first setting that contradicts the preset; None when none does."""
        row = PRESETS[self.preset]
        if row.sigmas is not None and self.num_inference_steps is not None:
            return "num_inference_steps", (f"preset {self.preset} runs its {len(row.sigmas)} "
                                           "fixed sigmas; set it to null")
        if row.sigmas is None and self.num_inference_steps is None:
            return "num_inference_steps", f"preset {self.preset} needs a step count, e.g. 40"
        for key in FIXABLE:
            value = getattr(self, key)
            if key in row.fixed and value is not None:
                return key, (f"preset {self.preset} fixes it at {row.fixed[key]} (distilled into "
                             "the weights); set it to null")
            if key not in row.fixed and value is None:
                return key, f"preset {self.preset} needs a value"
        return None


    def sampling(self) -> dict[str, Any]:
        """The pipeline call's schedule and guidance: what the preset fixes, else the params'."""
        row = PRESETS[self.preset]
        schedule: dict[str, Any] = (
            {"sigmas": list(row.sigmas), "num_inference_steps": len(row.sigmas)}
            if row.sigmas is not None else {"num_inference_steps": self.num_inference_steps})
        guidance = {key: row.fixed.get(key, getattr(self, key)) for key in FIXABLE}
        return {**schedule, **guidance, "guidance_rescale": self.guidance_rescale}
