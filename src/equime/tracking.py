"""One place where every stage records its params and metrics: a DVC metrics file and MLflow.

DVC metrics files are stage outputs hashed into ``dvc.lock``, so they hold only deterministic
numbers; wall-clock figures go to MLflow alone (``timings``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from equime import __version__
from equime.files import output_lock, write_json

DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"
EXPERIMENT = "equime"
log = logging.getLogger(__name__)


def tracking_uri() -> str:
    return os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` → ``{"a.b": 1}``."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


_MLFLOW_WORDS = {"<": "lt", ">": "gt", "+": "plus"}


def mlflow_name(key: str) -> str:
    """A metric/param name MLflow accepts: '<30' → 'lt30', '60+' → '60plus', others → '_'."""
    for char, word in _MLFLOW_WORDS.items():
        key = key.replace(char, word)
    return re.sub(r"[^\w\-. :/]", "_", key)


def git_commit(cwd: Path | None = None, paths: Sequence[str] = ()) -> str:
    """HEAD, or with ``paths`` the last commit that changed them; "unknown" outside git."""
    cmd = ["git", "log", "-1", "--format=%H", "--", *paths] if paths else ["git", "rev-parse", "HEAD"]
    try:
        res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (res.stdout.strip() or "unknown") if res.returncode == 0 else "unknown"


def record_stage(
    stage: str,
    params: Mapping[str, Any],
    metrics: Mapping[str, Any],
    metrics_path: Path,
    timings: Mapping[str, float] | None = None,
    artifacts: Sequence[Path] = (),
) -> None:
    """Write ``metrics`` to ``metrics_path`` (DVC) and log params + metrics + timings (and any
    ``artifacts``: plots, model files) to MLflow."""
    write_json(metrics_path, dict(metrics))
    with _store_lock(tracking_uri()):
        _log_run(stage, params, metrics, timings, artifacts)
    log.info("%s: metrics in %s, MLflow run at %s", stage, metrics_path, tracking_uri())


def _store_lock(uri: str) -> contextlib.AbstractContextManager[None]:
    """For a SQLite store, one process at a time: two processes that create the database at
    once collide in its schema migration (alembic); a server serialises by itself."""
    if uri.startswith("sqlite:///"):
        return output_lock(Path(uri.removeprefix("sqlite:///")), wait=True)
    return contextlib.nullcontext()


def _log_run(stage: str, params: Mapping[str, Any], metrics: Mapping[str, Any],
             timings: Mapping[str, float] | None, artifacts: Sequence[Path]) -> None:
    import mlflow  # imported here: ~2 s, and only stages that record need it

    mlflow.set_tracking_uri(tracking_uri())
    mlflow.set_experiment(EXPERIMENT)
    numeric = {
        mlflow_name(k): float(v)
        for k, v in flatten({**metrics, **{f"time.{k}": v for k, v in (timings or {}).items()}}).items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }
    with mlflow.start_run(run_name=stage):
        mlflow.set_tags({"stage": stage, "equime_version": __version__, "git_commit": git_commit()})
        mlflow.log_params({mlflow_name(k): str(v)[:500] for k, v in flatten(dict(params)).items()})
        mlflow.log_metrics(numeric)
        for path in artifacts:
            mlflow.log_artifact(str(path))
