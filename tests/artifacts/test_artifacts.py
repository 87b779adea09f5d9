"""Each artifact's one reader takes back what its one writer wrote, and names what is wrong."""

import json
from pathlib import Path

import pandas as pd
import pytest

from equime.artifacts import face_attributes, plan, verdicts, videos
from equime.artifacts.face_attributes import Demography
from equime.errors import InputError
from tests.fixtures import single_au_row


def test_plan_round_trip_and_a_bad_row_names_its_line(tmp_path: Path):
    rows = [single_au_row("12", 0.3), single_au_row("4", 0.2)]
    plan.write_plan(tmp_path / "plan.jsonl", rows)
    assert plan.read_plan(tmp_path / "plan.jsonl") == rows
    (tmp_path / "plan.jsonl").write_text('{"clip_id": "a_b_01"}\n')
    with pytest.raises(InputError, match=r"plan.jsonl:1: subject: Field required; rerun the plan"):
        plan.read_plan(tmp_path / "plan.jsonl")
    with pytest.raises(InputError, match=r"nope.jsonl: not found; run the stage that writes it"):
        plan.read_plan(tmp_path / "nope.jsonl")


def test_face_attributes_round_trip_and_their_source_is_checked(tmp_path: Path):
    rows = {"ann": Demography(source="deepface", gender="f", gender_confidence=0.9, race="asian",
                              race_confidence=0.6, age=31.5, emotion="neutral"),
            "bob": Demography(source="deepface", status="no-face")}
    face_attributes.write(tmp_path / "faces.csv", rows)
    assert face_attributes.read(tmp_path / "faces.csv", source="deepface") == rows
    with pytest.raises(InputError, match=r"made from \['deepface'\] but attributes.source is "
                                         r"'annotations'; rerun `dvc repro attributes_faces`"):
        face_attributes.read(tmp_path / "faces.csv", source="annotations")


def test_verdicts_and_the_generation_log(tmp_path: Path):
    table = pd.DataFrame({"clip_id": ["a", "b"], "passed": [True, False], "reasons": ["", "x"]})
    verdicts.write(tmp_path / "v.csv", table)
    assert verdicts.by_clip(verdicts.read(tmp_path / "v.csv")) == {"a": (True, ""), "b": (False, "x")}
    with pytest.raises(InputError, match=r"generation.jsonl: not found; run `dvc repro generate`"):
        videos.read_log(tmp_path)
    record = generation_record("a")
    videos.write_log(tmp_path, [record])
    assert videos.read_log(tmp_path) == {"a": record}
    assert videos.read_sidecar(tmp_path, "a") is None
    videos.write_sidecar(tmp_path, record)
    assert videos.read_sidecar(tmp_path, "a") == record
    # a sidecar of another layout (an older equime's, a half-written one) is no finished clip
    (tmp_path / "a.json").write_text('{"clip_id": "a", "render_key": "k"}')
    assert videos.read_sidecar(tmp_path, "a") is None
    (tmp_path / "a.json").write_text('{"clip_id": "a", "sha2')
    assert videos.read_sidecar(tmp_path, "a") is None
    # a log line of another layout is a one-line error naming it and its field
    (tmp_path / videos.LOG).write_text(
        json.dumps(record.model_dump()) + "\n" + json.dumps({**record.model_dump(), "fps": "x"})
        + "\n")
    with pytest.raises(InputError, match=r"generation.jsonl: line 2: fps: Input should be a valid "
                                         r"integer.*; rerun `dvc repro generate`$"):
        videos.read_log(tmp_path)


def generation_record(clip_id: str) -> videos.GenerationRecord:
    return videos.GenerationRecord(
        clip_id=clip_id, sha256="0" * 64, render_key="k", frames_sha256="1" * 64, backend="warp",
        motion="facs", backend_params={}, encoder={}, n_frames=12, frames_generated=12,
        frames_kept=12, fps=24, width=64, height=64, expressive_frames=10,
        peak_mean_abs_change=1.5, peak_frame=6)


def test_a_retime_record_is_the_metadata_motion_block(tmp_path: Path):
    """A retimed clip's record, written and read back, is typed; the metadata's motion block is
    its motion facts, field for field."""
    from equime.artifacts import clips
    from equime.artifacts.metadata import Motion
    from equime.artifacts.plan import Timing

    timing = clips.ClipTiming(**Timing(onset_s=0.1, apex_s=0.2, offset_s=0.3, onset_frame=2,
                                       apex_frame=5, offset_frame=7, duration_s=0.2).model_dump(),
                              fps=24.0)
    record = clips.RetimeRecord(
        clip_id="c", sha256="0" * 64, retime_key="k", source_sha256="1" * 64,
        motion_source="generated", timing=timing, retimed=True, raw_frames=97, raw_apex_frame=40,
        alpha=0.25, measured_aus={"12": 0.3, "6": 0.2},
        outline_share=clips.OutlineShare(raw=0.4, me=None),
        stabilisation=clips.Stabilisation(rigid_at_apex_iod=0.01, identity_at_apex=0.9,
                                          frames_analysed=20, frames_usable=19))
    clips.write_log(tmp_path, [record])
    assert clips.read_log(tmp_path) == {"c": record}
    clips.write_sidecar(tmp_path, record)
    assert clips.read_sidecar(tmp_path, "c") == record
    assert videos.read_sidecar(tmp_path, "c") is None  # not a generation record
    motion = Motion.of(record)
    assert (motion.source, motion.retimed, motion.raw_frames, motion.alpha) == \
        ("generated", True, 97, 0.25)
    assert motion.stabilisation == record.stabilisation and motion.sample is None
    with pytest.raises(ValueError, match=r"raw_apex_s_typo\n  Extra inputs are not permitted"):
        clips.RetimeRecord(**record.model_dump(), raw_apex_s_typo=1.0)


def test_a_tampered_manifest_entry_is_an_error_not_a_path(tmp_path: Path):
    from equime.artifacts.dataset import MANIFEST_COLUMNS, read_manifest

    root = tmp_path / "ME-VLM"
    (root / "emotion_categories" / "anger").mkdir(parents=True)
    row = dict.fromkeys(MANIFEST_COLUMNS, "x")
    good = {**row, "video": "emotion_categories/anger/f_a_01.mp4"}
    pd.DataFrame([good]).to_csv(root / "manifest.csv", index=False)
    assert read_manifest(root)["video"].tolist() == [good["video"]]
    for bad in ("../../../etc/passwd", "/etc/passwd"):
        pd.DataFrame([good, {**row, "video": bad}]).to_csv(root / "manifest.csv", index=False)
        with pytest.raises(InputError, match=r"manifest\.csv line 3 video: "):
            read_manifest(root)
