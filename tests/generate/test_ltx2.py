"""The LTX-2 backend on a tiny random LTX2ImageToVideoPipeline built here (no download): loading
by path, frame counts, seeds and batches, the presets' schedules, and the whole generated-motion
path (generate → retime → quality) as for LTX-Video."""

from __future__ import annotations

import string
from pathlib import Path

import numpy as np
import pytest

from equime.generate.ltx2 import LTX2Renderer
from equime.generate.ltx2_params import LTX2Params
from equime.generate.runner import generate_clips
from equime.plan.planner import PlanSubject, plan_clips
from equime.video import EncoderOptions, read_mp4
from tests.fixtures import TINY_PLAN, params
from tests.generate.conftest import (
    check_generates_8k_plus_1_and_trims,
    check_same_frames_alone_in_a_batch_and_on_rerun,
)

ENC = EncoderOptions(crf=18, preset="ultrafast", asm="AVX2")
TINY = {"num_inference_steps": 2, "max_sequence_length": 16, "device": "cpu", "num_frames": None,
        "image_crf": 0}
DISTILLED = {"preset": "distilled", "num_inference_steps": None, "guidance_scale": None,
             "stg_scale": None, "modality_scale": None}


def build_tiny_ltx2(folder: Path) -> Path:
    """An LTX-2 image-to-video pipeline with random weights, sized like diffusers' own LTX-2 tests
    (tests/pipelines/ltx2: 2 layers, 4 latent channels), saved to ``folder``. Their tiny Gemma 3
    comes from the hub; here it is built from a config (hidden 16, 2 layers, a tiny SigLIP tower)
    with a character-level tokenizer made in memory, so the connectors take 2 heads of 8 (their
    width is the text encoder's), and the VAE patches 4x4 pixels (a 5x4x4 latent for 9x32x32:
    ~10x faster than the tests' 1x1)."""
    import torch
    from diffusers import (
        AutoencoderKLLTX2Audio,
        AutoencoderKLLTX2Video,
        FlowMatchEulerDiscreteScheduler,
        LTX2ImageToVideoPipeline,
        LTX2VideoTransformer3DModel,
    )
    from diffusers.pipelines.ltx2 import LTX2TextConnectors
    from diffusers.pipelines.ltx2.vocoder import LTX2Vocoder
    from transformers import (
        Gemma3Config,
        Gemma3ForConditionalGeneration,
        Gemma3TextConfig,
        GemmaTokenizer,
        SiglipVisionConfig,
    )

    specials = ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>", "<start_of_image>", "<end_of_image>",
                "<image_soft_token>"]
    chars = ["\u2581", *string.ascii_letters, *string.digits, *",.!?'-:;()"]
    tokenizer = GemmaTokenizer(vocab={t: i for i, t in enumerate(specials + chars)}, merges=[],
                               add_bos_token=True)
    tokenizer.model_max_length = 128
    text = Gemma3TextConfig(vocab_size=len(specials) + len(chars), hidden_size=16,
                            intermediate_size=32, num_hidden_layers=2, num_attention_heads=2,
                            num_key_value_heads=1, head_dim=8, query_pre_attn_scalar=8,
                            max_position_embeddings=256, sliding_window=64, pad_token_id=0,
                            eos_token_id=1, bos_token_id=2)
    vision = SiglipVisionConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                num_attention_heads=2, image_size=8, patch_size=4)
    torch.manual_seed(0)
    text_encoder = Gemma3ForConditionalGeneration(Gemma3Config(
        text_config=text, vision_config=vision, mm_tokens_per_image=4, boi_token_index=5,
        eoi_token_index=6, image_token_index=7)).eval()
    torch.manual_seed(0)
    transformer = LTX2VideoTransformer3DModel(
        in_channels=4, out_channels=4, patch_size=1, patch_size_t=1, num_attention_heads=2,
        attention_head_dim=8, cross_attention_dim=16, audio_in_channels=4, audio_out_channels=4,
        audio_num_attention_heads=2, audio_attention_head_dim=4, audio_cross_attention_dim=8,
        num_layers=2, qk_norm="rms_norm_across_heads", caption_channels=16,
        rope_double_precision=False, rope_type="split")
    connectors = LTX2TextConnectors(
        caption_channels=16, text_proj_in_factor=3, video_connector_num_attention_heads=2,
        video_connector_attention_head_dim=8, video_connector_num_layers=1,
        video_connector_num_learnable_registers=None, audio_connector_num_attention_heads=2,
        audio_connector_attention_head_dim=8, audio_connector_num_layers=1,
        audio_connector_num_learnable_registers=None, connector_rope_base_seq_len=32,
        rope_theta=10000.0, rope_double_precision=False, causal_temporal_positioning=False,
        rope_type="split")
    vae = AutoencoderKLLTX2Video(
        in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(8,),
        decoder_block_out_channels=(8,), layers_per_block=(1,), decoder_layers_per_block=(1, 1),
        spatio_temporal_scaling=(True,), decoder_spatio_temporal_scaling=(True,),
        decoder_inject_noise=(False, False), downsample_type=("spatial",),
        upsample_residual=(False,), upsample_factor=(1,), timestep_conditioning=False,
        patch_size=4, patch_size_t=1, encoder_causal=True, decoder_causal=False)
    vae.use_framewise_encoding = False
    vae.use_framewise_decoding = False
    audio_vae = AutoencoderKLLTX2Audio(
        base_channels=4, output_channels=2, ch_mult=(1,), num_res_blocks=1, attn_resolutions=None,
        in_channels=2, resolution=32, latent_channels=2, norm_type="pixel",
        causality_axis="height", dropout=0.0, mid_block_add_attention=False, sample_rate=16000,
        mel_hop_length=160, is_causal=True, mel_bins=8)
    vocoder = LTX2Vocoder(
        in_channels=16, hidden_channels=32, out_channels=2, upsample_kernel_sizes=[4, 4],
        upsample_factors=[2, 2], resnet_kernel_sizes=[3], resnet_dilations=[[1, 3, 5]],
        leaky_relu_negative_slope=0.1, output_sampling_rate=16000)
    LTX2ImageToVideoPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(), vae=vae, audio_vae=audio_vae,
        text_encoder=text_encoder, tokenizer=tokenizer, connectors=connectors,
        transformer=transformer, vocoder=vocoder).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_ltx2(tmp_path_factory.mktemp("tiny-ltx2"))


def settings(model: Path | str, **kw) -> LTX2Params:
    return params().generate.ltx2.model_copy(update={**TINY, "model": str(model), **kw})


def test_loads_by_path_generates_8k_plus_1_and_trims(tiny, rows, face):
    check_generates_8k_plus_1_and_trims(LTX2Renderer(settings(tiny)), rows, face)


def test_same_row_same_frames_alone_in_a_batch_and_on_rerun(tiny, rows, face):
    check_same_frames_alone_in_a_batch_and_on_rerun(LTX2Renderer(settings(tiny)), rows, face)


def _passes(renderer: LTX2Renderer) -> list[int]:
    """The batch size of every transformer call (a hook on the loaded pipeline)."""
    seen: list[int] = []
    renderer.pipe.transformer.register_forward_pre_hook(
        lambda module, args, kwargs: seen.append(kwargs["hidden_states"].shape[0]),
        with_kwargs=True)
    return seen


def test_the_distilled_preset_runs_its_8_sigmas_in_one_pass_a_step(tiny, rows, face):
    distilled = LTX2Renderer(settings(tiny, **DISTILLED))
    seen = _passes(distilled)
    distilled.render(rows[0], face)
    assert seen == [1] * 8  # 8 sigmas, guidance 1, no STG, no modality pass: one pass a step
    assert distilled.params()["sampling"]["sigmas"] == [
        1.0, 0.99375, 0.9875, 0.98125, 0.975, 0.909375, 0.725, 0.421875]

    dev = LTX2Renderer(settings(tiny, guidance_scale=4.0, stg_scale=1.0))
    seen = _passes(dev)
    dev.render(rows[0], face)
    # 2 steps, each: the prompt and the negative prompt (CFG) in one batch of 2, then an STG pass
    assert seen == [2, 1, 2, 1]


def test_re_encoding_the_face_renders_each_clip_alone(tiny, rows, face):
    """The pipeline re-encodes a single conditioning image as H.264 (image_crf): a batch is then
    one call per clip, so each clip is exactly what it is alone."""
    r = LTX2Renderer(settings(tiny, image_crf=33))
    calls = []
    real = r.pipe.__call__
    r._pipe = lambda **kw: (calls.append(kw["image"]), real(**kw))[1]
    batch = r.render_batch(rows[:2], [face] * 2)
    assert len(calls) == 2 and all(not isinstance(c, list) for c in calls)
    assert all(np.array_equal(b, r.render(row, face)) for b, row in zip(batch, rows[:2], strict=True))
    plain = LTX2Renderer(settings(tiny)).render(rows[0], face)
    assert not np.array_equal(batch[0], plain)  # the re-encoded face conditions another clip


def test_resume_gives_the_bytes_of_a_clean_run(tiny, rows, face, tmp_path: Path):
    renderer = LTX2Renderer(settings(tiny))
    first = generate_clips(rows[:4], lambda r: face, renderer, ENC, tmp_path / "v", batch_size=2)
    assert first.count("rendered") == 4
    made = {p.name: p.read_bytes() for p in (tmp_path / "v").iterdir()}
    again = generate_clips(rows[:4], lambda r: face, renderer, ENC, tmp_path / "v", batch_size=2)
    assert again.count("skipped") == 4
    assert {p.name: p.read_bytes() for p in (tmp_path / "v").iterdir()} == made
    assert first.records[0].backend == "ltx2" and first.records[0].motion == "generated"


@pytest.mark.parametrize(("override", "message"), [
    ({"preset": "distilled"},
     "generate.ltx2.num_inference_steps: preset distilled runs its 8 fixed sigmas; set it to null"),
    ({**DISTILLED, "guidance_scale": 3.0},
     "generate.ltx2.guidance_scale: preset distilled fixes it at 1.0 (distilled into the weights); "
     "set it to null"),
    ({"stg_scale": None}, "generate.ltx2.stg_scale: preset dev needs a value"),
    ({"num_frames": 96}, "generate.ltx2.num_frames: must be 8k+1 (the VAE compresses time by "
                         "8), e.g. 97 (got 96)"),
])
def test_params_that_contradict_the_preset_are_one_line_errors(tmp_path: Path, override, message):
    import yaml

    from equime.errors import ParamsError
    from equime.params import load_params
    from tests.fixtures import default_params_dict

    tree = default_params_dict()
    tree["generate"]["ltx2"].update(override)
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(tree))
    with pytest.raises(ParamsError) as exc:
        load_params(tmp_path / "params.yaml")
    assert str(exc.value).startswith(f"{tmp_path / 'params.yaml'}: {message}")
    assert "\n" not in str(exc.value)


def test_missing_weights_say_what_to_fetch(tmp_path: Path, monkeypatch):
    from equime.generate.ltx import MissingWeightsError

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    with pytest.raises(MissingWeightsError) as exc:
        LTX2Renderer(settings("Lightricks/LTX-2")).prepare()
    assert str(exc.value).startswith("LTX2 weights Lightricks/LTX-2@main are not available locally")
    assert str(exc.value).endswith("run `equime models fetch ltx2` where there is internet, or set "
                                   "generate.ltx2.model to a local diffusers folder")


@pytest.mark.slow
def test_ltx2_backend_runs_generate_retime_quality(tiny, tmp_path: Path):
    """The stage path a generated clip takes, with backend ltx2: generate (a 9-frame raw clip
    with its record) → retime → quality. Random weights draw no face, so retime refuses each
    clip with its reason and quality records it: nothing is dropped without a line."""
    from equime.artifacts import curated
    from equime.curate.curation import curate_into
    from equime.generate.runner import generate
    from equime.quality.assess import assess_videos
    from equime.retime.jobs import retime_plan
    from tests.fixtures import REPO, encoder

    p = params(**TINY_PLAN, **{"plan.emotions": ["surprise"], "plan.sequences_per_subject": 2,
                               "curate.attributes": None, "curate.size": 64,
                               "generate.backend": "ltx2", "plan.motion_source": "generated",
                               "generate.batch_size": 2, "generate.preset": "ultrafast",
                               "generate.ltx2": {**settings(tiny, num_frames=9).model_dump()},
                               "quality.workers": 1})
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "hopper.jpg").write_bytes(
        (REPO / "src/equime/demo_data/grace_hopper_512x512.jpg").read_bytes())
    curate_into(tmp_path / "src", p.curate, tmp_path / "cur")
    subjects = curated.read_subjects(tmp_path / "cur" / "subjects.csv")
    rows = plan_clips([PlanSubject(s, "f") for s in subjects["subject_id"]], p.plan, p.base.seed)
    report = generate(rows, tmp_path / "cur", tmp_path / "vid", p.generate, p.recording)
    assert [(r.backend, r.motion, r.frames_generated) for r in report.records] == [
        ("ltx2", "generated", 9)] * 2
    assert read_mp4(tmp_path / "vid" / f"{rows[0].clip_id}.mp4").shape == (9, 32, 32, 3)
    retimed = retime_plan(rows, tmp_path / "vid", tmp_path / "cur", tmp_path / "clips", p.retime,
                          p.recording.camera, encoder(preset="ultrafast"))
    assert [reason for _, reason in retimed.rejects] == ["face lost: no face in the first frame"] * 2
    measured = assess_videos(rows, tmp_path / "clips", tmp_path / "cur", p.quality)
    assert measured.records == [] and {r for _, r in measured.rejects} == {
        "no video (not generated)"}
