"""Each artifact's one reader takes back what its one writer wrote, and names what is wrong."""

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
    videos.write_log(tmp_path, [{"clip_id": "a", "sha256": "0"}])
    assert videos.read_log(tmp_path) == {"a": {"clip_id": "a", "sha256": "0"}}
    assert videos.read_sidecar(tmp_path, "a") is None
    videos.write_sidecar(tmp_path, {"clip_id": "a", "render_key": "k"})
    assert videos.read_sidecar(tmp_path, "a") == {"clip_id": "a", "render_key": "k"}


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
