"""Subject-independent splits: leave-one-subject-out folds, hold-outs, and a validation set
drawn from training subjects only. A test subject never reaches training or validation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from equime.errors import EquimeError


@dataclass(frozen=True)
class Fold:
    name: str
    train: tuple[int, ...]  # sample indices
    val: tuple[int, ...]
    test: tuple[int, ...]


def validation_subjects(train_subjects: Sequence[str], fraction: float, seed: int) -> set[str]:
    """A seeded share of the training subjects (at least one when there are two or more)."""
    unique = sorted(set(train_subjects))
    if fraction <= 0 or len(unique) < 2:
        return set()
    k = min(len(unique) - 1, max(1, round(fraction * len(unique))))
    order = np.random.default_rng(seed).permutation(len(unique))
    return {unique[i] for i in order[:k]}


def _fold(name: str, train: Sequence[int], test: Sequence[int], subjects: Sequence[str],
          val_fraction: float, seed: int) -> Fold:
    val_subjects = validation_subjects([subjects[i] for i in train], val_fraction, seed)
    fold = Fold(name, tuple(i for i in train if subjects[i] not in val_subjects),
                tuple(i for i in train if subjects[i] in val_subjects), tuple(test))
    check_no_leak(fold, subjects)
    return fold


def loso_folds(subjects: Sequence[str], val_fraction: float, seed: int) -> list[Fold]:
    """One fold per subject (``subjects[i]`` = the subject key of sample i)."""
    out = []
    for s in sorted(set(subjects)):
        test = [i for i, x in enumerate(subjects) if x == s]
        train = [i for i, x in enumerate(subjects) if x != s]
        out.append(_fold(s, train, test, subjects, val_fraction, seed))
    return out


def holdout_fold(train: Sequence[int], test: Sequence[int], subjects: Sequence[str],
                 val_fraction: float, seed: int) -> Fold:
    """Train on ``train``, test on ``test``; subjects in both are dropped from training."""
    test_subjects = {subjects[i] for i in test}
    kept = [i for i in train if subjects[i] not in test_subjects]
    return _fold("holdout", kept, test, subjects, val_fraction, seed)


def subject_split(subjects: Sequence[str], test_fraction: float, val_fraction: float,
                  seed: int) -> Fold:
    """A seeded subject-independent train / test split."""
    unique = sorted(set(subjects))
    k = min(len(unique) - 1, max(1, round(test_fraction * len(unique))))
    test_subjects = {unique[i] for i in np.random.default_rng(seed).permutation(len(unique))[:k]}
    test = [i for i, s in enumerate(subjects) if s in test_subjects]
    train = [i for i, s in enumerate(subjects) if s not in test_subjects]
    return _fold("split", train, test, subjects, val_fraction, seed)


def check_no_leak(fold: Fold, subjects: Sequence[str]) -> None:
    test = {subjects[i] for i in fold.test}
    leaked = test & {subjects[i] for i in (*fold.train, *fold.val)}
    if leaked:
        raise EquimeError(f"fold {fold.name}: test subjects {sorted(leaked)[:3]} reach training or "
                          "validation")
