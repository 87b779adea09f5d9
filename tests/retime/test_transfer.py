"""Motion transfer from a real micro-expression: a CASME II-layout clip built in code (one
person's AU12, its timing coded in the sheet) moves another person's face the same way."""

import json
from dataclasses import asdict

import cv2
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from equime.artifacts import curated
from equime.artifacts.curated import Curated, FaceImage, Subject
from equime.artifacts.selection import SubjectInfo
from equime.datasets import casme2
from equime.datasets.params import LocalDataset
from equime.errors import ParamsError
from equime.export.writer import export_dataset
from equime.faces.align import align_face
from equime.faces.detect import FaceDetector
from equime.facs import displacements
from equime.generate.render import render_field
from equime.generate.runner import generate
from equime.generate.warp import displacement_field
from equime.plan.planner import PlanSubject, plan_clips
from equime.plan.timing import envelope, frame_times, make_timing
from equime.quality.assess import assess_videos
from equime.quality.filter import verdict_table
from equime.retime.jobs import retime_plan
from equime.retime.transfer import transfer_frames
from tests.fixtures import REPO, aligned_astronaut, encoder, params

SHEET = ["Subject", "Filename", "OnsetFrame", "ApexFrame", "OffsetFrame", "Action Units",
         "Estimated Emotion"]


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    return FaceDetector(upsample=0)


def _hopper(detector: FaceDetector) -> FaceImage:
    photo = np.asarray(Image.open(REPO / "src/equime/demo_data/grace_hopper_512x512.jpg")
                       .convert("RGB"))
    a = align_face(photo, detector.detect(photo)[0].landmarks, 512, 0.24, 0.42)
    return FaceImage(a.image, a.landmarks)


def _astronaut() -> FaceImage:
    a = aligned_astronaut()
    return FaceImage(cv2.resize(a.image, (256, 256), interpolation=cv2.INTER_AREA),
                     a.landmarks * 0.5)


@pytest.fixture(scope="module")
def casme(tmp_path_factory: pytest.TempPathFactory, detector):
    """sub01/EP01_01: one person's AU12 in 14 frames (img11 … img24), coded onset img13, apex
    img19 (a colour face: its lip corners have the texture a flow needs to see them stretch)."""
    root = tmp_path_factory.mktemp("casme2")
    face = _astronaut()
    field = displacement_field(face.landmarks, displacements({"12": 1.0}, face.landmarks),
                               256, 256, 8)
    weights = np.clip(np.concatenate([np.zeros(3), np.sin(np.linspace(0.3, np.pi / 2, 6)),
                                      np.linspace(0.95, 0.3, 5)]), 0, 1)
    folder = root / "sub01" / "EP01_01"
    folder.mkdir(parents=True)
    for k, frame in enumerate(render_field(face.image, field, weights, "linear"), start=11):
        Image.fromarray(frame).save(folder / f"img{k}.jpg", quality=95)
    pd.DataFrame([SHEET, [1, "EP01_01", 13, 19, 24, "12", "happiness"]]).to_csv(
        root / "coding.csv", index=False, header=False)
    return root, face


def test_a_real_clips_motion_moves_another_face_the_same_way(casme, detector):
    root, source = casme
    loaded = casme2.load(root, root / "coding.csv")
    assert loaded.problems == [] and len(loaded.samples) == 1
    sample = loaded.samples[0]
    frames = sample.load_frames()
    onset, offset = sample.position(sample.onset), sample.position(sample.offset)
    target = _hopper(detector)  # another person, 512²
    t = make_timing(24, 0.15, 0.4, 24)
    weights = envelope(frame_times(48, 24), t.onset_s, t.apex_s, t.offset_s)
    done = transfer_frames(frames[onset:offset + 1], target, weights, params().retime, detector)
    # the frame of most motion: the coded apex, or its neighbour (5 ms at 200 fps)
    assert abs(done.record["raw_apex_frame"] - (sample.position(sample.apex) - onset)) <= 1
    me = done.frames
    assert np.array_equal(me[0], target.image) and np.array_equal(me[-1], target.image)
    lo, hi = params().retime.peak_iod
    assert lo <= done.record["me_peak_iod"] <= hi + 1e-6
    # the target's landmarks move as the source's did (both faces aligned alike): the known
    # source motion against the target's, tracked by optical flow on the rendered frames
    known = displacements({"12": 1.0}, source.landmarks)
    gray = [cv2.cvtColor(x, cv2.COLOR_RGB2GRAY) for x in (target.image, me[t.apex_frame])]
    flow = cv2.calcOpticalFlowFarneback(*gray, None, 0.5, 3, 15, 3, 5, 1.2, 0)
    tracked = np.stack([[cv2.getRectSubPix(np.ascontiguousarray(flow[..., c]), (1, 1),
                                           (float(x), float(y)))[0, 0] for c in (0, 1)]
                        for x, y in target.landmarks])
    r = np.corrcoef(known.ravel(), tracked.ravel())[0, 1]
    assert r >= 0.8, r
    # by landmarks (the NNLS AU estimate is too coarse on this grey, older photo to name a
    # subtle smile reliably): the lip corners rise and move out, as AU12 moves them
    dst0 = detector.fine_landmarks(target.image)
    moved = detector.fine_landmarks(me[t.apex_frame]) - dst0
    centre = dst0[27:36, 0].mean()
    assert moved[[48, 54], 1].mean() < -0.5  # up, by more than half a pixel
    assert moved[48, 0] * np.sign(dst0[48, 0] - centre) + moved[54, 0] * np.sign(
        dst0[54, 0] - centre) > 0  # and out
    assert isinstance(done.record["au_pattern_r"], float)
    assert np.hypot(*tracked[[48, 54]].T).min() > 2  # the lip corners move, as AU12 moves them


@pytest.mark.slow
def test_a_plan_whose_motion_is_a_datasets_moves_each_face_by_a_real_me(casme, detector,
                                                                          tmp_path):
    """plan.motion_source casme2: generate makes nothing for those rows, retime moves each face
    by a CASME II ME of the row's emotion (refusing, with the reason, where there is none), and
    the clip passes quality and filter and is exported with the sample named."""
    root, _ = casme
    p = params(**{"plan.width": 256, "plan.height": 256, "plan.clip_seconds": 2.0,
                  "plan.apex_window_s": [0.5, 1.5], "plan.emotions": ["happiness", "surprise"],
                  "plan.sequences_per_subject": 1, "plan.motion_source": "casme2",
                  "quality.workers": 1})
    photo = np.asarray(Image.open(REPO / "src/equime/demo_data/grace_hopper_512x512.jpg")
                       .convert("RGB"))
    a = align_face(photo, detector.detect(photo)[0].landmarks, 256, 0.24, 0.42)
    curated.write(tmp_path / "cur", Curated([Subject("hopper", "hopper.jpg", "0" * 64, {},
                                                     a.landmarks)], [], "none"), {"hopper": a.image})
    rows = plan_clips([PlanSubject("hopper", "f")], p.plan, p.base.seed)
    assert {r.motion_source for r in rows} == {"casme2"}
    report = generate(rows, tmp_path / "cur", tmp_path / "raw", p.generate, p.recording)
    assert report.outcomes == [] and not list((tmp_path / "raw").glob("*.mp4"))
    with pytest.raises(ParamsError, match=r"plan\.motion_source is generated but generate\.backend "
                                          r"warp makes facs"):
        generate([r.model_copy(update={"motion_source": "generated"}) for r in rows],
                 tmp_path / "cur", tmp_path / "raw", p.generate, p.recording)

    unset = retime_plan(rows, tmp_path / "raw", tmp_path / "cur", tmp_path / "none", p.retime,
                        p.recording.camera, encoder(preset="ultrafast"), {})
    assert {reason for _, reason in unset.rejects} == {
        "motion source casme2 is not configured: set datasets.casme2.root (and sheet) to a local "
        "copy"} and unset.records == []
    datasets = {"casme2": LocalDataset(root=str(root), sheet=str(root / "coding.csv"))}
    done = retime_plan(rows, tmp_path / "raw", tmp_path / "cur", tmp_path / "clips", p.retime,
                       p.recording.camera, encoder(preset="ultrafast"), datasets)
    happy, surprise = (next(r for r in rows if r.emotion == e) for e in ("happiness", "surprise"))
    assert done.rejects == [(surprise.clip_id, "casme2 has no sample of surprise (nor of its "
                                                "MEGC class)")]
    [rec] = done.records
    assert rec.clip_id == happy.clip_id and rec.sample == "casme2/sub01/EP01_01"
    assert rec.motion_source == "casme2" and rec.raw_apex_frame == 6  # img19 from img13
    again = retime_plan(rows, tmp_path / "raw", tmp_path / "cur", tmp_path / "clips", p.retime,
                        p.recording.camera, encoder(preset="ultrafast"), datasets)
    assert again.skipped == 1  # resumed: the sample's frames and the params are unchanged

    assessed = assess_videos(rows, tmp_path / "clips", tmp_path / "cur", p.quality)
    verdicts = verdict_table(pd.DataFrame(assessed.records), p.filter)
    [v] = verdicts.itertuples()
    assert v.clip_id == happy.clip_id and v.passed, v.reasons
    subjects = {"hopper": SubjectInfo("hopper", "hopper.jpg", "0" * 64, {}, "annotations",
                                      gender="f")}
    summary = export_dataset(rows, subjects, tmp_path / "clips", tmp_path / "raw",
                             tmp_path / "ds", p.export, 1, verdicts={happy.clip_id: (True, "")})
    assert summary.exported == 1 and summary.missing == [surprise.clip_id]
    [meta] = [json.loads(m.read_text()) for m in (tmp_path / "ds").rglob("*_metadata.json")]
    g = meta["generation"]
    assert g["backend"] == "transfer" and g["backend_params"] == {"sample": "casme2/sub01/EP01_01"}
    assert g["motion"]["sample"] == "casme2/sub01/EP01_01" and g["motion"]["sample_aus"] == "12"
    assert g["encoder"] == asdict(encoder(preset="ultrafast"))
