"""The ``equime`` command: what people run by hand (on any folder of videos, or around the
pipeline). The pipeline's stages are ``stages/*.py`` (run by ``dvc repro``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from equime.runtime import ParamsOpt, log, run_app

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True,
                  help="Synthetic micro-expression datasets: the hand-run tools (the pipeline is "
                       "`dvc repro`).")


@app.command()
def generate(
    shard: Annotated[str, typer.Option(help="i/n: render only part i of n (a job array's task; "
                                            "1/1: the whole plan)")] = "1/1",
    dry_run: Annotated[bool, typer.Option(help="dispatch every pending clip's work and check it "
                                               "(face, seed, key); render and write nothing")] = False,
    plan_file: Annotated[Path, typer.Option("--plan", help="plan.jsonl")] = Path("data/plan.jsonl"),
    faces: Annotated[Path, typer.Option(help="curate's folder")] = Path("data/curated"),
    out: Annotated[Path, typer.Option(help="generate's folder")] = Path("data/videos"),
    params: ParamsOpt = Path("params.yaml"),
) -> None:
    """Render the plan (or one shard of it) into the generate stage's folder, on the engine
    ``compute.engine`` names.

    Shards (``--shard 1/4`` … ``4/4``, e.g. a Slurm job array) may run at once into the same
    --out; ``dvc repro`` then finds their clips complete and merges them."""
    from equime.artifacts.plan import read_plan
    from equime.generate.runner import Shard
    from equime.generate.runner import generate as run_generate
    from equime.params import load_params

    p = load_params(params)
    report = run_generate(read_plan(plan_file), faces, out, p.generate, p.recording,
                          Shard.parse(shard), p.compute, dry_run)
    typer.echo(f"{report.count('checked' if dry_run else 'rendered')} clips "
               f"{'would be rendered' if dry_run else 'rendered'}, {report.count('skipped')} "
               f"complete, {report.count('failed')} failed")


@app.command()
def retime(
    videos: Annotated[Path, typer.Option(help="a folder of expression videos (*.mp4, frame 0 "
                                              "neutral)")],
    out: Annotated[Path, typer.Option(help="folder for <name>.mp4 + <name>.json, rejects.csv")],
    params: ParamsOpt = Path("params.yaml"),
    emotion_from_name: Annotated[bool, typer.Option(
        help="an emotion in a file name (ltx_disgust_0) plans its AUs (plan.au_source)")] = False,
) -> None:
    """Each video → a micro-expression clip of the same size, fps and length: the head
    stabilised, the apex's motion scaled into the ME range and played briefly (timing from the
    plan params, seeded by the file name) on the first frame."""
    from equime.params import load_params
    from equime.retime.jobs import retime_folder

    p = load_params(params)
    retime_folder(videos, out, p.retime, p.recording.camera, p.plan, p.base.seed,
                  p.generate.encoder(), emotion_from_name,
                  p.compute)


@app.command()
def quality(
    videos: Annotated[Path, typer.Option(help="a folder of videos (*.mp4, frame 0 neutral)")],
    out: Annotated[Path, typer.Option(help="folder for clips.csv, curves.csv, rejects.csv, "
                                           "motion.png")],
    params: ParamsOpt = Path("params.yaml"),
    emotion_from_name: Annotated[bool, typer.Option(
        help="an emotion in a file name plans its AUs: their visibility is checked")] = False,
) -> None:
    """Measure any folder of videos as the quality stage measures clips (no plan: landmarks from
    each first frame; nothing planned unless --emotion-from-name)."""
    from equime.artifacts import quality as measured
    from equime.params import load_params
    from equime.quality.assess import assess_folder, plot_curves

    p = load_params(params)
    result = assess_folder(videos, p.quality, p.plan.au_source if emotion_from_name else None,
                           p.compute)
    measured.write(out, result.records, result.curves, result.rejects, plot_curves(result.curves))


@app.command("filter")
def filter_cmd(
    clips: Annotated[Path, typer.Option(help="clips.csv of `equime quality` (or the stage)")],
    out: Annotated[Path, typer.Option(help="verdicts.csv to write")],
    params: ParamsOpt = Path("params.yaml"),
) -> None:
    """Are these micro-expressions? Pass/fail per clip with every failing reason (filter.*)."""
    from equime.artifacts import quality as measured
    from equime.artifacts import verdicts
    from equime.params import load_params
    from equime.quality.filter import verdict_table

    table = verdict_table(measured.read(clips), load_params(params).filter)
    verdicts.write(out, table)
    log.info("filter: %d of %d clips pass (see %s)", int(table["passed"].sum()), len(table), out)


review_app = typer.Typer(no_args_is_help=True, help="Human review of a sample of exported clips.")
app.add_typer(review_app, name="review")


@review_app.command("serve")
def review_serve(
    dataset: Annotated[Path, typer.Option(help="the exported dataset folder (manifest.csv)")],
    db: Annotated[Path, typer.Option(help="SQLite file for the ratings")] = Path("review/review.sqlite"),
    params: ParamsOpt = Path("params.yaml"),
) -> None:
    """Sample clips (review.size, seeded), print one link per rater, serve until Ctrl-C."""
    import uvicorn

    from equime.artifacts.dataset import read_manifest
    from equime.params import load_params
    from equime.review.app import create_app
    from equime.review.sample import sample_clips
    from equime.review.store import ReviewStore

    p = load_params(params)
    r = p.review
    store = ReviewStore(db)
    store.set_clips(sample_clips(read_manifest(dataset), r.size, p.base.seed))
    for name, token in store.add_raters(r.raters).items():
        typer.echo(f"{name}: http://{r.host}:{r.port}/r/{token}")
    uvicorn.run(create_app(store, dataset), host=r.host, port=r.port, log_level="warning")


@review_app.command("import")
def review_import(
    db: Annotated[Path, typer.Option(help="the review SQLite file")] = Path("review/review.sqlite"),
    out: Annotated[Path, typer.Option(help="folder for sample.csv and ratings.csv")] = Path("review"),
) -> None:
    """Write the sample, the current ratings and their history as CSV (commit them: the
    pipeline reads the first two)."""
    from equime.artifacts import ratings
    from equime.errors import InputError
    from equime.review.store import ReviewStore

    if not db.is_file():
        raise InputError(f"{db}: not found; run `equime review serve` first")
    store = ReviewStore(db)
    ratings.write(out, store.planned(), store.ratings(), store.history())
    log.info("review: %d ratings → %s", len(store.ratings()), out / "ratings.csv")


@review_app.command("results")
def review_results(
    rated: Annotated[Path, typer.Option("--ratings", help="sample.csv + ratings.csv")] = Path("review"),
    out: Annotated[Path, typer.Option(help="folder for clips.csv and summary.json")] = Path(
        "data/review"),
) -> None:
    """Per-clip majority label, accuracy against the plan, Fleiss' kappa, realism (the review
    stage's work, by hand, without recording a run)."""
    from equime.artifacts import ratings, review
    from equime.review.results import review_results as results

    clips, summary = results(*ratings.read_review(rated))
    review.write(out, clips, summary)
    log.info("review: %d ratings of %d clips, Fleiss' kappa %s", summary["ratings"],
             summary["clips_rated"], summary["fleiss_kappa"])


score_app = typer.Typer(no_args_is_help=True, help="Score predictions as the MEGC challenges do.")
app.add_typer(score_app, name="score")
ModeOpt = Annotated[str, typer.Option(help="megc2025: the organisers' strs_metric.py, quirks "
                                           "and all | corrected (see equime.megc.strs)")]


@score_app.command("vqa")
def score_vqa(
    pred: Annotated[Path, typer.Option(help="answers: JSONL with id and answer")],
    truth: Annotated[Path, typer.Option(help="the truth: me_vqa_test_answers.jsonl")],
) -> None:
    """Per question type: UF1/UAR (classes), accuracy (yes/no, left/right), BLEU-4 and ROUGE-1
    (free answers); every truth id must be answered."""
    import json

    from equime.errors import InputError
    from equime.megc.files import read_answers
    from equime.megc.vqa import kind_of
    from equime.megc.vqa_score import score

    want, got = read_answers(truth), read_answers(pred)
    if missing := [k for k in want if k not in got]:
        raise InputError(f"{pred}: no answer to {len(missing)} question(s) of {truth}, e.g. "
                         f"{missing[0]!r}")
    kinds = [kind_of(row["question"]) for row in want.values()]
    figures = score(kinds, [r["answer"] for r in want.values()],
                    [str(got[k]["answer"]) for k in want])
    typer.echo(json.dumps(figures, indent=2))


@score_app.command("spotting")
def score_spotting(
    pred: Annotated[Path, typer.Option(help="spotted intervals: subject, video, onset, offset")],
    truth: Annotated[Path, typer.Option(help="the truth: the MEGC spotting CSV")],
    mode: ModeOpt = "corrected",
) -> None:
    """Spotting: a spotted interval whose IoU (inclusive frames) with a truth is ≥ 0.5 is a
    true positive; precision, recall and F1."""
    import json

    from equime.megc.files import read_intervals
    from equime.megc.strs import score

    r = score(read_intervals(pred, need_emotion=False), read_intervals(truth, need_emotion=False),
              _mode(mode))
    keys = ("TP spotting", "FP spotting", "FN spotting", "Precision spotting",
            "Recall spotting", "F1-score spotting")
    typer.echo(json.dumps({k: v for k, v in r.figures().items() if k in keys}, indent=2))


@score_app.command("str")
def score_str(
    pred: Annotated[Path, typer.Option(help="spotted and recognised: subject, video, onset, "
                                            "offset, emotion")],
    truth: Annotated[Path, typer.Option(help="the truth: the MEGC spotting CSV")],
    mode: ModeOpt = "corrected",
) -> None:
    """Spot-then-recognise: spotting F1, the emotions of its true positives (UF1, UAR, F1) and
    STRS = F1(spotting) × F1(analysis)."""
    import json

    from equime.megc.files import read_intervals
    from equime.megc.strs import score

    r = score(read_intervals(pred), read_intervals(truth), _mode(mode))
    typer.echo(json.dumps({k: round(v, 4) for k, v in r.figures().items()}, indent=2))


def _mode(mode: str) -> str:
    from equime.errors import InputError
    from equime.megc.strs import MODES

    if mode not in MODES:
        raise InputError(f"--mode {mode!r}: one of {', '.join(MODES)}")
    return mode


models_app = typer.Typer(no_args_is_help=True, help="Download model weights (needs internet).")
app.add_typer(models_app, name="models")


@models_app.command("fetch")
def models_fetch(
    name: Annotated[str, typer.Argument(
        help="which weights: a generative backend (ltx, ltx2) | piq | deepface")],
    params: ParamsOpt = Path("params.yaml"),
    dest: Annotated[Path | None, typer.Option(help="a folder instead of the hub cache")] = None,
) -> None:
    """Download weights where there is internet; stages then load them offline."""
    from equime.errors import EquimeError
    from equime.generate.registry import backend
    from equime.models_fetch import fetch_deepface, fetch_pipeline, fetch_piq, names
    from equime.params import load_params

    if name not in names():
        raise EquimeError(f"unknown model {name!r}; choose one of {', '.join(names())}")
    if name == "deepface":
        home = load_params(params).attributes.deepface_home
        for path in fetch_deepface(Path(home) if home else None):
            typer.echo(f"deepface: {path}")
        return
    if name == "piq":
        for path in fetch_piq():
            typer.echo(f"piq: {path}")
        return
    settings = load_params(params).generate.settings(name)
    path = fetch_pipeline(settings.model, settings.revision, backend(name).weights, name, dest)
    typer.echo(f"{name}: {path}" + (f"  (set generate.{name}.model: {path})" if dest else ""))


def main() -> None:
    run_app(app)


if __name__ == "__main__":
    main()
