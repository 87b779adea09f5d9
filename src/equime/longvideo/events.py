"""A long video's expressions: how many, which, when. Micro-expressions are drawn as the plan
draws a clip's (its AU source: observed combinations and timings by default; its intensity
range); macro-expressions take the same AU combinations at ``macro_intensity`` and last
``macro_duration_s`` (0.5–4 s: longer than the 0.5 s that bounds an ME in the MEGC spotting
tasks). Their order is shuffled and the gaps between them drawn, every gap at least
``min_gap_s``; all seeded by the video's seed."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from equime.artifacts.plan import AUActivation, Timing
from equime.errors import ParamsError
from equime.longvideo.params import LongVideoParams
from equime.plan import observed
from equime.plan.au_tables import aus_for
from equime.plan.params import PlanParams
from equime.plan.timing import make_timing

MICRO, MACRO = "ME", "MaE"  # an event's type, as the spotting tasks name them


@dataclass(frozen=True)
class Event:
    """One expression in a long video."""

    kind: str  # ME | MaE
    emotion: str
    aus: tuple[AUActivation, ...]
    timing: Timing  # seconds and frames in the video

    @property
    def intensities(self) -> dict[str, float]:
        return {a.code: a.intensity for a in self.aus}

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(a.code for a in self.aus)


def check_fits(lv: LongVideoParams, plan: PlanParams) -> None:
    """One line where the longest expressions and gaps cannot fit in ``longvideo.seconds``."""
    n = lv.micro_per_video + lv.macro_per_video
    longest = (lv.micro_per_video * plan.duration_s[1] + lv.macro_per_video * lv.macro_duration_s[1]
               + (n + 1) * lv.min_gap_s + n / lv.fps)  # each apex put on a frame
    if longest > lv.seconds:
        raise ParamsError(f"params.yaml: longvideo.seconds {lv.seconds} cannot hold "
                          f"{lv.micro_per_video} MEs and {lv.macro_per_video} macro-expressions "
                          f"at their longest with longvideo.min_gap_s {lv.min_gap_s} between "
                          f"them ({longest:.1f} s); lengthen it or draw fewer")


def _aus(rng: np.random.Generator, plan: PlanParams, emotion: str,
         intensity: tuple[float, float]) -> tuple[AUActivation, ...]:
    codes = (observed.draw_combination(rng, emotion) if plan.au_source == observed.SOURCE
             else aus_for(plan.au_source, emotion))
    return tuple(AUActivation.of(c, round(float(rng.uniform(*intensity)), 3)) for c in codes)


def _duration(rng: np.random.Generator, kind: str, lv: LongVideoParams,
              plan: PlanParams) -> tuple[float, float]:
    """(duration s, rise fraction) of one event."""
    if kind == MACRO:
        return float(rng.uniform(*lv.macro_duration_s)), float(rng.uniform(*plan.rise_fraction))
    if plan.au_source == observed.SOURCE:
        return observed.draw_timing(rng, plan.duration_s, plan.rise_fraction)
    return float(rng.uniform(*plan.duration_s)), float(rng.uniform(*plan.rise_fraction))


def draw_events(seed: int, lv: LongVideoParams, plan: PlanParams) -> list[Event]:
    """The video's expressions in time order (see the module's docstring)."""
    check_fits(lv, plan)
    rng = np.random.default_rng(seed)
    kinds = [MICRO] * lv.micro_per_video + [MACRO] * lv.macro_per_video
    kinds = [kinds[i] for i in rng.permutation(len(kinds))]
    fps = float(lv.fps)
    drawn = []
    for kind in kinds:
        emotion = plan.emotions[int(rng.integers(len(plan.emotions)))]
        intensity = plan.intensity if kind == MICRO else lv.macro_intensity
        drawn.append((kind, emotion, _aus(rng, plan, emotion, intensity),
                      *_duration(rng, kind, lv, plan)))
    # the slack left after every event and the least gaps, shared out at random
    # (less a frame per event: each apex is put on the next frame)
    slack = (lv.seconds - sum(d[3] for d in drawn) - (len(drawn) + 1) * lv.min_gap_s
             - len(drawn) / fps)
    shares = rng.dirichlet(np.ones(len(drawn) + 1)) * max(slack, 0.0)
    events, start = [], 0.0
    for (kind, emotion, aus, duration, rise), gap in zip(drawn, shares, strict=False):
        start += lv.min_gap_s + float(gap)
        apex = math.ceil((start + duration * rise) * fps)  # the apex on a frame
        timing = make_timing(apex, duration, rise, fps)
        events.append(Event(kind, emotion, aus, timing))
        start = timing.offset_s
    return events
