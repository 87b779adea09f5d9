"""The ``export`` section: the dataset's name and licence."""

from __future__ import annotations

from pydantic import Field

from equime.section import Section


class ExportParams(Section):
    name: str = Field(pattern=r"^[A-Za-z0-9-]+$")
    license: str
