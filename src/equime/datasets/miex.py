"""MiE-X: ``<root>/{id}_exp_{label}/0.jpg … 9.jpg``; the label is in the folder name and
there is no timing. Labels are emotion words or MEGC codes 0/1/2."""

from __future__ import annotations

import re
from pathlib import Path

from equime.datasets.labels import FPS, MEGC_LABELS, megc3
from equime.datasets.sample import Loaded, Sample, frames_in
from equime.errors import InputError

FOLDER = re.compile(r"^(?P<id>[^_]+)_exp_(?P<label>[A-Za-z0-9]+)$")


def load(root: Path) -> Loaded:
    if not root.is_dir():
        raise InputError(f"{root}: MiE-X folder not found; fix datasets.miex.root")
    out = Loaded()
    for clip in sorted(p for p in root.iterdir() if p.is_dir()):
        m = FOLDER.match(clip.name)
        if not m:
            out.problems.append(f"{clip}: folder name is not <id>_exp_<label>")
            continue
        label = m["label"].lower()
        emotion = MEGC_LABELS[int(label)] if label.isdigit() and int(label) in MEGC_LABELS else label
        frames = frames_in(clip)
        if not frames:
            out.problems.append(f"{clip}: no frames")
            continue
        out.samples.append(Sample(dataset="miex", subject=m["id"], clip_id=clip.name, frames=frames,
                                  fps=FPS["miex"], emotion=emotion, label3=megc3("miex", emotion)))
    return out
