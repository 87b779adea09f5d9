"""Train and predict one run (the train@<run> stage): every fold of its protocol, predictions
per test clip, each fold's chosen weights saved."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn
from tqdm import tqdm

from equime.artifacts.baselines import PREDICTION_COLUMNS, load_state, model_path, save_state
from equime.baselines.fit import fit, predict
from equime.baselines.inputs import clip_input
from equime.baselines.models import build_model
from equime.baselines.params import BaselinesParams, RunParams
from equime.baselines.protocols import LABEL_SETS, arrange, label_of, subject_key
from equime.baselines.split import Fold
from equime.datasets.sample import Sample
from equime.files import content_key, write_bytes
from equime.resume import ItemStore
from equime.sources import code_fingerprint


@dataclass(frozen=True)
class RunResult:
    predictions: pd.DataFrame
    samples: int
    dropped: int  # samples with no class in the label set
    folds: int


def _fold_key(x: np.ndarray, y: np.ndarray, fold: Fold, spec: RunParams, b: BaselinesParams,
              seed: int) -> str:
    """What one fold's result is made from: inputs, its split, params, seed and code."""
    return content_key({"x": hashlib.sha256(x.tobytes()).hexdigest(), "shape": list(x.shape),
                        "y": y.tolist(), "fold": [fold.name, list(fold.train), list(fold.val),
                                                  list(fold.test)],
                        "run": spec.model_dump(mode="json"), "baselines": b.model_dump(mode="json"),
                        "seed": seed, "code": code_fingerprint((__name__,))})


@contextlib.contextmanager
def _reproducible_torch() -> Iterator[None]:
    """One CPU thread and deterministic kernels while training: the reduction order of a
    multi-threaded kernel follows the core count, and its float sums then differ by machine."""
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(deterministic)


def train_run(spec: RunParams, b: BaselinesParams, seed: int,
              load: Callable[[str], list[Sample]], folder: Path | None = None,
              store: ItemStore | None = None) -> RunResult:
    """Every fold of ``spec``'s protocol: fit, keep the best epoch's weights (saved in the run
    ``folder``'s models/), predict the fold's test clips. With a ``store``, each finished fold
    is kept as it finishes, and a stopped run resumes at the next fold."""
    classes = LABEL_SETS[spec.classes]
    samples, folds, dropped = arrange(spec, b, seed, load)
    x = np.stack([clip_input(s, spec.input, b.frames, b.size)
                  for s in tqdm(samples, desc="inputs", unit="clip")])
    y = np.array([classes.index(label_of(s, spec.classes)) for s in samples])
    if store is not None:
        store.prune({f.name for f in folds})
    rows = []
    with _reproducible_torch():
        for fold in tqdm(folds, desc="folds", unit="fold"):
            key = _fold_key(x, y, fold, spec, b, seed)
            if store is not None and folder is not None and \
                    (done := store.get(fold.name, key)) is not None:
                write_bytes(model_path(folder, fold.name),
                            store.blob_path(fold.name, "safetensors").read_bytes())
                rows += done
                continue
            trained = fit(x, y, fold.train, fold.val, len(classes), spec.model, b, seed)
            if folder is not None:
                save_state(model_path(folder, fold.name), trained.model.state_dict())
            probs = predict(trained.model, x[list(fold.test)])
            fold_rows = []
            for i, p in zip(fold.test, probs, strict=True):
                s = samples[i]
                fold_rows.append({
                    "fold": fold.name, "dataset": s.dataset, "subject": subject_key(s),
                    "clip_id": s.clip_id, "true": classes[y[i]],
                    "pred": classes[int(p.argmax())],
                    # 4 decimals: beyond them lives the float noise of the CPU's kernels
                    "confidence": round(float(p.max()), 4), "epoch": trained.epoch})
            if store is not None and folder is not None:
                store.put(fold.name, key, fold_rows,
                          {"safetensors": model_path(folder, fold.name).read_bytes()})
            rows += fold_rows
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
