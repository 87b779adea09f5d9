"""DVC stage ``attributes_faces``: age, gender, race (and emotion) of every aligned source face."""

from pathlib import Path
from typing import Annotated

import typer

from equime.artifacts import curated, face_attributes
from equime.attributes.analyzer import analyzer_for
from equime.attributes.faces import face_attributes as attributes_of
from equime.attributes.faces import face_metrics
from equime.attributes.params import AttributesParams
from equime.compute.params import ComputeParams
from equime.runtime import MetricsOpt, ParamsOpt, Stage, command


def main(
    faces: Annotated[Path, typer.Option(help="curate's folder")] = Path(curated.PATH),
    out: Annotated[Path, typer.Option(help="faces.csv")] = Path(face_attributes.PATH),
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
) -> None:
    """Who each source face is, from attributes.source (annotations | deepface)."""
    stage = Stage("attributes_faces", params)
    rows = attributes_of(curated.read_subjects(faces / "subjects.csv"), faces / "faces",
                         analyzer_for(stage.section("attributes", AttributesParams)),
                         stage.section("compute", ComputeParams))
    face_attributes.write(out, rows)
    stage.record(face_metrics(rows), metrics)


if __name__ == "__main__":
    command(main)
