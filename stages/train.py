"""DVC stage ``train@<run>``: a baseline trained on every fold of its protocol."""

from pathlib import Path
from typing import Annotated

import typer

from equime.artifacts import baselines
from equime.baselines.params import BaselinesParams
from equime.baselines.protocols import run_params
from equime.baselines.train import run_facts, train_run
from equime.datasets.params import Datasets
from equime.datasets.registry import source_loader
from equime.files import output_lock
from equime.resume import ItemStore
from equime.runtime import ParamsOpt, Stage, command, log
from equime.section import BaseParams


def main(
    run: Annotated[str, typer.Option(help="a key of baselines.runs")],
    exported: Annotated[Path, typer.Option("--dataset", help="data/dataset/<export.name>")],
    out: Annotated[Path, typer.Option(help="the run's folder: data/baselines/<run>")],
    params: ParamsOpt = Path("params.yaml"),
) -> None:
    """Train on every fold; predict each fold's test clips; keep each fold's chosen weights."""
    stage = Stage("train", params, run)
    b = stage.section("baselines", BaselinesParams)
    spec = run_params(b, run)
    load = source_loader(exported, stage.section("datasets", Datasets))
    # a stopped run resumes at its next fold; the folder is swapped in whole at the end
    with output_lock(out), baselines.writing(out) as folder:
        result = train_run(spec, b, stage.section("base", BaseParams).seed, load, folder,
                           ItemStore(out))
        baselines.write_results(folder, result.predictions, run_facts(run, spec, result))
    log.info("train %s: %d folds, %d test predictions → %s", run, result.folds,
             len(result.predictions), out)


if __name__ == "__main__":
    command(main)
