"""``equime score``: the challenges' files in, the figures out (one-line errors on bad files)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

EQUIME = Path(sys.executable).parent / "equime"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(EQUIME), "score", *args], capture_output=True, text=True,
                          timeout=120)


@pytest.mark.slow  # the CLI in subprocesses (~3 s)
def test_str_and_spotting_from_csv(tmp_path: Path):
    (tmp_path / "gt.csv").write_text("subject,video,onset,offset,emotion\n"
                                     "1,v,10,20,happiness\n1,v,100,130,surprise\n")
    (tmp_path / "pred.csv").write_text("subject,video,onset,offset,emotion\n"
                                       "1,v,10,20,happiness\n1,v,60,70,surprise\n")
    done = _run("str", "--pred", str(tmp_path / "pred.csv"), "--truth", str(tmp_path / "gt.csv"),
                "--mode", "corrected")
    assert done.returncode == 0, done.stderr
    f = json.loads(done.stdout)
    assert (f["TP spotting"], f["FP spotting"], f["FN spotting"]) == (1, 1, 1)
    assert f["STRS"] == 0.5 * round(2 * 0.5 * 0.5 / 1.0, 4)  # F1 0.5; analysis P 0.5 R 0.5
    spotting = json.loads(_run("spotting", "--pred", str(tmp_path / "pred.csv"), "--truth",
                               str(tmp_path / "gt.csv")).stdout)
    assert spotting["F1-score spotting"] == 0.5
    bad = _run("str", "--pred", str(tmp_path / "pred.csv"), "--truth", str(tmp_path / "gt.csv"),
               "--mode", "megc2019")
    assert bad.returncode == 2 and bad.stderr.strip() == ("error: --mode 'megc2019': one of "
                                                          "megc2025, corrected")


@pytest.mark.slow  # the CLI in subprocesses (~4 s)
def test_vqa_from_jsonl(tmp_path: Path):
    truth = [{"id": "a_1", "question": "What is the coarse expression class?", "answer": "positive"},
             {"id": "a_2", "question": "Is the action unit dimpler shown on the face?",
              "answer": "no"}]
    (tmp_path / "t.jsonl").write_text("".join(json.dumps(r) + "\n" for r in truth))
    (tmp_path / "p.jsonl").write_text(json.dumps({"id": "a_1", "answer": "Positive"}) + "\n")
    missing = _run("vqa", "--pred", str(tmp_path / "p.jsonl"), "--truth", str(tmp_path / "t.jsonl"))
    assert missing.returncode == 2 and "no answer to 1 question(s)" in missing.stderr
    with (tmp_path / "p.jsonl").open("a") as f:
        f.write(json.dumps({"id": "a_2", "answer": "yes"}) + "\n")
    done = _run("vqa", "--pred", str(tmp_path / "p.jsonl"), "--truth", str(tmp_path / "t.jsonl"))
    assert json.loads(done.stdout) == {"coarse": {"n": 1, "uf1": 1.0, "uar": 1.0},
                                       "shown": {"n": 1, "accuracy": 0.0}}
