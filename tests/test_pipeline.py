"""End to end through DVC, in a throw-away copy of the repository (slow: about a minute)."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
import yaml

from equime.video import probe_mp4
from tests.browser import broken_images, chromium, console_errors
from tests.dvc_graph import stray_files
from tests.fixtures import REPO

pytestmark = pytest.mark.slow
GIT = ["git", "-c", "user.name=equime-test", "-c", "user.email=test@equime.invalid"]


def _sh(cmd: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    if check:
        assert res.returncode == 0, (f"{' '.join(cmd)} failed:\n{res.stdout[-2000:]}\n"
                                     f"{res.stderr[-3000:]}")
    return res


def _out_hashes(repo: Path) -> dict[str, str]:
    lock = yaml.safe_load((repo / "dvc.lock").read_text())
    return {o["path"]: o["md5"] for st in lock["stages"].values() for o in st.get("outs", [])}


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file DVC tracks under ``folder`` (not the runs' locks and resume entries beside
    the outputs, which stay on the machine that ran them)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()
            and not any(re.fullmatch(r"\..+\.(lock|items)", part)
                        for part in p.relative_to(folder).parts)}


ME_VQA_TRAIN = {  # the MEGC ME-VQA training file's rows
    "type": "object", "additionalProperties": False,
    "required": ["id", "dataset", "image_id", "subject", "filename", "question", "answer"],
    "properties": {k: {"type": "string", "minLength": 1} for k in
                   ("id", "dataset", "image_id", "subject", "filename", "question", "answer")},
}
ME_VQA_TEST = {  # its test rows (the answers file: the same rows, answered)
    "type": "object", "additionalProperties": False,
    "required": ["id", "video_id", "video", "subject", "onset_frame", "offset_frame", "question",
                 "answer"],
    "properties": {**{k: {"type": "string", "minLength": 1}
                      for k in ("id", "video_id", "video", "subject", "question")},
                   "onset_frame": {"type": "integer", "minimum": 0},
                   "offset_frame": {"type": "integer", "minimum": 0},
                   "answer": {"type": "string"}},
}


def check_me_vqa(root: Path, subjects: set[str]) -> None:
    """The three ME-VQA files hold the challenge's fields; the split is by subject; every video
    they name is in the dataset."""
    from equime.megc.vqa import kind_of

    rows = {name: [json.loads(x) for x in (root / name).read_text().splitlines()]
            for name in ("me_vqa.jsonl", "me_vqa_test.jsonl", "me_vqa_test_answers.jsonl")}
    for r in rows["me_vqa.jsonl"]:
        jsonschema.validate(r, ME_VQA_TRAIN)
        assert (root / r["filename"]).is_file()
    for r in rows["me_vqa_test.jsonl"] + rows["me_vqa_test_answers.jsonl"]:
        jsonschema.validate(r, ME_VQA_TEST)
        assert (root / r["video"]).is_file() and r["onset_frame"] < r["offset_frame"]
    assert {r["answer"] for r in rows["me_vqa_test.jsonl"]} == {""}
    train = {r["subject"] for r in rows["me_vqa.jsonl"]}
    test = {r["subject"] for r in rows["me_vqa_test.jsonl"]}
    assert train and test and not train & test and train | test == subjects
    kinds = {kind_of(r["question"]) for r in rows["me_vqa.jsonl"] + rows["me_vqa_test.jsonl"]}
    assert kinds >= {"coarse", "fine", "aus", "shown", "combined"}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git + DVC copy of this project with 1 sequence per emotion, reproduced once."""
    root = tmp_path_factory.mktemp("e2e")
    dst = root / "a"
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    for rel in listed:
        if (REPO / rel).is_file():
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, dst / rel)
    for stale in ("dvc.lock", "metrics"):
        shutil.rmtree(dst / stale, ignore_errors=True) if (dst / stale).is_dir() \
            else (dst / stale).unlink(missing_ok=True)
    params = yaml.safe_load((dst / "params.yaml").read_text())
    params["plan"]["sequences_per_subject"] = 1
    # what this test checks does not hang on the paper-mode metrics or the training's length
    # (the main job in CI runs the defaults): the standard quality mode only, 3 epochs, 200
    # bootstrap resamples. The encoder stays as set: the camera's noise through it decides
    # which clips pass (at x264 ultrafast, 9 of the 10)
    params["quality"]["modes"] = ["standard"]
    params["baselines"]["epochs"] = 3
    params["baselines"]["bootstrap"] = 200
    (dst / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    _sh(["git", "init", "-q"], dst)
    _sh([*GIT, "add", "-A"], dst)
    _sh([*GIT, "commit", "-qm", "copy"], dst)
    _sh(["dvc", "repro"], dst)
    return dst


def test_the_dataset_is_complete_and_valid(repo: Path):
    root = repo / "data" / "dataset" / "ME-VLM"
    videos = sorted(root.glob("emotion_categories/*/*.mp4"))
    verdicts = pd.read_csv(repo / "data" / "verdicts.csv")
    passed = verdicts[verdicts["passed"]]
    # every clip that passes the filter is exported, and nothing else; each fires one to three
    # AUs as real MEs do (plan.au_source: observed), and a single faint AU (a one-sided AU20 or
    # an AU7 at B) can stay under the landmarks' noise on the grey, grainy Grace Hopper photo
    # (~2 px between filmed frames against a 2-3 px AU): at most two of the 10 miss the checks,
    # and each miss is the AU check's
    assert len(videos) == len(passed) >= 2 * 5 * 1 - 2, verdicts.to_string()
    assert verdicts.loc[~verdicts["passed"], "reasons"].str.contains("planned AUs not visible").all()
    schema = json.loads((root / "metadata.schema.json").read_text())
    for v in videos:
        info = probe_mp4(v)
        assert (info.frame_count, info.fps, info.width, info.height) == (144, 24.0, 512, 512)
        meta = json.loads((v.parent / "metadata" / f"{v.stem}_metadata.json").read_text())
        jsonschema.validate(meta, schema)
        assert meta["technical"]["sha256"] == info.sha256
        assert meta["quality"]["passed"] is True and meta["quality"]["peak_motion_px"] > 0
        demo = meta["demographic"]
        assert (demo["gender"], demo["gender_source"], demo["race"]) == ("f", "annotations", "white")
        assert demo["age_band"] == {"astronaut": "30-44", "grace-hopper": "60+"}[meta["subject"]]
    assert {v.parent.name for v in videos} == {"happiness", "sadness", "surprise", "fear", "anger"}
    groups = pd.read_csv(repo / "data" / "demographics" / "groups.csv", keep_default_na=False)
    exported = groups[(groups["step"] == "exported") & (groups["attribute"] == "age_band")]
    per_subject = passed["clip_id"].str.split("_").str[0].value_counts()
    assert dict(zip(exported["group"], exported["count"], strict=True)) == {
        "<30": 0, "30-44": per_subject.get("astronaut", 0), "45-59": 0,
        "60+": per_subject.get("grace-hopper", 0), "u": 0}
    assert (repo / "data" / "demographics" / "demographics.png").stat().st_size > 10_000
    html = (repo / "report" / "index.html").read_text()
    assert html.count('src="data:image/') >= 8 and "no human ratings yet (0 clips sampled" in html
    assert "no baseline results" not in html and "largest gap (uf1)" in html
    results = pd.read_csv(repo / "metrics" / "evaluation" / "demo" / "results.csv")
    assert results.loc[0, "n"] == len(passed) and 0 <= results.loc[0, "uf1_lo"] <= results.loc[0, "uf1"]
    with chromium() as driver:  # the pipeline's own report, in a real browser
        driver.get((repo / "report" / "index.html").as_uri())
        assert console_errors(driver) == [] and broken_images(driver) == []
    plan_rows = [json.loads(x) for x in (repo / "data" / "plan.jsonl").read_text().splitlines()]
    assert {r["au_source"] for r in plan_rows} == {"observed"}
    assert all(1 <= len(r["aus"]) <= 5 for r in plan_rows)
    assert sum(len(r["aus"]) <= 2 for r in plan_rows) >= 7  # most MEs fire one or two AUs
    check_me_vqa(root, {json.loads(m.read_text())["subject"] for m in root.rglob("*_metadata.json")})
    pairs = (root / "pairs.jsonl").read_text().splitlines()
    assert len(pairs) == len(videos) and all((root / json.loads(x)["video"]).is_file() for x in pairs)
    assert _sh(["dvc", "status", "-q"], repo, check=False).returncode == 0
    assert stray_files(repo) == []  # every output folder holds exactly its artifact's files
    # that a from-scratch run reproduces every one of them, byte for byte, is the main job's
    # check in CI (`.ci/run`: a fresh clone's `dvc repro` against the committed dvc.lock)
    assert sorted(_out_hashes(repo)) == [
        "data/attributes/clips", "data/attributes/faces.csv", "data/baselines/demo", "data/clips",
        "data/curated",
        "data/dataset", "data/demographics", "data/evaluation/demo", "data/longvideo",
        "data/plan.jsonl",
        "data/quality", "data/review", "data/selection", "data/sources", "data/summaries",
        "data/verdicts.csv", "data/videos", "metrics/attributes_clips.json",
        "metrics/attributes_faces.json", "metrics/curate.json", "metrics/demographics.json",
        "metrics/demographics_balance.csv", "metrics/evaluate_demo.json",
        "metrics/evaluation/demo/groups.csv", "metrics/evaluation/demo/results.csv",
        "metrics/export.json", "metrics/filter.json",
        "metrics/generate.json", "metrics/longvideo.json", "metrics/plan.json",
        "metrics/plan_timing.csv",
        "metrics/quality.json", "metrics/retime.json", "metrics/review.json", "metrics/select.json",
        "metrics/summary.json", "metrics/summary_table.csv",
        "report"]


def test_push_clone_pull_round_trip(repo: Path):
    _sh([*GIT, "add", "-A"], repo)
    _sh([*GIT, "commit", "-qm", "reproduced"], repo)
    _sh(["dvc", "push"], repo)
    clone = repo.parent / "b"
    _sh(["git", "clone", "-q", str(repo), str(clone)], repo.parent)
    # the summary tables are in git: a clone with no DVC cache diffs them against a commit
    plots = json.loads(_sh(["dvc", "plots", "diff", "HEAD", "--json"], clone).stdout)
    assert sorted(plots["data"]) == [
        "metrics/demographics_balance.csv", "metrics/evaluation/demo/groups.csv",
        "metrics/evaluation/demo/results.csv", "metrics/plan_timing.csv",
        "metrics/summary_table.csv"] and not plots.get("errors")
    _sh(["dvc", "pull"], clone)
    assert _tree(clone / "data") == _tree(repo / "data")
    assert _sh(["dvc", "status", "-q"], clone, check=False).returncode == 0
