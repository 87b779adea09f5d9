"""Atomic writes, checksums and safe identifiers for paths."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import inspect
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image

from equime.errors import InputError

ID_PATTERN = re.compile(r"^[A-Za-z0-9-]+$")
PART_SUFFIX = ".part"


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary sibling of ``path``; on success rename it onto ``path``.

    The temporary name ends in ``.part`` so an interrupted run leaves a file that is
    recognisably partial (and removed by :func:`remove_partials`), never a truncated ``path``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=PART_SUFFIX, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_png(path: Path, image: np.ndarray) -> None:
    """Lossless, byte-stable PNG of an RGB uint8 image."""
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    write_bytes(path, buf.getvalue())


def write_csv(path: Path, table: pd.DataFrame) -> None:
    """A table as CSV, atomically: no index, '\\n' line ends (byte-stable across platforms)."""
    write_text(path, table.to_csv(index=False, lineterminator="\n"))


def read_table(path: Path, columns: Iterable[str], command: str, **read_csv: Any) -> pd.DataFrame:
    """A stage's CSV with its required ``columns``; absent file or columns are one-line errors
    naming ``command``, the command that writes it."""
    if not path.is_file():
        raise InputError(f"{path}: not found; run `{command}` first")
    table = pd.read_csv(path, **read_csv)
    missing = set(columns) - set(table.columns)
    if missing:
        raise InputError(f"{path}: missing columns {sorted(missing)}; rerun `{command}`")
    return table


def cell(value: Any) -> Any:
    """A table cell as a Python value: empty, None and NaN all mean "no value" (None)."""
    if value is None or (isinstance(value, float) and value != value) or value == "":
        return None
    return value


def dumps_json(obj: Any) -> str:
    """Canonical JSON: sorted keys, 2-space indent, trailing newline (byte-stable)."""
    return json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def write_json(path: Path, obj: Any) -> None:
    write_text(path, dumps_json(obj))


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    write_text(path, "".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n" for r in rows))


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise InputError(f"{path}: not found; run the stage that writes it first (dvc repro)")
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{n}: not valid JSON ({exc.msg}); regenerate the file") from None
    return rows


def replace_dir(staging: Path, target: Path) -> None:
    """Swap a fully written ``staging`` folder into place of ``target``."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def staged_dir(target: Path) -> Iterator[Path]:
    """Build a folder aside (``.<name>.staging`` beside ``target``) and swap it into place when
    the block finishes: a killed writer never leaves half a folder, or a mix of old and new."""
    staging = target.with_name(f".{target.name}.staging")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    yield staging
    replace_dir(staging, target)


def remove_partials(folder: Path) -> int:
    """Delete files left by interrupted atomic writes; return how many."""
    found = list(folder.glob(f".*{PART_SUFFIX}")) if folder.is_dir() else []
    for p in found:
        p.unlink(missing_ok=True)
    return len(found)


@functools.cache
def code_fingerprint(modules: tuple[str, ...]) -> str:
    """sha256 of the source files of ``modules``: part of a resume key, so that a change to the
    code that shapes an output re-makes it instead of keeping a stale one."""
    h = hashlib.sha256()
    for name in modules:
        h.update(Path(inspect.getfile(importlib.import_module(name))).read_bytes())
    return h.hexdigest()


def content_key(payload: Any) -> str:
    """sha256 of a JSON payload (sorted keys): what an output was made from."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def safe_id(text: str, max_len: int = 40) -> str:
    """Map free text (a file stem) to an id matching ``[A-Za-z0-9-]+``."""
    out = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:max_len].strip("-")
    return out or "x"


def check_id(value: str, what: str) -> str:
    """Return ``value`` if it is a safe id, else raise naming ``what``."""
    if not ID_PATTERN.fullmatch(value):
        raise InputError(f"{what}: {value!r} is not a valid id (letters, digits and '-' only)")
    return value
