"""LTX-Video presets (``generate.ltx.preset``): what a checkpoint family fixes, in one table.

A row fixes only what its checkpoints were trained for; every other setting stays a param. A
param that the preset fixes must be null in params.yaml: a value there would be ignored, so
validation refuses it, naming the key (:meth:`equime.generate.ltx_params.LTXParams.preset_conflict`).

Sources: diffusers' LTX-Video docs (docs/source/en/api/pipelines/ltx_video.md,
huggingface.co/docs/diffusers/api/pipelines/ltx_video) and conversion script
(scripts/convert_ltx_to_diffusers.py):

- ``dev``: the models sampled with classifier-free guidance over a step count of your choice
  (Lightricks/LTX-Video, 2B: 50 steps, guidance 3 in params.yaml; LTX-Video-0.9.7-dev, 13B).
- ``distilled``: LTX-Video 0.9.7 and 0.9.8 distilled (13B) are "guidance and timestep-distilled";
  they need ``guidance_scale=1.0`` and the docs' custom timesteps for a first (base) pass,
  ``[1000, 993, 987, 981, 975, 909, 725, 0.03]``, passed to ``LTXConditionPipeline`` (the
  checkpoints are saved as one; diffusers' ``LTXImageToVideoPipeline`` always passes its own
  sigmas, so it takes no ``timesteps=``). Their scheduler is a FlowMatchEulerDiscreteScheduler
  without dynamic shifting, so those timesteps are the sigmas × 1000 used as given. With
  guidance 1 diffusers skips classifier-free guidance: one transformer pass per step, not two.
  The docs' example follows this pass with a latent upscaler and a 4-step refinement; equime
  generates at the plan's size in the one pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class LTXPreset:
    checkpoints: tuple[str, ...]  # hub ids of the family diffusers loads; the first is recommended
    pipeline: str | None  # the generate.ltx.pipeline it needs; None: image2video or condition
    timesteps: tuple[float, ...] | None  # a fixed schedule; None: generate.ltx.num_inference_steps
    guidance_scale: float | None  # fixed guidance; None: generate.ltx.guidance_scale


PRESETS: Mapping[str, LTXPreset] = MappingProxyType({
    "dev": LTXPreset(
        checkpoints=("Lightricks/LTX-Video", "Lightricks/LTX-Video-0.9.7-dev"),
        pipeline=None, timesteps=None, guidance_scale=None),
    "distilled": LTXPreset(
        checkpoints=("Lightricks/LTX-Video-0.9.8-13B-distilled",
                     "Lightricks/LTX-Video-0.9.7-distilled"),
        pipeline="condition", timesteps=(1000, 993, 987, 981, 975, 909, 725, 0.03),
        guidance_scale=1.0),
})


def preset_of(model: str) -> str | None:
    """The preset whose row lists hub id ``model``; None for any other id or a local folder."""
    return next((name for name, row in PRESETS.items() if model in row.checkpoints), None)


def passes_per_step(guidance_scale: float) -> int:
    """Transformer passes per denoising step: two under classifier-free guidance (scale > 1)."""
    return 2 if guidance_scale > 1.0 else 1
