"""Spotting and spot-then-recognise scores, as the MEGC organisers compute them.

The organisers' script (``strs_metric.py`` of the public repository genbing99/STRS-Metric, for
Liong, See and Chan, "Spot-then-recognize", Signal Processing: Image Communication 2023; used by
MEGC 2025's ME-STR task) scores a spotted interval as a true positive when its IoU with a ground
truth interval of the same video, on inclusive frame sets, is at least 0.5; the analysis task
then scores the emotions of the true positives; STRS = F1(spotting) × F1(analysis). Written here
because that script needs pandas < 2 (``DataFrame.append``) and has quirks a challenge's numbers
depend on. Two modes:

``megc2025``: the script, number for number, quirks included:
  - only subjects that appear in the predictions are scored (a subject with no prediction adds
    no false negative), and only videos in the ground truth (a prediction in another video is
    not a false positive);
  - a prediction may match several ground truths (each unmatched one with IoU ≥ 0.5): each is a
    true positive;
  - per emotion, the counts come from scikit-learn's 2×2 confusion matrix, which is 1×1 when
    every true positive is of that emotion, or of none (a lone class): its counts are then 0;
  - its "UAR" is the mean per-class precision, not recall.
``corrected``: every subject and video of either file counts (missed subjects are false
  negatives, predictions elsewhere false positives), a prediction matches at most one ground
  truth (the unmatched one of highest IoU), per-class counts are counted, and UAR is the mean
  per-class recall.

In both, F1(analysis) is the harmonic mean of the mean per-class precision and recall (as the
script and the paper compute it), UF1 the mean per-class F1; classes are the ground truth's
emotions unless given.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

MODES = ("megc2025", "corrected")
IOU_THRESHOLD = 0.5


@dataclass(frozen=True)
class Interval:
    """One expression in a video: frames ``onset``..``offset`` (inclusive) and its emotion."""

    subject: str
    video: str
    onset: int
    offset: int
    emotion: str = ""

    @property
    def frames(self) -> int:
        return max(0, self.offset - self.onset + 1)


def iou(a: Interval, b: Interval) -> float:
    """Intersection over union of the two intervals' inclusive frame sets (0 when both empty)."""
    inter = max(0, min(a.offset, b.offset) - max(a.onset, b.onset) + 1) if a.frames and b.frames \
        else 0
    union = a.frames + b.frames - inter
    return inter / union if union else 0.0


@dataclass
class Spotting:
    """Matched (prediction, ground truth) pairs, unmatched predictions and ground truths."""

    matched: list[tuple[Interval, Interval]] = field(default_factory=list)
    false_positives: list[Interval] = field(default_factory=list)
    false_negatives: list[Interval] = field(default_factory=list)


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall, F1 (each 0 where undefined)."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def spot(pred: Sequence[Interval], truth: Sequence[Interval], mode: str,
         threshold: float = IOU_THRESHOLD) -> Spotting:
    """Match predictions to ground truths video by video (see the module's modes)."""
    if mode not in MODES:
        raise ValueError(f"mode {mode!r}: one of {', '.join(MODES)}")
    out = Spotting()
    subjects = _unique(p.subject for p in pred) if mode == "megc2025" else \
        _unique([*(t.subject for t in truth), *(p.subject for p in pred)])
    for subject in subjects:
        videos = _unique(t.video for t in truth if t.subject == subject)
        if mode == "corrected":
            videos = _unique([*videos, *(p.video for p in pred if p.subject == subject)])
        for video in videos:
            here = [p for p in pred if (p.subject, p.video) == (subject, video)]
            gts = [t for t in truth if (t.subject, t.video) == (subject, video)]
            _match(here, gts, mode, threshold, out)
    return out


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _match(preds: list[Interval], gts: list[Interval], mode: str, threshold: float,
           out: Spotting) -> None:
    taken: set[int] = set()
    for p in preds:
        if mode == "megc2025":  # every unmatched ground truth it overlaps enough
            hits = [k for k, g in enumerate(gts) if iou(p, g) >= threshold and k not in taken]
        else:  # the one it overlaps most
            free = [(iou(p, g), -k) for k, g in enumerate(gts) if k not in taken]
            best = max(free, default=(0.0, 0))
            hits = [-best[1]] if best[0] >= threshold else []
        for k in hits:
            out.matched.append((p, gts[k]))
            taken.add(k)
        if not hits:
            out.false_positives.append(p)
    out.false_negatives += [g for k, g in enumerate(gts) if k not in taken]


@dataclass(frozen=True)
class Analysis:
    precision: float  # mean per-class precision
    recall: float  # mean per-class recall
    f1: float  # harmonic mean of the two
    uf1: float  # mean per-class F1
    uar: float  # megc2025: the mean per-class precision (the script's); corrected: mean recall


def analyse(matched: Sequence[tuple[Interval, Interval]], classes: Sequence[str],
            mode: str) -> Analysis:
    """The emotion scores over the spotted true positives whose truth is one of ``classes``."""
    pairs = [(p.emotion, g.emotion) for p, g in matched if g.emotion in classes]
    per = []
    for c in classes:
        tp = sum(pe == c and ge == c for pe, ge in pairs)
        fp = sum(pe == c and ge != c for pe, ge in pairs)
        fn = sum(pe != c and ge == c for pe, ge in pairs)
        labels = {pe == c for pe, _ in pairs} | {ge == c for _, ge in pairs}
        if mode == "megc2025" and len(labels) < 2:  # sklearn's 1×1 confusion matrix: no counts
            tp = fp = fn = 0
        per.append(prf(tp, fp, fn))
    precision = sum(x[0] for x in per) / len(per) if per else 0.0
    recall = sum(x[1] for x in per) / len(per) if per else 0.0
    if precision + recall:
        f1 = 2 * precision * recall / (precision + recall)
    else:  # the script divides 0 by 0
        f1 = math.nan if mode == "megc2025" else 0.0
    uf1 = sum(x[2] for x in per) / len(per) if per else 0.0
    return Analysis(precision, recall, f1, uf1, precision if mode == "megc2025" else recall)


@dataclass(frozen=True)
class STRS:
    spotting: Spotting
    analysis: Analysis
    precision: float  # spotting
    recall: float
    f1: float

    @property
    def strs(self) -> float:
        return self.f1 * self.analysis.f1

    def figures(self) -> dict[str, float]:
        a, s = self.analysis, self.spotting
        return {"STRS": self.strs, "TP spotting": len(s.matched),
                "FP spotting": len(s.false_positives), "FN spotting": len(s.false_negatives),
                "Precision spotting": self.precision, "Recall spotting": self.recall,
                "F1-score spotting": self.f1, "Precision analysis": a.precision,
                "Recall analysis": a.recall, "F1-score analysis": a.f1, "UF1 analysis": a.uf1,
                "UAR analysis": a.uar}


def score(pred: Sequence[Interval], truth: Sequence[Interval], mode: str,
          classes: Sequence[str] | None = None) -> STRS:
    """Spotting F1, the analysis of its true positives and STRS (their product)."""
    s = spot(pred, truth, mode)
    p, r, f1 = prf(len(s.matched), len(s.false_positives), len(s.false_negatives))
    kinds = sorted({t.emotion for t in truth}) if classes is None else list(classes)
    return STRS(s, analyse(s.matched, kinds, mode), p, r, f1)
