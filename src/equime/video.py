"""The project's one MP4 reader/writer (PyAV, H.264, deterministic options).

With ``thread_count=1``, fixed x264 options and the muxer's bitexact flag, the same frames give
the same bytes on every run, so DVC hashes of generated videos are reproducible.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from equime.errors import InputError
from equime.files import atomic_path, sha256_file


@dataclass(frozen=True)
class EncoderOptions:
    crf: int  # generate.crf
    preset: str  # generate.preset
    codec: str = "libx264"
    pix_fmt: str = "yuv420p"


@dataclass(frozen=True)
class VideoInfo:
    """Facts measured from a written file."""

    path: str
    size_bytes: int
    sha256: str
    codec: str
    pix_fmt: str
    width: int
    height: int
    fps: float
    frame_count: int
    duration_s: float
    bitrate_bps: int


def check_frame(frame: np.ndarray, shape: tuple[int, ...] | None = None) -> None:
    """A frame the encoder takes: uint8 (H, W, 3), even sides, the clip's ``shape``."""
    if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[-1] != 3:
        raise ValueError(f"frames must be uint8 (H, W, 3), got {frame.dtype} {frame.shape}")
    if frame.shape[0] % 2 or frame.shape[1] % 2:
        raise ValueError(f"yuv420p needs even sides, got {frame.shape[1]}x{frame.shape[0]}")
    if shape is not None and frame.shape != shape:
        raise ValueError(f"a frame is {frame.shape}, the clip's first {shape}")


def encode_mp4(path: Path, frames: Iterable[np.ndarray], fps: int | Fraction,
               options: EncoderOptions) -> int:
    """Encode ``frames`` (uint8 H×W×3 RGB each: an array or a stream, encoded as they come) to
    ``path`` (not atomic; see :func:`write_mp4`); the number of frames written."""
    count, shape = 0, None
    with av.open(str(path), mode="w", format="mp4", options={"fflags": "+bitexact"}) as container:
        stream = container.add_stream(options.codec, rate=Fraction(fps))
        stream.pix_fmt = options.pix_fmt
        stream.codec_context.thread_count = 1
        stream.options = {"crf": str(options.crf), "preset": options.preset}
        for frame in frames:
            check_frame(frame, shape)
            if shape is None:
                shape = frame.shape
                stream.width, stream.height = frame.shape[1], frame.shape[0]
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
            count += 1
        if not count:
            raise ValueError("no frames to encode")
        container.mux(stream.encode())
    return count


def write_mp4(path: Path, frames: Iterable[np.ndarray], fps: int | Fraction,
              options: EncoderOptions) -> int:
    """Encode atomically: a killed run leaves a ``.part`` file, never a truncated ``path``; the
    number of frames written."""
    with atomic_path(path) as tmp:
        return encode_mp4(tmp, frames, fps, options)


def iter_mp4(path: Path) -> Iterator[np.ndarray]:
    """Decode frame by frame to uint8 (H, W, 3) RGB: one frame in memory at a time."""
    count = 0
    try:
        with av.open(str(path)) as container:
            for f in container.decode(video=0):
                count += 1
                yield f.to_ndarray(format="rgb24")
    except (av.error.FFmpegError, FileNotFoundError) as exc:
        raise InputError(f"{path}: cannot decode video ({exc}); regenerate it") from None
    if not count:
        raise InputError(f"{path}: holds no video frames; regenerate it")


def read_mp4(path: Path) -> np.ndarray:
    """Decode every frame to uint8 (T, H, W, 3) RGB."""
    return np.stack(list(iter_mp4(path)))


def read_frames(path: Path, indices: Sequence[int]) -> np.ndarray:
    """The frames at ``indices`` (in that order, repeats allowed), uint8 (N, H, W, 3): one pass
    of the decoder that keeps only those, so a long clip never sits in memory whole."""
    wanted = set(indices)
    kept = {}
    for k, frame in enumerate(iter_mp4(path)):
        if k in wanted:
            kept[k] = frame
            if len(kept) == len(wanted):
                break
    if missing := sorted(wanted - kept.keys()):
        raise InputError(f"{path}: has no frame {missing[0]} (it has fewer frames); regenerate it")
    return np.stack([kept[i] for i in indices])


def frame_count(path: Path) -> int:
    """How many frames the clip has (decoded and counted: container metadata can be absent)."""
    return sum(1 for _ in iter_mp4(path))


def mp4_fps(path: Path) -> Fraction:
    """The video stream's frame rate (average, exact), from the container."""
    try:
        with av.open(str(path)) as container:
            return Fraction(container.streams.video[0].average_rate or 0)
    except (av.error.FFmpegError, FileNotFoundError, IndexError) as exc:
        raise InputError(f"{path}: cannot read video ({exc}); regenerate it") from None


def probe_mp4(path: Path) -> VideoInfo:
    """Measure a written file: container facts plus a full decode to count frames."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            codec = stream.codec_context.name
            pix_fmt = stream.codec_context.pix_fmt or ""
            fps = float(stream.average_rate or 0)
            frame_count = sum(1 for _ in container.decode(video=0))
            width, height = stream.codec_context.width, stream.codec_context.height
    except (av.error.FFmpegError, FileNotFoundError, IndexError) as exc:
        raise InputError(f"{path}: cannot read video ({exc}); regenerate it") from None
    size = path.stat().st_size
    duration = frame_count / fps if fps else 0.0
    return VideoInfo(
        path=path.name,
        size_bytes=size,
        sha256=sha256_file(path),
        codec=codec,
        pix_fmt=pix_fmt,
        width=width,
        height=height,
        fps=fps,
        frame_count=frame_count,
        duration_s=round(duration, 6),
        bitrate_bps=round(size * 8 / duration) if duration else 0,
    )
