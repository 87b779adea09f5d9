"""Retime clip after clip: resumable, verified, atomic per clip, failures to a rejects file with
their reason, the run going on. One loop serves the stage (a plan's generated clips) and any
folder of expression videos (``equime retime``)."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from equime.artifacts import clips as me_clips
from equime.artifacts.clips import ClipTiming, RetimeRecord
from equime.artifacts.curated import FaceImage, FaceStore
from equime.artifacts.plan import PlanRow, Timing
from equime.compute.engine import run_items
from equime.compute.params import ComputeParams
from equime.compute.work import Failed, Work, describe
from equime.datasets.sample import Sample
from equime.errors import EnvironmentFault, EquimeError
from equime.faces.detect import FaceDetector
from equime.files import (
    atomic_path,
    content_key,
    output_lock,
    remove_partials,
    sha256_file,
)
from equime.plan.timing import envelope, frame_times
from equime.recording.camera import camera_key, record
from equime.recording.params import CameraParams
from equime.retime.analyse import Unusable
from equime.retime.clip import retime_frames
from equime.retime.params import RetimeParams
from equime.retime.transfer import transfer_frames
from equime.sources import code_fingerprint
from equime.video import DecodedClip, EncoderOptions, write_mp4

log = logging.getLogger(__name__)
# The code that makes an ME clip's bytes, with everything it imports (:mod:`equime.sources`):
# the retiming, the transfer, the camera that films it, the encoder, the sidecar.
RETIME_ROOTS = ("equime.retime.clip", "equime.retime.transfer", "equime.recording.camera",
                "equime.datasets.sample", "equime.video", "equime.artifacts.clips")


@functools.cache
def _faces(curated_dir: Path) -> FaceStore:
    return FaceStore(curated_dir)  # one per process: its table is read once


@dataclass(frozen=True)
class Neutral:
    """A plan row's curated face, read where the job runs (picklable, unlike a closure)."""

    curated_dir: Path
    row: PlanRow

    def __call__(self) -> FaceImage:
        return _faces(self.curated_dir)(self.row)


@dataclass(frozen=True)
class Job:
    """One clip to retime (or to pass through when it is already a micro-expression)."""

    clip_id: str
    source: Path | None  # the expression video (None: a dataset's sample, or nothing)
    fps: Fraction  # of the ME clip (and of the source video)
    n_frames: int  # frames of the ME clip
    timing: Timing  # its onset → apex → offset
    planned: tuple[str, ...]  # AU codes planned for it (may choose the apex), or ()
    emotion: str  # its planned (prompted) emotion, "" when unknown: measured before it is kept
    motion_source: str  # facs | generated | a dataset's name
    passthrough: bool  # already an ME (the warp backend's): the clip itself, byte for byte
    neutral: Neutral | None  # the face to render on; None: the first frame's
    seed: int  # the clip's seed (its camera noise)
    about: dict[str, Any] = field(default_factory=dict)  # what else identifies it (the plan row)
    sample: Sample | None = None  # a real micro-expression whose motion moves the face
    refused: str = ""  # why there is nothing to retime (decided when the job was made)

    def source_sha(self) -> str | None:
        """What the source is, to the byte (None: there is none)."""
        if self.sample is not None:
            return content_key([[p.name, sha256_file(p)] for p in self.sample.frames]
                               or [str(self.sample.video), sha256_file(self.sample.video)])
        return sha256_file(self.source) if self.source is not None and self.source.is_file() \
            else None


@dataclass
class RetimeReport:
    records: list[RetimeRecord] = field(default_factory=list)
    rejects: list[tuple[str, str]] = field(default_factory=list)
    skipped: int = 0

    def metrics(self) -> dict[str, Any]:
        made = [r for r in self.records if r.retimed]
        alphas = [r.alpha for r in made]
        return {
            "clips": len(self.records) + len(self.rejects),
            "clips_written": len(self.records),
            "clips_retimed": len(made),
            "clips_passed_through": len(self.records) - len(made),
            "clips_rejected": len(self.rejects),
            "alpha_mean": round(float(np.mean(alphas)), 4) if alphas else None,
            "raw_apex_frame_mean": round(float(np.mean([r.raw_apex_frame for r in made])), 2)
            if made else None,
        }


def _key(job: Job, r: RetimeParams, camera: CameraParams, encoder: EncoderOptions,
         source_sha: str) -> str:
    return content_key({"about": job.about, "clip_id": job.clip_id, "fps": str(job.fps),
                        "seed": job.seed, "camera": camera_key(camera),
                        "n_frames": job.n_frames, "timing": job.timing.model_dump(),
                        "planned": job.planned, "emotion": job.emotion,
                        "motion_source": job.motion_source,
                        "passthrough": job.passthrough, "retime": r.model_dump(mode="json"),
                        "encoder": asdict(encoder), "source": source_sha,
                        "code": code_fingerprint(RETIME_ROOTS)})


def _complete(out_dir: Path, clip: str, key: str) -> RetimeRecord | None:
    record = me_clips.read_sidecar(out_dir, clip)
    video = me_clips.video_path(out_dir, clip)
    if record is None or not video.is_file() or record.retime_key != key:
        return None
    return record if record.sha256 == sha256_file(video) else None


def _link(src: Path, dst: Path) -> None:
    """``dst`` becomes ``src``'s bytes, atomically: a hard link where the filesystem allows."""
    with atomic_path(dst) as tmp:
        tmp.unlink()
        try:
            os.link(src, tmp)
        except OSError:
            tmp.write_bytes(src.read_bytes())


def retime_one(job: Job, out_dir: Path, r: RetimeParams, camera: CameraParams,
               encoder: EncoderOptions, detector: FaceDetector, key: str,
               source_sha: str) -> RetimeRecord:
    """Write the job's ME clip (recorded through ``camera``) and return its record; raises
    Unusable / EquimeError."""
    video = me_clips.video_path(out_dir, job.clip_id)
    base = {"clip_id": job.clip_id, "retime_key": key, "source_sha256": source_sha,
            "motion_source": job.motion_source,
            "timing": ClipTiming(**job.timing.model_dump(), fps=float(job.fps))}
    if job.passthrough and job.source is not None:
        _link(job.source, video)
        return RetimeRecord(**base, retimed=False, sha256=sha256_file(video))
    t = job.timing
    weights = envelope(frame_times(job.n_frames, float(job.fps)), t.onset_s, t.apex_s, t.offset_s)
    if job.sample is not None and job.neutral is not None:
        s = job.sample
        frames = s.load_frames()
        onset, apex, offset = s.position(s.onset) or 0, s.position(s.apex), s.position(s.offset)
        done = transfer_frames(frames[onset:None if offset is None else offset + 1], job.neutral(),
                               weights, r, detector, job.planned,
                               None if apex is None else apex - onset)
        encoded = write_mp4(video, record(done.frames, job.seed, camera, len(done.frames)),
                            job.fps, encoder)
        sample = {"sample": f"{s.dataset}/{s.subject}/{s.clip_id}", "sample_emotion": s.emotion,
                  "sample_aus": s.aus, "sample_onset_frame": s.onset, "sample_apex_frame": s.apex,
                  "encoder": asdict(encoder)}
        return RetimeRecord(**base, retimed=True, sha256=sha256_file(video),
                            frames_sha256=encoded.frames_sha256, **sample, **done.record)
    assert job.source is not None
    raw = DecodedClip(job.source)
    if job.neutral is None and len(raw) != job.n_frames:  # counted by the folder's container
        raise Unusable(f"its container says {job.n_frames} frames, {len(raw)} decode; "
                       "re-encode it (e.g. ffmpeg -i IN -c:v libx264 OUT.mp4)")
    if job.neutral is not None:
        face = job.neutral()
    else:
        lm = detector.fine_landmarks(raw[0])
        if lm is None:
            raise Unusable("face lost: no face in the first frame")
        face = FaceImage(raw[0], lm)
    if raw.shape[1:3] != face.image.shape[:2]:
        raise Unusable(f"the clip is {raw.shape[2]}x{raw.shape[1]} but its neutral face "
                       f"{face.image.shape[1]}x{face.image.shape[0]}")
    done = retime_frames(raw, float(job.fps), face.image, face.landmarks, weights, r, detector,
                         job.planned, job.emotion, fine=job.neutral is None)
    encoded = write_mp4(video, record(done.frames, job.seed, camera, len(done.frames)), job.fps,
                        encoder)
    return RetimeRecord(**base, retimed=True, sha256=sha256_file(video),
                        frames_sha256=encoded.frames_sha256, **done.record)


def retime_jobs(jobs: Sequence[Job], out_dir: Path, r: RetimeParams, camera: CameraParams,
                encoder: EncoderOptions, prune: bool, rejected: Sequence[tuple[str, str]] = (),
                compute: ComputeParams | None = None) -> RetimeReport:
    """Retime every job into ``out_dir`` (``<clip_id>.mp4`` + ``.json``, ``retime.jsonl``,
    ``rejects.csv``), on the engine ``compute`` names (None: this process); clips whose sidecar
    verifies are kept. ``prune``: remove clips of ids no longer among the jobs (the stage's own
    folder only); ``rejected``: inputs refused before."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with output_lock(out_dir):  # one run at a time: partials are then a dead run's, and go
        return _retime_jobs(jobs, out_dir, r, camera, encoder, prune, rejected, compute)


class RetimeClips(Work[Job, tuple[RetimeRecord | None, str, bool]]):
    """The retime stage's per-item work: one job's ME clip written into ``out_dir`` (or kept, if
    complete and verified); returns (record, reject reason, kept)."""

    def __init__(self, out_dir: Path, r: RetimeParams, camera: CameraParams,
                 encoder: EncoderOptions) -> None:
        self.out_dir, self.r, self.camera, self.encoder = out_dir, r, camera, encoder

    def setup(self) -> None:
        self._detector = FaceDetector(upsample=0)  # faces are found on frames scaled to ~120 px

    def __call__(self, job: Job) -> tuple[RetimeRecord | None, str, bool]:
        source_sha = None if job.refused else job.source_sha()
        if source_sha is None:
            return None, job.refused or "no source video (not generated)", False
        key = _key(job, self.r, self.camera, self.encoder, source_sha)
        if (record := _complete(self.out_dir, job.clip_id, key)) is not None:
            return record, "", True
        try:
            record = retime_one(job, self.out_dir, self.r, self.camera, self.encoder,
                                self._detector, key, source_sha)
        except Unusable as exc:
            return None, str(exc), False
        except EnvironmentFault:
            raise
        except (EquimeError, ValueError, cv2.error) as exc:  # a verdict on this clip, not a fault
            return None, describe(exc), False
        me_clips.write_sidecar(self.out_dir, record)
        return record, "", False


def _retime_jobs(jobs: Sequence[Job], out_dir: Path, r: RetimeParams, camera: CameraParams,
                 encoder: EncoderOptions, prune: bool, rejected: Sequence[tuple[str, str]],
                 compute: ComputeParams | None) -> RetimeReport:
    if n := remove_partials(out_dir):
        log.info("removed %d partial file(s) left by an interrupted run", n)
    if prune and (removed := me_clips.prune(out_dir, {j.clip_id for j in jobs})):
        log.info("removed %d file(s) of clips no longer planned", len(removed))
    report = RetimeReport(rejects=list(rejected))
    results = run_items(RetimeClips(out_dir.resolve(), r, camera, encoder), jobs, compute,
                        "retime", desc="retime")
    for job, result in zip(jobs, results, strict=True):
        record, reason, kept = (None, result.reason, False) if isinstance(result, Failed) \
            else result
        if record is None:
            report.rejects.append((job.clip_id, reason))
            continue
        report.records.append(record)
        report.skipped += kept
    me_clips.write_log(out_dir, report.records)
    me_clips.write_rejects(out_dir, report.rejects)
    log.info("retime: %d written (%d kept as complete), %d rejected (see %s)",
             len(report.records), report.skipped, len(report.rejects), out_dir / me_clips.REJECTS)
    return report
