"""DVC stage ``curate``: every photo → an aligned face (subjects.csv) or a reject with its reason."""

from pathlib import Path
from typing import Annotated

import typer

from equime.artifacts import curated
from equime.compute.params import ComputeParams
from equime.curate.curation import curate_into, curate_metrics, require_subjects
from equime.curate.params import CurateParams
from equime.runtime import MetricsOpt, ParamsOpt, Stage, command


def main(
    source: Annotated[Path, typer.Option(help="folder of face photos")],
    out: Annotated[Path, typer.Option(help="faces/, subjects.csv, rejects.csv")] = Path(curated.PATH),
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
) -> None:
    """Detect and align every face photo (that curate.filter keeps); reject the rest with reasons."""
    stage = Stage("curate", params)
    result = curate_into(source, stage.section("curate", CurateParams), out,
                         compute=stage.section("compute", ComputeParams))
    require_subjects(result, source, out)
    stage.record(curate_metrics(result), metrics)


if __name__ == "__main__":
    command(main)
