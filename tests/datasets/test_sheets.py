"""Damaged coding sheets give a one-line InputError naming the file and what to do."""

import os
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from equime.datasets import casme2
from equime.datasets.sheets import read_sheet
from equime.errors import InputError

COLUMNS = ["Subject", "Filename"]


def _good_xlsx(path: Path) -> Path:
    pd.DataFrame({"Subject": [1], "Filename": ["EP01_01"]}).to_excel(path, index=False)
    return path


def _rezip(src: Path, dst: Path, change: dict[str, bytes | None]) -> Path:
    """``src``'s zip members with ``change`` applied (bytes: new content, None: dropped)."""
    with zipfile.ZipFile(src) as z:
        members = {n: z.read(n) for n in z.namelist()}
    with zipfile.ZipFile(dst, "w") as z:
        for name, data in {**members, **change}.items():
            if data is not None:
                z.writestr(name, data)
    return dst


def _broken_sheet_xml(tmp: Path) -> Path:
    return _rezip(_good_xlsx(tmp / "good.xlsx"), tmp / "bad.xlsx",
                  {"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row"})


def _random_bytes(tmp: Path) -> Path:
    path = tmp / "bad.xlsx"
    path.write_bytes(os.urandom(2048))
    return path


def _truncated_zip(tmp: Path) -> Path:
    path = tmp / "bad.xlsx"
    path.write_bytes(_good_xlsx(tmp / "good.xlsx").read_bytes()[:400])
    return path


def _no_workbook_part(tmp: Path) -> Path:
    return _rezip(_good_xlsx(tmp / "good.xlsx"), tmp / "bad.xlsx", {"xl/workbook.xml": None})


def _binary_csv(tmp: Path) -> Path:
    path = tmp / "bad.csv"
    path.write_bytes(b"\xff\xfe\x00\x81" * 64)
    return path


@pytest.mark.parametrize("make", [_broken_sheet_xml, _random_bytes, _truncated_zip, _no_workbook_part,
                                  _binary_csv])
def test_damaged_sheet_is_one_line_input_error_naming_the_file(tmp_path: Path, make):
    path = make(tmp_path)
    with pytest.raises(InputError) as exc:
        read_sheet(path, COLUMNS)
    text = str(exc.value)
    assert text.startswith(f"{path}: cannot read the coding sheet, the file is damaged or not a "
                           f"{path.suffix} file ("), text
    assert text.endswith("; download it again or re-save it from a spreadsheet program"), text
    assert "\n" not in text


def test_loader_passes_the_error_on(tmp_path: Path):
    with pytest.raises(InputError, match=r"bad\.xlsx: cannot read the coding sheet"):
        casme2.load(tmp_path, _broken_sheet_xml(tmp_path))


def test_good_sheet_still_reads(tmp_path: Path):
    table = read_sheet(_good_xlsx(tmp_path / "good.xlsx"), COLUMNS)
    assert table.to_dict("records") == [{"Subject": "1", "Filename": "EP01_01"}]
