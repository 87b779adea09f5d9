"""The ``select`` section: which demographic cells the dataset draws subjects from, and how many."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from equime.section import Section, unique

CellKey = Literal["gender", "race", "age_band"]


class SelectParams(Section):
    stratify_by: Annotated[tuple[CellKey, ...], unique("a key")]
    target: dict[str, float]  # cell → weight; {}: uniform over the cells
    max_subjects: int | None = Field(ge=1)  # null: the largest set with the target proportions
