"""The ``export`` section: the dataset's name, licence and ME-VQA test split."""

from __future__ import annotations

from pydantic import Field

from equime.section import Section


class ExportParams(Section):
    name: str = Field(pattern=r"^[A-Za-z0-9-]+$")
    license: str
    vqa_test_fraction: float = Field(ge=0, le=0.9)  # subjects whose ME-VQA rows are the test split
