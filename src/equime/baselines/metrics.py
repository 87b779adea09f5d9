"""Recognition metrics as the field defines them.

MEGC's UF1 and UAR are computed on the confusion counts *pooled over every LOSO fold* (TP, FP
and FN per class summed across folds, then averaged over classes), not averaged per fold; the
counting comes from scikit-learn's confusion matrix, the pooling is the definition.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support


def confusion(y_true: Sequence[str], y_pred: Sequence[str], classes: Sequence[str]) -> np.ndarray:
    return confusion_matrix(list(y_true), list(y_pred), labels=list(classes))


def uf1_uar(matrix: np.ndarray) -> tuple[float, float]:
    """Unweighted F1 (mean over classes of 2TP / (2TP + FP + FN)) and unweighted average recall
    (mean of TP / (TP + FN)) from a confusion matrix; a class with no samples and no
    predictions counts 0 in neither (it is left out of the mean, as MEGC's scripts do)."""
    tp = np.diag(matrix).astype(np.float64)
    fp = matrix.sum(axis=0) - tp
    fn = matrix.sum(axis=1) - tp
    present = (tp + fn) > 0
    f1 = np.divide(2 * tp, 2 * tp + fp + fn, out=np.zeros_like(tp), where=(2 * tp + fp + fn) > 0)
    recall = np.divide(tp, tp + fn, out=np.zeros_like(tp), where=(tp + fn) > 0)
    if not present.any():
        return 0.0, 0.0
    return float(f1[present].mean()), float(recall[present].mean())


def uf1(y_true: Sequence[str], y_pred: Sequence[str]) -> float:
    """MEGC's UF1 of one set of predictions (:func:`uf1_uar` over the classes seen)."""
    return uf1_uar(confusion(y_true, y_pred, sorted(set(y_true) | set(y_pred))))[0]


def uar(y_true: Sequence[str], y_pred: Sequence[str]) -> float:
    """MEGC's UAR of one set of predictions (:func:`uf1_uar` over the classes seen)."""
    return uf1_uar(confusion(y_true, y_pred, sorted(set(y_true) | set(y_pred))))[1]


def pooled_uf1_uar(folds: Sequence[tuple[Sequence[str], Sequence[str]]],
                   classes: Sequence[str]) -> tuple[float, float]:
    """MEGC: sum the folds' confusion matrices, then UF1 / UAR."""
    total = sum((confusion(t, p, classes) for t, p in folds),
                start=np.zeros((len(classes), len(classes)), dtype=np.int64))
    return uf1_uar(total)


def scores(y_true: Sequence[str], y_pred: Sequence[str], confidence: Sequence[float],
           classes: Sequence[str]) -> dict[str, Any]:
    """Accuracy, UF1, UAR, weighted F1, per-class P/R/F1, mean max-softmax confidence."""
    matrix = confusion(y_true, y_pred, classes)
    uf1, uar = uf1_uar(matrix)
    p, r, f, support = precision_recall_fscore_support(list(y_true), list(y_pred),
                                                       labels=list(classes), zero_division=0)
    return {
        "n": len(y_true),
        "accuracy": float(np.mean(np.asarray(y_true) == np.asarray(y_pred))) if len(y_true) else 0.0,
        "uf1": uf1, "uar": uar,
        "weighted_f1": float(f1_score(list(y_true), list(y_pred), labels=list(classes),
                                      average="weighted", zero_division=0)),
        "confidence": float(np.mean(confidence)) if len(confidence) else 0.0,
        "per_class": {c: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]),
                          "support": int(support[i])} for i, c in enumerate(classes)},
        "confusion": matrix.tolist(),
    }


def bootstrap_ci(y_true: Sequence[str], y_pred: Sequence[str], classes: Sequence[str],
                 statistic: str, n_boot: int, seed: int) -> tuple[float, float]:
    """95 % percentile interval of accuracy / uf1 / uar over clips resampled with replacement."""
    t, p = np.asarray(y_true), np.asarray(y_pred)
    if len(t) == 0:
        return 0.0, 0.0
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n_boot):
        i = rng.integers(0, len(t), len(t))
        if statistic == "accuracy":
            values.append(float(np.mean(t[i] == p[i])))
        else:
            uf1, uar = uf1_uar(confusion(t[i], p[i], classes))
            values.append(uf1 if statistic == "uf1" else uar)
    lo, hi = np.percentile(values, [2.5, 97.5])
    return float(lo), float(hi)
