"""The seed's released quality procedure, reproduced to compare with its Table 2 (not to use).

Grayscale frames via OpenCV; PSNR of consecutive frames computed in uint8 as the release did:
``a - b`` and its square wrap modulo 256 (exact only for |d| ≤ 15), and identical frames score
100; scikit-image SSIM with defaults; piq TV/BRISQUE/CLIP-IQA on a 1-channel [0, 1] tensor.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np
from skimage.metrics import structural_similarity

from equime.quality.metrics import CHUNK, frame_metric


def psnr_uint8(a: np.ndarray, b: np.ndarray) -> float:
    """The release's PSNR: uint8 arithmetic wraps; kept on purpose (see module docstring)."""
    mse = np.mean((a - b) ** 2)  # uint8 - uint8 and ** 2 stay uint8: modulo 256
    if mse == 0:
        return 100.0
    return 20 * math.log10(255.0 / math.sqrt(mse))


def psnr_true(a: np.ndarray, b: np.ndarray) -> float:
    """The same PSNR in float, for the comparison the paper mode exists for."""
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 20 * math.log10(255.0 / math.sqrt(mse))


def grayscale(frames: np.ndarray) -> np.ndarray:
    return np.stack([cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames])


def paper_metrics(frames: np.ndarray, names: Sequence[str]) -> dict[str, np.ndarray]:
    import torch

    gray = grayscale(frames)
    out: dict[str, np.ndarray] = {}
    if "psnr" in names:
        out["psnr"] = np.array([psnr_uint8(gray[i], gray[i + 1]) for i in range(len(gray) - 1)])
    if "ssim" in names:
        out["ssim"] = np.array([structural_similarity(gray[i], gray[i + 1])
                                for i in range(len(gray) - 1)])
    per_frame = [n for n in names if n in ("tv", "brisque", "clip_iqa")]
    if per_frame:
        x = torch.from_numpy(gray).float().unsqueeze(1) / 255.0
        for name in per_frame:
            out[name] = np.concatenate([frame_metric(name, x[s:s + CHUNK])
                                        for s in range(0, len(x), CHUNK)])
    return out
