"""Writes the dataset: ``<name>/emotion_categories/<emotion>/<g>_<subject>_<seq>.mp4``, per-clip
metadata JSON, ``manifest.csv``, the JSON Schema and the dataset card; the whole folder is built
aside and swapped into place, so a killed export never leaves half a dataset."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from tqdm import tqdm

from equime import __version__
from equime.artifacts import clips as me_clips
from equime.artifacts import dataset, videos
from equime.artifacts.metadata import (
    ClipAttributes,
    ClipMetadata,
    Demographic,
    Generation,
    Motion,
    SourceImage,
    Technical,
)
from equime.artifacts.plan import PlanRow
from equime.artifacts.selection import SubjectInfo
from equime.attributes.labels import GENDERS, UNKNOWN
from equime.errors import InputError
from equime.export.card import CardFacts, CardTally, contact_sheet, render_card
from equime.export.pairs import pair_record
from equime.export.params import ExportParams
from equime.files import cell, check_id, sha256_file
from equime.megc import vqa
from equime.ordered import ByClip, InPlanOrder, lookup
from equime.plan.params import MADE_HERE
from equime.video import VideoInfo, probe_mp4

log = logging.getLogger(__name__)
T = TypeVar("T")
KNOWN_GENDERS = tuple(g for g in GENDERS if g != UNKNOWN)


@dataclass(frozen=True)
class ExportSummary:
    exported: int
    missing: list[str]
    filtered: dict[str, str] = field(default_factory=dict)  # clip id -> failing reasons
    clips_by_emotion: Mapping[str, int] = field(default_factory=dict)
    clips_by_gender: Mapping[str, int] = field(default_factory=dict)
    size_bytes: int = 0  # of the exported clips


@dataclass(frozen=True)
class Exported:
    """A clip copied into the dataset, with what its metadata, manifest row and preview need."""

    row: PlanRow
    meta: ClipMetadata
    info: VideoInfo  # measured from the copy
    subject: SubjectInfo
    path: Path  # the copy


@dataclass(frozen=True)
class Skipped:
    """A planned clip left out: without an ME clip (``reasons`` None), or filtered out by the
    quality checks (their failing reasons)."""

    clip_id: str
    reasons: str | None = None


def demographic_block(subject: SubjectInfo, clip: Mapping[str, Any] | None) -> Demographic:
    """The metadata's demographic block: each attribute with its source and confidence."""
    src = subject.attributes_source

    def source_of(value: Any) -> str:
        return src if value not in (None, UNKNOWN) else "unknown"

    measured = None
    if clip is not None and clip.get("frames_analysed"):
        measured = ClipAttributes(
            **{k: cell(clip.get(k)) for k in (
                "frames_analysed", "frames_no_face", "age_mean", "age_iqr", "gender",
                "gender_share", "race", "race_share", "emotion", "gender_agreement",
                "race_agreement", "age_shift")},
            emotion_shares=json.loads(clip.get("emotion_shares") or "{}"),
            flags=[f for f in str(clip.get("flags") or "").split(";") if f])
    return Demographic(
        gender=subject.gender if subject.gender in KNOWN_GENDERS else UNKNOWN,
        gender_source=source_of(subject.gender), gender_confidence=subject.gender_confidence,
        race=None if subject.race in (None, UNKNOWN) else subject.race,
        race_source=source_of(subject.race),
        race_confidence=subject.race_confidence, age=subject.age, age_band=subject.age_band,
        age_source=source_of(subject.age), annotations=dict(subject.annotations), clip=measured)


def export_metrics(summary: ExportSummary) -> dict[str, Any]:
    return {
        "clips": summary.exported,
        "missing": len(summary.missing),
        "filtered_out": len(summary.filtered),
        "clips_by_emotion": dict(sorted(summary.clips_by_emotion.items())),
        "clips_by_gender": dict(sorted(summary.clips_by_gender.items())),
        "bytes": summary.size_bytes,
    }


def video_name(row: PlanRow) -> str:
    gender = row.gender if row.gender in KNOWN_GENDERS else UNKNOWN
    return f"{gender}_{check_id(row.subject, 'subject')}_{row.seq:02d}"


@dataclass(frozen=True)
class Made:
    """What made a clip's motion: the metadata's generation facts."""

    backend: str
    backend_params: dict[str, Any]
    encoder: dict[str, Any]
    frames_generated: int

    @classmethod
    def generated(cls, record: videos.GenerationRecord) -> Made:
        return cls(record.backend, record.backend_params, record.encoder, record.frames_generated)

    @classmethod
    def transferred(cls, me: me_clips.RetimeRecord) -> Made:
        """A clip moved by a real ME: nothing was generated (retime rendered it onto the face)."""
        return cls("transfer", {"sample": me.sample}, me.encoder or {}, 0)


def build_metadata(row: PlanRow, subject: SubjectInfo, made: Made,
                   me: me_clips.RetimeRecord, technical: Technical, relpath: str,
                   quality: Mapping[str, Any] | None = None,
                   clip_attributes: Mapping[str, Any] | None = None,
                   review: Mapping[str, Any] | None = None) -> ClipMetadata:
    return ClipMetadata(
        video_name=video_name(row),
        file=relpath,
        clip_id=row.clip_id,
        emotion=row.emotion,
        subject=row.subject,
        sequence=row.seq,
        demographic=demographic_block(subject, clip_attributes),
        technical=technical,
        generation=Generation(
            backend=made.backend,
            backend_params=made.backend_params,
            encoder=made.encoder,
            au_source=row.au_source,
            aus=[a.model_dump() for a in row.aus],
            timing=row.timing,
            fps=row.fps, n_frames=row.n_frames,
            frames_generated=made.frames_generated,
            width=row.width, height=row.height,
            prompt=row.prompt, negative_prompt=row.negative_prompt, seed=row.seed,
            equime_version=__version__,
            source_image=SourceImage(subject=subject.subject, file=subject.source,
                                     sha256=subject.sha256),
            motion=Motion.of(me),
        ),
        quality=None if quality is None else {
            k: v for k, v in quality.items() if k not in ("clip_id", "emotion")},
        review=None if review is None else {
            k: v for k, v in review.items() if k not in ("clip_id", "planned")},
    )


Table = Mapping[str, T] | InPlanOrder[T] | None  # a per-clip table: held whole, or streamed


def export_dataset(rows: Iterable[PlanRow], subjects: Mapping[str, SubjectInfo], clips_dir: Path,
                   generated_dir: Path, out_dir: Path, e: ExportParams, seed: int,
                   quality: Table[Mapping[str, Any]] = None,
                   verdicts: Table[tuple[bool, str]] = None,
                   clip_attributes: Table[Mapping[str, Any]] = None,
                   review: Table[Mapping[str, Any]] = None) -> ExportSummary:
    """Write the dataset under ``out_dir / e.name``, a clip at a time: ``rows`` may stream, and
    so may the per-clip tables (:class:`~equime.ordered.InPlanOrder`: memory stays flat in the
    number of clips), generate's and retime's logs always do.

    The clips are the ME clips of ``clips_dir`` (retime's) as made from ``generated_dir``'s.
    With ``verdicts``, only passing clips are exported (the others are listed with their
    reasons) and each clip's ``quality`` record goes into its metadata; ``review`` holds the
    reviewed clips' results.
    """
    tables = Tables(
        records=InPlanOrder(videos.iter_log(generated_dir), str(generated_dir / videos.LOG)),
        retimed=InPlanOrder(me_clips.iter_log(clips_dir), str(clips_dir / me_clips.LOG)),
        quality=lookup(quality), verdicts=lookup(verdicts),
        clip_attributes=lookup(clip_attributes), review=lookup(review))
    test_subjects = vqa.held_out(list(subjects), e.vqa_test_fraction, seed)
    with dataset.writing(out_dir, e.name) as writer:
        clips = (export_clip(row, subjects, clips_dir, tables.of(row.clip_id), writer)
                 for row in tqdm(rows, desc="export", unit="clip"))
        summary = write_metadata(writer, clips, e, test_subjects)
        tables.finish()
    for clip in summary.missing:
        log.warning("not exported (no ME clip: not generated, or refused by retime): %s", clip)
    log.info("exported %d clips to %s", summary.exported, out_dir / e.name)
    return summary


@dataclass(frozen=True)
class Tables:
    """The per-clip tables export reads beside the plan (None: not given)."""

    records: InPlanOrder[videos.GenerationRecord]  # generate's log
    retimed: InPlanOrder[me_clips.RetimeRecord]  # retime's log
    quality: InPlanOrder[Mapping[str, Any]] | ByClip[Mapping[str, Any]] | None
    verdicts: InPlanOrder[tuple[bool, str]] | ByClip[tuple[bool, str]] | None
    clip_attributes: InPlanOrder[Mapping[str, Any]] | ByClip[Mapping[str, Any]] | None
    review: InPlanOrder[Mapping[str, Any]] | ByClip[Mapping[str, Any]] | None

    def of(self, clip_id: str) -> ClipTables:
        """Every table's record of ``clip_id`` (asked for each planned clip, in plan order)."""
        def get(t: Any) -> Any:
            return None if t is None else t.get(clip_id)

        verdict = get(self.verdicts)
        if self.verdicts is not None and verdict is None:
            verdict = (False, "not measured by the quality stage")
        return ClipTables(self.records.get(clip_id), self.retimed.get(clip_id),
                          get(self.quality), verdict, get(self.clip_attributes), get(self.review),
                          with_quality=self.quality is not None)

    def finish(self) -> None:
        """Every streamed table read to its end (a record left over is an error)."""
        for t in (self.records, self.retimed, self.quality, self.verdicts, self.clip_attributes,
                  self.review):
            if t is not None:
                t.finish()


@dataclass(frozen=True)
class ClipTables:
    """One clip's records (None: absent)."""

    record: videos.GenerationRecord | None
    me: me_clips.RetimeRecord | None
    quality: Mapping[str, Any] | None
    verdict: tuple[bool, str] | None  # None: no verdicts given (everything is exported)
    clip_attributes: Mapping[str, Any] | None
    review: Mapping[str, Any] | None
    with_quality: bool = False


def export_clip(row: PlanRow, subjects: Mapping[str, SubjectInfo], clips_dir: Path,
                t: ClipTables, writer: dataset.DatasetWriter) -> Exported | Skipped:
    """One planned clip copied into the dataset with its metadata built, or why it is left out."""
    src = me_clips.video_path(clips_dir, row.clip_id)
    me = t.me
    row = me_clips.labelled(row, me)  # a generated clip's label is what retime measured
    if me is None or not src.is_file() or sha256_file(src) != me.sha256:
        return Skipped(row.clip_id)
    if row.motion_source not in MADE_HERE:
        made = Made.transferred(me)
    elif t.record is not None:
        made = Made.generated(t.record)
    else:
        return Skipped(row.clip_id)
    if t.verdict is not None:
        passed, reasons = t.verdict
        if not passed:
            return Skipped(row.clip_id, reasons)
    if row.subject not in subjects:
        raise InputError(f"subject {row.subject!r} of clip {row.clip_id} is not in "
                         "subjects.csv; rerun `dvc repro plan`")
    rel = dataset.video_relpath(row.emotion, video_name(row))
    dst = writer.add_clip(src, rel)
    info = probe_mp4(dst)
    technical = Technical(**{k: v for k, v in asdict(info).items() if k != "path"})
    clip_quality = {**(t.quality or {}), "passed": True} if t.with_quality else None
    meta = build_metadata(row, subjects[row.subject], made, me, technical, rel, clip_quality,
                          t.clip_attributes, t.review)
    return Exported(row, meta, info, subjects[row.subject], dst)


def write_metadata(writer: dataset.DatasetWriter, clips: Iterable[Exported | Skipped],
                   e: ExportParams, test_subjects: frozenset[str] = frozenset()) -> ExportSummary:
    """Each exported clip's metadata, manifest row, video–text pair and ME-VQA rows (the test
    split's for ``test_subjects``) as it comes, then the card, preview and facts: memory flat in
    the number of clips (of the left-out ones, ids are kept)."""
    tally = CardTally()
    firsts: dict[str, tuple[PlanRow, Path]] = {}  # the preview shows each emotion's first clip
    missing: list[str] = []
    filtered: dict[str, str] = {}
    by_emotion: Counter[str] = Counter()
    by_gender: Counter[str] = Counter()
    size_bytes = 0
    for clip in clips:
        if isinstance(clip, Skipped):
            if clip.reasons is None:
                missing.append(clip.clip_id)
            else:
                filtered[clip.clip_id] = clip.reasons
            continue
        writer.add_metadata(clip.meta, manifest_entry(clip.row, clip.meta, clip.info, clip.subject),
                            pair_record(clip.meta))
        test = clip.row.subject in test_subjects
        writer.add_vqa(vqa_rows(clip.meta, e.name, clip.row.seed, test), test)
        tally.add(clip.meta)
        firsts.setdefault(clip.row.emotion, (clip.row, clip.path))
        by_emotion[clip.row.emotion] += 1
        by_gender[clip.meta.demographic.gender] += 1
        size_bytes += clip.info.size_bytes
    preview = contact_sheet(list(firsts.values()))
    facts = CardFacts(name=e.name, license_name=e.license, version=__version__, tally=tally,
                      missing=missing, has_preview=preview is not None, filtered=filtered)
    writer.finish(render_card(facts), preview, {"name": e.name, "license": e.license,
                                                "clips": tally.clips, "equime_version": __version__})
    return ExportSummary(exported=tally.clips, missing=missing, filtered=filtered,
                         clips_by_emotion=by_emotion, clips_by_gender=by_gender,
                         size_bytes=size_bytes)


def vqa_rows(meta: ClipMetadata, name: str, seed: int, test: bool) -> list[dict[str, Any]]:
    """The clip's ME-VQA rows from its metadata (planned AUs and sides, emotion, timing)."""
    t = meta.generation.timing
    return vqa.records(name.lower(), meta.video_name, meta.file, meta.subject, meta.emotion,
                       [a.code for a in meta.generation.aus], t.onset_frame, t.offset_frame,
                       seed, test)


def manifest_entry(row: PlanRow, meta: ClipMetadata, info: VideoInfo,
                   subject: SubjectInfo) -> dict[str, Any]:
    """The clip's manifest row: its labels, plan and measured file facts."""
    return {
        "video": meta.file, "emotion": row.emotion, "gender": meta.demographic.gender,
        "race": meta.demographic.race or UNKNOWN, "age_band": meta.demographic.age_band,
        "attributes_source": subject.attributes_source,
        "subject": row.subject, "sequence": row.seq, "clip_id": row.clip_id,
        "au_source": row.au_source, "aus": "+".join(a.code for a in row.aus),
        "onset_frame": row.timing.onset_frame, "apex_frame": row.timing.apex_frame,
        "offset_frame": row.timing.offset_frame, "duration_s": meta.generation.timing.duration_s,
        "seed": row.seed, "frame_count": info.frame_count, "fps": info.fps,
        "width": info.width, "height": info.height, "size_bytes": info.size_bytes,
        "sha256": info.sha256,
    }
