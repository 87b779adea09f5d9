"""The project's one MP4 reader/writer (PyAV, H.264, deterministic options).

With ``thread_count=1``, fixed x264 options and the muxer's bitexact flag, the same frames give
the same bytes on every run, so DVC hashes of generated videos are reproducible.
"""

from __future__ import annotations

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


def check_frames(frames: np.ndarray) -> None:
    if frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"frames must be uint8 (T, H, W, 3), got {frames.dtype} {frames.shape}")
    if frames.shape[1] % 2 or frames.shape[2] % 2:
        raise ValueError(f"yuv420p needs even sides, got {frames.shape[2]}x{frames.shape[1]}")


def encode_mp4(path: Path, frames: np.ndarray, fps: int | Fraction, options: EncoderOptions) -> None:
    """Encode ``frames`` (uint8 THWC RGB) to ``path`` (not atomic; see :func:`write_mp4`)."""
    check_frames(frames)
    with av.open(str(path), mode="w", format="mp4", options={"fflags": "+bitexact"}) as container:
        stream = container.add_stream(options.codec, rate=Fraction(fps))
        stream.width, stream.height = frames.shape[2], frames.shape[1]
        stream.pix_fmt = options.pix_fmt
        stream.codec_context.thread_count = 1
        stream.options = {"crf": str(options.crf), "preset": options.preset}
        for frame in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        container.mux(stream.encode())


def write_mp4(path: Path, frames: np.ndarray, fps: int | Fraction, options: EncoderOptions) -> None:
    """Encode atomically: a killed run leaves a ``.part`` file, never a truncated ``path``."""
    with atomic_path(path) as tmp:
        encode_mp4(tmp, frames, fps, options)


def read_mp4(path: Path) -> np.ndarray:
    """Decode every frame to uint8 (T, H, W, 3) RGB."""
    try:
        with av.open(str(path)) as container:
            frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    except (av.error.FFmpegError, FileNotFoundError) as exc:
        raise InputError(f"{path}: cannot decode video ({exc}); regenerate it") from None
    if not frames:
        raise InputError(f"{path}: holds no video frames; regenerate it")
    return np.stack(frames)


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
