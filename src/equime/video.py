"""The project's one MP4 reader/writer (PyAV, H.264, deterministic options).

The same frames give the same bytes on every run and on every x86-64-v3 machine, so DVC hashes
of generated videos are reproducible:

- RGB → YUV 4:2:0 is done here in integer arithmetic (:func:`rgb_to_yuv420`), not by FFmpeg's
  swscale, whose SIMD paths depend on the CPU and even on the input buffer's alignment (measured:
  the same frames at a 16-byte offset gave other bytes, so the heap's layout, which Python's hash
  seed shifts, changed retimed clips);
- x264 runs one fixed instruction set (``EncoderOptions.asm``, x264's ``asm`` option) instead of
  the best one it detects: its AVX-512 paths give other bytes than its AVX2, AVX and SSE4.2
  paths (which agree, measured); a CPU that lacks the set stops the stage with one line;
- ``thread_count=1`` and the muxer's bitexact flag.
"""

from __future__ import annotations

import functools
import hashlib
import platform
import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, NamedTuple, overload

import av
import numpy as np

from equime.errors import EnvironmentFault, InputError
from equime.files import atomic_path, sha256_file

# x264's instruction sets (its ``asm`` names) that encoding may pin, and the CPU flags (Linux
# /proc/cpuinfo names) each needs: "AVX2" is x264's AVX2 level (AVX, FMA3, BMI1/2, LZCNT too),
# which every x86-64-v3 CPU has; "none" is x264's C code alone (any CPU, ~4x slower to encode).
X264_ASM: dict[str, tuple[str, ...]] = {
    "AVX2": ("sse4_2", "avx", "avx2", "fma", "bmi1", "bmi2", "abm"),
    "none": (),
}
# the colour the frames are written in, said in the stream (BT.601, limited range: what
# :func:`rgb_to_yuv420` computes), so a player never guesses BT.709 for a large frame
X264_VUI = "colormatrix=smpte170m:colorprim=smpte170m:transfer=smpte170m:range=tv"


@dataclass(frozen=True)
class EncoderOptions:
    crf: int  # generate.crf
    preset: str  # generate.preset
    asm: str  # generate.x264_asm: the x264 instruction set pinned (a key of X264_ASM)
    codec: str = "libx264"
    pix_fmt: str = "yuv420p"


@dataclass(frozen=True)
class Encoded:
    """What was written: the frame count and a digest of the frames handed to the encoder (RGB
    bytes, in order), so a difference between machines shows at once whether rendering or
    encoding differs."""

    frames: int
    frames_sha256: str


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


def rgb_to_yuv420(frame: np.ndarray) -> np.ndarray:
    """A uint8 (H, W, 3) RGB frame as planar YUV 4:2:0 (BT.601, limited range), uint8
    (H·3/2, W): Y, then U and V (each H/2 × W/2, the mean of each 2×2 block), as PyAV's
    ``yuv420p`` frames hold them.

    Written by hand (swscale does this conversion, but not to the same bytes on every CPU and
    buffer alignment); integer arithmetic with the standard 8-bit coefficients (ITU-R BT.601,
    rounded as in ITU-R BT.601's 8-bit form), exact on any machine.
    """
    h, w = frame.shape[:2]
    r, g, b = (frame[..., c].astype(np.uint16) for c in range(3))
    # luma in uint16, exact: 66·255 + 129·255 + 25·255 + 128 = 56228 < 2¹⁶ (a quarter of the
    # memory traffic of int32: this runs on every frame encoded)
    y = r * 66
    y += g * 129
    y += b * 25
    y += 128
    y >>= 8
    y += 16
    # chroma of each 2×2 block: the four pixels' sums (≤ 1020), then rounded once at 10 bits
    r4, g4, b4 = ((c[0::2, 0::2] + c[0::2, 1::2] + c[1::2, 0::2] + c[1::2, 1::2]).astype(np.int32)
                  for c in (r, g, b))
    u = ((-38 * r4 - 74 * g4 + 112 * b4 + 512) >> 10) + 128
    v = ((112 * r4 - 94 * g4 - 18 * b4 + 512) >> 10) + 128
    out = np.empty((h * 3 // 2, w), np.uint8)
    out[:h] = y
    out[h:].reshape(-1)[: u.size] = u.reshape(-1)
    out[h:].reshape(-1)[u.size:] = v.reshape(-1)
    return out


@functools.cache
def cpu_flags() -> frozenset[str]:
    """This CPU's instruction-set flags as Linux names them (empty where it cannot be read)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def check_asm(asm: str, flags: frozenset[str] | None = None) -> None:
    """Stop (one line) where this CPU cannot run x264's ``asm`` set: its bytes would then not be
    the pinned set's, and must never claim to be."""
    if asm not in X264_ASM:
        raise EnvironmentFault(f"params.yaml: generate.x264_asm {asm!r} is not one of "
                               f"{', '.join(X264_ASM)}")
    have = cpu_flags() if flags is None else flags
    if missing := [f for f in X264_ASM[asm] if f not in have]:
        raise EnvironmentFault(
            f"this CPU ({platform.machine()}) lacks {', '.join(missing)}, which the pinned x264 "
            f"instruction set {asm} (generate.x264_asm) needs: run on an x86-64-v3 CPU, or set "
            "generate.x264_asm: none (C code only; other bytes than the committed dvc.lock's)")


_END = object()


def made_ahead(frames: Iterable[np.ndarray], depth: int = 4) -> Iterator[np.ndarray]:
    """``frames`` in their order, a stream made on a second thread up to ``depth`` frames ahead
    of its reader: the per-frame work of a stream (the camera's noise, a renderer) then runs
    beside x264, which encodes with the GIL released (PyAV), as numpy and OpenCV compute. The
    same frames, so the same bytes. An error making a frame is raised here, where that frame is
    read; a reader that stops early stops the stream (closed on its thread). An array or a list
    is read as it is. Written by hand: ``concurrent.futures`` maps calls, not one generator."""
    if isinstance(frames, np.ndarray | Sequence):
        yield from frames
        return
    ready: queue.Queue[tuple[Any, BaseException | None]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: tuple[Any, BaseException | None]) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def make() -> None:
        stream = iter(frames)
        try:
            for frame in stream:
                if not offer((frame, None)):
                    return
            offer((_END, None))
        except BaseException as exc:  # raised again on the reader's thread
            offer((None, exc))
        finally:
            if close := getattr(stream, "close", None):
                close()

    maker = threading.Thread(target=make, name="equime-frames", daemon=True)
    maker.start()
    try:
        while True:
            frame, error = ready.get()
            if error is not None:
                raise error
            if frame is _END:
                return
            yield frame
    finally:
        stop.set()
        maker.join()


def encode_mp4(path: Path, frames: Iterable[np.ndarray], fps: int | Fraction,
               options: EncoderOptions) -> Encoded:
    """Encode ``frames`` (uint8 H×W×3 RGB each: an array or a stream, encoded as they come) to
    ``path`` (not atomic; see :func:`write_mp4`)."""
    check_asm(options.asm)
    count, shape, digest = 0, None, hashlib.sha256()
    params = f"asm={'0' if options.asm == 'none' else options.asm}:{X264_VUI}"
    with av.open(str(path), mode="w", format="mp4", options={"fflags": "+bitexact"}) as container:
        stream = container.add_stream(options.codec, rate=Fraction(fps))
        stream.pix_fmt = options.pix_fmt
        stream.codec_context.thread_count = 1
        stream.options = {"crf": str(options.crf), "preset": options.preset,
                          "x264-params": params}
        for frame in made_ahead(frames):
            check_frame(frame, shape)
            if shape is None:
                shape = frame.shape
                stream.width, stream.height = frame.shape[1], frame.shape[0]
            digest.update(np.ascontiguousarray(frame).data)
            yuv = av.VideoFrame.from_ndarray(rgb_to_yuv420(frame), format="yuv420p")
            container.mux(stream.encode(yuv))
            count += 1
        if not count:
            raise ValueError("no frames to encode")
        container.mux(stream.encode())
    return Encoded(count, digest.hexdigest())


def write_mp4(path: Path, frames: Iterable[np.ndarray], fps: int | Fraction,
              options: EncoderOptions) -> Encoded:
    """Encode atomically: a killed run leaves a ``.part`` file, never a truncated ``path``."""
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


class DecodedClip(Sequence[np.ndarray]):
    """A clip decoded whole, each frame turned into uint8 (H, W, 3) RGB when first read (then
    kept): an analysis that reads a few dozen of a clip's frames converts only those, and a
    decoded frame (YUV 4:2:0) holds half the bytes of an RGB one. The same arrays as
    :func:`read_mp4`'s."""

    def __init__(self, path: Path) -> None:
        try:
            with av.open(str(path)) as container:
                self._decoded = list(container.decode(video=0))
        except (av.error.FFmpegError, FileNotFoundError) as exc:
            raise InputError(f"{path}: cannot decode video ({exc}); regenerate it") from None
        if not self._decoded:
            raise InputError(f"{path}: holds no video frames; regenerate it")
        self._rgb: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self._decoded)

    @overload
    def __getitem__(self, k: int) -> np.ndarray: ...

    @overload
    def __getitem__(self, k: slice) -> list[np.ndarray]: ...

    def __getitem__(self, k: int | slice) -> np.ndarray | list[np.ndarray]:
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        k = range(len(self))[k]  # negative indices; IndexError past the end
        if k not in self._rgb:
            self._rgb[k] = self._decoded[k].to_ndarray(format="rgb24")
        return self._rgb[k]

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """(T, H, W, 3), as :func:`read_mp4`'s array."""
        first = self._decoded[0]
        return len(self), first.height, first.width, 3


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


class VideoShape(NamedTuple):
    frames: int
    width: int
    height: int
    fps: Fraction  # average, exact


def video_shape(path: Path) -> VideoShape:
    """The video stream's shape and rate from the container, the frame count from its sample
    table (an MP4 always has one; decoded and counted where a container does not say it)."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
            fps = Fraction(stream.average_rate or 0)
            count = stream.frames or sum(1 for _ in container.decode(video=0))
    except (av.error.FFmpegError, FileNotFoundError, IndexError) as exc:
        raise InputError(f"{path}: cannot read video ({exc}); regenerate it") from None
    return VideoShape(count, width, height, fps)


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
