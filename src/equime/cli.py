"""The ``equime`` command: one subcommand per pipeline stage. Each parses params, calls, writes."""

from __future__ import annotations

import logging
import sys
import time
from collections import Counter
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
    from equime.curate import DetectionLimits, Selection, read_celeba_attributes, write_curated
    from equime.curate import curate as run_curate
    from equime.faces.align import AlignmentSpec
    from equime.faces.detect import FaceDetector
    from equime.params import load_params
    from equime.tracking import record_stage

    p = load_params(params)
    c = p.curate
    attr_path = Path(c.attributes) if c.attributes else None
    attributes = read_celeba_attributes(attr_path) if attr_path else None
    t0 = time.perf_counter()
    result = run_curate(
        source, attributes,
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
        record_stage("curate", {"base": p.base.model_dump(), "curate": c.model_dump(mode="json")}, {
            "inputs": len(result.subjects) + len(result.rejects),
            "subjects": len(result.subjects),
            "rejected": len(result.rejects),
            "rejects_by_reason": dict(sorted(Counter(r.reason for r in result.rejects).items())),
            "subjects_by_gender": dict(sorted(Counter(s.gender for s in result.subjects).items())),
        }, metrics, timings={"seconds": time.perf_counter() - t0})


@app.command()
def plan(
    subjects: Annotated[Path, typer.Option(help="subjects.csv from curate")],
    out: Annotated[Path, typer.Option(help="plan file to write (JSON lines)")],
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
) -> None:
    """Plan every clip: AUs with intensities, timing, prompt and seed."""
    import numpy as np

    from equime.curate import read_subjects
    from equime.files import write_jsonl
    from equime.params import load_params
    from equime.plan.planner import PlanSpec, plan_clips
    from equime.tracking import record_stage

    p = load_params(params)
    s = p.plan
    table = read_subjects(subjects)
    spec = PlanSpec(
        emotions=s.emotions, au_source=s.au_source, sequences_per_subject=s.sequences_per_subject,
        fps=s.fps, n_frames=s.n_frames, width=s.width, height=s.height, duration_s=s.duration_s,
        rise_fraction=s.rise_fraction, apex_window_s=s.apex_window_s, intensity=s.intensity,
        prompt_template=s.prompt_template, negative_prompt=s.negative_prompt)
    rows = plan_clips(list(zip(table["subject_id"], table["gender"], strict=True)), spec, p.base.seed)
    write_jsonl(out, [r.model_dump(mode="json") for r in rows])
    durations = np.array([r.offset_s - r.onset_s for r in rows])
    if metrics:
        record_stage("plan", {"base": p.base.model_dump(), "plan": s.model_dump(mode="json")}, {
            "clips": len(rows),
            "clips_by_emotion": dict(sorted(Counter(r.emotion for r in rows).items())),
            "duration_s": {"min": round(float(durations.min()), 4),
                           "mean": round(float(durations.mean()), 4),
                           "max": round(float(durations.max()), 4)},
            "expressive_frames_mean": round(float(np.mean(
                [r.offset_frame - r.onset_frame - 1 for r in rows])), 3),
        }, metrics)
    log.info("planned %d clips into %s", len(rows), out)


def _read_plan(path: Path) -> list:
    from pydantic import ValidationError

    from equime.errors import InputError
    from equime.files import read_jsonl
    from equime.plan.planner import PlanRow

    rows = []
    for n, raw in enumerate(read_jsonl(path), start=1):
        try:
            rows.append(PlanRow.model_validate(raw))
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(x) for x in err["loc"])
            raise InputError(f"{path}:{n}: {key}: {err['msg']}; rerun `equime plan`") from None
    return rows


@app.command()
def generate(
    plan_file: Annotated[Path, typer.Option("--plan", help="plan.jsonl from `equime plan`")],
    faces: Annotated[Path, typer.Option(help="curate's output folder (faces/, subjects.csv)")],
    out: Annotated[Path, typer.Option(help="folder for <clip_id>.mp4 files")],
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
) -> None:
    """Render every planned clip with the configured backend (resumes finished clips)."""
    from equime.curate import parse_landmarks, read_subjects
    from equime.generate.base import load_face
    from equime.generate.runner import generate_clips
    from equime.generate.warp import WarpRenderer
    from equime.params import load_params
    from equime.tracking import record_stage
    from equime.video import EncoderOptions

    p = load_params(params)
    g = p.generate
    rows = _read_plan(plan_file)
    table = read_subjects(faces / "subjects.csv").set_index("subject_id")
    renderer = WarpRenderer(interpolation=g.warp.interpolation, border_anchors=g.warp.border_anchors)
    cache: dict[str, object] = {}

    def face_for(row):
        if row.subject not in cache:
            if row.subject not in table.index:
                raise EquimeError(f"subject {row.subject!r} not in {faces / 'subjects.csv'}")
            lm = parse_landmarks(table.at[row.subject, "landmarks"], f"subjects.csv:{row.subject}")
            cache[row.subject] = load_face(faces / "faces" / f"{row.subject}.png", lm,
                                           row.width, row.height)
        return cache[row.subject]

    report = generate_clips(rows, face_for, renderer, EncoderOptions(crf=g.crf, preset=g.preset), out)
    if metrics:
        record_stage("generate", {"base": p.base.model_dump(), "generate": g.model_dump(mode="json")},
                     report.metrics(), metrics, timings=report.timings())
    log.info("generate: %d written, %d skipped as complete, %d failed (see %s)",
             report.count("rendered"), report.count("skipped"), report.count("failed"),
             out / "rejects.csv")


@app.command("export")
def export_cmd(
    plan_file: Annotated[Path, typer.Option("--plan", help="plan.jsonl")],
    subjects: Annotated[Path, typer.Option(help="subjects.csv from curate")],
    videos: Annotated[Path, typer.Option(help="generate's output folder")],
    out: Annotated[Path, typer.Option(help="dataset folder to write")],
    params: ParamsOpt = Path("params.yaml"),
    metrics: MetricsOpt = None,
) -> None:
    """Write the dataset layout, metadata, manifest and dataset card."""
    import json

    from equime.curate import read_subjects
    from equime.export.writer import SubjectInfo, export_dataset
    from equime.params import load_params
    from equime.tracking import record_stage

    p = load_params(params)
    e = p.export
    rows = _read_plan(plan_file)
    table = read_subjects(subjects)
    infos = {
        r.subject_id: SubjectInfo(subject=r.subject_id, source=r.source, sha256=r.sha256,
                                  gender=r.gender, attributes=json.loads(r.attributes or "{}"),
                                  attributes_source=r.attributes_source)
        for r in table.itertuples()
    }
    summary = export_dataset(rows, infos, videos, out, e.name, e.license)
    for clip in summary.missing:
        log.warning("not exported (not generated): %s", clip)
    m = summary.manifest
    if metrics:
        record_stage("export", {"export": e.model_dump(mode="json")}, {
            "clips": summary.exported,
            "missing": len(summary.missing),
            "clips_by_emotion": m["emotion"].value_counts().sort_index().to_dict(),
            "clips_by_gender": m["gender"].value_counts().sort_index().to_dict(),
            "bytes": int(m["size_bytes"].sum()),
        }, metrics)
    log.info("exported %d clips to %s", summary.exported, out / e.name)


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
