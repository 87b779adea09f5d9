"""The annotation file given with the photos: a CSV manifest or CelebA's attribute format."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from equime.attributes.annotations import from_annotations
from equime.errors import InputError
from equime.files import cell


def read_celeba_attributes(path: Path) -> pd.DataFrame:
    """CelebA / CelebA-HQ attribute file → boolean table indexed by image file name.

    Format: line 1 the image count, line 2 the attribute names, then ``name v1 v2 ...`` with
    values -1/1 (or 0/1).
    """
    if not path.is_file():
        raise InputError(f"{path}: attribute file not found; fix curate.attributes or set it to null")
    try:
        table = pd.read_csv(path, sep=r"\s+", skiprows=1, header=0, index_col=0, dtype=str)
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"{path}: not a CelebA attribute file ({exc}); check its format") from None
    values = table.apply(pd.to_numeric, errors="coerce")
    bad = values.isna().any(axis=1)
    if bad.any():
        raise InputError(f"{path}: row {table.index[bad][0]!r} has a non-numeric value; "
                         "values must be -1/1 or 0/1")
    return values > 0


def read_annotation_csv(path: Path) -> pd.DataFrame:
    """CSV manifest → table indexed by image file name: a ``file`` column, then any labels
    (``gender``, ``age``, ``race``, or booleans such as ``Smiling``); empty cells are unknown."""
    if not path.is_file():
        raise InputError(f"{path}: annotation file not found; fix curate.attributes or set it to null")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"{path}: not a readable CSV ({exc}); check its format") from None
    if "file" not in table.columns:
        raise InputError(f"{path}: needs a 'file' column naming each photo; add it")
    if table["file"].duplicated().any():
        raise InputError(f"{path}: file {table['file'][table['file'].duplicated()].iloc[0]!r} is "
                         "listed twice; keep one row per photo")
    labels = [c for c in table.columns if c != "file"]
    return pd.DataFrame({c: [_typed(v) for v in table[c]] for c in labels},
                        index=pd.Index(table["file"], name="file"), columns=labels, dtype=object)


def _typed(text: str) -> object:
    """'true'/'false' → bool, numbers → float, '' → None, anything else stays text."""
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "":
        return None
    try:
        return float(low)
    except ValueError:
        return text.strip()


def read_annotations(path: Path) -> pd.DataFrame:
    """The annotation file given with the photos: a CSV manifest (``.csv``) or CelebA's format;
    each photo's gender, age and race are checked here, so a bad value names its file and row."""
    table = read_annotation_csv(path) if path.suffix.lower() == ".csv" else \
        read_celeba_attributes(path)
    for name, labels in table.iterrows():
        from_annotations({str(k): v for k, v in labels.items() if cell(v) is not None},
                         f"{path}, row {name!r}")
    return table
