"""DVC stage ``generate``: every planned clip rendered by the configured backend (resumable)."""

from pathlib import Path
from typing import Annotated

import typer

from equime.artifacts import curated, plan, videos
from equime.compute.params import ComputeParams
from equime.generate.params import GenerateParams
from equime.generate.runner import generate
from equime.recording.params import RecordingParams
from equime.runtime import MetricsOpt, ParamsOpt, Stage, command


def main(
    plan_file: Annotated[Path, typer.Option("--plan", help="plan.jsonl")] = Path(plan.PATH),
    faces: Annotated[Path, typer.Option(help="curate's folder")] = Path(curated.PATH),
    out: Annotated[Path, typer.Option(help="folder for <clip_id>.mp4 + .json")] = Path(videos.PATH),
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
) -> None:
    """Render every planned clip; clips already complete and verified are kept."""
    stage = Stage("generate", params)
    report = generate(plan.read_plan(plan_file), faces, out, stage.section("generate", GenerateParams),
                      stage.section("recording", RecordingParams),
                      compute=stage.section("compute", ComputeParams))
    stage.record(report.metrics(), metrics, timings=report.timings())


if __name__ == "__main__":
    command(main)
