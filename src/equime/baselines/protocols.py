"""Protocols: which samples train and test, under which split, with which labels."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from equime.baselines.params import BaselinesParams, RunParams
from equime.baselines.split import Fold, holdout_fold, loso_folds, subject_split
from equime.datasets.sample import Sample
from equime.errors import EquimeError, ParamsError

LABEL_SETS: dict[str, tuple[str, ...]] = {
    "megc3": ("negative", "positive", "surprise"),
    "emotion5": ("happiness", "sadness", "surprise", "fear", "anger"),
}


def run_params(b: BaselinesParams, name: str) -> RunParams:
    """The run ``name`` of baselines.runs, or a one-line error listing the runs."""
    if name not in b.runs:
        raise ParamsError(f"baselines.runs.{name}: no such run; runs are {sorted(b.runs)}")
    return b.runs[name]


def label_of(sample: Sample, classes: str) -> str | None:
    """The sample's class in the label set, None when it has none there."""
    value = sample.label3 if classes == "megc3" else sample.emotion
    return value if value in LABEL_SETS[classes] else None


def subject_key(sample: Sample) -> str:
    return f"{sample.dataset}/{sample.subject}"


def _keep_share(samples: list[Sample], share: float, seed: int) -> list[Sample]:
    if share >= 1:
        return samples
    subjects = sorted({subject_key(s) for s in samples})
    k = max(1, round(share * len(subjects)))
    kept = {subjects[i] for i in np.random.default_rng(seed).permutation(len(subjects))[:k]}
    return [s for s in samples if subject_key(s) in kept]


def _labelled(sources: Sequence[str], classes: str,
              load: Callable[[str], list[Sample]]) -> tuple[list[Sample], int]:
    got = [s for src in sources for s in load(src)]
    kept = [s for s in got if label_of(s, classes) is not None]
    return kept, len(got) - len(kept)


def arrange(spec: RunParams, b: BaselinesParams, seed: int,
            load: Callable[[str], list[Sample]]) -> tuple[list[Sample], list[Fold], int]:
    """The samples a run uses, its folds, and how many samples had no class in the label set."""
    if spec.protocol in ("loso", "split"):
        samples, dropped = _labelled(sorted(set(spec.train) | set(spec.test)), spec.classes, load)
        subjects = [subject_key(s) for s in samples]
        if len(set(subjects)) < 2:
            raise EquimeError(f"{spec.protocol}: needs two or more subjects, got {len(set(subjects))}")
        folds = (loso_folds(subjects, b.val_fraction, seed) if spec.protocol == "loso"
                 else [subject_split(subjects, b.test_fraction, b.val_fraction, seed)])
        return samples, folds, dropped
    train: list[Sample] = []
    dropped = 0
    for src in spec.train:
        got, d = _labelled([src], spec.classes, load)
        train += _keep_share(got, spec.mix.get(src, 1.0), seed)
        dropped += d
    test, d = _labelled(spec.test, spec.classes, load)
    samples = train + test
    subjects = [subject_key(s) for s in samples]
    fold = holdout_fold(range(len(train)), range(len(train), len(samples)), subjects,
                        b.val_fraction, seed)
    return samples, [fold], dropped + d
