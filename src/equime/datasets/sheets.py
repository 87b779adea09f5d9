"""Reading coding sheets (xlsx/csv) whose header row may come after some text rows."""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from equime.errors import InputError


def read_sheet(path: Path, required: Sequence[str]) -> pd.DataFrame:
    """The first table in ``path`` whose header row holds every ``required`` column
    (case- and space-insensitive); columns are renamed to the ``required`` spelling."""
    if not path.is_file():
        raise InputError(f"{path}: coding sheet not found; fix its path in params (datasets)")
    suffix = path.suffix.lower()
    # an .xlsx is a zip of XML parts: name the engine so that a non-zip file says so, rather than
    # "format cannot be determined"; a damaged part raises the XML parser's error, a SyntaxError
    # (xml.etree's and lxml's ParseError both are), or KeyError for a missing part
    engine = "openpyxl" if suffix in (".xlsx", ".xlsm") else None
    try:
        raw = (pd.read_csv(path, header=None, dtype=str) if suffix == ".csv"
               else pd.read_excel(path, header=None, dtype=str, engine=engine))
    except (ValueError, OSError, KeyError, SyntaxError, zipfile.BadZipFile) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise InputError(f"{path}: cannot read the coding sheet, the file is damaged or not a "
                         f"{suffix or 'spreadsheet'} file ({reason}); download it again or re-save "
                         "it from a spreadsheet program") from None
    key = {c.lower().replace(" ", ""): c for c in required}
    for i, row in raw.iterrows():
        names = {str(v).strip().lower().replace(" ", ""): j for j, v in row.items() if pd.notna(v)}
        if set(key) <= set(names):
            table = raw.iloc[i + 1:, [names[k] for k in key]]
            table.columns = list(key.values())
            return table.dropna(how="all").reset_index(drop=True)
    raise InputError(f"{path}: no header row with columns {list(required)}; is it the right sheet?")
