"""Atomic writes, checksums and safe identifiers for paths."""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd
from PIL import Image

from equime.errors import InputError

ID_PATTERN = re.compile(r"^[A-Za-z0-9-]+$")  # subject ids
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")  # names that become one file name
PART_SUFFIX = ".part"


def umask() -> int:
    """The process's umask (read, not changed, where the OS tells it: setting it to read it
    would race with other threads creating files)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary sibling of ``path``; on success rename it onto ``path`` with the mode
    any new file gets under the umask (``mkstemp`` makes it 0600).

    The temporary name ends in ``.part`` so an interrupted run leaves a file that is
    recognisably partial (and removed by :func:`remove_partials`), never a truncated ``path``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=PART_SUFFIX, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~umask())
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


CSV_CHUNK = 10_000  # rows of a table read at once


def csv_chunks(path: Path, columns: Iterable[str], command: str, chunk: int = CSV_CHUNK,
               **read_csv: Any) -> Iterator[pd.DataFrame]:
    """A stage's CSV a chunk of rows at a time (memory flat in its length), each chunk with the
    column types one whole read would give: a first pass learns them (a column of ints with a
    gap somewhere is float everywhere; of booleans with a gap, objects), the second reads the
    rows. Errors as :func:`read_table`'s."""
    if not path.is_file():
        raise InputError(f"{path}: not found; run `{command}` first")
    seen: dict[str, list[Any]] = {}
    try:
        for part in pd.read_csv(path, chunksize=chunk, **read_csv):
            for name, dtype in part.dtypes.items():
                if dtype not in seen.setdefault(str(name), []):
                    seen[str(name)].append(dtype)
    except pd.errors.EmptyDataError:  # no header either: a stage that had nothing to record
        return iter(())
    if missing := set(columns) - set(seen):
        raise InputError(f"{path}: missing columns {sorted(missing)}; rerun `{command}`")
    wider = {name: _whole_dtype(types) for name, types in seen.items() if len(types) > 1}
    return (part.astype({c: t for c, t in wider.items() if part[c].dtype != t})
            for part in pd.read_csv(path, chunksize=chunk, **read_csv))


def _whole_dtype(types: list[Any]) -> Any:
    """The type pandas gives a whole column whose chunks came out as ``types``: a chunk of gaps
    alone reads as floats (NaN), which the other chunks' type absorbs where it can."""
    kinds = {t.kind for t in types}
    if kinds <= {"i", "u", "f"}:
        return np.dtype("float64")  # ints beside a gap: floats
    text = [t for t in types if isinstance(t, pd.StringDtype)]
    if text and kinds <= {"f", "O"} | {t.kind for t in text}:
        return text[0]  # text beside a chunk of gaps: text with gaps
    return np.dtype("object")  # booleans beside gaps, or mixed kinds


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


@contextlib.contextmanager
def atomic_lines(path: Path) -> Iterator[TextIO]:
    """``path`` open for text, written a line at a time aside (:func:`atomic_path`) and renamed
    into place when the block ends: a large file never held whole in memory, never half there."""
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline="") as f:
        yield f


@contextlib.contextmanager
def csv_rows(path: Path, columns: Sequence[str]) -> Iterator[csv.DictWriter[str]]:
    """A CSV written a row at a time (``writerow({column: value})``), atomically, formatted as
    :func:`write_csv` formats a table of the same values (None is empty; NaN would be ``nan``)."""
    with atomic_lines(path) as f:
        table = csv.DictWriter(f, list(columns), lineterminator="\n", extrasaction="raise")
        table.writeheader()
        yield table


def jsonl_line(row: dict[str, Any]) -> str:
    return json.dumps(row, sort_keys=True, ensure_ascii=False) + "\n"


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    """One JSON object a line, sorted keys, streamed: ``rows`` may be a generator."""
    with atomic_lines(path) as f:
        f.writelines(map(jsonl_line, rows))


def iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """The objects of a JSON-lines file, a line at a time (a missing file is an error at once);
    a malformed line is a one-line error naming it."""
    if not path.is_file():
        raise InputError(f"{path}: not found; run the stage that writes it first (dvc repro)")
    return _jsonl_objects(path)


def _jsonl_objects(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{n}: not valid JSON ({exc.msg}); regenerate the "
                                 "file") from None


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return list(iter_jsonl(path))


def replace_dir(staging: Path, target: Path) -> None:
    """Swap a fully written ``staging`` folder into place of ``target``."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)


_HELD: dict[Path, int] = {}  # lock file → how many nested holders in this process


def lock_path(target: Path, part: str = "") -> Path:
    """The lock file of ``target`` (or of one ``part`` of it), beside it."""
    return target.with_name(f".{target.name}{f'.{part}' if part else ''}.lock")


@contextlib.contextmanager
def output_lock(target: Path, shared: bool = False, wait: bool = False,
                part: str = "") -> Iterator[None]:
    """Hold ``.<name>.lock`` beside ``target`` while writing it (``.<name>.<part>.lock`` for one
    part of it, e.g. a shard): a second run that wants it stops with a one-line error (or, with
    ``wait``, waits). ``shared`` holders (shards that each write their own clips) exclude only an
    exclusive holder. Re-entrant within a process. ``flock`` locks end with their process, so a
    killed run never leaves a stale lock."""
    lock = lock_path(target, part)
    if _HELD.get(lock):
        _HELD[lock] += 1
        try:
            yield
        finally:
            _HELD[lock] -= 1
        return
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
                        | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise InputError(f"{target}{f' ({part})' if part else ''}: another run is writing "
                             "it now; wait for it to finish (or stop it), then run again") from None
        _HELD[lock] = 1
        try:
            yield
        finally:
            del _HELD[lock]
    finally:
        os.close(fd)


@contextlib.contextmanager
def staged_dir(target: Path) -> Iterator[Path]:
    """Build a folder aside (``.<name>.staging`` beside ``target``) and swap it into place when
    the block finishes: a killed writer never leaves half a folder, or a mix of old and new; a
    second writer of the same folder meanwhile stops (:func:`output_lock`)."""
    with output_lock(target):
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
    """Map free text (a file stem) to an id matching ``[A-Za-z0-9-]+`` (accents dropped:
    'ünïcödé' → 'unicode')."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-")[:max_len].strip("-")
    return out or "x"


def check_id(value: str, what: str) -> str:
    """Return ``value`` if it is a safe id, else raise naming ``what``."""
    if not ID_PATTERN.fullmatch(value):
        raise InputError(f"{what}: {value!r} is not a valid id (letters, digits and '-' only)")
    return value


def check_name(value: str, what: str) -> str:
    """Return ``value`` if it can be one file name as it is (letters, digits, '_' and '-', not
    starting with either), else raise naming ``what``: names from data never become paths
    unchecked."""
    if not isinstance(value, str) or not NAME_PATTERN.fullmatch(value):
        raise InputError(f"{what}: {value!r} is not a valid name (letters, digits, '_' and '-')")
    return value


def inside(root: Path, relpath: str, what: str) -> Path:
    """``root / relpath`` if it stays inside ``root`` once every link is resolved, else an
    error naming ``what``: the one rule for relative paths read from data (manifest entries,
    sheet cells)."""
    text = str(relpath)
    if not text or Path(text).is_absolute() or "\x00" in text:
        raise InputError(f"{what}: {text!r} is not a path relative to {root}")
    target = root / text
    if not target.resolve().is_relative_to(root.resolve()):
        raise InputError(f"{what}: {text!r} leads outside {root}; fix or regenerate the file")
    return target
