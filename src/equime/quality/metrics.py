"""piq metrics on decoded clips, and the one table of metric facts.

``standard`` mode: float math on [0, 1] tensors (luma or RGB), PSNR/SSIM between consecutive
frames, TV/BRISQUE/CLIP-IQA per frame. Identical consecutive frames score piq's cap of 80 dB
(its eps), not infinity. See :mod:`equime.quality.paper` for the seed's procedure.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from equime.errors import EquimeError

CHUNK = 16  # frames per piq call: measured, larger batches are slower on CPU


@dataclass(frozen=True)
class MetricFact:
    name: str
    per: str  # "pair" (consecutive frames) or "frame"
    low: float
    high: float
    higher_is_better: bool
    weights: tuple[str, ...] = ()  # files piq downloads (see equime models fetch piq)


METRICS: dict[str, MetricFact] = {
    "psnr": MetricFact("psnr", "pair", 0.0, 80.0, True),
    "ssim": MetricFact("ssim", "pair", -1.0, 1.0, True),
    # TV grows with texture and noise; the paper reads lower as cleaner
    "tv": MetricFact("tv", "frame", 0.0, float("inf"), False),
    "brisque": MetricFact("brisque", "frame", 0.0, 150.0, False, ("brisque_svm_weights.pt",)),
    "clip_iqa": MetricFact("clip_iqa", "frame", 0.0, 1.0, True, ("RN50.pt", "clipiqa_tokens.pt")),
}
PIQ_URLS = {
    "brisque_svm_weights.pt": "https://github.com/photosynthesis-team/piq/releases/download/v0.4.0/"
                              "brisque_svm_weights.pt",
    "RN50.pt": "https://github.com/photosynthesis-team/piq/releases/download/v0.7.1/RN50.pt",
    "clipiqa_tokens.pt": "https://github.com/photosynthesis-team/piq/releases/download/v0.7.1/"
                         "clipiqa_tokens.pt",
}


def weight_path(filename: str) -> Path:
    """Where piq looks for a weight file (torch hub checkpoints, or ~/.cache/clip)."""
    if filename == "brisque_svm_weights.pt":
        import torch

        return Path(torch.hub.get_dir()) / "checkpoints" / filename
    return Path(os.path.expanduser("~/.cache/clip")) / filename


def check_metrics(names: Sequence[str]) -> None:
    """Missing weights: one line naming the files and the fetch (the names are the section's,
    validated against :data:`METRICS`)."""
    for name in names:
        missing = [weight_path(f) for f in METRICS[name].weights if not weight_path(f).is_file()]
        if missing:
            raise EquimeError(f"quality.metrics: {name} needs {', '.join(map(str, missing))}; run "
                              "`equime models fetch piq` where there is internet, or remove it")


def to_tensor(frames: np.ndarray, color: str):  # -> torch.Tensor (T, C, H, W) in [0, 1]
    import torch

    if color == "luma":  # ITU-R BT.601, as OpenCV's RGB2GRAY; one matmul over the channel axis
        w = torch.tensor([0.299, 0.587, 0.114]) / 255.0
        return (torch.from_numpy(frames).float() @ w).unsqueeze(1)
    return torch.from_numpy(frames).permute(0, 3, 1, 2).float() / 255.0


@functools.cache
def _clip_iqa():
    import piq

    return piq.CLIPIQA(data_range=1.0).eval()


def frame_metric(name: str, x) -> np.ndarray:  # x: (N, C, H, W) in [0, 1], on any device
    import piq
    import torch

    with torch.no_grad():
        if name == "tv":
            return piq.total_variation(x, reduction="none").cpu().numpy()
        if name == "brisque":
            return piq.brisque(x, data_range=1.0, reduction="none").cpu().numpy()
        if name == "clip_iqa":
            return _clip_iqa().to(x.device)(x).flatten().cpu().numpy()
    raise ValueError(name)


def pair_metric(name: str, a, b) -> np.ndarray:
    import piq
    import torch

    with torch.no_grad():
        if name == "psnr":
            return piq.psnr(a, b, data_range=1.0, reduction="none").cpu().numpy()
        if name == "ssim":
            return ssim(a, b).cpu().numpy()
    raise ValueError(name)


SSIM_WINDOW = (11, 1.5)  # piq's Gaussian window: taps, sigma
SSIM_K = (0.01, 0.03)  # piq's k1, k2


def _pool(x):  # piq.ssim's downsampling: average-pool by round(min side / 256)
    import torch.nn.functional as F

    f = max(1, round(min(x.shape[-2:]) / 256))
    return F.avg_pool2d(x, kernel_size=f) if f > 1 else x


def _blur(maps):
    """(N, C, H, W) → each map's window means (piq's window, no padding), every map of the
    batch as a channel of one image: on the CPU one grouped convolution over N·C channels is
    ~5× faster a map than N images of C channels (measured: 0.32 vs 1.70 ms a 256² map, 80
    maps, one thread), to the same bits."""
    import torch.nn.functional as F
    from piq.functional import gaussian_filter

    n, c, h, w = maps.shape
    window = gaussian_filter(*SSIM_WINDOW, device=maps.device, dtype=maps.dtype)
    out = F.conv2d(maps.reshape(1, n * c, h, w), window.repeat(n * c, 1, 1, 1), groups=n * c)
    return out.reshape(n, c, *out.shape[-2:])


def _ssim_from_means(mu_x, mu_y, e_xx, e_yy, e_xy):
    mu_xx, mu_yy, mu_xy = mu_x**2, mu_y**2, mu_x * mu_y
    c1, c2 = SSIM_K[0] ** 2, SSIM_K[1] ** 2
    cs = (2 * (e_xy - mu_xy) + c2) / ((e_xx - mu_xx) + (e_yy - mu_yy) + c2)
    ss = (2 * mu_xy + c1) / (mu_xx + mu_yy + c1) * cs
    return ss.mean(dim=(-1, -2)).mean(dim=1)


def ssim(x, y):
    """SSIM per image of two (N, C, H, W) batches in [0, 1]: ``piq.ssim``'s definition and
    defaults (average-pool by round(min side / 256), piq's 11-tap σ 1.5 Gaussian window without
    padding, k1 0.01, k2 0.03, mean over pixels, then channels), with its five window means
    (μx, μy, E[x²], E[y²], E[xy]) taken in one grouped convolution (:func:`_blur`).

    Written here because piq convolves each of the five maps in its own call, and on the CPU
    one call over the stack of every pair's maps is ~20× faster; on filmed clips no pair is
    identical, and SSIM was most of the quality stage's time. Equal to piq to the bit
    (tests/quality/test_metrics.py)."""
    import torch

    x, y = _pool(x), _pool(y)
    c = x.shape[1]
    means = _blur(torch.cat([x, y, x * x, y * y, x * y], dim=1))  # 5 maps per channel
    return _ssim_from_means(*means.split(c, dim=1))


IDENTICAL_PAIR = {"psnr": 80.0, "ssim": 1.0}  # exact values for bit-identical frames (PSNR: piq's cap)


def standard_metrics(frames: np.ndarray, names: Sequence[str], color: str,
                     device: str) -> dict[str, np.ndarray]:
    """Per pair / per frame values of each metric, computed in chunks of frames.

    Work is done once per run of bit-identical frames: such a frame has its run's per-frame
    values, and an identical pair has its exact values (SSIM 1, PSNR at piq's cap).
    """
    same = np.array([np.array_equal(frames[i], frames[i + 1]) for i in range(len(frames) - 1)])
    starts = np.flatnonzero(np.concatenate([[True], ~same]))  # first frame of each run
    run = np.cumsum(np.concatenate([[True], ~same])) - 1  # frame -> its run
    x = to_tensor(frames[starts], color).to(device)
    differ = np.flatnonzero(~same)
    out: dict[str, np.ndarray] = {}
    for name in names:
        if METRICS[name].per == "pair":
            values = np.full(len(same), IDENTICAL_PAIR[name], np.float64)
            for start in range(0, len(differ), CHUNK):
                idx = differ[start:start + CHUNK]
                values[idx] = pair_metric(name, x[run[idx]], x[run[idx + 1]])
        else:
            per_run = np.concatenate([frame_metric(name, x[s:s + CHUNK])
                                      for s in range(0, len(x), CHUNK)])
            values = per_run[run]
        out[name] = values
    return out


def summarize(values: np.ndarray) -> dict[str, float]:
    """mean / std / min of a per-pair or per-frame series."""
    if values.size == 0:
        return {"mean": float("nan"), "std": float("nan"), "min": float("nan")}
    return {"mean": float(values.mean()), "std": float(values.std()), "min": float(values.min())}
