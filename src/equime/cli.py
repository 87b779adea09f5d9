"""The ``equime`` command: one subcommand per pipeline stage. Each parses params, calls, writes."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from equime.errors import EquimeError

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True,
                  help="Synthetic micro-expression datasets: curate → plan → generate → export.")
log = logging.getLogger("equime")

ParamsOpt = Annotated[Path, typer.Option("--params", help="params.yaml to read")]
MetricsOpt = Annotated[Path | None, typer.Option("--metrics", help="DVC metrics JSON to write")]


@app.command("demo-sources")
def demo_sources(out: Annotated[Path, typer.Option(help="folder to write the demo photos to")]) -> None:
    """Write the embedded public-domain demo portraits (the default curate source)."""
    from equime.demo import write_demo_sources

    for p in write_demo_sources(out):
        log.info("wrote %s", p)


@app.command()
def curate(
    source: Annotated[Path, typer.Option(help="folder of face photos")],
    out: Annotated[Path, typer.Option(help="output folder (faces/, subjects.csv, rejects.csv)")],
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
) -> None:
    """Detect, filter, select and align faces."""
    from equime.curate import (
        DetectionLimits,
        Selection,
        curate_metrics,
        read_celeba_attributes,
        write_curated,
    )
    from equime.curate import curate as run_curate
    from equime.faces.align import AlignmentSpec
    from equime.faces.detect import FaceDetector
    from equime.params import load_params
    from equime.tracking import record_stage

    p = load_params(params)
    c = p.curate
    attr_path = Path(c.attributes) if c.attributes else None
    t0 = time.perf_counter()
    result = run_curate(
        source,
        read_celeba_attributes(attr_path) if attr_path else None,
        Selection(filter=c.filter, stratify_by=c.stratify_by, max_subjects=c.max_subjects,
                  seed=p.base.seed),
        DetectionLimits(min_score=c.min_score, min_face_px=c.min_face_px,
                        ambiguity_ratio=c.ambiguity_ratio),
        AlignmentSpec(size=c.size, eye_distance=c.eye_distance, eye_y=c.eye_y),
        FaceDetector(upsample=c.upsample),
        skip=[attr_path] if attr_path else [],
    )
    write_curated(result, out, attr_path.name if attr_path else "none")
    for r in result.rejects:
        log.info("rejected %s: %s (%s)", r.source, r.reason, r.detail)
    if not result.subjects:
        raise EquimeError(f"{source}: no usable face among the inputs; see {out / 'rejects.csv'}")
    if metrics:
        record_stage("curate", {"base": p.base.model_dump(), "curate": c.model_dump(mode="json")},
                     curate_metrics(result), metrics, timings={"seconds": time.perf_counter() - t0})


@app.command()
def plan(
    subjects: Annotated[Path, typer.Option(help="subjects.csv from curate")],
    out: Annotated[Path, typer.Option(help="plan file to write (JSON lines)")],
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
    plot: Annotated[Path | None, typer.Option(help="per-clip timing CSV (DVC plot) to write")] = None,
) -> None:
    """Plan every clip: AUs with intensities, timing, prompt and seed."""
    import pandas as pd

    from equime.curate import read_subjects
    from equime.files import write_csv, write_jsonl
    from equime.params import load_params
    from equime.plan.planner import PlanSpec, plan_clips, plan_metrics, timing_table
    from equime.tracking import record_stage

    p = load_params(params)
    table = read_subjects(subjects)
    pairs = list(zip(table["subject_id"], table["gender"], strict=True))
    rows = plan_clips(pairs, PlanSpec.from_params(p.plan), p.base.seed)
    write_jsonl(out, [r.model_dump(mode="json") for r in rows])
    if plot:
        write_csv(plot, pd.DataFrame(timing_table(rows)))
    if metrics:
        record_stage("plan", {"base": p.base.model_dump(), "plan": p.plan.model_dump(mode="json")},
                     plan_metrics(rows), metrics)
    log.info("planned %d clips into %s", len(rows), out)


@app.command()
def generate(
    plan_file: Annotated[Path, typer.Option("--plan", help="plan.jsonl from `equime plan`")],
    faces: Annotated[Path, typer.Option(help="curate's output folder (faces/, subjects.csv)")],
    out: Annotated[Path, typer.Option(help="folder for <clip_id>.mp4 files")],
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
    shard: Annotated[str, typer.Option(help="i/n: render only part i of n (parallel jobs)")] = "1/1",
) -> None:
    """Render every planned clip with the configured backend (resumes finished clips).

    Shards (``--shard 1/4`` … ``4/4``) may run at once into the same --out; a final whole run
    (``dvc repro``) then finds their clips complete and merges them."""
    from equime.generate.backends import build_renderer
    from equime.generate.base import FaceStore
    from equime.generate.runner import Shard, generate_clips
    from equime.params import load_params
    from equime.plan.planner import read_plan
    from equime.tracking import record_stage
    from equime.video import EncoderOptions

    p = load_params(params)
    g = p.generate
    part = Shard.parse(shard)
    rows = read_plan(plan_file)
    if g.backend == "ltx":
        from equime.generate.ltx import check_inputs

        check_inputs(rows)
    report = generate_clips(rows, FaceStore(faces), build_renderer(g),
                            EncoderOptions(crf=g.crf, preset=g.preset), out,
                            batch_size=g.batch_size, shard=part)
    if metrics and part.whole:
        record_stage("generate", {"generate": g.model_dump(mode="json")}, report.metrics(), metrics,
                     timings=report.timings())
    log.info("generate: %d written, %d skipped as complete, %d failed (see %s)",
             report.count("rendered"), report.count("skipped"), report.count("failed"),
             out / "rejects.csv")


@app.command()
def quality(
    plan_file: Annotated[Path, typer.Option("--plan", help="plan.jsonl")],
    faces: Annotated[Path, typer.Option(help="curate's output folder (faces/, subjects.csv)")],
    videos: Annotated[Path, typer.Option(help="generate's output folder")],
    out: Annotated[Path, typer.Option(help="folder for clips.csv, curves.csv, motion.png")],
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
) -> None:
    """Per-clip image metrics (standard and paper modes) and the geometric ME checks."""
    import pandas as pd

    from equime.files import write_csv
    from equime.params import load_params
    from equime.plan.planner import read_plan
    from equime.quality.assess import QualitySettings, assess_videos, plot_curves, quality_metrics
    from equime.quality.metrics import check_metrics
    from equime.tracking import record_stage

    p = load_params(params)
    q = p.quality
    check_metrics(q.metrics)
    settings = QualitySettings.from_params(q)
    t0 = time.perf_counter()
    records, curves, rejects = assess_videos(read_plan(plan_file), videos, faces, settings,
                                             workers=q.workers)
    write_csv(out / "clips.csv", pd.DataFrame(records))
    write_csv(out / "curves.csv", pd.DataFrame(curves))
    write_csv(out / "rejects.csv", pd.DataFrame(rejects, columns=["clip_id", "reason"]))
    plot_curves(curves, out / "motion.png")
    if metrics:
        record_stage("quality", {"quality": q.model_dump(mode="json")}, quality_metrics(records),
                     metrics, timings={"seconds": time.perf_counter() - t0})
    log.info("quality: %d clips measured, %d not (see %s)", len(records), len(rejects),
             out / "rejects.csv")


@app.command("filter")
def filter_cmd(
    clips: Annotated[Path, typer.Option(help="quality's clips.csv")],
    out: Annotated[Path, typer.Option(help="verdicts.csv to write")],
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
) -> None:
    """Pass/fail per clip from the thresholds in params, with the failing reasons."""
    from equime.files import write_csv
    from equime.params import load_params
    from equime.quality.filter import Thresholds, filter_metrics, verdict_table
    from equime.quality.io import read_quality
    from equime.tracking import record_stage

    p = load_params(params)
    f = p.filter
    table = verdict_table(read_quality(clips), Thresholds.from_params(f))
    write_csv(out, table)
    if metrics:
        record_stage("filter", {"filter": f.model_dump(mode="json")}, filter_metrics(table), metrics)
    log.info("filter: %d of %d clips pass (see %s)", int(table["passed"].sum()), len(table), out)


@app.command("export")
def export_cmd(
    plan_file: Annotated[Path, typer.Option("--plan", help="plan.jsonl")],
    subjects: Annotated[Path, typer.Option(help="subjects.csv from curate")],
    videos: Annotated[Path, typer.Option(help="generate's output folder")],
    out: Annotated[Path, typer.Option(help="dataset folder to write")],
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
    quality: Annotated[Path | None, typer.Option(help="quality's clips.csv")] = None,
    verdicts: Annotated[Path | None, typer.Option(help="filter's verdicts.csv: passing clips only")] = None,
) -> None:
    """Write the dataset layout, metadata, manifest and dataset card."""
    from equime.export.writer import export_dataset, export_metrics, read_subject_infos
    from equime.params import load_params
    from equime.plan.planner import read_plan
    from equime.quality.io import quality_records, read_quality, read_verdicts
    from equime.tracking import record_stage

    p = load_params(params)
    e = p.export
    q = {r["clip_id"]: r for r in quality_records(read_quality(quality))} if quality else None
    v = ({r.clip_id: (bool(r.passed), r.reasons) for r in read_verdicts(verdicts).itertuples()}
         if verdicts else None)
    summary = export_dataset(read_plan(plan_file), read_subject_infos(subjects), videos, out,
                             e.name, e.license, quality=q, verdicts=v)
    for clip in summary.missing:
        log.warning("not exported (not generated): %s", clip)
    if metrics:
        record_stage("export", {"export": e.model_dump(mode="json")}, export_metrics(summary), metrics)
    log.info("exported %d clips to %s", summary.exported, out / e.name)


@app.command()
def summarize(
    quality_file: Annotated[Path, typer.Option("--quality", help="quality's clips.csv")],
    verdicts: Annotated[Path, typer.Option(help="filter's verdicts.csv (synthetic: passing clips)")],
    out: Annotated[Path, typer.Option(help="folder for summary_metrics_<ds>.csv, table, plots")],
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
) -> None:
    """The quality stage's image metrics on the synthetic set and every configured real dataset."""
    from equime.datasets.registry import load_local
    from equime.files import write_csv
    from equime.params import load_params
    from equime.quality.assess import QualitySettings
    from equime.quality.io import read_quality, read_verdicts
    from equime.quality.metrics import check_metrics
    from equime.quality.summary import (
        clip_table,
        comparison,
        plot_distributions,
        summary_metrics,
        synthetic_table,
    )
    from equime.tracking import record_stage

    p = load_params(params)
    s, q = p.summarize, p.quality
    check_metrics(q.metrics)
    settings = QualitySettings.from_params(q)
    tables = {"synthetic": synthetic_table(read_quality(quality_file), read_verdicts(verdicts))}
    for name, cfg in sorted(s.datasets.items()):
        if cfg.root is None:
            log.info("summarize: %s not configured (summarize.datasets.%s.root), skipped", name, name)
            continue
        data = load_local(name, Path(cfg.root), Path(cfg.sheet) if cfg.sheet else None, cfg.variant)
        for problem in data.problems:
            log.warning("%s: %s", name, problem)
        samples = data.samples[: s.max_clips] if s.max_clips else data.samples
        tables[name] = clip_table(name, [(x.clip_id, x.load_frames) for x in samples], settings)
    for name, table in tables.items():
        write_csv(out / f"summary_metrics_{name}.csv", table)
    table = comparison(tables, q.metrics, q.modes)
    write_csv(out / "summary_table.csv", table)
    for mode in q.modes:
        plot_distributions(tables, list(q.metrics), mode, out / f"distributions_{mode}.png")
    if metrics:
        record_stage("summarize", {"summarize": s.model_dump(mode="json"),
                                   "quality": q.model_dump(mode="json")},
                     summary_metrics(table), metrics)
    log.info("summarize: %s → %s", ", ".join(f"{k} ({len(v)} clips)" for k, v in tables.items()),
             out / "summary_table.csv")


models_app = typer.Typer(no_args_is_help=True, help="Download model weights (needs internet).")
app.add_typer(models_app, name="models")


@models_app.command("fetch")
def models_fetch(
    name: Annotated[str, typer.Argument(help="which weights: ltx | piq")],
    params: ParamsOpt = Path("params.yaml"),
    dest: Annotated[Path | None, typer.Option(help="a folder instead of the hub cache")] = None,
) -> None:
    """Download weights where there is internet; stages then load them offline."""
    from equime.models_fetch import NAMES, fetch_ltx, fetch_piq
    from equime.params import load_params

    if name not in NAMES:
        raise EquimeError(f"unknown model {name!r}; choose one of {', '.join(NAMES)}")
    if name == "piq":
        for path in fetch_piq():
            typer.echo(f"piq: {path}")
        return
    ltx = load_params(params).generate.ltx
    path = fetch_ltx(ltx.model, ltx.revision, dest)
    typer.echo(f"ltx: {path}" + (f"  (set generate.ltx.model: {path})" if dest else ""))


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s",
                        stream=sys.stderr)
    try:
        app()
    except EquimeError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
