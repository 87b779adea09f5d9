"""DVC stage ``demographics``: who is represented from sources to exported clips."""

from pathlib import Path
from typing import Annotated

import typer

from equime.artifacts import dataset, demographics, face_attributes, plan, selection
from equime.attributes.params import AttributesParams
from equime.demographics.summary import (
    balance_table,
    demographics_metrics,
    funnel,
    group_table,
    plot_demographics,
)
from equime.runtime import MetricsOpt, ParamsOpt, Stage, command


def main(
    exported: Annotated[Path, typer.Option("--dataset", help="data/dataset/<export.name>")],
    faces: Annotated[Path, typer.Option(help="faces.csv (the sources)")] = Path(face_attributes.PATH),
    selected: Annotated[Path, typer.Option()] = Path(selection.PATH) / "subjects.csv",
    plan_file: Annotated[Path, typer.Option("--plan")] = Path(plan.PATH),
    out: Annotated[Path, typer.Option()] = Path(demographics.PATH),
    balance: Annotated[Path, typer.Option(help="the balance table (in git)")] = Path(
        demographics.BALANCE),
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
) -> None:
    """Counts, shares and balance per group at each step, with the plot."""
    stage = Stage("demographics", params)
    edges = stage.section("attributes", AttributesParams).age_bands
    steps = funnel(face_attributes.read(faces), selection.read_selected(selected),
                   [r.subject for r in plan.read_plan(plan_file)],
                   dataset.read_manifest(exported)["subject"].tolist(), edges)
    groups = group_table(steps, edges)
    balances = balance_table(groups)
    demographics.write(out, balance, groups, balances, plot_demographics(groups, balances))
    stage.record(demographics_metrics(balances), metrics)


if __name__ == "__main__":
    command(main)
