"""One clip's quality record: image metrics (per mode) + motion + AU fidelity, flat for a CSV;
and the quality stage over every planned clip, in parallel processes."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pandas as pd

from equime.artifacts import clips as me_clips
from equime.artifacts import videos
from equime.artifacts.clips import RetimeRecord
from equime.artifacts.curated import FaceStore
from equime.artifacts.plan import PlanRow
from equime.compute.engine import run_items
from equime.compute.params import ComputeParams
from equime.compute.work import Failed, Work
from equime.errors import EnvironmentFault, EquimeError
from equime.faces.detect import FaceDetector
from equime.files import content_key, sha256_file
from equime.plan.au_tables import aus_for, emotion_in_name
from equime.plots import figure_png, pyplot
from equime.quality.au_fidelity import au_fidelity
from equime.quality.images import ImageMetrics
from equime.quality.motion import MeasuredMotion, measure_motion
from equime.quality.params import QualityParams
from equime.resume import ItemStore
from equime.sources import code_fingerprint
from equime.video import iter_mp4, mp4_fps
from equime.video_folder import VideoFolder, list_videos


@dataclass(frozen=True)
class ClipInfo:
    """What is known of a clip before it is measured: from its plan row, or only its file."""

    clip_id: str
    emotion: str  # "" when unknown
    planned_aus: tuple[str, ...]  # () when nothing was planned: AU fidelity does not apply
    planned_apex_frame: int | None

    @classmethod
    def of_row(cls, row: PlanRow) -> ClipInfo:
        return cls(row.clip_id, row.emotion, tuple(a.code for a in row.aus), row.timing.apex_frame)

    @classmethod
    def of_file(cls, path: Path, au_source: str | None,
                retimed: RetimeRecord | None = None) -> ClipInfo:
        """Nothing planned; with ``au_source``, an emotion in the file name (``*_<emotion>_*``)
        brings its AU set from that table; with its ``retimed`` record, the AUs retime measured."""
        stem = VideoFolder.stem(path)
        emotion = emotion_in_name(stem, au_source) if au_source else ""
        measured = tuple((retimed.measured_aus or {}) if retimed is not None else ())
        return cls(stem, emotion, measured or (aus_for(au_source, emotion) if emotion else ()),
                   None)


def assess_clip(frames: Callable[[], Iterator[np.ndarray]], fps: float, info: ClipInfo,
                landmarks: np.ndarray, q: QualityParams,
                detector: FaceDetector) -> tuple[dict[str, Any], MeasuredMotion]:
    """The clip's quality record and its motion (for the curves file). ``frames`` opens the
    clip's frames as a stream (once for the measures, once more to fetch the apex frame), so
    memory stays flat in the clip's length."""
    record: dict[str, Any] = {"clip_id": info.clip_id, "emotion": info.emotion,
                              "planned_apex_frame": info.planned_apex_frame}
    images = ImageMetrics(q)
    first: list[np.ndarray] = []

    def keep_first(stream: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
        for frame in stream:
            if not first:
                first.append(frame)
            yield frame

    motion = measure_motion(images.through(keep_first(frames())), landmarks, fps, q)
    record.update(images.result())
    x = motion.extent
    record.update({
        "apex_frame": x.apex_frame, "onset_frame": x.onset_frame, "offset_frame": x.offset_frame,
        "duration_s": round(x.duration_s, 4), "returns_to_neutral": x.returns,
        "moving_outside_frames": x.outside_frames, "half_peak_s": round(x.half_peak_s, 4),
        "peak_motion_px": round(x.peak_px, 4), "head_motion_px": round(motion.head_motion_px, 4),
        "motion_floor_px": round(motion.floor_px, 4), "blinks": len(motion.blinks),
        "blink_frames": ";".join(f"{a}-{b}" for a, b in motion.blinks),
    })
    planned = info.planned_aus
    neutral = detector.fine_landmarks(first[0])
    apex = (detector.fine_landmarks(next(islice(frames(), motion.apex_frame, None)))
            if motion.moved else None)
    if not planned:
        record.update({"au_fidelity": float("nan"), "aus_visible": "", "aus_missing": "",
                       "aus_unplanned": "", "au_note": "no planned AUs"})
    elif neutral is None or apex is None:
        record.update({"au_fidelity": 0.0, "aus_visible": "", "aus_missing": "+".join(planned),
                       "aus_unplanned": "", "au_note": "no face or no movement at the apex"})
    else:
        fid = au_fidelity(neutral, apex, planned, q.au_threshold)
        record.update({"au_fidelity": round(fid.fidelity, 4), "aus_visible": "+".join(fid.visible),
                       "aus_missing": "+".join(fid.missing),
                       "aus_unplanned": "+".join(fid.unplanned), "au_note": ""})
    return record, motion


def _one_thread() -> None:
    """Worker set-up: one torch thread per process (processes share the cores, and the numbers
    then do not depend on the number of workers). OpenCV's threads: see the engine."""
    import torch

    torch.set_num_threads(1)


@functools.cache
def _detector() -> FaceDetector:
    """The landmark detector, built once per process."""
    return FaceDetector(upsample=0)


@functools.cache
def _store(curated_dir: Path) -> FaceStore:
    return FaceStore(curated_dir)


Outcome = tuple[dict[str, Any] | None, list[dict[str, Any]], str]


def _assess_one(item: tuple[ClipInfo, Path, PlanRow | None], curated_dir: Path | None,
                q: QualityParams, store: ItemStore | None) -> Outcome:
    """(record, curve rows, failure reason) for one clip: its neutral landmarks from the curated
    face of its plan row, or (without a plan) detected on its first frame. Kept in ``store`` as
    soon as it is known, under a key of the clip's bytes, its row and face, params and code."""
    info, path, row = item
    if not path.is_file():
        return None, [], "no video (not generated)"
    landmarks = None
    if row is not None and curated_dir is not None:
        landmarks = _store(curated_dir)(row).landmarks
    key = content_key({
        "video": sha256_file(path), "clip": row.model_dump(mode="json") if row else asdict(info),
        "landmarks": None if landmarks is None else hashlib.sha256(landmarks.tobytes()).hexdigest(),
        "params": q.model_dump(mode="json"), "code": code_fingerprint((__name__,))})
    if store is not None and (done := store.get(info.clip_id, key)) is not None:
        record, curve, reason = done
        return record, curve, reason
    outcome = _measure(info, path, landmarks, q)
    if store is not None:
        store.put(info.clip_id, key, list(outcome))
    return outcome


def _measure(info: ClipInfo, path: Path, landmarks: np.ndarray | None,
             q: QualityParams) -> Outcome:
    detector = _detector()
    try:
        fps = float(mp4_fps(path))
        if landmarks is None and (landmarks := detector.fine_landmarks(
                next(iter_mp4(path)))) is None:
            return None, [], "no face in the first frame"
        record, motion = assess_clip(lambda: iter_mp4(path), fps, info, landmarks, q, detector)
    except EnvironmentFault:
        raise
    except (EquimeError, ValueError, cv2.error) as exc:
        return None, [], f"{type(exc).__name__}: {exc}".replace("\n", " ")
    apex = info.planned_apex_frame if info.planned_apex_frame is not None else motion.apex_frame
    curve = [{"clip_id": info.clip_id, "frame": t, "t_from_planned_apex_s":
              round((t - apex) / fps, 4), "motion_px": round(float(v), 4)}
             for t, v in enumerate(motion.curve)]
    return record, curve, ""


@dataclass
class Assessed:
    records: list[dict[str, Any]] = field(default_factory=list)  # one per measured clip
    curves: list[dict[str, Any]] = field(default_factory=list)  # long format
    rejects: list[tuple[str, str]] = field(default_factory=list)  # (clip id, reason)


def assess_videos(rows: Sequence[PlanRow], videos_dir: Path, curated_dir: Path,
                  q: QualityParams, store: ItemStore | None = None,
                  compute: ComputeParams | None = None,
                  retimed: Mapping[str, RetimeRecord] | None = None) -> Assessed:
    """The quality stage: every planned clip, in plan order, measured against its curated face;
    with a ``store``, clips measured by an earlier (killed) run are taken from it. With
    ``retimed`` (retime's log), a generated clip's AUs are those retime measured
    (:func:`~equime.artifacts.clips.labelled`), not the prompt's."""
    rows = [me_clips.labelled(r, (retimed or {}).get(r.clip_id)) for r in rows]
    items = [(ClipInfo.of_row(r), videos.video_path(videos_dir, r.clip_id), r) for r in rows]
    if store is not None:
        store.prune({r.clip_id for r in rows})
    return _assess(items, curated_dir, q, store, compute)


def assess_folder(folder: Path, q: QualityParams, au_source: str | None,
                  compute: ComputeParams | None = None) -> Assessed:
    """Any folder of expression videos (``*.mp4``, frame 0 neutral), without a plan: landmarks
    detected on each clip's first frame; with ``au_source``, planned AUs from an emotion in each
    file's name (else the AU check does not apply); a folder retime wrote (its log beside the
    clips) checks the AUs retime measured instead. Entries the folder rule refuses
    (:func:`~equime.video_folder.list_videos`) are rejects."""
    listed = list_videos(folder)
    log = me_clips.read_log(folder) if (folder / me_clips.LOG).is_file() else {}
    items = [(ClipInfo.of_file(p, au_source, log.get(VideoFolder.stem(p))), p, None)
             for p in listed.videos]
    done = _assess(items, None, q, None, compute)
    done.rejects = [*listed.refused, *done.rejects]
    return done


class AssessClips(Work[tuple[ClipInfo, Path, "PlanRow | None"], Outcome]):
    """The quality stage's per-item work: one clip measured (see :func:`_assess_one`)."""

    def __init__(self, curated_dir: Path | None, q: QualityParams, store: ItemStore | None) -> None:
        self.curated_dir, self.q, self.store = curated_dir, q, store

    def setup(self) -> None:
        _one_thread()

    def __call__(self, item: tuple[ClipInfo, Path, PlanRow | None]) -> Outcome:
        return _assess_one(item, self.curated_dir, self.q, self.store)


def _assess(items: Sequence[tuple[ClipInfo, Path, PlanRow | None]], curated_dir: Path | None,
            q: QualityParams, store: ItemStore | None,
            compute: ComputeParams | None = None) -> Assessed:
    """Records, motion curves and per-clip failures, in order, measured on the engine
    ``compute`` names (local: ``q.workers`` processes, each with one torch thread, so the
    numbers do not depend on ``q.workers``; each ends with the stage, however it ends)."""
    work = AssessClips(curated_dir.resolve() if curated_dir else None, q, store)
    results = run_items(work, [(i, p.resolve(), r) for i, p, r in items], compute, "quality",
                        local_workers=q.workers, desc="quality")
    out = Assessed()
    for (info, _, _), result in zip(items, results, strict=True):
        record, curve, reason = (None, [], result.reason) if isinstance(result, Failed) else result
        if record is None:
            out.rejects.append((info.clip_id, reason))
        else:
            out.records.append(record)
            out.curves += curve
    return out


def plot_curves(curves: Sequence[dict[str, Any]]) -> bytes:
    """Motion curves of every clip, aligned on the planned apex (PNG)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.5), dpi=100)
    if curves:
        for clip, g in pd.DataFrame(list(curves)).groupby("clip_id", sort=True):
            ax.plot(g["t_from_planned_apex_s"], g["motion_px"], lw=0.8, alpha=0.7, label=clip)
    ax.set_xlim(-0.5, 0.5)
    ax.set_xlabel("time from planned apex (s)")
    ax.set_ylabel("facial motion (px, non-rigid)")
    ax.set_title("Measured motion curves: a micro-expression is a brief peak")
    fig.tight_layout()
    return figure_png(fig)


def quality_metrics(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Means over clips (DVC metrics), and how often the detected apex hit the planned one."""
    if not records:
        return {"clips": 0}
    df = pd.DataFrame(list(records))
    numeric = [c for c in df.columns if c.endswith("_mean") or c in (
        "duration_s", "half_peak_s", "peak_motion_px", "head_motion_px", "au_fidelity")]
    out: dict[str, Any] = {"clips": len(df)}
    out.update({c: round(float(df[c].mean()), 4) for c in sorted(numeric)})
    planned = df["planned_apex_frame"].notna()
    if planned.any():
        out["apex_within_2_frames"] = round(float(
            ((df["apex_frame"] - df["planned_apex_frame"])[planned].abs() <= 2).mean()), 4)
    return out
