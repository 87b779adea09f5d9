"""The challenge files a scorer reads: spotting CSVs (``subject, video, onset, offset,
emotion``) and ME-VQA JSONL (``id, question, answer``); bad input is a one-line error naming
the file and row."""

from __future__ import annotations

import csv
from pathlib import Path

from equime.errors import InputError
from equime.files import iter_jsonl
from equime.megc.strs import Interval

SPOT_COLUMNS = ("subject", "video", "onset", "offset", "emotion")


def read_intervals(path: Path, need_emotion: bool = True) -> list[Interval]:
    """A MEGC spotting CSV (``emotion`` may be absent when ``need_emotion`` is False)."""
    if not path.is_file():
        raise InputError(f"{path}: not found")
    with path.open(encoding="utf-8", newline="") as f:
        table = csv.DictReader(f)
        need = SPOT_COLUMNS if need_emotion else SPOT_COLUMNS[:4]
        if missing := [c for c in need if c not in (table.fieldnames or [])]:
            raise InputError(f"{path}: missing columns {missing}; it needs {', '.join(need)}")
        out = []
        for n, row in enumerate(table, start=2):
            try:
                onset, offset = int(float(row["onset"])), int(float(row["offset"]))
            except ValueError:
                raise InputError(f"{path} line {n}: onset/offset {row['onset']!r}, "
                                 f"{row['offset']!r} are not frame numbers") from None
            out.append(Interval(str(row["subject"]).strip(), str(row["video"]).strip(), onset,
                                offset, str(row.get("emotion") or "").strip().lower()))
    return out


def read_answers(path: Path) -> dict[str, dict[str, str]]:
    """id → row (``question``, ``answer``) of an ME-VQA JSONL file."""
    out: dict[str, dict[str, str]] = {}
    for n, row in enumerate(iter_jsonl(path), start=1):
        if not isinstance(row, dict) or "id" not in row or "answer" not in row:
            raise InputError(f"{path}:{n}: needs an id and an answer")
        if row["id"] in out:
            raise InputError(f"{path}:{n}: id {row['id']!r} is there twice")
        out[str(row["id"])] = row
    return out
