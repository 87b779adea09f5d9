"""DVC stage ``summarize``: the image metrics of the synthetic set beside every configured real
dataset and the paper's Table 2."""

from pathlib import Path
from typing import Annotated

import typer

from equime.artifacts import quality, summaries, verdicts
from equime.datasets.params import Datasets
from equime.quality.params import QualityParams, SummarizeParams
from equime.quality.summarize import summarize, summary_metrics
from equime.runtime import MetricsOpt, ParamsOpt, Stage, command


def main(
    measured: Annotated[Path, typer.Option("--quality", help="quality's clips.csv")] = Path(
        quality.PATH) / "clips.csv",
    judged: Annotated[Path, typer.Option("--verdicts", help="verdicts.csv")] = Path(verdicts.PATH),
    out: Annotated[Path, typer.Option(help="per-clip tables and plots")] = Path(summaries.PATH),
    table: Annotated[Path, typer.Option(help="the comparison table (in git)")] = Path(
        summaries.TABLE),
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
) -> None:
    """Compare the synthetic set with the real datasets in `datasets`."""
    stage = Stage("summarize", params)
    result = summarize(quality.read(measured), verdicts.read(judged),
                       stage.section("datasets", Datasets), stage.section("summarize", SummarizeParams),
                       stage.section("quality", QualityParams))
    summaries.write(out, table, result.tables, result.comparison, result.plots)
    stage.record(summary_metrics(result.comparison), metrics)


if __name__ == "__main__":
    command(main)
