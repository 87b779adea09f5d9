"""The whole of ``params.yaml`` as one frozen model, assembled from the sections each package
owns: for hand-run commands and tests (a stage validates only the sections it reads)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from equime.attributes.params import AttributesParams
from equime.baselines.params import BaselinesParams
from equime.compute.params import ComputeParams
from equime.curate.params import CurateParams
from equime.datasets.params import Datasets
from equime.demographics.params import SelectParams
from equime.errors import ParamsError
from equime.export.params import ExportParams
from equime.generate.params import GenerateParams
from equime.longvideo.params import LongVideoParams
from equime.plan.params import PlanParams
from equime.quality.params import FilterParams, QualityParams, SummarizeParams
from equime.recording.params import RecordingParams
from equime.retime.params import RetimeParams
from equime.review.params import ReviewParams
from equime.section import BaseParams, Section, format_error, read_params


class Params(Section):
    base: BaseParams
    compute: ComputeParams
    curate: CurateParams
    attributes: AttributesParams
    select: SelectParams
    plan: PlanParams
    generate: GenerateParams
    recording: RecordingParams
    retime: RetimeParams
    quality: QualityParams
    filter: FilterParams
    summarize: SummarizeParams
    export: ExportParams
    longvideo: LongVideoParams
    review: ReviewParams
    baselines: BaselinesParams
    datasets: Datasets  # local copies of real ME datasets


def parse_params(data: Any, path: Path = Path("params.yaml")) -> Params:
    """Validate an already-loaded mapping; raise a one-line :class:`ParamsError`."""
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: must be a mapping of sections (base, curate, plan, ...)")
    try:
        return Params.model_validate(data)
    except ValidationError as exc:
        raise ParamsError(format_error(path, exc.errors()[0])) from None


def load_params(path: Path) -> Params:
    return parse_params(read_params(path), path)
