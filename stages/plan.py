"""DVC stage ``plan``: one row per clip (AUs with intensities, timing, prompt, seed)."""

from pathlib import Path
from typing import Annotated

import typer

from equime.artifacts import plan, selection
from equime.plan.params import PlanParams
from equime.plan.planner import plan_clips, plan_metrics, plan_subjects, timing_table
from equime.runtime import MetricsOpt, ParamsOpt, Stage, command
from equime.section import BaseParams


def main(
    subjects: Annotated[Path, typer.Option(help="select's subjects.csv")] = Path(
        selection.PATH) / "subjects.csv",
    out: Annotated[Path, typer.Option(help="plan.jsonl")] = Path(plan.PATH),
    plot: Annotated[Path, typer.Option(help="per-clip timing CSV (DVC plot)")] = Path(plan.TIMING),
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
) -> None:
    """Plan every clip of every selected subject."""
    stage = Stage("plan", params)
    spec = stage.section("plan", PlanParams)
    people = plan_subjects(selection.read_selected(subjects))
    rows = plan_clips(people, spec, stage.section("base", BaseParams).seed)
    plan.write_plan(out, rows)
    plan.write_timing(plot, timing_table(rows))
    stage.record(plan_metrics(rows, people, spec.emotions), metrics)


if __name__ == "__main__":
    command(main)
