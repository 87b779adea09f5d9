"""``params.yaml`` as frozen pydantic models, parsed once at the CLI entry point.

Every problem becomes a one-line :class:`ParamsError` naming the key, e.g.
``params.yaml: plan.fps: must be > 0 (got 0)``.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from equime.errors import ParamsError

RealDataset = Literal["casme2", "samm", "smic", "miex", "casme3"]
Emotion = Literal["happiness", "sadness", "surprise", "fear", "anger", "disgust", "contempt"]
X264_PRESETS = (
    "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow",
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _key_error(key: str, message: str) -> ValueError:
    """A cross-field error attributed to ``key`` inside the section (see :func:`_format`)."""
    return ValueError(f"@{key}: {message}")


def _unique(what: str) -> AfterValidator:
    """A validator for list params: each item at most once ("lists <what> twice")."""
    def check(v: tuple[Any, ...]) -> tuple[Any, ...]:
        if len(set(v)) != len(v):
            raise ValueError(f"lists {what} twice (got {list(v)})")
        return v

    return AfterValidator(check)


def _check_range(key: str, value: tuple[float, float], lo: float, hi: float) -> None:
    a, b = value
    if a > b:
        raise _key_error(key, f"low end {a} is above high end {b}")
    if a < lo or b > hi:
        raise _key_error(key, f"must lie within [{lo}, {hi}] (got [{a}, {b}])")


class BaseParams(_Section):
    seed: int = Field(ge=0, lt=2**32)


class CurateParams(_Section):
    source: str = Field(min_length=1)
    attributes: str | None = None
    size: int = Field(512, ge=64, le=2048)
    eye_distance: float = Field(0.24, gt=0.05, lt=0.6)
    eye_y: float = Field(0.42, gt=0.1, lt=0.9)
    upsample: int = Field(1, ge=0, le=3)
    min_score: float = 0.3
    min_face_px: int = Field(64, ge=16)
    ambiguity_ratio: float = Field(0.6, gt=0.0, le=1.0)
    filter: dict[str, bool | float | str] = Field(default_factory=dict)  # annotation → wanted value

    @field_validator("size")
    @classmethod
    def _size_multiple_of_32(cls, v: int) -> int:
        if v % 32:
            raise ValueError(f"must be a multiple of 32 (got {v})")
        return v


class AttributesParams(_Section):
    source: Literal["annotations", "deepface"] = "annotations"  # no fallback from one to the other
    detector_backend: str = Field("opencv", min_length=1)  # deepface detector; opencv is offline
    deepface_home: str | None = None  # holds .deepface/weights; null: $DEEPFACE_HOME, else ~
    frame_step: int = Field(10, ge=1)  # clips: analyse every k-th frame (the seed used 10)
    age_bands: tuple[int, ...] = (30, 45, 60)  # cut points in years → <30, 30-44, 45-59, 60+
    min_gender_agreement: float = Field(0.8, ge=0, le=1)  # clip frames agreeing with the source
    min_race_agreement: float = Field(0.6, ge=0, le=1)
    max_age_shift: float = Field(10.0, ge=0)  # years, |clip median − source|
    max_no_face_share: float = Field(0.2, ge=0, le=1)  # analysed frames without a face

    @field_validator("age_bands")
    @classmethod
    def _increasing(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        if any(b <= a for a, b in pairwise(v)) or any(x <= 0 or x > 120 for x in v):
            raise ValueError(f"must be increasing ages in (0, 120] (got {list(v)})")
        return v


CellKey = Literal["gender", "race", "age_band"]


class SelectParams(_Section):
    stratify_by: Annotated[tuple[CellKey, ...], _unique("a key")] = ()
    target: dict[str, float] = Field(default_factory=dict)  # cell → weight; {}: uniform
    max_subjects: int | None = Field(None, ge=1)


class PlanParams(_Section):
    emotions: Annotated[tuple[Emotion, ...], _unique("an emotion")] = Field(min_length=1)
    au_source: Literal["paper", "emfacs"] = "paper"
    sequences_per_subject: int = Field(ge=1, le=999)
    emotions_per_subject: int | None = Field(None, ge=1)  # null: all; else rotated within cells
    fps: int = Field(gt=0, le=1000)
    clip_seconds: float = Field(gt=0)
    width: int = Field(ge=32)
    height: int = Field(ge=32)
    duration_s: tuple[float, float] = (1 / 25, 1 / 5)
    rise_fraction: tuple[float, float] = (0.35, 0.5)
    apex_window_s: tuple[float, float]
    intensity: tuple[float, float] = (0.2, 0.4)
    prompt_template: str
    negative_prompt: str

    @field_validator("width", "height")
    @classmethod
    def _multiple_of_32(cls, v: int) -> int:
        if v % 32:
            raise ValueError(f"must be a multiple of 32 (got {v})")
        return v

    @field_validator("prompt_template")
    @classmethod
    def _template_fields(cls, v: str) -> str:
        for name in ("{emotion}", "{aus}"):
            if name not in v:
                raise ValueError(f"must contain the placeholder {name}")
        return v

    @model_validator(mode="after")
    def _timing(self) -> PlanParams:
        if self.emotions_per_subject is not None and self.emotions_per_subject > len(self.emotions):
            raise _key_error("emotions_per_subject", f"{self.emotions_per_subject} is more than the "
                             f"{len(self.emotions)} emotions listed")
        _check_range("duration_s", self.duration_s, 1e-3, 0.5)
        _check_range("rise_fraction", self.rise_fraction, 0.05, 0.95)
        _check_range("intensity", self.intensity, 0.01, 1.0)
        _check_range("apex_window_s", self.apex_window_s, 0.0, self.clip_seconds)
        frames = self.clip_seconds * self.fps
        if abs(frames - round(frames)) > 1e-6:
            raise _key_error("clip_seconds", f"{self.clip_seconds} s at {self.fps} fps is not a "
                             "whole number of frames")
        longest = self.duration_s[1]
        if self.apex_window_s[0] - longest * self.rise_fraction[1] < 0:
            raise _key_error("apex_window_s", f"starts too early: an onset would fall before 0 s "
                             f"(needs ≥ {longest * self.rise_fraction[1]:.3f} s)")
        if self.apex_window_s[1] + longest > self.clip_seconds:
            raise _key_error("apex_window_s", "ends too late: an offset would fall after the "
                             f"clip's end ({self.clip_seconds} s)")
        return self

    @property
    def n_frames(self) -> int:
        return round(self.clip_seconds * self.fps)


class WarpParams(_Section):
    interpolation: Literal["linear", "cubic"] = "linear"
    border_anchors: int = Field(8, ge=2, le=64)


class LTXParams(_Section):
    """LTX-Video through diffusers. Defaults: the model card's recommendations for 0.9.x."""

    model: str = Field("Lightricks/LTX-Video", min_length=1)  # hub id or local directory
    revision: str = "main"  # hub revision (a commit sha pins it); ignored for a local directory
    pipeline: Literal["image2video", "condition"] = "image2video"
    device: Literal["auto", "cuda", "cpu"] = "auto"
    dtype: Literal["bfloat16", "float16", "float32"] = "bfloat16"  # on CUDA; CPU always float32
    num_inference_steps: int = Field(50, ge=1, le=1000)
    guidance_scale: float = Field(3.0, ge=0)
    decode_timestep: float = Field(0.03, ge=0, le=1)
    decode_noise_scale: float = Field(0.025, ge=0, le=1)
    max_sequence_length: int = Field(128, ge=1, le=1024)
    cpu_offload: bool = False  # model CPU offload (accelerate), for small GPUs
    vae_tiling: bool = False


class GenerateParams(_Section):
    backend: Literal["warp", "ltx"] = "warp"
    batch_size: int = Field(1, ge=1, le=256)
    crf: int = Field(18, ge=0, le=51)
    preset: Literal[X264_PRESETS] = "medium"  # type: ignore[valid-type]
    warp: WarpParams = WarpParams()
    ltx: LTXParams = LTXParams()


class QualityParams(_Section):
    metrics: tuple[Literal["psnr", "ssim", "tv", "brisque", "clip_iqa"], ...] = ("psnr", "ssim", "tv")
    modes: tuple[Literal["standard", "paper"], ...] = Field(("standard", "paper"), min_length=1)
    color: Literal["luma", "rgb"] = "luma"  # standard mode
    flow_scale: float = Field(0.5, gt=0, le=1)
    motion_floor_px: float = Field(0.05, ge=0)
    au_threshold: float = Field(0.1, gt=0, le=1)
    workers: int = Field(2, ge=1, le=64)  # clips measured in parallel processes
    device: Literal["cpu", "cuda"] = "cpu"  # where piq runs (standard mode)

    @model_validator(mode="after")
    def _one_process_on_cuda(self) -> QualityParams:
        if self.device == "cuda" and self.workers > 1:
            raise _key_error("workers", "use 1 with device cuda (one process feeds the GPU)")
        return self


class FilterParams(_Section):
    min_psnr_db: float = 30.0  # standard consecutive-frame PSNR, clip mean
    half_peak_s: tuple[float, float] = (0.04, 0.5)  # brief: time above half the motion peak
    peak_motion_px: tuple[float, float] = (0.1, 5.0)  # visible but subtle
    max_head_motion_px: float = Field(1.5, ge=0)
    min_au_fidelity: float = Field(0.4, ge=0, le=1)
    identity_consistency: bool = True  # drop clips the attributes stage flags (identity drift)

    @model_validator(mode="after")
    def _ranges(self) -> FilterParams:
        _check_range("half_peak_s", self.half_peak_s, 0.0, 10.0)
        _check_range("peak_motion_px", self.peak_motion_px, 0.0, 1000.0)
        return self


Source = Literal["synthetic", "casme2", "samm", "smic", "miex", "casme3", "megc"]


class RunParams(_Section):
    protocol: Literal["loso", "holdout", "split"]
    train: tuple[Source, ...] = Field(min_length=1)
    test: tuple[Source, ...] = Field(min_length=1)
    model: Literal["st_cnn", "cnn3d", "resnet3d", "mobilenet"] = "cnn3d"
    input: Literal["frames", "flow"] = "frames"
    classes: Literal["megc3", "emotion5"] = "megc3"
    mix: dict[Source, float] = Field(default_factory=dict)  # training source → share of subjects


class BaselinesParams(_Section):
    runs: dict[str, RunParams] = Field(default_factory=dict)
    frames: int = Field(8, ge=1, le=64)  # T, the paper's frames input
    size: int = Field(64, ge=16, le=256)
    epochs: int = Field(15, ge=1)
    batch_size: int = Field(8, ge=1)
    lr: float = Field(1e-3, gt=0)
    val_fraction: float = Field(0.25, ge=0, lt=1)  # of training subjects, for model selection
    test_fraction: float = Field(0.3, gt=0, lt=1)  # "split" protocol
    bootstrap: int = Field(1000, ge=10)

    @field_validator("runs")
    @classmethod
    def _names(cls, v: dict[str, RunParams]) -> dict[str, RunParams]:
        bad = [k for k in v if not k.replace("_", "").replace("-", "").isalnum()]
        if bad:
            raise ValueError(f"run names must be letters, digits, - or _ (got {bad})")
        return v


class ReviewParams(_Section):
    size: int = Field(20, ge=1)  # clips sampled for review, stratified by emotion × gender
    raters: tuple[str, ...] = Field(("rater1", "rater2", "rater3"), min_length=1)
    host: str = "127.0.0.1"  # loopback by default: raters on other machines need a tunnel
    port: int = Field(8765, ge=1, le=65535)

    @field_validator("raters")
    @classmethod
    def _names(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(v)) != len(v) or any(not n.strip() for n in v):
            raise ValueError(f"must be distinct, non-empty names (got {list(v)})")
        return v


class LocalDataset(_Section):
    root: str | None = None  # local copy; null = not summarised
    sheet: str | None = None  # coding sheet (CASME II, SAMM)
    variant: Literal["HS", "VIS", "NIR"] = "HS"  # SMIC


class SummarizeParams(_Section):
    """Metrics, modes and colour come from the quality section (one definition for both)."""

    max_clips: int | None = Field(None, ge=1)  # per real dataset, first in sorted order
    datasets: dict[RealDataset, LocalDataset] = Field(default_factory=dict)


class ExportParams(_Section):
    name: str = Field("ME-VLM", pattern=r"^[A-Za-z0-9-]+$")
    license: str = "CC BY-NC 4.0"


class Params(_Section):
    base: BaseParams
    curate: CurateParams
    attributes: AttributesParams = AttributesParams()
    select: SelectParams = SelectParams()
    plan: PlanParams
    generate: GenerateParams
    quality: QualityParams = QualityParams()
    filter: FilterParams = FilterParams()
    export: ExportParams
    summarize: SummarizeParams = SummarizeParams()
    review: ReviewParams = ReviewParams()
    baselines: BaselinesParams = BaselinesParams()


def _format(path: Path, err: dict[str, Any]) -> str:
    loc = [str(p) for p in err["loc"]]
    msg: str = err["msg"].removeprefix("Value error, ")
    if msg.startswith("@"):
        key, _, msg = msg[1:].partition(": ")
        loc.append(key)
    key = ".".join(loc) or "(top level)"
    if err["type"] == "extra_forbidden":
        return f"{path}: {key}: unknown key; remove it or fix its spelling"
    if err["type"] == "missing":
        return f"{path}: {key}: required key is missing; add it"
    got = "" if msg.startswith("@") or "(got" in msg else f" (got {err.get('input')!r})"
    return f"{path}: {key}: {msg}{got}"


def parse_params(data: Any, path: Path = Path("params.yaml")) -> Params:
    """Validate an already-loaded mapping; raise a one-line :class:`ParamsError`."""
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: must be a mapping of sections (base, curate, plan, ...)")
    try:
        return Params.model_validate(data)
    except ValidationError as exc:
        raise ParamsError(_format(path, exc.errors()[0])) from None


def load_params(path: Path) -> Params:
    if not path.is_file():
        raise ParamsError(f"{path}: not found; run from the project root or pass --params")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ParamsError(f"{path}: not valid YAML{where}; fix the syntax") from None
    return parse_params(data, path)
