"""The ``equime`` command: one subcommand per pipeline stage. Each parses params, calls, writes."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from equime.errors import EquimeError

if TYPE_CHECKING:
    from equime.attributes.analyzer import DeepfaceAnalyzer
    from equime.baselines.protocols import RunSpec
    from equime.params import AttributesParams, Params, RunParams

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
    """Detect and align every face photo (that curate.filter keeps); reject the rest with reasons."""
    from equime.curate import DetectionLimits, curate_metrics, read_annotations, write_curated
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
        read_annotations(attr_path) if attr_path else None,
        c.filter,
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


attributes_app = typer.Typer(no_args_is_help=True,
                              help="Who each face and clip appears to be (attributes.source).")
app.add_typer(attributes_app, name="attributes")


def _analyzer(a: AttributesParams) -> DeepfaceAnalyzer | None:
    """deepface when attributes.source says so (weights checked now), else None: annotations."""
    from equime.attributes.analyzer import DeepfaceAnalyzer, DeepfaceSettings

    if a.source != "deepface":
        return None
    return DeepfaceAnalyzer(DeepfaceSettings(
        detector_backend=a.detector_backend,
        home=Path(a.deepface_home) if a.deepface_home else None))


@attributes_app.command("faces")
def attributes_faces(
    faces: Annotated[Path, typer.Option(help="curate's output folder (faces/, subjects.csv)")],
    out: Annotated[Path, typer.Option(help="faces.csv to write")],
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
) -> None:
    """Age, gender, race (and emotion) of every aligned source face, from attributes.source."""
    from equime.attributes.faces import face_attributes, face_metrics
    from equime.curate import read_subjects
    from equime.files import write_csv
    from equime.params import load_params
    from equime.tracking import record_stage

    p = load_params(params)
    table = face_attributes(read_subjects(faces / "subjects.csv"), faces / "faces",
                            _analyzer(p.attributes))
    write_csv(out, table)
    if metrics:
        record_stage("attributes_faces", {"attributes": p.attributes.model_dump(mode="json")},
                     face_metrics(table), metrics)
    log.info("attributes: %d faces (%s) → %s", len(table), p.attributes.source, out)


@attributes_app.command("clips")
def attributes_clips(
    plan_file: Annotated[Path, typer.Option("--plan", help="plan.jsonl")],
    faces: Annotated[Path, typer.Option(help="faces.csv from `equime attributes faces`")],
    videos: Annotated[Path, typer.Option(help="generate's output folder")],
    out: Annotated[Path, typer.Option(help="folder for clips.csv and frames.jsonl")],
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
) -> None:
    """Every k-th frame of every clip through the attribute source; identity consistency flags."""
    from equime.attributes.clips import clip_attributes, clip_metrics
    from equime.attributes.consistency import ConsistencyThresholds
    from equime.attributes.faces import read_face_attributes
    from equime.files import write_csv, write_jsonl
    from equime.params import load_params
    from equime.plan.planner import read_plan
    from equime.tracking import record_stage

    p = load_params(params)
    a = p.attributes
    limits = ConsistencyThresholds(
        min_gender_agreement=a.min_gender_agreement, min_race_agreement=a.min_race_agreement,
        max_age_shift=a.max_age_shift, max_no_face_share=a.max_no_face_share)
    sources = read_face_attributes(faces)
    if (found := {d.source for d in sources.values()}) - {a.source}:
        raise EquimeError(f"{faces}: made from {sorted(found)} but attributes.source is "
                          f"{a.source!r}; rerun `equime attributes faces`")
    table, frames = clip_attributes(read_plan(plan_file), videos, sources, _analyzer(a),
                                    a.frame_step, limits)
    write_csv(out / "clips.csv", table)
    write_jsonl(out / "frames.jsonl", frames)
    if metrics:
        record_stage("attributes_clips", {"attributes": a.model_dump(mode="json")},
                     clip_metrics(table), metrics)
    log.info("attributes: %d clips, %d flagged → %s", len(table), int((table["flags"] != "").sum()),
             out / "clips.csv")


@app.command("select")
def select_cmd(
    subjects: Annotated[Path, typer.Option(help="curate's subjects.csv (the pool)")],
    attributes: Annotated[Path, typer.Option(help="faces.csv from `equime attributes faces`")],
    out: Annotated[Path, typer.Option(help="folder for subjects.csv, supply.csv, not_selected.csv")],
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
) -> None:
    """Choose subjects to the target distribution over gender × race × age-band cells."""
    from equime.attributes.faces import read_face_attributes
    from equime.curate import read_subjects
    from equime.demographics.selection import (
        SelectionSpec,
        pool_table,
        select_subjects,
        selection_metrics,
        with_sources,
    )
    from equime.files import write_csv
    from equime.params import load_params
    from equime.tracking import record_stage

    p = load_params(params)
    sel, a = p.select, p.attributes
    pool = pool_table(read_face_attributes(attributes), a.age_bands)
    curated = read_subjects(subjects)
    result = select_subjects(pool, SelectionSpec(
        stratify_by=sel.stratify_by, age_bands=a.age_bands, target=sel.target,
        max_subjects=sel.max_subjects, seed=p.base.seed))
    chosen = with_sources(result.subjects, pool, curated, attributes)
    write_csv(out / "subjects.csv", chosen)
    write_csv(out / "supply.csv", result.supply)
    write_csv(out / "not_selected.csv", result.not_selected)
    if chosen.empty:
        raise EquimeError(f"select: no subject fits select.stratify_by/target; see {out / 'supply.csv'}")
    if metrics:
        record_stage("select", {"base": p.base.model_dump(), "select": sel.model_dump(mode="json"),
                                "attributes": {"age_bands": list(a.age_bands)}},
                     selection_metrics(result), metrics)
    log.info("select: %d of %d subjects (see %s)", len(chosen), len(pool), out / "supply.csv")


@app.command()
def plan(
    subjects: Annotated[Path, typer.Option(help="subjects.csv from `equime select`")],
    out: Annotated[Path, typer.Option(help="plan file to write (JSON lines)")],
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
    plot: Annotated[Path | None, typer.Option(help="per-clip timing CSV (DVC plot) to write")] = None,
) -> None:
    """Plan every clip: AUs with intensities, timing, prompt and seed."""
    import pandas as pd

    from equime.demographics.selection import read_selected
    from equime.files import write_csv, write_jsonl
    from equime.params import load_params
    from equime.plan.planner import (
        PlanSpec,
        PlanSubject,
        emotion_balance,
        plan_clips,
        plan_metrics,
        timing_table,
    )
    from equime.tracking import record_stage

    p = load_params(params)
    table = read_selected(subjects)
    people = [PlanSubject(r.subject_id, r.gender, r.cell) for r in table.itertuples()]
    rows = plan_clips(people, PlanSpec.from_params(p.plan), p.base.seed)
    write_jsonl(out, [r.model_dump(mode="json") for r in rows])
    if plot:
        write_csv(plot, pd.DataFrame(timing_table(rows)))
    if metrics:
        record_stage("plan", {"base": p.base.model_dump(), "plan": p.plan.model_dump(mode="json")},
                     plan_metrics(rows, emotion_balance(rows, {x.subject: x.cell for x in people},
                                                        p.plan.emotions)), metrics)
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
    identity: Annotated[Path | None, typer.Option(
        help="clips.csv of `equime attributes clips` (identity-consistency flags)")] = None,
) -> None:
    """Pass/fail per clip from the thresholds in params, with the failing reasons."""
    from equime.files import write_csv
    from equime.params import load_params
    from equime.quality.filter import Thresholds, filter_metrics, verdict_table
    from equime.quality.io import read_quality
    from equime.tracking import record_stage

    p = load_params(params)
    f = p.filter
    flags = None
    if identity:
        from equime.attributes.clips import read_clip_attributes

        flags = dict(zip(*read_clip_attributes(identity)[["clip_id", "flags"]].T.values, strict=True))
    table = verdict_table(read_quality(clips), Thresholds.from_params(f), flags)
    write_csv(out, table)
    if metrics:
        record_stage("filter", {"filter": f.model_dump(mode="json")}, filter_metrics(table), metrics)
    log.info("filter: %d of %d clips pass (see %s)", int(table["passed"].sum()), len(table), out)


@app.command("export")
def export_cmd(
    plan_file: Annotated[Path, typer.Option("--plan", help="plan.jsonl")],
    subjects: Annotated[Path, typer.Option(help="subjects.csv from `equime select`")],
    videos: Annotated[Path, typer.Option(help="generate's output folder")],
    out: Annotated[Path, typer.Option(help="dataset folder to write")],
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
    quality: Annotated[Path | None, typer.Option(help="quality's clips.csv")] = None,
    verdicts: Annotated[Path | None, typer.Option(help="filter's verdicts.csv: passing clips only")] = None,
    attributes: Annotated[Path | None, typer.Option(
        help="clips.csv of `equime attributes clips`")] = None,
    review: Annotated[Path | None, typer.Option(
        help="folder with the review's sample.csv and ratings.csv (`equime review import`)")] = None,
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
    ca = None
    if attributes:
        from equime.attributes.clips import read_clip_attributes

        ca = {r["clip_id"]: r for r in read_clip_attributes(attributes).to_dict("records")}
    rv = None
    if review:
        from equime.review.io import read_review
        from equime.review.results import clip_results

        sample, rated = read_review(review)
        rv = {r["clip_id"]: r for r in clip_results(rated, sample).to_dict("records")
              if r["ratings"]}
    summary = export_dataset(read_plan(plan_file), read_subject_infos(subjects), videos, out,
                             e.name, e.license, quality=q, verdicts=v, clip_attributes=ca,
                             review=rv)
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


@app.command()
def demographics(
    faces: Annotated[Path, typer.Option(help="faces.csv from `equime attributes faces` (sources)")],
    selected: Annotated[Path, typer.Option(help="subjects.csv from `equime select`")],
    plan_file: Annotated[Path, typer.Option("--plan", help="plan.jsonl")],
    manifest: Annotated[Path, typer.Option(help="the exported dataset's manifest.csv")],
    out: Annotated[Path, typer.Option(help="folder for groups.csv, balance.csv, demographics.png")],
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
) -> None:
    """Counts and shares per group from sources to exported clips, balance indices and a plot."""
    import pandas as pd

    from equime.attributes.faces import read_face_attributes
    from equime.demographics.selection import pool_table, read_selected
    from equime.demographics.summary import (
        balance_table,
        demographics_metrics,
        group_table,
        plot_demographics,
    )
    from equime.errors import InputError
    from equime.files import write_csv
    from equime.params import load_params
    from equime.plan.planner import read_plan
    from equime.tracking import record_stage

    p = load_params(params)
    edges = p.attributes.age_bands
    chosen = read_selected(selected)
    by_subject = chosen.set_index("subject_id")
    planned = by_subject.loc[[r.subject for r in read_plan(plan_file)]]
    if not manifest.is_file():
        raise InputError(f"{manifest}: not found; run `equime export` first")
    exported = pd.read_csv(manifest, dtype={"subject": str}, keep_default_na=False)
    steps = {"sources": pool_table(read_face_attributes(faces), edges), "selected": chosen,
             "planned": planned, "exported": by_subject.loc[exported["subject"].tolist()]}
    groups = group_table(steps, edges)
    balances = balance_table(groups)
    write_csv(out / "groups.csv", groups)
    write_csv(out / "balance.csv", balances)
    plot_demographics(groups, balances, out / "demographics.png")
    if metrics:
        record_stage("demographics", {"attributes": {"age_bands": list(edges)}},
                     demographics_metrics(balances), metrics)
    log.info("demographics: %s → %s", ", ".join(f"{k} {len(v)}" for k, v in steps.items()),
             out / "demographics.png")


@app.command()
def report(
    out: Annotated[Path, typer.Option(help="folder for index.html")],
    dataset: Annotated[Path | None, typer.Option(help="the exported dataset folder")] = None,
    demographics_dir: Annotated[Path | None, typer.Option(
        "--demographics", help="the demographics stage's folder")] = None,
    summaries: Annotated[Path | None, typer.Option(help="the summarize stage's folder")] = None,
    quality_dir: Annotated[Path | None, typer.Option("--quality", help="the quality stage's folder")] = None,
    verdicts: Annotated[Path | None, typer.Option(help="filter's verdicts.csv")] = None,
    baselines: Annotated[Path | None, typer.Option(help="the evaluate stage's folder")] = None,
    review: Annotated[Path | None, typer.Option(help="`equime review results` folder")] = None,
    lock: Annotated[Path | None, typer.Option(help="dvc.lock, for the inputs' hashes")] = None,
    params: ParamsOpt = Path("params.yaml"),
) -> None:
    """The self-contained HTML report (open index.html from disk); absent inputs are said so."""
    from equime.files import write_text
    from equime.params import load_params
    from equime.report.render import render_report
    from equime.report.sections import (
        baselines_section,
        dataset_section,
        provenance_section,
        quality_section,
        review_section,
    )

    p = load_params(params)
    sections = [
        dataset_section(dataset, demographics_dir),
        quality_section(summaries, quality_dir, verdicts),
        baselines_section(baselines),
        review_section(review),
        provenance_section(params, lock),
    ]
    write_text(out / "index.html", render_report(f"{p.export.name}: equime report", sections))
    for s in sections:
        if s.missing:
            log.info("report: %s: %s", s.title, s.missing)
    log.info("report: %s", out / "index.html")


review_app = typer.Typer(no_args_is_help=True, help="Human review of a sample of exported clips.")
app.add_typer(review_app, name="review")


@review_app.command("serve")
def review_serve(
    dataset: Annotated[Path, typer.Option(help="the exported dataset folder (manifest.csv)")],
    db: Annotated[Path, typer.Option(help="SQLite file for the ratings")] = Path("review/review.sqlite"),
    params: ParamsOpt = Path("params.yaml"),
) -> None:
    """Sample clips (review.size, seeded), print one link per rater, serve until Ctrl-C."""
    import pandas as pd
    import uvicorn

    from equime.errors import InputError
    from equime.params import load_params
    from equime.review.app import create_app
    from equime.review.sample import sample_clips
    from equime.review.store import ReviewStore

    p = load_params(params)
    r = p.review
    if not (dataset / "manifest.csv").is_file():
        raise InputError(f"{dataset}: no manifest.csv; run `equime export` (dvc repro) first")
    store = ReviewStore(db)
    store.set_clips(sample_clips(pd.read_csv(dataset / "manifest.csv", keep_default_na=False),
                                 r.size, p.base.seed))
    for name, token in store.add_raters(r.raters).items():
        typer.echo(f"{name}: http://{r.host}:{r.port}/r/{token}")
    uvicorn.run(create_app(store, dataset), host=r.host, port=r.port, log_level="warning")


@review_app.command("import")
def review_import(
    db: Annotated[Path, typer.Option(help="the review SQLite file")] = Path("review/review.sqlite"),
    out: Annotated[Path, typer.Option(help="folder for sample.csv and ratings.csv")] = Path("review"),
) -> None:
    """Write the sample and every rating as CSV (commit them: the pipeline reads them)."""
    from equime.errors import InputError
    from equime.files import write_csv
    from equime.review.store import ReviewStore

    if not db.is_file():
        raise InputError(f"{db}: not found; run `equime review serve` first")
    store = ReviewStore(db)
    write_csv(out / "sample.csv", store.planned())
    write_csv(out / "ratings.csv", store.ratings())
    log.info("review: %d ratings → %s", len(store.ratings()), out / "ratings.csv")


@review_app.command("results")
def review_results(
    ratings: Annotated[Path, typer.Option(help="folder with sample.csv and ratings.csv")],
    out: Annotated[Path, typer.Option(help="folder for clips.csv and summary.json")],
    metrics: MetricsOpt = None,
) -> None:
    """Per-clip majority label, accuracy against the plan, Fleiss' kappa, realism."""
    from equime.files import write_csv, write_json
    from equime.review.io import read_review
    from equime.review.results import clip_results, review_summary
    from equime.tracking import record_stage

    sample, rated = read_review(ratings)
    clips = clip_results(rated, sample)
    summary = review_summary(rated, clips)
    write_csv(out / "clips.csv", clips)
    write_json(out / "summary.json", summary)
    if metrics:
        record_stage("review", {}, summary, metrics)
    log.info("review: %d ratings of %d clips, Fleiss' kappa %s", summary["ratings"],
             summary["clips_rated"], summary["fleiss_kappa"])


def _run_spec(p: Params, run_name: str) -> tuple[RunParams, RunSpec]:
    from equime.baselines.protocols import RunSpec

    b = p.baselines
    if run_name not in b.runs:
        raise EquimeError(f"baselines.runs.{run_name}: no such run; runs are {sorted(b.runs)}")
    r = b.runs[run_name]
    return r, RunSpec(protocol=r.protocol, train=r.train, test=r.test, classes=r.classes,
                      mix=r.mix, val_fraction=b.val_fraction, test_fraction=b.test_fraction,
                      seed=p.base.seed)


@app.command()
def train(
    run_name: Annotated[str, typer.Option("--run", help="a key of baselines.runs")],
    out: Annotated[Path, typer.Option(help="folder for predictions.csv and models/")],
    dataset: Annotated[Path | None, typer.Option(help="the exported synthetic dataset")] = None,
    params: ParamsOpt = Path("params.yaml"),
) -> None:
    """Train a baseline on every fold of its protocol; predict each fold's test clips."""
    import shutil

    from equime.baselines.inputs import InputSpec
    from equime.baselines.run import run
    from equime.baselines.train import TrainSpec
    from equime.datasets.registry import source_loader
    from equime.files import replace_dir, write_csv, write_json
    from equime.params import load_params

    p = load_params(params)
    b = p.baselines
    r, spec = _run_spec(p, run_name)
    local = {n: (Path(c.root), Path(c.sheet) if c.sheet else None, c.variant)
             for n, c in p.summarize.datasets.items() if c.root}
    staging = out.with_name(f".{out.name}.staging")
    shutil.rmtree(staging, ignore_errors=True)
    result = run(spec, InputSpec(kind=r.input, frames=b.frames, size=b.size),
                 TrainSpec(model=r.model, epochs=b.epochs, batch_size=b.batch_size, lr=b.lr,
                           seed=p.base.seed),
                 source_loader(dataset, local), models_dir=staging / "models")
    write_csv(staging / "predictions.csv", result.predictions)
    write_json(staging / "run.json", {"run": run_name, **r.model_dump(mode="json"),
                                      "samples": result.samples, "dropped": result.dropped,
                                      "folds": result.folds})
    replace_dir(staging, out)
    log.info("train %s: %d folds, %d test predictions → %s", run_name, result.folds,
             len(result.predictions), out)


@app.command()
def evaluate(
    run_name: Annotated[str, typer.Option("--run", help="a key of baselines.runs")],
    trained: Annotated[Path, typer.Option(help="the train stage's folder for this run")],
    subjects: Annotated[Path, typer.Option(help="select's subjects.csv (synthetic demographics)")],
    out: Annotated[Path, typer.Option(help="folder for results.csv, groups.csv and plots")],
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
) -> None:
    """Scores with bootstrap CIs, per dataset and per demographic group, with plots."""
    import pandas as pd

    from equime.baselines.evaluate import (
        evaluation_metrics,
        group_rows,
        per_class_rows,
        plot_confusion,
        plot_groups,
        result_rows,
        synthetic_demographics,
    )
    from equime.baselines.metrics import confusion
    from equime.baselines.protocols import LABEL_SETS
    from equime.demographics.selection import read_selected
    from equime.errors import InputError
    from equime.files import write_bytes, write_csv
    from equime.params import load_params
    from equime.tracking import record_stage

    p = load_params(params)
    r, _ = _run_spec(p, run_name)
    classes = LABEL_SETS[r.classes]
    path = trained / "predictions.csv"
    if not path.is_file():
        raise InputError(f"{path}: not found; run `equime train --run {run_name}` first")
    pred = pd.read_csv(path, dtype={"subject": str, "clip_id": str}, keep_default_na=False)
    labels = {"run": run_name, "model": r.model, "protocol": r.protocol, "input": r.input,
              "classes": r.classes}
    results = result_rows(pred, classes, p.baselines.bootstrap, p.base.seed, labels)
    groups = group_rows(pred, synthetic_demographics(read_selected(subjects)),
                        p.baselines.bootstrap, p.base.seed, {"run": run_name})
    write_csv(out / "results.csv", results)
    write_csv(out / "groups.csv", groups)
    write_csv(out / "per_class.csv", per_class_rows(pred, classes))
    cm = confusion(pred["true"], pred["pred"], classes)
    write_bytes(out / f"confusion_{run_name}.png", plot_confusion(cm, classes, f"{run_name}: "
                                                                 f"{r.model}, {r.protocol}"))
    write_bytes(out / f"groups_{run_name}.png", plot_groups(groups, run_name))
    summary = evaluation_metrics(results, groups)
    if metrics:
        record_stage(f"evaluate@{run_name}", {"run": r.model_dump(mode="json"),
                                              "baselines": p.baselines.model_dump(
                                                  mode="json", exclude={"runs"})},
                     summary, metrics,
                     artifacts=[out / f"confusion_{run_name}.png", out / f"groups_{run_name}.png",
                                *sorted((trained / "models").glob("*.safetensors"))])
    log.info("evaluate %s: UF1 %.3f [%.3f, %.3f], UAR %.3f over %d clips", run_name,
             summary["uf1"], summary["uf1_lo"], summary["uf1_hi"], summary["uar"], summary["n"])


models_app = typer.Typer(no_args_is_help=True, help="Download model weights (needs internet).")
app.add_typer(models_app, name="models")


@models_app.command("fetch")
def models_fetch(
    name: Annotated[str, typer.Argument(help="which weights: ltx | piq | deepface")],
    params: ParamsOpt = Path("params.yaml"),
    dest: Annotated[Path | None, typer.Option(help="a folder instead of the hub cache")] = None,
) -> None:
    """Download weights where there is internet; stages then load them offline."""
    from equime.models_fetch import NAMES, fetch_deepface, fetch_ltx, fetch_piq
    from equime.params import load_params

    if name not in NAMES:
        raise EquimeError(f"unknown model {name!r}; choose one of {', '.join(NAMES)}")
    if name == "deepface":
        home = load_params(params).attributes.deepface_home
        for path in fetch_deepface(Path(home) if home else None):
            typer.echo(f"deepface: {path}")
        return
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
