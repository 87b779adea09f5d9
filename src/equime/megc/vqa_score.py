"""Score ME-VQA answers against the truth, by question type.

The challenge publishes no scorer for these (its baseline repository, noobasuna/mevqa, reports
exact match and weighted F1 over normalised answers); equime's choice, per question type:

- coarse and fine classes: MEGC's UF1 and UAR (:mod:`equime.baselines.metrics`, the classes
  seen in the truth or the predictions), as the recognition tasks are scored;
- yes/no (is an AU shown) and left/right: accuracy;
- free answers (the action units, the combined sentence): BLEU-4 and ROUGE-1 F1, each the mean
  over answers, with their exact variants:
  BLEU (Papineni et al., ACL 2002) per answer: the geometric mean of the modified 1- to 4-gram
  precisions (uniform weights) times the brevity penalty exp(1 − r/c) when c < r; smoothed as
  Lin and Och (COLING 2004; Chen and Cherry's "method 2", WMT 2014): 1 is added to the matched
  and total counts of every n > 1, so a short AU list with no 4-gram is not scored 0;
  ROUGE-1 (Lin, ACL 2004 workshop) per answer: the F1 of unigram overlap (clipped counts).
  Written here (a few lines) so the variant cannot change with a library's defaults; tested
  against cases computed by hand.

Every answer is first normalised as the baseline repository does: lower case, punctuation
removed, white space collapsed; tokens are the words.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from equime.baselines.metrics import uar, uf1

CLASSES = ("coarse", "fine")
BINARY = ("shown", "side")
FREE = ("aus", "combined")


def normalise(answer: str) -> str:
    text = "".join(c for c in str(answer).lower() if c.isalnum() or c.isspace())
    return " ".join(text.split())


def _ngrams(words: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))


def bleu(candidate: str, reference: str, max_n: int = 4) -> float:
    """Sentence BLEU-4 with Lin & Och's add-one smoothing for n > 1 (see the module)."""
    c, r = normalise(candidate).split(), normalise(reference).split()
    if not c:
        return 0.0
    logs = []
    for n in range(1, max_n + 1):
        cand, ref = _ngrams(c, n), _ngrams(r, n)
        matched = sum(min(k, ref[g]) for g, k in cand.items())
        total = sum(cand.values())
        if n > 1:
            matched, total = matched + 1, total + 1
        if not matched or not total:
            return 0.0
        logs.append(math.log(matched / total))
    brevity = 1.0 if len(c) >= len(r) else math.exp(1 - len(r) / len(c))
    return brevity * math.exp(sum(logs) / max_n)


def rouge1(candidate: str, reference: str) -> float:
    """ROUGE-1 F1: unigram overlap (clipped) of candidate and reference."""
    c, r = Counter(normalise(candidate).split()), Counter(normalise(reference).split())
    overlap = sum((c & r).values())
    if not overlap:
        return 0.0
    p, rec = overlap / sum(c.values()), overlap / sum(r.values())
    return 2 * p * rec / (p + rec)


def score(kinds: Sequence[str], truth: Sequence[str], pred: Sequence[str]) -> dict[str, dict]:
    """Per question type (``kinds[i]`` of answer ``i``): its figures and how many answers."""
    out: dict[str, dict] = {}
    for kind in dict.fromkeys(kinds):
        idx = [i for i, k in enumerate(kinds) if k == kind]
        t = [normalise(truth[i]) for i in idx]
        p = [normalise(pred[i]) for i in idx]
        figures: dict[str, float] = {"n": len(idx)}
        if kind in CLASSES:
            figures |= {"uf1": uf1(t, p), "uar": uar(t, p)}
        elif kind in BINARY:
            figures |= {"accuracy": sum(a == b for a, b in zip(t, p, strict=True)) / len(idx)}
        elif kind in FREE:
            figures |= {"bleu": sum(map(bleu, p, t)) / len(idx),
                        "rouge1": sum(map(rouge1, p, t)) / len(idx)}
        else:
            raise ValueError(f"question type {kind!r}: one of {CLASSES + BINARY + FREE}")
        out[kind] = figures
    return out
