"""DVC stage ``retime``: every generated clip → a micro-expression clip (the warp backend's pass
through: they are MEs as rendered); a clip whose motion is a real dataset's gets that ME moved
onto its face."""

from pathlib import Path
from typing import Annotated

import typer

from equime.artifacts import clips, curated, plan, videos
from equime.compute.params import ComputeParams
from equime.datasets.params import Datasets
from equime.generate.params import GenerateParams
from equime.recording.params import RecordingParams
from equime.retime.jobs import retime_plan
from equime.retime.params import RetimeParams
from equime.runtime import MetricsOpt, ParamsOpt, Stage, command


def main(
    plan_file: Annotated[Path, typer.Option("--plan", help="plan.jsonl")] = Path(plan.PATH),
    faces: Annotated[Path, typer.Option(help="curate's folder")] = Path(curated.PATH),
    generated: Annotated[Path, typer.Option("--videos", help="generate's folder")] = Path(
        videos.PATH),
    out: Annotated[Path, typer.Option(help="folder for the ME clips")] = Path(clips.PATH),
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
) -> None:
    """Stabilise, find the apex, take its motion, render the ME on the curated neutral face."""
    stage = Stage("retime", params)
    g = stage.section("generate", GenerateParams)
    report = retime_plan(plan.read_plan(plan_file), generated, faces, out,
                         stage.section("retime", RetimeParams),
                         stage.section("recording", RecordingParams).camera,
                         g.encoder(),
                         stage.section("datasets", Datasets),
                         stage.section("compute", ComputeParams))
    stage.record(report.metrics(), metrics)


if __name__ == "__main__":
    command(main)
