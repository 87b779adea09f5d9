"""The LTX-2 backend: image-to-video through diffusers' ``LTX2ImageToVideoPipeline``, seeded per
clip, batched; the audio LTX-2 makes with the video is dropped (an ME clip is silent).

As LTX-Video: 8k+1 frames with sides divisible by 32 (a plan asking for 144 frames gets 145 and
keeps 144, or ``num_frames`` for retime), weights loaded from a local folder or the local hub
cache only (``equime models fetch ltx2`` downloads them), the generator on the CPU so that a
seed gives the same starting noise on any device. ``generate.ltx2.preset`` picks the schedule
and guidance (:mod:`equime.generate.ltx2_params`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image

from equime.artifacts.curated import FaceImage
from equime.artifacts.plan import PlanRow
from equime.generate.ltx import DiffusersRenderer, load_diffusers, to_uint8
from equime.generate.ltx2_params import LTX2Params


class LTX2Renderer(DiffusersRenderer):
    """Renders plan rows with LTX-2; one ``torch.Generator`` per clip, seeded from the plan."""

    name = "ltx2"

    @staticmethod
    def sampling_of(settings: LTX2Params) -> dict[str, Any]:
        return settings.sampling()

    def load(self) -> Any:
        from diffusers import LTX2ImageToVideoPipeline

        return load_diffusers(LTX2ImageToVideoPipeline, self.settings, self.name)

    def render_batch(self, rows: Sequence[PlanRow], faces: Sequence[FaceImage]) -> list[np.ndarray]:
        """One pipeline call for rows of the same size and frame count. The pipeline re-encodes
        the conditioning face (``image_crf``) only for a single image: with re-encoding on, each
        clip is its own call, so that a clip is the same alone or in a batch."""
        if (each := self.one_by_one(rows, faces, self.settings.image_crf != 0)) is not None:
            return each
        first = rows[0]
        images = [Image.fromarray(f.image) for f in faces]
        out = self.pipe(
            image=images[0] if len(images) == 1 else images,
            prompt=[r.prompt for r in rows],
            negative_prompt=[r.negative_prompt for r in rows],
            height=first.height,
            width=first.width,
            num_frames=self.generated_frames(first),
            frame_rate=first.fps,
            **self.sampling,
            # the audio is guided as the video (None: the pipeline takes the video's scales)
            audio_guidance_scale=None, audio_stg_scale=None, audio_modality_scale=None,
            audio_guidance_rescale=None,
            decode_timestep=self.settings.decode_timestep,
            decode_noise_scale=self.settings.decode_noise_scale,
            image_crf=self.settings.image_crf,
            max_sequence_length=self.settings.max_sequence_length,
            generator=self.generators(rows),
            output_type="np",
        )
        return [to_uint8(np.asarray(video), self.kept_frames(r))
                for video, r in zip(out.frames, rows, strict=True)]
