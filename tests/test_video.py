import hashlib
from fractions import Fraction
from pathlib import Path
from unittest import mock

import numpy as np
import pytest

from equime.errors import EnvironmentFault, InputError
from equime.files import sha256_file
from equime.video import (
    X264_ASM,
    DecodedClip,
    EncoderOptions,
    check_asm,
    cpu_flags,
    encode_mp4,
    made_ahead,
    probe_mp4,
    read_mp4,
    rgb_to_yuv420,
    video_shape,
    write_mp4,
)
from tests.fixtures import encoder


def _frames(n: int = 24, size: int = 64) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size] / size  # smooth content: 4:2:0 keeps it
    base = np.stack([xx * 200 + 20, yy * 200 + 20, (xx + yy) * 100 + 20], -1).astype(np.uint8)
    frames = np.repeat(base[None], n, axis=0)
    frames[n // 2] = np.roll(base, 2, axis=1)
    return frames


def test_roundtrip_and_probe(tmp_path: Path):
    path = tmp_path / "a.mp4"
    frames = _frames()
    write_mp4(path, frames, 24, EncoderOptions(crf=0, preset="ultrafast", asm="AVX2"))
    back = read_mp4(path)
    assert back.shape == frames.shape
    # crf 0 is lossless in YUV; the RGB → YUV 4:2:0 → RGB round trip costs a grey level or two
    assert np.abs(back.astype(int) - frames).mean() < 2.0
    info = probe_mp4(path)
    assert (info.frame_count, info.fps, info.width, info.height) == (24, 24.0, 64, 64)
    assert (info.codec, info.pix_fmt, info.duration_s) == ("h264", "yuv420p", 1.0)
    assert info.size_bytes == path.stat().st_size
    assert info.bitrate_bps == round(info.size_bytes * 8 / 1.0)
    assert info.sha256 == sha256_file(path)


def test_a_decoded_clip_reads_as_read_mp4_frame_by_frame(tmp_path: Path):
    path = tmp_path / "a.mp4"
    frames = _frames()
    frames[5] = 255 - frames[5]  # every frame its own
    write_mp4(path, frames, 24, encoder())
    whole, clip = read_mp4(path), DecodedClip(path)
    assert len(clip) == 24 and clip.shape == whole.shape == (24, 64, 64, 3)
    for k in (5, 0, 23, -1, 5):  # in any order, repeated, from the end
        assert np.array_equal(clip[k], whole[k])
    assert all(np.array_equal(a, b) for a, b in zip(clip[4:7], whole[4:7], strict=True))
    assert len(clip._rgb) == 5  # converted only where read: 5, 0, 23 (-1), 4, 6
    with pytest.raises(IndexError):
        clip[24]
    assert video_shape(path) == (24, 64, 64, Fraction(24))
    (tmp_path / "bad.mp4").write_bytes(b"not a video")
    with pytest.raises(InputError, match=r"bad\.mp4: cannot decode video"):
        DecodedClip(tmp_path / "bad.mp4")
    with pytest.raises(InputError, match=r"bad\.mp4: cannot read video"):
        video_shape(tmp_path / "bad.mp4")


def test_a_stream_is_made_ahead_on_another_thread_in_order_with_its_errors(tmp_path: Path):
    import threading

    frames = _frames()
    threads, closed = set(), []

    def stream(fail_at: int | None = None):
        try:
            for k, frame in enumerate(frames):
                threads.add(threading.current_thread().name)
                if k == fail_at:
                    raise OSError(28, "No space left on device")
                yield frame
        finally:
            closed.append(True)

    # the same bytes as the frames given whole, made on the maker thread
    write_mp4(tmp_path / "whole.mp4", frames, 24, encoder())
    write_mp4(tmp_path / "stream.mp4", stream(), 24, encoder())
    assert (tmp_path / "whole.mp4").read_bytes() == (tmp_path / "stream.mp4").read_bytes()
    assert threads == {"equime-frames"} and closed == [True]
    # an error making frame 5 is raised where frame 5 is read, after frames 0-4
    got = []
    with pytest.raises(OSError, match="No space left"):
        for frame in made_ahead(stream(fail_at=5), depth=2):
            got.append(frame)
    assert len(got) == 5 and closed == [True, True]
    with pytest.raises(OSError, match="No space left"):
        write_mp4(tmp_path / "failed.mp4", stream(fail_at=5), 24, encoder())
    assert not list(tmp_path.glob("*failed.mp4*"))
    # a reader that stops early stops and closes the stream; an array is read as it is
    reader = made_ahead(stream(), depth=2)
    assert np.array_equal(next(reader), frames[0])
    reader.close()
    assert closed[-1] and len(closed) == 4
    threads.clear()
    assert len(list(made_ahead(list(frames)))) == 24 and not threads


def test_same_frames_give_same_bytes(tmp_path: Path):
    frames = _frames()
    write_mp4(tmp_path / "a.mp4", frames, 24, encoder())
    write_mp4(tmp_path / "b.mp4", frames, 24, encoder())
    assert (tmp_path / "a.mp4").read_bytes() == (tmp_path / "b.mp4").read_bytes()


def test_bad_frames_are_refused_and_leave_no_file(tmp_path: Path):
    with pytest.raises(ValueError, match="even sides"):
        write_mp4(tmp_path / "x.mp4", np.zeros((2, 63, 64, 3), np.uint8), 24, encoder())
    with pytest.raises(ValueError, match="uint8"):
        encode_mp4(tmp_path / "x.mp4", np.zeros((2, 64, 64, 3), np.float32), 24, encoder())
    assert list(tmp_path.iterdir()) == []


def _moving(n: int = 16, size: int = 96) -> np.ndarray:
    """Textured frames with motion: x264's motion search, its rate control and mbtree all work."""
    rng = np.random.default_rng(3)
    base = (rng.random((size, size, 3)) * 60 + np.mgrid[0:size, 0:size][1][..., None] * 2)
    return np.stack([np.roll(base, k // 2, axis=1) for k in range(n)]).astype(np.uint8)


def test_rgb_to_yuv420_by_hand():
    # BT.601 limited range, 8-bit: white 235/128/128, black 16/128/128, red 82/90/240
    frame = np.zeros((2, 4, 3), np.uint8)
    frame[:, :2] = 255
    frame[:, 2:] = (255, 0, 0)
    yuv = rgb_to_yuv420(frame)
    assert yuv.shape == (3, 4)
    assert yuv[:2].tolist() == [[235, 235, 82, 82]] * 2
    assert yuv[2].tolist() == [128, 90, 128, 240]  # U of the two blocks, then V
    mixed = np.array([[[255, 255, 255], [0, 0, 0]], [[0, 0, 0], [0, 0, 0]]], np.uint8)
    # chroma of a block is its mean: a white and three black pixels are still grey
    assert rgb_to_yuv420(mixed)[2].tolist() == [128, 128]


def test_same_bytes_whatever_the_frames_alignment_in_memory(tmp_path: Path):
    """FFmpeg's RGB → YUV conversion gave other bytes for a buffer 8 or 16 bytes off a 64-byte
    boundary (so retimed clips changed with Python's hash seed); the project's conversion
    does not."""
    frames = _moving()
    hashes = set()
    for offset in (0, 8, 16, 24, 32, 1):
        shifted = []
        for f in frames:
            buf = np.empty(f.nbytes + 128, np.uint8)
            start = (-buf.ctypes.data) % 64 + offset
            view = buf[start:start + f.nbytes].reshape(f.shape)
            view[...] = f
            shifted.append(view)
        path = tmp_path / f"{offset}.mp4"
        write_mp4(path, shifted, 24, encoder())
        hashes.add(sha256_file(path))
    assert len(hashes) == 1


def test_the_frames_digest_is_of_the_rgb_frames(tmp_path: Path):
    frames = _moving(4)
    done = write_mp4(tmp_path / "a.mp4", iter(frames), 24, encoder())
    assert done.frames == 4
    assert done.frames_sha256 == hashlib.sha256(frames.tobytes()).hexdigest()


def _x264(frames: np.ndarray, path: Path, asm: str) -> str:
    """The project's encoder with only x264's instruction set changed (as another CPU would)."""
    with mock.patch("equime.video.X264_ASM", {**X264_ASM, asm: ()}):
        write_mp4(path, frames, 24, encoder(asm=asm))
    return sha256_file(path)


# x264's names for the levels a CPU may offer, and the Linux flags that show each
LEVELS = {"SSE4.2": "sse4_2", "AVX": "avx", "AVX2": "avx2", "AVX512": "avx512bw"}


def test_pinned_encoder_gives_one_result_at_every_level_this_cpu_offers(tmp_path: Path):
    """x264 picks its code by the CPU: its AVX-512 code writes other bytes than its AVX2 code, so
    the encoder pins AVX2. Here every level up to AVX2 writes the pinned bytes (a CPU without
    AVX-512 runs them), and with the pin a CPU with AVX-512 writes them too."""
    frames = _moving()
    pinned = write_mp4(tmp_path / "pinned.mp4", frames, 24, encoder())
    assert encoder().asm == "AVX2"
    want = sha256_file(tmp_path / "pinned.mp4")
    offered = [level for level, flag in LEVELS.items() if flag in cpu_flags()]
    if "avx2" not in cpu_flags():
        pytest.skip("this CPU has no AVX2")
    got = {level: _x264(frames, tmp_path / f"{level}.mp4", level) for level in offered}
    assert {got[level] for level in offered if level != "AVX512"} == {want}, got
    assert pinned.frames == len(frames)


def test_a_cpu_without_the_pinned_set_is_refused_in_one_line(tmp_path: Path):
    sse_only = frozenset({"sse4_2", "avx"})
    with pytest.raises(EnvironmentFault, match=r"lacks avx2, fma, bmi1, bmi2, abm.*x264_asm: none"):
        check_asm("AVX2", sse_only)
    check_asm("none", frozenset())  # C code runs anywhere
    with mock.patch("equime.video.cpu_flags", lambda: sse_only), \
            pytest.raises(EnvironmentFault, match="lacks avx2"):
        write_mp4(tmp_path / "a.mp4", _moving(2), 24, encoder())
    assert list(tmp_path.iterdir()) == []
