"""One clip's quality record: image metrics (per mode) + motion + AU fidelity, flat for a CSV."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from equime.faces.detect import FaceDetector
from equime.plan.planner import PlanRow
from equime.quality.au_fidelity import au_fidelity
from equime.quality.metrics import standard_metrics, summarize
from equime.quality.motion import Motion, measure_motion
from equime.quality.paper import paper_metrics

if TYPE_CHECKING:
    from equime.params import QualityParams


@dataclass(frozen=True)
class QualitySettings:
    metrics: tuple[str, ...]
    modes: tuple[str, ...]
    color: str
    flow_scale: float
    motion_floor_px: float
    au_threshold: float
    device: str = "cpu"  # where piq runs in standard mode (the paper mode is the seed's, on CPU)

    @classmethod
    def from_params(cls, section: QualityParams) -> QualitySettings:
        return cls(**section.model_dump(exclude={"workers"}))


def landmarks_at(detector: FaceDetector, frame: np.ndarray) -> np.ndarray | None:
    """dlib landmarks on a 2× upscaled frame (half-pixel steps instead of whole pixels)."""
    big = cv2.resize(frame, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    faces = detector.detect(big)
    return faces[0].landmarks / 2 if faces else None


def image_metrics(frames: np.ndarray, settings: QualitySettings) -> dict[str, float]:
    out: dict[str, float] = {}
    for mode in settings.modes:
        series = (standard_metrics(frames, settings.metrics, settings.color, settings.device)
                  if mode == "standard"
                  else paper_metrics(frames, settings.metrics))
        for name, values in series.items():
            for stat, value in summarize(values).items():
                out[f"{mode}_{name}_{stat}"] = round(value, 5)
    return out


def assess_clip(frames: np.ndarray, row: PlanRow, landmarks: np.ndarray,
                settings: QualitySettings, detector: FaceDetector) -> tuple[dict[str, Any], Motion]:
    """The clip's quality record and its motion (for the curves file)."""
    record: dict[str, Any] = {"clip_id": row.clip_id, "emotion": row.emotion,
                              "planned_apex_frame": row.apex_frame}
    record.update(image_metrics(frames, settings))
    motion = measure_motion(frames, landmarks, row.fps, settings.flow_scale, settings.motion_floor_px)
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
        fid = au_fidelity(neutral, apex, planned, settings.au_threshold)
        record.update({"au_fidelity": round(fid.fidelity, 4), "aus_visible": "+".join(fid.visible),
                       "aus_missing": "+".join(fid.missing),
                       "aus_unplanned": "+".join(fid.unplanned), "au_note": ""})
    return record, motion


_WORKER: dict[str, Any] = {}


def _init_worker(curated_dir, videos_dir, settings: QualitySettings) -> None:
    """Per process: one thread for torch (processes share the cores), one detector, one store."""
    import torch

    from equime.generate.base import FaceStore

    torch.set_num_threads(1)
    _WORKER.update(store=FaceStore(curated_dir), videos=videos_dir, settings=settings,
                   detector=FaceDetector(upsample=0))


def _assess_one(row: PlanRow) -> tuple[dict[str, Any] | None, list[dict[str, Any]], str]:
    """(record, curve rows, failure reason) for one clip, in a worker set up by _init_worker."""
    from equime.errors import EquimeError
    from equime.video import read_mp4

    path = _WORKER["videos"] / f"{row.clip_id}.mp4"
    if not path.is_file():
        return None, [], "no video (not generated)"
    try:
        frames = read_mp4(path)
        record, motion = assess_clip(frames, row, _WORKER["store"](row).landmarks,
                                     _WORKER["settings"], _WORKER["detector"])
    except (EquimeError, ValueError, cv2.error) as exc:
        return None, [], f"{type(exc).__name__}: {exc}".replace("\n", " ")
    curve = [{"clip_id": row.clip_id, "frame": t, "t_from_planned_apex_s":
              round((t - row.apex_frame) / row.fps, 4), "motion_px": round(float(v), 4)}
             for t, v in enumerate(motion.curve)]
    return record, curve, ""


def assess_videos(rows: Sequence[PlanRow], videos_dir, curated_dir, settings: QualitySettings,
                  workers: int = 1) -> tuple[list[dict[str, Any]], list[dict[str, Any]],
                                             list[tuple[str, str]]]:
    """Records, motion curves (long format) and per-clip failures, in plan order.

    ``workers`` > 1 measures clips in that many processes; each uses one torch thread either
    way, so the numbers do not depend on ``workers``.
    """
    from concurrent.futures import ProcessPoolExecutor

    from tqdm import tqdm

    init = (curated_dir, videos_dir, settings)
    if workers > 1:
        with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=init) as pool:
            results = list(tqdm(pool.map(_assess_one, rows), total=len(rows), desc="quality",
                                unit="clip"))
    else:
        _init_worker(*init)
        results = [_assess_one(r) for r in tqdm(rows, desc="quality", unit="clip")]
    records, curves, rejects = [], [], []
    for row, (record, curve, reason) in zip(rows, results, strict=True):
        if record is None:
            rejects.append((row.clip_id, reason))
        else:
            records.append(record)
            curves += curve
    return records, curves, rejects


def plot_curves(curves: list[dict[str, Any]], path) -> None:
    """Motion curves of every clip, aligned on the planned apex (PNG)."""
    import pandas as pd

    from equime.files import write_bytes
    from equime.plots import figure_png, pyplot

    plt = pyplot()

    fig, ax = plt.subplots(figsize=(7, 3.5), dpi=100)
    if curves:
        for clip, g in pd.DataFrame(curves).groupby("clip_id", sort=True):
            ax.plot(g["t_from_planned_apex_s"], g["motion_px"], lw=0.8, alpha=0.7, label=clip)
    ax.set_xlim(-0.5, 0.5)
    ax.set_xlabel("time from planned apex (s)")
    ax.set_ylabel("facial motion (px, non-rigid)")
    ax.set_title("Measured motion curves: a micro-expression is a brief peak")
    fig.tight_layout()
    write_bytes(path, figure_png(fig))


def quality_metrics(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Means over clips (DVC metrics), and how often the detected apex hit the planned one."""
    import pandas as pd

    if not records:
        return {"clips": 0}
    df = pd.DataFrame(records)
    numeric = [c for c in df.columns if c.endswith("_mean") or c in (
        "half_peak_s", "peak_motion_px", "head_motion_px", "au_fidelity")]
    out: dict[str, Any] = {"clips": len(df)}
    out.update({c: round(float(df[c].mean()), 4) for c in sorted(numeric)})
    out["apex_within_2_frames"] = round(float(
        ((df["apex_frame"] - df["planned_apex_frame"]).abs() <= 2).mean()), 4)
    return out
