"""Does a clip's motion carry its emotion? Leave-people-out classification of facial motion.

On the 20 LTX-Video samples in ``../shared/data/ltx_samples`` (20 people, 4 per emotion, the
emotion they were prompted for in the file name), two feature sets, one per clip:

(a) the generated clip's apex, stabilised onto its first frame (head pose undone), against it;
(b) the micro-expression retime renders from it, apex against neutral (before the camera and
    the encoder, which add noise to every pixel and no motion).

Features: the dense flow (neutral → apex, :func:`equime.faces.flow.face_flow`) averaged over an
8×8 grid on the face (outline to 0.3 IOD above the brows) in interocular units: 128 numbers
that keep where and which way the skin moved. Classifier: scikit-learn's logistic regression on
standardised features; 4 folds stratified by emotion (5 people each: every person is tested
once, never trained on). Retiming must not lose what the raw apex carries: (b) ≥ (a) − 0.1.
With 20 clips one accuracy step is 0.05 and chance (0.20) is reached by luck often: these are
figures for a small sample, not a benchmark of the generator.

Also printed: how many clips keep their prompted label under the measured-label rule
(:mod:`equime.retime.label`), and the warp backend's cross-person figure with ``observed``
plans (train on one demo person, test on the other, both ways), against which the LTX figures
read.

``--tiny``: 10 expression videos built in code (the demo face, 5 emotions' frequent AUs, the
head drifting and turning: ``tests/retime/made.py``) and a small warp plan; a smoke run.

    python benchmarks/bench_recognisability.py [--videos DIR] [--tiny]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from equime.faces.detect import FaceDetector
from equime.faces.flow import face_flow
from equime.facs import interocular
from equime.params import Params, load_params
from equime.plan.observed import frequent_aus
from equime.plan.timing import envelope, frame_times
from equime.retime.analyse import Unusable
from equime.retime.clip import retime_frames
from equime.retime.jobs import folder_jobs
from equime.retime.label import label_refusal
from equime.video import read_mp4, write_mp4

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO.parent / "shared" / "data" / "ltx_samples"
GRID = 8
ABOVE_BROWS_IOD = 0.3


def pooled_flow(neutral: np.ndarray, apex: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """(2·GRID²,) the flow neutral → apex averaged over a GRID×GRID grid on the face, in IOD."""
    unit = interocular(landmarks)
    flow = face_flow(neutral, apex, unit) / unit
    x0, x1 = landmarks[:17, 0].min(), landmarks[:17, 0].max()
    y0, y1 = landmarks[17:27, 1].min() - ABOVE_BROWS_IOD * unit, landmarks[:, 1].max()
    h, w = flow.shape[:2]
    xs = np.clip(np.linspace(x0, x1, GRID + 1).round().astype(int), 0, w)
    ys = np.clip(np.linspace(y0, y1, GRID + 1).round().astype(int), 0, h)
    cells = [flow[ys[i]:max(ys[i + 1], ys[i] + 1), xs[j]:max(xs[j + 1], xs[j] + 1)]
             .reshape(-1, 2).mean(axis=0) for i in range(GRID) for j in range(GRID)]
    return np.nan_to_num(np.concatenate(cells))


def accuracy(x: np.ndarray, y: np.ndarray, seed: int = 0) -> float:
    """Pooled accuracy over 4 folds stratified by label (fewer where a label has fewer clips;
    each clip tested once)."""
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    smallest = min(int((y == label).sum()) for label in set(y))
    folds = StratifiedKFold(n_splits=min(4, smallest), shuffle=True, random_state=seed)
    return float((cross_val_predict(model, x, y, cv=folds) == y).mean())


def cross_person(xa: np.ndarray, ya: np.ndarray, xb: np.ndarray, yb: np.ndarray) -> float:
    """Train on one person, test on the other, both ways; the mean accuracy."""
    out = []
    for (xt, yt), (xv, yv) in (((xa, ya), (xb, yb)), ((xb, yb), (xa, ya))):
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)).fit(xt, yt)
        out.append(float((model.predict(xv) == yv).mean()))
    return float(np.mean(out))


def generated_features(folder: Path, p: Params) -> tuple[list, list, list, list[str], int]:
    """Per usable clip: (a) and (b) features, its emotion; the rule's verdicts."""
    detector = FaceDetector(upsample=0)  # as the retime stage's (RetimeClips.setup)
    jobs, rejected = folder_jobs(folder, p.plan, p.base.seed, emotion_from_name=True)
    raw_x, me_x, labels, refused = [], [], [], [f"{n}: {why}" for n, why in rejected]
    kept = 0
    for job in jobs:
        raw = read_mp4(job.source)
        neutral, landmarks = raw[0], detector.fine_landmarks(raw[0])
        if landmarks is None:
            refused.append(f"{job.clip_id}: no face in the first frame")
            continue
        t = job.timing
        weights = envelope(frame_times(job.n_frames, float(job.fps)), t.onset_s, t.apex_s,
                           t.offset_s)
        try:  # motion first, whatever its label: (a) and (b) need every clip
            done = retime_frames(raw, float(job.fps), neutral, landmarks, weights, p.retime,
                                 detector, job.planned, fine=True)
        except Unusable as exc:
            refused.append(f"{job.clip_id}: {exc}")
            continue
        kept += not label_refusal(job.emotion, tuple(done.record["measured_aus"]))
        me = done.frames
        raw_x.append(pooled_flow(neutral, done.raw_apex, landmarks))
        me_x.append(pooled_flow(me[0], me[int(np.argmax(weights))], landmarks))
        labels.append(job.emotion)
    return raw_x, me_x, labels, refused, kept


def warp_cross_person(p: Params) -> float:
    """The warp backend: ``observed`` plans for the two demo people, trained on one, tested on
    the other (features at the planned apex)."""
    sys.path.insert(0, str(REPO))
    from PIL import Image
    from tests.bench_fixtures import demo_face

    from equime.artifacts.curated import FaceImage
    from equime.faces.align import align_face
    from equime.generate.warp import WarpRenderer
    from equime.plan.planner import PlanSubject, plan_clips

    c = p.curate
    hopper = np.asarray(Image.open(REPO / "src/equime/demo_data/grace_hopper_512x512.jpg")
                        .convert("RGB"))
    det = FaceDetector(c.upsample)
    aligned = align_face(hopper, det.detect(hopper)[0].landmarks, c.size, c.eye_distance, c.eye_y)
    faces = {"astronaut": demo_face(p), "hopper": FaceImage(aligned.image, aligned.landmarks)}
    renderer = WarpRenderer(p.generate.warp, p.recording)
    data = {}
    for name, face in faces.items():
        rows = plan_clips([PlanSubject(name, "f")], p.plan, p.base.seed)
        feats = []
        for row in rows:
            frames = renderer.render(row, face)
            feats.append(pooled_flow(frames[0], frames[row.timing.apex_frame], face.landmarks))
        data[name] = (np.array(feats), np.array([r.emotion for r in rows]))
    return cross_person(*data["astronaut"], *data["hopper"])


def tiny_videos(folder: Path, p: Params) -> Path:
    """10 videos of the demo face, two per emotion, each firing its emotion's frequent AUs."""
    sys.path.insert(0, str(REPO))
    from tests.bench_fixtures import demo_face
    from tests.retime.made import sustained

    face = demo_face(p, size=256)
    encoder = p.generate.encoder()
    for i, emotion in enumerate(p.plan.emotions * 2):
        aus = {code: 1.0 for code in frequent_aus(emotion)}
        write_mp4(folder / f"tiny_{emotion}_{i}.mp4", sustained(face, aus, n=24, seed=i), 24,
                  encoder)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--videos", type=Path, default=SAMPLES)
    parser.add_argument("--tiny", action="store_true", help="videos built in code (smoke run)")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    p = load_params(REPO / "params.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        folder = tiny_videos(Path(tmp), p) if args.tiny else args.videos
        if not any(folder.glob("*.mp4")):
            raise SystemExit(f"{folder}: no .mp4 clips; pass --videos DIR, or --tiny")
        raw_x, me_x, labels, refused, kept = generated_features(folder, p)
    y = np.array(labels)
    classes = sorted(set(labels))
    chance = max(labels.count(c) for c in classes) / len(labels)
    a, b = accuracy(np.array(raw_x), y), accuracy(np.array(me_x), y)
    print(f"clips: {len(labels)} usable from {folder} ({len(classes)} emotions: "
          f"{', '.join(classes)}); refused: {len(refused)}")
    for line in refused:
        print(f"  refused {line}")
    print(f"(a) raw apex, stabilised:  {a:.2f}  (chance {chance:.2f})")
    print(f"(b) the ME clips:          {b:.2f}  (target: >= (a) - 0.1 = {a - 0.1:.2f})")
    print(f"prompted label kept under the measured-label rule: {kept} of {len(labels)}")
    if not args.tiny:
        print(f"warp, observed plans, trained on one demo person, tested on the other: "
              f"{warp_cross_person(p):.2f} (chance {1 / len(p.plan.emotions):.2f})")
    if args.tiny:
        print("(tiny: videos built in code; the figures only show the script runs)")


if __name__ == "__main__":
    main()
