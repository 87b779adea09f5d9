"""What to retime: a plan's generated clips (the stage), or any folder of expression videos."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from equime.artifacts import videos
from equime.artifacts.plan import PlanRow
from equime.compute.params import ComputeParams
from equime.datasets.labels import megc3
from equime.datasets.params import Datasets
from equime.datasets.registry import load_configured
from equime.datasets.sample import Sample
from equime.errors import InputError
from equime.plan.au_tables import aus_for, emotion_in_name
from equime.plan.params import MADE_HERE, MAX_PIXEL_FRAMES, PlanParams
from equime.plan.planner import clip_seed, draw_timing
from equime.plan.timing import MIN_FRAMES
from equime.recording.params import CameraParams
from equime.retime.params import RetimeParams
from equime.retime.runner import Job, Neutral, RetimeReport, retime_jobs
from equime.video import EncoderOptions, video_shape
from equime.video_folder import VideoFolder, list_videos


def same_emotion(samples: Sequence[Sample], emotion: str) -> list[Sample]:
    """The samples that show ``emotion``: coded so, else (no such sample) of its MEGC class; in a
    fixed order (subject, clip)."""
    exact = [s for s in samples if s.emotion.strip().lower() == emotion]
    label = megc3("synthetic", emotion)
    close = [s for s in samples if label is not None and s.label3 == label]
    return sorted(exact or close, key=lambda s: (s.subject, s.clip_id))


def sample_for(row: PlanRow, samples: Sequence[Sample] | None, dataset: str) -> Sample | str:
    """The real ME whose motion plays on ``row``'s face (drawn by the row's seed among the
    dataset's samples of its emotion), or why there is none."""
    if samples is None:
        return (f"motion source {dataset} is not configured: set datasets.{dataset}.root (and "
                "sheet) to a local copy")
    usable = [s for s in same_emotion(samples, row.emotion) if s.frames or s.video is not None]
    if not usable:
        return f"{dataset} has no sample of {row.emotion} (nor of its MEGC class)"
    return usable[row.seed % len(usable)]


def _dataset_job(row: PlanRow, base: dict[str, Any], samples: Sequence[Sample] | None) -> Job:
    picked = sample_for(row, samples, row.motion_source)
    if isinstance(picked, str):
        return Job(**base, source=None, refused=picked)
    about = {**base["about"], "sample": f"{picked.dataset}/{picked.subject}/{picked.clip_id}",
             "sample_timing": [picked.onset, picked.apex, picked.offset]}
    return Job(**{**base, "about": about}, source=None, sample=picked)


def plan_jobs(rows: Sequence[PlanRow], videos_dir: Path, records: Mapping[str, videos.GenerationRecord],
              curated_dir: Path, datasets: Datasets | None = None) -> list[Job]:
    """One job per plan row onto its curated face: its generated clip (``records``: the
    generation log) retimed, passed through when its backend already renders micro-expressions,
    or, for a row whose motion is a dataset's, that dataset's ME of its emotion transferred."""
    curated_dir = curated_dir.resolve()  # absolute: jobs may run on other nodes

    @functools.cache
    def samples(name: str) -> tuple[Sample, ...] | None:
        cfg = (datasets or {}).get(name)  # type: ignore[call-overload]
        loaded = None if cfg is None else load_configured(name, cfg)
        return None if loaded is None else tuple(loaded.samples)

    jobs = []
    for row in rows:
        if row.motion_source not in MADE_HERE:
            base = dict(clip_id=row.clip_id, fps=Fraction(row.fps), n_frames=row.n_frames,
                        timing=row.timing, planned=tuple(a.code for a in row.aus),
                        emotion=row.emotion,
                        motion_source=row.motion_source, passthrough=False,
                        neutral=Neutral(curated_dir, row), seed=row.seed,
                        about={"row": row.model_dump(mode="json")})
            jobs.append(_dataset_job(row, base, samples(row.motion_source)))
            continue
        record = records.get(row.clip_id)  # None: not generated (the job is a reject line)
        # the motion its backend made (the generation log says): facs clips are MEs as rendered
        motion = "generated" if record is None else record.motion
        jobs.append(Job(
            clip_id=row.clip_id, source=videos.video_path(videos_dir, row.clip_id),
            fps=Fraction(row.fps), n_frames=row.n_frames, timing=row.timing,
            planned=tuple(a.code for a in row.aus), emotion=row.emotion,
            motion_source=motion, passthrough=motion == "facs", neutral=Neutral(curated_dir, row),
            seed=row.seed,
            about={"row": row.model_dump(mode="json"),
                   "backend": "" if record is None else record.backend}))
    return jobs


def folder_jobs(folder: Path, plan: PlanParams, base_seed: int,
                emotion_from_name: bool) -> tuple[list[Job], list[tuple[str, str]]]:
    """One job per video of ``folder`` (:func:`~equime.video_folder.list_videos`): frame 0 is the
    neutral face; the timing is drawn as the plan's params say, seeded by the file name; the ME
    clip keeps the video's size, fps and length; with ``emotion_from_name``, an emotion in the
    name brings its AU set (table plan.au_source) for the apex. Entries refused by the folder
    rule, and videos that cannot be read or are too short to hold an expression, are returned
    as rejects (the run goes on)."""
    listed = list_videos(folder)
    jobs, rejects = [], list(listed.refused)
    for path in listed.videos:
        name = VideoFolder.stem(path)
        try:
            n, width, height, fps = video_shape(path)
        except InputError as exc:
            rejects.append((path.name, str(exc)))
            continue
        if n < MIN_FRAMES or not fps:
            rejects.append((path.name, f"{n} frame(s) at {float(fps):g} fps: too short to hold "
                                       f"an expression (needs {MIN_FRAMES})"))
            continue
        if n * width * height > MAX_PIXEL_FRAMES:  # retime holds a video whole
            rejects.append((path.name, f"{n} frames of {width}x{height}: too long to "
                                       "retime at once; cut it around the expression"))
            continue
        seed = clip_seed(base_seed, name)
        rng = np.random.default_rng(seed)
        emotion = emotion_in_name(name, plan.au_source) if emotion_from_name else ""
        jobs.append(Job(
            clip_id=name, source=path, fps=fps, n_frames=n,
            timing=draw_timing(rng, plan, float(fps), n),
            planned=aus_for(plan.au_source, emotion) if emotion else (), emotion=emotion,
            motion_source="video", passthrough=False, neutral=None, seed=seed,
            about={"file": path.name}))
    return jobs, rejects


def retime_plan(rows: Sequence[PlanRow], videos_dir: Path, curated_dir: Path, out_dir: Path,
                r: RetimeParams, camera: CameraParams, encoder: EncoderOptions,
                datasets: Datasets | None = None,
                compute: ComputeParams | None = None) -> RetimeReport:
    """The retime stage: every planned clip's ME clip into ``out_dir`` (``data/clips``), the
    rendered ones recorded through ``camera`` (the warp backend's pass through as they are), on
    the engine ``compute`` names."""
    jobs = plan_jobs(rows, videos_dir.resolve(), videos.read_log(videos_dir), curated_dir,
                     datasets)
    return retime_jobs(jobs, out_dir, r, camera, encoder, prune=True, compute=compute)


def retime_folder(folder: Path, out_dir: Path, r: RetimeParams, camera: CameraParams,
                  plan: PlanParams, base_seed: int, encoder: EncoderOptions,
                  emotion_from_name: bool = False,
                  compute: ComputeParams | None = None) -> RetimeReport:
    """``equime retime --videos``: every video of ``folder`` → ``out_dir/<same name>.mp4``."""
    jobs, rejected = folder_jobs(folder.resolve(), plan, base_seed, emotion_from_name)
    return retime_jobs(jobs, out_dir, r, camera, encoder, prune=False, rejected=rejected,
                       compute=compute)
