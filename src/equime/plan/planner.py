"""The structured causal model of the paper, made explicit and seeded:
emotion → AU set (table) → intensities, timing → prompt; one plan row per clip."""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from equime.artifacts.plan import AUActivation, PlanRow, Timing
from equime.errors import InputError
from equime.files import check_id
from equime.plan import observed
from equime.plan.au_tables import aus_for
from equime.plan.params import PlanParams
from equime.plan.timing import make_timing

INTENSITY_WORDS = {"A": "trace", "B": "slight", "C": "marked", "D": "pronounced", "E": "maximal"}


def clip_id(subject: str, emotion: str, seq: int) -> str:
    return f"{subject}_{emotion}_{seq:02d}"


def clip_seed(base_seed: int, clip: str) -> int:
    """Stable 32-bit seed from (base seed, clip id); independent of plan order and size."""
    digest = hashlib.sha256(f"{base_seed}:{clip}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def describe_aus(aus: Sequence[AUActivation]) -> str:
    """'inner brow raiser (AU1), cheek raiser (AU6) and lip corner puller (AU12)'."""
    parts = [f"{a.name} (AU{a.code})" for a in aus]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def compose_prompt(template: str, emotion: str, aus: Sequence[AUActivation], duration_s: float) -> str:
    strongest = max(aus, key=lambda a: a.intensity).letter
    return template.format(emotion=emotion, aus=describe_aus(aus),
                           intensity=INTENSITY_WORDS[strongest], duration=f"{duration_s:.2f}")


def draw_timing(rng: np.random.Generator, spec: PlanParams, fps: float, n_frames: int) -> Timing:
    """Duration, rise and an apex frame drawn as the plan's params say, for a clip of
    ``n_frames`` at ``fps`` (the apex window is narrowed so onset and offset fall inside it)."""
    duration = float(rng.uniform(*spec.duration_s))
    rise = float(rng.uniform(*spec.rise_fraction))
    return _place(rng, spec, fps, n_frames, duration, rise)


def _place(rng: np.random.Generator, spec: PlanParams, fps: float, n_frames: int, duration: float,
           rise: float) -> Timing:
    """The apex on a frame drawn within the window, so onset and offset fall inside the clip."""
    first = max(math.ceil(spec.apex_window_s[0] * fps), math.ceil(duration * rise * fps))
    last = min(math.floor(spec.apex_window_s[1] * fps),
               math.floor(((n_frames - 1) / fps - duration * (1 - rise)) * fps))
    if first > last:  # a clip shorter than the window: the apex in its middle
        first = last = max(0, n_frames // 2)
    return make_timing(int(rng.integers(first, last + 1)), duration, rise, fps)


def draw_observed_timing(rng: np.random.Generator, spec: PlanParams, fps: float,
                         n_frames: int) -> Timing:
    """An observed ME's duration and rise (within the plan's ranges) and an apex frame."""
    duration, rise = observed.draw_timing(rng, spec.duration_s, spec.rise_fraction)
    return _place(rng, spec, fps, n_frames, duration, rise)


def plan_clip(subject: str, gender: str, emotion: str, seq: int, spec: PlanParams,
              base_seed: int) -> PlanRow:
    """One clip's row. ``observed``: an AU combination and a timing real MEs of the emotion have
    (:mod:`equime.plan.observed`); a table: its emotion's whole AU set, the plan's timing."""
    cid = clip_id(subject, emotion, seq)
    seed = clip_seed(base_seed, cid)
    rng = np.random.default_rng(seed)
    drawn = spec.au_source == observed.SOURCE
    codes = observed.draw_combination(rng, emotion) if drawn else aus_for(spec.au_source, emotion)
    aus = tuple(
        AUActivation.of(code, value)
        for code in codes
        for value in [round(float(rng.uniform(*spec.intensity)), 3)]
    )
    timing = (draw_observed_timing if drawn else draw_timing)(rng, spec, spec.fps, spec.n_frames)
    return PlanRow(
        clip_id=cid, subject=subject, gender=gender, emotion=emotion, seq=seq,
        au_source=spec.au_source, motion_source=spec.motion_source, aus=aus, fps=spec.fps,
        n_frames=spec.n_frames,
        width=spec.width, height=spec.height,
        timing=timing,
        prompt=compose_prompt(spec.prompt_template, emotion, aus, timing.duration_s),
        negative_prompt=spec.negative_prompt, seed=seed,
    )


@dataclass(frozen=True)
class PlanSubject:
    subject: str
    gender: str  # f / m / u, from the chosen attribute source (names the files)
    cell: str = "all"  # demographic cell (select's stratification)


def assign_emotions(subjects: Sequence[PlanSubject], emotions: Sequence[str], per_subject: int | None,
                    base_seed: int) -> dict[str, tuple[str, ...]]:
    """Emotions per subject, balanced within each demographic cell.

    With ``per_subject`` k < all, a cell's subjects (in id order) take consecutive blocks of k
    from the emotion list, cycling from a seeded start, so within every cell the emotion counts
    differ by at most one.
    """
    if per_subject is None or per_subject >= len(emotions):
        return {s.subject: tuple(emotions) for s in subjects}
    out: dict[str, tuple[str, ...]] = {}
    cells: dict[str, list[str]] = {}
    for s in subjects:
        cells.setdefault(s.cell, []).append(s.subject)
    for cell, members in cells.items():
        start = clip_seed(base_seed, f"cell:{cell}") % len(emotions)
        for i, subject in enumerate(sorted(members)):
            picks = {(start + i * per_subject + j) % len(emotions) for j in range(per_subject)}
            out[subject] = tuple(e for n, e in enumerate(emotions) if n in picks)
    return out


def iter_clips(subjects: Sequence[PlanSubject], spec: PlanParams,
               base_seed: int) -> Iterator[PlanRow]:
    """Rows for every subject × its emotions × sequence, in that order, made one at a time as
    they are taken (every emotion is checked at once, before any row)."""
    for emotion in spec.emotions:
        aus_for(spec.au_source, emotion)
    chosen = assign_emotions(subjects, spec.emotions, spec.emotions_per_subject, base_seed)
    return (
        plan_clip(check_id(s.subject, "subjects.csv subject_id"), s.gender, emotion, seq, spec,
                  base_seed)
        for s in subjects
        for emotion in chosen[s.subject]
        for seq in range(1, spec.sequences_per_subject + 1)
    )


def plan_clips(subjects: Sequence[PlanSubject], spec: PlanParams, base_seed: int) -> list[PlanRow]:
    """Every row of :func:`iter_clips`."""
    return list(iter_clips(subjects, spec, base_seed))


@dataclass
class PlanTally:
    """The plan's metrics gathered a row at a time (:meth:`add`), in memory that does not grow
    with the rows: clips per cell and emotion, durations and expressive frames."""

    cells: Mapping[str, str]  # subject → demographic cell ("all" when absent)
    emotions: Sequence[str]
    counts: dict[str, Counter[str]] = field(default_factory=dict)  # cell → emotion → clips
    clips: int = 0
    duration_min: float = math.inf
    duration_max: float = -math.inf
    duration_sum: Fraction = Fraction(0)  # exact: the mean does not depend on the row order
    expressive_frames: int = 0

    def add(self, row: PlanRow) -> None:
        self.counts.setdefault(self.cells.get(row.subject, "all"), Counter())[row.emotion] += 1
        duration = row.timing.duration_s
        self.clips += 1
        self.duration_min = min(self.duration_min, duration)
        self.duration_max = max(self.duration_max, duration)
        self.duration_sum += Fraction(duration)
        self.expressive_frames += row.timing.expressive_frames

    def balance(self) -> dict[str, int]:
        """Per cell: most minus fewest clips of one emotion (0 = perfectly balanced)."""
        return {cell: max(c[e] for e in self.emotions) - min(c[e] for e in self.emotions)
                for cell, c in sorted(self.counts.items())}

    def metrics(self) -> dict[str, Any]:
        """Counts, the largest emotion imbalance within a cell, durations and expressive frames."""
        if not self.clips:
            raise InputError("plan: no clips planned: the selection has no subjects; see the "
                             "select stage's supply.csv")
        by_emotion: Counter[str] = sum(self.counts.values(), Counter())
        return {
            "clips": self.clips,
            "clips_by_emotion": dict(sorted(by_emotion.items())),
            "emotion_imbalance_max": max(self.balance().values(), default=0),
            "duration_s": {"min": round(self.duration_min, 4),
                           "mean": round(float(self.duration_sum / self.clips), 4),
                           "max": round(self.duration_max, 4)},
            "expressive_frames_mean": round(self.expressive_frames / self.clips, 3),
        }


def emotion_balance(rows: Iterable[PlanRow], cells: Mapping[str, str],
                    emotions: Sequence[str]) -> dict[str, int]:
    """Per cell: most minus fewest clips of one emotion (0 = perfectly balanced)."""
    tally = PlanTally(cells, emotions)
    for row in rows:
        tally.add(row)
    return tally.balance()


def plan_subjects(selected: pd.DataFrame) -> list[PlanSubject]:
    """The select stage's subjects (id, gender, cell) in file order."""
    return [PlanSubject(r.subject_id, r.gender, r.cell) for r in selected.itertuples()]
