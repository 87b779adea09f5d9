"""SAMM: ``<root>/006/006_1_2/006_05562.jpg`` + ``SAMM_Micro_FACS_Codes_v2.xlsx`` (200 fps),
whose header row comes after several rows of text. The sheet's Subject is 6 for folder 006."""

from __future__ import annotations

from pathlib import Path

from equime.datasets.labels import FPS, megc3
from equime.datasets.sample import Loaded, Sample, frames_in, int_or_none
from equime.datasets.sheets import read_sheet

COLUMNS = ("Subject", "Filename", "Onset Frame", "Apex Frame", "Offset Frame", "Action Units",
           "Estimated Emotion")


def load(root: Path, sheet: Path) -> Loaded:
    out = Loaded()
    for n, row in read_sheet(sheet, COLUMNS).iterrows():
        where = f"{sheet.name} row {n + 1}"
        subject_no = int_or_none(row["Subject"])
        if subject_no is None:
            out.problems.append(f"{where}: Subject {row['Subject']!r} is not a number")
            continue
        subject = f"{subject_no:03d}"
        folder = root / subject / str(row["Filename"]).strip()
        if not folder.is_dir():
            out.problems.append(f"{where}: clip folder {folder} not found")
            continue
        emotion = str(row["Estimated Emotion"]).strip().lower()
        out.samples.append(Sample(
            dataset="samm", subject=subject, clip_id=folder.name, frames=frames_in(folder),
            fps=FPS["samm"], emotion=emotion, label3=megc3("samm", emotion),
            onset=int_or_none(row["Onset Frame"]), apex=int_or_none(row["Apex Frame"]),
            offset=int_or_none(row["Offset Frame"]), aus=str(row["Action Units"]).strip()))
    return out
