"""The source photos: a folder of face images and an optional annotation file (``demo`` writes
the embedded default; users bring their own)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from equime.errors import InputError

PATH = "data/sources"
FILES = ("*",)
ANNOTATIONS = "annotations.csv"  # the demo's annotation manifest (file, gender, age, race, ...)
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"})


@dataclass(frozen=True)
class Unread:
    """An entry of the source folder that curation does not read, and why."""

    source: str  # relative to the folder (non-UTF-8 bytes escaped)
    reason: str  # hidden | broken-link | outside-link | link-to-folder | not-a-file | bad-name
    detail: str


def _name(rel: Path) -> tuple[str, bool]:
    """(printable relative name, whether it is valid UTF-8 as it is)."""
    text = rel.as_posix()
    try:
        text.encode("utf-8")
        return text, True
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "backslashreplace"), False


def link_problem(path: Path, root: Path) -> tuple[str, str] | None:
    """Why a symbolic link is not followed, or None when it stays inside the folder."""
    target = path.resolve()
    if not target.exists():
        return "broken-link", f"link to {os.readlink(path)!r}, which does not exist"
    if not target.is_relative_to(root):
        return "outside-link", f"link to {target}, outside the source folder: not followed"
    return None


def list_sources(folder: Path, skip: Sequence[Path] = ()) -> tuple[list[Path], list[Unread]]:
    """Every regular file under ``folder`` that curation reads (sorted; links inside the folder
    followed; ``skip``, the annotation file, left out), and a record for every other entry:
    hidden files and folders, links that are broken or lead outside, what is not a file."""
    if not folder.is_dir():
        raise InputError(f"{folder}: source folder not found; fix curate.source")
    root = folder.resolve()
    skipped = {p.resolve() for p in skip}
    files: list[Path] = []
    unread: list[Unread] = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        here = Path(dirpath)
        for name in sorted(dirnames):
            path = here / name
            rel, _ = _name(path.relative_to(folder))
            if path.is_symlink():
                problem = link_problem(path, root) or (
                    "link-to-folder", "link to a folder inside the source folder: its files are "
                    "read where they are")
                unread.append(Unread(rel, *problem))
                dirnames.remove(name)
            elif name.startswith("."):
                count = sum(len(f) for _, _, f in os.walk(path))
                unread.append(Unread(rel + "/", "hidden", f"hidden folder ({count} files) not read"))
                dirnames.remove(name)
        for name in filenames:
            path = here / name
            rel, valid = _name(path.relative_to(folder))
            if path.resolve() in skipped:
                continue
            if not valid:
                unread.append(Unread(rel, "bad-name", "file name is not valid UTF-8; rename it"))
            elif name.startswith("."):
                unread.append(Unread(rel, "hidden", "hidden file (name starts with '.') not read"))
            elif path.is_symlink() and (problem := link_problem(path, root)):
                unread.append(Unread(rel, *problem))
            elif not path.is_file():
                unread.append(Unread(rel, "not-a-file", "not a regular file (a pipe, socket or "
                                     "device)"))
            else:
                files.append(path)
    return sorted(files), sorted(unread, key=lambda u: u.source)
