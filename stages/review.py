"""DVC stage ``review``: the committed human ratings → per-clip results, agreement, realism."""

from pathlib import Path
from typing import Annotated

import typer

from equime.artifacts import ratings, review
from equime.review.results import review_results
from equime.runtime import MetricsOpt, ParamsOpt, Stage, command, log


def main(
    rated: Annotated[Path, typer.Option("--ratings", help="sample.csv + ratings.csv")] = Path(
        ratings.PATH),
    out: Annotated[Path, typer.Option(help="clips.csv, summary.json")] = Path(review.PATH),
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
) -> None:
    """Majority label per clip, accuracy against the plan, Fleiss' kappa, realism."""
    stage = Stage("review", params)
    clips, summary = review_results(*ratings.read_review(rated))
    review.write(out, clips, summary)
    stage.record(summary, metrics)
    log.info("review: %d ratings of %d clips, Fleiss' kappa %s", summary["ratings"],
             summary["clips_rated"], summary["fleiss_kappa"])


if __name__ == "__main__":
    command(main)
