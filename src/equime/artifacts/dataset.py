"""The exported dataset (``data/dataset/<name>``), in the seed's layout:
``emotion_categories/<emotion>/<g>_<subject>_<seq>.mp4`` with
``emotion_categories/<emotion>/metadata/<video>_metadata.json`` (schema:
:mod:`equime.artifacts.metadata`), plus ``manifest.csv`` (one row per clip),
``metadata.schema.json``, ``pairs.jsonl`` (video–text pairs), ``preview.png``, ``README.md``
(the dataset card) and ``dataset.json``."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from equime.artifacts.metadata import ClipMetadata, json_schema
from equime.errors import InputError
from equime.files import (
    atomic_lines,
    csv_rows,
    dumps_json,
    inside,
    jsonl_line,
    staged_dir,
    write_json,
    write_png,
    write_text,
)

PATH = "data/dataset"
FILES = ("{name}/emotion_categories/*/*.mp4", "{name}/emotion_categories/*/metadata/*_metadata.json",
         "{name}/manifest.csv", "{name}/metadata.schema.json", "{name}/pairs.jsonl",
         "{name}/preview.png", "{name}/README.md", "{name}/dataset.json", "{name}/me_vqa.jsonl",
         "{name}/me_vqa_test.jsonl", "{name}/me_vqa_test_answers.jsonl")
VQA = "me_vqa.jsonl"  # the MEGC ME-VQA training file's shape (equime.megc.vqa)
VQA_TEST = "me_vqa_test.jsonl"  # the test questions, answers empty
VQA_ANSWERS = "me_vqa_test_answers.jsonl"  # the same rows answered
MANIFEST = "manifest.csv"
MANIFEST_COLUMNS = [
    "video", "emotion", "gender", "race", "age_band", "attributes_source", "subject", "sequence",
    "clip_id", "au_source", "aus",
    "onset_frame", "apex_frame", "offset_frame", "duration_s", "seed", "frame_count", "fps",
    "width", "height", "size_bytes", "sha256",
]
WRITER = "dvc repro export"


def video_relpath(emotion: str, video_name: str) -> str:
    return f"emotion_categories/{emotion}/{video_name}.mp4"


def metadata_relpath(video: str) -> str:
    """``emotion_categories/<emotion>/<v>.mp4`` → its metadata file, relative to the dataset."""
    rel = Path(video)
    return (rel.parent / "metadata" / f"{rel.stem}_metadata.json").as_posix()


class DatasetWriter:
    """Writes one dataset folder ``<root>`` (inside a staging folder swapped in at the end): each
    clip, its metadata, manifest row and video–text pair as they come (nothing held for the end),
    then the schema, card, preview and facts (:meth:`finish`)."""

    def __init__(self, root: Path, manifest: csv.DictWriter[str], pairs: TextIO,
                 vqa: tuple[TextIO, TextIO, TextIO]) -> None:
        self.root = root
        self.manifest = manifest
        self.pairs = pairs
        self.vqa, self.vqa_test, self.vqa_answers = vqa
        root.mkdir(parents=True, exist_ok=True)

    def add_clip(self, src: Path, relpath: str) -> Path:
        """Copy a clip's MP4 to ``relpath``; return where it went (its metadata follows once the
        copy is measured: :meth:`add_metadata`)."""
        dst = self.root / relpath
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        return dst

    def add_metadata(self, meta: ClipMetadata, entry: Mapping[str, Any], pair: dict[str, Any]) -> None:
        """A clip's metadata file, its manifest row (:data:`MANIFEST_COLUMNS`) and its pair."""
        write_json(self.root / metadata_relpath(meta.file), meta.model_dump(mode="json"))
        self.manifest.writerow(entry)
        self.pairs.write(jsonl_line(pair))

    def add_vqa(self, rows: list[dict[str, Any]], test: bool) -> None:
        """A clip's ME-VQA rows: to the training file, or (a test subject's) to the test file
        with empty answers and to the answers file."""
        if not test:
            self.vqa.writelines(map(_in_order, rows))
            return
        self.vqa_test.writelines(_in_order({**r, "answer": ""}) for r in rows)
        self.vqa_answers.writelines(map(_in_order, rows))

    def finish(self, card: str, preview: Any | None, facts: dict[str, Any]) -> None:
        write_json(self.root / "metadata.schema.json", json_schema())
        if preview is not None:
            write_png(self.root / "preview.png", preview)
        write_text(self.root / "README.md", card)
        write_text(self.root / "dataset.json", dumps_json(facts))


def _in_order(row: dict[str, Any]) -> str:
    """A JSON line with the keys in the challenge's order (not sorted)."""
    return json.dumps(row, ensure_ascii=False) + "\n"


@contextmanager
def writing(out: Path, name: str) -> Iterator[DatasetWriter]:
    """A writer for ``out/<name>``; the whole of ``out`` is built aside and swapped in."""
    with staged_dir(out) as staging:
        root = staging / name
        with csv_rows(root / MANIFEST, MANIFEST_COLUMNS) as manifest, \
                atomic_lines(root / "pairs.jsonl") as pairs, atomic_lines(root / VQA) as vqa, \
                atomic_lines(root / VQA_TEST) as test, atomic_lines(root / VQA_ANSWERS) as answers:
            yield DatasetWriter(root, manifest, pairs, (vqa, test, answers))


def read_manifest(root: Path) -> pd.DataFrame:
    """``<root>/manifest.csv``: every exported clip (ids and labels as text); every ``video``
    must lead to a file inside ``root`` (a tampered manifest is an error, not a path)."""
    path = root / MANIFEST
    if not path.is_file():
        raise InputError(f"{path}: not found; run `{WRITER}` first")
    table = pd.read_csv(path, dtype={"subject": str, "clip_id": str, "aus": str, "gender": str,
                                     "race": str, "age_band": str}, keep_default_na=False)
    if missing := sorted(set(MANIFEST_COLUMNS) - set(table.columns)):
        raise InputError(f"{path}: missing columns {missing}; rerun `{WRITER}`")
    for n, video in enumerate(table["video"], start=2):
        inside(root, str(video), f"{path} line {n} video")
    return table


def read_metadata(root: Path, video: str) -> dict[str, Any]:
    path = inside(root, metadata_relpath(video), f"metadata of {video!r}")
    return json.loads(path.read_text(encoding="utf-8"))
