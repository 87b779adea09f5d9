from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from equime.errors import InputError
from equime.files import csv_chunks, write_csv
from equime.ordered import InPlanOrder


def test_a_table_in_plan_order_is_read_beside_the_plan():
    plan = ["a", "b", "c", "d"]
    table = InPlanOrder([("b", 2), ("d", 4)], "t.csv")  # a and c refused by its stage
    assert [table.get(c) for c in plan] == [None, 2, None, 4]
    table.finish()


@pytest.mark.parametrize("pairs", [[("c", 3), ("b", 2)], [("b", 2), ("b", 2)], [("x", 0)]],
                         ids=["out-of-order", "twice", "not-planned"])
def test_a_table_out_of_plan_order_is_an_error_not_a_silent_gap(pairs):
    table = InPlanOrder(pairs, "data/quality/clips.csv")
    for clip in ["a", "b", "c", "d"]:
        table.get(clip)
    with pytest.raises(InputError, match=r"^data/quality/clips.csv: '.' is out of the plan's "):
        table.finish()


def test_chunks_have_the_types_of_a_whole_read(tmp_path: Path):
    n = 25
    table = pd.DataFrame({
        "clip_id": [f"c{i:02d}" for i in range(n)],
        "ints_with_a_gap": [float("nan") if i == 22 else i for i in range(n)],  # int, then NaN
        "bools_with_a_gap": [None if i == 3 else i % 2 == 0 for i in range(n)],
        "text": ["" if i < 12 else "x" for i in range(n)],
        "floats": np.linspace(0, 1, n),
    })
    write_csv(tmp_path / "t.csv", table)
    whole = pd.read_csv(tmp_path / "t.csv")
    parts = list(csv_chunks(tmp_path / "t.csv", ["clip_id"], "dvc repro t", chunk=10))
    assert len(parts) == 3
    joined = pd.concat(parts, ignore_index=True)
    pd.testing.assert_frame_equal(joined, whole)
    assert joined.to_json(orient="records") == whole.to_json(orient="records")
    with pytest.raises(InputError, match=r"missing columns \['nope'\]; rerun `dvc repro t`"):
        list(csv_chunks(tmp_path / "t.csv", ["nope"], "dvc repro t"))
