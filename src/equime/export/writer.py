"""Writes the dataset: ``<name>/emotion_categories/<emotion>/<g>_<subject>_<seq>.mp4``, per-clip
metadata JSON, ``manifest.csv``, the JSON Schema and the dataset card; the whole folder is built
aside and swapped into place, so a killed export never leaves half a dataset."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from equime import __version__
from equime.errors import InputError
from equime.export.card import CardFacts, contact_sheet, render_card
from equime.export.pairs import pair_record
from equime.export.schema import (
    ClipAttributes,
    ClipMetadata,
    Demographic,
    Generation,
    SourceImage,
    Technical,
    TimingBlock,
    json_schema,
)
from equime.files import (
    cell,
    check_id,
    dumps_json,
    replace_dir,
    sha256_file,
    write_csv,
    write_json,
    write_jsonl,
    write_png,
)
from equime.plan.planner import PlanRow
from equime.video import probe_mp4

MANIFEST_COLUMNS = [
    "video", "emotion", "gender", "race", "age_band", "attributes_source", "subject", "sequence",
    "clip_id", "au_source", "aus",
    "onset_frame", "apex_frame", "offset_frame", "duration_s", "seed", "frame_count", "fps",
    "width", "height", "size_bytes", "sha256",
]


@dataclass(frozen=True)
class SubjectInfo:
    subject: str
    source: str
    sha256: str
    annotations: Mapping[str, Any]  # labels given with the photo
    attributes_source: str  # annotations | deepface (select's table)
    status: str = "ok"  # deepface found the face (ok) or not (no-face)
    gender: str = "u"
    gender_confidence: float | None = None
    race: str | None = None
    race_confidence: float | None = None
    age: float | None = None
    age_band: str = "u"


@dataclass(frozen=True)
class ExportSummary:
    exported: int
    missing: list[str]
    manifest: pd.DataFrame
    filtered: dict[str, str] = field(default_factory=dict)  # clip id -> failing reasons


def read_subject_infos(path: Path) -> dict[str, SubjectInfo]:
    """Select's subjects.csv: the selected subjects with their source photo and demography."""
    from equime.demographics.selection import read_selected

    return {
        r.subject_id: SubjectInfo(
            subject=r.subject_id, source=r.source, sha256=r.sha256,
            annotations=json.loads(r.annotations or "{}"), attributes_source=r.attributes_source,
            status=r.status, gender=r.gender or "u", gender_confidence=cell(r.gender_confidence),
            race=cell(r.race), race_confidence=cell(r.race_confidence), age=cell(r.age),
            age_band=r.age_band or "u")
        for r in read_selected(path).itertuples()
    }


def demographic_block(subject: SubjectInfo, clip: Mapping[str, Any] | None) -> Demographic:
    """The metadata's demographic block: each attribute with its source and confidence."""
    src = subject.attributes_source

    def source_of(value: Any) -> str:
        return src if value not in (None, "u") else "unknown"

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
        gender=subject.gender if subject.gender in ("m", "f") else "u",
        gender_source=source_of(subject.gender), gender_confidence=subject.gender_confidence,
        race=None if subject.race in (None, "u") else subject.race, race_source=source_of(subject.race),
        race_confidence=subject.race_confidence, age=subject.age, age_band=subject.age_band,
        age_source=source_of(subject.age), annotations=dict(subject.annotations), clip=measured)


def export_metrics(summary: ExportSummary) -> dict[str, Any]:
    m = summary.manifest
    return {
        "clips": summary.exported,
        "missing": len(summary.missing),
        "filtered_out": len(summary.filtered),
        "clips_by_emotion": m["emotion"].value_counts().sort_index().to_dict(),
        "clips_by_gender": m["gender"].value_counts().sort_index().to_dict(),
        "bytes": int(m["size_bytes"].sum()),
    }


def video_name(row: PlanRow) -> str:
    gender = row.gender if row.gender in ("m", "f") else "u"
    return f"{gender}_{check_id(row.subject, 'subject')}_{row.seq:02d}"


def build_metadata(row: PlanRow, subject: SubjectInfo, record: Mapping[str, Any],
                   technical: Technical, relpath: str,
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
            backend=record["backend"],
            backend_params=record["backend_params"],
            encoder=record["encoder"],
            au_source=row.au_source,
            aus=[a.model_dump() for a in row.aus],
            timing=TimingBlock(
                onset_frame=row.onset_frame, apex_frame=row.apex_frame,
                offset_frame=row.offset_frame, onset_s=row.onset_s, apex_s=row.apex_s,
                offset_s=row.offset_s, duration_s=round(row.offset_s - row.onset_s, 6)),
            fps=row.fps, n_frames=row.n_frames,
            frames_generated=record.get("frames_generated", row.n_frames),
            width=row.width, height=row.height,
            prompt=row.prompt, negative_prompt=row.negative_prompt, seed=row.seed,
            equime_version=__version__,
            source_image=SourceImage(subject=subject.subject, file=subject.source,
                                     sha256=subject.sha256),
        ),
        quality=None if quality is None else {
            k: v for k, v in quality.items() if k not in ("clip_id", "emotion")},
        review=None if review is None else {
            k: v for k, v in review.items() if k not in ("clip_id", "planned")},
    )


def _generation_records(videos_dir: Path) -> dict[str, dict[str, Any]]:
    path = videos_dir / "generation.jsonl"
    if not path.is_file():
        raise InputError(f"{path}: not found; run `equime generate` first")
    return {r["clip_id"]: r for r in map(json.loads, path.read_text().splitlines()) if r}


def export_dataset(rows: Sequence[PlanRow], subjects: Mapping[str, SubjectInfo], videos_dir: Path,
                   out_dir: Path, name: str, license_name: str,
                   quality: Mapping[str, Mapping[str, Any]] | None = None,
                   verdicts: Mapping[str, tuple[bool, str]] | None = None,
                   clip_attributes: Mapping[str, Mapping[str, Any]] | None = None,
                   review: Mapping[str, Mapping[str, Any]] | None = None) -> ExportSummary:
    """Write the dataset under ``out_dir / name``.

    With ``verdicts``, only passing clips are exported (the others are listed with their
    reasons) and each clip's ``quality`` record goes into its metadata.
    """
    records = _generation_records(videos_dir)
    filtered: dict[str, str] = {}
    staging = out_dir.with_name(f".{out_dir.name}.staging")
    shutil.rmtree(staging, ignore_errors=True)
    root = staging / name
    entries, missing, metas = [], [], []
    for row in tqdm(rows, desc="export", unit="clip"):
        src = videos_dir / f"{row.clip_id}.mp4"
        record = records.get(row.clip_id)
        if record is None or not src.is_file() or sha256_file(src) != record["sha256"]:
            missing.append(row.clip_id)
            continue
        if verdicts is not None:
            passed, reasons = verdicts.get(row.clip_id, (False, "not measured by the quality stage"))
            if not passed:
                filtered[row.clip_id] = reasons
                continue
        if row.subject not in subjects:
            raise InputError(f"subject {row.subject!r} of clip {row.clip_id} is not in subjects.csv;"
                             " rerun `equime plan`")
        vname = video_name(row)
        rel = f"emotion_categories/{row.emotion}/{vname}.mp4"
        dst = root / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        info = probe_mp4(dst)
        technical = Technical(**{k: v for k, v in asdict(info).items() if k != "path"})
        clip_quality = None
        if quality is not None:
            clip_quality = {**quality.get(row.clip_id, {}), "passed": True}
        meta = build_metadata(row, subjects[row.subject], record, technical, rel, clip_quality,
                              (clip_attributes or {}).get(row.clip_id),
                              (review or {}).get(row.clip_id))
        write_json(root / "emotion_categories" / row.emotion / "metadata" /
                   f"{vname}_metadata.json", meta.model_dump(mode="json"))
        metas.append((row, meta, dst))
        entries.append({
            "video": rel, "emotion": row.emotion, "gender": meta.demographic.gender,
            "race": meta.demographic.race or "u", "age_band": meta.demographic.age_band,
            "attributes_source": subjects[row.subject].attributes_source,
            "subject": row.subject, "sequence": row.seq, "clip_id": row.clip_id,
            "au_source": row.au_source, "aus": "+".join(a.code for a in row.aus),
            "onset_frame": row.onset_frame, "apex_frame": row.apex_frame,
            "offset_frame": row.offset_frame, "duration_s": meta.generation.timing.duration_s,
            "seed": row.seed, "frame_count": info.frame_count, "fps": info.fps,
            "width": info.width, "height": info.height, "size_bytes": info.size_bytes,
            "sha256": info.sha256,
        })
    manifest = pd.DataFrame(entries, columns=MANIFEST_COLUMNS)
    root.mkdir(parents=True, exist_ok=True)
    write_csv(root / "manifest.csv", manifest)
    write_json(root / "metadata.schema.json", json_schema())
    write_jsonl(root / "pairs.jsonl", [pair_record(m) for _, m, _ in metas])
    preview = contact_sheet([(r, p) for r, _, p in metas])
    if preview is not None:
        write_png(root / "preview.png", preview)
    facts = CardFacts(name=name, license_name=license_name, version=__version__,
                      rows=[m for _, m, _ in metas], missing=missing,
                      has_preview=preview is not None, filtered=filtered)
    (root / "README.md").write_text(render_card(facts), encoding="utf-8")
    (root / "dataset.json").write_text(dumps_json({"name": name, "license": license_name,
                                                    "clips": len(metas),
                                                    "equime_version": __version__}))
    replace_dir(staging, out_dir)
    return ExportSummary(exported=len(metas), missing=missing, manifest=manifest, filtered=filtered)
