"""Scale-out figures, each a ratio against a reference measured in the same run:

1. engine overhead per clip: a dry-run generate (every clip's work dispatched and checked, nothing
   rendered) of a 100k-row plan through Ray against the local loop (target ≤ 5 ms/clip);
2. warp throughput with 2 Ray workers against 1 (``compute.resources.generate.cpus`` 1 vs 2 on a
   2-CPU Ray; target ≥ 1.8×);
3. peak RSS of ``plan`` and of the export's metadata at 10k vs 100k rows (target ≤ 1.5×);
4. peak RSS of the ``curate`` stage on 1,000 vs 5,000 photos made from the demo photos
   (target ≤ 1.2×), and of the whole ``export`` stage, every input table streamed, at 10k vs
   100k clips (target ≤ 1.2×).

``--tiny``: 500 rows, 4 small clips, 200 vs 400 rows, 20 vs 40 photos (seconds; the figures are
not comparable).

    python benchmarks/bench_scale.py [--tiny]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).parent))

from equime.artifacts import curated  # noqa: E402
from equime.artifacts.plan import PlanRow  # noqa: E402
from equime.params import Params, load_params  # noqa: E402
from equime.plan.planner import PlanSubject, plan_clips  # noqa: E402


def copies(p: Params, n: int) -> list[PlanRow]:
    """``n`` plan rows: one subject's planned clips, copied to subjects s0000000…"""
    base = plan_clips([PlanSubject("s0000000", "f")], p.plan, p.base.seed)
    return [r.model_copy(update={"clip_id": f"s{i:07d}{r.clip_id[8:]}", "subject": f"s{i:07d}",
                                 "seed": (r.seed + i) % 2**32})
            for i in range(-(-n // len(base))) for r in base][:n]


def curated_table(folder: Path, rows: list[PlanRow]) -> Path:
    """A curate folder whose subjects.csv lists every row's subject (the dry run needs no image)."""
    folder.mkdir(parents=True, exist_ok=True)
    subjects = sorted({r.subject for r in rows})
    pd.DataFrame([{"subject_id": s, "source": f"{s}.png", "sha256": "0" * 64,
                   "attributes_source": "none", "attributes": "{}", "landmarks": "[]"}
                  for s in subjects], columns=curated.SUBJECT_COLUMNS).to_csv(
        folder / "subjects.csv", index=False)
    return folder


def overhead(p: Params, n: int, tmp: Path) -> None:
    from equime.generate.runner import generate

    rows = copies(p, n)
    faces = curated_table(tmp / "curated", rows)
    ray_p = p.compute.model_copy(update={"engine": "ray"})
    t0 = time.perf_counter()
    local = generate(rows, faces, tmp / "none", p.generate, p.recording, dry_run=True)
    t_local = time.perf_counter() - t0
    t0 = time.perf_counter()
    remote = generate(rows, faces, tmp / "none", p.generate, p.recording, compute=ray_p,
                      dry_run=True)
    t_ray = time.perf_counter() - t0
    if [r.render_key for r in remote.records] != [r.render_key for r in local.records]:
        raise SystemExit("the engines disagree on the dry run's records")
    print(f"dry-run plan: {n} rows; local loop {t_local:.2f} s, Ray {t_ray:.2f} s")
    print(f"engine overhead, Ray vs local: {(t_ray - t_local) / n * 1000:+.3f} ms/clip "
          "(target <= 5 ms/clip)")


def workers(p: Params, n_clips: int, tmp: Path) -> None:
    import cv2
    from tests.bench_fixtures import demo_face

    from equime.compute.engine import run_items
    from equime.generate.registry import backend
    from equime.generate.runner import RenderClips, generate_clips
    from equime.generate.warp import WarpRenderer

    face = demo_face(p)
    rows = plan_clips([PlanSubject("astronaut", "f")], p.plan, p.base.seed)
    rows = [rows[i % len(rows)].model_copy(update={"clip_id": f"astronaut_{i:03d}",
                                                   "seed": rows[i % len(rows)].seed + i})
            for i in range(n_clips)]
    renderer = WarpRenderer(p.generate.warp, p.recording)
    encoder = p.generate.encoder()
    seconds = {}
    # cpus 2 a task on a 2-CPU Ray: one worker at a time; cpus 1: two. The first pass starts
    # both workers (their imports) and is timed again after
    for cpus in (1, 2, 1):
        res = p.compute.resources | {"generate": p.compute.resources["generate"].model_copy(
            update={"cpus": cpus})}
        compute = p.compute.model_copy(update={"engine": "ray", "resources": res})
        t0 = time.perf_counter()
        report = generate_clips(rows, lambda r: face, renderer, encoder,
                                tmp / f"w{cpus}-{len(seconds)}", 1, compute=compute)
        seconds[cpus] = time.perf_counter() - t0
        if report.count("rendered") != n_clips:
            raise SystemExit(f"{report.count('failed')} clips failed")
    plain = {}  # the reference: the same work in 1 and 2 plain processes (this machine's ceiling)
    cv2.setNumThreads(1)
    for procs in (1, 2):
        work = RenderClips(renderer, backend(renderer.name), lambda r: face, tmp / f"p{procs}",
                           encoder)
        t0 = time.perf_counter()
        run_items(work, [[r] for r in rows], None, "generate", local_workers=procs)
        plain[procs] = time.perf_counter() - t0
    print(f"warp on Ray, {n_clips} clips {rows[0].width}x{rows[0].height}, {rows[0].n_frames} "
          f"frames: 1 worker {n_clips / seconds[2]:.3f} clips/s, 2 workers "
          f"{n_clips / seconds[1]:.3f} clips/s")
    print(f"throughput 2 vs 1 workers: {seconds[2] / seconds[1]:.2f}x (target >= 1.8x); "
          f"2 vs 1 plain processes, no Ray: {plain[1] / plain[2]:.2f}x")


def memory(p: Params, small: int, large: int, tmp: Path) -> None:
    from scale_fixtures import peak_rss_mb, write_subjects

    peaks = {}
    for n in (small, large):
        subjects = write_subjects(tmp / f"subjects{n}.csv", n // 10)
        plan_file = tmp / f"plan{n}.jsonl"
        peaks["plan", n] = peak_rss_mb([sys.executable, "-P", str(REPO / "stages" / "plan.py"),
                                        "--subjects", str(subjects), "--out", str(plan_file),
                                        "--plot", str(tmp / f"timing{n}.csv"),
                                        "--params", str(REPO / "params.yaml")])
        peaks["export", n] = peak_rss_mb([sys.executable, str(Path(__file__).parent /
                                                              "scale_fixtures.py"), "metadata",
                                          str(plan_file), str(subjects), str(tmp / f"export{n}")])
    for what in ("plan", "export"):
        a, b = peaks[what, small], peaks[what, large]
        print(f"{what} peak RSS: {small} rows {a:.0f} MiB, {large} rows {b:.0f} MiB: "
              f"{b / a:.2f}x (target <= 1.5x)")


def stage_memory(p: Params, photos: tuple[int, int], clips: tuple[int, int], tmp: Path) -> None:
    """Peak RSS of the curate and export stages, each at two sizes (their stage scripts)."""
    import yaml

    from scale_fixtures import peak_rss_mb, write_export_inputs, write_photos, write_subjects

    tree = yaml.safe_load((REPO / "params.yaml").read_text())
    tree["curate"]["attributes"] = None
    params = tmp / "params.yaml"
    params.write_text(yaml.safe_dump(tree))
    stage = [sys.executable, "-P"]
    peaks = {}
    for n in photos:
        source = write_photos(tmp / f"photos{n}", n)
        peaks["curate", n] = peak_rss_mb([*stage, str(REPO / "stages" / "curate.py"), "--source",
                                          str(source), "--out", str(tmp / f"curated{n}"),
                                          "--params", str(params)])
        subjects = len(curated.read_subjects(tmp / f"curated{n}" / "subjects.csv"))
        print(f"curate: {n} photos, {subjects} subjects, peak RSS {peaks['curate', n]:.0f} MiB")
    for n in clips:
        subjects = write_subjects(tmp / f"sel{n}" / "subjects.csv", n // 10)
        plan_file = tmp / f"plan-export{n}.jsonl"
        peak_rss_mb([*stage, str(REPO / "stages" / "plan.py"), "--subjects", str(subjects),
                     "--out", str(plan_file), "--plot", str(tmp / f"t{n}.csv"), "--params",
                     str(params)])
        inputs = write_export_inputs(plan_file, tmp / f"inputs{n}")
        peaks["export", n] = peak_rss_mb([
            *stage, str(REPO / "stages" / "export.py"), "--plan", str(plan_file), "--subjects",
            str(subjects), *(x for k, v in inputs.items() for x in (k, str(v))), "--out",
            str(tmp / f"dataset{n}"), "--params", str(params)])
        made = sum(1 for _ in (tmp / f"dataset{n}").rglob("*.mp4"))
        print(f"export: {n} clips, {made} exported, peak RSS {peaks['export', n]:.0f} MiB")
    for what, (a, b) in (("curate", photos), ("export", clips)):
        print(f"{what} peak RSS, {b} vs {a}: {peaks[what, b] / peaks[what, a]:.2f}x "
              "(target <= 1.2x)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tiny", action="store_true", help="small sizes (smoke run, seconds)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    import ray

    if args.tiny:
        from tests.bench_fixtures import tiny_params

        p = tiny_params()
    else:
        p = load_params(REPO / "params.yaml")
    ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING", log_to_driver=False)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            overhead(p, 500 if args.tiny else 100_000, Path(tmp))
            workers(p, 4 if args.tiny else 8, Path(tmp))
            memory(p, *((200, 400) if args.tiny else (10_000, 100_000)), Path(tmp))
            stage_memory(p, (20, 40) if args.tiny else (1_000, 5_000),
                         (200, 400) if args.tiny else (10_000, 100_000), Path(tmp))
    finally:
        ray.shutdown()


if __name__ == "__main__":
    main()
