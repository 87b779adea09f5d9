"""CI's check of a run against the committed dvc.lock: what must be identical fails, the rest is
listed."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import yaml

from equime.reproducibility import compare

LOCK = {"schema": "2.0", "stages": {
    "plan": {"outs": [{"path": "data/plan.jsonl", "md5": "a" * 32}]},
    "generate": {"outs": [{"path": "data/videos", "md5": "b" * 32 + ".dir"}]},
    "train@demo": {"outs": [{"path": "data/baselines/demo", "md5": "c" * 32 + ".dir"}]},
    "report": {"outs": [{"path": "report", "md5": "d" * 32 + ".dir"}]},
}}


def _changed(stage: str, md5: str) -> dict:
    lock = copy.deepcopy(LOCK)
    lock["stages"][stage]["outs"][0]["md5"] = md5
    return lock


def test_identical_locks_pass() -> None:
    diff = compare(LOCK, copy.deepcopy(LOCK))
    assert diff.ok and not diff.listed


def test_a_video_difference_fails_and_a_training_difference_is_listed() -> None:
    diff = compare(LOCK, _changed("generate", "e" * 32 + ".dir"))
    assert not diff.ok and diff.failures == [f"generate: data/videos ({'b' * 8} → {'e' * 8})"]
    diff = compare(LOCK, _changed("train@demo", "f" * 32 + ".dir"))
    assert diff.ok and len(diff.listed) == 1 and "instruction set" in diff.listed[0]


def test_a_missing_output_fails() -> None:
    current = copy.deepcopy(LOCK)
    del current["stages"]["plan"]
    diff = compare(LOCK, current)
    assert diff.failures == ["plan: data/plan.jsonl (missing here)"]


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_the_command_compares_with_head_not_the_index(tmp_path: Path) -> None:
    """dvc stages dvc.lock after a run: comparing with the index would hide the difference."""
    _git(tmp_path, "init", "-q")
    (tmp_path / "dvc.lock").write_text(yaml.safe_dump(LOCK))
    _git(tmp_path, "add", "dvc.lock")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "ref")
    (tmp_path / "dvc.lock").write_text(yaml.safe_dump(_changed("plan", "0" * 32)))
    _git(tmp_path, "add", "dvc.lock")  # what dvc's autostage does
    run = subprocess.run([sys.executable, "-m", "equime.reproducibility"], cwd=tmp_path,
                         capture_output=True, text=True)
    assert run.returncode == 1, run.stdout
    assert "DIFFERS: plan: data/plan.jsonl" in run.stdout
