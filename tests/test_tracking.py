import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from equime.tracking import EXPERIMENT, flatten, mlflow_name, record_stage, tracking_uri


def test_flatten():
    assert flatten({"a": {"b": 1, "c": {"d": 2}}, "e": 3}) == {"a.b": 1, "a.c.d": 2, "e": 3}


def test_metric_names_mlflow_accepts():
    assert mlflow_name("by_cell.<30") == "by_cell.lt30"
    assert mlflow_name("by_cell.f/60+") == "by_cell.f/60plus"
    assert mlflow_name("a(b)") == "a_b_"


def test_record_stage_writes_dvc_metrics_and_an_mlflow_run(tmp_path: Path, monkeypatch):
    uri = f"sqlite:///{tmp_path / 'm.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    assert tracking_uri() == uri
    record_stage("plan", {"plan": {"fps": 24, "emotions": ["anger"]}},
                 {"clips": 4, "by": {"anger": 4}, "note": "text is not logged"},
                 tmp_path / "metrics" / "plan.json", timings={"seconds": 1.5})
    assert json.loads((tmp_path / "metrics" / "plan.json").read_text()) == {
        "by": {"anger": 4}, "clips": 4, "note": "text is not logged"}  # no timings in DVC files
    client = MlflowClient(uri)
    exp = client.get_experiment_by_name(EXPERIMENT)
    (run,) = client.search_runs([exp.experiment_id])
    assert run.info.run_name == "plan" and run.data.tags["stage"] == "plan"
    assert run.data.params == {"plan.fps": "24", "plan.emotions": "['anger']"}
    assert run.data.metrics == {"clips": 4.0, "by.anger": 4.0, "time.seconds": 1.5}


RECORD = """
import sys, time
from pathlib import Path
import mlflow  # imported before the start line, so that the processes really meet
from equime.tracking import record_stage
go = Path(sys.argv[1])
while not go.exists():
    time.sleep(0.01)
record_stage(f"stage{sys.argv[2]}", {"a": 1}, {"n": 1}, go.parent / f"m{sys.argv[2]}.json")
"""


@pytest.mark.slow  # processes racing to create the store (~14 s)
def test_processes_creating_the_store_at_once_all_record(tmp_path: Path, monkeypatch):
    uri = f"sqlite:///{tmp_path / 'fresh.db'}"
    env = {**os.environ, "MLFLOW_TRACKING_URI": uri}
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", RECORD, str(go), str(i)], env=env,
                              stderr=subprocess.PIPE, text=True) for i in range(3)]
    time.sleep(8)  # every process has imported mlflow and waits
    go.touch()
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [e[-600:] for e in errors]
    runs = MlflowClient(uri).search_runs(
        [MlflowClient(uri).get_experiment_by_name(EXPERIMENT).experiment_id])
    assert sorted(r.info.run_name for r in runs) == ["stage0", "stage1", "stage2"]
