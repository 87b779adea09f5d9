import json
import shutil
import sys
from dataclasses import asdict
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
from benchmarks.scale_fixtures import peak_rss_mb, write_subjects

from equime.artifacts import plan, selection
from equime.artifacts.clips import ClipTiming, RetimeRecord
from equime.artifacts.dataset import MANIFEST_COLUMNS, metadata_relpath, video_relpath, writing
from equime.artifacts.metadata import Technical
from equime.artifacts.selection import SubjectInfo
from equime.errors import InputError
from equime.export.pairs import pair_record
from equime.export.params import ExportParams
from equime.export.writer import (
    Exported,
    Made,
    Skipped,
    build_metadata,
    export_dataset,
    export_metrics,
    manifest_entry,
    video_name,
    write_metadata,
)
from equime.files import sha256_file
from equime.generate.runner import generate_clips
from equime.plan.planner import iter_clips, plan_subjects
from equime.video import probe_mp4
from tests.fixtures import REPO, encoder, face_image, me_clips, params, plan_spec, single_au_row, warp


def _rows():
    base = single_au_row("12", 0.3, apex_frame=10, n_frames=24, duration_s=0.15)
    rows = []
    for subject, gender, emotion in [("ann", "f", "happiness"), ("bob", "m", "happiness"),
                                     ("cy", "u", "sadness")]:
        rows.append(base.model_copy(update={"clip_id": f"{subject}_{emotion}_01",
                                            "subject": subject, "gender": gender,
                                            "emotion": emotion}))
    return rows


EXPORT = ExportParams(name="ME-VLM", license="CC BY-NC 4.0", vqa_test_fraction=0.2)
SUBJECTS = {
    "ann": SubjectInfo(subject="ann", source="ann.jpg", sha256="0" * 64,
                       annotations={"Male": False, "age": 35.0}, attributes_source="annotations",
                       gender="f", age=35.0, age_band="30-44"),
    "bob": SubjectInfo(subject="bob", source="bob.jpg", sha256="0" * 64, annotations={},
                       attributes_source="deepface", gender="m", gender_confidence=0.9,
                       race="asian", race_confidence=0.7, age=41.0, age_band="30-44"),
    "cy": SubjectInfo(subject="cy", source="cy.jpg", sha256="0" * 64, annotations={},
                      attributes_source="annotations"),
}
BOB_CLIP = {  # as read back from the attributes stage's clips.csv
    "clip_id": "bob_happiness_01", "frames_analysed": 3, "frames_no_face": 1, "age_mean": 40.0,
    "age_median": 40.0, "age_iqr": 2.0, "gender": "m", "gender_share": 1.0, "race": "asian",
    "race_share": 0.5, "emotion": "happy", "emotion_shares": '{"happy": 0.5, "neutral": 0.5}',
    "gender_agreement": 1.0, "race_agreement": 0.5, "age_shift": -1.0, "no_face_share": 0.33,
    "consistent": False, "flags": "face-lost;race-changed",
}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("export")
    rows = _rows()
    face = face_image()
    generate_clips(rows[:2], lambda r: face, warp(), encoder(preset="ultrafast"),
                   tmp / "videos", 1)
    me_clips(rows, tmp / "videos", tmp / "clips")
    summary = export_dataset(rows, SUBJECTS, tmp / "clips", tmp / "videos", tmp / "dataset", EXPORT, 1,
                             clip_attributes={"bob_happiness_01": BOB_CLIP})
    return tmp, summary


def test_layout_follows_the_seed(dataset):
    tmp, summary = dataset
    root = tmp / "dataset" / "ME-VLM"
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert files == [
        "README.md", "dataset.json",
        "emotion_categories/happiness/f_ann_01.mp4",
        "emotion_categories/happiness/m_bob_01.mp4",
        "emotion_categories/happiness/metadata/f_ann_01_metadata.json",
        "emotion_categories/happiness/metadata/m_bob_01_metadata.json",
        "manifest.csv", "me_vqa.jsonl", "me_vqa_test.jsonl", "me_vqa_test_answers.jsonl",
        "metadata.schema.json", "pairs.jsonl", "preview.png",
    ]
    assert summary.exported == 2 and summary.missing == ["cy_sadness_01"]
    # ME-VQA: one of the two subjects (0.2 of 2, at least one) is the test split
    train = [json.loads(x) for x in (root / "me_vqa.jsonl").read_text().splitlines()]
    test = [json.loads(x) for x in (root / "me_vqa_test.jsonl").read_text().splitlines()]
    answers = [json.loads(x) for x in (root / "me_vqa_test_answers.jsonl").read_text().splitlines()]
    assert {r["subject"] for r in train}.isdisjoint({r["subject"] for r in test})
    assert {r["subject"] for r in train} | {r["subject"] for r in test} == {"ann", "bob"}
    assert [r["id"] for r in test] == [r["id"] for r in answers]
    assert {r["answer"] for r in test} == {""} and all(r["answer"] for r in answers)
    assert {r["question"] for r in train + answers} >= {"What is the coarse expression class?",
                                                       "What is the fine-grained expression class?"}
    assert (root / "emotion_categories/happiness/f_ann_01.mp4").read_bytes() == \
        (tmp / "videos/ann_happiness_01.mp4").read_bytes()


def test_metadata_validates_and_is_measured_from_the_file(dataset):
    tmp, _ = dataset
    root = tmp / "dataset" / "ME-VLM"
    schema = json.loads((root / "metadata.schema.json").read_text())
    meta = json.loads((root / "emotion_categories/happiness/metadata/m_bob_01_metadata.json")
                      .read_text())
    jsonschema.validate(meta, schema)
    t = meta["technical"]
    video = root / "emotion_categories/happiness/m_bob_01.mp4"
    assert (t["frame_count"], t["fps"], t["width"], t["height"]) == (24, 24.0, 512, 512)
    assert (t["codec"], t["pix_fmt"], t["duration_s"]) == ("h264", "yuv420p", 1.0)
    assert t["size_bytes"] == video.stat().st_size and t["sha256"] == sha256_file(video)
    assert t["bitrate_bps"] == round(t["size_bytes"] * 8 / 1.0)
    g = meta["generation"]
    assert g["aus"] == [{"code": "12", "name": "lip corner puller", "intensity": 0.3, "letter": "B"}]
    assert g["timing"]["apex_frame"] == 10 and g["backend"] == "warp" and g["seed"] > 0
    assert meta["demographic"] == {
        "gender": "m", "gender_source": "deepface", "gender_confidence": 0.9,
        "race": "asian", "race_source": "deepface", "race_confidence": 0.7,
        "age": 41.0, "age_band": "30-44", "age_source": "deepface", "annotations": {},
        "clip": {"frames_analysed": 3, "frames_no_face": 1, "age_mean": 40.0, "age_iqr": 2.0,
                 "gender": "m", "gender_share": 1.0, "race": "asian", "race_share": 0.5,
                 "emotion": "happy", "emotion_shares": {"happy": 0.5, "neutral": 0.5},
                 "gender_agreement": 1.0, "race_agreement": 0.5, "age_shift": -1.0,
                 "flags": ["face-lost", "race-changed"]}}
    ann = json.loads((root / "emotion_categories/happiness/metadata/f_ann_01_metadata.json")
                     .read_text())["demographic"]
    assert (ann["gender_source"], ann["race"], ann["race_source"], ann["age_source"], ann["clip"]) \
        == ("annotations", None, "unknown", "annotations", None)
    assert meta["quality"] is None
    bad = dict(meta, video_name="../evil")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_manifest_and_card(dataset):
    tmp, _ = dataset
    root = tmp / "dataset" / "ME-VLM"
    manifest = pd.read_csv(root / "manifest.csv", dtype={"aus": str})
    assert manifest["video"].tolist() == ["emotion_categories/happiness/f_ann_01.mp4",
                                          "emotion_categories/happiness/m_bob_01.mp4"]
    assert manifest["aus"].tolist() == ["12", "12"] and set(manifest["frame_count"]) == {24}
    assert manifest["race"].tolist() == ["u", "asian"]
    assert manifest["attributes_source"].tolist() == ["annotations", "deepface"]
    card = (root / "README.md").read_text()
    assert "| female | 1 | 50.0% |" in card and "| asian | 1 | 50.0% |" in card
    assert "| 30-44 | 2 | 100.0% |" in card and "deepface's estimates" in card
    assert "| happiness | 1 | 1 | 2 |" in card
    assert "| **total** | 1 | 1 | 2 |" in card
    assert "refused by retime): 1;" in card and "CC BY-NC 4.0" in card


def test_video_names_and_unknown_subjects(tmp_path: Path, dataset):
    rows = _rows()
    assert [video_name(r) for r in rows] == ["f_ann_01", "m_bob_01", "u_cy_01"]
    tmp, _ = dataset
    with pytest.raises(InputError, match="subject 'ann' of clip ann_happiness_01 is not in"):
        export_dataset(rows, {}, tmp / "clips", tmp / "videos", tmp_path / "ds", EXPORT, 1)


def test_only_passing_clips_are_exported_with_their_quality(dataset, tmp_path: Path):
    tmp, _ = dataset
    rows = _rows()[:2]
    quality = {"ann_happiness_01": {"clip_id": "ann_happiness_01", "emotion": "happiness",
                                    "peak_motion_px": 1.2, "au_fidelity": 1.0, "aus_missing": ""}}
    verdicts = {"ann_happiness_01": (True, ""),
                "bob_happiness_01": (False, "head motion 4.00 px > 1.5")}
    review = {"ann_happiness_01": {"clip_id": "ann_happiness_01", "planned": "happiness",
                                   "ratings": 3, "majority": "happiness", "majority_share": 0.6667}}
    summary = export_dataset(rows, SUBJECTS, tmp / "clips", tmp / "videos", tmp_path / "ds", EXPORT, 1,
                             quality=quality, verdicts=verdicts, review=review)
    assert summary.exported == 1 and summary.filtered == {"bob_happiness_01": "head motion 4.00 px > 1.5"}
    root = tmp_path / "ds" / "ME-VLM"
    meta = json.loads((root / "emotion_categories/happiness/metadata/f_ann_01_metadata.json").read_text())
    assert meta["quality"] == {"peak_motion_px": 1.2, "au_fidelity": 1.0, "aus_missing": "",
                               "passed": True}
    assert meta["review"] == {"ratings": 3, "majority": "happiness", "majority_share": 0.6667}
    assert not (root / "emotion_categories/happiness/m_bob_01.mp4").exists()
    card = (root / "README.md").read_text()
    assert "filtered out by the quality checks: 1" in card and "| head motion 4.00 px > 1.5 | 1 |" in card


def test_pairs_load_with_datasets_and_agree_with_the_metadata(dataset):
    import re

    from datasets import load_dataset

    tmp, _ = dataset
    root = tmp / "dataset" / "ME-VLM"
    pairs = load_dataset("json", data_files=str(root / "pairs.jsonl"), split="train",
                         cache_dir=str(tmp / "hf-cache"))
    assert pairs.num_rows == 2 and set(pairs.column_names) >= {"video", "prompt", "au_caption",
                                                               "caption", "qa"}
    for p in pairs:
        assert (root / p["video"]).is_file()
        meta = json.loads((root / p["video"]).with_name("metadata").joinpath(
            Path(p["video"]).stem + "_metadata.json").read_text())
        t = meta["generation"]["timing"]
        assert p["prompt"] == meta["generation"]["prompt"]
        said = dict(re.findall(r"(onset|apex|offset) ([0-9.]+) s", p["au_caption"]))
        assert {k: float(v) for k, v in said.items()} == {
            k: round(t[f"{k}_s"], 2) for k in ("onset", "apex", "offset")}
        assert p["au_caption"].startswith("AU12 lip corner puller, intensity B, onset ")
        apex_q = next(q for q in p["qa"] if "apex" in q["question"])
        assert apex_q["answer"] == f"At {t['apex_s']:.2f} s (frame {t['apex_frame']})."
        assert f"lasting {t['duration_s'] * 1000:.0f} ms" in p["caption"]
        emotion_q = p["qa"][0]
        assert emotion_q["answer"] == meta["emotion"]


def test_metadata_is_written_a_clip_at_a_time(dataset, tmp_path: Path):
    """Each clip's metadata is on disk before the next clip is asked for; manifest and pairs are,
    byte for byte, what the writers of whole tables made."""
    tmp, _ = dataset
    video = tmp / "videos" / "ann_happiness_01.mp4"
    info = probe_mp4(video)
    technical = Technical(**{k: v for k, v in asdict(info).items() if k != "path"})
    made = Made("warp", {}, {}, 24)
    rows = _rows()
    metas = [build_metadata(r, SUBJECTS[r.subject], made, passed_through(r), technical,
                            video_relpath(r.emotion, video_name(r))) for r in rows]
    with writing(tmp_path / "ds", EXPORT.name) as writer:
        def clips():
            for row, meta in zip(rows, metas, strict=True):
                yield Exported(row, meta, info, SUBJECTS[row.subject], video)
                assert (writer.root / metadata_relpath(meta.file)).is_file()
            yield Skipped("dee_anger_01")

        summary = write_metadata(writer, clips(), EXPORT)
    root = tmp_path / "ds" / EXPORT.name
    whole = pd.DataFrame([manifest_entry(r, m, info, SUBJECTS[r.subject])
                          for r, m in zip(rows, metas, strict=True)], columns=MANIFEST_COLUMNS)
    assert (root / "manifest.csv").read_bytes() == \
        whole.to_csv(index=False, lineterminator="\n").encode()
    assert (root / "pairs.jsonl").read_bytes() == "".join(
        json.dumps(pair_record(m), sort_keys=True, ensure_ascii=False) + "\n" for m in metas).encode()
    assert export_metrics(summary) == {
        "clips": 3, "missing": 1, "filtered_out": 0,
        "clips_by_emotion": {"happiness": 2, "sadness": 1},
        "clips_by_gender": {"f": 1, "m": 1, "u": 1}, "bytes": 3 * info.size_bytes}
    assert "- clips: 3 from 3 subjects; without an ME clip" in (root / "README.md").read_text()


@pytest.mark.slow  # plans and writes the metadata of 1k, then 10k clips (benchmarks/bench_scale.py
# measures 10k against 100k)
def test_metadata_memory_is_flat_in_the_clip_count(tmp_path: Path):
    """Writing the metadata of 10k clips peaks at most 1.5× the memory of writing 1k (before
    streaming, each clip held ~28 KB: 10k would have peaked near 2.7× 1k's)."""
    spec = plan_spec(params(**{"plan.emotions": ["happiness", "sadness", "surprise", "fear", "anger"],
                               "plan.sequences_per_subject": 2, "plan.emotions_per_subject": None}))
    peaks = {}
    for subjects in (100, 1_000):  # × 5 emotions × 2 sequences: 1k and 10k clips
        table = write_subjects(tmp_path / f"subjects-{subjects}.csv", subjects)
        plan_file = tmp_path / f"plan-{subjects}.jsonl"
        plan.write_plan(plan_file, iter_clips(plan_subjects(selection.read_selected(table)), spec, 1))
        out = tmp_path / f"ds-{subjects}"
        peaks[subjects] = peak_rss_mb([sys.executable, str(REPO / "benchmarks" / "scale_fixtures.py"),
                                       "metadata", str(plan_file), str(table), str(out)])
        with (out / EXPORT.name / "manifest.csv").open() as f:
            assert sum(1 for _ in f) == 10 * subjects + 1
        shutil.rmtree(out)  # 100k small files
    assert peaks[1_000] <= 1.5 * peaks[100], f"peak RSS MiB by subjects: {peaks}"


def passed_through(row: plan.PlanRow) -> RetimeRecord:
    """The retime record of a warp clip (an ME as rendered, passed through)."""
    return RetimeRecord(clip_id=row.clip_id, sha256="0" * 64, retime_key="k",
                        source_sha256="0" * 64, motion_source="facs", retimed=False,
                        timing=ClipTiming(**row.timing.model_dump(), fps=float(row.fps)))
