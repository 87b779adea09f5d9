"""SAMM: ``<root>/006/006_1_2/006_05562.jpg`` + ``SAMM_Micro_FACS_Codes_v2.xlsx`` (200 fps),
whose header row comes after several rows of text. The sheet's Subject is 6 for folder 006."""

from __future__ import annotations

from pathlib import Path

from equime.datasets.coded import SheetLayout, load_coded, numbered
from equime.datasets.sample import Loaded

LAYOUT = SheetLayout(dataset="samm", subject_folder=numbered("{:03d}"), subject="Subject",
                     filename="Filename", onset="Onset Frame", apex="Apex Frame",
                     offset="Offset Frame", aus="Action Units", emotion="Estimated Emotion")


def load(root: Path, sheet: Path) -> Loaded:
    return load_coded(root, sheet, LAYOUT)
