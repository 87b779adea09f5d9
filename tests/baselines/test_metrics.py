import numpy as np
import pandas as pd
import pytest

from equime.baselines.evaluate import group_rows
from equime.baselines.metrics import bootstrap_ci, confusion, pooled_uf1_uar, scores, uf1_uar

C = ("negative", "positive", "surprise")


def test_pooled_uf1_uar_differ_from_per_fold_averages():
    folds = [
        (["negative", "negative", "positive"], ["negative", "negative", "negative"]),
        (["surprise"], ["surprise"]),
        (["positive", "surprise"], ["positive", "negative"]),
    ]
    # pooled counts: negative TP 2 FP 2 FN 0; positive TP 1 FP 0 FN 1; surprise TP 1 FP 0 FN 1
    uf1, uar = pooled_uf1_uar(folds, C)
    assert uf1 == pytest.approx((4 / 6 + 2 / 3 + 2 / 3) / 3)
    assert uar == pytest.approx((1 + 0.5 + 0.5) / 3)
    per_fold = [uf1_uar(confusion(t, p, C)) for t, p in folds]
    assert np.mean([f for f, _ in per_fold]) != pytest.approx(uf1)  # MEGC pools, never averages


def test_scores_and_ci():
    t = ["negative"] * 6 + ["positive"] * 2 + ["surprise"] * 2
    p = ["negative"] * 5 + ["positive"] + ["positive"] * 2 + ["surprise", "negative"]
    s = scores(t, p, [0.9] * 10, C)
    assert s["accuracy"] == 0.8 and s["confusion"] == [[5, 1, 0], [0, 2, 0], [1, 0, 1]]
    assert s["per_class"]["surprise"] == {"precision": 1.0, "recall": 0.5,
                                         "f1": pytest.approx(2 / 3), "support": 2}
    lo, hi = bootstrap_ci(t, p, C, "accuracy", 500, seed=0)
    assert 0.4 <= lo < 0.8 < hi <= 1.0
    assert bootstrap_ci(t, p, C, "uf1", 200, 1) == bootstrap_ci(t, p, C, "uf1", 200, 1)


def test_per_group_results_and_the_largest_gap():
    pred = pd.DataFrame({
        "subject": ["synthetic/a"] * 4 + ["synthetic/b"] * 4,
        "true": ["negative", "positive", "surprise", "negative"] * 2,
        "pred": ["negative", "positive", "surprise", "negative",
                 "negative", "negative", "negative", "negative"]})
    demo = pd.DataFrame({"subject": ["synthetic/a", "synthetic/b"], "gender": ["f", "m"],
                         "race": ["white", "u"], "age_band": ["<30", "<30"]})
    g = group_rows(pred, demo, n_boot=50, seed=0).set_index(["attribute", "group"])
    assert g.loc[("gender", "f"), "accuracy"] == 1.0 and g.loc[("gender", "m"), "accuracy"] == 0.5
    assert g.loc[("gender", "f"), "n"] == 4
    assert g.loc[("gender", "largest gap (accuracy)"), "accuracy"] == 0.5
    assert g.loc[("gender", "m"), "uar"] == round(1 / 3, 4)
    assert ("race", "u") not in g.index and ("race", "largest gap (uf1)") not in g.index
    assert ("age_band", "largest gap (uf1)") not in g.index  # one group: no gap


def test_per_class_table():
    from equime.baselines.evaluate import per_class_rows

    pred = pd.DataFrame({"true": ["negative", "negative", "surprise"],
                         "pred": ["negative", "surprise", "surprise"], "confidence": [0.5] * 3})
    t = per_class_rows(pred, C).set_index("class")
    assert t.loc["negative"].to_dict() == {"precision": 1.0, "recall": 0.5, "f1": 0.6667,
                                           "support": 2}
    assert t.loc["surprise", "precision"] == 0.5 and t.loc["positive", "support"] == 0


def test_one_uf1_uar_definition_everywhere():
    """A class predicted but absent from the truth: MEGC leaves it out of the mean (scikit-learn's
    macro average over truth ∪ predictions would count it as 0 and halve the UF1)."""
    from equime.baselines.metrics import uar, uf1

    true, pred = ["negative", "negative"], ["negative", "positive"]
    assert uf1(true, pred) == pytest.approx(2 / 3) and uar(true, pred) == 0.5
    assert (uf1(true, pred), uar(true, pred)) == uf1_uar(confusion(true, pred, C))
    frame = pd.DataFrame({"subject": ["synthetic/a"] * 2, "true": true, "pred": pred})
    demo = pd.DataFrame({"subject": ["synthetic/a"], "gender": ["f"], "race": ["u"],
                         "age_band": ["u"]})
    g = group_rows(frame, demo, n_boot=10, seed=0).set_index(["attribute", "group"])
    assert g.loc[("gender", "f"), "uf1"] == round(2 / 3, 4) and g.loc[("gender", "f"), "uar"] == 0.5
    assert scores(true, pred, [1.0, 1.0], C)["uf1"] == pytest.approx(2 / 3)
