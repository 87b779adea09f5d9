"""What every stage script (``stages/<name>.py``) and the ``equime`` command share: logging to
stderr, the registry of the params each stage reads, the stage's params, clock and record (DVC
metrics file + MLflow run), and every :class:`~equime.errors.EquimeError` as one line
``error: …`` with exit status 2."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from equime.errors import EquimeError, ParamsError, environment_fault
from equime.section import read_params, validate
from equime.tracking import record_stage

log = logging.getLogger("equime")
T = TypeVar("T")

ParamsOpt = Annotated[Path, typer.Option("--params", help="params.yaml to read")]
MetricsOpt = Annotated[Path | None, typer.Option("--metrics", help="DVC metrics JSON to write")]

# The keys each DVC stage reads: its ``params:`` list in dvc.yaml (a test keeps the two equal),
# what its MLflow run logs, and the sections it may validate. ``{run}``: a key of baselines.runs.
_ENGINE = ("compute.engine", "compute.address", "compute.connect_timeout_s",
           "compute.max_retries")  # + its resources entry
STAGE_PARAMS: dict[str, tuple[str, ...]] = {
    "demo": (),
    "curate": (*_ENGINE, "compute.resources.curate", "base.seed", "curate.source", "curate.attributes",
               "curate.size", "curate.eye_distance", "curate.eye_y", "curate.upsample",
               "curate.min_score", "curate.min_face_px", "curate.ambiguity_ratio", "curate.filter"),
    "attributes_faces": (*_ENGINE, "compute.resources.attributes_faces", "attributes.source",
                         "attributes.detector_backend", "attributes.deepface_home"),
    "select": ("base.seed", "attributes.age_bands", "select.stratify_by", "select.target",
               "select.max_subjects"),
    "plan": ("base.seed", "plan.emotions", "plan.au_source", "plan.motion_source",
             "plan.sequences_per_subject", "plan.emotions_per_subject", "plan.fps", "plan.clip_seconds",
             "plan.width", "plan.height", "plan.duration_s", "plan.rise_fraction", "plan.apex_window_s",
             "plan.intensity", "plan.prompt_template", "plan.negative_prompt"),
    # (the whole section: the backend, the encoder and every backend's settings, one per entry
    # of equime.generate.registry.BACKENDS, so a new backend needs no key here or in dvc.yaml)
    "generate": (*_ENGINE, "compute.resources.generate", "generate", "recording.camera",
                 "recording.face", "recording.appearance"),
    "retime": (*_ENGINE, "compute.resources.retime", "generate.crf", "generate.preset",
               "generate.x264_asm", "retime.analysis_iod_px", "retime.frame_step", "retime.max_rigid_iod",
               "retime.min_identity", "retime.min_motion_iod", "retime.apex_by", "retime.residual",
               "retime.peak_iod", "retime.smooth_iod", "retime.interpolation", "recording.camera",
               "datasets"),
    "longvideo": ("base.seed", "longvideo", "plan", "generate.crf", "generate.preset",
                  "generate.x264_asm", "generate.warp", "recording.camera", "recording.face",
                  "recording.appearance", "quality"),
    "quality": (*_ENGINE, "compute.resources.quality", "quality.metrics", "quality.modes",
                "quality.color", "quality.flow_iod_px", "quality.motion_floor_px",
                "quality.noise_factor", "quality.blink_closure_iod", "quality.expression_fraction",
                "quality.au_threshold", "quality.workers", "quality.device"),
    "attributes_clips": (*_ENGINE, "compute.resources.attributes_clips", "attributes.source",
                         "attributes.detector_backend", "attributes.deepface_home",
                         "attributes.frame_step", "attributes.min_gender_agreement",
                         "attributes.min_race_agreement", "attributes.max_age_shift",
                         "attributes.max_no_face_share"),
    "filter": ("filter.min_psnr_db", "filter.max_duration_s", "filter.peak_motion_px",
               "filter.max_head_motion_px", "filter.min_au_fidelity", "filter.identity_consistency"),
    "export": ("base.seed", "export.name", "export.license", "export.vqa_test_fraction"),
    "summarize": ("quality.metrics", "quality.modes", "quality.color", "summarize.max_clips", "datasets"),
    "demographics": ("attributes.age_bands", "export.name"),
    "train": ("base.seed", "baselines.runs.{run}", "baselines.frames", "baselines.size",
              "baselines.epochs", "baselines.batch_size", "baselines.lr", "baselines.val_fraction",
              "baselines.test_fraction", "datasets"),
    "evaluate": ("base.seed", "baselines.runs.{run}", "baselines.bootstrap"),
    "review": (),
    "report": ("export.name",),
}


def stage_keys(stage: str, run: str | None = None) -> tuple[str, ...]:
    if stage not in STAGE_PARAMS:
        raise ParamsError(f"{stage}: not a pipeline stage (stages: {', '.join(STAGE_PARAMS)})")
    return tuple(k.format(run=run) for k in STAGE_PARAMS[stage])


def stage_params(data: Mapping[str, Any], stage: str, run: str | None = None,
                 path: Path = Path("params.yaml")) -> dict[str, Any]:
    """``{key: value}`` of the keys ``stage`` reads, e.g. ``{"plan.fps": 24, ...}``."""
    out: dict[str, Any] = {}
    for key in stage_keys(stage, run):
        node: Any = data
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                raise ParamsError(f"{path}: {key}: required key is missing; add it")
            node = node[part]
        out[key] = node
    return out


def setup_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s",
                        stream=sys.stderr)


def run_app(app: typer.Typer) -> None:
    """Run a Typer app: one-line errors (a bad input or param, or the environment's: a full
    disk, no permission, out of memory), exit status 2."""
    setup_logging()
    try:
        app()
    except (Exception, MemoryError) as exc:
        fault = exc if isinstance(exc, EquimeError) else environment_fault(exc)
        if fault is None:
            raise
        typer.echo(f"error: {fault}", err=True)
        sys.exit(2)


def command(main: Callable[..., None]) -> None:
    """Run ``main`` as a command line whose options are its parameters (a stage script)."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command(help=main.__doc__)(main)
    run_app(app)


class Stage:
    """One run of a pipeline stage: the params it reads, its clock and its record."""

    def __init__(self, name: str, params_path: Path, run: str | None = None) -> None:
        self.name, self.run, self.path = name, run, params_path
        self.data = read_params(params_path)
        self.keys = stage_params(self.data, name, run, params_path)
        self._start = time.perf_counter()

    @property
    def label(self) -> str:
        return f"{self.name}@{self.run}" if self.run else self.name

    def section(self, name: str, kind: type[T]) -> T:
        """Section ``name`` validated as ``kind``; only sections the stage's keys are in."""
        if not any(k.split(".")[0] == name for k in self.keys):
            raise ParamsError(f"stage {self.name} reads no {name}.* key; add the keys it reads to "
                              "runtime.STAGE_PARAMS and its params: in dvc.yaml")
        return validate(self.data, name, kind, self.path)

    def record(self, metrics: Mapping[str, Any], path: Path | None,
               timings: Mapping[str, float] | None = None, artifacts: Sequence[Path] = ()) -> None:
        """Write ``metrics`` to ``path`` (DVC) and log them, the stage's params and its timings
        to MLflow."""
        if path is None:
            return
        seconds = {"seconds": time.perf_counter() - self._start, **(timings or {})}
        record_stage(self.label, self.keys, metrics, path, timings=seconds, artifacts=artifacts)
