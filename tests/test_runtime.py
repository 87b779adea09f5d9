"""The stage runtime: one-line errors with exit status 2, the params a stage reads, its record."""

import errno
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from mlflow.tracking import MlflowClient

from equime.errors import InputError
from equime.runtime import Stage, command
from equime.tracking import EXPERIMENT
from tests.fixtures import REPO, default_params_dict


def test_an_equime_error_is_one_line_and_exit_2(capsys, monkeypatch):
    def main(path: Path) -> None:
        raise InputError(f"{path}: not found; run `dvc repro plan` first")

    monkeypatch.setattr(sys, "argv", ["stage", "plan.jsonl"])
    with pytest.raises(SystemExit) as exit_:
        command(main)
    assert exit_.value.code == 2
    assert capsys.readouterr().err == "error: plan.jsonl: not found; run `dvc repro plan` first\n"


@pytest.mark.parametrize("error", [
    OSError(errno.ENOSPC, "No space left on device", "data/clips/.a.mp4.x.part"),
    OSError(errno.EROFS, "Read-only file system", "data/clips/retime.jsonl"),
    PermissionError(errno.EACCES, "Permission denied", "data/clips"),
    MemoryError()], ids=["ENOSPC", "EROFS", "EACCES", "MemoryError"])
def test_the_environments_fault_anywhere_in_a_stage_is_one_line_and_exit_2(capsys, monkeypatch,
                                                                         error):
    def main() -> None:  # e.g. writing the rejects file once every clip is done
        raise error

    monkeypatch.setattr(sys, "argv", ["stage"])
    with pytest.raises(SystemExit) as exit_:
        command(main)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("error: " + ("out of memory" if isinstance(error, MemoryError)
                                       else f"{error.strerror}: {error.filename}; "))


def test_any_other_error_keeps_its_traceback(monkeypatch):
    def main() -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(sys, "argv", ["stage"])
    with pytest.raises(OSError, match="Input/output"):
        command(main)


def test_a_stage_script_with_bad_params_stops_with_one_line(tmp_path: Path):
    tree = default_params_dict()
    tree["plan"]["fps"] = 0
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(tree))
    res = subprocess.run([sys.executable, "-P", str(REPO / "stages" / "plan.py"), "--subjects",
                          "s.csv", "--out", "p.jsonl"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert res.stderr.strip().splitlines()[-1] == (
        "error: params.yaml: plan.fps: Input should be greater than 0 (got 0)")
    assert not (tmp_path / "p.jsonl").exists()


def test_a_stage_records_its_metrics_and_exactly_its_keys(tmp_path: Path, monkeypatch):
    uri = f"sqlite:///{tmp_path / 'm.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(default_params_dict()))
    stage = Stage("evaluate", tmp_path / "params.yaml", run="demo")
    stage.record({"uf1": 0.5, "n": 20}, tmp_path / "metrics" / "evaluate_demo.json")
    assert json.loads((tmp_path / "metrics" / "evaluate_demo.json").read_text()) == {
        "n": 20, "uf1": 0.5}
    client = MlflowClient(uri)
    (run,) = client.search_runs([client.get_experiment_by_name(EXPERIMENT).experiment_id])
    assert run.info.run_name == "evaluate@demo"
    assert run.data.params == {
        "base.seed": "20250501", "baselines.bootstrap": "1000",
        "baselines.runs.demo.protocol": "loso", "baselines.runs.demo.train": "['synthetic']",
        "baselines.runs.demo.test": "['synthetic']", "baselines.runs.demo.model": "cnn3d",
        "baselines.runs.demo.input": "flow", "baselines.runs.demo.classes": "emotion5"}
    assert set(run.data.metrics) == {"uf1", "n", "time.seconds"}
