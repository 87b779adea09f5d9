"""The real-data protocols on loader fixtures: tiny CASME II, SAMM and SMIC copies in their own
layouts, with clip ids taken from the official MEGC 2019 label file."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

from equime.artifacts.baselines import save_state
from equime.baselines import train as train_module
from equime.baselines.evaluate import result_rows
from equime.baselines.fit import predict
from equime.baselines.inputs import clip_input
from equime.baselines.models import MODELS, build_model
from equime.baselines.params import RunParams
from equime.baselines.protocols import LABEL_SETS
from equime.baselines.train import load_model, train_run
from equime.datasets.params import LocalDataset
from equime.datasets.registry import source_loader
from equime.resume import ItemStore
from tests.fixtures import params

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
    return {"casme2": LocalDataset(root=str(root / "casme2"), sheet=str(root / "casme2.csv")),
            "samm": LocalDataset(root=str(root / "samm"), sheet=str(root / "samm.csv")),
            "smic": LocalDataset(root=str(root / "smic"), variant="HS")}


def _spec(**kw) -> RunParams:
    base = {"protocol": "loso", "train": ("megc",), "test": ("megc",), "model": "cnn3d",
            "input": "frames", "classes": "megc3"}
    return RunParams(**{**base, **kw})


# 4 frames of 16², 2 epochs; validation: a quarter of the training subjects
FAST = params(**{"baselines.frames": 4, "baselines.size": 16, "baselines.epochs": 2,
                 "baselines.batch_size": 4, "baselines.lr": 1e-3}).baselines


def test_megc_composite_loso_runs_one_fold_per_subject(local, tmp_path: Path):
    result = train_run(_spec(), FAST, 0, source_loader(None, local), tmp_path)
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
    again = train_run(_spec(), FAST, 0, source_loader(None, local))
    assert again.predictions.equals(p)  # seeded: the same params give the same predictions


def test_cross_dataset_holdout_and_mixing(local):
    load = source_loader(None, local)
    r = train_run(_spec(protocol="holdout", train=("casme2", "smic"), test=("samm",),
                        mix={"smic": 0.5}), FAST, 0, load)
    assert r.folds == 1 and set(r.predictions["dataset"]) == {"samm"}
    assert r.samples == 4 + 2 + 4  # CASME II 4 + half of SMIC's 2 subjects (2 clips) + SAMM 4
    with pytest.raises(Exception, match="casme3: not configured"):
        train_run(_spec(protocol="holdout", train=("casme3",), test=("samm",)), FAST, 0, load)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_each_model_takes_both_inputs_and_round_trips_through_safetensors(name, tmp_path: Path):
    for x in (np.random.default_rng(0).normal(size=(2, 1, 4, 32, 32)),
              np.random.default_rng(1).normal(size=(2, 3, 1, 32, 32))):
        x = x.astype(np.float32)
        torch.manual_seed(0)
        model = build_model(name, x.shape[1], 3)
        probs = predict(model, x)
        assert probs.shape == (2, 3) and np.allclose(probs.sum(axis=1), 1, atol=1e-5)
        save_state(tmp_path / f"{name}.safetensors", model.state_dict())
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
        object.__setattr__(s, "frames_at", lambda positions: frames[list(positions)])
        return s

    assert np.abs(clip_input(sample(still), "flow", 8, 16)).max() == 0
    x = clip_input(sample(moving), "flow", 8, 16)
    assert x.shape == (3, 1, 16, 16) and x[0].max() > 0.5 and abs(x[1]).max() < x[0].max()


def test_a_stopped_training_resumes_at_its_next_fold_to_the_same_bytes(local, tmp_path: Path,
                                                                      monkeypatch):
    load = source_loader(None, local)
    clean = train_run(_spec(), FAST, 0, load, tmp_path / "clean")
    store = ItemStore(tmp_path / "run")
    train_run(_spec(), FAST, 0, load, tmp_path / "first", store)
    # stopped after four of the six folds: the last two folds' entries were never written
    for fold in ("smic/s1", "smic/s2"):
        (store.folder / f"{store._stem(fold)}.json").unlink()
    fitted: list[str] = []
    real = train_module.fit
    monkeypatch.setattr(train_module, "fit", lambda x, y, tr, *a: fitted.append(len(tr))
                        or real(x, y, tr, *a))
    resumed = train_run(_spec(), FAST, 0, load, tmp_path / "resumed", store)
    assert len(fitted) == 2  # only the two unfinished folds were trained
    assert resumed.predictions.equals(clean.predictions)
    models = sorted(p.name for p in (tmp_path / "clean" / "models").iterdir())
    assert sorted(p.name for p in (tmp_path / "resumed" / "models").iterdir()) == models
    for name in models:
        assert (tmp_path / "resumed" / "models" / name).read_bytes() == \
            (tmp_path / "clean" / "models" / name).read_bytes()
    assert clean.predictions["confidence"].map(lambda c: len(str(c).split(".")[-1]) <= 4).all()
