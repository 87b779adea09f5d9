"""DVC stage ``quality``: per-clip image metrics (standard and paper modes) and the ME checks."""

from pathlib import Path
from typing import Annotated

import typer

from equime.artifacts import clips, curated, plan, quality
from equime.compute.params import ComputeParams
from equime.files import output_lock
from equime.quality.assess import assess_videos, plot_curves, quality_metrics
from equime.quality.metrics import check_metrics
from equime.quality.params import QualityParams
from equime.resume import ItemStore
from equime.runtime import MetricsOpt, ParamsOpt, Stage, command, log


def main(
    plan_file: Annotated[Path, typer.Option("--plan", help="plan.jsonl")] = Path(plan.PATH),
    faces: Annotated[Path, typer.Option(help="curate's folder")] = Path(curated.PATH),
    me_clips: Annotated[Path, typer.Option("--clips", help="retime's folder (the ME clips)")] = Path(
        clips.PATH),
    out: Annotated[Path, typer.Option(help="clips.csv, curves.csv, rejects.csv, motion.png")] = Path(
        quality.PATH),
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
) -> None:
    """Measure every planned clip (on compute.engine; local: quality.workers processes)."""
    stage = Stage("quality", params)
    q = stage.section("quality", QualityParams)
    check_metrics(q.metrics)
    with output_lock(out):  # one run at a time; a killed one resumes from its finished clips
        result = assess_videos(plan.read_plan(plan_file), me_clips, faces, q, ItemStore(out),
                               stage.section("compute", ComputeParams), clips.read_log(me_clips))
        quality.write(out, result.records, result.curves, result.rejects,
                      plot_curves(result.curves))
    stage.record(quality_metrics(result.records), metrics)
    log.info("quality: %d clips measured, %d not (see %s)", len(result.records),
             len(result.rejects), out / "rejects.csv")


if __name__ == "__main__":
    command(main)
