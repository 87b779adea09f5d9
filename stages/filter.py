"""DVC stage ``filter``: pass/fail per measured clip, with every failing reason."""

from pathlib import Path
from typing import Annotated

import typer

from equime.artifacts import clip_attributes, quality, verdicts
from equime.quality.filter import filter_metrics, verdict_table
from equime.quality.params import FilterParams
from equime.runtime import MetricsOpt, ParamsOpt, Stage, command


def main(
    clips: Annotated[Path, typer.Option(help="quality's clips.csv")] = Path(
        quality.PATH) / "clips.csv",
    identity: Annotated[Path, typer.Option(help="attributes_clips' clips.csv")] = Path(
        clip_attributes.PATH) / "clips.csv",
    out: Annotated[Path, typer.Option(help="verdicts.csv")] = Path(verdicts.PATH),
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
) -> None:
    """Judge every clip against filter.* (and the identity flags)."""
    stage = Stage("filter", params)
    flags = clip_attributes.flags_by_clip(clip_attributes.read(identity))
    table = verdict_table(quality.read(clips), stage.section("filter", FilterParams), flags)
    verdicts.write(out, table)
    stage.record(filter_metrics(table), metrics)


if __name__ == "__main__":
    command(main)
