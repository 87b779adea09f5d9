"""Train and predict one run: every fold of its protocol, predictions per test clip."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from safetensors.torch import load_file, save_file
from torch import nn
from tqdm import tqdm

from equime.baselines.inputs import InputSpec, clip_input
from equime.baselines.models import build_model
from equime.baselines.protocols import LABEL_SETS, RunSpec, arrange, label_of, subject_key
from equime.baselines.train import TrainSpec, fit, predict
from equime.datasets.sample import Sample
from equime.files import atomic_path

PREDICTION_COLUMNS = ["fold", "dataset", "subject", "clip_id", "true", "pred", "confidence",
                      "epoch"]


@dataclass(frozen=True)
class RunResult:
    predictions: pd.DataFrame
    samples: int
    dropped: int  # samples with no class in the label set
    folds: int


def run(spec: RunSpec, inputs: InputSpec, training: TrainSpec,
        load: Callable[[str], list[Sample]], models_dir: Path | None = None) -> RunResult:
    classes = LABEL_SETS[spec.classes]
    samples, folds, dropped = arrange(spec, load)
    x = np.stack([clip_input(s, inputs) for s in tqdm(samples, desc="inputs", unit="clip")])
    y = np.array([classes.index(label_of(s, spec.classes)) for s in samples])
    rows = []
    for fold in tqdm(folds, desc="folds", unit="fold"):
        trained = fit(x, y, fold.train, fold.val, len(classes), training)
        if models_dir is not None:
            save_model(trained.model, models_dir / f"{fold.name.replace('/', '_')}.safetensors")
        probs = predict(trained.model, x[list(fold.test)])
        for i, p in zip(fold.test, probs, strict=True):
            s = samples[i]
            rows.append({"fold": fold.name, "dataset": s.dataset, "subject": subject_key(s),
                         "clip_id": s.clip_id, "true": classes[y[i]],
                         "pred": classes[int(p.argmax())], "confidence": round(float(p.max()), 6),
                         "epoch": trained.epoch})
    return RunResult(pd.DataFrame(rows, columns=PREDICTION_COLUMNS), len(samples), dropped,
                     len(folds))


def save_model(model: nn.Module, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(tmp))


def load_model(path: Path, name: str, channels: int, classes: int) -> nn.Module:
    """safetensors holds tensors only: loading cannot run code (the weights_only guarantee)."""
    model = build_model(name, channels, classes)
    model.load_state_dict(load_file(str(path)))
    return model
