"""The exported synthetic dataset (``<name>/manifest.csv`` + MP4s) as samples."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from equime.datasets.labels import megc3
from equime.datasets.sample import Loaded, Sample
from equime.errors import InputError


def load(root: Path) -> Loaded:
    manifest = root / "manifest.csv"
    if not manifest.is_file():
        raise InputError(f"{manifest}: not found; run `equime export` first")
    table = pd.read_csv(manifest, dtype={"aus": str, "subject": str})
    out = Loaded()
    for r in table.itertuples():
        out.samples.append(Sample(
            dataset="synthetic", subject=r.subject, clip_id=r.clip_id, frames=(), fps=int(r.fps),
            emotion=r.emotion, label3=megc3("synthetic", r.emotion), onset=int(r.onset_frame),
            apex=int(r.apex_frame), offset=int(r.offset_frame), aus=r.aus, video=root / r.video))
    return out
