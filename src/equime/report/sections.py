"""What each report section shows, read from the pipeline's files. A section whose inputs are
absent says so (``missing``) instead of failing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from equime import __version__
from equime.artifacts import clips as clip_files
from equime.artifacts import dataset as dataset_files
from equime.artifacts import demographics as demographics_files
from equime.artifacts import evaluation as evaluation_files
from equime.artifacts import longvideos as longvideo_files
from equime.artifacts import quality as quality_files
from equime.artifacts import review as review_files
from equime.artifacts import summaries as summaries_files
from equime.artifacts import verdicts as verdicts_files
from equime.artifacts.clips import OutlineShare, RetimeRecord
from equime.longvideo.scores import baseline_scores
from equime.plots import figure_png, pyplot
from equime.report.media import (
    animated_preview,
    data_uri,
    png_file_uri,
    retimed_strip_uri,
    strip_uri,
)
from equime.tracking import git_commit
from equime.video import frame_count, read_frames

# the report names the last commit that changed these (not HEAD): it says what made the report,
# and committing results afterwards does not change its bytes
CODE_PATHS = ("src", "stages", "params.yaml", "dvc.yaml")
PREVIEWS = 3  # animated clips in the dataset section
PREVIEW_HALF_WINDOW = 6  # frames either side of the apex in an animated preview


@dataclass(frozen=True)
class Section:
    title: str
    missing: str | None = None  # why there is nothing to show
    tables: list[dict[str, Any]] = field(default_factory=list)  # {caption, columns, rows}
    images: list[dict[str, str]] = field(default_factory=list)  # {caption, src}
    notes: list[str] = field(default_factory=list)


def table(caption: str, frame: pd.DataFrame) -> dict[str, Any]:
    frame = frame.astype(object).where(frame.notna(), "")
    return {"caption": caption, "columns": [str(c) for c in frame.columns],
            "rows": frame.values.tolist()}


def dataset_section(root: Path | None, demographics: Path | None,
                    balance_table: Path | None = None) -> Section:
    if root is None or not (root / dataset_files.MANIFEST).is_file():
        return Section("Dataset", missing="no exported dataset (run `dvc repro export`)")
    m = dataset_files.read_manifest(root)
    if m.empty:
        return Section("Dataset", missing="the exported dataset has no clips")
    counts = (m.groupby(["gender", "race", "age_band", "emotion"]).size()
              .unstack("emotion", fill_value=0).reset_index())
    counts["total"] = counts.drop(columns=["gender", "race", "age_band"]).sum(axis=1)
    tables = [table(f"{len(m)} clips per gender × race × age band (rows) and emotion (columns)",
                    counts)]
    images = []
    balance = (demographics_files.read_balance(balance_table) if balance_table is not None
               else None)
    if balance is not None:
        tables.append(table("Balance per step: normalised Shannon entropy (1 = uniform over the "
                            "known groups) and min/max share ratio; 'paper' = the paper's "
                            "reported make-up", balance))
        if demographics is not None and (plot := demographics_files.plot(demographics)) is not None:
            images.append({"caption": "Share per group from sources to exported clips; black: "
                                      "the paper's reported shares",
                           "src": png_file_uri(plot)})
    firsts = m.drop_duplicates("emotion").reset_index(drop=True)
    examples = [{"video": r.video, "emotion": r.emotion, "aus": r.aus,
                 "prompt": dataset_files.read_metadata(root, r.video)["generation"]["prompt"]}
                for r in firsts.itertuples()]
    tables.append(table("One clip per emotion and its generation prompt", pd.DataFrame(examples)))
    previews = []
    for i, r in enumerate(firsts.itertuples()):
        apex = int(r.apex_frame)
        n = frame_count(root / r.video)
        window = range(max(apex - PREVIEW_HALF_WINDOW, 0), min(apex + PREVIEW_HALF_WINDOW + 1, n))
        # one decoding pass, keeping the neutral frame and the frames around the apex
        frames = read_frames(root / r.video, [0, *window])
        images.append({"caption": f"{r.emotion}: neutral | apex | 8×|apex − neutral| ({r.video})",
                       "src": strip_uri(frames, 1 + apex - window.start)})
        if i < PREVIEWS:
            previews.append({"caption": f"{r.video}: frames {window.start}–{window.stop - 1} "
                                        "around the apex, looping",
                             "src": animated_preview(frames, range(1, len(frames)))})
    return Section("Dataset", tables=tables, images=images + previews)


def quality_section(summaries: Path | None, summary_table: Path | None, quality: Path | None,
                    verdicts: Path | None) -> Section:
    tables, images, notes = [], [], []
    comparison = (summaries_files.read_table(summary_table) if summary_table is not None
                  else None)
    if comparison is not None:
        tables.append(table("Image metrics per dataset (mean, std, median) beside the paper's "
                            "reported Table 2", comparison))
        for mode, png in summaries_files.plots(summaries).items():
            images.append({"caption": f"Per-clip distributions ({mode} mode); red ×: the paper's "
                                      "Table 2", "src": png_file_uri(png)})
    else:
        notes.append("No real-dataset comparison (run `dvc repro summarize`).")
    if verdicts is not None and verdicts.is_file():
        v = verdicts_files.read(verdicts)
        reasons = Counter(r.split(":")[0].split(" (")[0] for rs in v["reasons"] if rs
                          for r in rs.split("; "))
        tables.append(table(f"Filter: {int(v['passed'].sum())} of {len(v)} "
                            "clips pass; rejection reasons",
                            pd.DataFrame(sorted(reasons.items(), key=lambda kv: -kv[1]),
                                         columns=["reason", "clips"])))
    if quality is not None and (quality / "clips.csv").is_file():
        q = quality_files.read(quality)
        if (quality / "motion.png").is_file():
            images.append({"caption": "Motion curves (facial movement and rigid head motion)",
                           "src": png_file_uri(quality / "motion.png")})
        images.append({"caption": "ME timing and AU fidelity per clip",
                       "src": _timing_plot(q)})
    if not (tables or images):
        return Section("Quality", missing="no quality results (run `dvc repro quality`)")
    return Section("Quality", tables=tables, images=images, notes=notes)


def _timing_plot(q: pd.DataFrame) -> str:
    fig, axes = pyplot().subplots(1, 2, figsize=(9, 3.2), dpi=100)
    axes[0].hist(q["duration_s"].dropna(), bins=20, color="tab:blue")
    axes[0].axvline(0.5, color="k", ls="--", lw=1)
    axes[0].set_xlabel("expression onset → offset (s); dashed: 0.5 s micro limit")
    axes[1].hist(q["au_fidelity"].dropna(), bins=10, range=(0, 1), color="tab:green")
    axes[1].set_xlabel("AU fidelity (share of planned AUs visible)")
    for ax in axes:
        ax.set_ylabel("clips")
    fig.tight_layout()
    return data_uri(figure_png(fig), "image/png")


RETIMED_SHOWN = 3  # generated clips shown raw beside their ME


def retime_section(videos: Path | None, clips: Path | None) -> Section:
    """Generated clips against the micro-expressions retime made of them: what was found and
    done (apex, head motion, alpha, the AU pattern kept), motion curves, neutral/apex strips."""
    title = "Generated clips, retimed"
    log_file = clips / clip_files.LOG if clips is not None else None
    if videos is None or log_file is None or not log_file.is_file():
        return Section(title, missing="no retime results (run `dvc repro retime`)")
    # (a clip moved by a real ME is retimed too, but from no generated video)
    made = [r for r in clip_files.read_log(clips).values()
            if r.retimed and r.motion_source == "generated"]
    rejects = pd.read_csv(clips / clip_files.REJECTS, keep_default_na=False)
    if not made:
        return Section(title, missing=f"no generated clip was retimed: the warp backend renders "
                                      f"micro-expressions, which pass through ({len(rejects)} "
                                      "clips refused)")
    rows = [{"clip": r.clip_id, "raw frames": r.raw_frames, "raw apex": r.raw_apex_frame,
             "raw peak (IOD)": r.raw_peak_iod, "alpha": r.alpha, "ME peak (IOD)": r.me_peak_iod,
             "AUs (measured)": "+".join(r.measured_aus or {}) or "—",
             "outline share, raw": r.outline_share.raw if r.outline_share else None,
             "outline share, ME": r.outline_share.me if r.outline_share else None,
             "AU pattern r": r.au_pattern_r,
             "head at apex (IOD)": r.stabilisation.rigid_at_apex_iod if r.stabilisation else None,
             "identity at apex": r.stabilisation.identity_at_apex if r.stabilisation else None}
            for r in made]
    tables = [table("What retime found in each generated clip and did with it (IOD: interocular "
                    "distance; AUs: those the raw apex shows, the head taken out, which are the "
                    "clip's label; outline share: motion along the jaw line over the inner "
                    "face's, at the raw apex and at the ME's (a head turn's residue is near 1); "
                    "AU pattern r: the ME apex's AUs against the raw apex's)",
                    pd.DataFrame(rows))]
    if len(rejects):
        tables.append(table("Generated clips retime refused", rejects))
    images = [{"caption": "Raw facial motion (stabilised, against the neutral) of each generated "
                          "clip: it rises and stays; retime keeps its motion at the apex only",
               "src": _raw_curves(made)}]
    for r in made[:RETIMED_SHOWN]:
        raw = read_frames(clip_files.video_path(videos, r.clip_id), [int(r.raw_apex_frame or 0)])
        me = read_frames(clip_files.video_path(clips, r.clip_id), [0, r.timing.apex_frame])
        share = r.outline_share or OutlineShare(raw=None, me=None)
        images.append({"caption": f"{r.clip_id}: neutral | generated apex (frame "
                                  f"{r.raw_apex_frame}) | ME apex (alpha {r.alpha}, frame "
                                  f"{r.timing.apex_frame}) | 8×|ME apex − neutral|; outline "
                                  f"share {share.raw} raw → {share.me} ME",
                       "src": retimed_strip_uri(me[0], raw[0], me[1])})
    return Section(title, tables=tables, images=images)


def _raw_curves(made: list[RetimeRecord]) -> str:
    fig, ax = pyplot().subplots(figsize=(7, 3.2), dpi=100)
    for r in made:
        if r.raw_motion_iod is None or r.raw_apex_frame is None:
            continue
        fps = r.timing.fps
        values = [float("nan") if v is None else v for v in r.raw_motion_iod]
        ax.plot([k / fps for k in range(len(values))], values, lw=0.8, alpha=0.7)
        ax.plot([r.raw_apex_frame / fps], [values[r.raw_apex_frame]], "k.", ms=4)
    ax.set_xlabel("time in the generated clip (s); dots: the apex retime took")
    ax.set_ylabel("facial motion (IOD)")
    fig.tight_layout()
    return data_uri(figure_png(fig), "image/png")


def longvideo_section(folder: Path | None) -> Section:
    """The long videos: their events, the baseline spotter's scores (MEGC spotting and STRS, both
    modes) and, per video, a timeline of the truth against the spots."""
    if folder is None or not (folder / "events.csv").is_file():
        return Section("Long videos", missing="no long videos (run `dvc repro longvideo`)")
    events = pd.read_csv(folder / "events.csv", dtype={"Subject": str, "Filename": str})
    spots = longvideo_files.read_spots(folder)
    scores = baseline_scores(folder)
    rows = [{"mode": mode, **{k: scores[mode][k] for k in (
        "TP spotting", "FP spotting", "FN spotting", "F1-score spotting", "F1-score analysis",
        "UF1 analysis", "UAR analysis", "STRS")}} for mode in ("megc2025", "corrected")]
    counts = events.groupby("Type").size().rename("events").reset_index()
    return Section("Long videos", tables=[
        table("Expressions in the long videos (ground truth)", counts),
        table("Baseline spotter (motion curve, ME by duration ≤ 0.5 s; emotion from the apex's "
              "AUs): MEs spotted (IoU ≥ 0.5) and recognised, as the MEGC organisers score "
              f"(megc2025) and corrected; macro-expression spotting F1 "
              f"{scores['macro_spotting_f1']}", pd.DataFrame(rows))],
        images=[{"caption": f"{video}: truth (top) and spots (bottom); MEs dark, MaEs light",
                 "src": _timeline(events[events["Filename"] == video],
                                  spots[spots["video"] == video])}
                for video in list(dict.fromkeys(events["Filename"]))[:2]])


def _timeline(events: pd.DataFrame, spots: pd.DataFrame) -> str:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9, 1.6))
    for y, rows, kind in ((1, events.itertuples(), "Type"), (0, spots.itertuples(), "type")):
        for r in rows:
            onset, offset = (r.Onset, r.Offset) if y else (r.onset, r.offset)
            micro = str(getattr(r, kind)).startswith(("Micro", "ME"))
            ax.broken_barh([(onset, max(offset - onset, 1))], (y - 0.35, 0.7),
                           color="#b2182b" if micro else "#92c5de")
    ax.set_yticks([0, 1], ["spots", "truth"])
    ax.set_xlabel("frame")
    fig.tight_layout()
    return data_uri(figure_png(fig), "image/png")


def baselines_section(evaluation: Path | None, scores: Path | None) -> Section:
    """Reads every run of the evaluate stage: its ``results.csv`` (scores with CIs) and
    ``groups.csv`` (per-demographic scores, largest gaps) under ``scores``, its per-class table
    and plots under ``evaluation``."""
    runs = (evaluation_files.read_runs(evaluation, scores)
            if evaluation is not None and scores is not None else {})
    if not runs:
        return Section("Baselines", missing="no baseline results yet (the train / evaluate "
                                            "stages have not run)")
    tables = [table("UF1 / UAR per model × protocol (pooled over folds; 'all' and per dataset), "
                    "95% bootstrap CIs", pd.concat([r["results"] for r in runs.values()]))]
    per_class = [r["per_class"].assign(run=name) for name, r in runs.items() if "per_class" in r]
    if per_class:
        tables.append(table("Per class, all clips of each run", pd.concat(per_class)))
    groups = [r["groups"] for r in runs.values() if "groups" in r]
    if groups:
        tables.append(table("Per-demographic results (fairlearn MetricFrame) and the largest gap "
                            "per attribute with its 95% CI", pd.concat(groups)))
    images = [{"caption": p.stem.replace("_", " "), "src": png_file_uri(p)}
              for name in runs for p in sorted((evaluation / name).glob("*.png"))]
    return Section("Baselines", tables=tables, images=images)


def review_section(results: Path | None) -> Section:
    """Human review results (``equime review results``): agreement, accuracy, realism."""
    s = review_files.read_summary(results) if results is not None else None
    if s is None:
        return Section("Human review", missing="no human ratings yet (`equime review serve`, "
                                               "then `equime review results`)")
    if not s.get("ratings"):
        return Section("Human review", missing=f"no human ratings yet ({s.get('clips_sampled', 0)} "
                                               "clips sampled; `equime review serve`, then "
                                               "`equime review import`)")
    tables = [table("Review summary", pd.DataFrame([{k: v for k, v in s.items()
                                                     if not isinstance(v, dict)}]))]
    if isinstance(s.get("realism"), dict):
        tables.append(table("Realism ratings (1–5)", pd.DataFrame(
            sorted(s["realism"].items()), columns=["score", "ratings"])))
    if (clips := review_files.read_clips(results)) is not None:
        tables.append(table("Per clip: planned emotion, raters' majority label, votes", clips))
    return Section("Human review", tables=tables)


def provenance_section(params: Path, lock: Path | None) -> Section:
    """Params, equime version, git commit and the dvc.lock hashes of every stage's inputs."""
    tables = [table("Run", pd.DataFrame([{"equime": __version__,
                                          "code commit (src/, params, dvc.yaml)": git_commit(
                                              params.parent, CODE_PATHS)}]))]
    notes = []
    if lock is not None and lock.is_file():
        stages: Mapping[str, Any] = (yaml.safe_load(lock.read_text()) or {}).get("stages", {})
        rows = [{"stage": name, "input": d["path"], "md5": d.get("md5", "")}
                for name, st in stages.items() if name != "report"  # not its own previous run
                for d in st.get("deps", [])]
        tables.append(table("dvc.lock: input hashes per stage", pd.DataFrame(rows)))
    else:
        notes.append("No dvc.lock (the pipeline was not run through DVC).")
    notes.append(params.read_text() if params.is_file() else f"{params}: not found")
    return Section("Provenance", tables=tables, notes=notes)
