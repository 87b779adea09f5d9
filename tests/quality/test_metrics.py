import math
from pathlib import Path

import numpy as np
import pytest
import torch

from equime.errors import EquimeError, ParamsError
from equime.quality.metrics import METRICS, check_metrics, standard_metrics, weight_path
from tests import fixtures


def test_metric_facts_are_complete():
    for fact in METRICS.values():
        assert fact.per in ("pair", "frame") and fact.low < fact.high
    assert not METRICS["brisque"].higher_is_better and METRICS["clip_iqa"].higher_is_better


def test_standard_psnr_ssim_values():
    rng = np.random.default_rng(1)
    base = rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)
    noisy = np.clip(base.astype(int) + rng.integers(-8, 9, base.shape), 0, 255).astype(np.uint8)
    m = standard_metrics(np.stack([base, base, noisy]), ["psnr", "ssim", "tv"], "rgb", "cpu")
    assert m["psnr"][0] == pytest.approx(80.0, abs=1e-3)  # identical pair: piq's eps cap
    assert m["ssim"][0] == pytest.approx(1.0, abs=1e-5)
    mse = np.mean((base / 255.0 - noisy / 255.0) ** 2)
    assert m["psnr"][1] == pytest.approx(10 * math.log10(1 / mse), abs=0.01)
    assert m["tv"].shape == (3,) and m["tv"][2] > m["tv"][0]


def test_unknown_metric_and_missing_weights_are_one_line(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    # the names are METRICS' keys, checked where params.yaml is read
    with pytest.raises(ParamsError, match=r"^params.yaml: quality.metrics.0: Input should be "
                       r"'psnr', 'ssim', 'tv', 'brisque' or 'clip_iqa' \(got 'niqe'\)$"):
        fixtures.params(**{"quality.metrics": ["niqe"]})
    with pytest.raises(EquimeError) as exc:
        check_metrics(["psnr", "brisque"])
    assert "brisque_svm_weights.pt" in str(exc.value) and "equime models fetch piq" in str(exc.value)


def test_brisque_runs_with_weights_placed_by_the_test(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    path = weight_path("brisque_svm_weights.pt")
    path.parent.mkdir(parents=True)
    gen = torch.Generator().manual_seed(0)
    torch.save((torch.randn(50, generator=gen), torch.rand(50, 36, generator=gen)), path)
    check_metrics(["brisque"])
    rng = np.random.default_rng(2)
    frames = rng.integers(0, 255, (3, 96, 96, 3), dtype=np.uint8)
    scores = standard_metrics(frames, ["brisque"], "luma", "cpu")["brisque"]
    assert scores.shape == (3,) and np.all(np.isfinite(scores))


def _place_tiny_clip(home: Path) -> None:
    """A small CLIP traced to TorchScript at the file name piq loads (~/.cache/clip/RN50.pt),
    and prompt tokens; piq rebuilds the architecture from the state dict's shapes."""
    from piq.feature_extractors.clip import CLIP

    torch.manual_seed(0)
    model = CLIP(embed_dim=16, image_resolution=64, vision_layers=(1, 1, 1, 1), vision_width=8,
                 vision_patch_size=None, context_length=77, vocab_size=100, transformer_width=64,
                 transformer_heads=1, transformer_layers=1).eval()
    traced = torch.jit.trace(model, (torch.rand(1, 3, 64, 64), torch.randint(0, 100, (2, 77))),
                             check_trace=False)
    folder = home / ".cache" / "clip"
    folder.mkdir(parents=True)
    torch.jit.save(traced, str(folder / "RN50.pt"))
    torch.save(torch.randint(0, 100, (2, 77)), folder / "clipiqa_tokens.pt")


def test_clip_iqa_runs_with_weights_placed_by_the_test(tmp_path: Path, monkeypatch):
    from equime.quality import metrics
    from equime.quality.paper import paper_metrics

    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(EquimeError, match=r"clip_iqa needs .*RN50\.pt"):
        check_metrics(["clip_iqa"])
    _place_tiny_clip(tmp_path)
    check_metrics(["clip_iqa"])
    metrics._clip_iqa.cache_clear()
    frames = np.random.default_rng(3).integers(0, 255, (4, 96, 96, 3), dtype=np.uint8)
    scores = standard_metrics(frames, ["clip_iqa"], "rgb", "cpu")["clip_iqa"]
    assert scores.shape == (4,) and np.all((scores >= 0) & (scores <= 1))
    paper = paper_metrics(frames, ["clip_iqa"])["clip_iqa"]  # the seed's 1-channel input
    assert paper.shape == (4,) and np.all((paper >= 0) & (paper <= 1))
    metrics._clip_iqa.cache_clear()


@pytest.mark.gpu
def test_standard_metrics_on_cuda_match_cpu():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    rng = np.random.default_rng(4)
    frames = rng.integers(0, 255, (20, 128, 128, 3), dtype=np.uint8)
    frames[5] = frames[4]
    cpu = standard_metrics(frames, ["psnr", "ssim", "tv"], "luma", "cpu")
    gpu = standard_metrics(frames, ["psnr", "ssim", "tv"], "luma", "cuda")
    for name in cpu:
        np.testing.assert_allclose(gpu[name], cpu[name], rtol=1e-4, atol=1e-4)


def test_our_ssim_is_piqs_ssim_to_the_bit():
    import piq

    from equime.quality.metrics import ssim

    face = torch.from_numpy(fixtures.aligned_astronaut().image).permute(2, 0, 1).float()[None] / 255
    gen = torch.Generator().manual_seed(0)
    noisy = (face + 0.02 * torch.randn(face.shape, generator=gen)).clamp(0, 1)
    for a, b in ((face, noisy), (face[..., :96, :128], noisy[..., :96, :128]),  # no pooling
                 (face.mean(1, keepdim=True), noisy.mean(1, keepdim=True))):  # luma-like
        ours = ssim(torch.cat([a, b]), torch.cat([b, b]))
        theirs = piq.ssim(torch.cat([a, b]), torch.cat([b, b]), data_range=1.0, reduction="none")
        assert 0.3 < float(ours[0]) < 0.999 and float(ours[1]) == 1.0
        assert torch.equal(ours, theirs)

