"""The training loop learns: a small 3D-CNN on onset→apex flow of warp clips classifies the
emotions of a person it never saw (the warp backend's AU patterns differ). The clips are filmed
as the defaults say (camera noise, a living face that sways and blinks, AU shading) and go
through the encoder and back, as the pipeline's do."""

import numpy as np
import pytest
from PIL import Image

from equime.artifacts.curated import FaceImage
from equime.baselines.fit import fit, predict
from equime.baselines.inputs import flow_input
from equime.baselines.metrics import pooled_uf1_uar
from equime.baselines.split import loso_folds
from equime.faces.align import align_face
from equime.plan.planner import PlanSubject, plan_clips
from equime.video import read_mp4, write_mp4
from tests.fixtures import REPO, astronaut, detector, encoder, filmed_warp, params, plan_spec

SIZE = 128


def _faces() -> dict[str, FaceImage]:
    """Two people, each in two lightings (the variants of one person stay in one fold)."""
    people = {"astronaut": astronaut(), "hopper": np.asarray(Image.open(
        REPO / "src/equime/demo_data/grace_hopper_512x512.jpg").convert("RGB"))}
    out = {}
    for name, image in people.items():
        a = align_face(image, detector().detect(image)[0].landmarks, size=SIZE, eye_distance=0.24,
                       eye_y=0.42)
        out[f"{name}-a"] = FaceImage(a.image, a.landmarks)
        out[f"{name}-b"] = FaceImage(np.clip(a.image * 0.8 + 20, 0, 255).astype(np.uint8),
                                     a.landmarks)
    return out


@pytest.mark.slow
def test_a_3d_cnn_learns_emotions_of_an_unseen_person(tmp_path):
    faces = _faces()
    # the paper's AU tables: each emotion one fixed pattern, so the test is of the training loop
    # (with plan.au_source observed, 1-3 of an emotion's AUs per clip, it reaches UF1 ~0.57)
    p = params(**{"plan.au_source": "paper", "plan.width": SIZE, "plan.height": SIZE,
                  "plan.clip_seconds": 1.25,
                  "plan.apex_window_s": [0.45, 0.6], "plan.sequences_per_subject": 3,
                  "baselines.epochs": 20, "baselines.batch_size": 8, "baselines.lr": 3e-3})
    rows = plan_clips([PlanSubject(s, "f") for s in faces], plan_spec(p), base_seed=1)
    renderer = filmed_warp()
    assert all(part.enabled for part in (p.recording.camera, p.recording.face,
                                         p.recording.appearance))

    def filmed(row):
        path = tmp_path / f"{row.clip_id}.mp4"
        write_mp4(path, renderer.frames(row, faces[row.subject]), row.fps, encoder())
        return read_mp4(path)

    x = np.stack([flow_input(filmed(r), r.timing.onset_frame, r.timing.apex_frame, size=32) for r in rows])
    emotions = sorted({r.emotion for r in rows})
    y = np.array([emotions.index(r.emotion) for r in rows])
    person = [r.subject.split("-")[0] for r in rows]
    folds = loso_folds(person, val_fraction=0.0, seed=0)
    results = []
    for fold in folds:
        trained = fit(x, y, fold.train, fold.val, len(emotions), "cnn3d", p.baselines, seed=0)
        pred = predict(trained.model, x[list(fold.test)]).argmax(axis=1)
        results.append(([emotions[i] for i in y[list(fold.test)]], [emotions[i] for i in pred]))
        assert trained.losses[-1] < trained.losses[0] / 2
    uf1, uar = pooled_uf1_uar(results, emotions)
    print(f"held-out person: UF1 {uf1:.3f}, UAR {uar:.3f}")
    assert uf1 >= 0.8 and uar >= 0.8  # chance is 0.2 with five emotions
