"""The ``longvideo`` stage's work: per subject of the plan, ``videos_per_subject`` recordings
rendered (resumable: a video whose sidecar key and bytes match is kept), their ground truth and
questions, and the baseline spotter run on each video as encoded, scored as the MEGC organisers
score spotting and spot-then-recognise (:mod:`equime.megc.strs`, both modes)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from equime.artifacts import longvideos
from equime.artifacts.curated import FaceImage
from equime.artifacts.plan import PlanRow
from equime.datasets.labels import megc3
from equime.faces.detect import FaceDetector
from equime.files import check_id, content_key, output_lock, remove_partials, sha256_file
from equime.generate.warp_params import WarpParams
from equime.longvideo.events import Event, draw_events
from equime.longvideo.params import LongVideoParams
from equime.longvideo.render import video_frames
from equime.longvideo.scores import baseline_scores
from equime.longvideo.spot import Spot, recognise, spot_video
from equime.megc import lvqa
from equime.plan.params import PlanParams
from equime.plan.planner import clip_seed
from equime.quality.params import QualityParams
from equime.recording.camera import camera_key
from equime.recording.params import RecordingParams
from equime.sources import code_fingerprint
from equime.video import EncoderOptions, iter_mp4, write_mp4

log = logging.getLogger(__name__)
ROOTS = ("equime.longvideo.render", "equime.longvideo.events")  # what makes a video's bytes
DATASET = "equime_lv"


@dataclass(frozen=True)
class Settings:
    lv: LongVideoParams
    plan: PlanParams
    warp: WarpParams
    recording: RecordingParams
    quality: QualityParams
    encoder: EncoderOptions
    base_seed: int


@dataclass
class LongVideoReport:
    videos: list[str] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    spots: list[dict[str, Any]] = field(default_factory=list)
    rendered: int = 0
    frames: int = 0

    def metrics(self, out: Path) -> dict[str, Any]:
        micro = sum(e["Type"] == longvideos.SAMM_TYPE["ME"] for e in self.events)
        # (how many this run rendered, the rest kept, is a log line: a metric must not depend on
        # what an earlier run left)
        return {"videos": len(self.videos), "frames": self.frames, "events": len(self.events),
                "micro_events": micro, "macro_events": len(self.events) - micro, "spots": len(self.spots),
                "baseline": baseline_scores(out)}


def _subjects(rows: Sequence[PlanRow], lv: LongVideoParams) -> list[PlanRow]:
    """The first plan row of each subject, in plan order (its face, at the plan's size)."""
    first: dict[str, PlanRow] = {}
    for r in rows:
        first.setdefault(r.subject, r)
    return list(first.values())[: lv.max_subjects]


def _key(s: Settings, video_id: str, seed: int, face_sha: str) -> str:
    return content_key({"video": video_id, "seed": seed, "lv": s.lv.model_dump(mode="json"),
                        "plan": s.plan.model_dump(mode="json"),
                        "warp": s.warp.model_dump(mode="json"),
                        "recording": {**s.recording.model_dump(mode="json"),
                                      "camera": camera_key(s.recording.camera)},
                        "encoder": asdict(s.encoder), "face": face_sha,
                        "code": code_fingerprint(ROOTS)})


def _event_row(subject: str, video_id: str, e: Event, fps: int) -> dict[str, Any]:
    t = e.timing
    return {"Subject": subject, "Filename": video_id, "Onset": t.onset_frame, "Apex": t.apex_frame,
            "Offset": t.offset_frame, "Duration": t.offset_frame - t.onset_frame,
            "Type": longvideos.SAMM_TYPE[e.kind], "Action Units": "+".join(e.codes),
            "Emotion": e.emotion, "fps": fps, "coarse": megc3("synthetic", e.emotion) or "others"}


def _apex_frames(path: Path, wanted: set[int]) -> Iterator[tuple[int, np.ndarray]]:
    for k, frame in enumerate(iter_mp4(path)):
        if k in wanted:
            yield k, frame


def run_longvideos(rows: Sequence[PlanRow], faces: Callable[[PlanRow], FaceImage], out: Path,
                   s: Settings) -> LongVideoReport:
    """Render, describe and spot every long video (see the module's docstring)."""
    report = LongVideoReport()
    lv = s.lv
    n_frames = round(lv.seconds * lv.fps)
    detector = FaceDetector(upsample=0)
    lvqa_rows: list[dict[str, Any]] = []
    with output_lock(out):
        (out / "videos").mkdir(parents=True, exist_ok=True)
        remove_partials(out / "videos")
        jobs = [(row, f"{row.subject}-lv{v + 1:02d}") for row in _subjects(rows, lv)
                for v in range(lv.videos_per_subject)]
        for row, video_id in tqdm(jobs, desc="longvideo", unit="video"):
            check_id(video_id, "longvideo: video id")
            seed = clip_seed(s.base_seed, video_id)
            events = draw_events(seed, lv, s.plan)
            face = faces(row)
            path = longvideos.video_path(out, video_id)
            key = _key(s, video_id, seed, hashlib.sha256(
                face.image.tobytes() + face.landmarks.tobytes()).hexdigest())
            record = longvideos.read_sidecar(out, video_id)
            if not (record and record.key == key and path.is_file()
                    and record.sha256 == sha256_file(path)):
                encoded = write_mp4(path, video_frames(face, events, n_frames, lv.fps, seed,
                                                       s.warp, s.recording), lv.fps, s.encoder)
                longvideos.write_sidecar(out, longvideos.LongVideoRecord(
                    video_id=video_id, subject=row.subject, key=key, seed=seed, fps=lv.fps,
                    frames=n_frames, sha256=sha256_file(path),
                    frames_sha256=encoded.frames_sha256))
                report.rendered += 1
            report.videos.append(video_id)
            report.frames += n_frames
            report.events += [_event_row(row.subject, video_id, e, lv.fps) for e in events]
            lvqa_rows += lvqa.records(DATASET, video_id, f"videos/{video_id}.mp4", row.subject,
                                      events)
            report.spots += _spot(path, row.subject, video_id, s, detector)
        keep = {f"{v}.{ext}" for v in report.videos for ext in ("mp4", "json")}
        for stale in (out / "videos").iterdir():
            if stale.name not in keep:
                stale.unlink()
        longvideos.write_tables(out, report.events, report.spots, lvqa_rows)
    log.info("longvideo: %d video(s) rendered, %d kept from an earlier run", report.rendered,
             len(report.videos) - report.rendered)
    return report


def _spot(path: Path, subject: str, video_id: str, s: Settings,
          detector: FaceDetector) -> list[dict[str, Any]]:
    """The baseline's spots of one encoded video, as spotting-CSV rows."""
    try:
        found, neutral = spot_video(iter_mp4(path), s.lv.fps, s.lv, s.quality, detector)
    except ValueError:
        return []
    named: list[Spot] = recognise(found, _apex_frames(path, {f.apex for f in found}), neutral,
                                  s.plan.emotions, detector)
    return [{"subject": subject, "video": video_id, "onset": f.onset, "offset": f.offset,
             "emotion": f.coarse, "type": f.kind, "apex": f.apex, "aus": "+".join(f.aus),
             "fine": f.emotion} for f in named]

