"""Every benchmark runs in its ``--tiny`` mode (inputs built in code, CPU) and prints its figures."""

import re
import subprocess
import sys

import pytest

from tests.fixtures import REPO

NUM = r"-?\d+\.\d+"
FIGURES = {
    "bench_generate": [
        r"clip format: 128x128, 48 frames at 24 fps; x264 preset \w+, crf \d+; 3 clips",
        rf"bare H\.264 encode \(reference\): +{NUM} s/clip wall, {NUM} s CPU",
        rf"warp render only: +{NUM} s/clip wall",
        rf"generate stage \(warp\+encode\): +{NUM} s/clip wall, {NUM} s CPU",
        rf"ratio stage / bare encode: +{NUM} \(target <= 2 on filmed clips: camera, living face, shading\)",
        rf"real-time factor: +{NUM} s of video per CPU second \({NUM} CPU s per 2 s clip\)",
    ],
    "bench_ltx": [
        r"device: cpu; tiny random pipeline \(measured here, says nothing about a GPU\); 32x32, "
        r"10 frames kept of 17; dtype torch\.float32",
        rf"preset dev: 2 steps x 2 passes \(guidance {NUM}\) = 4 transformer passes/clip \(tiny "
        r"run; params\.yaml: \d+ steps\)",
        r"preset distilled: 8 fixed timesteps x 1 pass \(guidance 1\.0\) = 8 transformer "
        r"passes/clip",
        rf"  batch 1: stage {NUM} s/clip, bare pipe\(\) {NUM} s/clip, overhead [+-]{NUM}% "
        r"\(target <= 3%\), peak GPU memory nan GiB",
        r"real config \(params\.yaml\): \d+x\d+, \d+ frames = \d+ latent tokens a pass; FLOPs "
        r"counted on meta tensors \(torch FlopCounterMode\), nothing run:",
        r"  dev: Lightricks/LTX-Video, transformer 1\.92B params x \d+ passes: transformer \d+, "
        r"VAE \d+, T5 \d+ = \d+ TFLOP/clip",
        r"  distilled: Lightricks/LTX-Video-0\.9\.8-13B-distilled, transformer 13\.04B params x 8 "
        r"passes: transformer \d+, VAE \d+, T5 \d+ = \d+ TFLOP/clip",
        r"  distilled with generate\.ltx\.conditioning: keyframes \(the apex image encoded, its "
        r"\d+ tokens in every pass\): \d+ TFLOP/clip, \+\d+%",
        rf"tiny pipeline on CPU, MEASURED here \(not a GPU figure\): dev {NUM} s/clip at 4 "
        rf"passes, distilled {NUM} s/clip at 8 passes",
        r"GPU-hours per 100k clips, ESTIMATE for one H100 \(counted FLOPs at an assumed 400 "
        r"TFLOP/s sustained = 40% of the bf16 peak; not measured\): "
        rf"dev {NUM}, distilled {NUM}",
        r"LTX-2 \(generate\.ltx2\), real config: \d+x\d+, \d+ frames at \d+ fps; FLOPs counted "
        r"on meta tensors, nothing run:",
        rf"  dev: transformer 18\.9B params x 80 passes: transformer {NUM}, VAE {NUM}, Gemma 3 \+ "
        rf"connectors {NUM}, audio {NUM} = \d+ TFLOP/clip; ESTIMATE at 400 TFLOP/s: \d+ "
        r"GPU-hours per 100k clips",
        rf"  distilled: transformer 18\.9B params x 8 passes: transformer {NUM}, VAE {NUM}, Gemma "
        rf"3 \+ connectors {NUM}, audio {NUM} = \d+ TFLOP/clip; ESTIMATE at 400 TFLOP/s: \d+ "
        r"GPU-hours per 100k clips",
        rf"LTX-2 distilled vs LTX-Video distilled: {NUM}x the FLOPs a clip",
        rf"distilled vs dev: {NUM}x fewer steps, {NUM}x fewer transformer passes, {NUM}x fewer "
        rf"FLOPs \(its transformer is 6\.8x larger\): a step-count extrapolation alone would "
        r"overstate the saving",
    ],
    "bench_quality": [
        r"4 clips \(128x128, 48 frames\); seconds per clip by step:",
        rf"  seed procedure: decode {NUM}, gray {NUM}, psnr {NUM}, ssim {NUM}, tv {NUM}",
        rf"  equime \(1 process\): decode {NUM}, psnr\+ssim\+tv {NUM}, motion {NUM}",
        rf"seed procedure: +{NUM} clips/s",
        rf"equime, 1 process: +{NUM} clips/s  \({NUM}x\)",
        rf"equime, clips on 2 cores: +{NUM} clips/s  \({NUM}x, target >= 2.3x\)",
    ],
    "bench_recognisability": [
        r"clips: 10 usable from \S+ \(5 emotions: anger, fear, happiness, sadness, surprise\); "
        r"refused: 0",
        rf"\(a\) raw apex, stabilised: +{NUM} +\(chance 0\.20\)",
        rf"\(b\) the ME clips: +{NUM} +\(target: >= \(a\) - 0\.1 = {NUM}\)",
        r"prompted label kept under the measured-label rule: \d+ of 10",
    ],
    "bench_retime": [
        r"clips: 3 from videos built in code \(--tiny\) \(24 frames, 256x256\); x264 preset \w+, "
        r"crf \d+; one thread",
        r"retimed 3, rejected 0",
        rf"bare H\.264 encode \(reference\): +{NUM} s/clip wall, {NUM} s CPU",
        rf"retime \(whole path\): +{NUM} s/clip wall, {NUM} s CPU",
        rf"ratio retime / bare encode: +{NUM} wall \(target <= 3\), {NUM} CPU time",
    ],
    "bench_scale": [
        rf"dry-run plan: 500 rows; local loop {NUM} s, Ray {NUM} s",
        rf"engine overhead, Ray vs local: [+-]{NUM} ms/clip \(target <= 5 ms/clip\)",
        rf"warp on Ray, 4 clips 128x128, 48 frames: 1 worker {NUM} clips/s, 2 workers {NUM} "
        r"clips/s",
        rf"throughput 2 vs 1 workers: {NUM}x \(target >= 1\.8x\); 2 vs 1 plain processes, no "
        rf"Ray: {NUM}x",
        rf"plan peak RSS: 200 rows \d+ MiB, 400 rows \d+ MiB: {NUM}x \(target <= 1\.5x\)",
        rf"export peak RSS: 200 rows \d+ MiB, 400 rows \d+ MiB: {NUM}x \(target <= 1\.5x\)",
        r"curate: 20 photos, 20 subjects, peak RSS \d+ MiB",
        r"curate: 40 photos, 40 subjects, peak RSS \d+ MiB",
        r"export: 200 clips, 200 exported, peak RSS \d+ MiB",
        r"export: 400 clips, 400 exported, peak RSS \d+ MiB",
        rf"curate peak RSS, 40 vs 20: {NUM}x \(target <= 1\.2x\)",
        rf"export peak RSS, 400 vs 200: {NUM}x \(target <= 1\.2x\)",
    ],
    "bench_train": [
        rf"model alone \(pre-batched tensors\) +{NUM} clips/s",
        rf"ours: DataLoader, as trained +{NUM} clips/s",
        rf"ratio \(ours / model alone\): {NUM}  \(target ≥ 0\.8\)",
        r"input preparation \(decode \+ flow\), once per clip: \d+ ms",
    ],
}


def test_every_benchmark_has_a_tiny_run():
    assert {p.stem for p in (REPO / "benchmarks").glob("bench_*.py")} == set(FIGURES)


@pytest.mark.slow  # the seven together take ~4 min on two cores
@pytest.mark.parametrize("name", sorted(FIGURES))
def test_tiny_run_prints_the_figures(name: str):
    res = subprocess.run([sys.executable, f"benchmarks/{name}.py", "--tiny"], cwd=REPO,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    lines = res.stdout.splitlines()
    for figure in FIGURES[name]:
        assert any(re.fullmatch(figure, line) for line in lines), (figure, res.stdout)
