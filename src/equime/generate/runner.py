"""Turns plan rows into MP4 clips: resumable, verified, atomic per clip, failures to a rejects file.

For each row, in plan order: if ``<clip_id>.mp4`` and its sidecar ``<clip_id>.json`` exist, the
sidecar's render key matches (same row, backend parameters and encoder) and the MP4's sha256
matches the sidecar, the clip is skipped; otherwise it is rendered and written (MP4 first, then
the sidecar, both atomically). A killed run therefore resumes with the same bytes as a clean one.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from equime.artifacts import videos
from equime.artifacts.curated import FaceImage, FaceStore
from equime.artifacts.plan import PlanRow
from equime.artifacts.videos import GenerationRecord, MotionKind
from equime.compute.engine import run_items
from equime.compute.params import ComputeParams
from equime.compute.work import Failed, Work
from equime.errors import InputError, ParamsError
from equime.files import (
    content_key,
    lock_path,
    output_lock,
    remove_partials,
    sha256_file,
)
from equime.generate.base import Renderer
from equime.generate.params import GenerateParams
from equime.generate.registry import Backend, backend, build_renderer
from equime.plan.params import MADE_HERE
from equime.recording.params import RecordingParams
from equime.sources import code_fingerprint
from equime.video import EncoderOptions, write_mp4

log = logging.getLogger(__name__)


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
    records: list[GenerationRecord] = field(default_factory=list)  # the finished clips'
    checked: list[CheckedClip] = field(default_factory=list)  # a dry run's

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    def metrics(self) -> dict[str, Any]:
        """Deterministic figures (DVC): the same for a clean and a resumed run."""
        peaks = [r.peak_mean_abs_change for r in self.records]
        return {
            "clips_planned": len(self.outcomes),
            "clips_written": len(self.records),
            "clips_failed": self.count("failed"),
            "frames_written": int(sum(r.n_frames for r in self.records)),
            "expressive_frames_mean": float(np.mean([r.expressive_frames for r in self.records]))
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


# The code that makes a clip's bytes: the backend's module (with everything it imports, read
# from the imports: :mod:`equime.sources`), the encoder and the sidecar; a change to any of it
# re-renders every clip (DVC reruns the stage on a code change; the runner must not keep stale
# clips). The engine that schedules the work is left out: it does not shape a byte.
RENDER_ROOTS = ("equime.video", "equime.artifacts.videos")


def render_key(row: PlanRow, renderer: Renderer, encoder: EncoderOptions) -> str:
    return content_key({"row": row.model_dump(mode="json"), "backend": renderer.name,
                        "backend_params": renderer.params(), "encoder": asdict(encoder),
                        "code": code_fingerprint((*RENDER_ROOTS, type(renderer).__module__))})


def _complete(out_dir: Path, row: PlanRow, renderer: Renderer,
              encoder: EncoderOptions) -> GenerationRecord | None:
    """The sidecar record if the clip on disk is finished and verified, else None."""
    video = videos.video_path(out_dir, row.clip_id)
    record = videos.read_sidecar(out_dir, row.clip_id)
    if record is None or not video.is_file():  # (the key is not computed for a clip not made)
        return None
    if record.render_key != render_key(row, renderer, encoder) or \
            record.sha256 != sha256_file(video):
        return None
    return record


@dataclass(frozen=True)
class Shard:
    """Part ``index`` (1-based) of ``count``: a deterministic partition by a hash of the clip id,
    so shards stay the same whatever the order or length of the plan."""

    index: int = 1
    count: int = 1

    @classmethod
    def parse(cls, text: str) -> Shard:
        try:
            i, n = (int(x) for x in text.split("/"))
        except ValueError:
            raise InputError(f"--shard {text!r}: write it as i/n, e.g. 1/4") from None
        if not 1 <= i <= n:
            raise InputError(f"--shard {text!r}: need 1 ≤ i ≤ n")
        return cls(i, n)

    @property
    def whole(self) -> bool:
        return self.count == 1

    @property
    def part(self) -> str:
        """How its files and lock are named: ``shard-i-of-n``."""
        return f"shard-{self.index}-of-{self.count}"

    def owns(self, clip: str) -> bool:
        h = int.from_bytes(hashlib.sha256(clip.encode()).digest()[:8], "big")
        return h % self.count == self.index - 1


def _batches(rows: Sequence[PlanRow], size: int) -> list[list[PlanRow]]:
    """Consecutive rows of the same frame count, size and fps, at most ``size`` per batch."""
    out: list[list[PlanRow]] = []
    for row in rows:
        key = (row.n_frames, row.width, row.height, row.fps)
        if out and len(out[-1]) < size and (out[-1][0].n_frames, out[-1][0].width,
                                            out[-1][0].height, out[-1][0].fps) == key:
            out[-1].append(row)
        else:
            out.append([row])
    return out


def generate_clips(
    rows: Sequence[PlanRow],
    face_for: Callable[[PlanRow], FaceImage],
    renderer: Renderer,
    encoder: EncoderOptions,
    out_dir: Path,
    batch_size: int,
    shard: Shard = Shard(),
    compute: ComputeParams | None = None,
    dry_run: bool = False,
    entry: Backend | None = None,
) -> GenerationReport:
    """Render and write the clips of ``rows`` that ``shard`` owns into ``out_dir``.

    A whole run (shard 1/1) also prunes clips no longer planned and writes ``generation.jsonl``
    and ``rejects.csv``; shards only add clips, so n shards can share one folder and a final
    whole run (which finds every clip complete) merges them. ``dry_run``: nothing is written.
    ``entry``: what the renderer's backend is (the motion its clips show, whether it holds a
    model); by default the registry's entry of the renderer's name (another is an error).
    """
    entry = entry or backend(renderer.name)
    if dry_run:
        return _generate_clips(rows, face_for, renderer, entry, encoder, out_dir, batch_size,
                               shard, compute, dry_run)
    out_dir.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as held:
        # a whole run owns the folder (it prunes and removes partials); shards share it, each
        # its own clips; a second run of the same part stops with one line
        held.enter_context(output_lock(out_dir, shared=not shard.whole))
        if not shard.whole:
            _check_shard_count(out_dir, shard)
            held.enter_context(output_lock(out_dir, part=shard.part))
        report = _generate_clips(rows, face_for, renderer, entry, encoder, out_dir, batch_size,
                                 shard, compute, dry_run)
        if shard.whole:
            _merge_shards(out_dir)
        return report


_SHARD = re.compile(r"shard-(\d+)-of-(\d+)")


def _shard_files(out_dir: Path) -> list[Path]:
    """What shards leave: their rejects files, and their lock files beside the folder."""
    return [*videos.shard_rejects(out_dir),
            *sorted(out_dir.parent.glob(lock_path(out_dir, "shard-*-of-*").name))]


def _check_shard_count(out_dir: Path, shard: Shard) -> None:
    """Shards of one count only share a folder: ``1/3`` beside ``1/2`` would render clips twice
    and leave some to none."""
    for path in _shard_files(out_dir):
        if (m := _SHARD.search(path.name)) and int(m[2]) != shard.count:
            raise InputError(f"{out_dir}: holds shards of {m[2]} ({path.name}), not of "
                             f"{shard.count}; run shards i/{m[2]}, or a whole run (dvc repro) "
                             "first to merge them")


def _merge_shards(out_dir: Path) -> None:
    """After a whole run (no shard runs now: it holds the folder alone), the shards' files go:
    it found their clips complete or retried their failures, and wrote the one rejects file."""
    if found := _shard_files(out_dir):
        for path in found:
            path.unlink(missing_ok=True)
        log.info("merged the shards: removed %d of their files", len(found))


class RenderClips(Work[list[PlanRow], list[tuple[GenerationRecord, float, float]]]):
    """The generate stage's per-item work: a batch of rows rendered at once, each clip checked,
    encoded and written into ``out_dir``; returns (record, render s, encode s) per clip."""

    def __init__(self, renderer: Renderer, entry: Backend, faces: Callable[[PlanRow], FaceImage],
                 out_dir: Path, encoder: EncoderOptions) -> None:
        self.renderer, self.entry, self.faces = renderer, entry, faces
        self.out_dir, self.encoder = out_dir, encoder

    @property
    def holds_model(self) -> bool:  # type: ignore[override]
        return self.entry.holds_model

    def setup(self) -> None:
        self.renderer.prepare()
        self._params = self.renderer.params()

    def __call__(self, batch: list[PlanRow]) -> list[tuple[GenerationRecord, float, float]]:
        t0 = time.perf_counter()
        rendered = self.renderer.render_batch(batch, [self.faces(r) for r in batch])
        render_s = (time.perf_counter() - t0) / len(batch)
        out = []
        for row, frames in zip(batch, rendered, strict=True):
            t1 = time.perf_counter()
            record = _write_clip(self.out_dir, row, frames, self.renderer, self.entry.motion,
                                 self._params, self.encoder)
            out.append((record, render_s, time.perf_counter() - t1))
        return out


class VerifyClips(Work[PlanRow, "GenerationRecord | None"]):
    """Is a row's clip on disk finished and verified (sidecar key, MP4 sha256)? Its record, else
    None. Run by the engine's workers: hashing every clip is no work for the driver."""

    def __init__(self, renderer: Renderer, out_dir: Path, encoder: EncoderOptions) -> None:
        self.renderer, self.out_dir, self.encoder = renderer, out_dir, encoder

    def __call__(self, row: PlanRow) -> GenerationRecord | None:
        return _complete(self.out_dir, row, self.renderer, self.encoder)


@dataclass(frozen=True)
class CheckedClip:
    """What a dry run found a row's clip would be."""

    clip_id: str
    seed: int
    n_frames: int
    render_key: str


class CheckClips(Work[list[PlanRow], list[tuple[CheckedClip, float, float]]]):
    """A dry run's per-item work: what each row's clip would be (its subject's face on record,
    its seed, frame count and render key); nothing is rendered or written."""

    def __init__(self, renderer: Renderer, faces: FaceStore, encoder: EncoderOptions) -> None:
        self.renderer, self.faces, self.encoder = renderer, faces, encoder

    def __call__(self, batch: list[PlanRow]) -> list[tuple[CheckedClip, float, float]]:
        out = []
        for row in batch:
            self.faces.check(row)
            out.append((CheckedClip(row.clip_id, row.seed, self.renderer.kept_frames(row),
                                    render_key(row, self.renderer, self.encoder)), 0.0, 0.0))
        return out


def _generate_clips(rows: Sequence[PlanRow], face_for: Callable[[PlanRow], FaceImage],
                    renderer: Renderer, entry: Backend, encoder: EncoderOptions, out_dir: Path,
                    batch_size: int, shard: Shard, compute: ComputeParams | None,
                    dry_run: bool) -> GenerationReport:
    if shard.whole and not dry_run:
        if n := remove_partials(out_dir):
            log.info("removed %d partial file(s) left by an interrupted run", n)
        if removed := videos.prune(out_dir, {r.clip_id for r in rows}):
            log.info("removed %d file(s) of clips no longer planned", len(removed))
    mine = [r for r in rows if shard.owns(r.clip_id)]
    for row in mine:  # a name that is no file name stops the stage before any worker has it
        videos.video_path(out_dir, row.clip_id)
    report = GenerationReport()
    done: dict[str, GenerationRecord] = {}
    checked: dict[str, CheckedClip] = {}
    pending: list[PlanRow] = []
    verified = run_items(VerifyClips(renderer, out_dir, encoder), mine, compute, "generate",
                         desc="generate: verify")
    for row, record in zip(mine, verified, strict=True):
        if isinstance(record, GenerationRecord):
            done[row.clip_id] = record
        else:  # absent, unfinished, stale, or not verifiable: made (again)
            pending.append(row)
    outcomes: dict[str, ClipOutcome] = {c: ClipOutcome(c, "skipped") for c in done}
    if pending and not dry_run and (compute is None or compute.engine == "local"):
        renderer.prepare()  # a missing model stops the stage here, before any clip is rejected
    work: Work[list[PlanRow], list[tuple[Any, float, float]]] = (
        CheckClips(renderer, face_for, encoder) if dry_run  # type: ignore[arg-type]
        else RenderClips(renderer, entry, face_for, out_dir, encoder))
    batches = _batches(pending, batch_size)
    rejects: list[tuple[str, str]] = []
    results = run_items(work, batches, compute, "generate", desc=f"generate[{renderer.name}]")
    for batch, result in zip(batches, results, strict=True):
        if isinstance(result, Failed):  # the batch failed on every try: its clips are rejected
            for row in batch:
                log.warning("%s failed: %s", row.clip_id, result.reason)
                rejects.append((row.clip_id, result.reason))
                outcomes[row.clip_id] = ClipOutcome(row.clip_id, "failed", result.reason)
            continue
        for row, (record, render_s, encode_s) in zip(batch, result, strict=True):
            outcomes[row.clip_id] = ClipOutcome(row.clip_id, "checked" if dry_run else "rendered",
                                                "", render_s, encode_s)
            if isinstance(record, CheckedClip):
                checked[row.clip_id] = record
            else:
                done[row.clip_id] = record
    report.outcomes = [outcomes[r.clip_id] for r in mine]
    report.records = [done[r.clip_id] for r in mine if r.clip_id in done]
    if dry_run:
        report.checked = [checked[r.clip_id] for r in mine if r.clip_id in checked]
        return report
    if shard.whole:
        videos.write_log(out_dir, report.records)
        videos.write_rejects(out_dir, rejects)
    else:
        videos.write_rejects(out_dir, rejects, shard.part)
    return report


def generate(rows: Sequence[PlanRow], curated_dir: Path, out_dir: Path, g: GenerateParams,
             recording: RecordingParams, shard: Shard = Shard(),
             compute: ComputeParams | None = None, dry_run: bool = False) -> GenerationReport:
    """The generate stage: every planned clip (that ``shard`` owns) rendered by the configured
    backend from its curated face, encoded and written into ``out_dir``, on the engine
    ``compute`` names (None: this process). ``dry_run``: each clip's work checked and dispatched,
    nothing rendered or written."""
    made = backend(g.backend).motion
    if wrong := [r for r in rows if r.motion_source in MADE_HERE and r.motion_source != made]:
        raise ParamsError(f"params.yaml: plan.motion_source is {wrong[0].motion_source} but "
                          f"generate.backend {g.backend} makes {made} motion; change one of them")
    rows = [r for r in rows if r.motion_source == made]  # a dataset's motion: nothing to generate
    renderer = build_renderer(g.backend, g.settings(), recording)
    renderer.check(rows)  # before any model loads
    faces = FaceStore(curated_dir.resolve())  # absolute: workers may run on other nodes
    _ = faces.table  # a missing or broken subjects.csv stops the stage here
    report = generate_clips(rows, faces, renderer,
                            g.encoder(), out_dir.resolve(),
                            batch_size=g.batch_size, shard=shard, compute=compute, dry_run=dry_run)
    if dry_run:
        log.info("generate --dry-run: %d clips would be rendered, %d are complete, %d failed",
                 report.count("checked"), report.count("skipped"), report.count("failed"))
    else:
        log.info("generate%s: %d written, %d skipped as complete, %d failed (see %s)",
                 "" if shard.whole else f" {shard.index}/{shard.count}",
                 report.count("rendered"), report.count("skipped"), report.count("failed"),
                 videos.rejects_path(out_dir, None if shard.whole else shard.part))
    return report


def _write_clip(out_dir: Path, row: PlanRow, frames: Iterable[np.ndarray], renderer: Renderer,
                motion: MotionKind, backend_params: dict[str, Any],
                encoder: EncoderOptions) -> GenerationRecord:
    """Check, encode and record one clip: MP4 first, then its sidecar (both atomic). ``frames``
    may be a stream: each frame is checked and encoded as it comes (memory stays flat in the
    clip's length); a wrong frame or count discards the unfinished file."""
    expected = (renderer.kept_frames(row), row.height, row.width, 3)
    changes: list[float] = []

    def checked() -> Iterator[np.ndarray]:
        first = None
        for frame in frames:
            if frame.shape != expected[1:] or frame.dtype != np.uint8:
                raise ValueError(f"backend returned a {frame.dtype} {frame.shape} frame, expected "
                                 f"uint8 {expected[1:]}")
            if first is None:
                first = frame
            # mean absolute difference from the first frame (grey levels); cheap for the many
            # frames that are bit-identical to it
            same = frame is first or np.array_equal(frame, first)
            changes.append(0.0 if same else float(cv2.absdiff(frame, first).mean()))
            yield frame
        if len(changes) != expected[0]:
            raise ValueError(f"backend returned {len(changes)} frames, expected {expected[0]}")

    video = videos.video_path(out_dir, row.clip_id)
    encoded = write_mp4(video, checked(), row.fps, encoder)
    change = np.array(changes)
    record = GenerationRecord(
        clip_id=row.clip_id,
        render_key=render_key(row, renderer, encoder),
        sha256=sha256_file(video),
        frames_sha256=encoded.frames_sha256,
        backend=renderer.name,
        motion=motion,
        backend_params=backend_params,
        encoder=asdict(encoder),
        n_frames=renderer.kept_frames(row),
        frames_generated=renderer.generated_frames(row),
        frames_kept=renderer.kept_frames(row),
        fps=row.fps,
        width=row.width,
        height=row.height,
        expressive_frames=int(np.count_nonzero(change)),
        peak_mean_abs_change=round(float(change.max()), 4),
        peak_frame=int(change.argmax()),
    )
    videos.write_sidecar(out_dir, record)
    return record
