"""A generative backend's clips through retime, quality, filter and export: what reaches the
dataset are micro-expressions. The generator is built in code (a sustained expression with a
drifting head, as video models give); the real LTX pipeline runs the same path in test_ltx."""

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from equime.artifacts import curated
from equime.artifacts.curated import Curated, FaceImage, Subject
from equime.artifacts.plan import PlanRow
from equime.artifacts.selection import SubjectInfo
from equime.export.writer import export_dataset
from equime.generate.registry import Backend
from equime.generate.runner import generate_clips
from equime.plan.planner import PlanSubject, plan_clips
from equime.quality.assess import assess_videos
from equime.quality.filter import verdict_table
from equime.report.render import build_report
from equime.retime.jobs import retime_plan
from equime.section import Section
from tests.fixtures import REPO, aligned_astronaut, encoder, params
from tests.retime.made import sustained

pytestmark = pytest.mark.slow
EXPRESSION = {"happiness": {"6": 1.0, "12": 1.0}, "surprise": {"1": 1.0, "2": 1.0, "26": 0.8}}


class SustainedVideos:
    """A generator's behaviour without its weights: the planned emotion, held, with head drift."""

    name = "sustained-video"

    def params(self) -> dict[str, Any]:
        return {"kind": "sustained expression, drifting head"}

    def prepare(self) -> None:
        """Nothing to load."""

    def generated_frames(self, row: PlanRow) -> int:
        return 40

    def kept_frames(self, row: PlanRow) -> int:
        return 40

    def render(self, row: PlanRow, face: FaceImage) -> np.ndarray:
        return sustained(face, EXPRESSION[row.emotion], n=40, seed=row.seed % 1000)

    def render_batch(self, rows: Sequence[PlanRow], faces: Sequence[FaceImage]) -> list[np.ndarray]:
        return [self.render(r, f) for r, f in zip(rows, faces, strict=True)]


def test_generated_clips_become_exported_micro_expressions(tmp_path: Path):
    p = params(**{"plan.width": 256, "plan.height": 256, "plan.clip_seconds": 2.0,
                  "plan.apex_window_s": [0.5, 1.5], "plan.emotions": ["happiness", "surprise"],
                  "plan.sequences_per_subject": 1, "quality.workers": 1})
    a = aligned_astronaut()
    subject = Subject("astronaut", "astronaut.png", "0" * 64, {}, a.landmarks)
    curated.write(tmp_path / "cur", Curated([subject], [], "none"), {"astronaut": a.image})
    rows = plan_clips([PlanSubject("astronaut", "f")], p.plan, p.base.seed)
    store = curated.FaceStore(tmp_path / "cur")
    # a backend of the test's own, described as a registry entry describes one
    entry = Backend("sustained-video", Section, motion="generated", holds_model=False,
                    renderer=f"{__name__}:SustainedVideos")
    generate_clips(rows, store, SustainedVideos(), encoder(preset="ultrafast"), tmp_path / "raw", 1,
                   entry=entry)
    report = retime_plan(rows, tmp_path / "raw", tmp_path / "cur", tmp_path / "clips", p.retime,
                         p.recording.camera, encoder(preset="ultrafast"))
    assert report.rejects == [] and all(r.retimed for r in report.records)
    # each clip's label is what its raw apex shows: the emotion's AUs, the head taken out
    measured = {r.clip_id: r.measured_aus or {} for r in report.records}
    shown = {c.split("_")[1]: set(m) for c, m in measured.items()}
    assert "12" in shown["happiness"] and {"1", "2"} & shown["surprise"], measured
    assert all(len(m) <= 3 for m in shown.values()), measured
    assert all(r.outline_share and (r.outline_share.me or 0) < 0.25 for r in report.records)
    assessed = assess_videos(rows, tmp_path / "clips", tmp_path / "cur", p.quality)
    verdicts = verdict_table(__import__("pandas").DataFrame(assessed.records), p.filter)
    assert verdicts["passed"].all(), verdicts["reasons"].tolist()
    subjects = {"astronaut": SubjectInfo("astronaut", "astronaut.png", "0" * 64, {}, "annotations",
                                         gender="f")}
    summary = export_dataset(rows, subjects, tmp_path / "clips", tmp_path / "raw", tmp_path / "ds",
                             p.export, 1, verdicts={v.clip_id: (bool(v.passed), v.reasons)
                                                 for v in verdicts.itertuples()})
    assert summary.exported == 2
    for meta_path in sorted((tmp_path / "ds").rglob("*_metadata.json")):
        g = json.loads(meta_path.read_text())["generation"]
        assert g["backend"] == "sustained-video" and g["frames_generated"] == 40
        m = g["motion"]
        assert (m["source"], m["retimed"], m["raw_frames"]) == ("generated", True, 40)
        assert 0 < m["alpha"] < 1 and m["raw_apex_frame"] > 0 and m["stabilisation"]["frames_usable"]
        clip = json.loads(meta_path.read_text())["clip_id"]
        assert [a["code"] for a in g["aus"]] == list(measured[clip])  # measured, not planned
    html = build_report("t", REPO / "params.yaml", videos=tmp_path / "raw", clips=tmp_path / "clips")
    assert "What retime found in each generated clip" in html
    assert html.count(": neutral | generated apex (frame") == 2 * 2  # alt text and caption
    assert html.count("outline share") >= 2 * 2 + 1
