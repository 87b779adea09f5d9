import json

import cv2
import pandas as pd
import pytest

from equime.artifacts import longvideos
from equime.artifacts.curated import FaceImage
from equime.files import sha256_file
from equime.longvideo.runner import Settings, run_longvideos
from equime.megc import strs
from equime.megc.files import read_intervals
from equime.plan.planner import plan_clip
from equime.video import read_mp4
from tests import fixtures

pytestmark = pytest.mark.slow  # renders and spots a 7-s video


def test_a_long_video_holds_its_events_and_the_baseline_spots_the_macro_expression(tmp_path):
    p = fixtures.params(**{"plan.width": 256, "plan.height": 256, "longvideo.seconds": 7.0,
                           "longvideo.micro_per_video": 1, "longvideo.macro_per_video": 1,
                           "longvideo.macro_duration_s": [0.8, 1.5]})
    a = fixtures.aligned_astronaut()
    face = FaceImage(cv2.resize(a.image, (256, 256), interpolation=cv2.INTER_AREA),
                     a.landmarks * 0.5)
    row = plan_clip("astronaut", "f", "happiness", 1, p.plan, p.base.seed)
    s = Settings(p.longvideo, p.plan, p.generate.warp, p.recording, p.quality,
                 fixtures.encoder(), p.base.seed)
    out = tmp_path / "lv"
    report = run_longvideos([row], lambda r: face, out, s)
    video = longvideos.video_path(out, "astronaut-lv01")
    assert read_mp4(video).shape == (210, 256, 256, 3)
    events = pd.read_csv(out / "events.csv")
    assert list(events.columns) == longvideos.EVENT_COLUMNS
    assert sorted(events["Type"]) == ["Macro", "Micro - 1/2"]
    for name, kind in (("me_spotting.csv", "Micro - 1/2"), ("mae_spotting.csv", "Macro")):
        table = pd.read_csv(out / name)
        assert list(table.columns) == ["subject", "video", "onset", "offset", "emotion"]
        truth = events[events["Type"] == kind].iloc[0]
        assert (table.loc[0, "onset"], table.loc[0, "offset"]) == (truth["Onset"], truth["Offset"])
        assert table.loc[0, "emotion"] in {"positive", "negative", "surprise", "others"}
    rows = [json.loads(x) for x in (out / "me_lvqa.jsonl").read_text().splitlines()]
    assert {frozenset(r) for r in rows} == {frozenset(
        ("id", "video_id", "video", "subject", "question", "answer"))}
    assert rows[0]["answer"] == "2" and rows[1]["answer"] == "1" and rows[2]["answer"] == "1"
    # the baseline, scored as the organisers score: the macro-expression is found (IoU >= 0.5)
    macro = read_intervals(out / "mae_spotting.csv")
    found = [strs.Interval(r.subject, r.video, r.onset, r.offset, r.emotion)
             for r in longvideos.read_spots(out).itertuples() if r.type == "MaE"]
    assert any(strs.iou(f, macro[0]) >= 0.5 for f in found), (found, macro)
    assert report.metrics(out)["baseline"]["macro_spotting_f1"] > 0
    # a second run keeps the video (same key, same bytes) and writes the same tables
    before = {f.name: f.read_bytes() for f in out.iterdir() if f.is_file()}
    again = run_longvideos([row], lambda r: face, out, s)
    assert again.rendered == 0
    assert {f.name: f.read_bytes() for f in out.iterdir() if f.is_file()} == before
    # a sidecar of another layout (an older equime's) is no finished video: it is made again
    sidecar = video.with_suffix(".json")
    record = longvideos.read_sidecar(out, "astronaut-lv01")
    assert record is not None and record.sha256 == sha256_file(video) and record.frames == 210
    sidecar.write_text(json.dumps({**record.model_dump(), "extra": 1}))
    assert run_longvideos([row], lambda r: face, out, s).rendered == 1
    assert longvideos.read_sidecar(out, "astronaut-lv01") == record
