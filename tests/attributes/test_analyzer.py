"""The real deepface path, offline: deepface builds and runs its models from a weight folder
the test writes (see deepface_home.py); nothing in the adapter is mocked."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from equime.artifacts import face_attributes as faces_csv
from equime.attributes.analyzer import DeepfaceAnalyzer, MissingWeightsError, analyzer_for, to_record
from equime.attributes.clips import analysed_frames, clip_attributes
from equime.attributes.faces import face_attributes
from equime.attributes.labels import EMOTIONS, RACES
from equime.files import write_png
from equime.resume import ItemStore
from equime.video import write_mp4
from tests.attributes.deepface_home import install
from tests.fixtures import aligned_astronaut, encoder, params, single_au_row

# thresholds 0.8 gender agreement, 0.6 race, 10 years, 0.2 of frames without a face; every 3rd frame
ATTRIBUTES = params(**{"attributes.source": "deepface", "attributes.frame_step": 3}).attributes


@pytest.fixture
def analyzer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DeepfaceAnalyzer:
    home = install(tmp_path / "home", monkeypatch)
    analyzer = analyzer_for(ATTRIBUTES.model_copy(update={"deepface_home": str(home)}))
    assert analyzer is not None and analyzer.detector_backend == "opencv"
    return analyzer


def test_an_aligned_face_gives_a_typed_record(analyzer: DeepfaceAnalyzer):
    r = analyzer.analyze(aligned_astronaut().image)
    assert r.status == "ok" and r.faces == 1 and 0 < r.face_confidence <= 1
    assert r.gender in ("f", "m") and 0.5 <= r.gender_confidence <= 1
    assert r.race in RACES and 1 / 6 <= r.race_confidence <= 1
    assert list(r.emotion_scores) == list(EMOTIONS)
    assert sum(r.emotion_scores.values()) == pytest.approx(1.0, abs=1e-4)
    assert r.emotion == max(r.emotion_scores, key=r.emotion_scores.get)
    assert 0 <= r.age <= 100
    assert analyzer.analyze(aligned_astronaut().image) == r  # deterministic


def test_a_face_less_frame_is_an_explicit_no_face(analyzer: DeepfaceAnalyzer):
    r = analyzer.analyze(np.full((256, 256, 3), 128, np.uint8))
    assert r.status == "no-face" and r.gender is None and r.faces == 0


def test_missing_weights_stop_with_the_file_names(tmp_path: Path):
    with pytest.raises(MissingWeightsError) as err:
        DeepfaceAnalyzer("opencv", home=tmp_path)
    msg = str(err.value)
    assert "\n" not in msg and "equime models fetch deepface" in msg
    for name in ("facial_expression_model_weights.pth", "age_model_weights.pth",
                 "gender_model_weights.pth", "race_model_single_batch.pth"):
        assert name in msg


def test_deepface_quirks_stay_in_the_adapter():
    small = {"region": {"x": 0, "y": 0, "w": 10, "h": 10}, "age": 70, "face_confidence": 0.5,
             "dominant_gender": "Man", "gender": {"Woman": 10.0, "Man": 90.0}}
    big = {"region": {"x": 0, "y": 0, "w": 50, "h": 40}, "age": 31, "face_confidence": 0.9,
           "dominant_gender": "Woman", "gender": {"Woman": 75.0, "Man": 25.0},
           "dominant_race": "latino hispanic", "race": dict.fromkeys(RACES, 0.0) | {"latino hispanic": 60.0},
           "dominant_emotion": "sad", "emotion": {"sad": 80.0, "neutral": 20.0}}
    r = to_record([small, big])
    assert (r.age, r.gender, r.gender_confidence, r.faces) == (31.0, "f", 0.75, 2)
    assert (r.race, r.race_confidence) == ("latino hispanic", 0.6)
    assert r.emotion_scores == {"sad": 0.8, "neutral": 0.2}
    assert to_record([]).status == "no-face"


def test_source_faces_and_clips_through_deepface(analyzer: DeepfaceAnalyzer, tmp_path: Path):
    face = aligned_astronaut().image
    write_png(tmp_path / "faces" / "astronaut.png", face)
    subjects = pd.DataFrame([{"subject_id": "astronaut", "attributes": json.dumps({"Male": True})}])
    rows = face_attributes(subjects, tmp_path / "faces", analyzer)
    src = rows["astronaut"]
    assert (src.source, src.status) == ("deepface", "ok")
    assert src.gender == analyzer.analyze(face).gender  # deepface's, not the annotation's

    row = single_au_row("12", 0.3, n_frames=10).model_copy(update={"clip_id": "astronaut_x_01"})
    frames = np.stack([face] * 7 + [np.full_like(face, 128)] * 3)  # the face is lost at the end
    write_mp4(tmp_path / "videos" / "astronaut_x_01.mp4", frames, 24, encoder(crf=0))
    faces_csv.write(tmp_path / "faces.csv", rows)
    sources = faces_csv.read(tmp_path / "faces.csv", source="deepface")
    assert sources == rows
    clips, log = clip_attributes([row], tmp_path / "videos", sources, analyzer, ATTRIBUTES)
    assert analysed_frames(10, 3) == [0, 3, 6, 9] and [f["frame"] for f in log] == [0, 3, 6, 9]
    c = clips.iloc[0]
    assert (c.frames_analysed, c.frames_no_face) == (4, 1)
    assert c.gender_agreement == 1.0 and c.race_agreement == 1.0 and c.no_face_share == 0.25
    assert c["flags"] == "face-lost" and not c["consistent"]
    assert [f["status"] for f in log] == ["ok", "ok", "ok", "no-face"]
    # resume: a second run takes every clip from the store, without deepface, to the same table
    store = ItemStore(tmp_path / "clips_out")
    first = clip_attributes([row], tmp_path / "videos", sources, analyzer, ATTRIBUTES, store)
    again = clip_attributes([row], tmp_path / "videos", sources, _Refuses(), ATTRIBUTES, store)
    assert again[0].to_csv() == first[0].to_csv() == clips.to_csv() and again[1] == first[1] == log


class _Refuses:
    def analyze_many(self, images):
        raise AssertionError("a finished clip was analysed again")
