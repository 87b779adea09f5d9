"""The dataset card (README.md inside the dataset) and its preview image."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from equime.artifacts.metadata import ClipMetadata
from equime.artifacts.plan import PlanRow
from equime.attributes.labels import GENDERS, UNKNOWN
from equime.video import read_frames

DIFF_GAIN = 8  # |apex - neutral| is multiplied by this in the preview, to make ME-scale motion visible


@dataclass
class CardTally:
    """What the card says of the exported clips, gathered a clip at a time (:meth:`add`), in
    memory that grows with subjects and labels, not with clips."""

    clips: int = 0
    first: ClipMetadata | None = None  # its format stands for every clip's
    by_emotion_gender: Counter[tuple[str, str]] = field(default_factory=Counter)
    subjects: set[str] = field(default_factory=set)
    backends: set[str] = field(default_factory=set)
    au_sources: set[str] = field(default_factory=set)
    duration_min: float = math.inf
    duration_max: float = -math.inf
    genders: Counter[str] = field(default_factory=Counter)  # by GENDERS' words
    races: Counter[str] = field(default_factory=Counter)
    age_bands: Counter[str] = field(default_factory=Counter)
    sources: set[str] = field(default_factory=set)  # where gender and race labels came from

    def add(self, m: ClipMetadata) -> None:
        d, g = m.demographic, m.generation
        self.clips += 1
        if self.first is None:
            self.first = m
        self.by_emotion_gender[(m.emotion, d.gender)] += 1
        self.subjects.add(m.subject)
        self.backends.add(g.backend)
        self.au_sources.add(g.au_source)
        self.duration_min = min(self.duration_min, g.timing.duration_s)
        self.duration_max = max(self.duration_max, g.timing.duration_s)
        self.genders[GENDERS[d.gender]] += 1
        self.races[d.race or "unknown"] += 1
        self.age_bands[GENDERS[UNKNOWN] if d.age_band == UNKNOWN else d.age_band] += 1
        self.sources |= {d.gender_source, d.race_source}


@dataclass(frozen=True)
class CardFacts:
    name: str
    license_name: str
    version: str
    tally: CardTally
    missing: Sequence[str]
    has_preview: bool
    filtered: Mapping[str, str] = field(default_factory=dict)


def _table(header: Sequence[str], body: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in body]
    return "\n".join(lines)


ATTRIBUTE_SOURCES = {
    "annotations": "the labels given with the source images (the annotation file: e.g. CelebA's "
                   "`Male`, or a manifest's gender / age / race); nothing was inferred from faces",
    "deepface": "deepface's estimates on the aligned source faces (apparent age, gender and race "
                "are estimates, with the confidence in each clip's metadata)",
}


def demographic_section(tally: CardTally) -> list[str]:
    """Clips per gender, race and age band (counts and shares), and where the labels came from."""
    n = tally.clips or 1
    parts = ["", "### Who is represented (clips)"]
    columns = {"gender": tally.genders, "race": tally.races, "age band": tally.age_bands}
    for key, counts in columns.items():
        parts += ["", _table([key, "clips", "share"],
                             [[g, c, f"{c / n:.1%}"] for g, c in sorted(counts.items())])]
    sources = sorted(tally.sources - {"unknown"})
    if sources:
        parts += ["", "Attributes come from " + "; ".join(ATTRIBUTE_SOURCES.get(s, s) for s in sources)
                  + ". `unknown` / `u`: the source gave no value."]
    parts += ["", "The pipeline's demographics summary compares these shares with the sources, "
              "the selection and the plan, and with the paper's reported make-up."]
    return parts


def render_card(facts: CardFacts) -> str:
    tally = facts.tally
    counts = tally.by_emotion_gender
    emotions = sorted({e for e, _ in counts})
    genders = [g for g in GENDERS if any(k[1] == g for k in counts)]
    body = [[e, *(counts[(e, g)] for g in genders), sum(counts[(e, g)] for g in genders)]
            for e in emotions]
    body.append(["**total**", *(sum(counts[(e, g)] for e in emotions) for g in genders),
                 tally.clips])
    first = tally.first
    fmt = (f"{first.technical.width}×{first.technical.height}, {first.generation.fps} fps, "
           f"{first.generation.n_frames} frames ({first.technical.duration_s:g} s), "
           f"{first.technical.codec} {first.technical.pix_fmt}") if first else "n/a"
    parts = [
        f"# {facts.name}: synthetic micro-expression clips",
        "",
        f"Made by equime {facts.version}. Each clip shows one face, still, with one brief, subtle "
        "facial movement (a micro-expression) planned as a set of FACS Action Units with "
        "intensities and an onset → apex → offset timing. Every clip's plan, seed and measured "
        "file facts are in `emotion_categories/<emotion>/metadata/<video>_metadata.json` "
        "(schema: `metadata.schema.json`); `manifest.csv` lists all clips.",
        "",
        "## Contents",
        f"- clips: {tally.clips} from {len(tally.subjects)} subjects; without an ME clip (not "
        f"generated, or refused by retime): {len(facts.missing)}; filtered out by the quality checks: "
        f"{len(facts.filtered)}",
        f"- format: {fmt}",
        f"- generation backend(s): {', '.join(sorted(tally.backends)) or 'n/a'}; AU table(s): "
        f"{', '.join(sorted(tally.au_sources)) or 'n/a'}",
        "- expression duration (onset → offset): "
        + (f"{tally.duration_min:.3f}–{tally.duration_max:.3f} s" if tally.clips else "n/a"),
        "",
        "### Clips per emotion and gender",
        _table(["emotion", *(GENDERS[g] for g in genders), "total"], body),
        "",
        *demographic_section(tally),
        "",
        "## Layout",
        "```",
        f"{facts.name}/",
        "├── emotion_categories/<emotion>/<g>_<subject>_<seq>.mp4",
        "├── emotion_categories/<emotion>/metadata/<g>_<subject>_<seq>_metadata.json",
        "├── manifest.csv, metadata.schema.json, dataset.json",
        "└── README.md (this card)" + (", preview.png" if facts.has_preview else ""),
        "```",
        "`g` is `m`, `f` or `u` (unknown).",
        "",
        "## How it was made",
        "Face photos were detected and aligned on the eye centres (dlib 68 landmarks, similarity "
        "transform). For each subject × emotion × sequence, the plan drew AU intensities in a "
        "micro range and the timing from the seeds in the metadata. The `warp` backend moves the "
        "landmarks of each active AU (a displacement model per AU, scaled by intensity), spreads "
        "the motion with a thin-plate spline and warps the neutral photo, frame by frame along the "
        "envelope; frames outside the expression are the neutral photo. It is a geometric "
        "rendering: no skin texture change, no head motion, no blinking. A generative backend's "
        "clips are retimed: the head stabilised, the motion neutral → apex taken, scaled into "
        "the ME range and played along the planned envelope on the neutral face (each clip's "
        "`generation.motion` says so). A clip whose motion is a real dataset's (backend "
        "`transfer`) carries that dataset's ME of its emotion: its onset → apex motion, "
        "stabilised, mapped onto the face through the two faces' landmarks and played along the "
        "planned envelope (`generation.motion.sample` names the clip; the dataset's licence "
        "applies to that motion).",
    ]
    if facts.filtered:
        reasons = Counter(r.split(":")[0].split(" (")[0] for rs in facts.filtered.values()
                          for r in rs.split("; "))
        parts += ["", "### Filtered out (quality stage)",
                  _table(["reason", "clips"], sorted(reasons.items(), key=lambda kv: -kv[1]))]
    if facts.has_preview:
        parts += ["", "![neutral, apex and 8×|apex − neutral| per emotion](preview.png)"]
    parts += [
        "",
        "## Licence",
        f"{facts.license_name}. The source photos keep their own terms (listed per clip in "
        "`generation.source_image`). Use for research; do not use to identify people.",
        "",
    ]
    return "\n".join(parts)


def contact_sheet(clips: Sequence[tuple[PlanRow, Path]], tile: int = 192) -> np.ndarray | None:
    """One row per emotion (its first clip): neutral, apex and the amplified difference."""
    firsts: dict[str, tuple[PlanRow, Path]] = {}
    for row, path in clips:
        firsts.setdefault(row.emotion, (row, path))
    if not firsts:
        return None
    lines = [neutral_apex_strip(read_frames(path, [0, row.timing.apex_frame]), 1, tile)
             for row, path in firsts.values()]
    return np.concatenate(lines, axis=0)


def neutral_apex_strip(frames: np.ndarray, apex_frame: int, tile: int) -> np.ndarray:
    """Neutral | apex | DIFF_GAIN × |apex − neutral|, each resized to ``tile``², side by side."""
    return difference_strip(frames[0], [frames[min(apex_frame, len(frames) - 1)]], tile)


def difference_strip(neutral: np.ndarray, shown: Sequence[np.ndarray], tile: int) -> np.ndarray:
    """Neutral | each of ``shown`` | DIFF_GAIN × |last shown − neutral|, each resized to
    ``tile``², side by side."""
    last = shown[-1]
    diff = np.clip(np.abs(last.astype(np.int16) - neutral.astype(np.int16)) * DIFF_GAIN, 0, 255)
    tiles = [np.asarray(Image.fromarray(x.astype(np.uint8)).resize((tile, tile), Image.LANCZOS))
             for x in (neutral, *shown, diff)]
    return np.concatenate(tiles, axis=1)
