"""Turns plan rows into MP4 clips: resumable, verified, atomic per clip, failures to a rejects file.

For each row, in plan order: if ``<clip_id>.mp4`` and its sidecar ``<clip_id>.json`` exist, the
sidecar's render key matches (same row, backend parameters and encoder) and the MP4's sha256
matches the sidecar, the clip is skipped; otherwise it is rendered and written (MP4 first, then
the sidecar, both atomically). A killed run therefore resumes with the same bytes as a clean one.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import inspect
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pandas as pd
from tqdm import tqdm

from equime.files import remove_partials, sha256_file, write_json, write_jsonl, write_text
from equime.generate.base import FaceImage, Renderer
from equime.plan.planner import PlanRow
from equime.video import EncoderOptions, write_mp4

log = logging.getLogger(__name__)
GENERATION_LOG = "generation.jsonl"
REJECTS = "rejects.csv"


@dataclass(frozen=True)
class ClipOutcome:
    clip_id: str
    status: str  # rendered | skipped | failed
    detail: str = ""
    render_s: float = 0.0
    encode_s: float = 0.0


@dataclass
class GenerationReport:
    outcomes: list[ClipOutcome] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    def metrics(self) -> dict[str, Any]:
        """Deterministic figures (DVC): the same for a clean and a resumed run."""
        peaks = [r["peak_mean_abs_change"] for r in self.records]
        return {
            "clips_planned": len(self.outcomes),
            "clips_written": len(self.records),
            "clips_failed": self.count("failed"),
            "frames_written": int(sum(r["n_frames"] for r in self.records)),
            "expressive_frames_mean": float(np.mean([r["expressive_frames"] for r in self.records]))
            if self.records else 0.0,
            "peak_mean_abs_change_mean": round(float(np.mean(peaks)), 4) if peaks else 0.0,
        }

    def timings(self) -> dict[str, float]:
        done = [o for o in self.outcomes if o.status == "rendered"]
        if not done:
            return {"clips_rendered": 0.0, "clips_skipped": float(self.count("skipped"))}
        return {
            "clips_rendered": float(len(done)),
            "clips_skipped": float(self.count("skipped")),
            "render_s_per_clip": float(np.mean([o.render_s for o in done])),
            "encode_s_per_clip": float(np.mean([o.encode_s for o in done])),
        }


# Modules whose code shapes the frames or the bytes; a change to any of them re-renders every clip
# (DVC reruns the stage on a code change, and the runner must not then keep stale clips).
RENDER_MODULES = ("equime.facs", "equime.plan.timing", "equime.video", "equime.generate.base",
                  "equime.generate.runner")


@functools.cache
def code_fingerprint(backend_module: str) -> str:
    h = hashlib.sha256()
    for name in (*RENDER_MODULES, backend_module):
        h.update(Path(inspect.getfile(importlib.import_module(name))).read_bytes())
    return h.hexdigest()


def frame_change(frames: np.ndarray) -> np.ndarray:
    """Mean absolute difference of each frame from the first (grey levels); cheap for the many
    frames that are bit-identical to it."""
    first = frames[0]
    change = np.zeros(len(frames))
    for k in range(1, len(frames)):
        if not np.array_equal(frames[k], first):
            change[k] = cv2.absdiff(frames[k], first).mean()
    return change


def render_key(row: PlanRow, renderer: Renderer, encoder: EncoderOptions) -> str:
    payload = {"row": row.model_dump(mode="json"), "backend": renderer.name,
               "backend_params": renderer.params(), "encoder": asdict(encoder),
               "code": code_fingerprint(type(renderer).__module__)}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _complete(out_dir: Path, clip: str, key: str) -> dict[str, Any] | None:
    """The sidecar record if the clip on disk is finished and verified, else None."""
    video, sidecar = out_dir / f"{clip}.mp4", out_dir / f"{clip}.json"
    if not (video.is_file() and sidecar.is_file()):
        return None
    try:
        record = json.loads(sidecar.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return None
    if record.get("render_key") != key or record.get("sha256") != sha256_file(video):
        return None
    return record


def prune(out_dir: Path, keep: set[str]) -> list[str]:
    """Remove clip files of clips no longer in the plan (the output folder persists across runs)."""
    removed = []
    for p in sorted(out_dir.iterdir()):
        if p.is_file() and p.suffix in (".mp4", ".json") and p.stem not in keep:
            p.unlink()
            removed.append(p.name)
    return removed


def generate_clips(
    rows: Sequence[PlanRow],
    face_for: Callable[[PlanRow], FaceImage],
    renderer: Renderer,
    encoder: EncoderOptions,
    out_dir: Path,
) -> GenerationReport:
    """Render and write every row's clip into ``out_dir``; see the module docstring."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if n := remove_partials(out_dir):
        log.info("removed %d partial file(s) left by an interrupted run", n)
    if removed := prune(out_dir, {r.clip_id for r in rows}):
        log.info("removed %d file(s) of clips no longer planned", len(removed))
    report = GenerationReport()
    backend_params = renderer.params()
    rejects: list[tuple[str, str]] = []
    bar = tqdm(rows, desc=f"generate[{renderer.name}]", unit="clip")
    for row in bar:
        key = render_key(row, renderer, encoder)
        if (record := _complete(out_dir, row.clip_id, key)) is not None:
            report.outcomes.append(ClipOutcome(row.clip_id, "skipped"))
            report.records.append(record)
            continue
        try:
            t0 = time.perf_counter()
            frames = renderer.render(row, face_for(row))
            t1 = time.perf_counter()
            if frames.shape != (row.n_frames, row.height, row.width, 3) or frames.dtype != np.uint8:
                raise ValueError(f"backend returned {frames.dtype} {frames.shape}, expected uint8 "
                                 f"{(row.n_frames, row.height, row.width, 3)}")
            write_mp4(out_dir / f"{row.clip_id}.mp4", frames, row.fps, encoder)
            t2 = time.perf_counter()
        except Exception as exc:  # per-clip failure: record it and go on with the next clip
            detail = f"{type(exc).__name__}: {exc}".replace("\n", " ")
            log.warning("%s failed: %s", row.clip_id, detail)
            rejects.append((row.clip_id, detail))
            report.outcomes.append(ClipOutcome(row.clip_id, "failed", detail))
            continue
        change = frame_change(frames)
        record = {
            "clip_id": row.clip_id,
            "render_key": key,
            "sha256": sha256_file(out_dir / f"{row.clip_id}.mp4"),
            "backend": renderer.name,
            "backend_params": backend_params,
            "encoder": asdict(encoder),
            "n_frames": row.n_frames,
            "fps": row.fps,
            "width": row.width,
            "height": row.height,
            "expressive_frames": int(np.count_nonzero(change)),
            "peak_mean_abs_change": round(float(change.max()), 4),
            "peak_frame": int(change.argmax()),
        }
        write_json(out_dir / f"{row.clip_id}.json", record)
        report.outcomes.append(ClipOutcome(row.clip_id, "rendered", "", t1 - t0, t2 - t1))
        report.records.append(record)
        bar.set_postfix(done=len(report.records), failed=len(rejects))
    write_jsonl(out_dir / GENERATION_LOG, report.records)
    write_text(out_dir / REJECTS,
               pd.DataFrame(rejects, columns=["clip_id", "reason"]).to_csv(index=False))
    return report
