"""CASME II: ``<root>/sub01/EP02_01f/img46.jpg`` + ``CASME2-coding-*.xlsx`` (200 fps).

The sheet's Subject is 1 where the folder is sub01; some rows have no apex ('/')."""

from __future__ import annotations

from pathlib import Path

from equime.datasets.coded import SheetLayout, load_coded, numbered
from equime.datasets.sample import Loaded

LAYOUT = SheetLayout(dataset="casme2", subject_folder=numbered("sub{:02d}"), subject="Subject",
                     filename="Filename", onset="OnsetFrame", apex="ApexFrame",
                     offset="OffsetFrame", aus="Action Units", emotion="Estimated Emotion")


def load(root: Path, sheet: Path) -> Loaded:
    return load_coded(root, sheet, LAYOUT)
