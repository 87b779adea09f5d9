"""The source photos: a folder of face images and an optional annotation file (``demo`` writes
the embedded default; users bring their own)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from equime.errors import InputError

PATH = "data/sources"
FILES = ("*",)
ANNOTATIONS = "annotations.csv"  # the demo's annotation manifest (file, gender, age, race, ...)
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"})


def list_sources(folder: Path, skip: Sequence[Path] = ()) -> list[Path]:
    """Every visible regular file under ``folder``, sorted; ``skip`` (the attribute file) excluded."""
    if not folder.is_dir():
        raise InputError(f"{folder}: source folder not found; fix curate.source")
    skipped = {p.resolve() for p in skip}
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        and p.resolve() not in skipped
    )
