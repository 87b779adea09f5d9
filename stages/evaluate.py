"""DVC stage ``evaluate@<run>``: scores with bootstrap CIs, per dataset and per demographic group."""

from pathlib import Path
from typing import Annotated

import typer

from equime.artifacts import baselines, evaluation, selection
from equime.baselines.evaluate import evaluate
from equime.baselines.params import BaselinesParams
from equime.baselines.protocols import run_params
from equime.runtime import MetricsOpt, ParamsOpt, Stage, command, log
from equime.section import BaseParams


def main(
    run: Annotated[str, typer.Option(help="a key of baselines.runs")],
    trained: Annotated[Path, typer.Option(help="the train stage's folder for this run")],
    out: Annotated[Path, typer.Option(help="the run's evaluation folder")],
    results: Annotated[Path, typer.Option(help="the run's scores (in git)")],
    groups: Annotated[Path, typer.Option(help="the run's per-group scores (in git)")],
    subjects: Annotated[Path, typer.Option(help="select's subjects.csv")] = Path(
        selection.PATH) / "subjects.csv",
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
) -> None:
    """Evaluate a trained run's predictions."""
    stage = Stage("evaluate", params, run)
    b = stage.section("baselines", BaselinesParams)
    ev = evaluate(run, run_params(b, run), baselines.read_predictions(trained, run),
                  selection.read_selected(subjects), b.bootstrap, stage.section("base", BaseParams).seed)
    evaluation.write(out, results, groups, run, ev)
    stage.record(ev.summary, metrics,
                 artifacts=[*evaluation.plots(out, run), *baselines.model_files(trained)])
    log.info("evaluate %s: UF1 %.3f [%.3f, %.3f], UAR %.3f over %d clips", run, ev.summary["uf1"],
             ev.summary["uf1_lo"], ev.summary["uf1_hi"], ev.summary["uar"], ev.summary["n"])


if __name__ == "__main__":
    command(main)
