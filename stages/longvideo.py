"""DVC stage ``longvideo``: per subject, long recordings holding several micro- and
macro-expressions, their ground truth (SAMM-LV table, MEGC spotting CSVs), ME-LVQA questions,
and the baseline spotter's spots and scores."""

from pathlib import Path
from typing import Annotated

import typer

from equime.artifacts import curated, longvideos, plan
from equime.artifacts.curated import FaceStore
from equime.generate.params import GenerateParams
from equime.longvideo.params import LongVideoParams
from equime.longvideo.runner import Settings, run_longvideos
from equime.plan.params import PlanParams
from equime.quality.params import QualityParams
from equime.recording.params import RecordingParams
from equime.runtime import MetricsOpt, ParamsOpt, Stage, command
from equime.section import BaseParams


def main(
    plan_file: Annotated[Path, typer.Option("--plan", help="plan.jsonl")] = Path(plan.PATH),
    faces: Annotated[Path, typer.Option(help="curate's folder")] = Path(curated.PATH),
    out: Annotated[Path, typer.Option(help="folder for the long videos")] = Path(longvideos.PATH),
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
) -> None:
    """Render the long videos, write their ground truth and questions, spot and score them."""
    stage = Stage("longvideo", params)
    g = stage.section("generate", GenerateParams)
    settings = Settings(stage.section("longvideo", LongVideoParams),
                        stage.section("plan", PlanParams), g.warp,
                        stage.section("recording", RecordingParams),
                        stage.section("quality", QualityParams), g.encoder(),
                        stage.section("base", BaseParams).seed)
    report = run_longvideos(plan.read_plan(plan_file), FaceStore(faces), out, settings)
    stage.record(report.metrics(out), metrics)


if __name__ == "__main__":
    command(main)
