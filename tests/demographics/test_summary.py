import io

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from equime.demographics.summary import (
    balance,
    balance_table,
    demographics_metrics,
    group_table,
    paper_demographics,
    plot_demographics,
)

EDGES = (30, 45, 60)


def _people(genders: str, races: list[str], bands: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"gender": list(genders), "race": races, "age_band": bands})


STEPS = {
    "sources": _people("ffffm", ["white"] * 4 + ["asian"], ["<30", "<30", "30-44", "60+", "u"]),
    "exported": _people("fm", ["white", "asian"], ["<30", "30-44"]),
}


def test_counts_and_shares_per_step_include_empty_and_unknown_groups():
    g = group_table(STEPS, EDGES).set_index(["step", "attribute", "group"])
    assert g.loc[("sources", "gender", "f"), "count"] == 4
    assert g.loc[("sources", "gender", "f"), "share"] == 0.8
    assert g.loc[("sources", "race", "black"), "count"] == 0  # absent groups are rows too
    assert g.loc[("sources", "age_band", "u"), "share"] == 0.2
    assert g.loc[("exported", "race", "asian"), "share"] == 0.5
    assert len(g) == 2 * (3 + 7 + 5)  # steps × (f m u + 6 races u + 4 bands u)


def test_balance_indices():
    assert balance([5, 5]) == {"entropy": 1.0, "min_max_ratio": 1.0}
    assert balance([4, 0]) == {"entropy": 0.0, "min_max_ratio": 0.0}
    b = balance([3, 1])  # H = 0.8113 bits over log2(2)
    assert b["entropy"] == pytest.approx(0.8113, abs=1e-4) and b["min_max_ratio"] == 0.3333
    assert balance([0, 0]) == {"entropy": None, "min_max_ratio": None}


def test_the_papers_skew_is_measured_beside_ours():
    t = balance_table(group_table(STEPS, EDGES)).set_index(["step", "attribute"])
    assert t.loc[("exported", "gender"), "entropy"] == 1.0
    assert t.loc[("sources", "gender"), "min_max_ratio"] == 0.25
    assert t.loc[("sources", "age_band"), "unknown_share"] == 0.2
    # 74.8 % White … 0.9 % Indian: normalised entropy 0.52, min/max 0.9 / 74.8
    assert t.loc[("paper", "race"), "entropy"] == pytest.approx(0.5165, abs=1e-4)
    assert t.loc[("paper", "race"), "min_max_ratio"] == pytest.approx(0.009 / 0.748, abs=1e-4)
    paper = paper_demographics()
    assert paper.groupby("attribute")["share"].sum().round(6).to_dict() == {"gender": 1.0,
                                                                           "race": 1.0}
    m = demographics_metrics(t.reset_index())
    assert m["exported"]["gender"] == {"n": 2, "unknown_share": 0.0, "entropy": 1.0,
                                       "min_max_ratio": 1.0}


def test_plot_is_a_png():
    groups = group_table(STEPS, EDGES)
    with Image.open(io.BytesIO(plot_demographics(groups, balance_table(groups)))) as im:
        assert im.size == (1500, 400) and np.asarray(im).std() > 10
