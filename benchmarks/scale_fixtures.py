"""Inputs and a meter for scale benchmarks: a synthetic select-stage ``subjects.csv`` of any size
(the plan stage makes subjects × emotions × sequences rows of it), the peak resident memory of a
command, and the export's metadata writing on synthetic clips (no videos but one: the preview's).

    python benchmarks/scale_fixtures.py subjects OUT.csv N
    python benchmarks/scale_fixtures.py metadata PLAN.jsonl SUBJECTS.csv OUT_DIR
    python benchmarks/scale_fixtures.py photos OUT_DIR N

Import with ``benchmarks/`` on ``sys.path``: ``from scale_fixtures import write_subjects, ...``.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

SUBJECT_COLUMNS = ["subject_id", "source", "sha256", "annotations", "attributes_source", "status",
                   "gender", "gender_confidence", "race", "race_confidence", "age", "age_band",
                   "cell"]
BANDS = (("18-29", 24.0), ("30-44", 37.0), ("45-59", 52.0), ("60+", 70.0))
RACES = ("asian", "black", "indian", "latino hispanic", "middle eastern", "white")


def subject_row(i: int) -> dict[str, Any]:
    """Subject ``i`` as select writes it: annotated gender, race and age; cell = gender/age band."""
    gender = "fm"[i % 2]
    band, age = BANDS[i % len(BANDS)]
    return {"subject_id": f"s{i:07d}", "source": f"s{i:07d}.jpg", "sha256": f"{i:064x}",
            "annotations": f'{{"age": {age}, "gender": "{gender}"}}',
            "attributes_source": "annotations", "status": "ok", "gender": gender,
            "gender_confidence": "", "race": RACES[i % len(RACES)], "race_confidence": "",
            "age": age, "age_band": band, "cell": f"{gender}/{band}"}


def write_subjects(path: Path, n: int) -> Path:
    """A select-stage ``subjects.csv`` of ``n`` synthetic subjects; return ``path``. With the repo's
    plan params (5 emotions × 2 sequences) the plan stage makes ``10 n`` rows of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        table = csv.DictWriter(f, SUBJECT_COLUMNS, lineterminator="\n")
        table.writeheader()
        table.writerows(subject_row(i) for i in range(n))
    return path


# Linux carries a process's peak RSS over fork and exec: a child of a large process (a benchmark
# holding a Ray session) reports at least its parent's peak. A small launcher forks the command,
# so its figure is the command's own; the launcher writes it to the file named first.
_LAUNCHER = """import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def peak_rss_mb(cmd: Sequence[str], cwd: Path | None = None,
                env: Mapping[str, str] | None = None) -> float:
    """Run ``cmd`` (its first item a path to an executable) and return its own peak resident
    memory in MiB (``wait4``'s ``ru_maxrss``, taken by a small launcher); a failing command is a
    one-line error with its last line of output."""
    with tempfile.TemporaryFile() as log, tempfile.NamedTemporaryFile("r") as figure:
        res = subprocess.run([sys.executable, "-c", _LAUNCHER, figure.name, *cmd], cwd=cwd,
                             env=None if env is None else dict(env), stdout=log,
                             stderr=subprocess.STDOUT, check=False)
        if res.returncode != 0:
            log.seek(0)
            lines = log.read().decode(errors="replace").strip().splitlines() or [""]
            raise RuntimeError(f"{' '.join(cmd)}: exit {res.returncode}: {lines[-1]}")
        return int(figure.read()) / 1024


def preview_video(path: Path, n_frames: int = 144, size: int = 32) -> Path:
    """A small grey MP4 standing in for every clip's copy (only the preview decodes it)."""
    import numpy as np

    from equime.video import EncoderOptions, write_mp4

    frames = (np.full((size, size, 3), 128, np.uint8) for _ in range(n_frames))
    write_mp4(path, frames, 24, EncoderOptions(crf=23, preset="ultrafast", asm="AVX2"))
    return path


def synthetic_exports(plan_file: Path, subjects_csv: Path, video: Path) -> Iterator[Any]:
    """Every planned clip as exported, lazily: its metadata built as the export builds it, with
    ``video``'s measured facts for each clip's file (nothing is copied)."""
    from equime.artifacts import dataset, plan, selection
    from equime.artifacts.metadata import Technical
    from equime.export.writer import Exported, Made, build_metadata, video_name
    from equime.video import probe_mp4

    subjects = selection.read_subject_infos(subjects_csv)
    info = probe_mp4(video)
    technical = Technical(**{k: v for k, v in asdict(info).items() if k != "path"})
    for row in plan.iter_plan(plan_file):
        made = Made("warp", {}, {}, row.n_frames)
        rel = dataset.video_relpath(row.emotion, video_name(row))
        meta = build_metadata(row, subjects[row.subject], made, passed_through(row, "0" * 64),
                              technical, rel)
        yield Exported(row, meta, info, subjects[row.subject], video)


def passed_through(row: Any, sha256: str) -> Any:
    """The retime record of a warp clip (an ME as rendered, passed through) of plan row ``row``."""
    from equime.artifacts.clips import ClipTiming, RetimeRecord

    return RetimeRecord(clip_id=row.clip_id, sha256=sha256, retime_key="k",
                        source_sha256="0" * 64, motion_source="facs", retimed=False,
                        timing=ClipTiming(**row.timing.model_dump(), fps=float(row.fps)))


def write_synthetic_metadata(plan_file: Path, subjects_csv: Path, out: Path) -> int:
    """The export's metadata (per-clip JSON, manifest, pairs, card) of every planned clip into
    ``out``; return how many clips."""
    from equime.artifacts import dataset
    from equime.export.params import ExportParams
    from equime.export.writer import write_metadata

    e = ExportParams(name="ME-VLM", license="CC BY-NC 4.0", vqa_test_fraction=0.2)
    video = preview_video(out.with_name(f"{out.name}-preview.mp4"))
    with dataset.writing(out, e.name) as writer:
        summary = write_metadata(writer, synthetic_exports(plan_file, subjects_csv, video), e)
    return summary.exported


def write_photos(folder: Path, n: int, seed: int = 0) -> Path:
    """``n`` face photos made from the demo photos (the embedded portrait and scikit-image's
    astronaut, each its own person here): cropped, flipped, brightness-shifted and noised, as
    JPEG; seeded. Return ``folder``."""
    import numpy as np
    from PIL import Image
    from skimage import data

    repo = Path(__file__).resolve().parents[1]
    bases = [np.asarray(Image.open(repo / "src/equime/demo_data/grace_hopper_512x512.jpg")
                        .convert("RGB")), data.astronaut()]
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        image = bases[i % 2]
        h, w = image.shape[:2]
        side = int(rng.uniform(0.85, 1.0) * min(h, w))
        y, x = rng.integers(0, h - side + 1), rng.integers(0, w - side + 1)
        crop = image[y:y + side, x:x + side].astype(np.float32)
        if rng.random() < 0.5:
            crop = crop[:, ::-1]
        crop = crop + rng.uniform(-20, 20) + rng.normal(0, rng.uniform(1, 6), crop.shape)
        Image.fromarray(np.clip(crop, 0, 255).astype(np.uint8)).save(folder / f"p{i:06d}.jpg",
                                                                        quality=90)
    return folder


def write_export_inputs(plan_file: Path, folder: Path) -> dict[str, Path]:
    """Every stage output export reads, for every clip of ``plan_file``, as the stages write
    them: retime's ME clips (hard links to a few tiny MP4s) and log, generate's log, quality's
    table, the verdicts (every clip passes), the clip attributes and an empty review. Return the
    paths by the export stage's option names."""
    import pandas as pd

    from equime.artifacts import clip_attributes, plan, review, verdicts, videos
    from equime.artifacts import clips as me_clips
    from equime.files import sha256_file, write_csv

    dirs = {k: folder / k for k in ("clips", "videos", "quality", "attributes", "review")}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    # the first 10 000 clips (every emotion's first, which the preview decodes to its apex) are
    # links to a full-length clip; the others to short ones (export decodes each copy to count it)
    sources = [preview_video(folder / f"src{k}.mp4", n_frames=144 if k == 0 else 4 + k)
               for k in range(12)]
    shas = [sha256_file(s) for s in sources]
    gen, me, q, v, a = [], [], [], [], []
    for i, row in enumerate(plan.iter_plan(plan_file)):
        k = i // 10_000  # 10 000 links to a file at most (ext4 allows 65 000)
        (dirs["clips"] / f"{row.clip_id}.mp4").hardlink_to(sources[k])
        gen.append(videos.GenerationRecord(
            clip_id=row.clip_id, sha256="0" * 64, render_key="k", frames_sha256="0" * 64,
            backend="warp", motion="facs", backend_params={}, encoder={"crf": 18},
            n_frames=row.n_frames, frames_generated=row.n_frames, frames_kept=row.n_frames,
            fps=row.fps, width=row.width, height=row.height, expressive_frames=row.n_frames - 1,
            peak_mean_abs_change=1.0, peak_frame=row.timing.apex_frame))
        me.append(passed_through(row, shas[k]))
        q.append({"clip_id": row.clip_id, "emotion": row.emotion, "psnr_db": 40.0 + i % 7,
                  "peak_motion_px": 2.5, "duration_s": 0.2, "returns_to_neutral": True,
                  "moving_outside_frames": 0, "head_motion_px": 0.5,
                  "au_fidelity": float("nan") if i % 97 == 0 else 0.75,
                  "aus_visible": "12", "aus_missing": "", "aus_unplanned": "", "au_note": ""})
        v.append({"clip_id": row.clip_id, "passed": True, "reasons": ""})
        a.append({c: "" for c in clip_attributes.COLUMNS} | {
            "clip_id": row.clip_id, "subject": row.subject, "frames_analysed": 0,
            "consistent": True})
    videos.write_log(dirs["videos"], gen)
    me_clips.write_log(dirs["clips"], me)
    write_csv(dirs["quality"] / "clips.csv", pd.DataFrame(q))
    write_csv(folder / "verdicts.csv", pd.DataFrame(v, columns=verdicts.COLUMNS))
    write_csv(dirs["attributes"] / "clips.csv", pd.DataFrame(a, columns=clip_attributes.COLUMNS))
    write_csv(dirs["review"] / "clips.csv", pd.DataFrame([], columns=review.CLIP_COLUMNS))
    return {"--clips": dirs["clips"], "--videos": dirs["videos"],
            "--quality": dirs["quality"] / "clips.csv", "--verdicts": folder / "verdicts.csv",
            "--attributes": dirs["attributes"] / "clips.csv", "--review": dirs["review"]}


def main(argv: Sequence[str]) -> None:
    if argv[:1] == ["subjects"] and len(argv) == 3:
        write_subjects(Path(argv[1]), int(argv[2]))
    elif argv[:1] == ["metadata"] and len(argv) == 4:
        print(write_synthetic_metadata(Path(argv[1]), Path(argv[2]), Path(argv[3])))
    elif argv[:1] == ["photos"] and len(argv) == 3:
        write_photos(Path(argv[1]), int(argv[2]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
