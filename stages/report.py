"""DVC stage ``report``: the self-contained HTML report (open report/index.html from disk)."""

from pathlib import Path
from typing import Annotated

import typer

from equime.artifacts import (
    clips,
    demographics,
    evaluation,
    longvideos,
    quality,
    report,
    review,
    summaries,
    verdicts,
    videos,
)
from equime.export.params import ExportParams
from equime.report.render import build_report
from equime.runtime import ParamsOpt, Stage, command, log


def main(
    exported: Annotated[Path, typer.Option("--dataset", help="data/dataset/<export.name>")],
    out: Annotated[Path, typer.Option(help="folder for index.html")] = Path(report.PATH),
    groups: Annotated[Path | None, typer.Option("--demographics")] = Path(demographics.PATH),
    compared: Annotated[Path | None, typer.Option("--summaries")] = Path(summaries.PATH),
    measured: Annotated[Path | None, typer.Option("--quality")] = Path(quality.PATH),
    judged: Annotated[Path | None, typer.Option("--verdicts")] = Path(verdicts.PATH),
    baselines: Annotated[Path | None, typer.Option(help="the evaluations' folder")] = Path(
        evaluation.EVALUATIONS),
    reviewed: Annotated[Path | None, typer.Option("--review")] = Path(review.PATH),
    lock: Annotated[Path | None, typer.Option(help="dvc.lock (inputs' hashes)")] = Path("dvc.lock"),
    generated: Annotated[Path | None, typer.Option("--videos")] = Path(videos.PATH),
    me_clips: Annotated[Path | None, typer.Option("--clips")] = Path(clips.PATH),
    long_videos: Annotated[Path | None, typer.Option("--longvideo")] = Path(longvideos.PATH),
    summary_table: Annotated[Path | None, typer.Option(help="summarize's table")] = Path(
        summaries.TABLE),
    balance: Annotated[Path | None, typer.Option(help="demographics' balance table")] = Path(
        demographics.BALANCE),
    scores: Annotated[Path | None, typer.Option(help="the evaluations' scores folder")] = Path(
        evaluation.SCORES),
    params: ParamsOpt = Path("params.yaml"),
) -> None:
    """Write the report; a section whose inputs are absent says so."""
    stage = Stage("report", params)
    name = stage.section("export", ExportParams).name
    html = build_report(f"{name}: equime report", params, exported, groups,
                        compared, measured, judged, baselines, reviewed, lock, generated, me_clips,
                        long_videos, summary_table, balance, scores)
    report.write(out, html)
    log.info("report: %s", out / "index.html")


if __name__ == "__main__":
    command(main)
