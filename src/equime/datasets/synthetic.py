"""The exported synthetic dataset (``<name>/manifest.csv`` + MP4s) as samples."""

from __future__ import annotations

from pathlib import Path

from equime.artifacts.dataset import read_manifest
from equime.datasets.labels import megc3
from equime.datasets.sample import Loaded, Sample


def load(root: Path) -> Loaded:
    out = Loaded()
    for r in read_manifest(root).itertuples():
        out.samples.append(Sample(
            dataset="synthetic", subject=r.subject, clip_id=r.clip_id, frames=(), fps=int(r.fps),
            emotion=r.emotion, label3=megc3("synthetic", r.emotion), onset=int(r.onset_frame),
            apex=int(r.apex_frame), offset=int(r.offset_frame), aus=r.aus, video=root / r.video))
    return out
