"""The dataset card (README.md inside the dataset) and its preview image."""

from __future__ import annotations

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


@dataclass(frozen=True)
class CardFacts:
    name: str
    license_name: str
    version: str
    rows: Sequence[ClipMetadata]
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


def demographic_section(rows: Sequence[ClipMetadata]) -> list[str]:
    """Clips per gender, race and age band (counts and shares), and where the labels came from."""
    n = len(rows) or 1
    parts = ["", "### Who is represented (clips)"]
    columns = {
        "gender": [GENDERS[m.demographic.gender] for m in rows],
        "race": [m.demographic.race or "unknown" for m in rows],
        "age band": [GENDERS[UNKNOWN] if m.demographic.age_band == UNKNOWN else m.demographic.age_band
                     for m in rows],
    }
    for key, values in columns.items():
        counts = Counter(values)
        parts += ["", _table([key, "clips", "share"],
                             [[g, c, f"{c / n:.1%}"] for g, c in sorted(counts.items())])]
    sources = sorted(({m.demographic.gender_source for m in rows}
                      | {m.demographic.race_source for m in rows}) - {"unknown"})
    if sources:
        parts += ["", "Attributes come from " + "; ".join(ATTRIBUTE_SOURCES.get(s, s) for s in sources)
                  + ". `unknown` / `u`: the source gave no value."]
    parts += ["", "The pipeline's demographics summary compares these shares with the sources, "
              "the selection and the plan, and with the paper's reported make-up."]
    return parts


def render_card(facts: CardFacts) -> str:
    rows = facts.rows
    counts = Counter((m.emotion, m.demographic.gender) for m in rows)
    emotions = sorted({m.emotion for m in rows})
    genders = [g for g in GENDERS if any(k[1] == g for k in counts)]
    body = [[e, *(counts[(e, g)] for g in genders), sum(counts[(e, g)] for g in genders)]
            for e in emotions]
    body.append(["**total**", *(sum(counts[(e, g)] for e in emotions) for g in genders), len(rows)])
    subjects = sorted({m.subject for m in rows})
    backends = sorted({m.generation.backend for m in rows})
    au_sources = sorted({m.generation.au_source for m in rows})
    durations = [m.generation.timing.duration_s for m in rows]
    first = rows[0] if rows else None
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
        f"- clips: {len(rows)} from {len(subjects)} subjects; without an ME clip (not generated, "
        f"or refused by retime): {len(facts.missing)}; filtered out by the quality checks: "
        f"{len(facts.filtered)}",
        f"- format: {fmt}",
        f"- generation backend(s): {', '.join(backends) or 'n/a'}; AU table(s): "
        f"{', '.join(au_sources) or 'n/a'}",
        "- expression duration (onset → offset): "
        + (f"{min(durations):.3f}–{max(durations):.3f} s" if durations else "n/a"),
        "",
        "### Clips per emotion and gender",
        _table(["emotion", *(GENDERS[g] for g in genders), "total"], body),
        "",
        *demographic_section(rows),
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
    lines = [neutral_apex_strip(read_frames(path, [0, row.apex_frame]), 1, tile)
             for row, path in firsts.values()]
    return np.concatenate(lines, axis=0)


def neutral_apex_strip(frames: np.ndarray, apex_frame: int, tile: int) -> np.ndarray:
    """Neutral | apex | DIFF_GAIN × |apex − neutral|, each resized to ``tile``², side by side."""
    neutral, apex = frames[0], frames[min(apex_frame, len(frames) - 1)]
    diff = np.clip(np.abs(apex.astype(np.int16) - neutral.astype(np.int16)) * DIFF_GAIN, 0, 255)
    tiles = [np.asarray(Image.fromarray(x.astype(np.uint8)).resize((tile, tile), Image.LANCZOS))
             for x in (neutral, apex, diff)]
    return np.concatenate(tiles, axis=1)
