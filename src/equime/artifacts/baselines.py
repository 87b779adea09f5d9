"""A trained run (``data/baselines/<run>``): ``predictions.csv`` (every fold's test clips with the
true and predicted class and the confidence), ``run.json`` (the run, its sample counts and folds)
and ``models/<fold>.safetensors`` (the chosen weights of each fold; loading runs no code)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from equime.errors import InputError
from equime.files import atomic_path, staged_dir, write_csv, write_json

PATH = "data/baselines/{run}"
FILES = ("predictions.csv", "run.json", "models/*.safetensors")
PREDICTION_COLUMNS = ["fold", "dataset", "subject", "clip_id", "true", "pred", "confidence",
                      "epoch"]


@contextmanager
def writing(out: Path) -> Iterator[Path]:
    """The run's folder, built aside and swapped in whole when training has finished."""
    with staged_dir(out) as staging:
        yield staging


def model_path(folder: Path, fold: str) -> Path:
    return folder / "models" / f"{fold.replace('/', '_')}.safetensors"


def save_state(path: Path, state: dict[str, Any]) -> None:
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        save_file({k: v.contiguous() for k, v in state.items()}, str(tmp))


def load_state(path: Path) -> dict[str, Any]:
    """safetensors holds tensors only: loading cannot run code (the weights_only guarantee)."""
    from safetensors.torch import load_file

    return load_file(str(path))


def model_files(folder: Path) -> list[Path]:
    return sorted((folder / "models").glob("*.safetensors"))


def write_results(folder: Path, predictions: pd.DataFrame, facts: dict[str, Any]) -> None:
    write_csv(folder / "predictions.csv", predictions[PREDICTION_COLUMNS])
    write_json(folder / "run.json", facts)


def read_predictions(folder: Path, run: str) -> pd.DataFrame:
    path = folder / "predictions.csv"
    if not path.is_file():
        raise InputError(f"{path}: not found; run `dvc repro train@{run}` first")
    return pd.read_csv(path, dtype={"subject": str, "clip_id": str}, keep_default_na=False)
