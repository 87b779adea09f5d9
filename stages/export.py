"""DVC stage ``export``: the passing clips in the dataset layout, with metadata, manifest, card."""

from pathlib import Path
from typing import Annotated

import typer

from equime.artifacts import (
    clip_attributes,
    clips,
    dataset,
    plan,
    quality,
    review,
    selection,
    verdicts,
    videos,
)
from equime.export.params import ExportParams
from equime.export.writer import export_dataset, export_metrics
from equime.ordered import InPlanOrder
from equime.runtime import MetricsOpt, ParamsOpt, Stage, command
from equime.section import BaseParams


def main(
    plan_file: Annotated[Path, typer.Option("--plan")] = Path(plan.PATH),
    subjects: Annotated[Path, typer.Option()] = Path(selection.PATH) / "subjects.csv",
    me_clips: Annotated[Path, typer.Option("--clips", help="retime's folder")] = Path(clips.PATH),
    generated: Annotated[Path, typer.Option("--videos", help="generate's folder")] = Path(
        videos.PATH),
    measured: Annotated[Path, typer.Option("--quality")] = Path(quality.PATH) / "clips.csv",
    judged: Annotated[Path, typer.Option("--verdicts")] = Path(verdicts.PATH),
    attributes: Annotated[Path, typer.Option()] = Path(clip_attributes.PATH) / "clips.csv",
    reviewed: Annotated[Path, typer.Option("--review", help="the review stage's folder")] = Path(
        review.PATH),
    out: Annotated[Path, typer.Option(help="dataset folder")] = Path(dataset.PATH),
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
) -> None:
    """Export the clips that pass, each with its measurements, attributes and review."""
    stage = Stage("export", params)
    summary = export_dataset(  # every per-clip table streamed beside the plan
        plan.iter_plan(plan_file), selection.read_subject_infos(subjects), me_clips, generated, out,
        stage.section("export", ExportParams), stage.section("base", BaseParams).seed,
        quality=InPlanOrder(quality.iter_by_clip(measured), str(measured)),
        verdicts=InPlanOrder(verdicts.iter_by_clip(judged), str(judged)),
        clip_attributes=InPlanOrder(clip_attributes.iter_by_clip(attributes), str(attributes)),
        review=review.by_clip(reviewed))
    stage.record(export_metrics(summary), metrics)


if __name__ == "__main__":
    command(main)
