"""SMIC: ``<root>/HS|VIS|NIR/s1/micro/{negative,positive,surprise}/s1_ne_01/`` (HS 100 fps,
VIS/NIR 25 fps). The label is the folder name; there is no apex."""

from __future__ import annotations

from pathlib import Path

from equime.datasets.labels import FPS, megc3
from equime.datasets.sample import Loaded, Sample, frames_in
from equime.errors import InputError

VARIANTS = ("HS", "VIS", "NIR")


def load(root: Path, variant: str) -> Loaded:
    if variant not in VARIANTS:
        raise InputError(f"SMIC variant {variant!r}: choose one of {', '.join(VARIANTS)}")
    base = root / variant
    if not base.is_dir():
        raise InputError(f"{base}: SMIC {variant} folder not found; fix datasets.smic.root")
    out = Loaded()
    for clip in sorted(base.glob("s*/micro/*/*")):
        if not clip.is_dir():
            continue
        label = clip.parent.name.lower()
        if label not in ("negative", "positive", "surprise"):
            out.problems.append(f"{clip}: label folder {clip.parent.name!r} is not negative/"
                                "positive/surprise")
            continue
        frames = frames_in(clip)
        if not frames:
            out.problems.append(f"{clip}: no frames")
            continue
        out.samples.append(Sample(
            dataset="smic", subject=clip.parents[2].name, clip_id=clip.name, frames=frames,
            fps=FPS[f"smic-{variant}"], emotion=label, label3=megc3("smic", label)))
    return out
