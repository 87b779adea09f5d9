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
        r"device: cpu; 32x32, 10 frames kept of 17; 2 steps; dtype torch\.float32",
        *(rf"batch {b}: stage {NUM} s/clip, bare pipe\(\) {NUM} s/clip, overhead [+-]{NUM}% "
          r"\(target <= 3%\), peak GPU memory nan GiB" for b in (1, 2)),
    ],
    "bench_quality": [
        r"4 clips \(128x128, 48 frames\); seconds per clip by step:",
        rf"  seed procedure: decode {NUM}, gray {NUM}, psnr {NUM}, ssim {NUM}, tv {NUM}",
        rf"  equime \(1 process\): decode {NUM}, psnr\+ssim\+tv {NUM}, motion {NUM}",
        rf"seed procedure: +{NUM} clips/s",
        rf"equime, 1 process: +{NUM} clips/s  \({NUM}x\)",
        rf"equime, clips on 2 cores: +{NUM} clips/s  \({NUM}x, target >= 2x\)",
    ],
    "bench_retime": [
        r"clips: 3 from videos built in code \(--tiny\) \(24 frames, 256x256\); x264 preset \w+, "
        r"crf \d+; one thread",
        r"retimed 3, rejected 0",
        rf"bare H\.264 encode \(reference\): +{NUM} s/clip wall",
        rf"retime \(whole path\): +{NUM} s/clip wall, {NUM} s CPU",
        rf"ratio retime / bare encode: +{NUM} \(target <= 3\)",
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


@pytest.mark.slow  # the five together take ~70 s on two cores
@pytest.mark.parametrize("name", sorted(FIGURES))
def test_tiny_run_prints_the_figures(name: str):
    res = subprocess.run([sys.executable, f"benchmarks/{name}.py", "--tiny"], cwd=REPO,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    lines = res.stdout.splitlines()
    for figure in FIGURES[name]:
        assert any(re.fullmatch(figure, line) for line in lines), (figure, res.stdout)
