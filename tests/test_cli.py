import subprocess
import sys
from pathlib import Path

import yaml

from tests.fixtures import default_params_dict


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "equime.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def _last_line(res: subprocess.CompletedProcess) -> str:
    return res.stderr.strip().splitlines()[-1]


def test_bad_params_exit_2_with_one_line_and_no_traceback(tmp_path: Path):
    tree = default_params_dict()
    tree["plan"]["fps"] = 0
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(tree))
    res = _run("plan", "--subjects", "s.csv", "--out", "p.jsonl", cwd=tmp_path)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert _last_line(res) == ("error: params.yaml: plan.fps: Input should be greater than 0 "
                               "(got 0)")


def test_missing_inputs_are_named(tmp_path: Path):
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(default_params_dict()))
    res = _run("curate", "--source", "nowhere", "--out", "c", cwd=tmp_path)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert _last_line(res) == ("error: data/sources/annotations.csv: annotation file not found; "
                               "fix curate.attributes or set it to null")
    res = _run("generate", "--plan", "plan.jsonl", "--faces", "c", "--out", "v", cwd=tmp_path)
    assert _last_line(res) == ("error: plan.jsonl: not found; run the stage that writes it first "
                               "(dvc repro)")
    (tmp_path / "plan.jsonl").write_text('{"clip_id": "a_b_01"}\n')
    res = _run("export", "--plan", "plan.jsonl", "--subjects", "s.csv", "--videos", "v",
               "--out", "d", cwd=tmp_path)
    assert _last_line(res).startswith("error: plan.jsonl:1: subject: Field required")


def test_no_usable_face_is_an_error_after_writing_rejects(tmp_path: Path):
    tree = default_params_dict()
    tree["curate"]["attributes"] = None
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(tree))
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.jpg").write_bytes(b"\xff\xd8\xff garbage")
    res = _run("curate", "--source", "src", "--out", "cur", cwd=tmp_path)
    assert res.returncode == 2
    assert _last_line(res) == "error: src: no usable face among the inputs; see cur/rejects.csv"
    assert "a.jpg,not-an-image" in (tmp_path / "cur" / "rejects.csv").read_text()


def test_deepface_source_without_weights_stops_with_one_line(tmp_path: Path):
    tree = default_params_dict()
    tree["attributes"]["source"] = "deepface"
    tree["attributes"]["deepface_home"] = str(tmp_path / "home")
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(tree))
    (tmp_path / "cur").mkdir()
    (tmp_path / "cur" / "subjects.csv").write_text(
        "subject_id,source,sha256,attributes_source,attributes,landmarks\n")
    res = _run("attributes", "faces", "--faces", "cur", "--out", "f.csv", cwd=tmp_path)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    line = _last_line(res)
    assert line.startswith(f"error: deepface weights missing in {tmp_path / 'home'}/.deepface/weights: "
                           "facial_expression_model_weights.pth, age_model_weights.pth")
    assert line.endswith("or set attributes.source: annotations")
    assert not (tmp_path / "f.csv").exists()
