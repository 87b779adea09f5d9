"""A folder of videos as the hand-run folder modes read it (``equime retime --videos``,
``equime quality --videos``): every entry that looks like a video is read or refused with its
reason, as curate treats its source folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from equime.artifacts.sources import link_problem
from equime.errors import InputError
from equime.files import NAME_PATTERN

SUFFIX = ".mp4"


@dataclass(frozen=True)
class VideoFolder:
    """The videos to read (sorted by name) and ``(entry, reason)`` for each one refused."""

    videos: tuple[Path, ...]
    refused: tuple[tuple[str, str], ...]

    @staticmethod
    def stem(path: Path) -> str:
        """The name a video's outputs take (its file name without ``.mp4``)."""
        return path.name[: -len(SUFFIX)]


def list_videos(folder: Path) -> VideoFolder:
    """The ``*.mp4`` entries of ``folder`` (any case; not its subfolders). Read: regular files
    (or links to one inside the folder) whose name can name an output (letters, digits, '_' and
    '-', not starting with '_' or '-'). Refused, with the reason: hidden files, links that are
    broken or lead outside the folder (never followed), what is not a regular file, other
    names. Other entries are not videos and are not listed."""
    if not folder.is_dir():
        raise InputError(f"{folder}: folder not found; give a folder of .mp4 clips")
    root = folder.resolve()
    videos: list[Path] = []
    refused: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        name = entry.name
        if not name.lower().endswith(SUFFIX):
            continue
        path = folder / name
        stem = VideoFolder.stem(path)
        if name.startswith("."):
            refused.append((name, "hidden file (name starts with '.') not read"))
        elif path.is_symlink() and (problem := link_problem(path, root)):
            refused.append((name, problem[1]))
        elif not path.is_file():
            refused.append((name, "not a regular file (a folder, pipe, socket or device)"))
        elif not NAME_PATTERN.fullmatch(stem):
            refused.append((name, "file name is not letters, digits, '-' and '_' (starting with "
                                  "a letter or digit); rename it"))
        elif stem in seen:  # a.MP4 beside a.mp4: both would write a.mp4
            refused.append((name, f"{seen[stem]} has the same name; rename one of them"))
        else:
            seen[stem] = name
            videos.append(path)
    return VideoFolder(tuple(videos), tuple(refused))
