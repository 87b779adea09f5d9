"""The real-data protocols on loader fixtures: tiny CASME II, SAMM and SMIC copies in their own
layouts, with clip ids taken from the official MEGC 2019 label file."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

from equime.baselines.evaluate import result_rows
from equime.baselines.inputs import InputSpec, clip_input
from equime.baselines.models import MODELS, build_model
from equime.baselines.protocols import LABEL_SETS, RunSpec
from equime.baselines.run import load_model, run, save_model
from equime.baselines.train import TrainSpec, predict
from equime.datasets.registry import source_loader

SHEET_HEADER = {"casme2": ["Subject", "Filename", "OnsetFrame", "ApexFrame", "OffsetFrame",
                           "Action Units", "Estimated Emotion"],
                "samm": ["Subject", "Filename", "Onset Frame", "Apex Frame", "Offset Frame",
                         "Action Units", "Estimated Emotion"]}


def _clip(folder: Path, names: list[str], seed: int) -> None:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for name in names:
        Image.fromarray(rng.integers(0, 255, (24, 24, 3), dtype=np.uint8)).save(folder / name)


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("real")
    rows = {"casme2": [], "samm": []}
    for n, (sub, clip, emotion) in enumerate([
            (1, "EP02_01f", "happiness"), (1, "EP19_05f", "disgust"),
            (2, "EP01_11f", "repression"), (2, "EP02_04f", "disgust")]):
        _clip(root / "casme2" / f"sub{sub:02d}" / clip, [f"img{i}.jpg" for i in range(1, 7)], n)
        rows["casme2"].append([sub, clip, 1, 3, 6, "4", emotion])
    for n, (sub, clip, emotion) in enumerate([
            (6, "006_1_2", "Anger"), (6, "006_1_3", "Contempt"), (7, "007_5_3", "Surprise"),
            (7, "007_6_1", "Happiness")]):
        _clip(root / "samm" / f"{sub:03d}" / clip, [f"{sub:03d}_{i:05d}.jpg" for i in range(1, 7)],
              10 + n)
        rows["samm"].append([sub, clip, 1, 3, 6, "4", emotion])
    for name, table in rows.items():
        pd.DataFrame([SHEET_HEADER[name], *table]).to_csv(root / f"{name}.csv", index=False,
                                                          header=False)
    for n, (sub, label, clip) in enumerate([
            (1, "negative", "s1_ne_01"), (1, "negative", "s1_ne_02"),
            (2, "positive", "s2_po_01"), (2, "surprise", "s2_sur_01")]):
        _clip(root / "smic" / "HS" / f"s{sub}" / "micro" / label / clip,
              [f"image{i:03d}.bmp" for i in range(1, 5)], 20 + n)
    return {"casme2": (root / "casme2", root / "casme2.csv", "HS"),
            "samm": (root / "samm", root / "samm.csv", "HS"),
            "smic": (root / "smic", None, "HS")}


def _spec(**kw) -> RunSpec:
    base = {"protocol": "loso", "train": ("megc",), "test": ("megc",), "classes": "megc3",
            "mix": {}, "val_fraction": 0.25, "test_fraction": 0.3, "seed": 0}
    return RunSpec(**{**base, **kw})


TINY = InputSpec(kind="frames", frames=4, size=16)
FAST = TrainSpec(model="cnn3d", epochs=2, batch_size=4, lr=1e-3, seed=0)


def test_megc_composite_loso_runs_one_fold_per_subject(local, tmp_path: Path):
    result = run(_spec(), TINY, FAST, source_loader(None, local), tmp_path / "models")
    p = result.predictions
    assert result.samples == 12 and result.folds == 6 and result.dropped == 0
    assert sorted(set(p["fold"])) == ["casme2/sub01", "casme2/sub02", "samm/006", "samm/007",
                                      "smic/s1", "smic/s2"]
    assert (p["fold"] == p["subject"]).all()  # each clip is predicted by the fold leaving it out
    assert sorted(p["clip_id"]) == sorted(set(p["clip_id"]))
    # labels: the official composite file's, e.g. SAMM 007_5_3 is surprise, CASME II EP02_01f positive
    truth = dict(zip(p["clip_id"], p["true"], strict=True))
    assert truth["007_5_3"] == "surprise" and truth["EP02_01f"] == "positive"
    assert len(list((tmp_path / "models").glob("*.safetensors"))) == 6
    table = result_rows(p, LABEL_SETS["megc3"], n_boot=20, seed=0)
    assert table["dataset"].tolist() == ["all", "casme2", "samm", "smic"]
    assert table["n"].tolist() == [12, 4, 4, 4]
    again = run(_spec(), TINY, FAST, source_loader(None, local))
    assert again.predictions.equals(p)  # seeded: the same params give the same predictions


def test_cross_dataset_holdout_and_mixing(local):
    load = source_loader(None, local)
    r = run(_spec(protocol="holdout", train=("casme2", "smic"), test=("samm",),
                  mix={"smic": 0.5}), TINY, FAST, load)
    assert r.folds == 1 and set(r.predictions["dataset"]) == {"samm"}
    assert r.samples == 4 + 2 + 4  # CASME II 4 + half of SMIC's 2 subjects (2 clips) + SAMM 4
    with pytest.raises(Exception, match="casme3: not configured"):
        run(_spec(protocol="holdout", train=("casme3",), test=("samm",)), TINY, FAST, load)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_each_model_takes_both_inputs_and_round_trips_through_safetensors(name, tmp_path: Path):
    for x in (np.random.default_rng(0).normal(size=(2, 1, 4, 32, 32)),
              np.random.default_rng(1).normal(size=(2, 3, 1, 32, 32))):
        x = x.astype(np.float32)
        torch.manual_seed(0)
        model = build_model(name, x.shape[1], 3)
        probs = predict(model, x)
        assert probs.shape == (2, 3) and np.allclose(probs.sum(axis=1), 1, atol=1e-5)
        save_model(model, tmp_path / f"{name}.safetensors")
        back = load_model(tmp_path / f"{name}.safetensors", name, x.shape[1], 3)
        assert np.array_equal(predict(back, x), probs)


def test_flow_input_is_zero_on_a_still_clip_and_sees_motion(local):
    from equime.datasets.sample import Sample

    still = np.full((5, 40, 40, 3), 120, np.uint8)
    still[:, 10:30, 10:30] = 200
    moving = still.copy()
    moving[3:, 10:30, 12:32] = 200  # the square moves 2 px right from frame 3 on
    moving[3:, 10:30, 10:12] = 120

    def sample(frames: np.ndarray) -> Sample:
        s = Sample("synthetic", "a", "c", (), 24, "fear", "negative", onset=0, apex=4, offset=4,
                   video=Path("x.mp4"))  # positions are frame indices
        object.__setattr__(s, "load_frames", lambda: frames)
        return s

    spec = InputSpec(kind="flow", size=16)
    assert np.abs(clip_input(sample(still), spec)).max() == 0
    x = clip_input(sample(moving), spec)
    assert x.shape == (3, 1, 16, 16) and x[0].max() > 0.5 and abs(x[1]).max() < x[0].max()
