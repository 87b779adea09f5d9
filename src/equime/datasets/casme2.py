"""CASME II: ``<root>/sub01/EP02_01f/img46.jpg`` + ``CASME2-coding-*.xlsx`` (200 fps).

The sheet's Subject is 1 where the folder is sub01; some rows have no apex ('/')."""

from __future__ import annotations

from pathlib import Path

from equime.datasets.labels import FPS, megc3
from equime.datasets.sample import Loaded, Sample, frames_in, int_or_none
from equime.datasets.sheets import read_sheet

COLUMNS = ("Subject", "Filename", "OnsetFrame", "ApexFrame", "OffsetFrame", "Action Units",
           "Estimated Emotion")


def load(root: Path, sheet: Path) -> Loaded:
    out = Loaded()
    for n, row in read_sheet(sheet, COLUMNS).iterrows():
        where = f"{sheet.name} row {n + 1}"
        subject_no = int_or_none(row["Subject"])
        if subject_no is None:
            out.problems.append(f"{where}: Subject {row['Subject']!r} is not a number")
            continue
        subject = f"sub{subject_no:02d}"
        folder = root / subject / str(row["Filename"]).strip()
        if not folder.is_dir():
            out.problems.append(f"{where}: clip folder {folder} not found")
            continue
        onset, offset = int_or_none(row["OnsetFrame"]), int_or_none(row["OffsetFrame"])
        if onset is None or offset is None:
            out.problems.append(f"{where}: onset/offset frame missing")
            continue
        emotion = str(row["Estimated Emotion"]).strip().lower()
        out.samples.append(Sample(
            dataset="casme2", subject=subject, clip_id=folder.name, frames=frames_in(folder),
            fps=FPS["casme2"], emotion=emotion, label3=megc3("casme2", emotion), onset=onset,
            apex=int_or_none(row["ApexFrame"]), offset=offset, aus=str(row["Action Units"]).strip()))
    return out
