import math

import numpy as np
import pytest

from equime.quality.paper import paper_metrics, psnr_true, psnr_uint8


def test_uint8_psnr_wraps_like_the_release_and_differs_from_the_truth():
    a = np.full((4, 4), 100, np.uint8)
    b = a.copy()
    b[0, 0] = 120  # |d| = 20 > 15: (-20 mod 256)^2 mod 256 = 144, not 400
    assert psnr_uint8(a, b) == pytest.approx(20 * math.log10(255 / math.sqrt(144 / 16)))
    assert psnr_true(a, b) == pytest.approx(20 * math.log10(255 / math.sqrt(400 / 16)))
    assert psnr_uint8(a, b) - psnr_true(a, b) > 4  # the release overstates quality
    c = a.copy()
    c[0, 0] = 110  # |d| = 10 ≤ 15: exact
    assert psnr_uint8(a, c) == pytest.approx(psnr_true(a, c))
    assert psnr_uint8(a, a) == 100.0 and psnr_true(a, a) == math.inf


def test_paper_metrics_per_pair_and_per_frame():
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 255, (5, 32, 32, 3), dtype=np.uint8)
    m = paper_metrics(frames, ["psnr", "ssim", "tv"])
    assert m["psnr"].shape == (4,) and m["ssim"].shape == (4,) and m["tv"].shape == (5,)
    assert np.all(m["ssim"] < 0.5) and np.all(m["tv"] > 0)
