"""Spot-then-recognise scores on cases computed by hand: the organisers' mode with each of its
quirks, and the corrected mode."""

import math

import pytest

from equime.megc.strs import Interval, iou, score


def iv(subject, video, onset, offset, emotion=""):
    return Interval(subject, video, onset, offset, emotion)


def test_iou_is_on_inclusive_frame_sets():
    assert iou(iv("1", "v", 0, 9), iv("1", "v", 5, 14)) == pytest.approx(5 / 15)
    assert iou(iv("1", "v", 0, 0), iv("1", "v", 0, 0)) == 1.0  # one frame each, the same
    assert iou(iv("1", "v", 5, 4), iv("1", "v", 5, 4)) == 0.0  # empty: no frames at all
    assert iou(iv("1", "v", 0, 9), iv("1", "v", 10, 19)) == 0.0


TRUTH = [
    iv("1", "a", 10, 20, "happiness"), iv("1", "a", 10, 21, "happiness"),  # two, nearly the same
    iv("1", "b", 100, 130, "surprise"),
    iv("2", "c", 50, 60, "happiness"),  # subject 2: nobody predicts anything there
]
PRED = [
    iv("1", "a", 10, 20, "happiness"),  # IoU 1 and 11/12 with the two truths of video a
    iv("1", "b", 100, 128, "happiness"),  # IoU 29/31 ≥ 0.5; emotion wrong
    iv("1", "z", 0, 5, "happiness"),  # a video without any truth
]


def test_the_organisers_mode_with_its_quirks():
    r = score(PRED, TRUTH, "megc2025")
    f = r.figures()
    # one prediction matches both truths of video a (2 TP); subject 2 is not scored (no FN);
    # the prediction in video z is not counted (no FP)
    assert (f["TP spotting"], f["FP spotting"], f["FN spotting"]) == (3, 0, 0)
    assert f["F1-score spotting"] == 1.0
    # true positives (pred, truth): (h, h), (h, h), (h, s); classes: happiness, surprise
    # happiness: TP 2, FP 1, FN 0 → P 2/3, R 1; surprise: TP 0, FP 0, FN 1 → P 0, R 0
    assert f["Precision analysis"] == pytest.approx((2 / 3 + 0) / 2)
    assert f["Recall analysis"] == pytest.approx((1 + 0) / 2)
    p, rec = 1 / 3, 1 / 2
    assert f["F1-score analysis"] == pytest.approx(2 * p * rec / (p + rec))
    assert f["UF1 analysis"] == pytest.approx((0.8 + 0) / 2)
    assert f["UAR analysis"] == pytest.approx(p)  # the mean precision, as the script has it
    assert f["STRS"] == pytest.approx(1.0 * 2 * p * rec / (p + rec))


def test_the_corrected_mode():
    f = score(PRED, TRUTH, "corrected").figures()
    # one truth per prediction (a's second truth is missed), subject 2 missed, z a false alarm
    assert (f["TP spotting"], f["FP spotting"], f["FN spotting"]) == (2, 1, 2)
    assert f["F1-score spotting"] == pytest.approx(4 / 7)  # P 2/3, R 2/4
    # (h, h), (h, s): happiness P 1/2 R 1, surprise P 0 R 0
    assert f["UAR analysis"] == pytest.approx(0.5)  # mean recall
    assert f["UF1 analysis"] == pytest.approx((2 / 3) / 2)
    assert f["F1-score analysis"] == pytest.approx(2 * 0.25 * 0.5 / 0.75)
    assert f["STRS"] == pytest.approx(4 / 7 * (1 / 3))


def test_a_lone_class_has_no_counts_in_the_organisers_mode():
    truth = [iv("1", "a", 0, 10, "happiness"), iv("1", "a", 40, 50, "happiness")]
    pred = [iv("1", "a", 0, 10, "happiness"), iv("1", "a", 40, 50, "happiness")]
    # every true positive is happiness, truth and prediction: scikit-learn's confusion matrix
    # is 1×1, the script's unpacking fails, and it counts nothing; its F1 is then 0 / 0
    script = score(pred, truth, "megc2025")
    assert script.f1 == 1.0 and math.isnan(script.analysis.f1) and math.isnan(script.strs)
    fixed = score(pred, truth, "corrected")
    assert fixed.analysis.f1 == 1.0 and fixed.strs == 1.0


def test_classes_can_be_given():
    r = score(PRED, TRUTH, "corrected", classes=["happiness"])
    # the surprise truth's pair is left out with its class: (h, h) alone
    assert (r.analysis.precision, r.analysis.uar, r.analysis.uf1) == (1.0, 1.0, 1.0)
