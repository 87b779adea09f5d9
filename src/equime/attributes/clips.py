"""Attributes of the generated clips: every k-th frame through deepface, aggregated per clip,
and compared with the clip's source face (identity consistency, for the filter)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from equime.artifacts import videos
from equime.artifacts.clip_attributes import COLUMNS
from equime.artifacts.face_attributes import Demography
from equime.artifacts.plan import PlanRow
from equime.attributes.aggregate import ClipAttributes, aggregate
from equime.attributes.analyzer import DeepfaceAnalyzer
from equime.attributes.consistency import compare
from equime.attributes.params import AttributesParams
from equime.attributes.records import FrameAttributes
from equime.compute.engine import run_items
from equime.compute.params import ComputeParams
from equime.compute.work import Failed, Work
from equime.errors import InputError
from equime.files import content_key, sha256_file
from equime.resume import ItemStore
from equime.sources import code_fingerprint
from equime.video import frame_count, read_frames


def analysed_frames(n_frames: int, step: int) -> list[int]:
    """Frame indices analysed: 0, k, 2k, … (the seed used k = 10)."""
    return list(range(0, n_frames, step))


def clip_row(row: PlanRow, source: Demography, clip: ClipAttributes,
             frames: Sequence[FrameAttributes] | None,
             limits: AttributesParams) -> dict[str, Any]:
    base = {"clip_id": row.clip_id, "subject": row.subject, "attributes_source": source.source,
            **{k: v for k, v in asdict(clip).items() if k != "emotion_shares"},
            "emotion_shares": json.dumps(clip.emotion_shares)}
    if frames is None:  # annotations: the clip inherits its source's labels, nothing to compare
        return {**base, "gender": source.gender, "race": source.race, "age_mean": source.age,
                "age_median": source.age, "gender_agreement": None, "race_agreement": None,
                "age_shift": None, "no_face_share": None, "consistent": None, "flags": ""}
    c = compare(source, frames, clip, limits)
    return {**base, "gender_agreement": c.gender_agreement, "race_agreement": c.race_agreement,
            "age_shift": c.age_shift, "no_face_share": c.no_face_share,
            "consistent": c.consistent, "flags": ";".join(c.flags)}


def analysed(video_file: Path, analyzer: DeepfaceAnalyzer, a: AttributesParams,
             store: ItemStore | None, clip_id: str) -> tuple[list[int], list[FrameAttributes]]:
    """Every ``a.frame_step``-th frame of one clip through the analyzer; kept in ``store`` under
    a key of the clip's bytes, params and code, so a stopped run resumes at the next clip."""
    key = content_key({"video": sha256_file(video_file), "params": a.model_dump(mode="json"),
                       "code": code_fingerprint((__name__,))})
    if store is not None and (done := store.get(clip_id, key)) is not None:
        return done["index"], [FrameAttributes(**f) for f in done["frames"]]
    index = analysed_frames(frame_count(video_file), a.frame_step)
    frames = analyzer.analyze_many(list(read_frames(video_file, index)))
    if store is not None:
        store.put(clip_id, key, {"index": index, "frames": [asdict(f) for f in frames]})
    return index, frames


class AnalyseClips(Work[PlanRow, tuple[list[int], list[FrameAttributes]]]):
    """The attributes_clips stage's per-item work: one clip's analysed frames (deepface holds
    its models: on Ray, an actor pool)."""

    holds_model = True

    def __init__(self, videos_dir: Path, analyzer: DeepfaceAnalyzer, a: AttributesParams,
                 store: ItemStore | None) -> None:
        self.videos_dir, self.analyzer, self.a, self.store = videos_dir, analyzer, a, store

    def __call__(self, row: PlanRow) -> tuple[list[int], list[FrameAttributes]]:
        return analysed(videos.clip_video(self.videos_dir, row.clip_id), self.analyzer, self.a,
                        self.store, row.clip_id)


def clip_attributes(rows: Sequence[PlanRow], videos_dir: Path, sources: Mapping[str, Demography],
                    analyzer: DeepfaceAnalyzer | None, a: AttributesParams,
                    store: ItemStore | None = None,
                    compute: ComputeParams | None = None) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Per-clip table and the per-frame records behind it (deepface, on the engine ``compute``
    names), clips in plan order; with a ``store``, clips analysed by an earlier (stopped) run
    are taken from it. A clip whose analysis failed on every try is flagged, not consistent."""
    if store is not None:
        store.prune({r.clip_id for r in rows})
    for row in rows:
        if row.subject not in sources:
            raise InputError(f"clip {row.clip_id}: subject {row.subject!r} is not in faces.csv; "
                             "rerun `dvc repro attributes_faces`")
    results = [None] * len(rows) if analyzer is None else run_items(
        AnalyseClips(videos_dir.resolve(), analyzer, a, store), rows, compute, "attributes_clips",
        desc="attributes: clips")
    out, frame_log = [], []
    for row, result in zip(rows, results, strict=True):
        source = sources[row.subject]
        if result is None:  # annotations: the clip inherits its source's labels
            out.append(clip_row(row, source, ClipAttributes(0, 0), None, a))
        elif isinstance(result, Failed):
            out.append({**clip_row(row, source, ClipAttributes(0, 0), None, a),
                        "consistent": False, "flags": f"analysis-failed: {result.reason}"})
        else:
            index, frames = result
            frame_log += [{"clip_id": row.clip_id, "frame": i, **asdict(f)}
                          for i, f in zip(index, frames, strict=True)]
            out.append(clip_row(row, source, aggregate(frames), frames, a))
    return pd.DataFrame(out, columns=COLUMNS), frame_log


def clip_metrics(table: pd.DataFrame) -> dict[str, Any]:
    measured = table[table["frames_analysed"] > 0]
    return {
        "clips": len(table),
        "clips_measured": len(measured),
        "frames_analysed": int(table["frames_analysed"].sum()),
        "frames_no_face": int(table["frames_no_face"].sum()),
        "inconsistent": int((table["flags"] != "").sum()),
        "gender_agreement_mean": None if measured.empty or measured["gender_agreement"].isna().all()
        else round(float(measured["gender_agreement"].mean()), 4),
        "age_shift_mean": None if measured.empty or measured["age_shift"].isna().all()
        else round(float(measured["age_shift"].mean()), 3),
    }
