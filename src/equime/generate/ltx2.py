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
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from equime.artifacts.curated import FaceImage
from equime.artifacts.plan import PlanRow
from equime.errors import ParamsError
from equime.generate.ltx import check_inputs, load_diffusers, to_uint8, valid_num_frames
from equime.generate.ltx2_params import LTX2Params

if TYPE_CHECKING:
    from equime.recording.params import RecordingParams


class LTX2Renderer:
    """Renders plan rows with LTX-2; one ``torch.Generator`` per clip, seeded from the plan."""

    name = "ltx2"

    def __init__(self, settings: LTX2Params, pipe: Any | None = None) -> None:
        # settings built with model_copy skip validation: check the preset here too
        if conflict := settings.preset_conflict():
            raise ParamsError(f"generate.ltx2.{conflict[0]}: {conflict[1]}")
        self.settings = settings
        self.sampling = settings.sampling()
        self._pipe = pipe

    @classmethod
    def from_params(cls, settings: LTX2Params, recording: RecordingParams) -> LTX2Renderer:
        """(``recording`` films an ME that a renderer draws; retime films a generated one.)"""
        return cls(settings)

    def check(self, rows: Sequence[PlanRow]) -> None:
        check_inputs(rows)

    @property
    def pipe(self) -> Any:
        if self._pipe is None:
            from diffusers import LTX2ImageToVideoPipeline

            self._pipe = load_diffusers(LTX2ImageToVideoPipeline, self.settings, self.name)
        return self._pipe

    def prepare(self) -> None:
        _ = self.pipe

    def params(self) -> dict[str, Any]:
        """The settings and the schedule and guidance the call uses (the render key's part)."""
        return {**self.settings.model_dump(), "sampling": self.sampling}

    def generated_frames(self, row: PlanRow) -> int:
        return self.settings.num_frames or valid_num_frames(row.n_frames)

    def kept_frames(self, row: PlanRow) -> int:
        return self.settings.num_frames or row.n_frames

    def render(self, row: PlanRow, face: FaceImage) -> np.ndarray:
        return self.render_batch([row], [face])[0]

    def render_batch(self, rows: Sequence[PlanRow], faces: Sequence[FaceImage]) -> list[np.ndarray]:
        """One pipeline call for rows of the same size and frame count. The pipeline re-encodes
        the conditioning face (``image_crf``) only for a single image: with re-encoding on, each
        clip is its own call, so that a clip is the same alone or in a batch."""
        import torch

        check_inputs(rows)
        first = rows[0]
        if any((r.n_frames, r.width, r.height, r.fps) != (first.n_frames, first.width, first.height,
                                                          first.fps) for r in rows):
            raise ValueError("a batch must share frame count, size and fps")
        if self.settings.image_crf != 0 and len(rows) > 1:
            return [v for r, f in zip(rows, faces, strict=True) for v in self.render_batch([r], [f])]
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
            generator=[torch.Generator().manual_seed(r.seed) for r in rows],
            output_type="np",
        )
        return [to_uint8(np.asarray(video), self.kept_frames(r))
                for video, r in zip(out.frames, rows, strict=True)]
