"""The LTX-Video backend: image-to-video through diffusers, seeded per clip, batched.

LTX generates 8k+1 frames with sides divisible by 32; a plan asking for 144 frames gets the
smallest valid count (145) and keeps the first 144. The weights are never downloaded here:
``equime models fetch ltx`` does that explicitly; a hub id is loaded from the local cache only.
``generate.ltx.preset`` picks the schedule and guidance (:mod:`equime.generate.ltx_presets`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from PIL import Image

from equime.artifacts.curated import FaceImage
from equime.artifacts.plan import PlanRow
from equime.errors import EquimeError, InputError, ParamsError
from equime.generate.keyframe import apex_keyframe, keyframe_index
from equime.generate.ltx_params import LTXParams
from equime.generate.ltx_presets import PRESETS

if TYPE_CHECKING:
    from equime.recording.params import RecordingParams

log = logging.getLogger(__name__)
FRAME_STEP = 8  # LTX's VAE compresses time by 8: frame counts are 8k + 1
SIDE_STEP = 32


class MissingWeightsError(EquimeError):
    """Model weights are neither a local directory nor in the local hub cache."""


def valid_num_frames(n: int) -> int:
    """The smallest 8k + 1 ≥ n."""
    if n < 1:
        raise ValueError(f"frame count must be ≥ 1, got {n}")
    return ((n - 1 + FRAME_STEP - 1) // FRAME_STEP) * FRAME_STEP + 1


def check_inputs(rows: Sequence[PlanRow]) -> None:
    """Raise a one-line error for anything LTX cannot generate, before loading a model."""
    for row in rows:
        if row.width % SIDE_STEP or row.height % SIDE_STEP:
            raise InputError(f"{row.clip_id}: LTX needs sides divisible by {SIDE_STEP}, the plan has "
                             f"{row.width}x{row.height}; change plan.width/plan.height")
        if row.n_frames < 1:
            raise InputError(f"{row.clip_id}: plan has {row.n_frames} frames; need at least 1")


def sampling(settings: LTXParams) -> dict[str, Any]:
    """The pipeline call's schedule and guidance: what the preset fixes, else the params'."""
    row = PRESETS[settings.preset]
    schedule: dict[str, Any] = ({"timesteps": list(row.timesteps)} if row.timesteps is not None
                                else {"num_inference_steps": settings.num_inference_steps})
    guidance = row.guidance_scale if row.guidance_scale is not None else settings.guidance_scale
    return {**schedule, "guidance_scale": guidance}


class _GivenTimesteps(logging.Filter):
    """Drops diffusers' per-call warning that ``timesteps`` came without ``sigmas``: the distilled
    checkpoints' scheduler does not shift (use_dynamic_shifting false, shift 1), so the sigmas it
    derives are the given timesteps / 1000, as the preset means."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "were passed without `sigmas`" not in record.getMessage()


_GIVEN_TIMESTEPS = _GivenTimesteps()


def resolve_device(settings: Any, backend: str = "ltx") -> tuple[str, str]:
    """(device, dtype name): bf16 (or the param) on CUDA, float32 on CPU (``settings``: a
    ``generate.<backend>`` section with ``device`` and ``dtype``)."""
    import torch

    if settings.device == "cuda" and not torch.cuda.is_available():
        raise EquimeError(f"generate.{backend}.device is cuda but no CUDA device is visible; "
                          "set it to auto or cpu")
    device = "cuda" if settings.device in ("auto", "cuda") and torch.cuda.is_available() else "cpu"
    return device, settings.dtype if device == "cuda" else "float32"


def load_pipeline(settings: LTXParams) -> Any:
    """Load the diffusers pipeline from a local directory or the local hub cache (no download)."""
    from diffusers import LTXConditionPipeline, LTXImageToVideoPipeline

    cls = LTXImageToVideoPipeline if settings.pipeline == "image2video" else LTXConditionPipeline
    return load_diffusers(cls, settings, "ltx")


def load_diffusers(cls: Any, settings: Any, backend: str) -> Any:
    """Pipeline class ``cls`` from ``generate.<backend>.model``, a local diffusers folder or a hub
    id in the local hub cache at its revision (never a download), on the device and dtype the
    section asks for, with its offload and VAE tiling."""
    import torch

    device, dtype = resolve_device(settings, backend)
    local = Path(settings.model).expanduser()
    if local.is_dir():
        if not (local / "model_index.json").is_file():
            raise MissingWeightsError(f"{local}: not a diffusers model folder (no model_index.json); "
                                      f"point generate.{backend}.model at one")
        source, kwargs = str(local), {}
    else:
        source, kwargs = settings.model, {"revision": settings.revision}
    try:
        pipe = cls.from_pretrained(source, dtype=getattr(torch, dtype), local_files_only=True,
                                   **kwargs)
    except (OSError, ValueError) as exc:
        reason = str(exc).splitlines()[0][:160]
        raise MissingWeightsError(
            f"{backend.upper()} weights {settings.model}@{settings.revision} are not available locally "
            f"({reason}); run `equime models fetch {backend}` where there is internet, or set "
            f"generate.{backend}.model to a local diffusers folder") from None
    if settings.cpu_offload and device == "cuda":
        pipe.enable_model_cpu_offload()
    else:
        pipe.to(device)
    if settings.vae_tiling:
        pipe.vae.enable_tiling()
    pipe.set_progress_bar_config(disable=True)
    log.info("loaded %s from %s on %s (%s)", cls.__name__, source, device, dtype)
    return pipe


def to_uint8(video: np.ndarray, keep: int) -> np.ndarray:
    """Pipeline output (F, H, W, 3) float in [0, 1] → the first ``keep`` frames as uint8."""
    return (np.clip(video[:keep], 0.0, 1.0) * 255.0).round().astype(np.uint8)


class DiffusersRenderer:
    """What the diffusers video backends share (``ltx``, ``ltx2``): the settings checked against
    their preset, the pipeline loaded on first use, 8k+1 frames generated and the plan's (or
    ``num_frames``) kept, one CPU ``torch.Generator`` per clip seeded from the plan."""

    name: ClassVar[str]

    def __init__(self, settings: Any, pipe: Any | None = None) -> None:
        # settings built with model_copy skip validation: check the preset here too
        if conflict := settings.preset_conflict():
            raise ParamsError(f"generate.{self.name}.{conflict[0]}: {conflict[1]}")
        self.settings = settings
        self.sampling = self.sampling_of(settings)
        self._pipe = pipe

    @staticmethod
    def sampling_of(settings: Any) -> dict[str, Any]:
        """The pipeline call's schedule and guidance."""
        raise NotImplementedError

    def load(self) -> Any:
        """The pipeline, from a local folder or the local hub cache."""
        raise NotImplementedError

    @classmethod
    def from_params(cls, settings: Any, recording: RecordingParams) -> DiffusersRenderer:
        """(``recording`` films an ME that a renderer draws; retime films a generated one.)"""
        return cls(settings)

    def check(self, rows: Sequence[PlanRow]) -> None:
        check_inputs(rows)

    @property
    def pipe(self) -> Any:
        if self._pipe is None:
            self._pipe = self.load()
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
        raise NotImplementedError

    def one_by_one(self, rows: Sequence[PlanRow], faces: Sequence[FaceImage],
                   alone: bool) -> list[np.ndarray] | None:
        """Checks a batch (the backend's sizes; one frame count, size and fps); when each clip
        must be its own call (``alone``), renders them so; else None: one call for all."""
        check_inputs(rows)
        first = rows[0]
        if any((r.n_frames, r.width, r.height, r.fps) != (first.n_frames, first.width, first.height,
                                                          first.fps) for r in rows):
            raise ValueError("a batch must share frame count, size and fps")
        if alone and len(rows) > 1:
            return [v for r, f in zip(rows, faces, strict=True) for v in self.render_batch([r], [f])]
        return None

    @staticmethod
    def generators(rows: Sequence[PlanRow]) -> list[Any]:
        """CPU generators: diffusers draws the noise on the CPU and moves it, so a seed gives the
        same starting noise on any device."""
        import torch

        return [torch.Generator().manual_seed(r.seed) for r in rows]


class LTXRenderer(DiffusersRenderer):
    """Renders plan rows with LTX-Video; one ``torch.Generator`` per clip, seeded from the plan."""

    name = "ltx"

    def __init__(self, settings: LTXParams, pipe: Any | None = None) -> None:
        super().__init__(settings, pipe)
        if "timesteps" in self.sampling:
            logging.getLogger("diffusers.schedulers.scheduling_flow_match_euler_discrete").addFilter(
                _GIVEN_TIMESTEPS)

    sampling_of = staticmethod(sampling)

    def load(self) -> Any:
        return load_pipeline(self.settings)

    def render_batch(self, rows: Sequence[PlanRow], faces: Sequence[FaceImage]) -> list[np.ndarray]:
        """One pipeline call for rows of the same size and frame count (image2video; the
        condition pipeline takes one clip a call)."""
        if (each := self.one_by_one(rows, faces, self.settings.pipeline == "condition")) is not None:
            return each
        first = rows[0]
        generators = self.generators(rows)
        images = [Image.fromarray(f.image) for f in faces]
        common = {
            "prompt": [r.prompt for r in rows],
            "negative_prompt": [r.negative_prompt for r in rows],
            "height": first.height,
            "width": first.width,
            "num_frames": self.generated_frames(first),
            "frame_rate": first.fps,
            **self.sampling,
            "decode_timestep": self.settings.decode_timestep,
            "decode_noise_scale": self.settings.decode_noise_scale,
            "max_sequence_length": self.settings.max_sequence_length,
            "generator": generators,
            "output_type": "np",
        }
        if self.settings.pipeline == "condition":
            from diffusers.pipelines.ltx.pipeline_ltx_condition import LTXVideoCondition

            conditions = [LTXVideoCondition(image=images[0], frame_index=0)]
            if self.settings.conditioning == "keyframes":
                conditions.append(LTXVideoCondition(
                    image=Image.fromarray(apex_keyframe(first, faces[0])),
                    frame_index=keyframe_index(first, self.generated_frames(first))))
            out = self.pipe(conditions=conditions, **common).frames
        else:
            out = self.pipe(image=images, **common).frames
        return [to_uint8(np.asarray(video), self.kept_frames(r))
                for video, r in zip(out, rows, strict=True)]
