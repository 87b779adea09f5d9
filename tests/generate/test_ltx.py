import re
from pathlib import Path

import numpy as np
import pytest

from equime.errors import InputError
from equime.export.writer import export_dataset
from equime.generate.keyframe import apex_keyframe, keyframe_index
from equime.generate.ltx import (
    LTXRenderer,
    MissingWeightsError,
    check_inputs,
    load_pipeline,
    valid_num_frames,
)
from equime.generate.ltx_params import LTXParams
from equime.generate.runner import Shard, generate_clips
from equime.plan.planner import plan_clips
from equime.video import EncoderOptions, read_mp4
from tests.fixtures import TINY_LTX, TINY_PLAN, build_tiny_ltx, params
from tests.generate.conftest import (
    check_generates_8k_plus_1_and_trims,
    check_same_frames_alone_in_a_batch_and_on_rerun,
)

ENC = EncoderOptions(crf=18, preset="ultrafast", asm="AVX2")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_ltx(tmp_path_factory.mktemp("tiny-ltx"))


def settings(model: Path | str, **kw) -> LTXParams:
    return params().generate.ltx.model_copy(update={**TINY_LTX, "model": str(model), **kw})


def test_valid_frame_counts():
    assert [valid_num_frames(n) for n in (1, 2, 9, 10, 17, 144, 145)] == [1, 9, 9, 17, 17, 145, 145]
    with pytest.raises(ValueError):
        valid_num_frames(0)


def test_a_bad_size_is_a_one_line_error_before_any_model_loads(rows):
    bad = rows[0].model_copy(update={"width": 48})
    with pytest.raises(InputError, match=r"^ann_happiness_01: LTX needs sides divisible by 32, the "
                                         r"plan has 48x32; change plan.width/plan.height$"):
        check_inputs([bad])


def test_missing_weights_say_what_to_fetch(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(MissingWeightsError) as exc:
        load_pipeline(settings("Lightricks/LTX-Video"))
    text = str(exc.value)
    assert text.startswith("LTX weights Lightricks/LTX-Video@main are not available locally")
    assert "equime models fetch ltx" in text and "\n" not in text
    (tmp_path / "empty").mkdir()
    with pytest.raises(MissingWeightsError, match=r"no model_index\.json"):
        load_pipeline(settings(tmp_path / "empty"))


def test_loads_by_path_generates_8k_plus_1_and_trims(tiny, rows, face):
    check_generates_8k_plus_1_and_trims(LTXRenderer(settings(tiny)), rows, face)


def test_same_row_same_frames_alone_in_a_batch_and_on_rerun(tiny, rows, face):
    check_same_frames_alone_in_a_batch_and_on_rerun(LTXRenderer(settings(tiny)), rows, face)


class _Crash(BaseException):
    """Stands for a kill: not an Exception, so the runner does not catch it."""


def test_resume_after_a_crash_gives_the_bytes_of_a_clean_run(tiny, rows, face, tmp_path: Path):
    renderer = LTXRenderer(settings(tiny))
    generate_clips(rows, lambda r: face, renderer, ENC, tmp_path / "clean", batch_size=2)
    calls = {"n": 0}
    real = renderer.render_batch

    def crashing(batch, faces):
        calls["n"] += 1
        if calls["n"] == 3:
            raise _Crash
        return real(batch, faces)

    renderer.render_batch = crashing  # type: ignore[method-assign]
    with pytest.raises(_Crash):
        generate_clips(rows, lambda r: face, renderer, ENC, tmp_path / "crashed", batch_size=2)
    assert len(list((tmp_path / "crashed").glob("*.mp4"))) == 4
    renderer.render_batch = real  # type: ignore[method-assign]
    report = generate_clips(rows, lambda r: face, renderer, ENC, tmp_path / "crashed", batch_size=2)
    assert [o.status for o in report.outcomes].count("skipped") == 4
    clean = {p.name: p.read_bytes() for p in (tmp_path / "clean").iterdir()}
    assert {p.name: p.read_bytes() for p in (tmp_path / "crashed").iterdir()} == clean


def test_shards_partition_the_plan():
    clips = [f"s{i}_happiness_01" for i in range(200)]
    parts = [{c for c in clips if Shard(i, 3).owns(c)} for i in (1, 2, 3)]
    assert set().union(*parts) == set(clips)
    assert sum(len(p) for p in parts) == len(clips)
    assert all(40 < len(p) < 95 for p in parts)
    assert Shard.parse("2/3") == Shard(2, 3)
    for bad in ("0/2", "3/2", "x", "1-2"):
        with pytest.raises(InputError, match="--shard"):
            Shard.parse(bad)


def test_two_shards_then_a_whole_run_give_the_same_clips(tiny, rows, face, tmp_path: Path):
    renderer = LTXRenderer(settings(tiny))
    for part in (Shard(1, 2), Shard(2, 2)):
        generate_clips(rows, lambda r: face, renderer, ENC, tmp_path / "sharded", 2, part)
    merged = generate_clips(rows, lambda r: face, renderer, ENC, tmp_path / "sharded", 2)
    assert {o.status for o in merged.outcomes} == {"skipped"}
    generate_clips(rows, lambda r: face, renderer, ENC, tmp_path / "whole", 2)
    trees = [{p.name: p.read_bytes() for p in sorted((tmp_path / name).iterdir())
              if not p.name.startswith("rejects.shard-")} for name in ("sharded", "whole")]
    assert trees[0] == trees[1]
    assert sum(k.endswith(".mp4") for k in trees[0]) == 8
    assert read_mp4(tmp_path / "whole" / f"{rows[0].clip_id}.mp4").shape == (10, 32, 32, 3)


def _cli(*args: str, cwd: Path, env: dict | None = None):
    import os
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "equime.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300, env={**os.environ, **(env or {})})


@pytest.mark.slow
@pytest.mark.parametrize("conditioning", [{}, {"pipeline": "condition",
                                              "conditioning": "keyframes"}],
                         ids=["image", "keyframes"])
def test_ltx_backend_runs_through_every_stage_to_export(tiny, tmp_path: Path, conditioning):
    """The real LTX path, curate → plan → generate (a 9-frame raw clip) → retime → quality →
    filter → export. Random weights draw no face, so retime refuses each clip with its reason
    and the dataset is empty but whole (test_generated_to_dataset takes a generator whose
    clips show a face through the same path to exported MEs)."""
    import pandas as pd

    from equime.artifacts import clips, curated, face_attributes, selection
    from equime.artifacts.curated import FaceStore
    from equime.attributes.faces import face_attributes as attributes_of
    from equime.curate.curation import curate_into
    from equime.demographics.select import select
    from equime.generate.runner import generate
    from equime.plan.planner import plan_subjects
    from equime.quality.assess import assess_videos
    from equime.quality.filter import verdict_table
    from equime.retime.jobs import retime_plan
    from tests.fixtures import REPO, encoder

    p = params(**TINY_PLAN, **{"plan.emotions": ["surprise"], "plan.sequences_per_subject": 2,
                               "curate.attributes": None, "curate.size": 64,
                               "select.stratify_by": [], "generate.backend": "ltx",
                               "plan.motion_source": "generated",
                               "generate.batch_size": 2, "generate.preset": "ultrafast",
                               "generate.ltx": {**settings(tiny, num_frames=9,
                                                           **conditioning).model_dump()},
                               "quality.workers": 1})
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "hopper.jpg").write_bytes(
        (REPO / "src/equime/demo_data/grace_hopper_512x512.jpg").read_bytes())
    curate_into(tmp_path / "src", p.curate, tmp_path / "cur")
    subjects = curated.read_subjects(tmp_path / "cur" / "subjects.csv")
    face_attributes.write(tmp_path / "faces.csv", attributes_of(subjects, tmp_path / "cur" / "faces",
                                                                None))
    selection.write(tmp_path / "sel", select(face_attributes.read(tmp_path / "faces.csv"), subjects,
                                             tmp_path / "faces.csv", p.select,
                                             p.attributes.age_bands, p.base.seed))
    rows = plan_clips(plan_subjects(selection.read_selected(tmp_path / "sel" / "subjects.csv")),
                      p.plan, p.base.seed)
    assert FaceStore(tmp_path / "cur")(rows[0]).image.shape == (32, 32, 3)
    report = generate(rows, tmp_path / "cur", tmp_path / "vid", p.generate, p.recording)
    assert [r.frames_generated for r in report.records] == [9, 9]  # raw: 9 of the plan's 10
    assert read_mp4(tmp_path / "vid" / f"{rows[0].clip_id}.mp4").shape == (9, 32, 32, 3)
    retimed = retime_plan(rows, tmp_path / "vid", tmp_path / "cur", tmp_path / "clips", p.retime,
                          p.recording.camera, encoder(preset="ultrafast"))
    assert [reason for _, reason in retimed.rejects] == [
        "face lost: no face in the first frame"] * 2
    assert pd.read_csv(tmp_path / "clips" / clips.REJECTS)["clip_id"].tolist() == [
        r.clip_id for r in rows]
    measured = assess_videos(rows, tmp_path / "clips", tmp_path / "cur", p.quality)
    assert measured.records == [] and {r for _, r in measured.rejects} == {
        "no video (not generated)"}
    verdicts = verdict_table(pd.DataFrame(measured.records, columns=["clip_id"]), p.filter)
    summary = export_dataset(rows, selection.read_subject_infos(tmp_path / "sel" / "subjects.csv"),
                             tmp_path / "clips", tmp_path / "vid", tmp_path / "ds", p.export, 1,
                             verdicts={v.clip_id: (bool(v.passed), v.reasons)
                                       for v in verdicts.itertuples()})
    assert summary.exported == 0 and summary.missing == [r.clip_id for r in rows]
    assert "refused by retime): 2;" in (tmp_path / "ds" / "ME-VLM" / "README.md").read_text()


@pytest.mark.slow  # the CLI in subprocesses (~5 s)
def test_models_fetch_offline_is_one_line(tmp_path: Path):
    import yaml

    from tests.fixtures import default_params_dict

    (tmp_path / "params.yaml").write_text(yaml.safe_dump(default_params_dict()))
    res = _cli("models", "fetch", "ltx", cwd=tmp_path,
               env={"HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")})
    assert res.returncode == 2 and "Traceback" not in res.stderr
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith("error: cannot download Lightricks/LTX-Video@main (")
    res = _cli("models", "fetch", "ltx2", cwd=tmp_path,
               env={"HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")})
    assert res.returncode == 2 and res.stderr.strip().splitlines()[-1].startswith(
        "error: cannot download Lightricks/LTX-2@main (")
    res = _cli("models", "fetch", "sd", cwd=tmp_path)
    last = res.stderr.strip().splitlines()[-1]
    assert last == "error: unknown model 'sd'; choose one of ltx, ltx2, piq, deepface"


@pytest.mark.gpu
def test_bf16_on_cuda_is_deterministic(tiny, rows, face):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    r = LTXRenderer(settings(tiny, device="cuda", dtype="bfloat16"))
    a = r.render_batch(rows[:2], [face] * 2)
    b = r.render_batch(rows[:2], [face] * 2)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert str(r.pipe.transformer.dtype) == "torch.bfloat16"


def test_missing_weights_stop_the_stage_instead_of_rejecting_every_clip(rows, face, tmp_path: Path,
                                                                      monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    renderer = LTXRenderer(settings("Lightricks/LTX-Video"))
    with pytest.raises(MissingWeightsError):
        generate_clips(rows, lambda r: face, renderer, ENC, tmp_path / "v", 1)
    assert not list((tmp_path / "v").glob("*.mp4"))


def test_condition_pipeline_renders_one_clip_per_call(tiny, rows, face):
    r = LTXRenderer(settings(tiny, pipeline="condition"))
    videos = r.render_batch(rows[:2], [face] * 2)
    assert [v.shape for v in videos] == [(10, 32, 32, 3)] * 2
    assert type(r.pipe).__name__ == "LTXConditionPipeline"
    assert np.array_equal(videos[1], r.render(rows[1], face))


def test_keyframes_reach_the_pipeline_at_the_apex_and_the_seed_fixes_the_clip(tiny, rows, face):
    """conditioning: keyframes: the neutral at frame 0 and the planned apex (drawn by the AU
    model) at the apex frame, in one call; the seed still fixes the clip."""
    r = LTXRenderer(settings(tiny, pipeline="condition", conditioning="keyframes"))
    real, calls = r.pipe, []

    class Spy:
        def __getattr__(self, name):
            return getattr(real, name)

        def __call__(self, **kw):
            calls.append(kw)
            return real(**kw)

    r._pipe = Spy()
    row = rows[0]  # happiness: AU12 and its like, apex at frame 5 of 10 (17 generated)
    clip = r.render(row, face)
    conditions = calls[0]["conditions"]
    assert [c.frame_index for c in conditions] == [0, row.timing.apex_frame]
    assert keyframe_index(row, r.generated_frames(row)) == row.timing.apex_frame
    late = row.model_copy(update={"timing": row.timing.model_copy(update={"apex_frame": 40})})
    assert keyframe_index(late, 17) == 16  # within the clip
    assert np.array_equal(np.asarray(conditions[0].image), face.image)
    apex = apex_keyframe(row, face)
    assert np.array_equal(np.asarray(conditions[1].image), apex)
    mouth = face.landmarks[48:68]
    x0, y0 = np.floor(mouth.min(axis=0)).astype(int)
    x1, y1 = np.ceil(mouth.max(axis=0)).astype(int)
    changed = np.abs(apex.astype(int) - face.image.astype(int)).sum(-1) > 0
    assert changed[y0:y1 + 1, x0:x1 + 1].any()  # the keyframe moves the mouth
    assert np.array_equal(r.render(row, face), clip)  # the seed fixes the clip
    first_only = LTXRenderer(settings(tiny, pipeline="condition")).render(row, face)
    assert not np.array_equal(first_only, clip)  # and the keyframe shapes it


def test_a_shorter_generation_for_retime_keeps_all_its_frames(tiny, rows, face):
    r = LTXRenderer(settings(tiny, num_frames=9))
    assert (r.generated_frames(rows[0]), r.kept_frames(rows[0])) == (9, 9)  # the plan has 10
    assert r.render(rows[0], face).shape == (9, 32, 32, 3)
    with pytest.raises(Exception, match="must be 8k\\+1"):
        params(**{"generate.ltx": {**settings(tiny).model_dump(), "num_frames": 48}})


DISTILLED = {"preset": "distilled", "pipeline": "condition", "num_inference_steps": None,
             "guidance_scale": None}


def _transformer_calls(renderer: LTXRenderer) -> list[tuple[int, float]]:
    """(batch size, timestep) of every transformer pass the renderer's pipeline makes from now
    (the largest per-token timestep: conditioned tokens get less noise)."""
    calls: list[tuple[int, float]] = []
    renderer.pipe.transformer.register_forward_pre_hook(
        lambda mod, args, kw: calls.append((kw["hidden_states"].shape[0],
                                            float(kw["timestep"].amax()))), with_kwargs=True)
    return calls


def test_the_distilled_preset_runs_its_fixed_timesteps_at_guidance_1(tiny, rows, face):
    from equime.generate.ltx_presets import PRESETS

    fixed = PRESETS["distilled"].timesteps
    assert fixed == (1000, 993, 987, 981, 975, 909, 725, 0.03)  # diffusers' docs, first pass
    r = LTXRenderer(settings(tiny, **DISTILLED))
    calls = _transformer_calls(r)
    video = r.render(rows[0], face)
    assert video.shape == (10, 32, 32, 3) and type(r.pipe).__name__ == "LTXConditionPipeline"
    # one pass per timestep, batch 1: guidance 1 means no classifier-free guidance pass
    assert [b for b, _ in calls] == [1] * len(fixed)
    assert [t for _, t in calls] == pytest.approx(fixed, abs=1e-5)
    assert r.pipe.scheduler.timesteps.tolist() == pytest.approx(fixed, abs=1e-5)
    assert r.pipe.guidance_scale == 1.0
    # dev, as before: num_inference_steps passes, each on the prompt and the negative prompt
    dev = LTXRenderer(settings(tiny, pipeline="condition"))
    calls = _transformer_calls(dev)
    dev.render(rows[0], face)
    assert [b for b, _ in calls] == [2, 2] and dev.pipe.guidance_scale == 3.0


def test_diffusers_image2video_pipeline_takes_no_timesteps(tiny, rows, face):
    """Why preset distilled needs pipeline: condition (a tripwire should diffusers change)."""
    pipe = LTXRenderer(settings(tiny)).pipe
    with pytest.raises(ValueError, match="Only one of `timesteps` or `sigmas`"):
        pipe(image=face.image, prompt="a face", height=32, width=32, num_frames=9,
             timesteps=[1000, 500], max_sequence_length=16, output_type="np")


@pytest.mark.parametrize(("override", "message"), [
    ({"preset": "distilled"},
     "generate.ltx.model: Lightricks/LTX-Video is a dev checkpoint; preset distilled needs one of "
     "its own, e.g. Lightricks/LTX-Video-0.9.8-13B-distilled (or set preset: dev) (got "
     "'Lightricks/LTX-Video')"),
    ({**DISTILLED, "model": "Lightricks/LTX-Video-0.9.7-dev"},
     "generate.ltx.model: Lightricks/LTX-Video-0.9.7-dev is a dev checkpoint; preset distilled "
     "needs one of its own, e.g. Lightricks/LTX-Video-0.9.8-13B-distilled (or set preset: dev) "
     "(got 'Lightricks/LTX-Video-0.9.7-dev')"),
    ({**DISTILLED, "model": "Lightricks/LTX-Video-0.9.8-13B-distilled", "pipeline": "image2video"},
     "generate.ltx.pipeline: preset distilled needs condition (diffusers' LTXConditionPipeline "
     "takes its fixed timesteps; image2video takes none) (got 'image2video')"),
    ({**DISTILLED, "model": "Lightricks/LTX-Video-0.9.7-distilled", "num_inference_steps": 50},
     "generate.ltx.num_inference_steps: preset distilled runs its 8 fixed timesteps; set it to "
     "null (got 50)"),
    ({**DISTILLED, "model": "/models/ltx-distilled", "guidance_scale": 3.0},
     "generate.ltx.guidance_scale: preset distilled fixes guidance at 1.0 (distilled into the "
     "weights); set it to null (got 3.0)"),
    ({"num_inference_steps": None},
     "generate.ltx.num_inference_steps: preset dev needs a step count, e.g. 50 (got None)"),
    ({"guidance_scale": None},
     "generate.ltx.guidance_scale: preset dev needs a guidance scale, e.g. 3.0 (got None)"),
    ({"model": "Lightricks/LTX-Video-0.9.8-13B-distilled"},
     "generate.ltx.model: Lightricks/LTX-Video-0.9.8-13B-distilled is a distilled checkpoint; "
     "preset dev needs one of its own, e.g. Lightricks/LTX-Video (or set preset: distilled) (got "
     "'Lightricks/LTX-Video-0.9.8-13B-distilled')"),
    ({"conditioning": "keyframes"},
     "generate.ltx.conditioning: keyframes needs pipeline: condition (diffusers' "
     "LTXConditionPipeline takes images at frame indices) (got 'keyframes')"),
    ({"preset": "turbo"}, None),
])
def test_params_that_contradict_the_preset_are_one_line_errors(override, message):
    from equime.errors import ParamsError

    with pytest.raises(ParamsError) as exc:
        params(**{f"generate.ltx.{k}": v for k, v in override.items()})
    text = str(exc.value)
    assert "\n" not in text
    if message is None:
        assert text.startswith("params.yaml: generate.ltx.preset: ") and "'dev'" in text
    else:
        assert text == f"params.yaml: {message}"
    if override.get("preset") != "turbo":  # settings copied past validation: the renderer checks
        bad = params().generate.ltx.model_copy(update=override)
        with pytest.raises(ParamsError, match=rf"^{re.escape(message.split(' (got ')[0])}$"):
            LTXRenderer(bad)


def test_a_valid_distilled_section_parses():
    ltx = params(**{f"generate.ltx.{k}": v for k, v in {
        **DISTILLED, "model": "Lightricks/LTX-Video-0.9.8-13B-distilled"}.items()}).generate.ltx
    assert (ltx.preset, ltx.num_inference_steps, ltx.guidance_scale) == ("distilled", None, None)


def test_the_render_key_changes_with_the_preset(tiny, rows):
    from equime.generate.runner import render_key

    dev, distilled = LTXRenderer(settings(tiny)), LTXRenderer(settings(tiny, **DISTILLED))
    assert dev.params()["sampling"] == {"num_inference_steps": 2, "guidance_scale": 3.0}
    assert distilled.params()["sampling"] == {
        "timesteps": [1000, 993, 987, 981, 975, 909, 725, 0.03], "guidance_scale": 1.0}
    keys = {render_key(rows[0], r, ENC) for r in (dev, distilled)}
    assert len(keys) == 2
    assert render_key(rows[0], LTXRenderer(settings(tiny, **DISTILLED)), ENC) in keys  # stable


@pytest.mark.slow  # the CLI in subprocesses (~3 s)
def test_models_fetch_ltx_fetches_the_presets_checkpoint(tmp_path: Path):
    import yaml

    from tests.fixtures import default_params_dict

    tree = default_params_dict()
    tree["generate"]["ltx"].update({**DISTILLED, "model": "Lightricks/LTX-Video-0.9.8-13B-distilled"})
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(tree))
    offline = {"HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    res = _cli("models", "fetch", "ltx", cwd=tmp_path, env=offline)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert res.stderr.strip().splitlines()[-1].startswith(
        "error: cannot download Lightricks/LTX-Video-0.9.8-13B-distilled@main (")
    tree["generate"]["ltx"]["model"] = "Lightricks/LTX-Video"  # a dev checkpoint: refused first
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(tree))
    res = _cli("models", "fetch", "ltx", cwd=tmp_path, env=offline)
    assert res.returncode == 2 and res.stderr.strip().splitlines()[-1].startswith(
        "error: params.yaml: generate.ltx.model: Lightricks/LTX-Video is a dev checkpoint; "
        "preset distilled needs one of its own")
