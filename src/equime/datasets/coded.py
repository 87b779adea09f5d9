"""Datasets described by a coding sheet: one row per clip, a numbered subject folder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from equime.datasets.labels import FPS, megc3
from equime.datasets.sample import Loaded, Sample, frames_in, int_or_none
from equime.datasets.sheets import read_sheet
from equime.errors import InputError
from equime.files import inside


@dataclass(frozen=True)
class SheetLayout:
    dataset: str
    subject_folder: Callable[[str], str | None]  # the sheet's subject cell → folder name
    subject: str  # the sheet's column names ...
    filename: str
    onset: str
    apex: str
    offset: str
    aus: str
    emotion: str
    clip_subdir: str = ""  # frames sit in <subject>/<clip>/<clip_subdir>/

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.subject, self.filename, self.onset, self.apex, self.offset, self.aus,
                self.emotion)


def load_coded(root: Path, sheet: Path, layout: SheetLayout) -> Loaded:
    """Samples for the sheet's rows; rows without a subject number, a clip folder or an
    onset/offset are reported one line each. A missing apex stays None."""
    out = Loaded()
    for n, row in read_sheet(sheet, layout.columns).iterrows():
        where = f"{sheet.name} row {n + 1}"
        subject = layout.subject_folder(str(row[layout.subject]).strip())
        if subject is None:
            out.problems.append(f"{where}: subject {row[layout.subject]!r} is not understood")
            continue
        clip = str(row[layout.filename]).strip()
        try:  # a sheet cell becomes a path only inside the dataset folder
            folder = inside(root, "/".join(p for p in (subject, clip, layout.clip_subdir) if p),
                            f"{where}: clip {clip!r}")
        except InputError as exc:
            out.problems.append(str(exc))
            continue
        if not clip or not folder.is_dir():
            out.problems.append(f"{where}: clip folder {folder} not found")
            continue
        onset, offset = int_or_none(row[layout.onset]), int_or_none(row[layout.offset])
        if onset is None or offset is None:
            out.problems.append(f"{where}: onset/offset frame missing")
            continue
        emotion = str(row[layout.emotion]).strip().lower()
        frames = frames_in(folder)
        if not frames:
            out.problems.append(f"{where}: no frames in {folder}")
            continue
        out.samples.append(Sample(
            dataset=layout.dataset, subject=subject, clip_id=clip, frames=frames,
            fps=FPS[layout.dataset], emotion=emotion, label3=megc3(layout.dataset, emotion),
            onset=onset, apex=int_or_none(row[layout.apex]), offset=offset,
            aus=str(row[layout.aus]).strip()))
    return out


def numbered(fmt: str) -> Callable[[str], str | None]:
    """Subject cells that are numbers (1, '1', 1.0) → ``fmt.format(number)``."""
    def folder(cell: str) -> str | None:
        number = int_or_none(cell)
        return None if number is None else fmt.format(number)
    return folder
