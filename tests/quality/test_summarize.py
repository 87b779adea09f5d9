from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from equime.datasets import smic
from equime.quality.summarize import clip_table, comparison, paper_table, synthetic_table
from tests import fixtures

SETTINGS = fixtures.params().quality


def test_real_dataset_rows_and_the_paper_column(tmp_path: Path):
    rng = np.random.default_rng(0)
    for clip in ("s1_po_01", "s1_po_02"):
        folder = tmp_path / "HS" / "s1" / "micro" / "positive" / clip
        folder.mkdir(parents=True)
        base = rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)
        for i in range(4):
            noisy = np.clip(base.astype(int) + rng.integers(-3, 4, base.shape), 0, 255)
            Image.fromarray(noisy.astype(np.uint8)).save(folder / f"image{i:03d}.bmp")
    samples = smic.load(tmp_path, "HS").samples
    table = clip_table("smic", [(s.clip_id, s.load_frames) for s in samples], SETTINGS)
    assert table["clip_id"].tolist() == ["s1_po_01", "s1_po_02"]
    assert (table["standard_psnr_mean"] < 60).all() and (table["paper_psnr_mean"] > 30).all()
    comp = comparison({"smic": table}, SETTINGS.metrics, SETTINGS.modes)
    row = comp[(comp["mode"] == "paper") & (comp["metric"] == "psnr")].iloc[0]
    assert row["n"] == 2 and row["paper_reported"] == paper_table().at["SMIC", "psnr"] == 39.94
    assert row["mean"] == round(table["paper_psnr_mean"].mean(), 4)


def test_synthetic_rows_are_the_passing_clips_quality():
    quality = pd.DataFrame({"clip_id": ["a", "b"], "standard_psnr_mean": [70.0, 50.0],
                            "peak_motion_px": [1.0, 9.0]})
    verdicts = pd.DataFrame({"clip_id": ["a", "b"], "passed": [True, False], "reasons": ["", "x"]})
    table = synthetic_table(quality, verdicts)
    assert table.to_dict("records") == [{"dataset": "synthetic", "clip_id": "a",
                                         "standard_psnr_mean": 70.0}]
    comp = comparison({"synthetic": table}, ["psnr"], ["standard"])
    assert comp.iloc[0]["paper_reported"] == 41.03 and comp.iloc[0]["mean"] == 70.0
