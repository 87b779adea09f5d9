"""DVC stage ``plan``: one row per clip (AUs with intensities, timing, prompt, seed)."""

from pathlib import Path
from typing import Annotated

import typer

from equime.artifacts import plan, selection
from equime.plan.params import PlanParams
from equime.plan.planner import PlanTally, iter_clips, plan_subjects
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
    tally = PlanTally({p.subject: p.cell for p in people}, spec.emotions)
    with plan.writing(out, plot) as write:  # a row at a time: memory flat in the row count
        for row in iter_clips(people, spec, stage.section("base", BaseParams).seed):
            write(row)
            tally.add(row)
    stage.record(tally.metrics(), metrics)


if __name__ == "__main__":
    command(main)
