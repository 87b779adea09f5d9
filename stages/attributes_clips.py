"""DVC stage ``attributes_clips``: who each clip appears to be, and identity consistency."""

from pathlib import Path
from typing import Annotated

import typer

from equime.artifacts import clip_attributes, clips, face_attributes, plan
from equime.attributes.analyzer import analyzer_for
from equime.attributes.clips import clip_attributes as attributes_of
from equime.attributes.clips import clip_metrics
from equime.attributes.params import AttributesParams
from equime.compute.params import ComputeParams
from equime.files import output_lock
from equime.resume import ItemStore
from equime.runtime import MetricsOpt, ParamsOpt, Stage, command


def main(
    plan_file: Annotated[Path, typer.Option("--plan", help="plan.jsonl")] = Path(plan.PATH),
    faces: Annotated[Path, typer.Option(help="faces.csv")] = Path(face_attributes.PATH),
    me_clips: Annotated[Path, typer.Option("--clips", help="retime's folder (the ME clips)")] = Path(
        clips.PATH),
    out: Annotated[Path, typer.Option(help="clips.csv, frames.jsonl")] = Path(clip_attributes.PATH),
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
) -> None:
    """Every k-th frame of every clip through attributes.source; identity flags per clip."""
    stage = Stage("attributes_clips", params)
    a = stage.section("attributes", AttributesParams)
    with output_lock(out):  # one run at a time; a stopped one resumes from its finished clips
        table, frames = attributes_of(plan.read_plan(plan_file), me_clips,
                                      face_attributes.read(faces, source=a.source),
                                      analyzer_for(a), a, ItemStore(out),
                                      stage.section("compute", ComputeParams))
        clip_attributes.write(out, table, frames)
    stage.record(clip_metrics(table), metrics)


if __name__ == "__main__":
    command(main)
