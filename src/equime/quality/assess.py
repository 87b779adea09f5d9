"""One clip's quality record: image metrics (per mode) + motion + AU fidelity, flat for a CSV;
and the quality stage over every planned clip, in parallel processes."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pandas as pd
from tqdm import tqdm

from equime.artifacts import videos
from equime.artifacts.curated import FaceStore
from equime.artifacts.plan import PlanRow
from equime.errors import EquimeError
from equime.faces.detect import FaceDetector
from equime.plots import figure_png, pyplot
from equime.quality.au_fidelity import au_fidelity
from equime.quality.images import image_metrics
from equime.quality.motion import MeasuredMotion, measure_motion
from equime.quality.params import QualityParams
from equime.video import read_mp4


def landmarks_at(detector: FaceDetector, frame: np.ndarray) -> np.ndarray | None:
    """dlib landmarks on a 2× upscaled frame (half-pixel steps instead of whole pixels)."""
    big = cv2.resize(frame, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    faces = detector.detect(big)
    return faces[0].landmarks / 2 if faces else None


def assess_clip(frames: np.ndarray, row: PlanRow, landmarks: np.ndarray, q: QualityParams,
                detector: FaceDetector) -> tuple[dict[str, Any], MeasuredMotion]:
    """The clip's quality record and its motion (for the curves file)."""
    record: dict[str, Any] = {"clip_id": row.clip_id, "emotion": row.emotion,
                              "planned_apex_frame": row.apex_frame}
    record.update(image_metrics(frames, q))
    motion = measure_motion(frames, landmarks, row.fps, q.flow_scale, q.motion_floor_px)
    record.update({
        "apex_frame": motion.apex_frame, "onset_frame": motion.onset_frame,
        "offset_frame": motion.offset_frame, "half_peak_s": round(motion.half_peak_s, 4),
        "peak_motion_px": round(motion.peak_px, 4), "head_motion_px": round(motion.head_motion_px, 4),
    })
    planned: Sequence[str] = [a.code for a in row.aus]
    neutral = landmarks_at(detector, frames[0])
    apex = landmarks_at(detector, frames[motion.apex_frame]) if motion.moved else None
    if neutral is None or apex is None:
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
    then do not depend on the number of workers)."""
    import torch

    torch.set_num_threads(1)


@functools.cache
def _tools(curated_dir: Path) -> tuple[FaceStore, FaceDetector]:
    """The face store and landmark detector, built once per process."""
    return FaceStore(curated_dir), FaceDetector(upsample=0)


def _assess_one(row: PlanRow, videos_dir: Path, curated_dir: Path,
                q: QualityParams) -> tuple[dict[str, Any] | None, list[dict[str, Any]], str]:
    """(record, curve rows, failure reason) for one clip."""
    path = videos.video_path(videos_dir, row.clip_id)
    if not path.is_file():
        return None, [], "no video (not generated)"
    store, detector = _tools(curated_dir)
    try:
        frames = read_mp4(path)
        record, motion = assess_clip(frames, row, store(row).landmarks, q, detector)
    except (EquimeError, ValueError, cv2.error) as exc:
        return None, [], f"{type(exc).__name__}: {exc}".replace("\n", " ")
    curve = [{"clip_id": row.clip_id, "frame": t, "t_from_planned_apex_s":
              round((t - row.apex_frame) / row.fps, 4), "motion_px": round(float(v), 4)}
             for t, v in enumerate(motion.curve)]
    return record, curve, ""


@dataclass
class Assessed:
    records: list[dict[str, Any]] = field(default_factory=list)  # one per measured clip
    curves: list[dict[str, Any]] = field(default_factory=list)  # long format
    rejects: list[tuple[str, str]] = field(default_factory=list)  # (clip id, reason)


def assess_videos(rows: Sequence[PlanRow], videos_dir: Path, curated_dir: Path,
                  q: QualityParams) -> Assessed:
    """Records, motion curves and per-clip failures, in plan order, measured in ``q.workers``
    processes (each with one torch thread, so the numbers do not depend on ``q.workers``)."""
    work = functools.partial(_assess_one, videos_dir=videos_dir, curated_dir=curated_dir, q=q)
    if q.workers > 1:
        with ProcessPoolExecutor(q.workers, initializer=_one_thread) as pool:
            results = list(tqdm(pool.map(work, rows), total=len(rows), desc="quality", unit="clip"))
    else:
        _one_thread()
        results = [work(r) for r in tqdm(rows, desc="quality", unit="clip")]
    out = Assessed()
    for row, (record, curve, reason) in zip(rows, results, strict=True):
        if record is None:
            out.rejects.append((row.clip_id, reason))
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
        "half_peak_s", "peak_motion_px", "head_motion_px", "au_fidelity")]
    out: dict[str, Any] = {"clips": len(df)}
    out.update({c: round(float(df[c].mean()), 4) for c in sorted(numeric)})
    out["apex_within_2_frames"] = round(float(
        ((df["apex_frame"] - df["planned_apex_frame"]).abs() <= 2).mean()), 4)
    return out
