"""Images for the report, embedded as data URIs so the page opens from disk with no network."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from equime.export.card import difference_strip, neutral_apex_strip

TILE = 160


def data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def png_file_uri(path: Path) -> str:
    return data_uri(path.read_bytes(), "image/png")


def _png(image: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def _tile(frame: np.ndarray, size: int = TILE) -> np.ndarray:
    return np.asarray(Image.fromarray(frame).resize((size, size), Image.LANCZOS))


def strip_uri(frames: np.ndarray, apex_frame: int) -> str:
    """The dataset card's neutral | apex | 8×|difference| strip, as one PNG data URI."""
    return data_uri(_png(neutral_apex_strip(frames, apex_frame, TILE)), "image/png")


def retimed_strip_uri(neutral: np.ndarray, raw_apex: np.ndarray, me_apex: np.ndarray) -> str:
    """Neutral | the generated clip's apex | the ME's apex | 8×|ME apex − neutral| (PNG URI)."""
    return data_uri(_png(difference_strip(neutral, [raw_apex, me_apex], TILE)), "image/png")


def animated_preview(frames: np.ndarray, window: Sequence[int], size: int = TILE) -> str:
    """The frames of ``window`` (around the apex) as a looping animated WebP data URI."""
    picked = [Image.fromarray(_tile(frames[i], size)) for i in window if 0 <= i < len(frames)]
    buf = io.BytesIO()
    picked[0].save(buf, format="WEBP", save_all=True, append_images=picked[1:], duration=80,
                   loop=0, lossless=False, quality=80, method=4)
    return data_uri(buf.getvalue(), "image/webp")
