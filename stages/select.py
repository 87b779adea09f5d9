"""DVC stage ``select``: subjects chosen to the target distribution over demographic cells."""

from pathlib import Path
from typing import Annotated

import typer

from equime.artifacts import curated, face_attributes, selection
from equime.attributes.params import AttributesParams
from equime.demographics.params import SelectParams
from equime.demographics.select import require_selection, select, selection_metrics
from equime.runtime import MetricsOpt, ParamsOpt, Stage, command
from equime.section import BaseParams


def main(
    subjects: Annotated[Path, typer.Option(help="curate's subjects.csv (the pool)")] = Path(
        curated.PATH) / "subjects.csv",
    attributes: Annotated[Path, typer.Option(help="faces.csv")] = Path(face_attributes.PATH),
    out: Annotated[Path, typer.Option(help="subjects.csv, supply.csv, not_selected.csv")] = Path(
        selection.PATH),
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
) -> None:
    """Choose subjects over gender × race × age-band cells (select.*), seeded."""
    stage = Stage("select", params)
    bands = stage.section("attributes", AttributesParams).age_bands
    result = select(face_attributes.read(attributes), curated.read_subjects(subjects), attributes,
                    stage.section("select", SelectParams), bands,
                    stage.section("base", BaseParams).seed)
    selection.write(out, result)
    require_selection(result, out / "supply.csv")
    stage.record(selection_metrics(result), metrics)


if __name__ == "__main__":
    command(main)
