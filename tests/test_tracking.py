import json
from pathlib import Path

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
