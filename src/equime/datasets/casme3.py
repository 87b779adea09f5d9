"""CAS(ME)³ part A: ``<root>/spNo.1/a/color/0.jpg`` + its label sheet (30 fps). The sheet writes
subjects ``spNO.1`` where the folders are ``spNo.1``."""

from __future__ import annotations

import re
from pathlib import Path

from equime.datasets.coded import SheetLayout, load_coded
from equime.datasets.sample import Loaded


def _folder(cell: str) -> str | None:
    m = re.fullmatch(r"sp\s*no\.?\s*(\d+)", cell, flags=re.IGNORECASE)
    return f"spNo.{int(m.group(1))}" if m else None


LAYOUT = SheetLayout(dataset="casme3", subject_folder=_folder, subject="Subject",
                     filename="Filename", onset="Onset", apex="Apex", offset="Offset", aus="AU",
                     emotion="Objective class", clip_subdir="color")


def load(root: Path, sheet: Path) -> Loaded:
    return load_coded(root, sheet, LAYOUT)
