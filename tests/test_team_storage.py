"""Team storage as real components: a DVC remote on S3 (moto's S3 server on 127.0.0.1) that one
clone pushes to and another pulls from, and an MLflow tracking server that a stage records to.
Offline: nothing here leaves 127.0.0.1. Slow: subprocesses, ~15-30 s each on two cores."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from equime.runtime import stage_params
from equime.tracking import EXPERIMENT, flatten, mlflow_name, record_stage
from tests.fixtures import REPO

pytestmark = pytest.mark.slow
GIT = ["git", "-c", "user.name=equime-test", "-c", "user.email=test@equime.invalid"]
DVC = [sys.executable, "-m", "dvc"]
BUCKET, PREFIX = "equime-team", "dvcstore"
KEY_ID, SECRET = "AKIAEQUIMETEST", "equime-test-secret"  # moto accepts any pair
LOCAL = "127.0.0.1,localhost"


def _offline_env(tmp: Path, **extra: str) -> dict[str, str]:
    """This environment without AWS/DVC/MLflow settings; no AWS config files, no instance
    metadata, no DVC analytics or Studio, DVC's user/system config in ``tmp``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "DVC_", "MLFLOW_"))}
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        AWS_CONFIG_FILE=str(tmp / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp / "no-aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        DVC_NO_ANALYTICS="1", DVC_STUDIO_OFFLINE="1",
        DVC_GLOBAL_CONFIG_DIR=str(tmp / "dvc-global"), DVC_SYSTEM_CONFIG_DIR=str(tmp / "dvc-system"),
        DVC_SITE_CACHE_DIR=str(tmp / "dvc-site-cache"),
        NO_PROXY=LOCAL, no_proxy=LOCAL,
        **extra)
    return env


def _sh(cmd: list[str], cwd: Path, env: dict[str, str]) -> str:
    res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=180)
    assert res.returncode == 0, (f"{' '.join(cmd)} failed:\n{res.stdout[-2000:]}\n"
                                 f"{res.stderr[-3000:]}")
    return res.stdout


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# ---- DVC remote on S3 ----------------------------------------------------------------------

@pytest.fixture
def s3_endpoint(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """moto's S3 server on a free port of 127.0.0.1 (in this process), with an empty bucket."""
    from moto.server import ThreadedMotoServer

    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("NO_PROXY", LOCAL)
    monkeypatch.setenv("no_proxy", LOCAL)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)  # 0: a free port
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        _s3(url).create_bucket(Bucket=BUCKET)
        yield url
    finally:
        server.stop()


def _s3(url: str) -> Any:  # boto3 generates its client types
    import boto3
    return boto3.client("s3", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET)


MAKE = """\
import json, pathlib, sys
src, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
(out / "nested").mkdir(parents=True, exist_ok=True)
files = sorted(p for p in src.rglob("*") if p.is_file())
(out / "index.json").write_text(json.dumps({p.name: p.stat().st_size for p in files}))
(out / "nested" / "joined.bin").write_bytes(b"".join(p.read_bytes() for p in files))
"""

PIPELINE = {"stages": {"make": {"cmd": "python make.py raw out", "deps": ["make.py", "raw"],
                                "outs": ["out"]}}}


def test_dvc_push_to_s3_then_pull_into_a_fresh_clone(s3_endpoint: str, tmp_path: Path):
    env = _offline_env(tmp_path)
    a = tmp_path / "a"
    (a / "raw" / "sub").mkdir(parents=True)
    (a / "raw" / "notes.txt").write_text("three subjects\n")
    (a / "raw" / "sub" / "noise.bin").write_bytes(os.urandom(300_000))
    (a / "raw" / "sub" / "empty.dat").write_bytes(b"")
    (a / "make.py").write_text(MAKE)
    (a / "dvc.yaml").write_text(yaml.safe_dump(PIPELINE, sort_keys=False))
    _sh(["git", "init", "-q"], a, env)
    _sh([*DVC, "init", "-q"], a, env)
    _sh([*DVC, "add", "-q", "raw"], a, env)
    _sh([*DVC, "repro", "-q"], a, env)
    # The remote as a team configures it: URL and endpoint committed, keys only in config.local.
    _sh([*DVC, "remote", "add", "-d", "team", f"s3://{BUCKET}/{PREFIX}"], a, env)
    _sh([*DVC, "remote", "modify", "team", "endpointurl", s3_endpoint], a, env)
    _sh([*DVC, "remote", "modify", "--local", "team", "access_key_id", KEY_ID], a, env)
    _sh([*DVC, "remote", "modify", "--local", "team", "secret_access_key", SECRET], a, env)
    _sh([*GIT, "add", "-A"], a, env)
    _sh([*GIT, "commit", "-qm", "data"], a, env)
    committed = _sh(["git", "show", "HEAD:.dvc/config"], a, env)
    assert s3_endpoint in committed and SECRET not in committed and KEY_ID not in committed
    assert ".dvc/config.local" not in _sh(["git", "ls-files"], a, env).split()

    _sh([*DVC, "push"], a, env)
    cache = a / ".dvc" / "cache"  # files/md5/..; runs/ (the run cache) is pushed only on request
    cached = {p.relative_to(cache).as_posix() for p in (cache / "files").rglob("*") if p.is_file()}
    keys = {o["Key"] for o in _s3(s3_endpoint).list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys == {f"{PREFIX}/{c}" for c in cached}  # every cached object, in DVC 3's layout
    assert len(keys) == 7 and sum(k.endswith(".dir") for k in keys) == 2  # 5 files, 2 folders

    b = tmp_path / "b"
    _sh(["git", "clone", "-q", str(a), str(b)], tmp_path, env)
    assert not (b / "raw").exists() and not (b / "out").exists()
    # A teammate's clone: no config.local, so credentials come from the environment.
    env_b = {**env, "AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET}
    _sh([*DVC, "pull"], b, env_b)
    for folder in ("raw", "out"):
        assert _files(b / folder) == _files(a / folder), folder
    assert json.loads((b / "out" / "index.json").read_text()) == {
        "empty.dat": 0, "noise.bin": 300_000, "notes.txt": 15}
    assert json.loads(_sh([*DVC, "status", "--json"], b, env_b)) == {}
    assert json.loads(_sh([*DVC, "status", "--cloud", "--json"], b, env_b)) == {}


# ---- MLflow tracking server ----------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{url}/health", timeout=2) as res:
            return res.status == 200
    except OSError:
        return False


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM to the server's process group (the CLI and its uvicorn worker), then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            os.killpg(proc.pid, signal.SIGKILL)  # any worker the CLI left behind
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue
        return


@pytest.fixture
def mlflow_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``mlflow server`` on 127.0.0.1: runs in SQLite, artifacts proxied into a folder; yields
    its URL and that folder. A port taken between choosing and binding: another port."""
    store, artifacts = tmp_path / "server", tmp_path / "server" / "artifacts"
    store.mkdir()
    env = _offline_env(tmp_path, MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false")
    for attempt in range(3):
        port = _free_port()
        url, log = f"http://127.0.0.1:{port}", store / f"server{attempt}.log"
        with log.open("w") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1",
                 "--port", str(port), "--workers", "1",
                 "--backend-store-uri", f"sqlite:///{store / 'mlflow.db'}",
                 "--serve-artifacts", "--artifacts-destination", str(artifacts)],
                cwd=store, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)  # its own process group, to stop its workers with it
        try:
            deadline = time.monotonic() + 120
            while proc.poll() is None and time.monotonic() < deadline and not _healthy(url):
                time.sleep(0.25)
            if proc.poll() is None and _healthy(url):
                yield url, artifacts
                return
            if "address already in use" not in log.read_text().lower():
                pytest.fail(f"mlflow server did not start:\n{log.read_text()[-3000:]}")
        finally:
            _stop(proc)
    pytest.fail("mlflow server: no free port in 3 tries")


def _subjects_csv(path: Path) -> None:
    path.write_text(
        "subject_id,attributes_source,status,gender,gender_confidence,race,race_confidence,"
        "age,age_band,cell\n"
        "ada,annotations,ok,f,,white,,35.0,30-44,30-44\n"
        "bo,annotations,ok,m,,asian,,70.0,60+,60+\n")


def test_a_stage_records_to_an_mlflow_server(mlflow_server: tuple[str, Path], tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch):
    import mlflow
    from mlflow import MlflowClient

    url, served = mlflow_server
    work = tmp_path / "work"
    work.mkdir()
    _subjects_csv(work / "subjects.csv")
    # A real stage, as `dvc repro plan` runs it, with the team's MLFLOW_TRACKING_URI ...
    stage = subprocess.Popen(
        [sys.executable, "-P", str(REPO / "stages" / "plan.py"), "--subjects", "subjects.csv",
         "--out", "plan.jsonl", "--plot", "timing.csv", "--params", str(REPO / "params.yaml"),
         "--metrics", "metrics/plan.json"],
        cwd=work, env=_offline_env(tmp_path, MLFLOW_TRACKING_URI=url),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:  # ... and meanwhile the recording in this process, with an artifact (as evaluate's plots)
        artifact = work / "curve.bin"
        artifact.write_bytes(os.urandom(50_000))
        monkeypatch.setenv("MLFLOW_TRACKING_URI", url)
        monkeypatch.setenv("NO_PROXY", LOCAL)
        monkeypatch.setenv("no_proxy", LOCAL)
        record_stage("evaluate@probe", {"baselines": {"bootstrap": 200}}, {"f1": {"macro": 0.5}},
                     work / "metrics" / "evaluate.json", timings={"fit": 2.0},
                     artifacts=[artifact])
        output = stage.communicate(timeout=180)[0]
    finally:
        mlflow.set_tracking_uri(None)  # record_stage set it; later tests resolve theirs afresh
        if stage.poll() is None:
            stage.kill()
            stage.wait()
    assert stage.returncode == 0, f"stages/plan.py failed:\n{output[-3000:]}"

    client = MlflowClient(tracking_uri=url)
    exp = client.get_experiment_by_name(EXPERIMENT)
    runs = {r.info.run_name: r for r in client.search_runs([exp.experiment_id])}
    assert sorted(runs) == ["evaluate@probe", "plan"]

    plan = runs["plan"]
    written = json.loads((work / "metrics" / "plan.json").read_text())
    assert written["clips"] == len((work / "plan.jsonl").read_text().splitlines()) > 0
    seconds = plan.data.metrics.pop("time.seconds")
    assert 0 < seconds < 120
    assert plan.data.metrics == {mlflow_name(k): float(v) for k, v in flatten(written).items()}
    keys = stage_params(yaml.safe_load((REPO / "params.yaml").read_text()), "plan")
    assert plan.data.params == {mlflow_name(k): str(v)[:500] for k, v in flatten(keys).items()}
    assert plan.data.tags["stage"] == "plan"

    probe = runs["evaluate@probe"]
    assert probe.data.metrics == {"f1.macro": 0.5, "time.fit": 2.0}
    assert probe.data.params == {"baselines.bootstrap": "200"}
    assert probe.info.artifact_uri.startswith("mlflow-artifacts:")  # proxied, not a client path
    assert [a.path for a in client.list_artifacts(probe.info.run_id)] == ["curve.bin"]
    got = Path(client.download_artifacts(probe.info.run_id, "curve.bin", str(tmp_path)))
    assert got.read_bytes() == artifact.read_bytes()
    stored = list(served.rglob("curve.bin"))  # on the server's side, in --artifacts-destination
    assert len(stored) == 1 and stored[0].read_bytes() == artifact.read_bytes()
