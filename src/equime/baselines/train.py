"""Train and predict one run (the train@<run> stage): every fold of its protocol, predictions
per test clip, each fold's chosen weights saved."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from torch import nn
from tqdm import tqdm

from equime.artifacts.baselines import PREDICTION_COLUMNS, load_state, model_path, save_state
from equime.baselines.fit import fit, predict
from equime.baselines.inputs import clip_input
from equime.baselines.models import build_model
from equime.baselines.params import BaselinesParams, RunParams
from equime.baselines.protocols import LABEL_SETS, arrange, label_of, subject_key
from equime.datasets.sample import Sample


@dataclass(frozen=True)
class RunResult:
    predictions: pd.DataFrame
    samples: int
    dropped: int  # samples with no class in the label set
    folds: int


def train_run(spec: RunParams, b: BaselinesParams, seed: int,
              load: Callable[[str], list[Sample]], folder: Path | None = None) -> RunResult:
    """Every fold of ``spec``'s protocol: fit, keep the best epoch's weights (saved in the run
    ``folder``'s models/), predict the fold's test clips."""
    classes = LABEL_SETS[spec.classes]
    samples, folds, dropped = arrange(spec, b, seed, load)
    x = np.stack([clip_input(s, spec.input, b.frames, b.size)
                  for s in tqdm(samples, desc="inputs", unit="clip")])
    y = np.array([classes.index(label_of(s, spec.classes)) for s in samples])
    rows = []
    for fold in tqdm(folds, desc="folds", unit="fold"):
        trained = fit(x, y, fold.train, fold.val, len(classes), spec.model, b, seed)
        if folder is not None:
            save_state(model_path(folder, fold.name), trained.model.state_dict())
        probs = predict(trained.model, x[list(fold.test)])
        for i, p in zip(fold.test, probs, strict=True):
            s = samples[i]
            rows.append({"fold": fold.name, "dataset": s.dataset, "subject": subject_key(s),
                         "clip_id": s.clip_id, "true": classes[y[i]],
                         "pred": classes[int(p.argmax())], "confidence": round(float(p.max()), 6),
                         "epoch": trained.epoch})
    return RunResult(pd.DataFrame(rows, columns=PREDICTION_COLUMNS), len(samples), dropped,
                     len(folds))


def run_facts(name: str, spec: RunParams, result: RunResult) -> dict[str, Any]:
    """What ``run.json`` records: the run, its sample counts and folds."""
    return {"run": name, **spec.model_dump(mode="json"), "samples": result.samples,
            "dropped": result.dropped, "folds": result.folds}


def load_model(path: Path, name: str, channels: int, classes: int) -> nn.Module:
    model = build_model(name, channels, classes)
    model.load_state_dict(load_state(path))
    return model
