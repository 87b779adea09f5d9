import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from equime.artifacts import plan
from equime.artifacts.curated import load_face
from equime.curate.curation import curate_into
from equime.errors import InputError
from equime.files import write_png
from equime.generate.runner import Shard, generate, generate_clips
from equime.params import parse_params
from equime.plan.planner import PlanSubject, plan_clips
from equime.video import EncoderOptions, probe_mp4
from tests.fixtures import REPO, aligned_astronaut, default_params_dict, single_au_row, warp

ENC = EncoderOptions(crf=23, preset="ultrafast", asm="AVX2")


def _rows(n: int = 3):
    base = single_au_row("12", 0.4, apex_frame=10, n_frames=24, duration_s=0.2)
    return [base.model_copy(update={"clip_id": f"astronaut_happiness_{i:02d}", "seq": i,
                                    "width": 128, "height": 128}) for i in range(1, n + 1)]


@pytest.fixture
def face_for(tmp_path: Path):
    png = tmp_path / "face.png"
    write_png(png, aligned_astronaut().image)
    face = load_face(png, aligned_astronaut().landmarks, 128, 128)
    return lambda row: face


def _bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_writes_clips_sidecars_log_and_resumes_without_rework(tmp_path: Path, face_for):
    out = tmp_path / "videos"
    report = generate_clips(_rows(), face_for, warp(), ENC, out, 1)
    assert [o.status for o in report.outcomes] == ["rendered"] * 3
    assert probe_mp4(out / "astronaut_happiness_01.mp4").frame_count == 24
    log = [json.loads(x) for x in (out / "generation.jsonl").read_text().splitlines()]
    assert [r["clip_id"] for r in log] == [r.clip_id for r in _rows()]
    first = _bytes(out)
    again = generate_clips(_rows(), face_for, warp(), ENC, out, 1)
    assert [o.status for o in again.outcomes] == ["skipped"] * 3
    assert _bytes(out) == first
    assert again.metrics() == report.metrics()


def test_a_damaged_clip_or_changed_params_are_rendered_again(tmp_path: Path, face_for):
    out = tmp_path / "videos"
    generate_clips(_rows(), face_for, warp(), ENC, out, 1)
    clean = (out / "astronaut_happiness_02.mp4").read_bytes()
    (out / "astronaut_happiness_02.mp4").write_bytes(clean[:100])
    report = generate_clips(_rows(), face_for, warp(), ENC, out, 1)
    assert [o.status for o in report.outcomes] == ["skipped", "rendered", "skipped"]
    assert (out / "astronaut_happiness_02.mp4").read_bytes() == clean
    cubic = generate_clips(_rows(), face_for, warp(interpolation="cubic"), ENC, out, 1)
    assert [o.status for o in cubic.outcomes] == ["rendered"] * 3


def test_a_failing_clip_goes_to_rejects_and_the_run_goes_on(tmp_path: Path, face_for):
    rows = _rows()
    rows[1] = rows[1].model_copy(update={"width": 96})  # face is 128 wide: the backend refuses

    out = tmp_path / "videos"
    report = generate_clips(rows, face_for, warp(), ENC, out, 1)
    assert [o.status for o in report.outcomes] == ["rendered", "failed", "rendered"]
    rejects = pd.read_csv(out / "rejects.csv")
    assert rejects["clip_id"].tolist() == ["astronaut_happiness_02"]
    assert "wants 96x128" in rejects["reason"][0]
    assert report.metrics()["clips_failed"] == 1


def test_clips_no_longer_planned_and_partials_are_removed(tmp_path: Path, face_for):
    out = tmp_path / "videos"
    generate_clips(_rows(3), face_for, warp(), ENC, out, 1)
    (out / ".astronaut_happiness_09.mp4.x1.part").write_bytes(b"half")
    generate_clips(_rows(2), face_for, warp(), ENC, out, 1)
    assert sorted(p.name for p in out.iterdir()) == [
        "astronaut_happiness_01.json", "astronaut_happiness_01.mp4", "astronaut_happiness_02.json",
        "astronaut_happiness_02.mp4", "generation.jsonl", "rejects.csv"]


HOLD_AS_SHARD = """
import sys, time
from pathlib import Path
from equime.files import output_lock
out = Path(sys.argv[1])
with output_lock(out, shared=True), output_lock(out.with_name(out.name + ".shard-1-of-2")):
    (out / ".astronaut_happiness_01.mp4.x1.part").write_bytes(b"being written")
    print("running", flush=True)
    time.sleep(30)
"""


def test_a_whole_run_never_touches_a_running_shard_and_shards_share(tmp_path: Path, face_for):
    """Two generate runs into one folder: the whole run stops (one line) instead of deleting
    the running shard's partial files; another shard goes on beside it; the same shard stops."""
    out = tmp_path / "videos"
    out.mkdir()
    shard = subprocess.Popen([sys.executable, "-c", HOLD_AS_SHARD, str(out)], stdout=subprocess.PIPE,
                             text=True)
    try:
        assert shard.stdout.readline().strip() == "running"
        with pytest.raises(InputError, match=r"videos: another run is writing it now"):
            generate_clips(_rows(1), face_for, warp(), ENC, out, 1)
        assert (out / ".astronaut_happiness_01.mp4.x1.part").read_bytes() == b"being written"
        with pytest.raises(InputError, match=r"videos \(shard-1-of-2\): another run"):
            generate_clips(_rows(2), face_for, warp(), ENC, out, 1, Shard(1, 2))
        report = generate_clips(_rows(4), face_for, warp(), ENC, out, 1, Shard(2, 2))
        assert report.count("rendered") == len([r for r in _rows(4) if Shard(2, 2).owns(r.clip_id)])
    finally:
        shard.kill()
        shard.wait()
    # the shard died: its partial is stale now, and the whole run cleans it
    generate_clips(_rows(1), face_for, warp(), ENC, out, 1)
    assert not list(out.glob("*.part"))


def test_shards_then_a_whole_run_leave_what_one_run_leaves(tmp_path: Path, face_for, caplog):
    rows = _rows(4)
    single, sharded = tmp_path / "single" / "videos", tmp_path / "sharded" / "videos"
    generate_clips(rows, face_for, warp(), ENC, single, 1)
    caplog.set_level("INFO")
    bad = rows[0].model_copy(update={"width": 96})  # fails in its shard: a shard rejects file
    owner = next(s for s in (Shard(1, 2), Shard(2, 2)) if s.owns(bad.clip_id))
    for shard in (Shard(1, 2), Shard(2, 2)):
        generate_clips([bad, *rows[1:]], face_for, warp(), ENC, sharded, 1, shard)
    assert (sharded / f"rejects.{owner.part}.csv").is_file()
    with pytest.raises(InputError, match=r"holds shards of 2 \(.*\), not of 3; run shards i/2"):
        generate_clips(rows, face_for, warp(), ENC, sharded, 1, Shard(1, 3))
    generate_clips(rows, face_for, warp(), ENC, sharded, 1)  # dvc repro: the whole run
    assert _bytes(sharded) == _bytes(single)  # the same files (no shard rejects), same bytes
    assert not list(sharded.parent.glob(".videos.shard-*.lock"))
    generate_clips(rows, face_for, warp(), ENC, sharded, 1, Shard(1, 3))  # merged: any count now


def test_a_shard_says_where_its_rejects_are(tmp_path: Path, face_for, monkeypatch, caplog):
    tree = default_params_dict()
    tree["generate"]["preset"] = "ultrafast"
    p = parse_params(tree)
    caplog.set_level("INFO")
    class Store:  # the curated faces, as generate reads them
        table = None

        def __init__(self, folder):
            pass

        def __call__(self, row):
            return face_for(row)

    monkeypatch.setattr("equime.generate.runner.FaceStore", Store)
    generate(_rows(2), tmp_path / "cur", tmp_path / "videos", p.generate, p.recording,
             Shard(2, 2))
    assert "generate 2/2:" in caplog.text and "rejects.shard-2-of-2.csv" in caplog.text


def test_a_plan_id_that_is_a_path_is_refused(tmp_path: Path, face_for):
    row = _rows(1)[0].model_dump()
    plan_file = tmp_path / "plan.jsonl"
    plan_file.write_text(json.dumps({**row, "clip_id": "../escaped_clip"}) + "\n")
    with pytest.raises(InputError, match=r"plan.jsonl:1: clip_id: String should match pattern"):
        plan.read_plan(plan_file)
    with pytest.raises(InputError, match=r"clip_id: '\.\./escaped_clip' is not a valid name"):
        generate_clips([_rows(1)[0].model_copy(update={"clip_id": "../escaped_clip"})], face_for,
                       warp(), ENC, tmp_path / "videos", 1)
    assert not (tmp_path / "escaped_clip.mp4").exists()


def _stage(*args: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-P", str(REPO / "stages" / "generate.py"), *args],
                            cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_killed_generate_resumes_to_the_same_bytes_as_a_clean_run(tmp_path: Path):
    tree = default_params_dict()
    tree["plan"]["emotions"] = ["happiness", "surprise"]
    tree["generate"]["preset"] = "ultrafast"
    tree["curate"]["attributes"] = None
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(tree))
    p = parse_params(tree)
    src = tmp_path / "sources"
    src.mkdir()
    (src / "grace-hopper.jpg").write_bytes((REPO / "src/equime/demo_data/grace_hopper_512x512.jpg")
                                        .read_bytes())
    curate_into(src, p.curate, tmp_path / "curated")
    rows = plan_clips([PlanSubject("grace-hopper", "u")], p.plan, p.base.seed)
    plan.write_plan(tmp_path / "plan.jsonl", rows)
    generate(rows, tmp_path / "curated", tmp_path / "clean", p.generate, p.recording)

    gen = ["--plan", "plan.jsonl", "--faces", "curated", "--params", "params.yaml"]
    proc = _stage(*gen, "--out", "killed", cwd=tmp_path)  # killed once its first clip is complete
    deadline = time.monotonic() + 60
    while not list((tmp_path / "killed").glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(list((tmp_path / "killed").glob("*_[0-9][0-9].json")))
    assert 1 <= done < 4, "the kill should land mid-run"
    assert _stage(*gen, "--out", "killed", cwd=tmp_path).wait() == 0
    assert _bytes(tmp_path / "killed") == _bytes(tmp_path / "clean")
    assert not [p for p in (tmp_path / "killed").iterdir() if p.name.endswith(".part")]
