"""The typed sample every loader yields, and frame reading."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

FRAME_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")


@dataclass(frozen=True)
class Sample:
    dataset: str
    subject: str
    clip_id: str
    frames: tuple[Path, ...]
    fps: int
    emotion: str
    label3: str | None  # MEGC 3-class: negative / positive / surprise, None if outside them
    onset: int | None = None  # frame numbers as in the dataset's file names
    apex: int | None = None
    offset: int | None = None
    aus: str = ""
    video: Path | None = None  # an MP4 instead of frame files (the synthetic set)

    def position(self, frame: int | None) -> int | None:
        """Where the dataset's frame number ``frame`` is in the loaded frames (None: not coded or
        not there); the synthetic set's numbers are positions already."""
        if frame is None or self.video is not None:
            return frame
        numbers = [frame_number(p) for p in self.frames]
        return numbers.index(frame) if frame in numbers else None

    def load_frames(self) -> np.ndarray:
        """All frames as uint8 (T, H, W, 3) RGB."""
        if self.video is not None:
            from equime.video import read_mp4

            return read_mp4(self.video)
        return np.stack([np.asarray(Image.open(p).convert("RGB")) for p in self.frames])

    def frames_at(self, positions: Sequence[int]) -> np.ndarray:
        """The frames at ``positions`` (indices into the loaded frames), uint8 (N, H, W, 3): the
        rest is never held (a 200 fps clip has 1,200 frames)."""
        if self.video is not None:
            from equime.video import read_frames

            return read_frames(self.video, positions)
        return np.stack([np.asarray(Image.open(self.frames[i]).convert("RGB")) for i in positions])

    def frame_total(self) -> int:
        """How many frames the sample has."""
        if self.video is not None:
            from equime.video import frame_count

            return frame_count(self.video)
        return len(self.frames)


@dataclass
class Loaded:
    samples: list[Sample] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # one line per malformed row or missing clip


def frame_number(path: Path) -> int:
    """The last run of digits in a file name: img46.jpg → 46, 006_05562.jpg → 5562."""
    digits = re.findall(r"\d+", path.stem)
    return int(digits[-1]) if digits else -1


def frames_in(folder: Path) -> tuple[Path, ...]:
    """Image files of a clip folder, in frame-number order (not string order: img9 < img10)."""
    files = [p for p in folder.iterdir() if p.suffix.lower() in FRAME_SUFFIXES]
    return tuple(sorted(files, key=lambda p: (frame_number(p), p.name)))


def int_or_none(value: object) -> int | None:
    """Sheet cells: 46, '46', 46.0 → 46; '/', '', NaN → None."""
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return None if number != number else int(number)
