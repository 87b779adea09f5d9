"""Stratified selection on pools built in code."""

import pandas as pd
import pytest

from equime.demographics.params import SelectParams
from equime.demographics.select import quotas, select_subjects
from equime.errors import ParamsError


def _pool(counts: dict[tuple[str, str], int], extra: list[dict] | None = None) -> pd.DataFrame:
    rows = []
    for (gender, race), n in counts.items():
        rows += [{"subject_id": f"{gender}-{race}-{i:03d}", "status": "ok", "gender": gender,
                  "race": race, "age_band": "30-44"} for i in range(n)]
    return pd.DataFrame(rows + (extra or []))


# a skewed pool, like CelebA-HQ through deepface: mostly white, few Black or Indian subjects
SKEWED = {("f", "white"): 60, ("m", "white"): 40, ("f", "asian"): 9, ("m", "asian"): 7,
          ("f", "black"): 5, ("m", "black"): 4, ("f", "indian"): 2, ("m", "indian"): 1}


def _select(pool: pd.DataFrame, seed: int = 3, **kw):
    spec = SelectParams(**{"stratify_by": ("gender",), "target": {}, "max_subjects": None, **kw})
    return select_subjects(pool, spec, (30, 45, 60), seed)


def test_uniform_gender_target_is_reached_exactly():
    res = _select(_pool(SKEWED), max_subjects=40)
    assert res.subjects["gender"].value_counts().to_dict() == {"f": 20, "m": 20}
    assert res.supply["shortfall"].tolist() == [0.0, 0.0]
    # without a cap: the largest balanced set the pool supports (52 men → 52 + 52)
    res = _select(_pool(SKEWED))
    assert res.subjects["gender"].value_counts().to_dict() == {"f": 52, "m": 52}
    assert res.not_selected["reason"].str.startswith("cell f quota 52 filled").sum() == 76 - 52


def test_a_non_uniform_target_on_gender_x_race():
    target = {"f/white": 1, "m/white": 1, "f/asian": 1, "m/asian": 1, "f/black": 1, "m/black": 1}
    res = _select(_pool(SKEWED), stratify_by=("gender", "race"), target=target, max_subjects=24)
    got = res.subjects["cell"].value_counts().to_dict()
    assert got == dict.fromkeys(target, 4)  # 24 / 6 cells, every cell can supply 4
    assert set(res.subjects["race"]) == {"white", "asian", "black"}


def test_what_the_pool_cannot_supply_is_reported_and_redistributed():
    res = _select(_pool(SKEWED), stratify_by=("race",), max_subjects=60)
    supply = res.supply.set_index("cell")
    # uniform over 6 races = 10 each; Indian has 3, Middle Eastern and Latino none, Black 9
    assert supply.loc["indian", "available"] == 3 and supply.loc["indian", "selected"] == 3
    assert supply.loc["middle eastern", "selected"] == 0
    assert supply.loc["middle eastern", "shortfall"] == pytest.approx(10.0)
    assert supply.loc["black", "selected"] == 9
    assert len(res.subjects) == 60  # the cap is reached with what the other cells can give
    assert supply.loc["asian", "selected"] == 16 and supply.loc["white", "selected"] == 32


def test_unknown_values_and_lost_faces_are_not_selected_with_a_reason():
    extra = [{"subject_id": "u-1", "status": "ok", "gender": "u", "race": "white", "age_band": "u"},
             {"subject_id": "nf-1", "status": "no-face", "gender": "u", "race": "u", "age_band": "u"}]
    res = _select(_pool({("f", "white"): 2, ("m", "white"): 2}, extra))
    reasons = dict(zip(res.not_selected["subject_id"], res.not_selected["reason"], strict=True))
    assert reasons == {"nf-1": "no face found by the attribute source", "u-1": "unknown gender"}
    assert len(res.subjects) == 4


def test_selection_is_seeded_and_bad_targets_are_refused():
    pool = _pool(SKEWED)
    a = _select(pool, max_subjects=10)
    assert a.subjects.equals(_select(pool.sample(frac=1, random_state=1), max_subjects=10).subjects)
    assert not a.subjects.equals(_select(pool, max_subjects=10, seed=4).subjects)
    with pytest.raises(ParamsError, match=r"select.target: unknown cells \['x'\]"):
        _select(pool, target={"x": 1})


def test_quotas_without_a_cap_keep_exact_proportions():
    assert quotas({"a": 7, "b": 10}, {"a": 0.7, "b": 0.3}, None) == {"a": 7, "b": 3}
    assert quotas({"a": 5}, {"a": 0.5, "b": 0.5}, None) == {"a": 5, "b": 0}
    assert quotas({}, {"a": 1.0}, 3) == {"a": 0}


def test_selected_rows_get_their_source_photo_and_the_pool_must_match_curate(tmp_path):
    from pathlib import Path

    from equime.demographics.select import with_sources
    from equime.errors import InputError

    pool = _pool({("f", "white"): 2})
    curated = pd.DataFrame({"subject_id": pool["subject_id"], "source": ["a.png", "b.png"],
                            "sha256": ["0", "1"], "attributes": ["{}", '{"age": 30}']})
    res = _select(pool)
    table = with_sources(res.subjects, pool, curated, Path("faces.csv"))
    assert table["source"].tolist() == ["a.png", "b.png"]
    assert table["annotations"].tolist() == ["{}", '{"age": 30}'] and "cell" in table.columns
    with pytest.raises(InputError, match=r"faces.csv: subjects \['f-white-001'\] differ"):
        with_sources(res.subjects, pool, curated.iloc[:1], Path("faces.csv"))
