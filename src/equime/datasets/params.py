"""The ``datasets`` section: local copies of real ME datasets (used by summarize and train)."""

from __future__ import annotations

from typing import Literal

from equime.section import Section

# the real ME datasets equime reads (a loader each in equime.datasets): the one list of their names
REAL_DATASETS = ("casme2", "samm", "smic", "miex", "casme3")
RealDataset = Literal[REAL_DATASETS]  # type: ignore[valid-type]


class LocalDataset(Section):
    """One configured copy; keys left out are absent (a sheet is needed by the sheet-coded sets,
    a variant by SMIC)."""

    root: str | None = None  # the copy's folder; null = not configured
    sheet: str | None = None  # coding sheet (CASME II, SAMM, CAS(ME)³)
    variant: Literal["HS", "VIS", "NIR"] | None = None  # SMIC (HS when absent)


Datasets = dict[RealDataset, LocalDataset]  # the section: dataset → its copy
